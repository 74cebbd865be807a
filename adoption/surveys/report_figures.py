"""Charts of the sentiment report: the ADKAR stage profile and the adoption-sentiment quadrant.

Each ``plot_*`` function draws on the given matplotlib Axes (or a new figure) and returns it;
only the organisation's figures and published teams are drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from adoption.surveys.change import ADKAR_STAGES
from adoption.surveys.report_tables import _nice, _org

if TYPE_CHECKING:
    from adoption.surveys.report import SentimentReport

__all__ = [
    "plot_sentiment_quadrant",
    "plot_stage_profile",
]


# ----------------------------------------------------------------- figures


def plot_stage_profile(report: SentimentReport, *, ax: Axes | None = None) -> Axes:
    """Organisation's favourable share per ADKAR stage with intervals and the threshold."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2), dpi=100, layout="constrained")
    o = _org(report.summary)
    o = o[o["stage"].isin(ADKAR_STAGES)].set_index("stage").reindex(ADKAR_STAGES).dropna(
        subset=["favourable_share"])
    if o.empty:
        ax.text(0.5, 0.5, "No ADKAR stages measured.", ha="center", transform=ax.transAxes)
        return ax
    x = np.arange(len(o))
    est = o["favourable_share"].astype(float).to_numpy()
    err = np.vstack([est - o["favourable_ci_low"].astype(float),
                     o["favourable_ci_high"].astype(float) - est])
    ax.bar(x, est, color="#0072B2", alpha=0.85)
    ax.errorbar(x, est, yerr=err, fmt="none", ecolor="#222222", capsize=4)
    ax.axhline(report.threshold, color="#D55E00", linestyle="--", linewidth=1)
    ax.set_xticks(x, [_nice(s) for s in o.index])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Favourable share by ADKAR stage (organisation)", loc="left", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def plot_sentiment_quadrant(quadrant: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Shown teams: penetration (x) against sentiment (y), with the organisation's lines."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5), dpi=100, layout="constrained")
    q = quadrant[~quadrant["suppressed"].astype(bool)] if len(quadrant) else quadrant
    if q.empty:
        ax.text(0.5, 0.5, "No teams to show (no activity data or hidden for privacy).",
                ha="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return ax
    x, y = q["penetration"].astype(float), q["sentiment"].astype(float)
    ax.errorbar(x, y, xerr=[x - q["penetration_ci_low"].astype(float),
                            q["penetration_ci_high"].astype(float) - x],
                yerr=[y - q["sentiment_ci_low"].astype(float),
                      q["sentiment_ci_high"].astype(float) - y],
                fmt="o", color="#0072B2", ecolor="#9ecae1", elinewidth=1, capsize=0)
    for xi, yi, name in zip(x, y, q["team"], strict=True):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.axvline(float(q["organisation_penetration"].iloc[0]), color="#999999", linestyle="--")
    ax.axhline(float(q["organisation_sentiment"].iloc[0]), color="#999999", linestyle="--")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Share of people who used AI in the month")
    ax.set_ylabel("Mean sentiment score")
    ax.set_title("Adoption against sentiment by team", loc="left", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
