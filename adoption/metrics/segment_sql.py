"""The usage-segment rules as DuckDB SQL: the one definition behind every segment table.

:func:`usage_segments_sql` classifies each row of a person-week relation with window
functions over the person's rows sorted by week (the rules are in
:mod:`adoption.metrics.segments`); :func:`period_segments_sql` builds those person-weeks from
person x tool x source x week activity and person x week employment (the canonical marts,
or frames shaped like them) and keeps each period's last week. Both return SQL text over
relations named by the caller, so that the same query runs on a registered pandas frame and
on the store's tables.

``ROWS BETWEEN window - 1 PRECEDING AND CURRENT ROW`` is the package's
``rolling(window, min_periods=1)``: it counts rows, not calendar weeks, and takes what there
is at the start of a history.
"""

from __future__ import annotations

from collections.abc import Sequence

from adoption.errors import InputError
from adoption.periods import PERIOD_KINDS, period_label_sql, period_start_sql

__all__ = [
    "INSUFFICIENT_HISTORY",
    "SEGMENTS",
    "VERSIONS",
    "check_version",
    "period_segments_sql",
    "usage_segments_sql",
]

#: The package's labels, from most to least engaged.
SEGMENTS = ("Power User", "Habitual User", "Novice User", "Low User", "Non-user")
#: Label of weeks with fewer rows of history than the window.
INSUFFICIENT_HISTORY = "insufficient history"
#: version -> (window in weeks, qualifying weeks needed for a habit); threshold is 1
#: (vivainsights: identify_habit(threshold=1, width=9, max_window=12) and (1, 4, 4)).
VERSIONS: dict[str, tuple[int, int]] = {"12w": (12, 9), "4w": (4, 4)}
#: A week counts towards a habit when its metric is at least this (``threshold``).
THRESHOLD = 1.0


def _name(column: str) -> str:
    """``column`` as a quoted SQL identifier."""
    return '"' + str(column).replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def check_version(version: str, where: str) -> tuple[int, int]:
    """``(window, width)`` of ``version``; :class:`InputError` naming the versions if unknown."""
    if version not in VERSIONS:
        raise InputError(f"{where}: version {version!r} is unknown; use one of "
                         f"{sorted(VERSIONS)}.")
    return VERSIONS[version]


def _threshold(power_threshold: float, where: str) -> str:
    try:
        value = float(power_threshold)
    except (TypeError, ValueError):
        value = float("nan")
    if not value == value or value in (float("inf"), float("-inf")):  # NaN or infinite
        raise InputError(f"{where}: power_threshold must be a finite number (vivainsights' "
                         f"power_thres, default 15); found {power_threshold!r}.")
    return f"CAST({value!r} AS DOUBLE)"  # repr round-trips the float exactly


def usage_segments_sql(relation: str, *, keys: Sequence[str], week: str, metric: str,
                       version: str = "12w", power_threshold: float = 15.0) -> str:
    """A SELECT of every column of ``relation`` plus each row's segment.

    Parameters
    ----------
    relation : str
        A table, view or parenthesised query with one row per history (``keys``) and week,
        and a non-negative numeric ``metric`` without missing values (not checked here).
    keys : sequence of str
        The columns naming one history.
    week, metric : str
        Column names.
    version : {"12w", "4w"}
    power_threshold : float

    Returns
    -------
    str
        SQL adding ``history_weeks`` (rows in the window so far, at most the window),
        ``rolling_mean`` (DOUBLE), ``active_weeks`` (rows of the window with ``metric >= 1``),
        ``is_habit``, ``segment_rank`` (the package's label as its place in
        :data:`SEGMENTS`, from 0), ``vivainsights_segment`` and ``segment``
        (``"insufficient history"`` while ``history_weeks`` is under the window).
    """
    where = "usage_segments_sql"
    window, width = check_version(version, where)
    power = _threshold(power_threshold, where)
    part = ", ".join(_name(k) for k in keys)
    m = _name(metric)
    labels = "[" + ", ".join(_literal(s) for s in SEGMENTS) + "]"
    return f"""
    SELECT *, {labels}[segment_rank + 1] AS vivainsights_segment,
           CASE WHEN history_weeks < {window} THEN {_literal(INSUFFICIENT_HISTORY)}
                ELSE vivainsights_segment END AS segment
    FROM (
        SELECT *, active_weeks >= {width} AS is_habit,
               CAST(CASE WHEN active_weeks >= {width} AND rolling_mean >= {power} THEN 0
                         WHEN active_weeks >= {width} THEN 1
                         WHEN rolling_mean >= 1 THEN 2
                         WHEN rolling_mean > 0 THEN 3
                         ELSE 4 END AS TINYINT) AS segment_rank
        FROM (
            SELECT *, least(row_number() OVER w, {window}) AS history_weeks,
                   avg(CAST({m} AS DOUBLE)) OVER w AS rolling_mean,
                   CAST(count(*) FILTER (WHERE {m} >= {THRESHOLD!r}) OVER w AS BIGINT)
                       AS active_weeks
            FROM {relation}
            WINDOW w AS (PARTITION BY {part} ORDER BY {_name(week)}
                         ROWS BETWEEN {window - 1} PRECEDING AND CURRENT ROW)
        )
    )"""


def period_segments_sql(activity: str, population: str, *, sources: Sequence[str],
                        version: str = "12w", period_kind: str = "month",
                        power_threshold: float = 15.0, no_department: str) -> str:
    """Each person's segment per tool, daily source and period, as SQL.

    Parameters
    ----------
    activity : str
        Relation with ``tool, source, person_id, week, metric`` (person x tool x source x
        week; several rows of one key are added up, a missing metric counts 0).
    population : str
        Relation with ``person_id, week, team, department`` (one row per person and week
        employed).
    sources : sequence of str
        The daily sources to classify (checked by the caller).
    no_department : str
        The label of a missing department.

    Returns
    -------
    str
        SQL with the columns of :data:`adoption.metrics.segments.PERIOD_SEGMENT_COLUMNS`,
        sorted by tool, source, period start and person (see
        :func:`adoption.metrics.segments.identify_period_segments` for the rules).
    """
    where = "period_segments_sql"
    window, _ = check_version(version, where)
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"{where}: period kind {period_kind!r} is unknown; use one of "
                         f"{list(PERIOD_KINDS)}.")
    chosen = ", ".join(_literal(s) for s in sources) or "NULL"
    if period_kind == "week":  # the store's weeks, whatever weekday they start on
        start = "CAST(week AS DATE)"
    else:  # the month or quarter in which the week starts
        start = period_start_sql("CAST(week AS DATE)", period_kind)
    # histories are numbered (ts: tool and source, pid: person) so that the windows sort
    # integers; the text comes back only for the rows kept, one per person and period
    grid = f"""
        SELECT s.ts, p.pid, p.week, coalesce(a.metric, 0.0) AS metric,
               p.week < s.first_week + INTERVAL {7 * (window - 1)} DAY AS warm_up
        FROM span s
        JOIN pop p ON p.week BETWEEN s.first_week AND s.last_week
        LEFT JOIN act a ON a.ts = s.ts AND a.pid = p.pid AND a.week = p.week"""
    segments = usage_segments_sql(f"({grid})", keys=["ts", "pid"], week="week",
                                  metric="metric", version=version,
                                  power_threshold=power_threshold)
    return f"""
    WITH act_text AS (
        SELECT CAST(tool AS VARCHAR) AS tool, CAST(source AS VARCHAR) AS source,
               CAST(person_id AS VARCHAR) AS person_id, CAST(week AS TIMESTAMP) AS week,
               coalesce(TRY_CAST(metric AS DOUBLE), 0.0) AS metric
        FROM {activity}
        WHERE CAST(source AS VARCHAR) IN ({chosen})
    ),
    pop_text AS (
        SELECT CAST(person_id AS VARCHAR) AS person_id, CAST(week AS TIMESTAMP) AS week,
               coalesce(CAST(department AS VARCHAR), {_literal(no_department)}) AS department,
               CAST(team AS VARCHAR) AS team
        FROM {population}
    ),
    people AS (SELECT person_id, CAST(row_number() OVER () AS INTEGER) AS pid
               FROM (SELECT DISTINCT person_id FROM pop_text)),
    -- a tool's weeks in a source run from its first to its last week with any row there
    span AS (SELECT tool, source, CAST(row_number() OVER () AS INTEGER) AS ts,
                    min(week) AS first_week, max(week) AS last_week
             FROM act_text GROUP BY tool, source),
    act AS (SELECT s.ts, e.pid, a.week, sum(a.metric) AS metric
            FROM act_text a JOIN span s USING (tool, source) JOIN people e USING (person_id)
            GROUP BY ALL),
    pop AS (SELECT e.pid, p.week FROM pop_text p JOIN people e USING (person_id)),
    seg AS ({segments}),
    -- each period takes its last week with a row of the tool in the source
    weeks AS (SELECT s.ts, w.week, CAST({start} AS TIMESTAMP) AS period_start,
                     {period_label_sql(start, period_kind)} AS period
              FROM span s JOIN (SELECT DISTINCT week FROM pop_text) w
                ON w.week BETWEEN s.first_week AND s.last_week),
    last AS (SELECT ts, period, period_start, max(week) AS week FROM weeks GROUP BY ALL)
    SELECT s.tool, s.source, {_literal(version)} AS version, l.period, l.period_start,
           g.week, g.warm_up, e.person_id, p.department, p.team, g.metric, g.rolling_mean,
           g.active_weeks, g.history_weeks, g.is_habit, g.vivainsights_segment, g.segment
    FROM seg g
    JOIN last l ON l.ts = g.ts AND l.week = g.week
    JOIN span s ON s.ts = g.ts
    JOIN people e ON e.pid = g.pid
    JOIN pop_text p ON p.person_id = e.person_id AND p.week = g.week
    ORDER BY s.tool, s.source, l.period_start, e.person_id"""
