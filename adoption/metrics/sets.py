"""Adoption metric sets straight from the stored marts: counted in the store, finished in pandas.

:func:`compute_adoption_metrics` takes the person-period frame (100,000 people x 52 weeks is
5 million rows in pandas). :func:`metric_sets` gives the same tables without that frame: the
store counts people per department x team x period (with the sums the means and their
intervals need), and only those few thousand rows come into pandas, where the three levels,
their intervals and the privacy gate are computed exactly as :func:`compute_adoption_metrics`
computes them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoption.canonical.build import NO_DEPARTMENT
from adoption.canonical.marts import _check_kind, check_canonical, sql_literal
from adoption.canonical.membership import load_group_labels
from adoption.canonical.person_periods import person_period_sources_sql, person_periods_sql
from adoption.canonical.team_periods import team_sources_query, team_stats_query
from adoption.errors import InputError
from adoption.metrics.adoption import (
    BY_LEVELS,
    TEAM_STAT_COLUMNS,
    _warn_if_all_hidden,
    level_rows,
    protect_levels,
)
from adoption.privacy import publish_labels, resolve_min_group_size
from adoption.stats.intervals import check_confidence

__all__ = ["metric_sets", "team_stats"]

_WHERE = "metric_sets"


def metric_sets(
    store,
    period_kind: str = "month",
    *,
    by: Sequence[str] = ("team", "department", "organisation"),
    periods: Sequence[str] | None = None,
    tools: Sequence[str] | None = None,
    min_group_size: int | None = None,
    confidence: float = 0.95,
    publish: bool = True,
) -> dict[str, pd.DataFrame]:
    """Adoption metrics of every group and period at each level of ``by``, from the marts.

    The tables :func:`~adoption.metrics.compute_adoption_metrics` returns for
    ``load_person_periods(store, period_kind=..., tools=...)`` (with its labels published,
    see ``publish``), without loading that frame: the people are counted inside the store.

    Parameters
    ----------
    store : Store
        An open store (``workspace.store(read_only=True)``).
    period_kind : {"month", "week", "quarter"}, default "month"
    by : sequence of {"team", "department", "organisation"}
        The levels returned. All three are computed and suppressed together whatever is asked.
    periods : sequence of str, optional
        Only these period labels (default: every period). Whether someone is new or was active
        the period before still looks at every period, as in the whole table.
    tools : sequence of str, optional
        Count only these tools (default: any AI tool).
    min_group_size : int, optional
        Privacy threshold; default the workspace's, and never below it.
    confidence : float, default 0.95
        Confidence level of every interval.
    publish : bool, default True
        Clean the team and department labels for publication
        (:func:`adoption.privacy.publish_labels`), as every report, CSV and command does.

    Returns
    -------
    dict of str to DataFrame
        One table per level of ``by``, with the columns and rows of
        :func:`~adoption.metrics.compute_adoption_metrics` (``by=level``).

    Raises
    ------
    InputError
        An unknown level, period kind or tool, or a threshold or confidence out of range.
    """
    levels = list(dict.fromkeys([by] if isinstance(by, str) else by))
    bad = [b for b in levels if b not in BY_LEVELS]
    if bad or not levels:
        raise InputError(
            f"{_WHERE}: by is {list(by)!r}; allowed levels: {list(BY_LEVELS)!r}. Use e.g. "
            "by=('team', 'organisation').")
    check_confidence(confidence, where=_WHERE)
    k = resolve_min_group_size(store.settings, min_group_size, where=_WHERE)
    team = team_stats(store, period_kind, periods=periods, tools=tools)
    if publish:
        team = publish_labels(team, store.settings, labels=load_group_labels(store))
        team = team.sort_values(["department", "team", "period"]).reset_index(drop=True)
    protected = protect_levels(team, min_group_size=k, confidence=confidence)
    out = {}
    for level in levels:
        out[level] = level_rows(protected, level)
        _warn_if_all_hidden(out[level], level, k)
    return out


def team_stats(store, period_kind: str = "month", *, periods: Sequence[str] | None = None,
               tools: Sequence[str] | None = None) -> pd.DataFrame:
    """People counted per department x team x period inside the store.

    Returns
    -------
    DataFrame
        :data:`~adoption.metrics.adoption.TEAM_STAT_COLUMNS`, sorted by department, team and
        period: the counts of :func:`~adoption.metrics.compute_adoption_metrics`, and over
        the active users whose days are known (``intensity_n``) the sums of their active days
        and events and the sums of squared deviations from the group's mean (``*_m2``,
        computed exactly in integers as ``(n * sum(x^2) - sum(x)^2) / n``).
    """
    if not tools:
        _check_kind(period_kind, "team_stats")
        stored = _stored_team_stats(store, period_kind, periods)
        if stored is not None:
            return stored
    people = person_periods_sql(store, period_kind=period_kind, tools=tools, periods=periods,
                                with_sources=False, ordered=False)
    sources = person_period_sources_sql(store, period_kind=period_kind, tools=tools,
                                        periods=periods)
    return _team_stats_sql(store.con, people, sources)


def _team_stats_sql(con, people: str, sources: str) -> pd.DataFrame:
    """:func:`team_stats` of the person-period rows ``people`` and the long form of their
    sources ``sources`` (SQL of :func:`~adoption.canonical.person_periods_sql` and
    :func:`~adoption.canonical.person_period_sources_sql`, or of any relation with their
    columns) on the DuckDB connection ``con``."""
    frame = con.sql(team_stats_query(people, no_department=NO_DEPARTMENT)).df()
    found = con.sql(team_sources_query(sources, no_department=NO_DEPARTMENT)).fetchall()
    return _finish(frame, found)


def _stored_team_stats(store, period_kind: str,
                       periods: Sequence[str] | None) -> pd.DataFrame | None:
    """:func:`team_stats` of any tool read from the team mart stored at ingest
    (:mod:`adoption.canonical.team_periods`); None for a store built before it existed."""
    check_canonical(store)
    con = store.con
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                       "'team_period_stats'").fetchall()[0][0]:
        return None
    if not con.execute("SELECT count(*) FROM (SELECT 1 FROM team_period_stats LIMIT 1)"
                       ).fetchall()[0][0]:
        # an empty mart: no population at all, or a store built before the mart
        return None
    where = f"period_kind = {sql_literal(period_kind)}"
    if periods is not None:
        where += f" AND period IN ({', '.join(sql_literal(p) for p in periods) or 'NULL'})"
    frame = con.sql(f"SELECT * EXCLUDE (period_kind) FROM team_period_stats "
                    f"WHERE {where}").df()
    found = con.sql(f"SELECT department, team, period, source FROM team_period_sources "
                    f"WHERE {where}").fetchall()
    return _finish(frame, found)


def _finish(frame: pd.DataFrame, sources: list[tuple]) -> pd.DataFrame:
    """Types, the sums of squared deviations and each group's set of sources."""
    frame["period_start"] = pd.to_datetime(frame["period_start"]).astype("datetime64[ns]")
    for col in TEAM_STAT_COLUMNS[4:15]:
        frame[col] = frame[col].astype(np.int64)
    n = frame["intensity_n"].to_numpy(dtype=float)
    for v in ("days", "events"):
        spread = frame.pop(f"{v}_spread").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            frame[f"{v}_m2"] = np.where(n > 0, spread / n, 0.0)
        frame[f"{v}_sum"] = frame[f"{v}_sum"].to_numpy(dtype=float)
    found: dict[tuple, frozenset] = {}
    for dept, team, period, source in sources:
        found[dept, team, period] = found.get((dept, team, period), frozenset()) | {source}
    frame["sources"] = [found.get(key, frozenset()) for key in zip(
        frame["department"], frame["team"], frame["period"], strict=True)]
    for col in ("department", "team", "period"):
        frame[col] = frame[col].astype(object)
    frame = frame[TEAM_STAT_COLUMNS]
    return frame.sort_values(["department", "team", "period"]).reset_index(drop=True)
