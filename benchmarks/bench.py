"""Benchmarks for `make bench`: ingest speed and memory against DuckDB's own plain read.

Generates synthetic usage events (1M and 10M rows, CSV and Parquet) with DuckDB, then for each
file measures, in a fresh process each time:

- the floor: DuckDB reading every column of the file once (no validation, no storage);
- our ingest of the file into a fresh workspace (roster loaded beforehand, not timed);

and prints seconds, events per second, peak RSS and our ratio to the floor. Finally it times
the monthly and weekly metric sets (person-period mart + metrics at three levels) over the
12 months of the 10M-event workspace.

Usage: python benchmarks/bench.py [--sizes 1000000 10000000] [--data-dir bench-data]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PEOPLE = 20_000
TEAMS = 200


def generate(data_dir: Path, sizes: list[int]) -> dict[str, Path]:
    import duckdb

    data_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    con = duckdb.connect()
    roster = data_dir / "roster.csv"
    if not roster.exists():
        con.execute(f"""COPY (
            SELECT 'person' || i || '@example.com' AS email, 'Team ' || (i % {TEAMS}) AS team,
                   'Department ' || (i % {TEAMS} % 20) AS department,
                   DATE '2020-01-01' AS start_date, NULL AS end_date, DATE '2025-01-01' AS as_of
            FROM range({PEOPLE}) t(i)) TO '{roster}' (HEADER)""")
    files["roster"] = roster
    for n in sizes:
        csv = data_dir / f"events_{n}.csv"
        parquet = data_dir / f"events_{n}.parquet"
        if not csv.exists():
            con.execute(f"""COPY (
                SELECT strftime(TIMESTAMP '2025-01-01 07:00:00'
                         + to_seconds(CAST(floor(random() * 365 * 86400) AS BIGINT)),
                         '%Y-%m-%dT%H:%M:%S') || '+01:00' AS timestamp,
                       'person' || CAST(floor(pow(random(), 2) * {PEOPLE}) AS BIGINT)
                         || '@example.com' AS email,
                       ['GitHub Copilot', 'ChatGPT Enterprise', 'Microsoft 365 Copilot']
                         [1 + CAST(floor(random() * 3) AS INTEGER)] AS tool,
                       ['chat', 'completion', 'review', 'search']
                         [1 + CAST(floor(random() * 4) AS INTEGER)] AS feature,
                       1 + CAST(floor(random() * 10) AS INTEGER) AS count
                FROM range({n})) TO '{csv}' (HEADER)""")
        if not parquet.exists():
            con.execute(f"COPY (SELECT * FROM read_csv('{csv}', all_varchar=true)) "
                        f"TO '{parquet}' (FORMAT parquet)")
        files[f"csv_{n}"] = csv
        files[f"parquet_{n}"] = parquet
    return files


def run_measured(code: str) -> tuple[float, float, str]:
    """Run python code in a fresh process: (seconds, peak RSS in MiB, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"benchmark step failed (exit {proc.returncode}):\n{code}")
    return seconds, usage.ru_maxrss / 1024, out


FLOOR = """
import duckdb, time
con = duckdb.connect()
con.execute("SET memory_limit = '1GB'")
reader = {reader!r}
t = time.perf_counter()
con.execute(f"SELECT count(timestamp), count(email), count(tool), count(feature), "
            f"count(count) FROM {{reader}}").fetchall()
print(time.perf_counter() - t)
"""

INGEST = """
import time, shutil, adoption
from adoption.ingest import ingest_file
root = {root!r}
shutil.rmtree(root, ignore_errors=True)
ws = adoption.init_workspace(root, adoption.Settings(time_zone="Europe/Berlin"))
ingest_file(ws, {roster!r})
t = time.perf_counter()
r = ingest_file(ws, {path!r})
print(time.perf_counter() - t)
assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
"""

METRICS = """
import time, adoption
from adoption.marts import load_person_periods
from adoption.metrics import compute_adoption_metrics
ws = adoption.open_workspace({root!r})
out = {{}}
for kind in ("month", "week"):
    t = time.perf_counter()
    with ws.store(read_only=True) as store:
        pp = load_person_periods(store, period_kind=kind)
    for by in ("team", "department", "organisation"):
        compute_adoption_metrics(pp, by=by)
    out[kind] = (time.perf_counter() - t, int(pp["period"].nunique()), len(pp))
import json; print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    args = parser.parse_args()
    t = time.perf_counter()
    files = generate(args.data_dir, args.sizes)
    print(f"synthetic data ready in {time.perf_counter() - t:.1f} s ({args.data_dir})\n")
    header = (f"{'input':<22}{'floor s':>9}{'ingest s':>10}{'ratio':>7}{'events/s':>12}"
              f"{'floor MiB':>11}{'ingest MiB':>12}")
    print(header)
    print("-" * len(header))
    last_root = None
    for n in args.sizes:
        for fmt in ("csv", "parquet"):
            path = files[f"{fmt}_{n}"].resolve()
            reader = (f"read_csv('{path}', all_varchar=true)" if fmt == "csv"
                      else f"read_parquet('{path}')")
            _, floor_rss, floor_out = run_measured(FLOOR.format(reader=reader))
            root = str((args.data_dir / f"ws_{fmt}_{n}").resolve())
            _, ingest_rss, ingest_out = run_measured(INGEST.format(
                root=root, roster=str(files["roster"].resolve()), path=str(path)))
            floor_s, ingest_s = float(floor_out.strip()), float(ingest_out.strip())
            print(f"{fmt + ' ' + format(n, ','):<22}{floor_s:>9.2f}{ingest_s:>10.2f}"
                  f"{ingest_s / floor_s:>7.2f}{n / ingest_s:>12,.0f}{floor_rss:>11,.0f}"
                  f"{ingest_rss:>12,.0f}", flush=True)
            last_root = root
    if last_root:
        _, rss, out = run_measured(METRICS.format(root=last_root))
        result = json.loads(out)
        print(f"\nmetric sets on {Path(last_root).name} ({PEOPLE:,} people), peak {rss:,.0f} MiB:")
        for kind, (secs, periods, rows) in result.items():
            print(f"  {kind:<6} {secs:6.2f} s for {periods} periods ({rows:,} person-periods, "
                  "3 levels)")


if __name__ == "__main__":
    main()
