"""Ingest beside DuckDB: scan, the hand-written SQL roll-up, and `adoption ingest` of one file.

Each step runs in a fresh process; its wall time and peak resident memory (``ru_maxrss`` of
that process, from ``os.wait4``) are measured from outside, the same way for ours and DuckDB's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench_data import log

#: Time zone of the bench workspaces, and of the hand-written SQL's days.
TIME_ZONE = "Europe/Berlin"

#: The hand-written DuckDB baseline (issue 11): raw events to person x tool x day, then month
#: and week active users by team (the roster joined for the team), stored in a database file.
#: DuckDB's default settings, as someone would write it by hand.
BASELINE_SQL = """
CREATE TABLE roster AS SELECT email, team, department FROM read_csv('{roster}');
CREATE TABLE person_days AS
    SELECT lower(trim(email)) AS email, tool,
           CAST(timezone('{tz}', CAST("timestamp" AS TIMESTAMPTZ)) AS DATE) AS day,
           count(*) AS events, sum(CAST("count" AS BIGINT)) AS actions
    FROM {reader}
    GROUP BY ALL;
CREATE TABLE month_active AS
    SELECT r.team, date_trunc('month', d.day) AS month, count(DISTINCT d.email) AS active_users
    FROM person_days d JOIN roster r USING (email)
    GROUP BY ALL;
CREATE TABLE week_active AS
    SELECT r.team, date_trunc('week', d.day) AS week, count(DISTINCT d.email) AS active_users
    FROM person_days d JOIN roster r USING (email)
    GROUP BY ALL;
CHECKPOINT;
"""

SCAN_SQL = ("SELECT max(length(CAST(timestamp AS VARCHAR))), max(length(email)), "
            "max(length(tool)), max(length(feature)), max(length(CAST(count AS VARCHAR))) "
            "FROM {reader}")


@dataclass
class Measured:
    """Wall seconds and peak resident MiB of one process, and whether it succeeded."""

    seconds: float
    peak_mib: float
    ok: bool
    error: str = ""


def measure(argv: list[str], *, env: dict[str, str] | None = None) -> Measured:
    """Run ``argv`` in a fresh process; its wall time and peak RSS (``ru_maxrss``)."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        err = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:  # interrupted: the step does not outlive the bench
        proc.kill()
        proc.wait()
        raise
    seconds = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip()]
    error = "" if proc.returncode == 0 else (lines[-1] if lines else f"exit {proc.returncode}")
    # the cause is at the end of a long message ("... (Out of Memory Error: ...)")
    error = error if len(error) <= 200 else "..." + error[-200:]
    return Measured(seconds, usage.ru_maxrss / 1024, proc.returncode == 0, error)


def reader(path: Path) -> str:
    """DuckDB's table function reading ``path`` (CSV types detected, as by hand)."""
    return f"read_parquet('{path}')" if path.suffix == ".parquet" else f"read_csv('{path}')"


def python_sql(sql: str, db: str = ":memory:") -> list[str]:
    """argv running ``sql`` in DuckDB in a fresh Python process."""
    code = ("import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\n"
            "con.execute(\"SET enable_progress_bar = false\")\ncon.execute(sys.argv[2])\n"
            "con.fetchall() if con.description else None\n")
    return [sys.executable, "-c", code, db, sql]


def scan(path: Path) -> Measured:
    """DuckDB reading every column of the file once (no validation, no storage)."""
    return measure(python_sql(SCAN_SQL.format(reader=reader(path))))


def baseline(path: Path, roster: Path, work: Path) -> Measured:
    """The hand-written SQL roll-up into a fresh database file (removed afterwards)."""
    db = work / f"baseline_{path.stem}_{path.suffix[1:]}.duckdb"
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    sql = BASELINE_SQL.format(roster=roster, tz=TIME_ZONE, reader=reader(path))
    try:
        return measure(python_sql(sql, str(db)))
    finally:
        for p in (db, Path(f"{db}.wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(f"{db}.tmp", ignore_errors=True)


def ingest(path: Path, roster: Path, root: Path) -> Measured:
    """``adoption ingest`` of the file into a fresh workspace (init and roster not timed)."""
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(["adoption", "init", str(root), "--time-zone", TIME_ZONE], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["adoption", "ingest", "--workspace", str(root), str(roster)], check=True,
                   stdout=subprocess.DEVNULL)
    return measure(["adoption", "ingest", "--workspace", str(root), str(path)])


def bench_ingest(files: dict[str, Path], sizes: list[int], data_dir: Path, *,
                 formats: tuple[str, ...] = ("parquet", "csv"),
                 keep_csv_workspaces: bool = False) -> Iterator[dict]:
    """Scan, baseline and ingest for every size and format; one dict per file, as measured.

    The Parquet workspaces stay (``ws_parquet_N``: the metric and report benchmarks use them);
    the CSV ones are removed after measuring unless ``keep_csv_workspaces`` (disk: the archive
    holds a copy of every ingested file).
    """
    for n in sizes:
        for fmt in formats:
            path = files[f"{fmt}_{n}"].resolve()
            log(f"{fmt} {n:,}: scan")
            s = scan(path)
            log(f"{fmt} {n:,}: hand-written DuckDB SQL")
            b = baseline(path, files["roster"].resolve(), data_dir.resolve())
            log(f"{fmt} {n:,}: adoption ingest")
            root = (data_dir / f"ws_{fmt}_{n}").resolve()
            i = ingest(path, files["roster"].resolve(), root)
            if fmt == "csv" and not keep_csv_workspaces:
                shutil.rmtree(root, ignore_errors=True)
            log(f"{fmt} {n:,}: scan {s.seconds:.1f} s, DuckDB {b.seconds:.1f} s "
                f"{b.peak_mib:,.0f} MiB, ingest {i.seconds:.1f} s {i.peak_mib:,.0f} MiB"
                + ("" if i.ok else f" FAILED: {i.error}"))
            yield {"n": n, "fmt": fmt, "path": path, "scan": s, "baseline": b, "ingest": i,
                   "root": root}
