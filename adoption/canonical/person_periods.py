"""The person x period mart: everyone employed in a period, with their activity in it.

:func:`load_person_periods` brings it into pandas (one row per person x period);
:func:`person_periods_sql` and :func:`person_period_sources_sql` give the same rows as SQL,
so that features which only need figures per group aggregate them inside the store.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from adoption.canonical.marts import (
    ANY_TOOL,
    _check_kind,
    _check_tools,
    check_canonical,
    sql_literal,
)
from adoption.periods import period_start_sql

__all__ = [
    "PERSON_PERIOD_COLUMNS",
    "load_person_periods",
    "person_period_sources_sql",
    "person_periods_sql",
]

PERSON_PERIOD_COLUMNS = [
    "period", "period_start", "period_end", "days_in_period", "person_id", "team", "department",
    "has_seat", "active_days", "events", "is_active", "is_new", "was_active_prev",
    "in_prev_population", "is_unknown", "days_known", "sources",
]


def load_person_periods(
    store,
    *,
    period_kind: str = "month",
    tools: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per person x period for everyone employed at least one day of the period.

    Activity is that of any AI tool (default) or of ``tools``, from every source, each used
    only for what it can tell (see :mod:`adoption.canonical.build` for the rule). Periods run
    from the first to the last day with activity data of any source. A person's team and
    department are those of their last employed day within the period.

    Parameters
    ----------
    store : Store
    period_kind : {"week", "month", "quarter"}
    tools : list of str, optional
        Count only these tools (default: any tool).
    periods : list of str, optional
        Only the rows of these period labels (default: every period); ``is_new`` and
        ``was_active_prev`` still look at every period.

    Returns
    -------
    DataFrame
        Columns :data:`PERSON_PERIOD_COLUMNS`:

        - ``period, period_start, period_end, days_in_period`` (days of the period within
          the data's date range), ``person_id, team, department`` (categories);
        - ``has_seat``: held a seat of a counted tool at least one day of the period;
        - ``is_active``: known active on an employed day of the period;
        - ``is_unknown``: not known active, but a window source straddling the period's
          boundary says active with no known day (neither active nor inactive);
        - ``active_days, events``: from daily sources only (distinct days across tools);
          ``days_known``: every source showing the person active is daily, so
          ``active_days`` is complete;
        - ``is_new`` (first known activity falls in this period), ``was_active_prev``,
          ``in_prev_population``;
        - ``sources``: the sources with evidence for the person in the period, comma-joined
          (empty when none).
    """
    sql = person_periods_sql(store, period_kind=period_kind, tools=tools, periods=periods)
    # through Arrow, with text as categories: millions of person-weeks stay small and fast
    frame = store.con.sql(sql).to_arrow_table().to_pandas(strings_to_categorical=True)
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col])
    for col in ("active_days", "events", "days_in_period"):
        frame[col] = frame[col].astype("int64")
    for col in ("has_seat", "is_active", "is_new", "was_active_prev", "in_prev_population",
                "is_unknown", "days_known"):
        frame[col] = frame[col].astype(bool)
    return frame[PERSON_PERIOD_COLUMNS]


def person_periods_sql(store, *, period_kind: str = "month",
                       tools: Sequence[str] | None = None,
                       periods: Sequence[str] | None = None,
                       with_sources: bool = True, ordered: bool = True) -> str:
    """The SQL query of :func:`load_person_periods`, for aggregating it inside the store.

    Features that need figures per group rather than per person wrap this query in their own
    ``GROUP BY`` so that the person-period rows never leave the database.

    Parameters
    ----------
    store : Store
    period_kind : {"week", "month", "quarter"}
    tools : list of str, optional
        Count only these tools (default: any tool).
    periods : list of str, optional
        Return only the rows of these period labels (default: every period). Whether a person
        is new or was active the period before still looks at every period.
    with_sources : bool, default True
        Include the ``sources`` column (leave it out when grouping: the sources of a group
        come from :func:`person_period_sources_sql` at a fraction of the cost).
    ordered : bool, default True
        Order the rows by ``period_start`` (not needed when grouping).

    Returns
    -------
    str
        A ``SELECT`` with the columns of :data:`PERSON_PERIOD_COLUMNS` (dates as DATE,
        ``department`` possibly missing).
    """
    _check_kind(period_kind, "person_periods_sql")
    check_canonical(store)
    tools = _check_tools(store, tools)
    kind = sql_literal(period_kind)
    period_filter = ("true" if periods is None else
                     f"s.period IN ({', '.join(sql_literal(p) for p in periods) or 'NULL'})")
    if tools is None:
        sel = (f"SELECT period_start, person_id, is_active, is_unknown, active_days, events, "
               f"days_known FROM person_tool_periods WHERE period_kind = {kind} "
               f"AND tool = '{ANY_TOOL}' AND source = '{ANY_TOOL}'")
        tool_filter = "true"
        seat_filter = "true"
    else:
        in_list = ", ".join(sql_literal(t) for t in tools)
        tool_filter = f"tool IN ({in_list})"
        seat_filter = tool_filter
        if len(tools) == 1:
            sel = (f"SELECT period_start, person_id, is_active, is_unknown, active_days, "
                   f"events, days_known FROM person_tool_periods WHERE period_kind = {kind} "
                   f"AND {tool_filter} AND source = '{ANY_TOOL}'")
        else:  # distinct days across the chosen tools come from the day table
            ws = store.settings.week_start_index
            sel = f"""
                SELECT t.period_start, t.person_id, bool_or(t.is_active) AS is_active,
                       NOT bool_or(t.is_active) AND bool_or(t.is_unknown) AS is_unknown,
                       coalesce(any_value(d.active_days), 0) AS active_days,
                       sum(t.events) AS events, bool_and(t.days_known) AS days_known
                FROM person_tool_periods t
                LEFT JOIN (
                    SELECT {period_start_sql('day', period_kind, week_start=ws)}
                               AS period_start, person_id, count(DISTINCT day) AS active_days
                    FROM person_tool_days WHERE evidence = 'day' AND {tool_filter}
                    GROUP BY ALL) d USING (period_start, person_id)
                WHERE t.period_kind = {kind} AND t.{tool_filter} AND t.source = '{ANY_TOOL}'
                GROUP BY ALL"""
    # people are joined on a small integer key numbered here: hashing and comparing their
    # 32-character ids row by row costs twice as much on millions of person-weeks. Only the
    # chosen periods' own and previous periods' activity is joined (a person's first active
    # period still looks at every period).
    return f"""
    WITH spans AS (SELECT * FROM period_spans s WHERE s.period_kind = {kind} AND {period_filter}),
    keys AS (  -- everyone of the roster (the population's people are among them)
        SELECT person_id, CAST(row_number() OVER () AS INTEGER) AS k
        FROM (SELECT DISTINCT person_id FROM people)
    ),
    keyed AS (SELECT keys.k, x.* EXCLUDE (person_id) FROM ({sel}) x JOIN keys USING (person_id)),
    firsts AS (SELECT k, min(period_start) AS first_start FROM keyed WHERE is_active
               GROUP BY 1),
    sel AS (SELECT * FROM keyed WHERE period_start IN (SELECT period_start FROM spans)
                                   OR period_start IN (SELECT prev_start FROM spans)),
    srcs AS (
        SELECT period_start, keys.k, string_agg(DISTINCT source, ', ' ORDER BY source)
                   AS sources
        FROM person_tool_periods JOIN keys USING (person_id)
        WHERE period_kind = {kind} AND tool <> '{ANY_TOOL}' AND source <> '{ANY_TOOL}'
          AND {tool_filter} AND (is_active OR is_unknown)
        GROUP BY ALL
    ),
    seat AS (SELECT DISTINCT period_start, keys.k FROM seat_periods JOIN keys USING (person_id)
             WHERE period_kind = {kind} AND {seat_filter})
    SELECT s.period, s.period_start, s.period_end, s.days_in_period, p.person_id, p.team,
           p.department, st.k IS NOT NULL AS has_seat,
           coalesce(a.active_days, 0) AS active_days, coalesce(a.events, 0) AS events,
           coalesce(a.is_active, false) AS is_active,
           coalesce(a.is_active AND f.first_start = p.period_start, false) AS is_new,
           coalesce(prev.is_active, false) AS was_active_prev,
           p.in_prev_population,
           coalesce(a.is_unknown, false) AS is_unknown,
           coalesce(a.days_known, true) AS days_known
           {", coalesce(sr.sources, '') AS sources" if with_sources else ""}
    FROM population p
    JOIN spans s ON s.period_start = p.period_start
    JOIN keys USING (person_id)
    LEFT JOIN sel a ON a.k = keys.k AND a.period_start = p.period_start
    LEFT JOIN sel prev ON prev.k = keys.k AND prev.period_start = s.prev_start
    LEFT JOIN firsts f ON f.k = keys.k
    {"LEFT JOIN srcs sr ON sr.k = keys.k AND sr.period_start = p.period_start"
     if with_sources else ""}
    LEFT JOIN seat st ON st.k = keys.k AND st.period_start = p.period_start
    WHERE p.period_kind = {kind}
    {"ORDER BY s.period_start" if ordered else ""}
    """


def person_period_sources_sql(store, *, period_kind: str = "month",
                              tools: Sequence[str] | None = None,
                              periods: Sequence[str] | None = None) -> str:
    """The sources with evidence of each person x period of the population, in SQL.

    The long form of :func:`load_person_periods`' ``sources`` column (same people, periods,
    tools and rule: a source whose evidence says active or unknown), so that the sources of a
    group are a ``SELECT DISTINCT`` inside the store.

    Returns
    -------
    str
        A ``SELECT`` with the columns ``period, person_id, team, department, source``: one
        row per tool a source has evidence of, so a person x period x source can repeat
        (select the distinct rows of what you need; leaving that to the end is faster).
    """
    _check_kind(period_kind, "person_period_sources_sql")
    check_canonical(store)
    tools = _check_tools(store, tools)
    kind = sql_literal(period_kind)
    tool_filter = ("true" if tools is None else
                   f"t.tool IN ({', '.join(sql_literal(t) for t in tools)})")
    period_filter = ("true" if periods is None else
                     f"s.period IN ({', '.join(sql_literal(p) for p in periods) or 'NULL'})")
    return f"""
    SELECT s.period, p.person_id, p.team, p.department, t.source
    FROM population p
    JOIN period_spans s ON s.period_kind = p.period_kind AND s.period_start = p.period_start
    JOIN person_tool_periods t
      ON t.period_kind = p.period_kind AND t.period_start = p.period_start
     AND t.person_id = p.person_id
    WHERE p.period_kind = {kind} AND {period_filter} AND t.tool <> '{ANY_TOOL}'
      AND t.source <> '{ANY_TOOL}' AND {tool_filter} AND (t.is_active OR t.is_unknown)
    """
