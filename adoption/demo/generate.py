"""Write the demo organisation's input files, exactly as a user would drop them in.

The files, in ingest order:

- ``roster_YYYY-MM-DD.csv``: three snapshots (comma-separated; the middle one UTF-8 with BOM);
- ``tools.csv``: the tool catalogue;
- ``seats.jsonl``: seat assignments, one JSON object per line;
- ``usage_events_<first>_<last>.csv``: the first half of the months, semicolon-separated,
  with a few deliberately malformed rows;
- ``usage_events_<first>_<last>.parquet``: the second half of the months.

The story the data tells is described by :data:`adoption.demo.story.DEMO_STORY`.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from adoption.demo import (
    discovery,
    governance,
    outcomes,
    surveys,
    vendors_chatgpt,
    vendors_github,
    vendors_microsoft,
)
from adoption.demo.events import EventFormatter, bad_rows_table, build_events
from adoption.demo.org import build_org, roster_frame
from adoption.demo.seats import build_seats, write_seats
from adoption.demo.story import TOOLS, add_months, check_period
from adoption.demo.world import DemoWorld

__all__ = ["EXPORTERS", "write_demo_files"]

log = logging.getLogger(__name__)

#: Modules whose ``write(world)`` adds files to the demo inbox, in this order.
EXPORTERS = (vendors_github, vendors_microsoft, vendors_chatgpt, surveys, discovery, governance,
             outcomes)

#: which roster snapshot is written with a byte-order mark
BOM_SNAPSHOT = 1


def write_demo_files(
    out_dir: str | Path,
    *,
    seed: int = 2026,
    people: int = 2400,
    start: str | dt.date = "2025-11-01",
    months: int = 12,
) -> list[Path]:
    """Generate the synthetic demo organisation and write its input files.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into; created if missing. Files of the same name are overwritten.
    seed : int
        Seed of the random generator; the same arguments always give byte-identical files.
    people : int
        Headcount at the first roster snapshot (at least 500); joiners come on top.
    start : str or datetime.date
        First day of the usage period; must be the first of a month.
    months : int
        Length of the usage period in whole months (9 to 36). Roster snapshots are taken at
        ``start``, ``start`` + 4 months and ``start`` + 8 months.

    Returns
    -------
    list of Path
        The files written, in ingest order: roster snapshots (oldest first), ``tools.csv``,
        ``seats.jsonl``, then the usage files (CSV for the first half of the months, Parquet
        for the second).

    Raises
    ------
    adoption.errors.InputError
        If ``start``, ``months`` or ``people`` cannot carry the demo story.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_demo_files(tmp, people=600, months=9)
    ...     [p.name for p in paths][:4]
    ['roster_2025-11-01.csv', 'roster_2026-03-01.csv', 'roster_2026-07-01.csv', 'tools.csv']
    """
    first = check_period(start, months)
    last_day = add_months(first, months) - dt.timedelta(days=1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    org = build_org(rng, people=people, start=first)
    seats = build_seats(rng, org, start=first, last_day=last_day)
    events = build_events(rng, org, seats, start=first, months=months)

    written: list[Path] = []
    for k, as_of in enumerate(org.snapshot_dates):
        path = out / f"roster_{as_of.isoformat()}.csv"
        roster_frame(org, k).to_csv(path, index=False, lineterminator="\n",
                                    encoding="utf-8-sig" if k == BOM_SNAPSHOT else "utf-8")
        written.append(path)
    written.append(_write_tools(out / "tools.csv"))
    path = out / "seats.jsonl"
    write_seats(seats, org, path)
    written.append(path)
    world = DemoWorld(org, seats, events, first, last_day, months, out, seed)
    extra: list[Path] = []
    for exporter in EXPORTERS:
        extra.extend(exporter.write(world))
    written.extend(_write_usage(rng, org, events, out, first=first, months=months,
                                keep=~world.claimed))
    written.extend(extra)
    log.info("demo: wrote %d files to %s (%d people, %d events)", len(written), out, org.size,
             len(events.day))
    return written


def _write_tools(path: Path) -> Path:
    pd.DataFrame({
        "tool": [t.name for t in TOOLS],
        "vendor": [t.vendor for t in TOOLS],
        "category": [t.category for t in TOOLS],
        "sanctioned": ["true" if t.sanctioned else "false" for t in TOOLS],
        "monthly_seat_cost": [f"{t.monthly_seat_cost:.2f}" for t in TOOLS],
        "currency": [t.currency for t in TOOLS],
    }).to_csv(path, index=False, lineterminator="\n")
    return path


def _write_usage(rng: np.random.Generator, org, events, out: Path, *, first: dt.date,
                 months: int, keep: np.ndarray) -> list[Path]:
    half = months // 2
    split_day = (np.datetime64(add_months(first, half), "D") - np.datetime64(first, "D"))
    in_first_half = events.day < split_day.astype(int)
    formatter = EventFormatter(rng, org, events, first)

    def label(m0: int, m1: int) -> str:
        return f"{add_months(first, m0):%Y-%m}_{add_months(first, m1):%Y-%m}"

    csv_path = out / f"usage_events_{label(0, half - 1)}.csv"
    table = formatter.table(np.flatnonzero(in_first_half & keep), count_as_text=True)
    table = bad_rows_table(rng, table, f"{first:%Y-%m}")
    with csv_path.open("wb") as f:  # pyarrow would quote the header; exports rarely do
        f.write((";".join(table.column_names) + "\n").encode())
        pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, delimiter=";",
                                                     quoting_style="none"))
    parquet_path = out / f"usage_events_{label(half, months - 1)}.parquet"
    table = formatter.table(np.flatnonzero(~in_first_half & keep), count_as_text=False)
    pq.write_table(table, parquet_path, compression="zstd")
    return [csv_path, parquet_path]
