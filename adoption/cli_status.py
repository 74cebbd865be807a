"""``adoption status`` and ``adoption batches`` for people: tables laid out by rich.

On a terminal the tables fit its width (long cells wrap inside their column); piped into a
file or another program they are printed at 200 characters without colour, one row a line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

__all__ = ["batches_frame", "console", "print_frame", "print_status"]

#: Figures shown for a source even where they do not apply (the others are left out).
_ALWAYS = ("Files", "Rows loaded", "Dates covered")
_NUMERIC = ("batch", "read", "loaded", "rejected", "duplicate", "Rows")


def console(file=None) -> Console:
    """A console for ``file`` (default stdout): the terminal's width, or 200 when piped."""
    file = file or sys.stdout
    tty = file.isatty()
    return Console(file=file, width=None if tty else 200, no_color=not tty,
                   highlight=False, emoji=False, markup=False, soft_wrap=False)


def print_frame(out: Console, frame: pd.DataFrame, *, title: str | None = None) -> None:
    """One table per frame: a header row, right-aligned numbers, no grid."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  show_edge=False, title_style="bold")
    for col in frame.columns:
        table.add_column(str(col), justify="right" if col in _NUMERIC else "left",
                         overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    out.print(table)


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "\u2013"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.0f}"
    return str(value)


def batches_frame(log_: pd.DataFrame, time_zone: str) -> pd.DataFrame:
    """The ingest log for reading: one row per batch, short column names, local times."""
    frame = log_.drop(columns=["file_hash", "note"]).rename(columns={
        "batch_id": "batch", "file_name": "file", "rows_read": "read",
        "rows_loaded": "loaded", "rows_rejected": "rejected", "rows_duplicate": "duplicate",
        "first_date": "first", "last_date": "last", "ingested_at": "ingested"})
    frame["ingested"] = pd.to_datetime(frame["ingested"]).dt.tz_convert(
        time_zone).dt.strftime("%Y-%m-%d %H:%M")
    for col in ("first", "last"):
        frame[col] = pd.to_datetime(frame[col]).dt.strftime("%Y-%m-%d")
    return frame


def print_status(out: Console, *, header: str, sources: Iterable[dict], files: pd.DataFrame,
                 findings: pd.DataFrame, conflicts: pd.DataFrame, unmatched: int) -> None:
    """The status view: one block per source, the files, findings, conflicts, unmatched."""
    out.print(header)
    out.print("\nSources (one block per source; identities are counted, never listed):")
    for row in sources:
        out.print(f"\n  {row.pop('Source')}", style="bold")
        for key, value in row.items():
            if value != "\u2013" or key in _ALWAYS:  # figures that do not apply are left out
                out.print(f"    {key + ':':22} {value}")
    out.print()
    print_frame(out, files, title="Files")
    if not findings.empty:
        out.print()
        print_frame(out, findings, title="Data-quality findings (rows left out or worth a "
                    "look, and why; rejected rows: adoption rejects)")
    if not conflicts.empty:
        out.print()
        print_frame(out, conflicts, title="Identifiers mapped to more than one person "
                    "(resolved as shown)")
    if unmatched:
        out.print(f"\n{unmatched:,} identities are not in the roster: kept, counted, and left "
                  "out of team figures. Map them with an identities mapping file "
                  "(email,identifier,system) and ingest it.")
