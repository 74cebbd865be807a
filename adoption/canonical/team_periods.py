"""The team x period mart: the people of every team counted per period, stored at each ingest.

Metric sets (:func:`adoption.metrics.metric_sets`) need per team and period only counts and
sums: headcount, active, unknown, new, returning and lapsed users, seats, and the sums the
means of active days and events and their intervals need. Counting them means joining every
person x period (5 million rows for 100,000 people over a year of weeks); done once here, in
the batch's transaction, a metric set of any period is a read of a few thousand rows. The
same queries count a chosen set of tools on the fly (:func:`team_stats_query`).
"""

from __future__ import annotations

from adoption.canonical.period_sql import (
    person_period_sources_query,
    person_periods_query,
    sql_literal,
)
from adoption.periods import PERIOD_KINDS

__all__ = ["build_team_periods", "team_sources_query", "team_stats_query"]


def team_stats_query(people: str, *, no_department: str) -> str:
    """People counted per department x team x period of the person-period rows ``people``.

    ``people``: SQL with the columns of :func:`~adoption.canonical.person_periods_sql`.
    Over the active users whose days are known (``intensity_n``) the sums of active days and
    events, and ``n * sum(x^2) - sum(x)^2`` (``*_spread``, exact in 128-bit integers; only
    its conversion to DOUBLE rounds), from which the squared deviations follow.
    """
    dept = f"coalesce(department, {sql_literal(no_department)})"
    known = "is_active AND days_known"
    # sums of integers are exact (DuckDB sums BIGINT into a 128-bit total; a person's
    # squared events fit 64 bits up to 3 billion events a period)
    sums = ", ".join(
        f"coalesce(sum({x}) FILTER (WHERE {known}), 0) AS {v}_sum, "
        f"coalesce(sum(CAST({x} AS BIGINT) * {x}) FILTER (WHERE {known}), 0) AS {v}_sq"
        for v, x in (("days", "active_days"), ("events", "events")))
    spread = ", ".join(f"CAST({v}_sum AS DOUBLE) AS {v}_sum, "
                       f"CAST(CAST(intensity_n AS HUGEINT) * {v}_sq - CAST({v}_sum AS HUGEINT) "
                       f"* {v}_sum AS DOUBLE) AS {v}_spread"
                       for v in ("days", "events"))
    return f"""
        SELECT * EXCLUDE (days_sum, days_sq, events_sum, events_sq), {spread} FROM (
        SELECT {dept} AS department, CAST(team AS VARCHAR) AS team, period,
               any_value(period_start) AS period_start,
               any_value(days_in_period) AS days_in_period,
               count(*) AS headcount,
               count_if(has_seat) AS seats,
               count_if(is_active) AS active_users,
               count_if(is_unknown AND NOT is_active) AS unknown_users,
               count_if(is_active OR is_unknown) AS active_users_upper,
               count_if({known}) AS intensity_n,
               count_if(has_seat AND is_active) AS seat_active,
               count_if(is_active AND is_new) AS new_users,
               count_if(is_active AND NOT is_new) AS returning_users,
               count_if(was_active_prev AND NOT is_active) AS lapsed_users,
               {sums}
        FROM ({people}) GROUP BY ALL)"""


def team_sources_query(sources: str, *, no_department: str) -> str:
    """The distinct sources of each department x team x period of ``sources`` (SQL with the
    columns of :func:`~adoption.canonical.person_period_sources_sql`)."""
    dept = f"coalesce(department, {sql_literal(no_department)})"
    return f"""
        SELECT DISTINCT {dept} AS department, CAST(team AS VARCHAR) AS team, period, source
        FROM ({sources})"""


def build_team_periods(con, *, no_department: str) -> None:
    """Fill ``team_period_stats`` and ``team_period_sources`` for every period kind, any
    tool (inside the batch's transaction, after the person marts)."""
    for kind in PERIOD_KINDS:
        people = person_periods_query(kind, with_sources=False, ordered=False)
        con.execute(f"""INSERT INTO team_period_stats BY NAME
            SELECT {sql_literal(kind)} AS period_kind, *
            FROM ({team_stats_query(people, no_department=no_department)})""")
        sources = person_period_sources_query(kind)
        con.execute(f"""INSERT INTO team_period_sources BY NAME
            SELECT {sql_literal(kind)} AS period_kind, *
            FROM ({team_sources_query(sources, no_department=no_department)})""")
