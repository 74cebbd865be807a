"""Usage segments (power, habitual, novice, low, non-user) as Microsoft's vivainsights defines them.

The definitions are those of ``identify_usage_segments()`` in Microsoft's open-source
vivainsights package (MIT licence; R and Python versions agree), read from its source and
reference page (https://microsoft.github.io/vivainsights/reference/identify_usage_segments.html,
``R/identify_usage_segments.R`` of https://github.com/microsoft/vivainsights and
``vivainsights/identify_usage_segments.py`` and ``identify_habit.py`` of
https://github.com/microsoft/vivainsights-py). For each person and week, over the person's
rows sorted by week:

- ``rolling_mean``: mean of the metric over the last ``window`` rows (12 or 4), including this
  one, fewer at the start of a person's history (the package's ``min_periods=1`` in Python,
  ``slider::slide_dbl(.before = 11)`` in R);
- ``active_weeks``: number of those rows with metric ``>= 1`` (``identify_habit(threshold=1)``);
- habit (``IsHabit12w`` / ``IsHabit4w``): ``active_weeks >= width``, with ``width`` 9 of
  ``max_window`` 12 for ``"12w"`` and 4 of 4 for ``"4w"``.

Then, first match wins:

1. **Power User**: habit and ``rolling_mean >= 15`` (``power_thres``, default 15; the
   package's R and Python code use ``>=``, its Power BI sample ``> 15``);
2. **Habitual User**: habit;
3. **Novice User**: ``rolling_mean >= 1``;
4. **Low User**: ``rolling_mean > 0``;
5. **Non-user**: ``rolling_mean == 0``.

The package classifies every row, so a person's first weeks can only be Novice or Low however
active they are (the habit rule needs 9 or 4 qualifying weeks). We keep the package's label in
``vivainsights_segment`` and, in ``segment``, mark the weeks with fewer than ``window`` rows
of history as ``"insufficient history"`` so that reports do not read them as low adoption.
As in the package, the window counts rows, not calendar weeks.

:func:`identify_usage_segments` applies the rules to any person-week frame (a Viva Insights
person query, or the weeks built here). :func:`identify_period_segments` builds those weeks
for every daily source from the canonical person x tool x week activity: each person has a
row for every week they are employed from the first to the last week with data of the tool in
that source (no activity that week: 0, which a daily source can say), and each period takes
the segments of its last week; :func:`load_period_segments` does the same on the store's
marts without loading them. The aggregates are in :mod:`adoption.metrics.segment_trends`.

All three run one SQL definition of the rules (:mod:`adoption.metrics.segment_sql`) in
DuckDB: a frame is registered, not copied, and only the segment columns come back.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from adoption.canonical.marts import ANY_TOOL, check_canonical, sql_literal
from adoption.canonical.semantics import source_semantics
from adoption.errors import ColumnNotFoundError, InputError
from adoption.metrics.adoption import NO_DEPARTMENT
from adoption.metrics.segment_sql import (
    INSUFFICIENT_HISTORY,
    SEGMENTS,
    VERSIONS,
    check_version,
    period_segments_sql,
    usage_segments_sql,
)
from adoption.periods import PERIOD_KINDS

__all__ = [
    "INSUFFICIENT_HISTORY",
    "PERIOD_SEGMENT_COLUMNS",
    "SEGMENTS",
    "VERSIONS",
    "identify_period_segments",
    "identify_usage_segments",
    "load_period_segments",
]

#: Columns of :func:`identify_period_segments`.
PERIOD_SEGMENT_COLUMNS = [
    "tool", "source", "version", "period", "period_start", "week", "warm_up", "person_id",
    "department", "team", "metric", "rolling_mean", "active_weeks", "history_weeks",
    "is_habit", "vivainsights_segment", "segment"]
_CON: duckdb.DuckDBPyConnection | None = None
_LOCK = threading.Lock()
_TEXT = ("tool", "source", "version", "period", "person_id", "department", "team",
         "vivainsights_segment", "segment")


def _need(frame: pd.DataFrame, columns: list[str], where: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{where}: expected a pandas DataFrame; found {type(frame).__name__!r}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing} missing; found {list(frame.columns)}.")


def _history_codes(frame: pd.DataFrame, keys: list[str], where: str) -> np.ndarray:
    """One integer per history, in the order of its sorted key values (no string per row
    crosses into DuckDB)."""
    codes = np.zeros(len(frame), dtype=np.int64)
    for key in keys:
        found, uniques = pd.factorize(frame[key], sort=True)
        if (found < 0).any():
            raise InputError(f"{where}: column {key!r} has missing values (e.g. row "
                             f"{frame.index[np.argmax(found < 0)]!r}); every person-week "
                             "needs a person. Drop or fill those rows first.")
        codes, _ = pd.factorize(codes * len(uniques) + found, sort=True)
    return codes.astype(np.int64)


def identify_usage_segments(
    person_weeks: pd.DataFrame,
    *,
    version: str = "12w",
    metric: str = "copilot_actions",
    person: str | Sequence[str] = "person_id",
    week: str = "week",
    power_threshold: float = 15.0,
) -> pd.DataFrame:
    """Classify each person-week into a usage segment (vivainsights' definitions).

    Parameters
    ----------
    person_weeks : pandas.DataFrame
        One row per person and week (e.g. :func:`adoption.vendors.viva.load_person_weeks`),
        with ``person``, ``week`` and ``metric`` columns; other columns are kept. Not modified.
    version : {"12w", "4w"}
        12-week window with a habit of 9 of 12 weeks, or 4-week window with 4 of 4.
    metric : str
        Weekly count of actions (no missing values: vivainsights refuses them too).
    person : str or sequence of str, default "person_id"
        The column(s) naming one history, e.g. ``["tool", "source", "person_id"]``.
    power_threshold : float, default 15
        Rolling weekly mean from which a habitual user is a power user (``power_thres``).

    Returns
    -------
    pandas.DataFrame
        The input rows sorted by person and week (``week`` as datetimes, ``metric`` as
        floats), with ``version``, ``history_weeks`` (rows in the window so far),
        ``rolling_mean``, ``active_weeks``, ``is_habit``, ``vivainsights_segment`` (the
        package's label) and ``segment`` (the same, or ``"insufficient history"`` while
        ``history_weeks < window``); the labels and ``version`` are categories (the
        segments in :data:`SEGMENTS` order, then ``"insufficient history"``).

    Raises
    ------
    InputError
        Unknown version, missing person or week, missing or negative metric values, a
        person-week listed twice.

    Notes
    -----
    Sums are exact for counts (whole numbers, as Copilot actions are); for other fractional
    values a mean may differ from the package's in the last binary digit, which changes a
    label only when the mean lies on a threshold (15, 1 or 0) to that precision.
    """
    where = "identify_usage_segments"
    check_version(version, where)
    keys = [person] if isinstance(person, str) else list(person)
    _need(person_weeks, [*keys, week, metric], where)
    values = pd.to_numeric(person_weeks[metric], errors="coerce")
    if values.isna().any() or (values < 0).any():
        bad = person_weeks.loc[(values.isna() | (values < 0)).to_numpy(), metric]
        raise InputError(f"{where}: column {metric!r} has missing, non-numeric or negative "
                         f"values (e.g. {bad.head(3).tolist()}); fill or drop those rows "
                         "first.")
    weeks = pd.Series(pd.to_datetime(person_weeks[week]).array)
    if weeks.isna().any():
        raise InputError(f"{where}: column {week!r} has missing dates (e.g. row "
                         f"{person_weeks.index[int(np.argmax(weeks.isna()))]!r}); drop those "
                         "rows first.")
    history = _history_codes(person_weeks, keys, where)
    week_id, found = pd.factorize(weeks.array.asi8, sort=True)  # their order is what counts
    order = np.argsort(history * len(found) + week_id)  # rows by history, then week
    history, week_id = history[order], week_id[order]
    if ((history[1:] == history[:-1]) & (week_id[1:] == week_id[:-1])).any():
        raise InputError(f"{where}: some {' x '.join(keys)} x {week} rows appear more than "
                         "once; pass one row per person and week.")
    metric_values = values.to_numpy(dtype=float)[order]
    frame = pa.table({"history_id": history, "week_id": week_id, "metric": metric_values,
                      "row_id": np.arange(len(order), dtype=np.int64)})  # no copy
    sql = usage_segments_sql("person_weeks", keys=["history_id"], week="week_id",
                             metric="metric", version=version,
                             power_threshold=power_threshold)
    got = _run(f"SELECT row_id, history_weeks, rolling_mean, active_weeks, segment_rank "
               f"FROM ({sql})", person_weeks=frame)
    at = got["row_id"]  # DuckDB's row order is its own: put each result in its row
    data = person_weeks.iloc[order].reset_index(drop=True)
    data[week] = weeks.to_numpy()[order]
    data[metric] = metric_values
    n = len(order)
    data["version"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [version])
    for col in ("history_weeks", "rolling_mean", "active_weeks"):
        data[col] = _scatter(got[col], at)
    rank = _scatter(got["segment_rank"], at)
    data["is_habit"] = rank <= 1  # power and habitual users are those with a habit
    data["vivainsights_segment"] = pd.Categorical.from_codes(rank, SEGMENTS)
    short = data["history_weeks"].to_numpy() < VERSIONS[version][0]
    data["segment"] = pd.Categorical.from_codes(np.where(short, len(SEGMENTS), rank),
                                                [*SEGMENTS, INSUFFICIENT_HISTORY])
    return data


def _scatter(values, at: np.ndarray) -> np.ndarray:
    out = np.empty(len(at), dtype=np.asarray(values).dtype)
    out[at] = values
    return out


def _run(sql: str, **frames: pa.Table) -> dict[str, np.ndarray]:
    """``sql`` over ``frames`` (registered under their names) in an in-memory DuckDB, as
    numpy arrays. One connection serves every call (opening one costs more than the query
    on a few thousand people); the lock keeps each call's frames its own."""
    global _CON
    with _LOCK:
        if _CON is None:
            _CON = duckdb.connect()
        for name, frame in frames.items():
            _CON.register(name, frame)
        try:
            return {k: np.asarray(v) for k, v in _CON.sql(sql).fetchnumpy().items()}
        finally:
            for name in frames:
                _CON.unregister(name)


def daily_sources(names) -> list[str]:
    """The sources among ``names`` that tell each day a person was active."""
    return [str(s) for s in dict.fromkeys(names) if source_semantics(str(s)).daily_activity]


def _check_options(where: str, *, version: str, period_kind: str, metric: str) -> None:
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"{where}: period kind {period_kind!r} is unknown; use one of "
                         f"{list(PERIOD_KINDS)}.")
    if metric not in ("events", "active_days"):
        raise InputError(f"{where}: metric {metric!r} is unknown; use 'events' or "
                         "'active_days'.")
    check_version(version, where)


def _chosen_sources(found: list[str], sources: Sequence[str] | None, where: str) -> list[str]:
    if sources is None:
        return daily_sources(found)
    sources = list(dict.fromkeys(str(s) for s in sources))
    bad = [s for s in sources if not source_semantics(s).daily_activity]
    if bad:
        raise InputError(f"{where}: source(s) {bad} do not tell daily activity, so weeks "
                         "without a row cannot be read as no use; daily sources here: "
                         f"{daily_sources(found)}.")
    return sources


def _period_segments(con, activity: str, population: str, sources: list[str], *,
                     version: str, period_kind: str, power_threshold: float,
                     where: str) -> pd.DataFrame:
    twice = con.sql(f"""SELECT person_id, week FROM {population}
                        GROUP BY ALL HAVING count(*) > 1 LIMIT 1""").fetchall()
    if twice:
        raise InputError(f"{where}: the population lists person {twice[0][0]!r} twice in "
                         f"the week of {twice[0][1]}; pass one row per person and week "
                         "(load_population(store, period_kind='week')).")
    sql = period_segments_sql(activity, population, sources=sources, version=version,
                              period_kind=period_kind, power_threshold=power_threshold,
                              no_department=NO_DEPARTMENT)
    out = con.sql(sql).df()
    for col in _TEXT:  # plain text, missing as None
        out[col] = pd.Series(out[col].astype(object).to_numpy(), index=out.index, dtype=object)
    for col in ("period_start", "week"):
        out[col] = out[col].astype("datetime64[ns]")
    return out[PERIOD_SEGMENT_COLUMNS]


def identify_period_segments(
    activity: pd.DataFrame,
    population: pd.DataFrame,
    *,
    version: str = "12w",
    period_kind: str = "month",
    metric: str = "events",
    power_threshold: float = 15.0,
    sources: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each person's usage segment per tool, daily source and period.

    Parameters
    ----------
    activity : pandas.DataFrame
        Person x tool x source x week activity,
        ``load_person_tool_periods(store, period_kind="week")``. Not modified.
    population : pandas.DataFrame
        Person x week employment with team and department,
        ``load_population(store, period_kind="week")``. Not modified.
    version : {"12w", "4w"}, default "12w"
    period_kind : {"week", "month", "quarter"}, default "month"
        Each period takes the segments of the last week that starts in it.
    metric : {"events", "active_days"}, default "events"
        The weekly count classified: events (actions, as vivainsights) or active days
        (then ``power_threshold`` must be at most 7 to mean anything).
    power_threshold : float, default 15
    sources : sequence of str, optional
        The sources to use; default every daily source in ``activity`` (see
        :mod:`adoption.canonical.semantics`). Naming a source that is not daily is an error.

    Returns
    -------
    pandas.DataFrame
        One row per tool x source x period x person employed in the period's last week,
        columns :data:`PERIOD_SEGMENT_COLUMNS`: ``week`` (the week classified), ``warm_up``
        (the week is among the first ``window - 1`` of the tool in the source, so nobody
        can have a full window yet), ``metric`` (that week's count), then the columns of
        :func:`identify_usage_segments`. Restricted: one row per person.

    See Also
    --------
    load_period_segments : the same from the store's marts, without loading them.
    """
    where = "identify_period_segments"
    _check_options(where, version=version, period_kind=period_kind, metric=metric)
    _need(activity, ["period_start", "person_id", "tool", "source", metric], where)
    _need(population, ["period_start", "person_id", "team", "department"], where)
    found = [str(s) for s in pd.unique(activity["source"].array) if pd.notna(s)]
    sources = _chosen_sources(found, sources, where)
    act = pd.DataFrame({  # the columns the SQL reads, under its names (no copy of the rest)
        "tool": activity["tool"].array, "source": activity["source"].array,
        "person_id": activity["person_id"].array,
        "week": pd.to_datetime(activity["period_start"]).array,
        "metric": pd.to_numeric(activity[metric], errors="coerce").array})
    pop = pd.DataFrame({
        "person_id": population["person_id"].array,
        "week": pd.to_datetime(population["period_start"]).array,
        "team": population["team"].array, "department": population["department"].array})
    con = duckdb.connect()
    try:
        con.register("act_frame", act)
        con.register("pop_frame", pop)
        return _period_segments(con, "act_frame", "pop_frame", sources, version=version,
                                period_kind=period_kind, power_threshold=power_threshold,
                                where=where)
    finally:
        con.close()


def load_period_segments(
    store,
    *,
    version: str = "12w",
    period_kind: str = "month",
    metric: str = "events",
    power_threshold: float = 15.0,
    sources: Sequence[str] | None = None,
    until: dt.date | None = None,
) -> pd.DataFrame:
    """Each person's usage segment per tool, daily source and period, from the store's marts.

    The weekly ``person_tool_periods`` and ``population`` marts are read inside DuckDB, so
    only the classified rows (one per person and period) come back: the same table as
    ``identify_period_segments(load_person_tool_periods(store, period_kind="week"),
    load_population(store, period_kind="week"), ...)`` without loading the weeks.

    Parameters
    ----------
    store : Store
    version, period_kind, metric, power_threshold, sources
        As for :func:`identify_period_segments`.
    until : datetime.date, optional
        Use only the weeks that start on or before this day (a report's last day), as if
        the later weeks were not stored yet.

    Returns
    -------
    pandas.DataFrame
        As :func:`identify_period_segments`; team and department as stored (publish them
        with :func:`adoption.privacy.publish_labels` before showing them).
    """
    where = "load_period_segments"
    _check_options(where, version=version, period_kind=period_kind, metric=metric)
    check_canonical(store)
    cut = "" if until is None else f" AND period_start <= DATE {sql_literal(f'{until:%Y-%m-%d}')}"
    weekly = f"period_kind = 'week'{cut}"
    activity = (f"(SELECT tool, source, person_id, period_start AS week, {metric} AS metric "
                f"FROM person_tool_periods WHERE {weekly} AND tool <> '{ANY_TOOL}' "
                f"AND source <> '{ANY_TOOL}')")
    population = ("(SELECT person_id, period_start AS week, team, department "
                  f"FROM population WHERE {weekly})")
    found = [r[0] for r in store.con.execute(
        f"SELECT DISTINCT source FROM {activity} ORDER BY 1").fetchall()]
    sources = _chosen_sources(found, sources, where)
    return _period_segments(store.con, activity, population, sources, version=version,
                            period_kind=period_kind, power_threshold=power_threshold,
                            where=where)
