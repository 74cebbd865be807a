"""One month's adoption report beside papermill + nbconvert's fixed cost (issue 11: within 2x).

The fixed cost is an empty parameterised notebook rendered the same way (``render_notebook``:
papermill runs it, nbconvert exports it). Each render runs in a fresh process and times itself
(the interpreter's start-up is outside both); the best of ``repeat`` runs counts.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench_data import log

#: Goal: a report renders within this multiple of the fixed cost (issue 11).
REPORT_GOAL_RATIO = 2.0
#: Above this many people a workspace's report is rendered once (not best of ``repeat``).
BIG_PEOPLE = 10_000

REPORT = """
import time, warnings
warnings.simplefilter("ignore")
from adoption.report import render_adoption_report
t = time.perf_counter()
render_adoption_report({root!r}, period={period!r})
print(time.perf_counter() - t)
"""

FIXED = """
import time
from adoption.report import render_notebook
t = time.perf_counter()
render_notebook({notebook!r}, {out!r}, workspace={root!r}, period={period!r})
print(time.perf_counter() - t)
"""


def timed(code: str) -> tuple[float | None, str]:
    """Seconds a fresh process printed, or (None, the last line of its error)."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    if proc.returncode:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        return None, (lines[-1] if lines else f"exit {proc.returncode}")[:200]
    return float(proc.stdout.split()[-1]), ""


def empty_notebook(path: Path) -> Path:
    """A notebook with the report's parameters and one markdown cell: what any render costs."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('workspace = "demo"\nperiod = "2026-01"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_markdown_cell("# Empty report")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def demo_workspace(data_dir: Path) -> Path:
    """The demo workspace in the data directory (built once, without its reports; a kept one
    rebuilt by this version, untimed)."""
    root = (data_dir / "demo").resolve()
    if not (root / "store.duckdb").exists():
        log("building the demo workspace")
        subprocess.run(["adoption", "demo", str(root), "--reports", "0"], check=True,
                       stdout=subprocess.DEVNULL)
    else:  # a workspace kept from an earlier version: its marts rebuilt by this one (untimed)
        subprocess.run(["adoption", "rebuild", "--workspace", str(root)], check=True,
                       stdout=subprocess.DEVNULL)
    return root


def last_month(root: Path) -> tuple[str, int]:
    """The workspace's last month and its number of people."""
    import duckdb

    with duckdb.connect(str(root / "store.duckdb"), read_only=True) as con:
        (period,) = con.execute("SELECT max(period) FROM period_spans "
                                "WHERE period_kind = 'month'").fetchone()
        (people,) = con.execute("SELECT count(DISTINCT person_id) FROM people").fetchone()
    return period, people


def bench_report(data_dir: Path, workspaces: dict[str, Path], *, repeat: int = 2) -> list[dict]:
    """Time one month's report of each workspace (label -> root) and the fixed cost.

    A workspace of more than ``BIG_PEOPLE`` people is rendered once. Returns one dict per
    workspace: label, period, people, seconds (None when the render
    failed), error, fixed (the fixed cost's seconds, best of ``repeat``).
    """
    notebook = empty_notebook(data_dir / "empty_report.ipynb")
    rows = []
    for label, root in workspaces.items():
        period, people = last_month(root)
        log(f"report: {label} {period} ({people:,} people), papermill + nbconvert fixed cost")
        fixed = min(timed(FIXED.format(notebook=str(notebook), root=str(root), period=period,
                                       out=str(data_dir / "empty_report.html")))[0] or 0.0
                    for _ in range(repeat))
        seconds, error = None, ""
        for _ in range(repeat if people <= BIG_PEOPLE else 1):  # minutes each, on the big one
            log(f"report: {label} {period}, adoption report")
            t = time.perf_counter()
            s, error = timed(REPORT.format(root=str(root), period=period))
            if s is None:
                log(f"report: {label} failed after {time.perf_counter() - t:.0f} s: {error}")
                break
            seconds = s if seconds is None else min(seconds, s)
        rows.append({"label": label, "period": period, "people": people, "seconds": seconds,
                     "error": error, "fixed": fixed})
    return rows
