"""Per-source active users, with what each source can honestly tell.

Sources differ in what they say about activity (:mod:`adoption.canonical.semantics` records
what each can tell, :data:`~adoption.canonical.semantics.SOURCE_SEMANTICS`), and
:func:`compute_source_active_users` counts each source only for what it supports.

Attribution of activity to a period (a month by default), as the canonical layer applies it
once for every feature (:mod:`adoption.canonical.build`):

- **daily rows** (``usage``): a person is active in the period if active on any day of it;
- **windows** (``activity_periods``): a window inside one period counts for that period. A
  window straddling a period boundary (a week from 29 December to 4 January) counts for a
  period only where the active day is known to fall in it: the first or last active day of
  the window lies in it, or the window's active days outnumber the days outside it.
  Otherwise the person is **ambiguous** for that period: not counted as active, counted in
  ``ambiguous_users`` so that readers see what was left out;
- **last-activity-only** sources (Microsoft 365 Copilot's user detail, GitHub's seat
  ``last_activity_at``): the person was active on ``last_active``, so they count for the
  period of that day only, never for the rest of the report window (no ambiguity is counted:
  the source does not say whether there were other active days). A period's count is
  therefore a lower bound, complete only when a report was refreshed at the period's end
  (e.g. a 30-day report of the month's last day);
- **aggregate-only** sources (``team_usage``, e.g. the GitHub Copilot metrics API) never give
  a distinct-user count: their rows have ``active_users`` missing and the period's peak daily
  figure of the source's active-user metric instead (``aggregate_metric``,
  ``aggregate_value``), per scope (``team`` is the vendor's team, not the roster's).

Everything person-level is read from the canonical marts: people are already resolved there,
each source's rows of ``person_tool_periods`` carry the rules above (``is_active``,
``is_unknown``, ``any_evidence_active``, ``in_roster``), and an active person is counted in
the ``population`` team of their last employed day in the period. Active identities matching
no one in the roster (``unmatched_users``) and roster people active outside their employment
(``outside_employment_users``: leavers, joiners' early tests) are counted on the
organisation row, never in a team.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from adoption.canonical.marts import ANY_TOOL, check_canonical, sql_literal
from adoption.canonical.semantics import source_name_sql, source_semantics
from adoption.errors import InputError
from adoption.metrics.intervals import check_confidence, wilson_interval
from adoption.periods import PERIOD_KINDS, period_label_series, period_start_sql
from adoption.privacy import check_min_group_size, resolve_min_group_size, suppress_small_groups
from adoption.store import Store
from adoption.workspace import Workspace, open_store

__all__ = [
    "SOURCE_ACTIVE_USER_COLUMNS",
    "compute_source_active_users",
]


SOURCE_ACTIVE_USER_COLUMNS = [
    "source", "source_label", "counts_distinct_users", "tool", "period", "period_start",
    "department", "team", "headcount", "active_users", "estimate", "ci_low", "ci_high", "n",
    "ambiguous_users", "unmatched_users", "outside_employment_users", "aggregate_metric",
    "aggregate_value", "suppressed", "suppression_reason",
]
#: Aggregate metric reported for aggregate-only sources (peak daily value in the period).
AGGREGATE_METRICS = ("total_active_users", "total_engaged_users", "daily_active_users")


def _team_counts(con, kind: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """From the canonical marts: (person-level counts per source x tool x period x team,
    headcount per period x team, the periods with their labels)."""
    k = sql_literal(kind)
    counts = con.execute(f"""
        WITH pop AS (SELECT period_start, person_id, team, department FROM population
                     WHERE period_kind = {k}),
        ev AS (SELECT * FROM person_tool_periods
               WHERE period_kind = {k} AND tool <> '{ANY_TOOL}' AND source <> '{ANY_TOOL}')
        SELECT ev.source, ev.tool, ev.period_start AS p_start, pop.department, pop.team,
               count(*) FILTER (WHERE ev.is_active AND pop.person_id IS NOT NULL)
                   AS active_users,
               count(*) FILTER (WHERE ev.is_unknown AND pop.person_id IS NOT NULL)
                   AS ambiguous_users,
               count(*) FILTER (WHERE ev.any_evidence_active AND NOT ev.in_roster)
                   AS unmatched_users,
               count(*) FILTER (WHERE ev.any_evidence_active AND ev.in_roster
                                AND NOT ev.is_active) AS outside_employment_users
        FROM ev LEFT JOIN pop USING (period_start, person_id)
        GROUP BY ALL""").df()
    heads = con.execute(f"""
        SELECT period_start AS p_start, department, team, count(*) AS headcount
        FROM population WHERE period_kind = {k} GROUP BY ALL""").df()
    spans = con.execute(f"""
        SELECT period_start AS p_start, period FROM period_spans WHERE period_kind = {k}
        ORDER BY period_start""").df()
    return counts, heads, spans


def _aggregates(con, kind: str, week_start: int) -> pd.DataFrame:
    have = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'team_usage'"
                       ).fetchall()[0][0]
    if not have:
        return pd.DataFrame(columns=["source", "tool", "p_start", "team", "aggregate_metric",
                                     "aggregate_value"])
    metrics = ", ".join(f"'{m}'" for m in AGGREGATE_METRICS)
    return con.execute(f"""
        WITH src AS (SELECT batch_id, {source_name_sql(con)} AS source FROM ingest_log l),
        daily AS (
            SELECT s.source, t.tool, t.scope_type || ':' || t.scope AS team, t.day, t.metric,
                   max(t.value) AS value
            FROM team_usage t JOIN src s USING (batch_id)
            WHERE t.metric IN ({metrics}) AND t.feature IN ('all', 'total', '')
              AND t.editor IS NULL AND t.language IS NULL AND t.model IS NULL
              AND t.repository IS NULL
            GROUP BY ALL
        )
        SELECT source, tool, {period_start_sql('day', kind, week_start=week_start)} AS p_start,
               team, 'peak daily ' || replace(regexp_replace(metric, '^daily_', ''), '_', ' ')
                   AS aggregate_metric,
               max(value) AS aggregate_value
        FROM daily GROUP BY ALL""").df()


def compute_source_active_users(
    source: Store | Workspace | str | os.PathLike[str],
    *,
    period_kind: str = "month",
    by: str | tuple[str, ...] = "team",
    min_group_size: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Active users per source, tool, group and period, each source used only as it allows.

    Parameters
    ----------
    source : Store, Workspace or path
        The data; a workspace is opened read-only for the duration.
    period_kind : {"month", "week", "quarter"}, default "month"
    by : {"team", "department", "organisation"} or a tuple of them, default "team"
        Level(s) of the rows returned (all levels are suppressed together, so one call for
        several levels gives the same rows as one call per level).
    min_group_size : int, optional
        Privacy threshold; default (and floor) the workspace's.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        Columns :data:`SOURCE_ACTIVE_USER_COLUMNS`, one row per source x tool x period x
        group (teams without activity included, with 0):

        - ``source`` (format name or generic kind), ``source_label``,
          ``counts_distinct_users`` (False for aggregate-only sources);
        - ``department, team``: the roster group (both missing on organisation rows); for
          aggregate-only sources ``team`` is the vendor's scope (``"team:slug"``);
        - ``headcount``: people employed at least one day of the period in the group;
        - ``active_users``: distinct resolved people active in the period (see the module
          docstring for windows and last-activity dates); missing for aggregate-only sources;
        - ``estimate, ci_low, ci_high, n``: share of the headcount active, Wilson interval,
          n = headcount;
        - ``ambiguous_users``: people whose only activity in the period is a window
          straddling its boundary with no known active day (not counted as active);
        - ``unmatched_users``, ``outside_employment_users``: active identities matching no
          one in the roster, and roster people active outside their employment (organisation
          rows only);
        - ``aggregate_metric, aggregate_value``: for aggregate-only sources, the peak daily
          active users of the scope in the period;
        - ``suppressed, suppression_reason`` from :func:`adoption.privacy.suppress_small_groups`
          (within source x tool x period).

    Examples
    --------
    >>> compute_source_active_users(ws, by="team")  # doctest: +SKIP
    """
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"compute_source_active_users: period_kind {period_kind!r} is unknown; "
                         f"use one of {list(PERIOD_KINDS)}.")
    levels = {"team": 2, "department": 1, "organisation": 0}
    wanted = (by,) if isinstance(by, str) else tuple(by)
    if not wanted or any(b not in levels for b in wanted):
        raise InputError(f"compute_source_active_users: by={by!r} is unknown; use one of "
                         f"{list(levels)} (or a tuple of them).")
    check_confidence(confidence, where="compute_source_active_users")
    with open_store(source) as store:
        k = resolve_min_group_size(store.settings, min_group_size)
        check_min_group_size(k, where="compute_source_active_users")
        check_canonical(store)
        ws = store.settings.week_start_index
        counts, heads, spans = _team_counts(store.con, period_kind)
        aggregates = _aggregates(store.con, period_kind, ws)
    table = _person_level_table(counts, heads, spans)
    if not table.empty:
        share = table["active_users"] / table["headcount"].where(table["headcount"] > 0)
        low, high = wilson_interval(table["active_users"].to_numpy(float),
                                    table["headcount"].to_numpy(float), confidence=confidence)
        table = table.assign(estimate=share, ci_low=low, ci_high=high,
                             n=table["headcount"])
        zero = table["headcount"] == 0
        table.loc[zero, ["ci_low", "ci_high"]] = np.nan
        values = ["headcount", "active_users", "estimate", "ci_low", "ci_high", "n",
                  "ambiguous_users", "unmatched_users", "outside_employment_users"]
        table = suppress_small_groups(table, hierarchy=("department", "team"),
                                      size="headcount", within=("source", "tool", "period"),
                                      value_columns=values, min_group_size=k)
        depth = table[["department", "team"]].notna().sum(axis=1)
        table = table[depth.isin([levels[b] for b in wanted])]
    agg = _aggregate_table(aggregates, period_kind)
    out = pd.concat([t for t in (table, agg) if not t.empty], ignore_index=True)
    if out.empty:
        return pd.DataFrame(columns=SOURCE_ACTIVE_USER_COLUMNS)
    out["source_label"] = out["source"].map(lambda s: source_semantics(s).label)
    out["counts_distinct_users"] = ~out["source"].map(
        lambda s: source_semantics(s).aggregate_only).astype(bool)
    for col in SOURCE_ACTIVE_USER_COLUMNS:
        if col not in out:
            out[col] = np.nan
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    out = out.sort_values(["source", "tool", "period_start", "department", "team"],
                          na_position="first", kind="stable")
    return out[SOURCE_ACTIVE_USER_COLUMNS].reset_index(drop=True)


def _person_level_table(counts: pd.DataFrame, heads: pd.DataFrame,
                        spans: pd.DataFrame) -> pd.DataFrame:
    """All levels for every source x tool x period in the source's range, zeros filled in."""
    if counts.empty:
        return pd.DataFrame()
    counts = counts.assign(p_start=pd.to_datetime(counts["p_start"]))
    heads = heads.assign(p_start=pd.to_datetime(heads["p_start"]))
    spans = spans.assign(p_start=pd.to_datetime(spans["p_start"]))
    frames = []
    for (src, tool), part in counts.groupby(["source", "tool"], sort=True):
        lo, hi = part["p_start"].min(), part["p_start"].max()
        starts = spans.loc[spans["p_start"].between(lo, hi), "p_start"]
        teams = heads[heads["p_start"].isin(starts)]
        matched = part[part["team"].notna()]
        team = teams.merge(matched.drop(columns=["source", "tool"]),
                           on=["p_start", "department", "team"], how="left")
        num = ["active_users", "ambiguous_users"]
        team[num] = team[num].fillna(0).astype("int64")
        team = team.drop(columns=["unmatched_users", "outside_employment_users"])
        dept = team.groupby(["p_start", "department"], as_index=False)[
            ["headcount", *num]].sum()
        org = team.groupby("p_start", as_index=False)[["headcount", *num]].sum()
        org = pd.DataFrame({"p_start": starts}).merge(org, on="p_start", how="left")
        extra = part.groupby("p_start", as_index=False)[
            ["unmatched_users", "outside_employment_users"]].sum()
        org = org.merge(extra, on="p_start", how="left")
        org[["headcount", *num, "unmatched_users", "outside_employment_users"]] = org[
            ["headcount", *num, "unmatched_users", "outside_employment_users"]].fillna(0)
        frame = pd.concat([org, dept, team], ignore_index=True)
        frame["source"], frame["tool"] = src, tool
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    for col in ("headcount", "active_users", "ambiguous_users"):
        out[col] = out[col].astype("int64")
    for col in ("unmatched_users", "outside_employment_users"):
        out[col] = out[col].astype("Int64")
    out = out.rename(columns={"p_start": "period_start"})
    out["period"] = out["period_start"].map(dict(zip(spans["p_start"], spans["period"],
                                                     strict=True)))
    return out


def _aggregate_table(agg: pd.DataFrame, kind: str) -> pd.DataFrame:
    if agg.empty:
        return pd.DataFrame()
    out = agg.rename(columns={"p_start": "period_start"})
    out["period_start"] = pd.to_datetime(out["period_start"])
    out["period"] = period_label_series(out["period_start"], kind).to_numpy()
    out["suppressed"] = False
    return out
