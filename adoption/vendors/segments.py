"""Usage segments by team per week, for Viva Insights person-weeks.

The segment rules (vivainsights' ``identify_usage_segments``, both versions) live in
:mod:`adoption.metrics.segments`, which applies them to every daily source too; they are
re-exported here for the Viva person query. :func:`summarise_segments` tabulates one week's
segments by a Viva organisation or roster team column.
"""

from __future__ import annotations

import pandas as pd

from adoption.errors import InputError
from adoption.metrics.intervals import wilson_interval
from adoption.metrics.segments import (
    INSUFFICIENT_HISTORY,
    SEGMENTS,
    VERSIONS,
    _need,
    identify_usage_segments,
)
from adoption.privacy import suppress_small_groups

__all__ = [
    "INSUFFICIENT_HISTORY",
    "SEGMENTS",
    "VERSIONS",
    "identify_usage_segments",
    "summarise_segments",
]


def summarise_segments(
    segments: pd.DataFrame,
    *,
    by: str = "organization",
    min_group_size: int = 5,
    week: str = "week",
    person: str = "person_id",
    segment: str = "segment",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of people in each segment per week, for the organisation and each team.

    Parameters
    ----------
    segments : pandas.DataFrame
        The output of :func:`identify_usage_segments` with a team column ``by`` (e.g. the
        Viva ``organization`` or the roster's ``team`` joined on ``person_id``).
    by : str
        Team column; people without a team are grouped as ``"(no team)"`` so that team
        sizes add up to the organisation's.
    min_group_size : int
        From the workspace's settings (``workspace.settings.min_group_size``).

    Returns
    -------
    pandas.DataFrame
        One row per week x group x segment (every segment of :data:`SEGMENTS` and
        ``"insufficient history"``): ``week``, ``by`` (missing on the organisation row),
        ``segment``, ``count``, ``n`` (people in the group that week), ``estimate``
        (count / n), ``ci_low``, ``ci_high`` (Wilson), ``suppressed`` and
        ``suppression_reason`` (from :func:`adoption.privacy.suppress_small_groups`:
        groups under ``min_group_size`` are blanked, with complementary suppression).
    """
    _need(segments, [by, week, person, segment], "summarise_segments")
    data = segments[[week, by, person, segment]].copy()
    data[by] = data[by].astype(object).where(data[by].notna(), "(no team)")
    labels = [*SEGMENTS, INSUFFICIENT_HISTORY]
    unknown = set(data[segment].unique()) - set(labels)
    if unknown:
        raise InputError(f"summarise_segments: unknown segment labels {sorted(unknown)}; pass "
                         "the output of identify_usage_segments.")
    parts = []
    for level in ("team", "organisation"):
        keys = [week, by] if level == "team" else [week]
        n = data.groupby(keys)[person].nunique().rename("n")
        counts = data.groupby([*keys, segment])[person].nunique().rename("count")
        grid = n.reset_index().merge(pd.DataFrame({segment: labels}), how="cross")
        grid = grid.merge(counts.reset_index(), on=[*keys, segment], how="left")
        grid["count"] = grid["count"].fillna(0).astype(int)
        if level == "organisation":
            grid[by] = None
        parts.append(grid)
    table = pd.concat(parts[::-1], ignore_index=True)[[week, by, segment, "count", "n"]]
    table["estimate"] = table["count"] / table["n"]
    low, high = wilson_interval(table["count"].to_numpy(), table["n"].to_numpy(),
                                confidence=confidence)
    table["ci_low"], table["ci_high"] = low, high
    return suppress_small_groups(
        table, hierarchy=(by,), size="n", within=(week, segment),
        value_columns=["count", "n", "estimate", "ci_low", "ci_high"],
        min_group_size=min_group_size)
