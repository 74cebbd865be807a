"""The seat-period frame: one row per seat holder x tool x period, built in DuckDB.

Every governance metric (utilisation, idle seats, spend, leavers, overlaps, the reclaim list)
is an aggregation of this one frame, so that they all agree. It is person-level and therefore
restricted: metrics aggregate it by team with small-group suppression; only the reclaim list
(:mod:`adoption.governance.reclaim`) shows rows of it, on explicit request.

Definitions (documented once, here):

- **Periods** run over the days covered by activity data (``usage`` days, ``activity_periods``
  windows and vendors' ``seat_activity`` export dates). The **as-of date** of a period is its
  last day, or the last day with activity data when the data end inside the period.
- **Seat held in the period**: an assignment overlapping the period (``removed_on`` missing:
  held until today). **Held at the as-of date**: ``assigned_on <= as_of <= removed_on``.
- **Spend** of a seat in a period, pro-rated by day: for each calendar month the period
  touches, ``monthly cost x days held in that month / days in that month``. A seat held the
  whole month costs exactly its monthly cost; a quarter, three times it; a week, 7/31 of it in
  a 31-day month. Days after the as-of date count as held when the seat has no removal date.
- **Monthly seat cost**: ``[governance] seat_costs`` of ``adoption.toml`` when set for the tool,
  else the catalogue's ``monthly_seat_cost`` when its currency is the workspace currency;
  otherwise unknown (missing), and the seat counts in seat figures but not in money totals.
- **Last use** (up to the as-of date): the latest of the days with events in ``usage``, the
  ``last_active`` dates of ``activity_periods`` and ``seat_activity``, and, for an active window
  without a last-active date, the window's end (capped at the as-of date): a generous reading
  that never calls a seat idle while its holder was active.
- **Active** in the period: used at least once within it (same sources).
- **Idle** (no use in ``idle_days`` days, default 30): held at the as-of date, held for at least
  ``idle_days`` days by then (a new seat gets that long to be used), and last use missing or at
  least ``idle_days`` days before the as-of date (``last_use <= as_of - idle_days``).
- **Leaver**: held at the as-of date by someone whose employment ended before it.
- **Reclaimable**: idle or leaver (reason ``"leaver"`` first).
- **Team**: the team of the holder's last employed day up to the as-of date (a leaver counts in
  the team they left); holders not in the roster are in team and department ``"(not in
  roster)"``.
- Person keys are resolved through ``identities`` (``coalesce(identities.person_id, key)``), so
  a seat exported under a GitHub login counts for the roster person it belongs to.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from adoption.errors import InputError
from adoption.governance.config import GovernanceSettings, governance_settings
from adoption.periods import PERIOD_KINDS, parse_period, period_start_sql
from adoption.store import Store

__all__ = ["NOT_IN_ROSTER", "SEAT_PERIOD_COLUMNS", "load_seat_periods", "open_store"]

#: Team and department of seat holders who are in no roster.
NOT_IN_ROSTER = "(not in roster)"
SEAT_PERIOD_COLUMNS = [
    "period", "period_start", "period_end", "as_of", "person_id", "department", "team", "tool",
    "category", "is_sanctioned", "monthly_seat_cost", "held_days", "cost_months", "spend",
    "held_at_end", "held_since", "is_active", "last_use", "employed_to", "is_idle",
    "is_leaver", "is_reclaimable", "reclaim_reason",
]


@contextlib.contextmanager
def open_store(source: Any) -> Iterator[Store]:
    """A read-only store from a Store (used as is), a Workspace or a workspace path."""
    if isinstance(source, Store):
        yield source
        return
    from adoption.workspace import Workspace, open_workspace

    ws = source if isinstance(source, Workspace) else open_workspace(source)
    with ws.store(read_only=True) as store:
        yield store


def _label_sql(kind: str, col: str) -> str:
    if kind == "month":
        return f"strftime({col}, '%Y-%m')"
    if kind == "quarter":
        return f"CAST(year({col}) AS VARCHAR) || '-Q' || CAST(quarter({col}) AS VARCHAR)"
    return f"strftime({col}, '%Y-%m-%d')"


_STEP = {"week": "INTERVAL 7 DAY", "month": "INTERVAL 1 MONTH", "quarter": "INTERVAL 3 MONTH"}


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
        department, team, tool, category, is_sanctioned, monthly_seat_cost`` (NaN: unknown),
        ``held_days`` (days held within the period), ``cost_months`` (held days as a fraction of
        each month, summed), ``spend`` (``monthly_seat_cost x cost_months``), ``held_at_end,
        held_since`` (start of the assignment held at the as-of date), ``is_active, last_use,
        employed_to`` (last employed day; NaT while employed), ``is_idle, is_leaver,
        is_reclaimable, reclaim_reason`` (``"leaver"``, ``"idle"`` or missing).
    """
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"load_seat_periods: period_kind {period_kind!r} is unknown; use one of "
                         f"{list(PERIOD_KINDS)}.")
    with open_store(source) as store:
        gov = settings or governance_settings(store)
        idle = gov.idle_days if idle_days is None else idle_days
        if isinstance(idle, bool) or not isinstance(idle, int | np.integer) or idle < 1:
            raise InputError(f"load_seat_periods: idle_days is {idle!r}; use a whole number of "
                             "days of at least 1, e.g. idle_days=30.")
        week_start = store.settings.week_start_index
        only = ""
        if period is not None:
            p = parse_period(period, period_kind, week_start=week_start)
            only = f"WHERE period_start = DATE '{p.start.isoformat()}'"
        sql = _sql(period_kind, week_start, only, int(idle), _identity_map(store.con))
        frame = store.con.sql(sql).df()
        tools = store.read("tools")
        currency = store.settings.currency
    return _finish(frame, tools, gov, currency, period_kind)


def _identity_map(con) -> str:
    """The one identity resolution of the product (adoption.vendors.identity)."""
    from adoption.canonical.identity import identity_map_sql

    return f"SELECT identity_hash, person_id FROM ({identity_map_sql(con)})"


def _sql(kind: str, week_start: int, only: str, idle_days: int, ids: str) -> str:
    pstart = period_start_sql("d", kind, week_start=week_start)
    pstart_from = period_start_sql("d_from", kind, week_start=week_start)
    return f"""
    WITH ids AS ({ids}),
    uses AS (
        SELECT coalesce(i.person_id, u.person_id) AS person_id, u.tool,
               u.day AS d_from, u.day AS d_to
        FROM usage u LEFT JOIN ids i ON i.identity_hash = u.person_id WHERE u.events > 0
        UNION ALL
        SELECT coalesce(i.person_id, a.person_id), a.tool,
               coalesce(a.last_active, a.period_start), coalesce(a.last_active, a.period_end)
        FROM activity_periods a LEFT JOIN ids i ON i.identity_hash = a.person_id
        WHERE a.active OR a.last_active IS NOT NULL
        UNION ALL
        SELECT coalesce(i.person_id, s.person_id), s.tool, s.last_active, s.last_active
        FROM seat_activity s LEFT JOIN ids i ON i.identity_hash = s.person_id
        WHERE s.last_active IS NOT NULL
    ),
    bounds AS (
        SELECT min(lo) AS lo, max(hi) AS hi FROM (
            SELECT min(day) AS lo, max(day) AS hi FROM usage
            UNION ALL SELECT min(period_start), max(period_end) FROM activity_periods
            UNION ALL SELECT min(as_of), max(as_of) FROM seat_activity)
    ),
    days AS (SELECT CAST(range AS DATE) AS d FROM bounds,
             range(bounds.lo, bounds.hi + INTERVAL 1 DAY, INTERVAL 1 DAY)
             WHERE bounds.lo IS NOT NULL),
    periods AS (
        SELECT * FROM (
            SELECT {pstart} AS period_start, max(d) AS as_of FROM days GROUP BY 1)
        {only}
    ),
    periods2 AS (
        SELECT period_start, as_of,
               CAST(period_start + {_STEP[kind]} - INTERVAL 1 DAY AS DATE) AS period_end
        FROM periods
    ),
    months AS (
        SELECT p.period_start, CAST(m AS DATE) AS m_start,
               CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS m_end,
               datediff('day', CAST(m AS DATE), CAST(m + INTERVAL 1 MONTH AS DATE)) AS m_days
        FROM periods2 p,
             unnest(generate_series(CAST(date_trunc('month', p.period_start) AS TIMESTAMP),
                                    CAST(p.period_end AS TIMESTAMP), INTERVAL 1 MONTH)) AS t(m)
    ),
    seats_r AS (
        SELECT coalesce(i.person_id, s.person_id) AS person_id, s.tool, s.assigned_on,
               coalesce(s.removed_on, DATE '9999-12-31') AS removed_on
        FROM seats s LEFT JOIN ids i ON i.identity_hash = s.person_id
    ),
    held_months AS (
        SELECT mo.period_start, s.person_id, s.tool, s.assigned_on, s.removed_on,
               greatest(0, datediff('day',
                   greatest(s.assigned_on, mo.m_start, mo.period_start),
                   least(s.removed_on, mo.m_end, p.period_end)) + 1) AS days_held,
               mo.m_days
        FROM months mo JOIN periods2 p USING (period_start)
        JOIN seats_r s ON s.assigned_on <= least(mo.m_end, p.period_end)
                      AND s.removed_on >= greatest(mo.m_start, p.period_start)
    ),
    held AS (
        SELECT h.period_start, p.period_end, p.as_of, h.person_id, h.tool,
               sum(h.days_held) AS held_days,
               sum(h.days_held / h.m_days) AS cost_months,
               bool_or(h.assigned_on <= p.as_of AND h.removed_on >= p.as_of) AS held_at_end,
               max(CASE WHEN h.assigned_on <= p.as_of AND h.removed_on >= p.as_of
                        THEN h.assigned_on END) AS held_since
        FROM held_months h JOIN periods2 p USING (period_start)
        GROUP BY ALL
    ),
    use_agg AS (
        SELECT person_id, tool, {pstart_from} AS ps, max(d_to) AS last_to FROM uses GROUP BY ALL
    ),
    used AS (
        SELECT h.period_start, h.person_id, h.tool,
               max(CASE WHEN u.last_to IS NOT NULL THEN least(u.last_to, h.as_of) END) AS last_use,
               coalesce(bool_or(u.last_to >= h.period_start), false) AS is_active
        FROM held h LEFT JOIN use_agg u
          ON u.person_id = h.person_id AND u.tool = h.tool AND u.ps <= h.period_start
        GROUP BY ALL
    ),
    employment AS (
        SELECT person_id, min(valid_from) AS employed_from, max(valid_to) AS employed_to
        FROM people GROUP BY 1
    ),
    attributed AS (
        SELECT h.*, u.last_use, u.is_active, e.employed_to,
               greatest(e.employed_from, least(h.as_of, e.employed_to)) AS attribution_day
        FROM held h JOIN used u USING (period_start, person_id, tool)
        LEFT JOIN employment e ON e.person_id = h.person_id
    )
    SELECT {_label_sql(kind, 'a.period_start')} AS period, a.period_start, a.period_end, a.as_of,
           a.person_id, coalesce(pe.department, '{NOT_IN_ROSTER}') AS department,
           coalesce(pe.team, '{NOT_IN_ROSTER}') AS team, a.tool, a.held_days, a.cost_months,
           a.held_at_end, a.held_since, a.is_active, a.last_use,
           CASE WHEN a.employed_to < DATE '9999-12-31' THEN a.employed_to END AS employed_to,
           a.held_at_end AND a.held_since <= a.as_of - {idle_days}
             AND (a.last_use IS NULL OR a.last_use <= a.as_of - {idle_days}) AS is_idle,
           a.held_at_end AND coalesce(a.employed_to < a.as_of, false) AS is_leaver
    FROM attributed a
    LEFT JOIN people pe ON pe.person_id = a.person_id
     AND pe.valid_from <= a.attribution_day AND pe.valid_to >= a.attribution_day
    ORDER BY a.period_start, a.tool, department, team, a.person_id
    """


def _finish(frame: pd.DataFrame, tools: pd.DataFrame, gov: GovernanceSettings, currency: str,
            kind: str) -> pd.DataFrame:
    """Add catalogue facts, costs and the reclaim reason; fix dtypes and column order."""
    catalogue = tools.set_index("tool") if len(tools) else pd.DataFrame(
        columns=["category", "is_sanctioned", "monthly_seat_cost", "currency"])
    names = frame["tool"].astype(str)
    frame = frame.assign(
        category=names.map(catalogue["category"]).astype("object"),
        is_sanctioned=(names.map(catalogue["is_sanctioned"]).fillna(False).astype(bool)
                       | names.isin(gov.sanctioned)),
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
    for col in ("held_at_end", "is_active", "is_idle", "is_leaver"):
        frame[col] = frame[col].fillna(False).astype(bool)
    frame["held_days"] = frame["held_days"].astype("int64")
    frame["is_reclaimable"] = frame["is_idle"] | frame["is_leaver"]
    frame["reclaim_reason"] = pd.Series(
        np.where(frame["is_leaver"], "leaver", np.where(frame["is_idle"], "idle", None)),
        index=frame.index, dtype="object")
    return frame[SEAT_PERIOD_COLUMNS].reset_index(drop=True)
