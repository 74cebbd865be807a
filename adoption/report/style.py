"""The house style of every chart, in one place: seaborn's theme with our palette and sizes.

Every public ``plot_*`` of the package is wrapped in :func:`house_style` (a decorator that
draws under seaborn's theme as an :func:`matplotlib.rc_context`, so a user's own rcParams are
left as they were) and finishes its Axes with :func:`style_axes`; legends go to the right of
the data with :func:`legend_outside`, time axes get one label per period from
:func:`period_axis`, labelled scatters repel their labels with :func:`repel_labels`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from itertools import combinations
from typing import ParamSpec, TypeVar

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text

from adoption.periods import period_axis_label

__all__ = ["DPI", "INK", "MUTED", "PALETTE", "TITLE_SIZE", "house_rc", "house_style", "legend_outside",
           "new_axes", "nothing_to_show", "period_axis", "repel_labels", "style_axes"]

#: Okabe & Ito (2008) colours, distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#999999")
INK = "#222222"
MUTED = "#6b6b6b"
FRAME = "#bbbbbb"
GRID = "#e5e5e5"
DPI = 100
#: Font sizes (points): titles, axis labels, tick labels, legends.
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, LEGEND_SIZE = 12, 10, 9, 9

_STYLE = {"axes.facecolor": "white", "figure.facecolor": "white", "axes.edgecolor": FRAME,
          "axes.labelcolor": MUTED, "text.color": INK, "xtick.color": INK, "ytick.color": INK,
          "grid.color": GRID, "axes.spines.top": False, "axes.spines.right": False}
_CONTEXT = {"font.size": LABEL_SIZE, "axes.titlesize": TITLE_SIZE, "axes.labelsize": LABEL_SIZE,
            "xtick.labelsize": TICK_SIZE, "ytick.labelsize": TICK_SIZE,
            "legend.fontsize": LEGEND_SIZE, "legend.title_fontsize": LEGEND_SIZE}

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def house_rc() -> dict:
    """The rcParams of seaborn's ``white`` theme with our palette, font sizes and frame.

    What :func:`seaborn.set_theme` would set globally, computed once and applied only while a
    chart is drawn (:func:`house_style`).
    """
    import seaborn as sns
    from cycler import cycler

    rc = dict(sns.axes_style("white", rc=_STYLE))
    rc.update(sns.plotting_context("notebook", rc=_CONTEXT))
    rc["axes.prop_cycle"] = cycler(color=sns.color_palette(PALETTE))
    rc["figure.dpi"] = DPI
    return rc


def house_style(plot: Callable[P, R]) -> Callable[P, R]:
    """Draw ``plot`` under the house theme (:func:`house_rc`); the decorator of every
    ``plot_*``."""

    @functools.wraps(plot)
    def styled(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(house_rc()):
            return plot(*args, **kwargs)

    return styled


def new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """``ax`` itself, or the Axes of a new white figure of ``size`` inches."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=size, dpi=DPI, layout="constrained", facecolor="white")
    return ax


def style_axes(ax: Axes, *, title: str, xlabel: str = "", ylabel: str = "",
               grid: str | None = "y") -> Axes:
    """The one house look on ``ax``, also when the caller made it outside the theme: title
    left and bold, muted axis labels, a light grid on the value axis only, no top or right
    frame, white background."""
    ax.set_title(title, loc="left", fontsize=TITLE_SIZE, fontweight="bold", color=INK, pad=10)
    ax.set_xlabel(xlabel, fontsize=LABEL_SIZE, color=MUTED)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE, color=MUTED)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(FRAME)
    ax.set_facecolor("white")
    ax.tick_params(colors=INK, labelsize=TICK_SIZE)
    ax.grid(False)
    if grid:
        ax.grid(True, axis=grid, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def nothing_to_show(ax: Axes, title: str,
                    text: str = "No figures to show: hidden to protect privacy or no data."
                    ) -> Axes:
    """``ax`` saying there is nothing to draw, in the house look."""
    ax.text(0.5, 0.5, text, ha="center", va="center", color=MUTED, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return style_axes(ax, title=title, grid=None)


def legend_outside(ax: Axes, *, title: str | None = None, **options) -> None:
    """The Axes' legend to the right of the data area (seaborn's own legend moved there)."""
    place = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "frameon": False,
             "borderaxespad": 0.0, "fontsize": LEGEND_SIZE, "title_fontsize": LEGEND_SIZE,
             "alignment": "left"}
    if ax.get_legend() is not None and not options:
        import seaborn as sns

        sns.move_legend(ax, title=title, **place)
        return
    ax.legend(title=title, **place, **options)


def period_axis(ax: Axes, periods: Sequence[object], *, axis: str = "x") -> list[int]:
    """One tick per period at 0, 1, ... labelled in the one style of every time axis
    (:func:`adoption.periods.period_axis_label`); slanted when they would not fit.

    Parameters
    ----------
    periods : sequence of str or Period
        Oldest first.

    Returns
    -------
    list of int
        The positions, to draw at.
    """
    positions = list(range(len(periods)))
    labels = [period_axis_label(p) for p in periods]
    if axis == "x":
        ax.set_xticks(positions, labels)
        if len(periods) > 8:
            ax.tick_params(axis="x", labelrotation=45)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
    else:
        ax.set_yticks(positions, labels)
    return positions


def repel_labels(ax: Axes, texts: list[Text], x: Sequence[float], y: Sequence[float], *,
                 avoid: Sequence[Text] = ()) -> None:
    """Move scatter labels apart, off their points and off ``avoid`` (adjustText), then push
    apart any two that still overlap, and draw a thin leader line from a moved label to its
    point.

    Call it last, once the figure's layout is final (``fig.draw_without_rendering()``).
    """
    if not texts:
        return
    from adjustText import adjust_text

    xs, ys = list(x), list(y)
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    for text in avoid:  # as points spread over the text (adjustText's objects misplace them)
        box = text.get_window_extent(renderer)
        grid = np.array([(gx, gy) for gx in np.linspace(box.x0, box.x1, 8)
                         for gy in np.linspace(box.y0, box.y1, 3)])
        for px, py in to_data.transform(grid):
            xs.append(px)
            ys.append(py)
    adjust_text(texts, x=xs, y=ys, ax=ax, expand=(1.1, 1.3), time_lim=0.5)
    _separate(ax, texts, renderer)
    points = ax.transData.transform(np.column_stack([list(x), list(y)]))
    for text, point, (px, py) in zip(texts, points, zip(x, y, strict=True), strict=True):
        box = text.get_window_extent(renderer)
        gap = max(box.x0 - point[0], point[0] - box.x1, box.y0 - point[1], point[1] - box.y1)
        if gap > 4:  # pixels: the label is away from its dot
            ax.add_patch(FancyArrowPatch(posA=text.get_position(), posB=(px, py), patchA=text,
                                         arrowstyle="-", color=MUTED, linewidth=0.5,
                                         shrinkA=1, shrinkB=3, transform=ax.transData))


def _separate(ax: Axes, texts: list[Text], renderer, *, rounds: int = 300) -> None:
    """Push overlapping labels apart vertically, half the overlap each, until none overlaps."""
    to_data = ax.transData.inverted()
    for _ in range(rounds):
        boxes = [t.get_window_extent(renderer) for t in texts]
        moves = np.zeros(len(texts))
        for i, j in combinations(range(len(texts)), 2):
            a, b = boxes[i], boxes[j]
            if a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0:
                continue
            up = min(a.y1 - b.y0, b.y1 - a.y0) / 2 + 0.6  # pixels to move each
            lower, upper = (i, j) if a.y0 + a.y1 < b.y0 + b.y1 else (j, i)
            moves[lower] -= up
            moves[upper] += up
        if not moves.any():
            return
        for text, move in zip(texts, moves, strict=True):
            if move:
                cx, cy = ax.transData.transform(text.get_position())
                text.set_position(to_data.transform((cx, cy + move)))
