"""Report charts. Every ``plot_*`` takes a report frame and returns the Axes it drew on.

The look (seaborn's theme, palette, sizes, legends, time axes) is :mod:`adoption.report.style`,
shared by every chart of the package.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from adoption.errors import ColumnNotFoundError
from adoption.periods import Period, label_period
from adoption.report.style import (
    DPI,
    INK,
    MUTED,
    PALETTE,
    TITLE_SIZE,
    house_style,
    legend_outside,
    new_axes,
    nothing_to_show,
    period_axis,
    style_axes,
)
from adoption.report.tables import hidden_label

#: Most teams :func:`plot_team_intervals` draws (beyond: the lowest and highest half each).
MAX_TEAMS_SHOWN = 40

__all__ = ["PALETTE", "plot_funnel", "plot_segment_trend", "plot_team_intervals",
           "plot_trend"]


def _check_columns(data: pd.DataFrame, required: Sequence[str], where: str) -> None:
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing!r} not found. Available: {list(data.columns)!r}. "
            "Pass the matching frame of an AdoptionReport (e.g. report.trend)."
        )


def _periods(trend: pd.DataFrame) -> list[Period]:
    """The trend's periods, oldest first, parsed from their labels (:mod:`adoption.periods`)."""
    labels = trend[["period", "period_start"]].drop_duplicates().sort_values("period_start")
    return [label_period(str(p)) for p in labels["period"]]


@house_style
def plot_trend(trend: pd.DataFrame, *, ax: Axes | None = None,
               counted: str = "any AI tool") -> Axes:
    """Penetration over periods: the organisation with its interval band, departments thin.

    Parameters
    ----------
    trend : pandas.DataFrame
        ``AdoptionReport.trend``: columns ``level, group, period, period_start, penetration,
        penetration_ci_low, penetration_ci_high`` (and ``penetration_upper``: when some people
        are unknown, the organisation's upper bound is drawn dotted). Hidden groups (missing
        figures) leave gaps.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    counted : str, default "any AI tool"
        What "active" counts, for the title (``AdoptionReport.counted``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_columns(trend, ["level", "group", "period", "period_start", "penetration",
                           "penetration_ci_low", "penetration_ci_high"], "plot_trend")
    ax = new_axes(ax, (9, 4.2))
    periods = _periods(trend)
    word = periods[0].kind if periods else "period"
    title = f"Share of people active on {counted}, per {word}"
    if not periods or trend["penetration"].notna().sum() == 0:
        return nothing_to_show(ax, title)
    pos = {p.label: i for i, p in enumerate(periods)}
    marker = "o" if len(periods) <= 1 else None
    depts = trend[trend["level"] == "department"]
    for i, (name, rows) in enumerate(depts.groupby("group", sort=True)):
        rows = rows.sort_values("period_start")
        ax.plot(rows["period"].map(pos), rows["penetration"], color=PALETTE[i % len(PALETTE)],
                linewidth=1.3, alpha=0.9, marker=marker or ".", markersize=4,
                linestyle="-" if i < len(PALETTE) else "--", label=str(name))
    org = trend[trend["level"] == "organisation"].sort_values("period_start")
    x = org["period"].map(pos)
    ax.fill_between(x, org["penetration_ci_low"].astype(float),
                    org["penetration_ci_high"].astype(float), color=INK, alpha=0.15,
                    linewidth=0, label="95% interval (all people)")
    org_name = str(org["group"].iloc[0]) if len(org) else "Organisation"
    ax.plot(x, org["penetration"], color=INK, linewidth=2.8, marker="o", markersize=5,
            label=f"{org_name} (all people)")
    if "penetration_upper" in org and (org["penetration_upper"].astype(float)
                                       > org["penetration"].astype(float) + 0.005).any():
        ax.plot(x, org["penetration_upper"].astype(float), color=INK, linewidth=1.4,
                linestyle=":", label="with the unknown counted as active")
    period_axis(ax, periods)
    cols = [c for c in ("penetration", "penetration_ci_high", "penetration_upper") if c in trend]
    top = np.nanmax(trend[cols].to_numpy(dtype=float))
    ax.set_ylim(0, min(1.0, max(0.1, top * 1.12)))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    legend_outside(ax)
    return style_axes(ax, title=title, ylabel="Share of people active")


@house_style
def plot_funnel(funnel: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """From headcount to seats to use: one bar per stage, labelled with count and share.

    Parameters
    ----------
    funnel : pandas.DataFrame
        ``AdoptionReport.funnel``: columns ``label, count, share, share_ci_low,
        share_ci_high`` in stage order, optionally ``upper`` (the count with the unknown
        counted as active: the label reads "412 to 431") and ``hidden`` (why a stage's count
        is hidden: no bar, the label says hidden).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_columns(funnel, ["label", "count", "share", "share_ci_low", "share_ci_high"],
                   "plot_funnel")
    ax = new_axes(ax, (9, 2.8))
    title = "From employed to active"
    if funnel.empty or funnel["count"].isna().all():
        return nothing_to_show(ax, title)
    y = np.arange(len(funnel))  # the first stage on top: seaborn puts category 0 there
    counts = funnel["count"].astype(float).to_numpy()
    stages = [f"{i}" for i in y]  # positions, not the labels: two stages may read alike
    sns.barplot(x=np.nan_to_num(counts), y=stages, hue=stages, orient="h", width=0.62,
                palette=[PALETTE[7], PALETTE[4], PALETTE[0], *PALETTE][: len(funnel)],
                saturation=1, errorbar=None, legend=False, ax=ax)
    upper = (funnel["upper"].astype(float).to_numpy() if "upper" in funnel
             else counts)
    hidden = funnel["hidden"] if "hidden" in funnel else pd.Series([None] * len(funnel))
    for yi, r, up, why in zip(y, funnel.itertuples(index=False), upper, hidden, strict=True):
        if pd.isna(r.count):
            ax.text(0, yi, "  " + hidden_label(why), va="center", ha="left", fontsize=10,
                    color=MUTED)
            continue
        text = f"{r.count:,.0f}" + (f" to {up:,.0f}" if up > r.count else "")
        if yi != y[0]:
            text += f"  ({100 * r.share:.0f}% of employed"
            if not (pd.isna(r.share_ci_low) or pd.isna(r.share_ci_high)):
                text += f", {100 * r.share_ci_low:.0f}\u2013{100 * r.share_ci_high:.0f}%"
            text += ")"
        ax.text(r.count, yi, "  " + text, va="center", ha="left", fontsize=10, color=INK)
    ax.set_yticks(y, funnel["label"])
    ax.set_xlim(0, np.nanmax(counts) * 1.55)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    return style_axes(ax, title=title, xlabel="People", grid="x")


@house_style
def plot_team_intervals(teams: pd.DataFrame, *, ax: Axes | None = None,
                        reference: float | None = None, counted: str = "any AI tool",
                        max_teams: int = MAX_TEAMS_SHOWN) -> Axes:
    """Each published team's penetration as a dot with its interval, sorted, by department.

    With more than ``max_teams`` published teams, only the lowest and the highest
    ``max_teams // 2`` are drawn (the title says of how many; the report's team table lists
    them all): a chart of 1,000 teams would be hundreds of inches tall and unreadable.

    Parameters
    ----------
    teams : pandas.DataFrame
        ``AdoptionReport.teams``: columns ``department, team, penetration,
        penetration_ci_low, penetration_ci_high``. Hidden teams (missing figures) are left out.
    ax : matplotlib.axes.Axes, optional
    reference : float, optional
        The organisation's penetration, drawn as a dashed line.
    counted : str, default "any AI tool"
        What "active" counts, for the title (``AdoptionReport.counted``).
    max_teams : int, default 40
        Most teams drawn; beyond it the lowest and highest half of that many.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_columns(teams, ["department", "team", "penetration", "penetration_ci_low",
                           "penetration_ci_high"], "plot_team_intervals")
    if max_teams < 2:
        raise ValueError(f"plot_team_intervals: max_teams must be at least 2, got {max_teams}")
    shown = teams[teams["penetration"].notna()].sort_values(["penetration", "team"])
    title = f"Share of each team active on {counted}, with 95% intervals"
    published = len(shown)
    if published > max_teams:
        half = max_teams // 2
        shown = pd.concat([shown.head(half), shown.tail(half)])
        title += f"\nthe {half} lowest and the {half} highest of {published:,} teams"
    ax = new_axes(ax, (9, max(3.0, 0.27 * len(shown) + 1.4)))
    if shown.empty:
        return nothing_to_show(ax, title)
    y = np.arange(len(shown))
    depts = sorted(shown["department"].astype(str).unique())
    colour = {d: PALETTE[i % len(PALETTE)] for i, d in enumerate(depts)}
    c = shown["department"].astype(str).map(colour).to_numpy()
    ax.hlines(y, shown["penetration_ci_low"].astype(float),
              shown["penetration_ci_high"].astype(float), colors=c, linewidth=2, alpha=0.6)
    sns.scatterplot(x=shown["penetration"].astype(float).to_numpy(), y=y,
                    hue=shown["department"].astype(str).to_numpy(), palette=colour, s=28,
                    linewidth=0, zorder=3, legend=False, ax=ax)
    duplicated = shown["team"].duplicated(keep=False)
    labels = np.where(duplicated, shown["team"] + " (" + shown["department"] + ")",
                      shown["team"])
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.7, len(shown) - 0.3)
    if published > len(shown):  # where the teams left out would be
        ax.axhline(len(shown) / 2 - 0.5, color=MUTED, linestyle=":", linewidth=1,
                   label=f"{published - len(shown):,} teams between, not drawn")
    if reference is not None and not pd.isna(reference):
        ax.axvline(float(reference), color=INK, linestyle="--", linewidth=1,
                   label="Whole organisation")
    for d in depts:
        ax.scatter([], [], color=colour[d], label=d)
    legend_outside(ax, title="Department")
    ax.set_xlim(0, min(1.0, max(0.1, float(shown["penetration_ci_high"].max()) * 1.08)))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    return style_axes(ax, title=title, xlabel="Share of the team's people who were active",
                      grid="x")


@house_style
def plot_segment_trend(segments: pd.DataFrame) -> Axes:
    """The organisation's usage segments per month, stacked, one panel per tool and source.

    Parameters
    ----------
    segments : pandas.DataFrame
        ``DynamicsSection.segments``: organisation rows (``level == "organisation"``) with
        ``tool, source, period, period_start, warm_up, segment, share``. Warm-up months are
        shaded; hidden months (missing shares) are left empty.

    Returns
    -------
    matplotlib.axes.Axes
        The first panel.
    """
    _check_columns(segments, ["level", "tool", "source", "period", "period_start", "warm_up",
                              "segment", "share"], "plot_segment_trend")
    org = segments[segments["level"] == "organisation"]
    panels = list(org.groupby(["tool", "source"], sort=True)) if len(org) else []
    fig, axes = plt.subplots(max(1, len(panels)), 1, figsize=(9, 2.3 * max(1, len(panels))),
                             dpi=DPI, layout="constrained", facecolor="white", squeeze=False)
    title = "Usage segments per month, whole organisation"
    if not panels:
        return nothing_to_show(axes[0, 0], title)
    labels = list(dict.fromkeys(org["segment"]))
    colours = dict(zip(labels, [PALETTE[5], PALETTE[0], PALETTE[4], PALETTE[1], PALETTE[7],
                                "#dddddd"], strict=False))
    for ax, ((tool, source), rows) in zip(axes[:, 0], panels, strict=True):
        months = rows.drop_duplicates("period_start").sort_values("period_start")
        # every month keeps its place, a hidden one (all shares missing) as an empty bar
        wide = rows.pivot_table(index="period_start", columns="segment", values="share",
                                aggfunc="first").reindex(index=months["period_start"],
                                                         columns=labels)
        x = np.arange(len(wide))
        bottom = np.zeros(len(wide))
        for label in labels:
            values = wide[label].fillna(0).to_numpy(dtype=float)
            ax.bar(x, values, bottom=bottom, color=colours[label], width=0.8, label=label)
            bottom += values
        warm = rows.groupby("period_start")["warm_up"].any().reindex(wide.index)
        for i in np.flatnonzero(warm.to_numpy(dtype=bool)):
            ax.axvspan(i - 0.5, i + 0.5, color=INK, alpha=0.08, linewidth=0)
        period_axis(ax, [str(p) for p in months["period"]])
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        style_axes(ax, title=f"{tool} ({source})")
    legend_outside(axes[0, 0])
    fig.suptitle(title + " (shaded: warm-up months)", x=0.01, ha="left", fontsize=TITLE_SIZE,
                 fontweight="bold", color=INK)
    return axes[0, 0]
