"""Synthetic usage events for the benchmarks: 100,000 people in 1,000 teams, 12 months.

Parquet is written directly by DuckDB (one streaming pass, no intermediate file) and the CSV
from that Parquet, so both formats hold the same events. Files are reused across runs: delete
the data directory to regenerate.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

PEOPLE = 100_000
TEAMS = 1_000
DEPARTMENTS = 40
#: Events per session (one person using one tool on one day, spread over two features).
EVENTS_PER_SESSION = 8


def log(message: str) -> None:
    """Progress on stderr, so a long run is not silent and stdout stays the table."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_roster(con, path: Path) -> Path:
    """The roster: person N in team N mod 1,000, department team mod 40."""
    if not path.exists():
        con.execute(f"""COPY (
            SELECT 'person' || i || '@example.com' AS email, 'Team ' || (i % {TEAMS}) AS team,
                   'Department ' || (i % {TEAMS} % {DEPARTMENTS}) AS department,
                   DATE '2020-01-01' AS start_date, NULL AS end_date, DATE '2025-01-01' AS as_of
            FROM range({PEOPLE}) t(i)) TO '{path}' (HEADER)""")
    return path


def events_sql(n: int) -> str:
    """SELECT of ``n`` events in the README's usage columns over 2025 (365 days).

    Session ``s`` fixes the person (s * 104729 mod 100,000), the day (s * 7919 mod 365) and
    the tool (s mod 3); each event draws its time of day, one of two features and a count.
    """
    sessions = max(n // EVENTS_PER_SESSION, 1)
    return f"""
        SELECT strftime(TIMESTAMP '2025-01-01 07:00:00'
                 + to_days(CAST((s * 7919) % 365 AS INTEGER))
                 + to_seconds(CAST(floor(random() * 36000) AS BIGINT)),
                 '%Y-%m-%dT%H:%M:%S') || '+01:00' AS timestamp,
               'person' || ((s * 104729) % {PEOPLE}) || '@example.com' AS email,
               ['GitHub Copilot', 'ChatGPT Enterprise', 'Microsoft 365 Copilot']
                 [1 + CAST(s % 3 AS INTEGER)] AS tool,
               ['chat', 'completion', 'review', 'search']
                 [1 + CAST((s + floor(random() * 2)) % 4 AS INTEGER)] AS feature,
               1 + CAST(floor(random() * 10) AS INTEGER) AS count
        FROM (SELECT CAST(floor(random() * {sessions}) AS BIGINT) AS s FROM range({n}))"""


def generate(data_dir: Path, sizes: list[int], *, csv: bool = True) -> dict[str, Path]:
    """Write (or reuse) the roster and, per size, ``events_N.parquet`` and ``events_N.csv``.

    Returns the paths by key: ``roster``, ``parquet_N`` and ``csv_N``.
    """
    import duckdb

    data_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{data_dir / 'tmp'}'")
    files = {"roster": write_roster(con, data_dir / "roster.csv")}
    for n in sizes:
        parquet = data_dir / f"events_{n}.parquet"
        if not parquet.exists():
            t = time.perf_counter()
            part = parquet.with_suffix(".parquet.part")
            con.execute(f"COPY ({events_sql(n)}) TO '{part}' (FORMAT parquet)")
            part.rename(parquet)
            log(f"generated {parquet.name} ({parquet.stat().st_size / 2**20:,.0f} MiB) "
                f"in {time.perf_counter() - t:.0f} s")
        files[f"parquet_{n}"] = parquet
        path = data_dir / f"events_{n}.csv"
        if csv and not path.exists():
            t = time.perf_counter()
            part = path.with_suffix(".csv.part")
            con.execute(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{part}' (HEADER)")
            part.rename(path)
            log(f"generated {path.name} ({path.stat().st_size / 2**20:,.0f} MiB) "
                f"in {time.perf_counter() - t:.0f} s")
        files[f"csv_{n}"] = path
    return files


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[2:]] or [1_000_000]
    generate(Path(sys.argv[1]), sizes)
