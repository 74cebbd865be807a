"""The seat-period frame: one row per seat holder x tool x period, read from the canonical marts.

Every governance metric (utilisation, idle seats, spend, leavers, overlaps, the reclaim list)
is an aggregation of this one frame, so that they all agree. It is person-level and therefore
restricted: metrics aggregate it by team behind the privacy gate; only the reclaim list
(:mod:`adoption.governance.reclaim`) shows rows of it, on explicit request.

Everything comes from the canonical layer (:mod:`adoption.canonical`): seat holders resolved
to one person (``seat_assignments``), their activity under the one attribution rule
(``person_tool_periods``, ``person_tool_days``, ``person_tool_windows``), employment
(``employment``), teams (``population``) and periods (``period_spans``); nothing here resolves
an identity, spans an employment or buckets a day into a period.

Definitions (documented once, here):

- **Periods** are the canonical periods (``period_spans``) that hold tool activity data (the
  days of daily sources, the windows of window sources and the export dates of last-activity
  exports; discovery logs alone make no seat period). The **as-of date** of a period is its
  last day, or the last day with tool activity data when the data end inside the period.
- **Seat held in the period**: an assignment overlapping the period (``removed_on`` missing:
  held until today). **Held at the as-of date**: ``assigned_on <= as_of <= removed_on``.
- **Spend** of a seat in a period, pro-rated by day: for each calendar month the period
  touches, ``monthly cost x days held in that month / days in that month``. A seat held the
  whole month costs exactly its monthly cost; a quarter, three times it; a week, 7/31 of it in
  a 31-day month. Days after the as-of date count as held when the seat has no removal date.
- **Monthly seat cost**: ``[governance] seat_costs`` of ``adoption.toml`` when set for the tool,
  else the catalogue's ``monthly_seat_cost`` when its currency is the workspace currency;
  otherwise unknown (missing), and the seat counts in seat figures but not in money totals.
- **Active** in the period: the canonical attribution rule says the holder used the tool in
  the period (``person_tool_periods.any_evidence_active``: a daily source's day, a
  last-activity date in the period, a window inside it; employed or not, since a seat is used
  whoever holds it). **Unknown**: only a window straddling the period's edge says so
  (``is_unknown``); utilisation counts such seats as not known active and says how many.
- **Last use** (up to the as-of date): the latest active day of any source (a daily source's
  days, a last-activity date, a window's last active day, else the window's end capped at the
  as-of date: a generous reading that never calls a seat idle while its holder was active).
- **Idle** (no use in ``idle_days`` days, default 30): held at the as-of date, held for at least
  ``idle_days`` days by then (a new seat gets that long to be used), and last use missing or at
  least ``idle_days`` days before the as-of date (``last_use <= as_of - idle_days``).
- **Leaver**: held at the as-of date by someone whose employment ended before it.
- **Reclaimable**: idle or leaver (reason ``"leaver"`` first).
- **Team**: the holder's team in the period's ``population`` (the team of their last employed
  day in it); a holder who left before the period counts in the team of their last period (the
  team they left); holders not in the roster are in team and department ``"(not in
  roster)"``, which only the organisation figures count (they have no roster headcount).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from adoption.canonical import ANY_TOOL, check_canonical, load_population
from adoption.canonical.marts import sql_literal
from adoption.discovery.sanctioning import classify_tools
from adoption.errors import InputError
from adoption.governance.config import GovernanceSettings, governance_settings
from adoption.periods import PERIOD_KINDS, parse_period
from adoption.store import Store
from adoption.workspace import open_store

__all__ = [
    "HEADCOUNT_COLUMNS",
    "NOT_IN_ROSTER",
    "SEAT_PERIOD_COLUMNS",
    "has_table",
    "load_headcounts",
    "load_seat_periods",
    "nearest_team_sql",
]

#: Team and department of seat holders who are in no roster.
NOT_IN_ROSTER = "(not in roster)"
SEAT_PERIOD_COLUMNS = [
    "period", "period_start", "period_end", "as_of", "person_id", "department", "team", "tool",
    "category", "is_sanctioned", "monthly_seat_cost", "held_days", "cost_months", "spend",
    "held_at_end", "held_since", "is_active", "is_unknown", "last_use", "employed_to",
    "is_idle", "is_leaver", "is_reclaimable", "reclaim_reason",
]
#: Columns of :func:`load_headcounts`.
HEADCOUNT_COLUMNS = ["period", "period_start", "department", "team", "headcount"]


def _check_kind(period_kind: str, where: str) -> None:
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"{where}: period_kind {period_kind!r} is unknown; use one of "
                         f"{list(PERIOD_KINDS)}.")


def load_headcounts(source: Any, *, period_kind: str = "month",
                    period: str | None = None) -> pd.DataFrame:
    """Roster headcount per team and period: the group sizes of every governance table.

    The same population as the adoption tables (:func:`adoption.canonical.load_population`:
    people employed at least one day of the period, in the team of their last employed day),
    so that a team hidden there is hidden in every governance and shadow-AI table too.

    Returns
    -------
    pandas.DataFrame
        :data:`HEADCOUNT_COLUMNS`: ``period, period_start, department, team`` (str) and
        ``headcount`` (int), one row per team and period.
    """
    _check_kind(period_kind, "load_headcounts")
    with open_store(source) as store:
        pop = load_population(store, period_kind=period_kind)
        if period is not None:
            label = parse_period(period, period_kind,
                                 week_start=store.settings.week_start_index).label
            pop = pop[pop["period"].astype(str) == label]
    frame = pd.DataFrame({c: pop[c].astype(str) for c in ("period", "department", "team")})
    frame["period_start"] = pop["period_start"]
    out = (frame.groupby(["period", "period_start", "department", "team"], sort=True,
                         observed=True).size().rename("headcount").reset_index())
    out["headcount"] = out["headcount"].astype("int64")
    return out[HEADCOUNT_COLUMNS]


def load_seat_periods(
    source: Any,
    *,
    period: str | None = None,
    period_kind: str = "month",
    idle_days: int | None = None,
    settings: GovernanceSettings | None = None,
) -> pd.DataFrame:
    """One row per person x tool x period in which the person held a seat of the tool.

    Person-level and restricted: aggregate it (``compute_*``) before showing it to anyone but
    the tool owners. See the module docstring for every definition.

    Parameters
    ----------
    source : Store, Workspace or path
    period : str, optional
        Only this period (a label such as ``"2026-01"``); default every period with data.
    period_kind : {"week", "month", "quarter"}, default "month"
    idle_days : int, optional
        Days without use after which a seat is idle; default ``[governance] idle_days`` (30).
    settings : GovernanceSettings, optional
        Default: read from the workspace's ``adoption.toml``.

    Returns
    -------
    pandas.DataFrame
        Columns ``period, period_start, period_end, as_of`` (timestamps), ``person_id,
        department, team, tool, category, is_sanctioned`` (boolean; <NA> when the workspace says
        nothing about sanctioning, see :mod:`adoption.discovery.sanctioning`), ``monthly_seat_cost`` (NaN: unknown),
        ``held_days`` (days held within the period), ``cost_months`` (held days as a fraction of
        each month, summed), ``spend`` (``monthly_seat_cost x cost_months``), ``held_at_end,
        held_since`` (start of the assignment held at the as-of date), ``is_active,
        is_unknown, last_use, employed_to`` (last employed day; NaT while employed),
        ``is_idle, is_leaver, is_reclaimable, reclaim_reason`` (``"leaver"``, ``"idle"`` or
        missing).
    """
    _check_kind(period_kind, "load_seat_periods")
    with open_store(source) as store:
        gov = settings or governance_settings(store)
        idle = gov.idle_days if idle_days is None else idle_days
        if isinstance(idle, bool) or not isinstance(idle, int | np.integer) or idle < 1:
            raise InputError(f"load_seat_periods: idle_days is {idle!r}; use a whole number of "
                             "days of at least 1, e.g. idle_days=30.")
        check_canonical(store)
        spans = _spans(store, period_kind, period)
        store.con.register("_gov_spans", _dated(spans, "period_start", "period_end", "as_of"))
        store.con.register("_gov_months", _dated(_months(spans), "period_start", "m_start",
                                                 "m_end", counts=("m_days",)))
        try:
            frame = store.con.sql(_sql(period_kind, int(idle))).df()
        finally:
            store.con.unregister("_gov_spans")
            store.con.unregister("_gov_months")
        tools = store.read("tools")
        currency = store.settings.currency
    return _finish(frame, tools, gov, currency, period_kind)


def _spans(store: Store, kind: str, period: str | None) -> pd.DataFrame:
    """The canonical periods within the tool activity data, with their as-of dates."""
    units = ("UNION ALL SELECT min(day), max(day) FROM person_unit_days"
             if has_table(store.con, "person_unit_days") else "")
    lo, hi = store.con.execute(f"""
        SELECT min(lo), max(hi) FROM (
            SELECT min(day) AS lo, max(day) AS hi FROM person_tool_days
            UNION ALL SELECT min(window_start), max(window_end) FROM person_tool_windows
            UNION ALL SELECT min(as_of), max(as_of) FROM seat_activity {units})""").fetchall()[0]
    spans = store.con.execute(
        "SELECT period, period_start, period_end FROM period_spans WHERE period_kind = ? "
        "ORDER BY period_start", [kind]).df()
    if lo is None:
        spans = spans.iloc[:0]
    else:
        spans = spans[(spans["period_end"] >= pd.Timestamp(lo))
                      & (spans["period_start"] <= pd.Timestamp(hi))]
        spans = spans.assign(as_of=spans["period_end"].clip(upper=pd.Timestamp(hi)))
    if period is not None:
        p = parse_period(period, kind, week_start=store.settings.week_start_index)
        spans = spans[spans["period"] == p.label]
    out = spans.reindex(columns=["period", "period_start", "period_end", "as_of"])
    for col in ("period_start", "period_end", "as_of"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out.reset_index(drop=True)


def _dated(frame: pd.DataFrame, *dates: str, counts: tuple[str, ...] = ()):
    """``frame`` as an Arrow table whose ``dates`` columns are DATE and ``counts`` BIGINT even
    when it is empty (an empty pandas column has no type; DuckDB would guess one)."""
    import pyarrow as pa

    types = {c: pa.date32() if c in dates else pa.int64() if c in counts else pa.string()
             for c in frame.columns}
    return pa.table({c: pa.array(frame[c].tolist(), type=t) for c, t in types.items()})


def nearest_team_sql(pairs: str, kind: str) -> str:
    """A SELECT of ``period_start, person_id, unit`` (a struct of ``department, team``) for
    the person-periods of relation ``pairs``: the team of the period, else of the person's
    nearest period, earlier ones first.

    The one rule for placing money in a team when the person holding or spending it was not
    employed in the period itself (a seat held after leaving; usage charged after it).
    ``kind`` is the SQL literal of the period kind.
    """
    return f"""SELECT h.period_start, h.person_id,
               arg_min({{'department': p.department, 'team': p.team}},
                       CASE WHEN p.period_start <= h.period_start
                            THEN datediff('day', p.period_start, h.period_start)
                            ELSE 1000000 + datediff('day', h.period_start, p.period_start)
                       END) AS unit
        FROM {pairs} h
        JOIN population p ON p.person_id = h.person_id AND p.period_kind = {kind}
        GROUP BY ALL"""


def has_table(con: Any, name: str) -> bool:
    """Whether the store has table ``name`` (a store made before it was added may not)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                            [name]).fetchall()[0][0])


def _months(spans: pd.DataFrame) -> pd.DataFrame:
    """The calendar months each period touches (for pro-rating): period_start, m_start,
    m_end, m_days."""
    rows = []
    for start, end in zip(spans["period_start"], spans["period_end"], strict=True):
        month = parse_period(f"{start:%Y-%m}", "month")
        while month.start <= end:
            rows.append((start, month.start, month.end, month.days))
            month = month.shift(1)
    return pd.DataFrame(rows, columns=["period_start", "m_start", "m_end", "m_days"])


def _sql(kind: str, idle_days: int) -> str:
    k = sql_literal(kind)
    return f"""
    WITH held_months AS (
        SELECT p.period_start, s.person_id, s.tool, s.assigned_on,
               coalesce(s.removed_on, DATE '9999-12-31') AS removed_on,
               greatest(0, datediff('day',
                   greatest(s.assigned_on, mo.m_start, p.period_start),
                   least(coalesce(s.removed_on, DATE '9999-12-31'), mo.m_end, p.period_end))
                   + 1) AS days_held,
               mo.m_days
        FROM _gov_months mo JOIN _gov_spans p USING (period_start)
        JOIN seat_assignments s ON s.assigned_on <= least(mo.m_end, p.period_end)
         AND coalesce(s.removed_on, DATE '9999-12-31') >= greatest(mo.m_start, p.period_start)
    ),
    held AS (
        SELECT h.period_start, p.period, p.period_end, p.as_of, h.person_id, h.tool,
               sum(h.days_held) AS held_days,
               sum(h.days_held / h.m_days) AS cost_months,
               bool_or(h.assigned_on <= p.as_of AND h.removed_on >= p.as_of) AS held_at_end,
               max(CASE WHEN h.assigned_on <= p.as_of AND h.removed_on >= p.as_of
                        THEN h.assigned_on END) AS held_since
        FROM held_months h JOIN _gov_spans p USING (period_start)
        GROUP BY ALL
    ),
    uses AS (  -- every known active day (a window without one: its span)
        SELECT person_id, tool, day AS d_from, day AS d_to FROM person_tool_days
        UNION ALL
        SELECT person_id, tool, coalesce(last_active, window_start),
               coalesce(last_active, window_end)
        FROM person_tool_windows
    ),
    used AS (
        SELECT h.period_start, h.person_id, h.tool, max(least(u.d_to, h.as_of)) AS last_use
        FROM held h JOIN uses u
          ON u.person_id = h.person_id AND u.tool = h.tool AND u.d_from <= h.as_of
        GROUP BY ALL
    ),
    activity AS (
        SELECT period_start, person_id, tool, any_evidence_active, is_unknown
        FROM person_tool_periods
        WHERE period_kind = {k} AND source = '{ANY_TOOL}' AND tool <> '{ANY_TOOL}'
    ),
    teams AS (  -- the period's team; a holder gone before it: the team of their last period
        {nearest_team_sql("(SELECT DISTINCT period_start, person_id FROM held)", k)}
    )
    SELECT h.period, h.period_start, h.period_end, h.as_of, h.person_id,
           coalesce(t.unit.department, '{NOT_IN_ROSTER}') AS department,
           coalesce(t.unit.team, '{NOT_IN_ROSTER}') AS team, h.tool, h.held_days,
           h.cost_months, h.held_at_end, h.held_since,
           coalesce(a.any_evidence_active, false) AS is_active,
           coalesce(a.is_unknown AND NOT a.any_evidence_active, false) AS is_unknown,
           u.last_use,
           CASE WHEN e.employed_to < DATE '9999-12-31' THEN e.employed_to END AS employed_to,
           h.held_at_end AND h.held_since <= h.as_of - {idle_days}
             AND (u.last_use IS NULL OR u.last_use <= h.as_of - {idle_days}) AS is_idle,
           h.held_at_end AND coalesce(e.employed_to < h.as_of, false) AS is_leaver
    FROM held h
    LEFT JOIN used u USING (period_start, person_id, tool)
    LEFT JOIN activity a USING (period_start, person_id, tool)
    LEFT JOIN teams t USING (period_start, person_id)
    LEFT JOIN employment e ON e.person_id = h.person_id
    ORDER BY h.period_start, h.tool, department, team, h.person_id
    """


def _finish(frame: pd.DataFrame, tools: pd.DataFrame, gov: GovernanceSettings,
            currency: str, kind: str) -> pd.DataFrame:
    """Add catalogue facts, costs and the reclaim reason; fix dtypes and column order."""
    catalogue = tools.set_index("tool") if len(tools) else pd.DataFrame(
        columns=["category", "is_sanctioned", "monthly_seat_cost", "currency"])
    names = frame["tool"].astype(str)
    frame = frame.assign(
        category=names.map(catalogue["category"]).astype("object"),
        # True/False as the sanctioning rules say, <NA> when the workspace says nothing about
        # sanctioning ("unknown", shown as "not stated")
        is_sanctioned=names.map(classify_tools(names, tools, gov.sanctioned).map(
            {"sanctioned": True, "unsanctioned": False})).astype("boolean"),
    )
    same_currency = catalogue["currency"].fillna(currency).str.upper() == currency.upper()
    listed = catalogue["monthly_seat_cost"].where(same_currency)
    cost = names.map(listed).astype(float)
    override = names.map(gov.seat_costs)
    frame["monthly_seat_cost"] = override.where(override.notna(), cost).astype(float)
    frame["cost_months"] = frame["cost_months"].astype(float)
    frame["spend"] = frame["monthly_seat_cost"] * frame["cost_months"]
    for col in ("period_start", "period_end", "as_of", "held_since", "last_use", "employed_to"):
        frame[col] = pd.to_datetime(frame[col])
    for col in ("held_at_end", "is_active", "is_unknown", "is_idle", "is_leaver"):
        frame[col] = frame[col].fillna(False).astype(bool)
    frame["held_days"] = frame["held_days"].astype("int64")
    frame["is_reclaimable"] = frame["is_idle"] | frame["is_leaver"]
    frame["reclaim_reason"] = pd.Series(
        np.where(frame["is_leaver"], "leaver", np.where(frame["is_idle"], "idle", None)),
        index=frame.index, dtype="object")
    return frame[SEAT_PERIOD_COLUMNS].reset_index(drop=True)
