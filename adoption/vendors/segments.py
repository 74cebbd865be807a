"""Usage segments (power, habitual, novice, low, non-user) as Microsoft's vivainsights defines them.

The definitions are those of ``identify_usage_segments()`` in Microsoft's open-source
vivainsights package (MIT licence; R and Python versions agree), read from its source and
reference page (https://microsoft.github.io/vivainsights/reference/identify_usage_segments.html,
``vivainsights/identify_usage_segments.py`` and ``identify_habit.py`` of
https://github.com/microsoft/vivainsights_py). For each person and week, over the person's
rows sorted by week:

- ``rolling_mean``: mean of the metric over the last ``window`` rows (12 or 4), including this
  one, fewer at the start of a person's history (the package's ``min_periods=1``);
- ``active_weeks``: number of those rows with metric ``>= 1`` (the package's ``threshold=1``);
- habit (``IsHabit12w`` / ``IsHabit4w``): ``active_weeks >= width``, with ``width`` 9 of 12
  for ``"12w"`` and 4 of 4 for ``"4w"``.

Then, first match wins:

1. **Power User**: habit and ``rolling_mean >= 15`` (``power_thres``, default 15);
2. **Habitual User**: habit;
3. **Novice User**: ``rolling_mean >= 1``;
4. **Low User**: ``rolling_mean > 0``;
5. **Non-user**: ``rolling_mean == 0``.

The package classifies every row, so a person's first weeks can only be Novice or Low however
active they are (the habit rule needs 9 or 4 qualifying weeks). We keep the package's label in
``vivainsights_segment`` and, in ``segment``, mark the weeks with fewer than ``window`` rows
of history as ``"insufficient history"`` so that reports do not read them as low adoption.
As in the package, the window counts rows, not calendar weeks: a person query has a row for
each week a person is in the population, and a missing week is not filled in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.metrics.intervals import wilson_interval
from adoption.privacy import suppress_small_groups

__all__ = [
    "INSUFFICIENT_HISTORY",
    "SEGMENTS",
    "VERSIONS",
    "identify_usage_segments",
    "summarise_segments",
]

#: The package's labels, from most to least engaged.
SEGMENTS = ("Power User", "Habitual User", "Novice User", "Low User", "Non-user")
#: Label of weeks with fewer rows of history than the window.
INSUFFICIENT_HISTORY = "insufficient history"
#: version -> (window in weeks, qualifying weeks needed for a habit); threshold is 1.
VERSIONS: dict[str, tuple[int, int]] = {"12w": (12, 9), "4w": (4, 4)}
_THRESHOLD = 1.0


def _need(frame: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing} missing; found {list(frame.columns)}.")


def identify_usage_segments(
    person_weeks: pd.DataFrame,
    *,
    version: str = "12w",
    metric: str = "copilot_actions",
    person: str = "person_id",
    week: str = "week",
    power_threshold: float = 15.0,
) -> pd.DataFrame:
    """Classify each person-week into a usage segment (vivainsights' definitions).

    Parameters
    ----------
    person_weeks : pandas.DataFrame
        One row per person and week (e.g. :func:`adoption.vendors.viva.load_person_weeks`),
        with ``person``, ``week`` and ``metric`` columns; other columns are kept.
    version : {"12w", "4w"}
        12-week window with a habit of 9 of 12 weeks, or 4-week window with 4 of 4.
    metric : str
        Weekly count of actions (no missing values: vivainsights refuses them too).
    power_threshold : float, default 15
        Rolling weekly mean from which a habitual user is a power user (``power_thres``).

    Returns
    -------
    pandas.DataFrame
        The input rows sorted by person and week, with ``version``, ``rolling_mean``,
        ``active_weeks``, ``history_weeks`` (rows in the window so far), ``is_habit``,
        ``vivainsights_segment`` (the package's label) and ``segment`` (the same, or
        ``"insufficient history"`` while ``history_weeks < window``).

    Raises
    ------
    InputError
        Unknown version, missing or negative metric values, a person-week listed twice.
    """
    if version not in VERSIONS:
        raise InputError(f"identify_usage_segments: version {version!r} is unknown; use one "
                         f"of {sorted(VERSIONS)}.")
    _need(person_weeks, [person, week, metric], "identify_usage_segments")
    window, width = VERSIONS[version]
    data = person_weeks.copy()
    data[week] = pd.to_datetime(data[week])
    values = pd.to_numeric(data[metric], errors="coerce")
    if values.isna().any() or (values < 0).any():
        bad = data.loc[values.isna() | (values < 0), metric].head(3).tolist()
        raise InputError(f"identify_usage_segments: column {metric!r} has missing, non-numeric "
                         f"or negative values (e.g. {bad}); fill or drop those rows first.")
    if data.duplicated([person, week]).any():
        raise InputError(f"identify_usage_segments: some {person} x {week} pairs appear more "
                         "than once; pass one row per person and week.")
    data[metric] = values.astype(float)
    data = data.sort_values([person, week], kind="stable").reset_index(drop=True)
    grouped = data.groupby(person, sort=False)[metric]
    data["version"] = version
    data["rolling_mean"] = grouped.transform(
        lambda x: x.rolling(window=window, min_periods=1).mean())
    data["active_weeks"] = (data[metric] >= _THRESHOLD).astype(int).groupby(
        data[person], sort=False).transform(
        lambda x: x.rolling(window=window, min_periods=1).sum()).astype(int)
    data["history_weeks"] = np.minimum(data.groupby(person, sort=False).cumcount() + 1, window)
    data["is_habit"] = data["active_weeks"] >= width
    mean = data["rolling_mean"]
    data["vivainsights_segment"] = np.select(
        [data["is_habit"] & (mean >= power_threshold), data["is_habit"], mean >= 1, mean > 0],
        list(SEGMENTS[:4]), default=SEGMENTS[4])
    data["segment"] = np.where(data["history_weeks"] < window, INSUFFICIENT_HISTORY,
                               data["vivainsights_segment"])
    return data


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
