"""Metrics from the stored marts and the command line's start-up, measured in fresh processes.

``bench_metrics(root)`` times, on an ingested workspace ``root``:

- the month and the week metric sets (every period, team, department and organisation) from
  the stored marts (:func:`adoption.metrics.metric_sets`), each in a fresh process, with that
  process's peak resident memory; with ``baseline=True`` also the old way beside it (the
  person-period frame in pandas, then :func:`adoption.metrics.compute_adoption_metrics` three
  times), in the same run;
- ``adoption metrics --period P --by team`` for the latest complete month: wall time of the
  whole command, a fresh process (best of ``repeat``);
- ``adoption --help``: wall time, best of ``repeat``.

Goals (issue 11): both metric sets under 2 s and 1 GiB together on 100,000 people, the command
under 1 s, the help under 0.5 s. Timings on a busy machine are noisy: compare figures of one
run, and see ``load`` (the 1-minute load average when the run started and ended).

Usage: python benchmarks/bench_metrics.py WORKSPACE [--baseline] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["bench_metrics"]

PEAK = """
def peak_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

SETS = PEAK + """
import time, warnings
warnings.simplefilter("ignore")
import adoption
from adoption.metrics import metric_sets
ws = adoption.open_workspace({root!r})
t = time.perf_counter()
with ws.store(read_only=True) as store:
    out = metric_sets(store, {kind!r}, min_group_size=5, publish=False)
secs = time.perf_counter() - t
print(secs, peak_mib(), out["organisation"]["period"].nunique())
"""

PANDAS = PEAK + """
import time, warnings
warnings.simplefilter("ignore")
import adoption
from adoption.canonical import load_person_periods
from adoption.metrics import compute_adoption_metrics
ws = adoption.open_workspace({root!r})
t = time.perf_counter()
with ws.store(read_only=True) as store:
    pp = load_person_periods(store, period_kind={kind!r})
for by in ("team", "department", "organisation"):
    compute_adoption_metrics(pp, by=by, min_group_size=5)
secs = time.perf_counter() - t
print(secs, peak_mib(), pp["period"].nunique())
"""


def _env() -> dict[str, str]:
    """The environment of the children: this checkout's package first on the path."""
    repo = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=repo + (os.pathsep + path if path else ""))


def _python(code: str) -> list[float]:
    """Run ``code`` in a fresh interpreter and return the numbers it printed."""
    proc = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                          env=_env(), check=False)
    if proc.returncode:
        raise RuntimeError(f"benchmark step failed (exit {proc.returncode}):\n{code}")
    return [float(x) for x in proc.stdout.split()]


def _wall(args: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time of a command over ``repeat`` runs and its peak resident MiB."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=_env())
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(args)} failed (exit {proc.returncode})")
        best = min(best, secs)
        peak = max(peak, usage.ru_maxrss / 1024)  # KiB on Linux
    return best, peak


def _latest_complete_month(root: Path) -> str:
    import duckdb

    with duckdb.connect(str(root / "store.duckdb"), read_only=True) as con:
        (period,) = con.execute(
            "SELECT max(period) FROM period_spans WHERE period_kind = 'month' "
            "AND days_in_period = period_end - period_start + 1").fetchone()
    if period is None:
        raise RuntimeError(f"{root}: no complete month of data to run `adoption metrics` on")
    return period


def bench_metrics(root, *, baseline: bool = False, repeat: int = 3) -> dict:
    """Measure the metric sets, ``adoption metrics`` and ``adoption --help`` on ``root``.

    Parameters
    ----------
    root : str or Path
        An ingested workspace folder.
    baseline : bool, default False
        Also time the person-period frame + ``compute_adoption_metrics`` (the way before
        :func:`adoption.metrics.metric_sets`) for both period kinds.
    repeat : int, default 3
        Runs of each command; the best wall time is kept.

    Returns
    -------
    dict
        ``sets``: ``{"month": {"seconds", "peak_mib", "periods"}, "week": {...}}``;
        ``sets_total_seconds``, ``sets_peak_mib`` (the larger of the two processes);
        ``baseline`` (same shape as ``sets``, when asked); ``metrics_cli``: ``{"seconds",
        "peak_mib", "period"}``; ``help_cli``: ``{"seconds"}``; ``load``: the 1-minute load
        averages at the start and the end; ``cpus``.
    """
    root = Path(root).resolve()
    out: dict = {"workspace": str(root), "cpus": os.cpu_count(), "load": [os.getloadavg()[0]]}
    steps = {"sets": SETS, **({"baseline": PANDAS} if baseline else {})}
    for name, code in steps.items():
        out[name] = {}
        for kind in ("month", "week"):
            secs, peak, periods = _python(code.format(root=str(root), kind=kind))
            out[name][kind] = {"seconds": secs, "peak_mib": peak, "periods": int(periods)}
    out["sets_total_seconds"] = sum(v["seconds"] for v in out["sets"].values())
    out["sets_peak_mib"] = max(v["peak_mib"] for v in out["sets"].values())
    period = _latest_complete_month(root)
    cli = [sys.executable, "-m", "adoption.cli"]
    secs, peak = _wall([*cli, "metrics", "--workspace", str(root), "--period", period,
                        "--by", "team"], repeat)
    out["metrics_cli"] = {"seconds": secs, "peak_mib": peak, "period": period}
    secs, _ = _wall([*cli, "--help"], repeat)
    out["help_cli"] = {"seconds": secs}
    out["load"].append(os.getloadavg()[0])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--baseline", action="store_true",
                        help="also time the person-period frame + compute_adoption_metrics")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(bench_metrics(args.workspace, baseline=args.baseline, repeat=args.repeat),
                     indent=2))


if __name__ == "__main__":
    main()
