"""The team x period panel of one use case's KPI: who is treated from when, who compares.

A use case's teams (the register's ``teams``) are *treated* from the period that holds their
rollout date; every other team reporting the same KPI is a *comparison* team (never treated
within the data), and treated teams before their rollout are "not yet treated" comparisons
for the teams that started earlier. Teams smaller than the privacy threshold (by the roster's
headcount in the report's period) and teams the roster does not know are left out of the
panel entirely (their KPI could describe a handful of people), and listed with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ORGANISATION_TEAMS", "KpiPanel", "build_kpi_panel", "period_index"]

#: Periods a KPI needs before the first rollout and after it to judge a change.
MIN_PRE_PERIODS = 3
MIN_POST_PERIODS = 2
#: Fewest teams (started and comparison together) for a comparison of teams.
MIN_TEAMS = 4


def period_index(starts: pd.Series | Sequence, kind: str) -> np.ndarray:
    """Consecutive integers for period starts of one ``kind`` (months: year x 12 + month)."""
    s = pd.to_datetime(pd.Series(starts))
    if kind == "month":
        return (s.dt.year * 12 + s.dt.month - 1).to_numpy(dtype="int64")
    if kind == "quarter":
        return (s.dt.year * 4 + (s.dt.month - 1) // 3).to_numpy(dtype="int64")
    if kind == "week":
        return (s.to_numpy(dtype="datetime64[D]").astype("int64") // 7).astype("int64")
    return s.to_numpy(dtype="datetime64[D]").astype("int64")


def _index_of_day(day: dt.date, kind: str) -> int:
    ts = pd.Timestamp(day)
    if kind == "week":
        return int(np.datetime64(day, "D").astype("int64") // 7)
    return int(period_index([ts], kind)[0])


@dataclass(frozen=True)
class KpiPanel:
    """One KPI over teams and periods, ready for an impact estimator.

    Attributes
    ----------
    kpi, unit : str
    period_kind : str
        The KPI file's own periods (``day`` rows are averaged into months).
    frame : pandas.DataFrame
        One row per team x period: ``team, period_start, t`` (consecutive period number),
        ``value, n, in_scope`` (the team is one of the use case's), ``first_treated`` (``t``
        of the team's rollout period; 0 for comparison teams and teams not yet started within
        the data), ``treated`` (started by then) and ``post`` (in or after the first rollout
        period).
    treated_teams, comparison_teams : tuple of str
        Teams in the panel that started within the data, and teams that never did.
    excluded : dict of str to str
        Teams left out and why (too small to publish, not in the roster, no rollout date).
    cohorts : int
        Distinct rollout periods among the treated teams.
    pre_periods, post_periods : int
        Periods with data before the first rollout period, and from it on.
    """

    kpi: str
    unit: str
    period_kind: str
    frame: pd.DataFrame
    treated_teams: tuple[str, ...]
    comparison_teams: tuple[str, ...]
    excluded: dict[str, str]
    cohorts: int
    pre_periods: int
    post_periods: int

    @property
    def missing(self) -> list[str]:
        """What is missing to judge a change, in plain words (empty: enough to try)."""
        out = []
        if self.frame.empty:
            return ["KPI data for the use case's teams"]
        if not self.treated_teams:
            out.append("a team of the use case that has started (no rollout within the KPI's "
                       "history)")
        elif self.pre_periods < MIN_PRE_PERIODS:
            out.append(f"a longer history: {self.pre_periods} period(s) of KPI data before the "
                       f"first rollout, at least {MIN_PRE_PERIODS} needed")
        elif self.post_periods < MIN_POST_PERIODS:
            out.append(f"time: {self.post_periods} period(s) of KPI data since the first "
                       f"rollout, at least {MIN_POST_PERIODS} needed")
        teams = len(self.treated_teams) + len(self.comparison_teams)
        if self.treated_teams and self.comparison_teams and teams < MIN_TEAMS:
            out.append(f"more teams: {teams} team(s) large enough to show report the KPI, at "
                       f"least {MIN_TEAMS} needed for a comparison")
        return out


#: Team labels of organisation-wide KPI rows (e.g. GitHub's pull-request figures).
ORGANISATION_TEAMS = ("(organisation)", "(enterprise)")


def build_kpi_panel(
    outcomes: pd.DataFrame,
    *,
    kpi: str,
    teams: Sequence[str],
    rollout: Mapping[str, dt.date],
    headcounts: Mapping[str, int],
    min_group_size: int,
    until: dt.date | None = None,
    all_teams: bool = False,
) -> KpiPanel:
    """The panel of ``kpi`` for a use case.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        :func:`adoption.outcomes.load_outcomes` rows (``team, period_kind, period_start, kpi,
        value, unit, n``); other KPIs are ignored.
    kpi : str
    teams : sequence of str
        The use case's teams.
    rollout : mapping of team to date
        When each team started (teams without one are left out, with the reason).
    headcounts : mapping of team to int
        Roster headcount per team in the report's period (the privacy gate's group size).
    min_group_size : int
    until : datetime.date, optional
        Leave out periods starting after this day (the report period's last day).
    all_teams : bool, default False
        The use case covers every team. Only then do organisation-wide rows
        (:data:`ORGANISATION_TEAMS`) belong to it: as one unit, started at the first rollout
        date, sized by the whole roster (with no comparison unit, an interrupted time series).
    """
    rows = outcomes[outcomes["kpi"].astype(str) == kpi].copy()
    unit = str(rows["unit"].dropna().iloc[0]) if rows["unit"].notna().any() else ""
    kind = str(rows["period_kind"].iloc[0]) if len(rows) else "month"
    if kind == "day":  # daily KPI values: one mean per month, weighted by n where given
        rows["period_start"] = pd.to_datetime(rows["period_start"]).dt.to_period("M") \
            .dt.start_time
        kind = "month"
    rows["period_start"] = pd.to_datetime(rows["period_start"])
    if until is not None:
        rows = rows[rows["period_start"] <= pd.Timestamp(until)]
    excluded: dict[str, str] = {}
    scope = set(teams)
    rollout = dict(rollout)
    headcounts = dict(headcounts)
    for org in ORGANISATION_TEAMS:
        if all_teams and rollout:
            scope.add(org)
            rollout[org] = min(rollout.values())
            headcounts[org] = sum(headcounts.values())
    keep = []
    labels = sorted(rows["team"].astype(str).unique())
    team_level = any(t not in ORGANISATION_TEAMS for t in labels)
    for team in labels:
        size = headcounts.get(team)
        if team in ORGANISATION_TEAMS and team not in scope:
            excluded[team] = "an organisation-wide figure, and the use case covers some teams"
        elif team in ORGANISATION_TEAMS and team_level:
            excluded[team] = "an organisation-wide figure beside the teams' own figures"
        elif size is None:
            excluded[team] = "not in the roster, so its size cannot be checked"
        elif size < min_group_size:
            excluded[team] = f"fewer than {min_group_size} people"
        elif team in scope and team not in rollout:
            excluded[team] = "no rollout date"
        else:
            keep.append(team)
    rows = rows[rows["team"].astype(str).isin(keep)]
    weights = rows["n"].astype(float).where(rows["n"].notna() & (rows["n"] > 0), 1.0)
    rows = rows.assign(_w=weights, _wv=weights * rows["value"].astype(float))
    frame = (rows.groupby(["team", "period_start"], as_index=False)
             .agg(_w=("_w", "sum"), _wv=("_wv", "sum"), n=("n", "sum")))
    frame["value"] = frame["_wv"] / frame["_w"]
    frame = frame.drop(columns=["_w", "_wv"])
    frame["team"] = frame["team"].astype(str)
    frame["t"] = period_index(frame["period_start"], kind) if len(frame) else []
    last_t = int(frame["t"].max()) if len(frame) else 0
    starts = {team: _index_of_day(day, kind) for team, day in rollout.items()}
    frame["in_scope"] = frame["team"].isin(scope)
    first = frame["team"].map(lambda tm: starts.get(tm, 0) if tm in scope else 0)
    first = first.where(first <= last_t, 0)  # starting after the data: not yet treated
    frame["first_treated"] = first.astype("int64")
    frame["treated"] = (frame["first_treated"] > 0) & (frame["t"] >= frame["first_treated"])
    treated = sorted(frame.loc[frame["first_treated"] > 0, "team"].unique())
    comparison = sorted(frame.loc[frame["first_treated"] == 0, "team"].unique())
    cohorts = frame.loc[frame["first_treated"] > 0, "first_treated"].unique()
    first_rollout = int(cohorts.min()) if len(cohorts) else None
    if first_rollout is None:
        pre = post = 0
        frame["post"] = False
    else:
        frame["post"] = frame["t"] >= first_rollout
        pre = int(frame.loc[~frame["post"], "t"].nunique())
        post = int(frame.loc[frame["post"], "t"].nunique())
    frame = frame.sort_values(["team", "t"]).reset_index(drop=True)
    return KpiPanel(kpi=kpi, unit=unit, period_kind=kind, frame=frame,
                    treated_teams=tuple(treated), comparison_teams=tuple(comparison),
                    excluded=excluded, cohorts=len(cohorts), pre_periods=pre,
                    post_periods=post)
