"""Read the canonical marts: the frames every feature starts from.

Everything here reads tables that :func:`adoption.canonical.build.refresh_canonical` stored
once per ingest batch; no identity, employment or period rule is applied here again. What
comes back is one row per person x period (about 100,000 x 12 rows for a large organisation),
small enough for pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from adoption.canonical.build import canonical_is_current
from adoption.canonical.period_sql import ANY_TOOL, sql_literal
from adoption.errors import InputError, WorkspaceError
from adoption.periods import PERIOD_KINDS

__all__ = [
    "ANY_TOOL",
    "check_canonical",
    "check_period_has_data",
    "latest_complete_period",
    "load_period_labels",
    "load_periods",
    "load_person_tool_periods",
    "load_population",
    "load_tool_names",
    "sql_literal",
]

def check_canonical(store) -> None:
    """Raise :class:`WorkspaceError` unless the canonical marts match the staged batches.

    A store opened for writing is brought up to date instead (one rebuild).
    """
    if canonical_is_current(store.con):
        return
    if getattr(store, "read_only", False):
        if not store.con.execute("SELECT count(*) FROM ingest_log").fetchone()[0]:
            raise WorkspaceError(
                f"The workspace {str(Path(store.path).parent)!r} holds no data yet. Ingest a "
                "roster and "
                "usage or vendor exports first (adoption ingest --workspace DIR FILE ..., or "
                "adoption.ingest_files(workspace, [...]) in Python), then try again.")
        raise WorkspaceError(
            f"The store {str(store.path)!r} was changed by an older version of adoption and its "
            "canonical tables are out of date. Rebuild them once with `adoption rebuild "
            "--workspace DIR` (or open the workspace for writing), then try again."
        )
    from adoption.canonical.build import refresh_canonical

    with store.transaction():
        refresh_canonical(store.con, week_start=store.settings.week_start_index)


def _check_kind(period_kind: str, where: str) -> None:
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"{where}: period kind {period_kind!r} is unknown; use one of "
                         f"{list(PERIOD_KINDS)}.")


def load_tool_names(store) -> list[str]:
    """Tools seen in activity of any source, in seats or in the catalogue, sorted."""
    check_canonical(store)
    return [r[0] for r in store.con.execute(
        f"SELECT tool FROM person_tool_periods WHERE tool <> '{ANY_TOOL}' "
        "UNION SELECT tool FROM seats UNION SELECT tool FROM tools ORDER BY 1").fetchall()]


def _check_tools(store, tools: Sequence[str] | None) -> list[str] | None:
    if not tools:
        return None
    known = load_tool_names(store)
    unknown = [t for t in tools if t not in known]
    if unknown:
        raise InputError(
            f"tool(s) {unknown} not found in the store; known tools: {known}. Check the "
            "spelling (tool names are case-sensitive) or ingest the tool's export first.")
    return list(dict.fromkeys(tools))


def latest_complete_period(store, *, period_kind: str = "month") -> str | None:
    """The label of the latest period whose every day the data covers (None: none is yet).

    What a report shows by default, so that a report run mid-month shows last month rather
    than a part of this one (:func:`load_periods`' ``is_complete``).
    """
    periods = load_periods(store, period_kind=period_kind)
    complete = periods[periods["is_complete"]]
    return None if complete.empty else str(complete["period"].iloc[-1])


def load_period_labels(store, *, period_kind: str = "month") -> list[str]:
    """The labels of the canonical periods of ``period_kind``, oldest first
    (:func:`load_periods`' ``period`` column)."""
    return load_periods(store, period_kind=period_kind)["period"].astype(str).tolist()


def check_period_has_data(store, period) -> None:
    """Raise :class:`InputError` naming the periods with data unless ``period`` is one of them.

    Parameters
    ----------
    store : Store
    period : adoption.periods.Period
        The parsed period (:func:`adoption.periods.parse_period`).
    """
    have = load_period_labels(store, period_kind=period.kind)
    if period.label in have:
        return
    raise InputError(
        f"No data for {period.kind} {period.label}: "
        + (f"the {period.kind}s with activity data run from {have[0]} to {have[-1]}. "
           "Choose one of them, or ingest the exports that cover "
           f"{period.title}." if have else
           "the store holds no activity data yet. Ingest a roster and usage or vendor "
           "exports first (adoption ingest FILE ...)."))


def load_periods(store, *, period_kind: str = "month") -> pd.DataFrame:
    """The periods of the data's date range, oldest first, each saying whether it is complete.

    The canonical periods (``period_spans``): from the first to the last day with activity
    data of any source. A period is complete when the data covers every one of its days.

    Parameters
    ----------
    store : Store
    period_kind : {"week", "month", "quarter"}, default "month"

    Returns
    -------
    DataFrame
        Columns ``period, period_start, period_end, days_in_period`` (days of the period
        within the data's date range), ``days`` (days of the period) and ``is_complete``
        (``days_in_period == days``). Empty when the store holds no activity data.
    """
    _check_kind(period_kind, "load_periods")
    check_canonical(store)
    frame = store.con.execute(
        "SELECT period, period_start, period_end, days_in_period, "
        "CAST(period_end - period_start + 1 AS INTEGER) AS days FROM period_spans "
        "WHERE period_kind = ? ORDER BY period_start", [period_kind]).df()
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col])
    for col in ("days_in_period", "days"):
        frame[col] = frame[col].astype("int64")
    frame["is_complete"] = frame["days_in_period"] == frame["days"]
    return frame


def load_population(store, *, period_kind: str = "month") -> pd.DataFrame:
    """One row per person x period employed at least one day of it, with team and department.

    Columns ``period, period_start, period_end, days_in_period, person_id, team,
    department, in_prev_population``.
    """
    _check_kind(period_kind, "load_population")
    check_canonical(store)
    frame = store.con.sql(f"""
        SELECT s.period, s.period_start, s.period_end, s.days_in_period, p.person_id, p.team,
               p.department, p.in_prev_population
        FROM population p JOIN period_spans s
          ON s.period_kind = p.period_kind AND s.period_start = p.period_start
        WHERE p.period_kind = {sql_literal(period_kind)}
        ORDER BY s.period_start""").to_arrow_table().to_pandas(strings_to_categorical=True)
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def load_person_tool_periods(store, *, period_kind: str = "month",
                             by_source: bool = True) -> pd.DataFrame:
    """Activity per person x tool (x source) x period, as the canonical build stored it.

    Parameters
    ----------
    by_source : bool, default True
        One row per source (True) or per tool over its sources (False). Rows over all tools
        are never returned (see :func:`load_person_periods`).

    Returns
    -------
    DataFrame
        Columns ``period, period_start, person_id, tool, source, is_active, is_unknown,
        any_evidence_active, in_roster, active_days, events, days_known`` (see
        :data:`adoption.tables.canonical.CANONICAL_TABLES` for their meaning).
    """
    _check_kind(period_kind, "load_person_tool_periods")
    check_canonical(store)
    src = f"source <> '{ANY_TOOL}'" if by_source else f"source = '{ANY_TOOL}'"
    frame = store.con.sql(f"""
        SELECT s.period, t.period_start, t.person_id, t.tool, t.source, t.is_active,
               t.is_unknown, t.any_evidence_active, t.in_roster, t.active_days, t.events,
               t.days_known
        FROM person_tool_periods t JOIN period_spans s
          ON s.period_kind = t.period_kind AND s.period_start = t.period_start
        WHERE t.period_kind = {sql_literal(period_kind)} AND t.tool <> '{ANY_TOOL}' AND {src}
        ORDER BY t.period_start""").to_arrow_table().to_pandas(strings_to_categorical=True)
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    return frame
