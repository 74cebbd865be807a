"""Every chart of the package in the house style (adoption.report.style): seaborn's theme with
our sizes and frame, legends outside the data, one label per period on time axes, scatter
labels that do not overlap."""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import adoption  # noqa: E402
from adoption.governance.display import (  # noqa: E402
    plot_shadow_by_team,
    plot_spend,
    plot_utilisation,
)
from adoption.periods import period_axis_label  # noqa: E402
from adoption.portfolio import plot_event_studies  # noqa: E402
from adoption.report import style  # noqa: E402
from adoption.report.figures import (  # noqa: E402
    plot_funnel,
    plot_segment_trend,
    plot_team_intervals,
    plot_trend,
)
from adoption.surveys.report_figures import (  # noqa: E402
    plot_sentiment_quadrant,
    plot_stage_profile,
)
from adoption.vendors.report import plot_source_trend  # noqa: E402

MONTHS = [f"2026-{m:02d}" for m in range(1, 9)]  # eight periods: every trend must show them


def _trend() -> pd.DataFrame:
    rows = []
    for i, month in enumerate(MONTHS):
        for level, group in (("organisation", "Org"), ("department", "Sales"),
                             ("department", "Engineering")):
            p = 0.1 + 0.05 * i
            rows.append({"level": level, "group": group, "period": month,
                         "period_start": pd.Timestamp(f"{month}-01"), "penetration": p,
                         "penetration_ci_low": p - 0.03, "penetration_ci_high": p + 0.03})
    return pd.DataFrame(rows)


def _teams() -> pd.DataFrame:
    return pd.DataFrame({"department": ["Sales", "Sales", "Engineering"],
                         "team": ["EMEA", "APAC", "Platform"], "penetration": [0.3, 0.5, 0.7],
                         "penetration_ci_low": [0.2, 0.4, 0.6],
                         "penetration_ci_high": [0.4, 0.6, 0.8]})


def _funnel() -> pd.DataFrame:
    return pd.DataFrame({"label": ["Employed", "Have a seat", "Active"],
                         "count": [100, 80, 50], "share": [1.0, 0.8, 0.5],
                         "share_ci_low": [1.0, 0.7, 0.4], "share_ci_high": [1.0, 0.9, 0.6]})


def _spend() -> pd.DataFrame:
    return pd.DataFrame({"period": MONTHS, "spend": np.linspace(500, 900, 8),
                         "reclaimable_monthly_spend": np.linspace(10, 80, 8)})


def _tools() -> pd.DataFrame:
    return pd.DataFrame({"tool": ["Copilot", "ChatGPT"], "seats": [40, 25],
                         "utilisation": [0.6, 0.8], "utilisation_ci_low": [0.45, 0.6],
                         "utilisation_ci_high": [0.75, 0.9]})


def _shadow() -> pd.DataFrame:
    return pd.DataFrame({"team": ["EMEA", "Platform"], "share": [0.1, 0.2],
                         "ci_low": [0.05, 0.1], "ci_high": [0.2, 0.3], "has_data": True})


def _segments() -> pd.DataFrame:
    rows = []
    for i, month in enumerate(MONTHS):
        for segment, share in (("Habitual user", 0.4), ("Non-user", 0.6)):
            rows.append({"level": "organisation", "tool": "Copilot", "source": "usage",
                         "period": month, "period_start": pd.Timestamp(f"{month}-01"),
                         "warm_up": i < 2, "segment": segment, "share": share})
    return pd.DataFrame(rows)


def _sources() -> SimpleNamespace:
    rows = [{"period": m, "period_start": pd.Timestamp(f"{m}-01"), "suppressed": False,
             "source_label": label, "tool": tool, "estimate": 0.2 + 0.02 * i,
             "ci_low": 0.15 + 0.02 * i, "ci_high": 0.25 + 0.02 * i}
            for i, m in enumerate(MONTHS)
            for label, tool in (("Usage events", "Copilot"), ("Vendor export", "ChatGPT"))]
    return SimpleNamespace(trend=pd.DataFrame(rows))


def _stages() -> SimpleNamespace:
    summary = pd.DataFrame({"level": "organisation", "stage": ["awareness", "desire", "ability"],
                            "suppressed": False, "favourable_share": [0.7, 0.5, 0.4],
                            "favourable_ci_low": [0.6, 0.4, 0.3],
                            "favourable_ci_high": [0.8, 0.6, 0.5]})
    return SimpleNamespace(summary=summary, threshold=0.6)


def _quadrant(n: int = 3, *, spread: float = 0.2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pen = 0.5 + rng.normal(0, spread, n).clip(-0.45, 0.45)
    sent = 3.5 + rng.normal(0, spread, n)
    return pd.DataFrame({"team": [f"Team {i:02d} platform" for i in range(n)],
                         "penetration": pen, "penetration_ci_low": pen - 0.05,
                         "penetration_ci_high": pen + 0.05, "sentiment": sent,
                         "sentiment_ci_low": sent - 0.1, "sentiment_ci_high": sent + 0.1,
                         "organisation_penetration": 0.5, "organisation_sentiment": 3.5,
                         "suppressed": False})


def _portfolio() -> SimpleNamespace:
    es = pd.DataFrame({"rel_time": range(-4, 4), "estimate": [0.1, -0.1, 0.2, 0.0, -2, -2.5,
                                                               -3, -3.2]})
    es = es.assign(ci_low=es["estimate"] - 0.5, ci_high=es["estimate"] + 0.5)
    key = ("Ticket triage", "resolution_hours")
    impact = SimpleNamespace(result=SimpleNamespace(event_study=es),
                             verdict="evidence of improvement")
    return SimpleNamespace(impacts={key: impact}, panels={key: SimpleNamespace(unit="hours")},
                           period_kind="month")


#: every public plot_* of the package, drawn on a small frame of its kind
CHARTS = {
    plot_trend: lambda: plot_trend(_trend()),
    plot_team_intervals: lambda: plot_team_intervals(_teams(), reference=0.5),
    plot_funnel: lambda: plot_funnel(_funnel()),
    plot_segment_trend: lambda: plot_segment_trend(_segments()),
    plot_spend: lambda: plot_spend(_spend(), currency="EUR"),
    plot_utilisation: lambda: plot_utilisation(_tools()),
    plot_shadow_by_team: lambda: plot_shadow_by_team(_shadow()),
    plot_source_trend: lambda: plot_source_trend(_sources()),
    plot_stage_profile: lambda: plot_stage_profile(_stages()),
    plot_sentiment_quadrant: lambda: plot_sentiment_quadrant(_quadrant()),
    plot_event_studies: lambda: plot_event_studies(_portfolio()),
}


def _public_plot_functions() -> set[str]:
    names = set()
    for info in pkgutil.walk_packages(adoption.__path__, "adoption."):
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            if name.startswith("plot_") and callable(getattr(module, name)):
                names.add(f"{getattr(module, name).__module__}.{name}")
    return names


def test_every_public_chart_of_the_package_is_tested_here():
    covered = {f"{f.__module__}.{f.__name__}" for f in CHARTS}
    assert _public_plot_functions() == covered


def _interior_overlap(a, b) -> bool:
    """True when boxes ``a`` and ``b`` share more than their edges (one pixel's tolerance)."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > 1) and (min(a.y1, b.y1) - max(a.y0, b.y0) > 1)


@pytest.mark.parametrize("plot", list(CHARTS), ids=lambda f: f.__name__)
def test_every_chart_has_the_house_look_and_its_legend_outside_the_data(plot):
    with plt.rc_context({"axes.spines.top": True, "font.size": 20, "axes.facecolor": "grey"}):
        ax = CHARTS[plot]()  # the user's own settings do not leak into the chart
    fig = ax.figure
    fig.canvas.draw()
    assert ax.get_title(loc="left"), "every chart has a title, on the left"
    title_text = ax._left_title  # matplotlib has no public accessor of the left title's Text
    # sizes and colours from adoption.report.style: title 12 pt bold, ticks 9 pt
    assert title_text.get_fontsize() == style.TITLE_SIZE
    assert title_text.get_fontweight() == "bold"
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert mpl.colors.to_hex(ax.get_facecolor()) == "#ffffff"
    assert mpl.colors.to_hex(fig.get_facecolor()) == "#ffffff"
    labels = [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    assert all(t.get_fontsize() == style.TICK_SIZE for t in labels)
    for a in fig.axes:
        legend = a.get_legend()
        if legend is not None:
            assert not _interior_overlap(legend.get_window_extent(), a.bbox), plot.__name__
    plt.close(fig)


def test_a_chart_drawn_on_the_callers_axes_takes_the_house_look():
    _, ax = plt.subplots()  # made under matplotlib's defaults: top and right frame, 10 pt
    plot_trend(_trend(), ax=ax)
    assert not ax.spines["top"].get_visible()
    assert all(t.get_fontsize() == style.TICK_SIZE for t in ax.get_yticklabels())
    plt.close("all")


def test_the_theme_is_applied_to_the_chart_only():
    before = dict(plt.rcParams)
    plt.close(plot_funnel(_funnel()).figure)
    assert dict(plt.rcParams) == before


@pytest.mark.parametrize("plot", [plot_trend, plot_spend, plot_source_trend,
                                  plot_segment_trend], ids=lambda f: f.__name__)
def test_trend_charts_show_every_one_of_eight_periods_in_one_date_format(plot):
    ax = CHARTS[plot]()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    # MONTHS: January to August 2026, in period_axis_label's short form
    assert ticks == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026",
                     "Jul 2026", "Aug 2026"]
    assert ticks == [period_axis_label(m) for m in MONTHS]
    plt.close("all")


def test_period_axis_label_of_weeks_and_quarters():
    assert period_axis_label("2026-01-05") == "5 Jan 2026"  # a week: its first day
    assert period_axis_label("2026-Q3") == "Q3 2026"


@pytest.mark.parametrize("n", [20, 40])
def test_quadrant_labels_of_crowded_teams_do_not_overlap(n):
    # teams within a few points of each other: left where they are, 20 labels overlap 18
    # times; adjustText alone leaves 19 overlaps among 40 (the demo has 35 teams), the final
    # push apart none
    q = _quadrant(n, spread=0.03, seed=1)
    ax = plot_sentiment_quadrant(q)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    teams = [t for t in ax.texts if t.get_text() in set(q["team"])]
    assert len(teams) == n
    boxes = [t.get_window_extent(renderer) for t in teams]
    clashes = [(teams[i].get_text(), teams[j].get_text()) for i in range(n)
               for j in range(i) if _interior_overlap(boxes[i], boxes[j])]
    assert clashes == []
    inside = ax.bbox
    assert all(b.x0 >= inside.x0 - 1 and b.x1 <= inside.x1 + 1 for b in boxes)
    plt.close("all")


def test_quadrant_names_its_four_corners():
    ax = plot_sentiment_quadrant(_quadrant())
    texts = {t.get_text() for t in ax.texts}
    # adoption.surveys.activity.QUADRANTS, capitalised
    assert {"Using it and positive", "Using it, not convinced", "Positive, not yet using",
            "Neither using nor positive"} <= texts
    plt.close("all")


def _many_teams(n: int) -> pd.DataFrame:
    """``n`` teams in 40 departments, as the 100,000-people bench workspace has (1,000)."""
    share = np.linspace(0.05, 0.95, n)
    return pd.DataFrame({"department": [f"Department {i % 40}" for i in range(n)],
                         "team": [f"Team {i}" for i in range(n)], "penetration": share,
                         "penetration_ci_low": share - 0.04, "penetration_ci_high": share + 0.04})


def test_the_team_chart_of_a_thousand_teams_draws_the_lowest_and_highest_on_one_page():
    import warnings

    with warnings.catch_warnings():
        # matplotlib warns when the layout collapses: the 1,000-team chart was 271 inches tall
        warnings.simplefilter("error")
        ax = plot_team_intervals(_many_teams(1_000), reference=0.5)
        ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # the 20 lowest (Team 0 .. Team 19) and the 20 highest (Team 980 .. Team 999), sorted
    assert labels == [f"Team {i}" for i in [*range(20), *range(980, 1000)]]
    assert "the 20 lowest and the 20 highest of 1,000 teams" in ax.get_title(loc="left")
    assert ax.figure.get_figheight() <= 15  # 0.27 in a team + 1.4 in: 12.2 in for 40
    legend = ax.get_legend().get_texts()
    assert "960 teams between, not drawn" in [t.get_text() for t in legend]
    plt.close(ax.figure)


def test_the_team_chart_draws_every_team_up_to_its_limit():
    ax = plot_team_intervals(_many_teams(40), max_teams=40)
    assert len(ax.get_yticklabels()) == 40
    assert "lowest" not in ax.get_title(loc="left")
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="max_teams must be at least 2, got 1"):
        plot_team_intervals(_many_teams(3), max_teams=1)
