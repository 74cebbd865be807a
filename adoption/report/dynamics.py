"""The report's "Adoption over time" part: when people start, whether they stay, how the mix
of users moves and when each department reaches its target.

:func:`build_dynamics_section` loads the stored marts once (monthly person-periods, and each
person's monthly usage segment computed in the store from the weekly marts by
:func:`adoption.metrics.segments.load_period_segments`), keeps the months that start on or
before the report period's last day, and computes four tables, each through the privacy gate of its
metric function (:mod:`adoption.metrics`): time to first use per department and for the
organisation, retention of monthly first-use cohorts, usage segments per tool and source
(organisation trend and departments in the report's month) with the moves between the last
two months, and the Bass forecast per department and for the organisation. Team and
department labels are published with :func:`adoption.privacy.publish_labels`, as in every
other section. Display tables and captions are in :mod:`adoption.report.dynamics_tables`.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import pandas as pd

from adoption.canonical import load_person_periods
from adoption.canonical.membership import load_group_labels
from adoption.errors import SmallGroupWarning
from adoption.metrics import (
    compute_diffusion_forecast,
    compute_retention,
    compute_segment_transitions,
    compute_time_to_first_use,
    compute_usage_segments,
    identify_period_segments,
)
from adoption.metrics.segments import load_period_segments
from adoption.periods import parse_period
from adoption.privacy import publish_labels, resolve_min_group_size
from adoption.stats.intervals import check_confidence
from adoption.store import Store
from adoption.workspace import Workspace, open_store

__all__ = [
    "TEAM_MOVE_COLUMNS",
    "DynamicsSection",
    "build_dynamics_section",
    "compute_dynamics_section",
    "compute_team_moves",
]

#: Months of the segment trend shown, ending with the report's month.
SEGMENT_MONTHS = 12
#: Cohorts shown in the retention table (the latest that reach one month later).
RETENTION_COHORTS = 12
#: A move up goes from one of the first segments to one of the second; a move down the
#: other way, or to no use at all.
LOWER_SEGMENTS = ("Novice User", "Low User")
UPPER_SEGMENTS = ("Habitual User", "Power User")
#: Columns of :func:`compute_team_moves`.
TEAM_MOVE_COLUMNS = ["department", "team", "tool", "source", "period_from", "period", "n",
                     "moved_up", "moved_down", "suppressed", "suppression_reason"]


@dataclass(frozen=True)
class DynamicsSection:
    """Adoption over time, up to one report period (all tables already privacy-protected).

    Attributes
    ----------
    period : str
        The report's period label; ``month`` the last month counted (the month in which the
        period ends).
    month : str
    min_group_size : int
    confidence : float
    target_share : float
        Share of a department's people the forecast is for (default 0.6).
    first_use : DataFrame
        :func:`adoption.metrics.compute_time_to_first_use` with ``level``
        (``"organisation"`` or ``"department"``) and ``department`` (missing for the
        organisation): median days with interval, shares started within 30/60/90 days.
    retention : DataFrame
        :func:`adoption.metrics.compute_retention` for the organisation, the latest
        :data:`RETENTION_COHORTS` cohorts.
    segments : DataFrame
        :func:`adoption.metrics.compute_usage_segments` (12-week version) with ``level`` and
        ``department``: the organisation over the last :data:`SEGMENT_MONTHS` months and the
        departments in ``month``.
    transitions : DataFrame
        :func:`adoption.metrics.compute_segment_transitions` for the organisation from the
        month before ``month`` to ``month`` (counts).
    team_moves : DataFrame
        :func:`compute_team_moves`: per team, tool and source, people who moved up or down
        between the tool's first month with enough history and ``month`` (counts).
    forecast : DataFrame
        :func:`adoption.metrics.compute_diffusion_forecast` with ``level`` and ``department``.
    """

    period: str
    month: str
    min_group_size: int
    confidence: float
    target_share: float
    first_use: pd.DataFrame
    retention: pd.DataFrame
    segments: pd.DataFrame
    transitions: pd.DataFrame
    forecast: pd.DataFrame
    team_moves: pd.DataFrame


def build_dynamics_section(
    workspace_or_store: Workspace | Store | str | os.PathLike[str],
    *,
    period: str,
    period_kind: str = "month",
    min_group_size: int | None = None,
    target_share: float = 0.6,
    confidence: float = 0.95,
) -> DynamicsSection:
    """Compute the "Adoption over time" part of the report, up to ``period``.

    Parameters
    ----------
    workspace_or_store : Workspace, Store or path
        Opened read-only for the duration.
    period : str
        The report's period (``"2026-01"``, ``"2026-Q1"``, ``"2026-W03"``); months that start
        after its last day are left out, so a report never looks ahead.
    period_kind : {"month", "quarter", "week"}, default "month"
    min_group_size : int, optional
        Privacy threshold; default the workspace's (a smaller value is raised to it).
    target_share : float, default 0.6
    confidence : float, default 0.95

    Returns
    -------
    DynamicsSection
    """
    check_confidence(confidence, where="build_dynamics_section")
    with open_store(workspace_or_store) as store:
        settings = store.settings
        labels = load_group_labels(store)
        target = parse_period(period, period_kind, week_start=settings.week_start_index)
        people = load_person_periods(store, period_kind="month")
        # the weekly marts stay in the store: only each person's monthly segment comes back
        segments = load_period_segments(store, version="12w", period_kind="month",
                                        until=target.end)
    k = resolve_min_group_size(settings, min_group_size)
    end = pd.Timestamp(target.end)
    people = publish_labels(people[people["period_start"] <= end], settings, labels=labels)
    return _section(people, publish_labels(segments, settings, labels=labels),
                    period=target.label, month=f"{target.end:%Y-%m}", min_group_size=k,
                    target_share=target_share, confidence=confidence)


def compute_dynamics_section(people: pd.DataFrame, activity: pd.DataFrame,
                             population: pd.DataFrame, *, period: str, month: str,
                             min_group_size: int = 5, target_share: float = 0.6,
                             confidence: float = 0.95) -> DynamicsSection:
    """The section from frames already cut at the report's end and with published labels.

    Parameters
    ----------
    people : DataFrame
        Monthly person-periods (:func:`adoption.canonical.load_person_periods`).
    activity, population : DataFrame
        Weekly person x tool activity and weekly population
        (:func:`adoption.canonical.load_person_tool_periods`,
        :func:`adoption.canonical.load_population`), for the segments.
    period, month : str
        The report's period label and the month it ends in (``"2026-01"``).
    min_group_size, target_share, confidence
        As for :func:`build_dynamics_section` (``min_group_size`` already resolved).
    """
    segments = identify_period_segments(activity, population, version="12w",
                                        period_kind="month")
    return _section(people, segments, period=period, month=month,
                    min_group_size=min_group_size, target_share=target_share,
                    confidence=confidence)


def _section(people: pd.DataFrame, segments: pd.DataFrame, *, period: str, month: str,
             min_group_size: int, target_share: float, confidence: float) -> DynamicsSection:
    """The section from monthly person-periods and person-month segments (12-week version)."""
    k = min_group_size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        first_use = _levels(compute_time_to_first_use, people, k=k, confidence=confidence)
        retention = compute_retention(people, by="organisation", min_group_size=k,
                                      confidence=confidence)
        forecast = _levels(compute_diffusion_forecast, people, k=k, confidence=confidence,
                           target_share=target_share)
        shares, moves, team_moves = _segments(segments, month, k, confidence)
    cohorts = retention["cohort"].drop_duplicates().tolist()[-RETENTION_COHORTS:]
    return DynamicsSection(
        period=period, month=month, min_group_size=k, confidence=float(confidence),
        target_share=float(target_share), first_use=first_use,
        retention=retention[retention["cohort"].isin(cohorts)].reset_index(drop=True),
        segments=shares, transitions=moves, forecast=forecast, team_moves=team_moves)


def _levels(compute, data: pd.DataFrame, *, k: int, **options) -> pd.DataFrame:
    """``compute`` for the organisation and per department, one frame with ``level``."""
    org = compute(data, by="organisation", min_group_size=k, **options)
    dept = compute(data, by="department", min_group_size=k, **options)
    return pd.concat([org.assign(level="organisation", department=None),
                      dept.assign(level="department")], ignore_index=True)


def _segments(seg: pd.DataFrame, month: str, k: int,
              confidence: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Organisation trend and departments in ``month``; the organisation's moves into
    ``month`` (per department they took two seconds more on the demo); each team's moves
    since the tool's first month with enough history."""
    if seg.empty:
        return pd.DataFrame(), pd.DataFrame(), _no_team_moves()
    months = sorted(seg["period"].unique())[-SEGMENT_MONTHS:]
    seg = seg[seg["period"].isin(months)]
    org = compute_usage_segments(seg, by="organisation", min_group_size=k,
                                 confidence=confidence)
    now = seg[seg["period"] == month]
    dept = compute_usage_segments(now, by="department", min_group_size=k,
                                  confidence=confidence) if len(now) else org.iloc[0:0]
    shares = pd.concat([org.assign(level="organisation", department=None),
                        dept.assign(level="department")], ignore_index=True)
    team_moves = compute_team_moves(seg, month=month, min_group_size=k)
    pair = seg[seg["period"].isin(months[-2:])] if month in months else seg.iloc[0:0]
    if pair["period"].nunique() < 2:
        return shares, pd.DataFrame(), team_moves
    moves = compute_segment_transitions(pair, by="organisation", min_group_size=k)
    return shares, moves, team_moves


def _no_team_moves() -> pd.DataFrame:
    return pd.DataFrame(columns=TEAM_MOVE_COLUMNS)


def compute_team_moves(segments: pd.DataFrame, *, month: str,
                       min_group_size: int = 5) -> pd.DataFrame:
    """Per team, tool and source: how many people moved up to a habit and how many moved down,
    from the tool's first month with 12 weeks of history to ``month`` (counts only).

    Each person's segment in the first month of ``segments`` that is not the tool's warm-up
    is compared with their segment in ``month``, through
    :func:`adoption.metrics.compute_segment_transitions` (``by="team"``: the team of
    ``month``), so a team below ``min_group_size`` people classified in both months, and a
    team hidden so that it cannot be worked out by subtraction, shows no figure.

    Parameters
    ----------
    segments : DataFrame
        :func:`adoption.metrics.identify_period_segments` (one version, monthly). Not
        modified.
    month : str
        The later month (``"2026-10"``).
    min_group_size : int, default 5

    Returns
    -------
    DataFrame
        :data:`TEAM_MOVE_COLUMNS`: ``period_from`` (the earlier month), ``period``
        (``month``), ``n`` (people of the team classified in both months), ``moved_up``
        (from novice or low use to habitual or power use), ``moved_down`` (from habitual or
        power use to novice, low or no use), ``suppressed`` and ``suppression_reason``;
        hidden rows have missing ``n``, ``moved_up`` and ``moved_down``.
    """
    d = segments[segments["period"].astype(str) <= month]
    keys = ["tool", "source"]
    first = (d[~d["warm_up"].astype(bool)].groupby(keys)["period"].min()
             .rename("_first").reset_index())
    d = d.merge(first, on=keys)
    d = d[(d["_first"] < month) & ((d["period"] == d["_first"]) | (d["period"] == month))]
    if d["period"].nunique() < 2:
        return _no_team_moves()
    moves = compute_segment_transitions(d.drop(columns="_first"), by="team",
                                        min_group_size=min_group_size)
    moves = moves[moves["period"] == month]
    up = (moves["from_segment"].isin(LOWER_SEGMENTS)
          & moves["to_segment"].isin(UPPER_SEGMENTS))
    down = (moves["from_segment"].isin(UPPER_SEGMENTS)
            & moves["to_segment"].isin([*LOWER_SEGMENTS, "Non-user"]))
    count = moves["count"].astype("Float64")
    moves = moves.assign(moved_up=count.where(up, 0).where(count.notna()),
                         moved_down=count.where(down, 0).where(count.notna()))
    group = ["department", "team", *keys, "period_from", "period"]
    out = moves.groupby(group, sort=False, dropna=False).agg(
        n=("n", "first"), moved_up=("moved_up", lambda x: x.sum(min_count=1)),
        moved_down=("moved_down", lambda x: x.sum(min_count=1)),
        suppressed=("suppressed", "any"),
        suppression_reason=("suppression_reason", "first")).reset_index()
    return out[TEAM_MOVE_COLUMNS].reset_index(drop=True)
