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
that source (no activity that week: 0, which a daily source can say), and each period takes the segments of its last week. The
aggregates are in :mod:`adoption.metrics.segment_trends`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoption.canonical.semantics import source_semantics
from adoption.errors import ColumnNotFoundError, InputError
from adoption.metrics.adoption import NO_DEPARTMENT
from adoption.periods import PERIOD_KINDS, parse_period, period_label_series

__all__ = [
    "INSUFFICIENT_HISTORY",
    "PERIOD_SEGMENT_COLUMNS",
    "SEGMENTS",
    "VERSIONS",
    "identify_period_segments",
    "identify_usage_segments",
]

#: The package's labels, from most to least engaged.
SEGMENTS = ("Power User", "Habitual User", "Novice User", "Low User", "Non-user")
#: Label of weeks with fewer rows of history than the window.
INSUFFICIENT_HISTORY = "insufficient history"
#: version -> (window in weeks, qualifying weeks needed for a habit); threshold is 1
#: (vivainsights: identify_habit(threshold=1, width=9, max_window=12) and (1, 4, 4)).
VERSIONS: dict[str, tuple[int, int]] = {"12w": (12, 9), "4w": (4, 4)}
_THRESHOLD = 1.0
#: Columns of :func:`identify_period_segments`.
PERIOD_SEGMENT_COLUMNS = [
    "tool", "source", "version", "period", "period_start", "week", "warm_up", "person_id",
    "department", "team", "metric", "rolling_mean", "active_weeks", "history_weeks",
    "is_habit", "vivainsights_segment", "segment"]


def _need(frame: pd.DataFrame, columns: list[str], where: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{where}: expected a pandas DataFrame; found {type(frame).__name__!r}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing} missing; found {list(frame.columns)}.")


def _trailing_sum(values: np.ndarray, position: np.ndarray, window: int) -> np.ndarray:
    """Each row's value plus those of up to ``window - 1`` rows before it in its history.

    Rows are sorted by history, then week; ``position`` is the row's place in its history
    (0 for the first). The same sums as ``groupby(...).rolling(window, min_periods=1).sum()``
    (added in row order, so exact for counts), without a window object per history, which
    took seconds on a few thousand people.
    """
    total = values.copy()
    for lag in range(1, window):
        shifted = np.zeros_like(values)
        shifted[lag:] = values[:-lag]
        total += np.where(position >= lag, shifted, 0.0)
    return total


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
    keys = [person] if isinstance(person, str) else list(person)
    _need(person_weeks, [*keys, week, metric], "identify_usage_segments")
    window, width = VERSIONS[version]
    data = person_weeks.copy()
    data[week] = pd.to_datetime(data[week])
    values = pd.to_numeric(data[metric], errors="coerce")
    if values.isna().any() or (values < 0).any():
        bad = data.loc[values.isna() | (values < 0), metric].head(3).tolist()
        raise InputError(f"identify_usage_segments: column {metric!r} has missing, non-numeric "
                         f"or negative values (e.g. {bad}); fill or drop those rows first.")
    if data.duplicated([*keys, week]).any():
        raise InputError(f"identify_usage_segments: some {' x '.join(keys)} x {week} rows "
                         "appear more than once; pass one row per person and week.")
    data[metric] = values.astype(float)
    data = data.sort_values([*keys, week], kind="stable").reset_index(drop=True)
    position = data.groupby(keys, sort=False, observed=True).cumcount().to_numpy()
    metric_values = data[metric].to_numpy(dtype=float)
    data["version"] = version
    data["history_weeks"] = np.minimum(position + 1, window)
    data["rolling_mean"] = (_trailing_sum(metric_values, position, window)
                            / data["history_weeks"].to_numpy())
    data["active_weeks"] = _trailing_sum((metric_values >= _THRESHOLD).astype(float), position,
                                         window).astype(int)
    data["is_habit"] = data["active_weeks"] >= width
    mean = data["rolling_mean"]
    data["vivainsights_segment"] = np.select(
        [data["is_habit"] & (mean >= power_threshold), data["is_habit"], mean >= 1, mean > 0],
        list(SEGMENTS[:4]), default=SEGMENTS[4])
    data["segment"] = np.where(data["history_weeks"] < window, INSUFFICIENT_HISTORY,
                               data["vivainsights_segment"])
    return data


def daily_sources(names) -> list[str]:
    """The sources among ``names`` that tell each day a person was active."""
    return [str(s) for s in dict.fromkeys(names) if source_semantics(str(s)).daily_activity]


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
    """
    where = "identify_period_segments"
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"{where}: period kind {period_kind!r} is unknown; use one of "
                         f"{list(PERIOD_KINDS)}.")
    if metric not in ("events", "active_days"):
        raise InputError(f"{where}: metric {metric!r} is unknown; use 'events' or "
                         "'active_days'.")
    if version not in VERSIONS:
        raise InputError(f"{where}: version {version!r} is unknown; use one of "
                         f"{sorted(VERSIONS)}.")
    _need(activity, ["period_start", "person_id", "tool", "source", metric], where)
    _need(population, ["period_start", "person_id", "team", "department"], where)
    found = activity["source"].astype(str).unique().tolist()
    if sources is None:
        sources = daily_sources(found)
    else:
        sources = list(dict.fromkeys(str(s) for s in sources))
        bad = [s for s in sources if not source_semantics(s).daily_activity]
        if bad:
            raise InputError(f"{where}: source(s) {bad} do not tell daily activity, so "
                             "weeks without a row cannot be read as no use; daily sources here: "
                             f"{daily_sources(found)}.")
    # keys as categoricals over one sorted set of categories: merges and sorts work on the
    # codes (string keys made this step take seconds on a few thousand people)
    keys = {c: _categories(activity[c], population[c] if c == "person_id" else None)
            for c in ("tool", "source", "person_id")}
    act = pd.DataFrame({
        "tool": _coded(activity["tool"], keys["tool"]),
        "source": _coded(activity["source"], keys["source"]),
        "person_id": _coded(activity["person_id"], keys["person_id"]),
        "week": pd.to_datetime(activity["period_start"]).to_numpy(),
        "metric": pd.to_numeric(activity[metric], errors="coerce").fillna(0).to_numpy()})
    act = act[act["source"].isin(sources)]
    pop = pd.DataFrame({
        "person_id": _coded(population["person_id"], keys["person_id"]),
        "week": pd.to_datetime(population["period_start"]).to_numpy(),
        "department": pd.Categorical(population["department"].astype(object).where(
            population["department"].notna(), NO_DEPARTMENT)),
        "team": pd.Categorical(population["team"].astype(object))})
    if act.empty or pop.empty:
        return pd.DataFrame(columns=PERIOD_SEGMENT_COLUMNS)
    # a tool's weeks in a source run from its first to its last week with any row there
    span = act.groupby(["tool", "source"], as_index=False, observed=True)["week"].agg(
        ["min", "max"])
    grid = span.merge(pop, how="cross")
    grid = grid[(grid["week"] >= grid["min"]) & (grid["week"] <= grid["max"])]
    grid = grid.merge(act.groupby(["tool", "source", "person_id", "week"], as_index=False,
                                  observed=True)["metric"].sum(), on=["tool", "source", "person_id", "week"], how="left")
    grid["metric"] = grid["metric"].fillna(0.0)
    window = VERSIONS[version][0]
    grid["warm_up"] = grid["week"] < grid["min"] + pd.Timedelta(weeks=window - 1)
    seg = identify_usage_segments(grid.drop(columns=["min", "max"]), version=version,
                                  metric="metric", person=["tool", "source", "person_id"],
                                  week="week", power_threshold=power_threshold)
    if period_kind == "week":  # the store's weeks, whatever weekday they start on
        seg["period"] = period_label_series(seg["week"], "week").to_numpy()
        seg["period_start"] = seg["week"]
    else:  # the month or quarter in which the week starts
        found = {w: parse_period(f"{w:%Y-%m-%d}", period_kind) for w in seg["week"].unique()}
        seg["period"] = seg["week"].map({w: p.label for w, p in found.items()})
        seg["period_start"] = seg["week"].map(
            {w: pd.Timestamp(p.start) for w, p in found.items()})
    last = seg.groupby(["tool", "source", "period"], observed=True)["week"].transform("max")
    out = seg.loc[seg["week"] == last, PERIOD_SEGMENT_COLUMNS]
    out = out.sort_values(["tool", "source", "period_start", "person_id"],
                          kind="stable").reset_index(drop=True)
    for col in ("tool", "source", "person_id", "department", "team"):  # plain text again
        out[col] = pd.Series(out[col].astype(object).to_numpy(), index=out.index)
    return out


def _categories(*columns: pd.Series | None) -> pd.Index:
    """The sorted distinct text values of ``columns`` (None skipped)."""
    values = [pd.Index(pd.factorize(c)[1]).astype(str) for c in columns if c is not None]
    return pd.Index(np.unique(np.concatenate([np.asarray(v, dtype=object) for v in values])))


def _coded(column: pd.Series, categories: pd.Index) -> pd.Categorical:
    """``column`` as text categories ``categories`` (factorised first: no string per row)."""
    codes, uniques = pd.factorize(column)
    where = categories.get_indexer(pd.Index(uniques).astype(str))
    return pd.Categorical.from_codes(np.where(codes < 0, -1, where[codes]), categories=categories)
