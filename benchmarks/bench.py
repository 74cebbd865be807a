"""Benchmarks for `make bench`: issue 11's table, ours beside DuckDB's, measured in one run.

Synthetic usage events (100,000 people in 1,000 teams, 12 months; 10M, 30M and 100M events by
default, Parquet and CSV: :mod:`bench_data`) are generated once and reused. Then, each step in
a fresh process:

- ingest (:mod:`bench_ingest`): DuckDB scanning every column; the hand-written DuckDB SQL
  (person-day roll-up + month and week active users by team, stored); ``adoption ingest`` of
  the same file, with its ratio to that SQL, its peak memory, the 100M/10M time ratio and
  how peak memory grows with events;
- metrics (``bench_metrics.py``, when present): month and week metric sets from the store,
  ``adoption metrics`` and ``adoption --help``;
- report (:mod:`bench_report`): one month's report of the demo and of the 100,000-people
  workspace beside papermill + nbconvert's fixed cost;
- segments (``bench_segments.py``, when present): usage segments beside vivainsights;
- rollup (``bench_rollup.py``, when present): the person-day roll-up on Spark.

The table goes to stdout (Markdown, one row per measure, with the goal and whether it was
met); progress and the total time go to stderr.

Usage: python benchmarks/bench.py [--sizes 10000000 30000000 100000000]
       [--formats parquet csv] [--data-dir bench-data]
       [--only ingest|metrics|report|segments|rollup]
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_data import PEOPLE, generate, log
from bench_ingest import bench_ingest
from bench_report import REPORT_GOAL_RATIO, bench_report, demo_workspace

__all__ = ["generate", "main"]

GIB = 1024.0
#: Goals of issue 11.
INGEST_GOAL_RATIO = 1.0
INGEST_GOAL_MIB = 2 * GIB
GROWTH_GOAL = 11.0
PARTS = ("ingest", "metrics", "report", "segments", "rollup")


class Table:
    """Issue 11's table: work, DuckDB's figure, ours, the ratio, the goal and its verdict."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, work: str, duckdb: str = "", ours: str = "", ratio: str = "",
            verdict: str = "") -> None:
        self.rows.append((work, duckdb, ours, ratio, verdict))

    def print(self) -> None:
        head = ("work", "baseline, same input and run", "adoption", "ratio", "goal")
        print("\n| " + " | ".join(head) + " |")
        print("|" + " --- |" * len(head))
        for row in self.rows:
            print("| " + " | ".join(row) + " |")


def verdict(ok: bool, goal: str) -> str:
    return "met" if ok else f"MISSED (goal {goal})"


def secs(s: float | None) -> str:
    return "-" if s is None else f"{s:.1f} s" if s >= 10 else f"{s:.2f} s"


def mib(m: float) -> str:
    return f"{m / GIB:.2f} GiB" if m >= GIB else f"{m:,.0f} MiB"


def ingest_rows(table: Table, rows: list[dict]) -> None:
    for r in rows:
        label = f"{r['fmt']} {r['n'] / 1e6:g}M events"
        s, b, i = r["scan"], r["baseline"], r["ingest"]
        table.add(f"scan of every column, {label}",
                  f"DuckDB {secs(s.seconds)}" if s.ok else f"failed: {s.error}")
        duck = (f"DuckDB SQL {secs(b.seconds)}, {mib(b.peak_mib)}" if b.ok
                else f"DuckDB SQL failed: {b.error}")
        if not i.ok:
            table.add(f"person-day roll-up + month/week active users by team, {label}", duck,
                      f"ingest failed after {secs(i.seconds)}: {i.error}", "",
                      f"MISSED (goal <= {INGEST_GOAL_RATIO:.1f}x, < 2 GiB)")
            continue
        ratio = i.seconds / b.seconds if b.ok else float("nan")
        ok = ratio <= INGEST_GOAL_RATIO and i.peak_mib < INGEST_GOAL_MIB
        table.add(f"person-day roll-up + month/week active users by team, {label}", duck,
                  f"ingest {secs(i.seconds)}, {mib(i.peak_mib)}", f"{ratio:.2f}x",
                  verdict(ok, f"<= {INGEST_GOAL_RATIO:.1f}x, < 2 GiB"))
    for fmt in ("parquet", "csv"):
        done = sorted((r["n"], r["ingest"]) for r in rows if r["fmt"] == fmt and r["ingest"].ok)
        if len(done) < 2:
            continue
        (n0, i0), (n1, i1) = done[0], done[-1]
        events = n1 / n0
        growth = i1.seconds / i0.seconds
        table.add(f"ingest time growth, {fmt} {n1 / 1e6:g}M / {n0 / 1e6:g}M events "
                  f"({events:g}x events)", "", f"{growth:.1f}x", "",
                  verdict(growth <= GROWTH_GOAL * events / 10, f"<= {GROWTH_GOAL * events / 10:g}"))
        peaks = ", ".join(f"{n / 1e6:g}M: {mib(i.peak_mib)}" for n, i in done)
        mem = i1.peak_mib / i0.peak_mib
        table.add(f"ingest peak memory by size, {fmt}", "", peaks, f"{mem:.2f}x",
                  verdict(mem < events / 2 and i1.peak_mib < INGEST_GOAL_MIB,
                          f"grows with people x days, not with events ({events:g}x)"))


def optional_part(module: str, function: str, *args: object) -> tuple[dict | None, str]:
    """Call ``module.function(*args)`` from a sibling file, if that file exists yet."""
    if not (Path(__file__).parent / f"{module}.py").exists():
        return None, f"not measured: benchmarks/{module}.py is not on this branch yet"
    try:
        return getattr(importlib.import_module(module), function)(*args), ""
    except Exception as e:  # a part's failure is a row of the table, not the end of the run
        return None, f"failed: {type(e).__name__}: {str(e)[:160]}"


def dict_rows(table: Table, title: str, result: dict | None, note: str) -> None:
    """A part's dict as rows (its own keys and values), or the reason it is missing."""
    if result is None:
        table.add(title, "", note)
        return
    for key, value in result.items():
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        table.add(f"{title}: {key}", "", shown)


def metrics_rows(table: Table, r: dict) -> None:
    """``bench_metrics``' figures (benchmarks/bench_metrics.py) against issue 11's goals."""
    sets, cli, help_ = r["sets"], r["metrics_cli"], r["help_cli"]
    secs_, peak = r["sets_total_seconds"], r["sets_peak_mib"]
    periods = ", ".join(f"{k} {v['periods']} periods" for k, v in sets.items())
    table.add(f"month + week metric sets, 3 levels, {PEOPLE:,} people, from the store "
              f"({periods})", "", f"{secs(secs_)}, peak {mib(peak)}", "",
              verdict(secs_ < 2 and peak < GIB, "< 2 s, < 1 GiB"))
    table.add(f"`adoption metrics --period {cli['period']} --by team`", "",
              f"{secs(cli['seconds'])}, {mib(cli['peak_mib'])}", "",
              verdict(cli["seconds"] < 1, "< 1 s"))
    table.add("`adoption --help`", "", secs(help_["seconds"]), "",
              verdict(help_["seconds"] < 0.5, "< 0.5 s"))


def segments_rows(table: Table, r: dict) -> None:
    """``bench_segments``' figures (benchmarks/bench_segments.py): ours beside vivainsights."""
    table.add(f"Viva usage segments, both versions (12w, 4w), {r['person_weeks']:,} "
              f"person-weeks ({r['people']:,} people x {r['weeks']} weeks)",
              f"vivainsights {secs(r['vivainsights_s'])}", secs(r["ours_s"]),
              f"{r['ratio']:g}x faster" + ("" if r.get("same_labels") else ", labels DIFFER"),
              verdict(r["ratio"] >= 20 and r.get("same_labels", False),
                      ">= 20x faster, same labels"))


def rollup_rows(table: Table, r: dict) -> None:
    """``bench_rollup``'s figures (benchmarks/bench_rollup.py): DuckDB and Spark engines."""
    def shown(step: dict | None) -> str:
        if step is None:
            return "not measured: pyspark or Java missing"
        if "error" in step:
            return f"failed: {step['error'][:120]}"
        return f"{secs(step['seconds'])}, {mib(step['peak_mib'])}"

    base = r["baseline"]
    for engine in ("duckdb", "spark"):
        step = r.get(engine)
        ratio = (f"{step['seconds'] / base['seconds']:.1f}x" if step and "seconds" in step
                 and "seconds" in base else "")
        table.add(f"`adoption rollup --engine {engine}` (person x tool x day x feature), "
                  f"{r['file']}", f"hand-written {shown(base)}", shown(step), ratio)
    spark = r.get("spark") or {}
    start = spark.get("startup", {})
    if "startup_seconds" in start:
        table.add("Spark start-up, local mode (session started and stopped)", "",
                  secs(start["startup_seconds"]))


def shaped(rows: Callable[[Table, dict], None], table: Table, title: str,
           result: dict | None, note: str) -> None:
    """A part's rows; its raw dict if its shape is not the one expected (or its note)."""
    if result is not None:
        try:
            rows(table, result)
            return
        except (KeyError, TypeError, ZeroDivisionError):
            pass
    dict_rows(table, title, result, note)


def ws_roots(data_dir: Path) -> dict[int, Path]:
    """Parquet workspaces the ingest part left (events -> root), ingested completely."""
    found = {}
    for root in data_dir.glob("ws_parquet_*"):
        if (root / "store.duckdb").exists() and root.name.split("_")[-1].isdigit():
            found[int(root.name.split("_")[-1])] = root.resolve()
    return dict(sorted(found.items()))


def run_parts(args: argparse.Namespace, parts: list[str], table: Table) -> None:
    data_dir = args.data_dir
    t = time.perf_counter()
    files = generate(data_dir, args.sizes, csv="ingest" in parts and "csv" in args.formats)
    log(f"synthetic data ready in {time.perf_counter() - t:.0f} s ({data_dir})")
    if "ingest" in parts:
        measured: list[dict] = []
        try:
            for row in bench_ingest(files, args.sizes, data_dir, formats=tuple(args.formats)):
                measured.append(row)
        finally:  # the sizes measured before an interruption stay in the table
            ingest_rows(table, measured)
    roots = ws_roots(data_dir)
    big = roots.get(max((n for n in roots if n in args.sizes), default=0))
    if "metrics" in parts:
        log(f"metrics on {big}")
        result, note = (optional_part("bench_metrics", "bench_metrics", big) if big else
                        (None, "not measured: no workspace (run --only ingest first)"))
        shaped(metrics_rows, table, f"metrics, {PEOPLE:,} people, from the store", result,
               note)
    if "report" in parts:
        spaces = {"demo": demo_workspace(data_dir)}
        report_root = roots.get(10_000_000, big)
        if report_root:
            spaces[f"{PEOPLE // 1000}k people ({report_root.name})"] = report_root
        for r in bench_report(data_dir, spaces):
            work = f"adoption report, {r['label']}, month {r['period']} ({r['people']:,} people)"
            fixed = f"papermill + nbconvert {secs(r['fixed'])}"
            if r["seconds"] is None:
                table.add(work, fixed, f"failed: {r['error']}", "",
                          f"MISSED (goal <= {REPORT_GOAL_RATIO:g}x)")
            else:
                ratio = r["seconds"] / r["fixed"]
                table.add(work, fixed, secs(r["seconds"]), f"{ratio:.1f}x",
                          verdict(ratio <= REPORT_GOAL_RATIO, f"<= {REPORT_GOAL_RATIO:g}x"))
    if "segments" in parts:
        log("segments")
        shaped(segments_rows, table, "usage segments vs vivainsights",
               *optional_part("bench_segments", "bench_segments"))
    if "rollup" in parts:
        path = files.get("parquet_10000000", files[f"parquet_{args.sizes[0]}"])
        log(f"rollup on {path}")
        shaped(rollup_rows, table, f"Spark roll-up, {path.name}",
               *optional_part("bench_rollup", "bench_rollup", path.resolve()))


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[10_000_000, 30_000_000, 100_000_000])
    parser.add_argument("--data-dir", type=Path, default=Path("bench-data"))
    parser.add_argument("--formats", nargs="+", choices=("parquet", "csv"),
                        default=["parquet", "csv"], help="event file formats to ingest")
    parser.add_argument("--only", choices=PARTS, help="run one part (the others are skipped)")
    args = parser.parse_args()
    started = time.perf_counter()
    load = [os.getloadavg()[0]]
    table = Table()
    signal.signal(signal.SIGTERM, _interrupted)
    note = ""
    try:
        run_parts(args, [args.only] if args.only else list(PARTS), table)
    except KeyboardInterrupt:
        note = " (interrupted: the rows above are the parts measured until then)"
    load.append(os.getloadavg()[0])
    table.print()
    total = time.perf_counter() - started
    print(f"\ntotal {total / 60:.1f} min on {os.cpu_count()} cores, 1-minute load average "
          f"{load[0]:.1f} at the start and {load[1]:.1f} at the end{note}", flush=True)
    log(f"done in {total / 60:.1f} min")
    return 130 if note else 0


if __name__ == "__main__":
    sys.exit(main())
