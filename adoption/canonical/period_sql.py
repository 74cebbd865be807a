"""The SQL of the person x period mart, shared by its loaders and the team mart's build.

Plain query builders without checks (the callers check the period kind and tools and that
the marts are current): :func:`adoption.canonical.person_periods_sql` and
:func:`adoption.canonical.person_period_sources_sql` are the checked, public forms.
"""

from __future__ import annotations

from collections.abc import Sequence

from adoption.periods import period_start_sql

__all__ = ["ANY_TOOL", "person_period_sources_query", "person_periods_query", "sql_literal"]

#: The tool and source of the rows over all tools / all sources in ``person_tool_periods``.
ANY_TOOL = "*"


def sql_literal(value: str) -> str:
    """A SQL string literal of ``value`` (quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def person_periods_query(period_kind: str, *, tools: list[str] | None = None,
                         periods: Sequence[str] | None = None, with_sources: bool = True,
                         ordered: bool = True, week_start: int = 0) -> str:
    """:func:`~adoption.canonical.person_periods_sql` without its checks (the kind and tools already checked, the
    marts current), for the canonical build, which stores figures made from it."""
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
            ws = week_start
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


def person_period_sources_query(period_kind: str, *, tools: list[str] | None = None,
                                periods: Sequence[str] | None = None) -> str:
    """:func:`~adoption.canonical.person_period_sources_sql` without its checks (see
    :func:`person_periods_query`)."""
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
