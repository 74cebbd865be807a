"""Export drift: a file whose layout or figures changed from the source's previous file.

Vendors change their exports without notice: a metric column renamed or dropped, a column
that comes back blank or all zero, an app update after which a tool's active users fall by
three quarters overnight. Required columns are checked when a file is read; this module finds
the rest by comparing the profiles the store keeps of every file (:mod:`adoption.ingest.profile`).
The batch is loaded all the same (its data may be right): these are findings to look at, in
``adoption status``, the report's data-quality appendix and its alerts.

Checks, each giving one finding with its evidence (file, source, column, before and after)
and what to check:

``column_dropped`` / ``column_added`` / ``column_renamed``
    The file's columns differ from those of the previous file of the same source (compared
    without regard to case and surrounding blanks). A dropped and an added column whose names
    are near (``difflib.SequenceMatcher`` ratio of at least ``rename_ratio``, default 0.6 as
    in ``difflib.get_close_matches``, so that ``count -> event_count`` pairs; the nearest
    pairs first) are one finding, ``renamed X -> Y``.
``metric_blank`` / ``metric_zero``
    A metric column (numbers in the previous file, not all blank there) is blank in every
    row, or zero in every row that is not blank while the previous file had a value other
    than zero.
``activity_fall``
    The source's key activity figure for a tool (distinct people active in a week or window;
    for a period in several files, the largest) fell by ``fall_at`` (default 0.5: half) or
    more from its previous period (the one ending the day before; at least ``min_people``,
    default 20, active then: a handful halves by chance), while every other figure
    of the same two periods held within ``steady_within`` (default 0.15): the active people of
    the other sources and of the source's other tools (a generic usage source may hold several
    tools, each from its own export; mean over their periods whose middle day falls in each
    period) and the seats of the tool held at each period's end. At least one such figure is
    needed: without one, a real fall cannot be told from an export that changed. Only falls
    are checked; a rise is what adoption should do.
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from adoption.store import Store

__all__ = ["DRIFT_CHECKS", "DRIFT_COLUMNS", "load_export_drift"]

DRIFT_COLUMNS = ["batch_id", "file_name", "source", "check", "column", "before", "after",
                 "finding", "advice", "first_date", "last_date", "rows"]
#: Check -> what to check (the advice of its findings).
DRIFT_CHECKS: dict[str, str] = {
    "column_dropped": "the vendor may have dropped or renamed the column; check the export's "
                      "settings (the columns chosen) or export it again",
    "column_added": "a new column is ignored unless it is mapped; if it replaces an old one, "
                    "map the column",
    "column_renamed": "the vendor may have renamed the column; check the export's settings or "
                      "map the column",
    "metric_blank": "the vendor may have stopped filling the column (an export setting, a "
                    "licence or a renamed field); check the export's settings before reading "
                    "its figures",
    "metric_zero": "the vendor may have stopped counting it (an app or export update, or a "
                   "renamed field); check the export's settings before reading its figures",
    "activity_fall": "an app or export update may have changed how the vendor counts activity, "
                     "or the export is incomplete; compare with the vendor's admin console "
                     "before reading it as a fall in adoption",
}


def _tables(store: Store) -> set[str]:
    return {r[0] for r in store.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}


def load_export_drift(store: Store, *, rename_ratio: float = 0.6, fall_at: float = 0.5,
                      steady_within: float = 0.15, min_people: int = 20) -> pd.DataFrame:
    """Every export drift finding of the store's files (see the module docstring).

    Parameters
    ----------
    store : Store
    rename_ratio : float, default 0.6
        How near (difflib ratio, 0 to 1) a dropped and an added column's names must be to be
        reported as one renamed column.
    fall_at : float, default 0.5
        The relative fall of a source's active people that is checked (0.5: half or more).
    steady_within : float, default 0.15
        How much the other sources and the seats may move for the fall to be a finding.
    min_people : int, default 20
        The fewest active people in the previous period for a fall to be checked: a handful
        of people halves by chance (2 -> 1).

    Returns
    -------
    pandas.DataFrame
        One row per finding, oldest file first, columns :data:`DRIFT_COLUMNS`: ``batch_id,
        file_name, source, check`` (a key of :data:`DRIFT_CHECKS`), ``column`` (None for
        ``activity_fall``), ``before, after`` (the evidence as text), ``finding`` (one
        sentence with the evidence and what to check), ``advice`` (what to check),
        ``first_date, last_date`` (the dates the finding is about: the file's, or the falling
        period's) and ``rows`` (the file's rows read).
    """
    have = _tables(store)
    rows: list[dict[str, Any]] = []
    if "export_columns" in have:  # a store made before drift detection has no profiles
        rows += _column_findings(store, rename_ratio)
    if "export_activity" in have:
        rows += _activity_findings(store, fall_at, steady_within, min_people)
    out = pd.DataFrame(rows, columns=DRIFT_COLUMNS)
    for col in ("first_date", "last_date"):
        out[col] = pd.to_datetime(out[col])
    out["rows"] = out["rows"].astype("int64")
    return out.sort_values(["batch_id", "check", "column"], kind="stable",
                           na_position="first").reset_index(drop=True)


# -- columns ----------------------------------------------------------------------------------
def _finding(batch: Any, check: str, column: str | None, before: str, after: str,
             sentence: str, *, first: Any = None, last: Any = None) -> dict[str, Any]:
    advice = DRIFT_CHECKS[check]
    return {"batch_id": int(batch.batch_id), "file_name": batch.file_name,
            "source": batch.source, "check": check, "column": column, "before": before,
            "after": after, "finding": f"export changed: {sentence}; what to check: {advice}",
            "advice": advice,
            "first_date": batch.first_date if first is None else first,
            "last_date": batch.last_date if last is None else last,
            "rows": int(batch.rows_read)}


def _norm(name: str) -> str:
    return " ".join(str(name).split()).lower()


def _pair_renames(dropped: list[str], added: list[str],
                  ratio: float) -> list[tuple[str, str, float]]:
    """(dropped, added, ratio) pairs of near names, the nearest first, each name once."""
    scored = sorted(((difflib.SequenceMatcher(None, _norm(d), _norm(a)).ratio(), d, a)
                     for d in dropped for a in added), key=lambda t: -t[0])
    pairs, used = [], set()
    for score, d, a in scored:
        if score >= ratio and d not in used and a not in used:
            pairs.append((d, a, score))
            used |= {d, a}
    return pairs


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


def _is_metric(c: Any) -> bool:
    return (not pd.isna(c.numeric_rows) and c.numeric_rows > 0
            and c.numeric_rows == c.rows - c.blank_rows)


def _values(c: Any) -> str:
    """``"blank 25%, zero 0%, median 5"`` of a metric column's profile."""
    median = "n/a" if pd.isna(c.median) else f"{c.median:g}"
    return (f"{int(c.rows):,} rows, blank {_share(c.blank_rows, c.rows)}, zero "
            f"{_share(c.zero_rows, c.rows)}, median {median}")


def _column_findings(store: Store, ratio: float) -> list[dict[str, Any]]:
    profiles = store.query("""
        SELECT c.batch_id, c.source, c.position, c.column_name, c.rows, c.blank_rows,
               c.zero_rows, c.numeric_rows, c.median, l.file_name, l.first_date, l.last_date,
               l.rows_read
        FROM export_columns c JOIN ingest_log l USING (batch_id)
        ORDER BY c.source, c.batch_id, c.position""")
    out: list[dict[str, Any]] = []
    for _source, part in profiles.groupby("source", sort=False):
        batches = [g for _, g in part.groupby("batch_id", sort=True)]
        for prev, cur in zip(batches[:-1], batches[1:], strict=True):
            out += _compare_columns(prev, cur, ratio)
    return out


def _compare_columns(prev: pd.DataFrame, cur: pd.DataFrame, ratio: float) -> list[dict]:
    batch = next(cur.itertuples(index=False))
    was = next(prev.itertuples(index=False))
    before = {_norm(r.column_name): r for r in prev.itertuples(index=False)}
    after = {_norm(r.column_name): r for r in cur.itertuples(index=False)}
    dropped = [before[k].column_name for k in before if k not in after]
    added = [after[k].column_name for k in after if k not in before]
    out = []
    renames = _pair_renames(dropped, added, ratio)
    for old, new, score in renames:
        out.append(_finding(
            batch, "column_renamed", new, f"column {old!r} in {was.file_name}",
            f"column {new!r}",
            f"{batch.file_name} ({batch.source}): renamed {old!r} -> {new!r} (the previous "
            f"file, {was.file_name}, had {old!r} and no {new!r}; names {score:.0%} alike)"))
    paired = {d for d, _, _ in renames} | {a for _, a, _ in renames}
    for old in (d for d in dropped if d not in paired):
        out.append(_finding(
            batch, "column_dropped", old, f"column {old!r} in {was.file_name}", "missing",
            f"{batch.file_name} ({batch.source}): column {old!r} is missing (the previous "
            f"file, {was.file_name}, had it)"))
    for new in (a for a in added if a not in paired):
        out.append(_finding(
            batch, "column_added", new, f"not in {was.file_name}", f"column {new!r}",
            f"{batch.file_name} ({batch.source}): new column {new!r} (the previous file, "
            f"{was.file_name}, did not have it)"))
    for key, c in after.items():
        p = before.get(key)
        if p is None or not _is_metric(p) or pd.isna(c.blank_rows) or not c.rows:
            continue
        evidence = f"{_values(p)} in {was.file_name}"
        if c.blank_rows == c.rows:
            out.append(_finding(
                batch, "metric_blank", c.column_name, evidence, f"all {int(c.rows):,} rows blank",
                f"{batch.file_name} ({batch.source}): metric column {c.column_name!r} is blank "
                f"in all {int(c.rows):,} rows (before: {evidence})"))
        elif (c.numeric_rows == c.rows - c.blank_rows and c.zero_rows == c.numeric_rows
              and p.zero_rows < p.numeric_rows):
            out.append(_finding(
                batch, "metric_zero", c.column_name, evidence,
                f"0 in all {int(c.zero_rows):,} rows with a value",
                f"{batch.file_name} ({batch.source}): metric column {c.column_name!r} is 0 in "
                f"all {int(c.zero_rows):,} rows with a value (before: {evidence})"))
    return out


# -- key activity figure ----------------------------------------------------------------------
def _activity_findings(store: Store, fall_at: float, steady: float,
                       min_people: int) -> list[dict[str, Any]]:
    act = store.query("""
        SELECT a.batch_id, a.source, a.tool, a.period_start, a.period_end, a.active_people,
               l.file_name, l.rows_read
        FROM export_activity a JOIN ingest_log l USING (batch_id)""")
    if act.empty:
        return []
    # a period in several files of one source and tool (an export split by team or region, a
    # window delivered again) counts with its largest figure, in the file that has it
    act = (act.sort_values(["active_people", "batch_id"])
           .drop_duplicates(["source", "tool", "period_start", "period_end"], keep="last")
           .sort_values(["source", "tool", "period_start"]).reset_index(drop=True))
    act["mid"] = act["period_start"] + (act["period_end"] - act["period_start"]) / 2
    out = []
    for (source, tool), part in act.groupby(["source", "tool"], sort=False):
        ends = {r.period_end: r for r in part.itertuples(index=False)}
        for p in part.itertuples(index=False):
            q = ends.get(p.period_start - pd.Timedelta(days=1))
            if (q is None or q.active_people < min_people
                    or p.active_people > (1 - fall_at) * q.active_people):
                continue
            others = act[(act["source"] != source) | (act["tool"] != tool)]
            refs = _references(store, others, q, p)
            if refs and all(abs(r[3]) <= steady for r in refs):
                out.append(_fall_finding(p, q, refs))
    return out


def _span(r: Any) -> str:
    return f"{r.period_start:%Y-%m-%d} to {r.period_end:%Y-%m-%d}"


def _references(store: Store, others: pd.DataFrame, q: Any, p: Any) -> list[tuple]:
    """(what, before, after, relative change) of every other figure of both periods."""
    refs = []
    for (source, tool), part in others.groupby(["source", "tool"], sort=True):
        levels = [part.loc[(part["mid"] >= r.period_start) & (part["mid"] <= r.period_end),
                           "active_people"].mean() for r in (q, p)]
        if all(pd.notna(v) and v > 0 for v in levels):
            refs.append((f"{source} {tool} active people", *levels, levels[1] / levels[0] - 1))
    seats = [store.scalar("""SELECT count(*) FROM seats WHERE tool = ? AND assigned_on <= ?
                             AND (removed_on IS NULL OR removed_on >= ?)""",
                          [p.tool, r.period_end.date(), r.period_end.date()]) for r in (q, p)]
    if all(seats):
        refs.append((f"{p.tool} seats held at the period's end", *seats,
                     seats[1] / seats[0] - 1))
    return refs


def _fall_finding(p: Any, q: Any, refs: list[tuple]) -> dict[str, Any]:
    change = p.active_people / q.active_people - 1
    before = f"{int(q.active_people):,} active people in {_span(q)}"
    after = f"{int(p.active_people):,} active people in {_span(p)} ({change:+.0%})"
    held = "; ".join(f"{what} {b:,.0f} -> {a:,.0f} ({c:+.0%})" for what, b, a, c in refs)
    batch = pd.Series({"batch_id": p.batch_id, "file_name": p.file_name, "source": p.source,
                       "rows_read": p.rows_read, "first_date": None, "last_date": None})
    return _finding(
        batch, "activity_fall", None, before, after,
        f"{p.file_name} ({p.source}): {p.tool} active people fell from {before} to {after}, "
        f"while the other figures of the same periods held ({held})",
        first=p.period_start, last=p.period_end)
