"""Charts of the sentiment report: the ADKAR stage profile and the adoption-sentiment quadrant.

Each ``plot_*`` function draws on the given matplotlib Axes (or a new figure) and returns it;
only the organisation's figures and published teams are drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from adoption.report.style import (
    INK,
    MUTED,
    PALETTE,
    house_style,
    new_axes,
    nothing_to_show,
    repel_labels,
    style_axes,
)
from adoption.surveys.activity import QUADRANTS
from adoption.surveys.change import ADKAR_STAGES
from adoption.surveys.report_tables import _nice, _org

if TYPE_CHECKING:
    from adoption.surveys.report import SentimentReport

__all__ = [
    "plot_sentiment_quadrant",
    "plot_stage_profile",
]


# ----------------------------------------------------------------- figures


@house_style
def plot_stage_profile(report: SentimentReport, *, ax: Axes | None = None) -> Axes:
    """Organisation's favourable share per ADKAR stage with intervals and the threshold."""
    ax = new_axes(ax, (7, 3.2))
    title = "Favourable share by ADKAR stage (organisation)"
    o = _org(report.summary)
    o = o[o["stage"].isin(ADKAR_STAGES)].set_index("stage").reindex(ADKAR_STAGES).dropna(
        subset=["favourable_share"])
    if o.empty:
        return nothing_to_show(ax, title, "No ADKAR stages measured.")
    x = np.arange(len(o))
    est = o["favourable_share"].astype(float).to_numpy()
    err = np.vstack([est - o["favourable_ci_low"].astype(float),
                     o["favourable_ci_high"].astype(float) - est])
    sns.barplot(x=x, y=est, color=PALETTE[0], alpha=0.85, saturation=1, native_scale=True,
                errorbar=None, ax=ax)
    ax.errorbar(x, est, yerr=err, fmt="none", ecolor=INK, capsize=4)
    ax.axhline(report.threshold, color=PALETTE[5], linestyle="--", linewidth=1)
    ax.set_xticks(x, [_nice(s) for s in o.index])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return style_axes(ax, title=title)


#: Where each quadrant's name goes: (adoption above the organisation's, sentiment above) ->
#: the corner of the axes, in axes coordinates.
_CORNERS = {(True, True): (0.99, 0.98, "right", "top"),
            (False, True): (0.01, 0.98, "left", "top"),
            (True, False): (0.99, 0.02, "right", "bottom"),
            (False, False): (0.01, 0.02, "left", "bottom")}


@house_style
def plot_sentiment_quadrant(quadrant: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Shown teams: penetration (x) against sentiment (y), with the organisation's lines.

    Each quadrant is named in its corner (:data:`adoption.surveys.activity.QUADRANTS`); team
    names are moved apart so that none overlaps another (adjustText).

    Parameters
    ----------
    quadrant : pandas.DataFrame
        ``SentimentReport.quadrant``: ``team, penetration, penetration_ci_low,
        penetration_ci_high, sentiment, sentiment_ci_low, sentiment_ci_high,
        organisation_penetration, organisation_sentiment, suppressed``; hidden teams are left
        out.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (8, 5.5))
    title = "Adoption against sentiment by team"
    q = quadrant[~quadrant["suppressed"].astype(bool)] if len(quadrant) else quadrant
    if q.empty:
        return nothing_to_show(ax, title,
                               "No teams to show (no activity data or hidden for privacy).")
    x, y = q["penetration"].astype(float), q["sentiment"].astype(float)
    ax.errorbar(x, y, xerr=[x - q["penetration_ci_low"].astype(float),
                            q["penetration_ci_high"].astype(float) - x],
                yerr=[y - q["sentiment_ci_low"].astype(float),
                      q["sentiment_ci_high"].astype(float) - y],
                fmt="none", ecolor="#9ecae1", elinewidth=1, capsize=0)
    sns.scatterplot(x=x.to_numpy(), y=y.to_numpy(), color=PALETTE[0], s=30, linewidth=0,
                    zorder=3, legend=False, ax=ax)
    ax.axvline(float(q["organisation_penetration"].iloc[0]), color=PALETTE[7], linestyle="--")
    ax.axhline(float(q["organisation_sentiment"].iloc[0]), color=PALETTE[7], linestyle="--")
    # room in the corners for the quadrants' names, above and below the teams
    low, high = ax.get_ylim()
    ax.set_ylim(low - 0.12 * (high - low), high + 0.12 * (high - low))
    corners = [ax.text(cx, cy, QUADRANTS[key][0].upper() + QUADRANTS[key][1:], ha=ha, va=va,
                       transform=ax.transAxes, fontsize=9, fontstyle="italic", color=MUTED)
               for key, (cx, cy, ha, va) in _CORNERS.items()]
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    style_axes(ax, title=title, xlabel="Share of people who used AI in the month",
               ylabel="Mean sentiment score", grid=None)
    labels = [ax.text(xi, yi, str(name), fontsize=8, color=INK)
              for xi, yi, name in zip(x, y, q["team"], strict=True)]
    ax.figure.draw_without_rendering()  # the final layout, before labels are placed in it
    repel_labels(ax, labels, x, y, avoid=corners)
    return ax
