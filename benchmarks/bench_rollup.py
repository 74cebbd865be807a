"""The ``adoption rollup`` row of the benchmark: DuckDB and Spark engines on one event file.

``bench_rollup(path)`` runs, each in a fresh process and in this order:

- baseline: a hand-written DuckDB roll-up of the file (person x tool x day x feature, no
  validation), the floor of what the roll-up can cost;
- duckdb: ``rollup_events(path, engine="duckdb")``;
- spark: ``rollup_events(path, engine="spark")`` on a new local Spark session (``local[*]``),
  with Spark's start-up measured on its own; skipped (None) when pyspark or Java is missing.

Each gives wall-clock seconds (the fresh Python's start-up included) and peak resident memory
(the largest process: Python, or Spark's JVM); Spark's start-up alone is measured in one
more fresh process (``spark.startup``).
Usage: python benchmarks/bench_rollup.py EVENTS.parquet
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["bench_rollup"]

_PEAK = """
def peak_mib(pid="self"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

_BASELINE = _PEAK + """
import duckdb, json, sys
src, out = sys.argv[1], sys.argv[2]
read = "read_parquet" if src.endswith(".parquet") else "read_csv"
duckdb.sql(f'''COPY (
    SELECT CAST(TRY_CAST(timestamp AS TIMESTAMPTZ) AS DATE) AS day, lower(email) AS email,
           tool, feature, sum(TRY_CAST(count AS BIGINT)) AS events
    FROM {read}('{src}') GROUP BY ALL) TO '{out}' (FORMAT parquet)''')
print(json.dumps({"peak_mib": round(peak_mib())}))
"""

_ROLLUP = _PEAK + """
import json, sys
from adoption.rollup import rollup_events
from adoption.rollup.engines import spark_session
src, out, engine = sys.argv[1], sys.argv[2], sys.argv[3]
session = spark_session()[0] if engine == "spark" else None
r = rollup_events(src, out, engine=engine, session=session, progress=False)
peak = peak_mib()
if session is not None:  # Spark works in its JVM, a child of this process
    peak = max(peak, peak_mib(session.sparkContext._gateway.proc.pid))
    session.stop()
print(json.dumps({"rows_read": r.rows_read, "person_days": r.person_days,
                  "rejected": r.rows_rejected, "peak_mib": round(peak)}))
"""

_STARTUP = """
import json, time
from adoption.rollup.engines import spark_session
session, seconds = spark_session()
session.stop()
print(json.dumps({"startup_seconds": round(seconds, 2)}))
"""


def _measured(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python: its JSON result with the wall-clock seconds."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode:
        tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
        return {"error": tail[0]}
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "seconds": round(seconds, 2)}


def bench_rollup(path: str | Path) -> dict:
    """Seconds and peak memory of the roll-up of ``path`` on DuckDB and Spark, and the baseline.

    Returns
    -------
    dict
        ``{"file", "baseline", "duckdb", "spark"}``; each step a dict with ``seconds`` and
        ``peak_mib`` (Spark also ``startup``: a session started and stopped alone), or
        ``{"error": ...}``; ``spark`` is None when pyspark or Java is missing.
    """
    import importlib.util
    import shutil

    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="bench-rollup-") as tmp:
        out = Path(tmp)
        row: dict = {"file": path.name}
        row["baseline"] = _measured(_BASELINE, str(path), str(out / "baseline.parquet"))
        row["duckdb"] = _measured(_ROLLUP, str(path), str(out / "duckdb.parquet"), "duckdb")
        spark_ok = importlib.util.find_spec("pyspark") is not None and shutil.which("java")
        row["spark"] = None
        if spark_ok:
            row["spark"] = _measured(_ROLLUP, str(path), str(out / "spark.parquet"), "spark")
            row["spark"]["startup"] = _measured(_STARTUP)
    return row


if __name__ == "__main__":
    print(json.dumps(bench_rollup(sys.argv[1]), indent=2))
