"""Usage segments over time by team: shares per period, and moves between segments.

Both read the person-period segments of :func:`adoption.metrics.segments.identify_period_segments`
(one version, one row per tool x daily source x period x person) and publish only through
:func:`adoption.privacy.suppress_small_groups`: a team (department) with fewer than
``min_group_size`` people is blanked, with complementary suppression among its siblings, all
levels of the hierarchy together.

- :func:`compute_usage_segments`: per group and period, the share of people in each segment
  (and in ``"insufficient history"``) with Wilson intervals, the period's ``warm_up`` flag
  carried along so that charts can mark the weeks before anyone has a full window.
- :func:`compute_segment_transitions`: per group and pair of consecutive periods, how many
  people moved from each segment to each other (counts only), with the direction of the
  move (``up``, ``down``, ``stayed``) for the five vivainsights segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.errors import InputError
from adoption.metrics.adoption import _check_by, _warn_if_all_hidden
from adoption.metrics.retention import _all_levels
from adoption.metrics.segments import (
    INSUFFICIENT_HISTORY,
    PERIOD_SEGMENT_COLUMNS,
    SEGMENTS,
    _need,
)
from adoption.privacy import check_min_group_size, suppress_small_groups
from adoption.stats.intervals import check_confidence, wilson_interval

__all__ = [
    "SEGMENT_LABELS",
    "SEGMENT_SHARE_COLUMNS",
    "SEGMENT_TRANSITION_COLUMNS",
    "compute_segment_transitions",
    "compute_usage_segments",
]

#: Every label a person-period can have, most engaged first.
SEGMENT_LABELS = (*SEGMENTS, INSUFFICIENT_HISTORY)
#: Columns of :func:`compute_usage_segments` after the group keys.
SEGMENT_SHARE_COLUMNS = ["tool", "source", "version", "period", "period_start", "week",
                         "warm_up", "segment", "n", "count", "share", "share_ci_low",
                         "share_ci_high", "suppressed", "suppression_reason"]
#: Columns of :func:`compute_segment_transitions` after the group keys.
SEGMENT_TRANSITION_COLUMNS = ["tool", "source", "version", "period_from", "period",
                              "period_start", "from_segment", "to_segment", "direction", "n",
                              "count", "suppressed", "suppression_reason"]
_SLICE = ["tool", "source", "version"]


def _segments(data: pd.DataFrame, where: str) -> pd.DataFrame:
    """The person-period segments with text keys; one version only."""
    _need(data, PERIOD_SEGMENT_COLUMNS, where)
    versions = data["version"].astype(str).unique()
    if len(versions) > 1:
        raise InputError(f"{where}: the segments mix versions {sorted(versions)}; pass the "
                         "output of one identify_period_segments(version=...) call.")
    unknown = set(data["segment"].astype(str)) - set(SEGMENT_LABELS)
    if unknown:
        raise InputError(f"{where}: unknown segment labels {sorted(unknown)}; pass the output "
                         "of identify_period_segments.")
    d = data[PERIOD_SEGMENT_COLUMNS].copy()
    for col in ("tool", "source", "version", "period", "person_id", "segment", "department",
                "team"):
        d[col] = d[col].astype(object)
    return d


def _finish(table: pd.DataFrame, keys: list[str], columns: list[str], within: list[str],
            values: list[str], order: list[str], by: str, k: int) -> pd.DataFrame:
    out = suppress_small_groups(table[["department", "team", *columns[:-2]]],
                                hierarchy=("department", "team"), size="n",
                                within=within, value_columns=values, min_group_size=k)
    depth = out[["department", "team"]].notna().sum(axis=1)
    out = out.loc[depth == len(keys), [*keys, *columns]]
    out = out.sort_values([*_SLICE, *keys, *order], kind="stable").reset_index(drop=True)
    _warn_if_all_hidden(out, by, k)
    return out


def compute_usage_segments(
    segments: pd.DataFrame,
    *,
    by: str = "team",
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of each group's people in each usage segment, per tool, source and period.

    Parameters
    ----------
    segments : pandas.DataFrame
        :func:`adoption.metrics.segments.identify_period_segments` (one version). Not
        modified.
    by : {"team", "department", "organisation"}, default "team"
        People count in the team they were in during the period's classified week.
    min_group_size : int, default 5
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group x tool x source x period x label of :data:`SEGMENT_LABELS` (keys
        as for ``by``), then :data:`SEGMENT_SHARE_COLUMNS`: ``week`` (the week classified),
        ``warm_up``, ``segment``, ``n`` (people in the group), ``count``, ``share`` =
        ``count / n`` with Wilson ``share_ci_low``, ``share_ci_high``, ``suppressed``,
        ``suppression_reason`` (size ``n``).
    """
    where = "compute_usage_segments"
    keys = _check_by(by, where)
    check_min_group_size(min_group_size, where=where)
    check_confidence(confidence, where=where)
    d = _segments(segments, where)
    flags = {f"_s{i}": d["segment"] == label for i, label in enumerate(SEGMENT_LABELS)}
    d = d.assign(one=True, **flags)
    within = [*_SLICE, "period", "period_start", "week", "warm_up"]
    wide = _all_levels(d, within, {"n": "one", **{f: f for f in flags}})
    table = wide.melt(id_vars=["department", "team", *within, "n"], value_vars=list(flags),
                      var_name="segment", value_name="count")
    table["segment"] = table["segment"].map(dict(zip(flags, SEGMENT_LABELS, strict=True)))
    table["count"] = table["count"].astype("int64")
    table["share"] = table["count"] / table["n"]
    table["share_ci_low"], table["share_ci_high"] = wilson_interval(
        table["count"], table["n"], confidence=confidence)
    rank = {label: i for i, label in enumerate(SEGMENT_LABELS)}
    table["_rank"] = table["segment"].map(rank)
    table = table.sort_values([*_SLICE, "period_start", "_rank"], kind="stable")
    return _finish(table, keys, SEGMENT_SHARE_COLUMNS, [*_SLICE, "period", "segment"],
                   ["n", "count", "share", "share_ci_low", "share_ci_high"],
                   ["period_start"], by, min_group_size)


def compute_segment_transitions(
    segments: pd.DataFrame,
    *,
    by: str = "team",
    min_group_size: int = 5,
) -> pd.DataFrame:
    """How many people moved between usage segments from one period to the next (counts).

    Parameters
    ----------
    segments : pandas.DataFrame
        :func:`adoption.metrics.segments.identify_period_segments` (one version). Not
        modified.
    by : {"team", "department", "organisation"}, default "team"
        People count in the team they were in during the later period.
    min_group_size : int, default 5

    Returns
    -------
    pandas.DataFrame
        One row per group x tool x source x consecutive pair of periods x pair of labels of
        :data:`SEGMENT_LABELS` (every pair, zeros included, so that no hidden figure can be
        worked out from a missing row), then :data:`SEGMENT_TRANSITION_COLUMNS`:
        ``period_from``, ``period`` (and its ``period_start``), ``from_segment``,
        ``to_segment``, ``direction`` (``"up"`` to a more engaged segment, ``"down"``,
        ``"stayed"``; missing when either side is ``"insufficient history"``), ``n`` (people
        of the group classified in both periods), ``count``, ``suppressed``,
        ``suppression_reason`` (size ``n``).
    """
    where = "compute_segment_transitions"
    keys = _check_by(by, where)
    check_min_group_size(min_group_size, where=where)
    d = _segments(segments, where)
    starts = d[[*_SLICE, "period_start", "period"]].drop_duplicates().sort_values(
        [*_SLICE, "period_start"])
    starts["period_from"] = starts.groupby(_SLICE)["period"].shift(1)
    d = d.merge(starts.drop(columns="period"), on=[*_SLICE, "period_start"])
    before = d[[*_SLICE, "period", "person_id", "segment"]].rename(
        columns={"period": "period_from", "segment": "from_segment"})
    moves = d.dropna(subset=["period_from"]).merge(
        before, on=[*_SLICE, "period_from", "person_id"]).rename(
        columns={"segment": "to_segment"})
    pairs = [(a, b) for a in SEGMENT_LABELS for b in SEGMENT_LABELS]
    flags = {f"_m{i}": (moves["from_segment"] == a) & (moves["to_segment"] == b)
             for i, (a, b) in enumerate(pairs)}
    moves = moves.assign(one=True, **flags)
    within = [*_SLICE, "period_from", "period", "period_start"]
    wide = _all_levels(moves, within, {"n": "one", **{f: f for f in flags}})
    table = wide.melt(id_vars=["department", "team", *within, "n"], value_vars=list(flags),
                      var_name="_pair", value_name="count")
    index = {f: i for i, f in enumerate(flags)}
    table["_i"] = table["_pair"].map(index)
    table["from_segment"] = table["_i"].map(lambda i: pairs[i][0])
    table["to_segment"] = table["_i"].map(lambda i: pairs[i][1])
    rank = {label: i for i, label in enumerate(SEGMENTS)}
    a = table["from_segment"].map(rank)
    b = table["to_segment"].map(rank)
    table["direction"] = np.select([a.isna() | b.isna(), b < a, b > a],
                                   [None, "up", "down"], default="stayed")
    table["count"] = table["count"].astype("int64")
    table = table.sort_values([*_SLICE, "period_start", "_i"], kind="stable")
    return _finish(table, keys, SEGMENT_TRANSITION_COLUMNS,
                   [*_SLICE, "period", "from_segment", "to_segment"], ["n", "count"],
                   ["period_start"], by, min_group_size)
