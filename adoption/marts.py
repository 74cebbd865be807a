"""Queries that turn the canonical tables into the frames the metrics take.

Heavy lifting stays in DuckDB; what comes back is one row per person x period (about
100,000 x 12 rows for a large organisation), small enough for pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from adoption.errors import InputError
from adoption.ingest.reader import sql_literal
from adoption.periods import PERIOD_KINDS, period_start_sql
from adoption.store import Store

__all__ = ["PERSON_PERIOD_COLUMNS", "load_person_periods", "load_sources", "load_tool_names"]

PERSON_PERIOD_COLUMNS = [
    "period", "period_start", "period_end", "days_in_period", "person_id", "team", "department",
    "has_seat", "active_days", "events", "is_active", "is_new", "was_active_prev",
    "in_prev_population",
]


def _label_sql(kind: str, col: str = "period_start") -> str:
    if kind == "month":
        return f"strftime({col}, '%Y-%m')"
    if kind == "quarter":
        return f"CAST(year({col}) AS VARCHAR) || '-Q' || CAST(quarter({col}) AS VARCHAR)"
    return f"strftime({col}, '%Y-%m-%d')"


def _previous_sql(kind: str) -> str:
    step = {"week": "INTERVAL 7 DAY", "month": "INTERVAL 1 MONTH", "quarter": "INTERVAL 3 MONTH"}
    return f"CAST(period_start - {step[kind]} AS DATE)"


def _next_sql(kind: str) -> str:
    step = {"week": "INTERVAL 7 DAY", "month": "INTERVAL 1 MONTH", "quarter": "INTERVAL 3 MONTH"}
    return f"CAST(period_start + {step[kind]} AS DATE)"


def load_tool_names(store: Store) -> list[str]:
    """Tools seen in usage, seats or the catalogue, sorted."""
    return [r[0] for r in store.con.execute(
        "SELECT tool FROM usage UNION SELECT tool FROM seats UNION SELECT tool FROM tools "
        "ORDER BY 1").fetchall()]


def load_person_periods(
    store: Store,
    *,
    period_kind: str = "month",
    tools: list[str] | None = None,
    span_from: Sequence[str] = ("usage",),
) -> pd.DataFrame:
    """One row per person x period for everyone employed at least one day of the period.

    Periods run from the first to the last day with data in the ``span_from`` tables (by
    default usage; the shadow-AI metrics add ``discovery``). A person's team and
    department are those of their last employed day within the period; seats and activity
    count over the whole period.

    Parameters
    ----------
    store : Store
    period_kind : {"week", "month", "quarter"}
    tools : list of str, optional
        Restrict seats and activity to these tools (default: all tools together).
    span_from : sequence of str
        Tables with a ``day`` column whose dates set the first and last period.

    Returns
    -------
    DataFrame
        Columns ``period, period_start, period_end, days_in_period`` (days of the period
        covered by usage data), ``person_id, team, department`` (categories), ``has_seat,
        active_days, events,
        is_active, is_new`` (first activity ever falls in this period), ``was_active_prev``,
        ``in_prev_population``.
    """
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"period kind {period_kind!r} is unknown; use one of {list(PERIOD_KINDS)}.")
    if tools:
        known = set(load_tool_names(store))
        unknown = [t for t in tools if t not in known]
        if unknown:
            raise InputError(f"tool(s) {unknown} not found; known tools: {sorted(known)}.")
        tool_filter = "tool IN (" + ", ".join(sql_literal(t) for t in tools) + ")"
    else:
        tool_filter = "true"
    from adoption.vendors.identity import identity_join_sql, identity_map_sql, resolved_person_sql

    span_ok = ("usage", "discovery", "activity_periods")
    if not span_from or any(t not in span_ok for t in span_from):
        raise InputError(f"span_from {list(span_from)!r}: use one or more of {list(span_ok)}.")
    span_sql = " UNION ALL ".join(
        f"SELECT {'period_start' if t == 'activity_periods' else 'day'} AS day FROM {t}"
        for t in span_from)
    ws = store.settings.week_start_index
    pstart = period_start_sql("day", period_kind, week_start=ws)
    # every person-keyed table resolves through the one identity map (adoption.vendors.identity)
    sql = f"""
    WITH identity_map AS ({identity_map_sql(store.con)}),
    used AS (
        SELECT {resolved_person_sql('u', map_alias='i')} AS person_id, u.tool, u.day, u.events
        FROM usage u {identity_join_sql('u', map_alias='i', map_name='identity_map')}
        WHERE u.events > 0 AND {tool_filter}
    ),
    bounds AS (SELECT min(day) AS lo, max(day) AS hi FROM ({span_sql})),
    days AS (SELECT CAST(range AS DATE) AS day FROM bounds,
             range(bounds.lo, bounds.hi + INTERVAL 1 DAY, INTERVAL 1 DAY)),
    periods AS (
        SELECT {pstart} AS period_start, min(day) AS first_day, max(day) AS last_day,
               count(*) AS days_in_period
        FROM days GROUP BY 1
    ),
    periods2 AS (
        SELECT *, CAST({_next_sql(period_kind)} - INTERVAL 1 DAY AS DATE) AS period_end,
               {_previous_sql(period_kind)} AS prev_start
        FROM periods
    ),
    employment AS (
        -- a person's stretches in ``people`` are contiguous: one employment span each
        SELECT person_id, min(valid_from) AS employed_from, max(valid_to) AS employed_to
        FROM people GROUP BY person_id
    ),
    employed AS (
        SELECT p.period_start, p.period_end, p.prev_start, p.days_in_period, e.person_id,
               e.employed_from, e.employed_to,
               least(p.period_end, e.employed_to) AS attribution_day
        FROM periods2 p JOIN employment e
          ON e.employed_from <= p.period_end AND e.employed_to >= p.period_start
    ),
    population AS (
        -- the team of the last employed day in the period: exactly one stretch holds it
        SELECT em.period_start, em.period_end, em.prev_start, em.days_in_period,
               em.person_id, pe.team, pe.department,
               em.employed_from < em.period_start AND em.employed_to >= em.prev_start
                   AS in_prev_population
        FROM employed em JOIN people pe
          ON pe.person_id = em.person_id
         AND pe.valid_from <= em.attribution_day AND pe.valid_to >= em.attribution_day
    ),
    activity AS (
        SELECT person_id, {pstart} AS period_start, count(DISTINCT day) AS active_days,
               sum(events) AS events
        FROM used GROUP BY ALL
    ),
    first_use AS (SELECT person_id, min(day) AS first_day FROM used GROUP BY 1),
    seat_periods AS (
        SELECT DISTINCT p.period_start, {resolved_person_sql('s', map_alias='i')} AS person_id
        FROM periods2 p JOIN seats s
          ON s.assigned_on <= p.period_end
         AND coalesce(s.removed_on, DATE '9999-12-31') >= p.period_start
        {identity_join_sql('s', map_alias='i', map_name='identity_map')}
        WHERE {tool_filter}
    )
    SELECT {_label_sql(period_kind, 'pop.period_start')} AS period, pop.period_start, pop.period_end,
           pop.days_in_period, pop.person_id, pop.team, pop.department,
           sp.person_id IS NOT NULL AS has_seat,
           coalesce(a.active_days, 0) AS active_days, coalesce(a.events, 0) AS events,
           coalesce(a.active_days, 0) > 0 AS is_active,
           coalesce(a.active_days, 0) > 0 AND f.first_day >= pop.period_start AS is_new,
           prev_a.person_id IS NOT NULL AS was_active_prev,
           pop.in_prev_population
    FROM population pop
    LEFT JOIN activity a ON a.person_id = pop.person_id AND a.period_start = pop.period_start
    LEFT JOIN first_use f ON f.person_id = pop.person_id
    LEFT JOIN seat_periods sp
      ON sp.person_id = pop.person_id AND sp.period_start = pop.period_start
    LEFT JOIN activity prev_a
      ON prev_a.person_id = pop.person_id AND prev_a.period_start = pop.prev_start
    ORDER BY pop.period_start
    """
    # through Arrow, with text as categories: millions of person-weeks stay small and fast
    frame = store.con.sql(sql).to_arrow_table().to_pandas(strings_to_categorical=True)
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col])
    for col in ("active_days", "events", "days_in_period"):
        frame[col] = frame[col].astype("int64")
    for col in ("has_seat", "is_active", "is_new", "was_active_prev", "in_prev_population"):
        frame[col] = frame[col].astype(bool)
    return frame[PERSON_PERIOD_COLUMNS]


def load_sources(store: Store) -> pd.DataFrame:
    """The data sources: per source, the files, rows, dates covered and what it can tell.

    A source is a named format (e.g. ``chatgpt_user_analytics``) or, for generic tables, the
    kind (``roster``, ``usage``, ``seats``, ``tools``). What each can tell comes from
    :data:`adoption.vendors.semantics.SOURCE_SEMANTICS`, so that the report says which figures
    each source feeds and which it cannot.

    Returns
    -------
    DataFrame
        Columns ``source, kind, label, files, rows_read, rows_loaded, rows_rejected,
        rows_duplicate, first_date, last_date, last_ingested, tells, cannot_tell, used_for,
        daily_activity, distinct_users, last_activity_only, aggregate_only``, rosters first,
        then catalogues, seats, usage and the rest.
    """
    from adoption.vendors.semantics import source_name_sql, source_semantics, source_use

    frame = store.query(f"""
        SELECT {source_name_sql(store.con)} AS source, any_value(kind) AS kind,
               count(*) AS files, CAST(sum(rows_read) AS BIGINT) AS rows_read,
               CAST(sum(rows_loaded) AS BIGINT) AS rows_loaded,
               CAST(sum(rows_rejected) AS BIGINT) AS rows_rejected,
               CAST(sum(rows_duplicate) AS BIGINT) AS rows_duplicate,
               min(first_date) AS first_date, max(last_date) AS last_date,
               max(ingested_at) AS last_ingested
        FROM ingest_log l GROUP BY 1
        ORDER BY CASE any_value(kind) WHEN 'roster' THEN 1 WHEN 'directory' THEN 1
                 WHEN 'identities' THEN 2 WHEN 'tools' THEN 2 WHEN 'seats' THEN 3
                 WHEN 'usage' THEN 4 ELSE 5 END, min(batch_id)""")
    sem = [source_semantics(s) for s in frame["source"]]
    frame.insert(2, "label", [s.label if s.label != "(not described)" else name
                              for s, name in zip(sem, frame["source"], strict=True)])
    frame["tells"] = [s.tells for s in sem]
    frame["cannot_tell"] = [s.cannot_tell for s in sem]
    frame["used_for"] = [source_use(n, k) for n, k in zip(frame["source"], frame["kind"],
                                                           strict=True)]
    for flag in ("daily_activity", "distinct_users", "last_activity_only", "aggregate_only"):
        frame[flag] = [bool(getattr(s, flag)) for s in sem]
    return frame
