"""Words, tables and charts of the portfolio section (see :mod:`adoption.portfolio.build`).

``describe_*`` return Markdown (every user value escaped), ``format_*`` a pandas Styler with
the report's one table look, ``plot_*`` the matplotlib Figure they drew. Teams are named only
when they are large enough to publish, with their published labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from pandas.io.formats.style import Styler

from adoption.report.escape import escape_markdown
from adoption.report.style import (
    DPI,
    INK,
    MUTED,
    PALETTE,
    house_style,
    nothing_to_show,
    style_axes,
)
from adoption.report.tables import DASH, MINUS, _style, format_count, format_share

if TYPE_CHECKING:
    from adoption.portfolio.build import PortfolioSection

__all__ = [
    "describe_event_studies",
    "describe_portfolio",
    "describe_portfolio_methods",
    "format_comparison_table",
    "format_impact_table",
    "format_portfolio_table",
    "format_signed",
    "plot_event_studies",
]


def format_signed(value: object, digits: int = 1) -> str:
    """``-3.14`` -> ``"−3.1"`` (a real minus sign), ``2`` -> ``"+2.0"``; missing -> ``"–"``."""
    if value is None or pd.isna(value):
        return DASH
    text = f"{abs(float(value)):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    return f"+{text}" if float(value) > 0 else f"{MINUS}{text}"


def _change(r, digits: int = 1) -> str:
    if r.estimate is None or pd.isna(r.estimate):
        return DASH
    unit = f" {r.unit}" if isinstance(r.unit, str) and r.unit else ""
    return (f"{format_signed(r.estimate, digits)}{unit} ({format_signed(r.ci_low, digits)} to "
            f"{format_signed(r.ci_high, digits)})")


def _money(amount: object, currency: str) -> str:
    return DASH if amount is None or pd.isna(amount) else f"{currency} {float(amount):,.0f}"


def _number(value: object) -> str:
    return DASH if value is None or pd.isna(value) else f"{float(value):,.1f}"


def _teams(section: PortfolioSection, teams) -> str:
    names = [section.team_labels.get(t, t) for t in teams]
    return ", ".join(names) if names else "none"


def describe_portfolio(section: PortfolioSection) -> str:
    """The portfolio in a few sentences: each use case's status and why."""
    if section.register_note:
        return escape_markdown(section.register_note).replace("\\`", "`")
    if section.table.empty:
        return "No use case has a KPI to follow yet."
    counts = section.table["status"].value_counts()
    lead = (f"{len(section.table['use_case'].unique())} use case(s), "
            f"{len(section.table)} KPI(s) followed in {section.period_title}: "
            + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("on track", "at risk",
                                                              "no evidence yet")) + ".")
    lines = [lead, ""]
    for r in section.table.itertuples(index=False):
        what = f"**{escape_markdown(r.use_case)}** ({escape_markdown(r.kpi)}): {r.status}."
        if r.verdict == "cannot tell: pre-trends differ":
            what += (" Its teams were already moving apart from the comparison teams before the "
                     "rollout, so the change since cannot be credited to the tools.")
        elif r.estimate is not None and not pd.isna(r.estimate):
            what += (f" Change per team and {section.period_kind} against the comparison "
                     f"teams: {_change(r)}, {r.verdict}.")
        else:
            what += f" {escape_markdown(r.reason)}"
        lines.append(f"- {what}")
    lines.append("")
    lines.append("A change is the difference the rollout made compared with teams that had "
                 "not (yet) started, with its interval; \"no evidence yet\" means the data "
                 "cannot tell, not that the tools do nothing.")
    return "\n".join(lines)


def describe_event_studies(section: PortfolioSection) -> str:
    """The caption of :func:`plot_event_studies`."""
    if not any(i.result is not None and i.result.event_study is not None
               for i in section.impacts.values()):
        return "No use case has enough KPI history around its rollout to show yet."
    return (f"Each chart shows, {section.period_kind} by {section.period_kind}, how far the "
            "started teams' KPI lies from the comparison teams', relative to the "
            f"{section.period_kind} before the rollout, with the range we are "
            f"{section.confidence:.0%} sure of. Before the rollout (grey, left of the dashed "
            "line) the points should hover around zero; a steady slope there means the teams "
            "were already moving apart, and the change after it cannot be credited to the "
            "tools.")


def format_portfolio_table(section: PortfolioSection) -> Styler:
    """Per use case and KPI: owners, status, adoption in its teams, KPI, change, verdict,
    spend and value."""
    cur = section.currency
    rows = []
    for r in section.table.itertuples(index=False):
        adoption = (DASH if pd.isna(r.adoption) else
                    f"{format_share(r.adoption, r.adoption_ci_low, r.adoption_ci_high)} of "
                    f"{format_count(r.adoption_n)}")
        kpi = f"{r.kpi}: {_number(r.latest)} now"
        if r.target is not None and not pd.isna(r.target):
            kpi += f", target {_number(r.target)}"
            if r.target_date is not None and not pd.isna(r.target_date):
                kpi += f" by {pd.Timestamp(r.target_date):%Y-%m-%d}"
        status = r.status + (f" (missing: {r.missing})" if r.missing else "")
        rows.append([r.use_case, f"{r.business_owner} / {r.it_owner}", status,
                     f"{r.teams_started} of {r.teams_in_scope}", adoption, kpi, _change(r),
                     r.verdict, _money(r.spend, cur), r.value])
    out = pd.DataFrame(rows, columns=[
        "Use case", "Owners (business / IT)", "Status", "Teams started", "Using its tools",
        "KPI", "Change", "Verdict", "Spend this month", "Value"])
    styler = _style(out, name="portfolio", caption=(
        f"{section.period_title}. Using its tools: share of the use case's people active on "
        f"its tools, with its {section.confidence:.0%} interval and n; change: per team and "
        f"{section.period_kind}, against comparison teams, with its interval; spend: seats and "
        "usage of its tools in its started teams (teams hidden by the privacy threshold left "
        "out)."))
    return styler.set_table_styles([{
        "selector": "td.col2, td.col9",
        "props": "white-space: normal; min-width: 220px; max-width: 420px;"}], overwrite=False)


def _p(value: object) -> str:
    if value is None or pd.isna(value):
        return DASH
    return "p < 0.001" if float(value) < 0.001 else f"p = {float(value):.3f}"


def _parallel(impact) -> str:
    r = impact.result
    if r is None or r.pretrend_p is None or pd.isna(r.pretrend_p):
        return DASH
    if impact.verdict == "cannot tell: pre-trends differ":
        return "no: already moving apart"
    return "yes, as far as the data can tell"


def _dose(impact, unit: str) -> str:
    d = impact.dose
    if d is None:
        return DASH
    return (f"{format_signed(d.estimate / 10, 2)} {unit} per 10 pts more use "
            f"({format_signed(d.ci_low / 10, 2)} to {format_signed(d.ci_high / 10, 2)}), "
            f"{d.n} teams: an association, not an effect")


def format_comparison_table(section: PortfolioSection) -> Styler:
    """Who each change is measured against: the started and comparison teams (named when large
    enough to show), whether they moved in parallel before the rollout, and how the change
    goes with the share using the tools (an association)."""
    rows = []
    for (use_case, kpi), impact in section.impacts.items():
        panel = section.panels[(use_case, kpi)]
        left_out = len(panel.excluded)
        rows.append([use_case, kpi, _teams(section, panel.treated_teams),
                     _teams(section, panel.comparison_teams)
                     + (f" ({left_out} more left out: too small to show, or not in the roster)"
                        if left_out else ""),
                     _parallel(impact), _dose(impact, panel.unit)])
    out = pd.DataFrame(rows, columns=["Use case", "KPI", "Started teams", "Comparison teams",
                                      "Moved in parallel before?", "With more use"])
    styler = _style(out, name="portfolio-teams", caption=(
        "Each change is measured against teams that report the same KPI without the use case "
        "(or had not started yet). If the started teams were already moving apart from them "
        "before the rollout, no change is credited to the tools. *With more use*: how the "
        "change goes with the share of a team using the tools; teams that use more may differ "
        "in other ways, so it is not an effect."))
    return styler.set_table_styles([{
        "selector": "td.col2, td.col3, td.col5",
        "props": "white-space: normal; min-width: 220px; max-width: 420px;"}], overwrite=False)


def describe_portfolio_methods(section: PortfolioSection) -> str:
    """The outcome methods, for "How to read this report" (named there, not in the body)."""
    conf = f"{section.confidence:.0%}"
    return "\n".join([
        "### Outcome changes and value",
        "",
        "- **Change against comparison teams.** Teams that start at different times: a "
        "staggered event study (Gardner's two-stage difference in differences, `did2s` in "
        "pyfixest), which stays right when the effect differs between teams and grows over "
        "time, unlike two-way fixed effects. Teams that start together: a difference in "
        "differences with errors clustered by team, and a wild cluster bootstrap (Webb "
        "weights) with under 30 teams. No comparison team: an interrupted time "
        f"series with Newey-West errors. Intervals are {conf}.",
        "- **Moved in parallel before?** A test for a linear trend of the started teams "
        "against the comparison teams before their rollouts, on the periods no team had "
        "started in yet (Borusyak, Jaravel and Spiess), with a t test on the team-clustered "
        "error and G - 1 degrees of freedom; p < 0.10 means *already moving apart*, and no "
        "change is credited. The chart shows each period before and after the rollout.",
        "- **With more use.** The slope of each started team's change (mean after its rollout "
        "minus mean before) against its share using the tools, least squares with "
        "heteroskedasticity-robust (HC3) errors: an association, not an effect.",
        f"- **Value.** Only where the change is an improvement: spend per team and "
        f"{section.period_kind} for each unit of change, with the interval carried over; with a "
        "`unit_value` in the register, the benefit against the spend (\"pays back\" only "
        "when the interval's low end exceeds it).",
        f"- **Privacy.** Teams under {section.min_group_size} people and teams not in the "
        "roster are left out of every estimate and never named.",
    ])


def format_impact_table(section: PortfolioSection) -> Styler:
    """How each change was estimated (for "How to read this report"): method, errors, the
    pre-trend test and the assumptions in plain words."""
    rows = []
    for (use_case, kpi), impact in section.impacts.items():
        r = impact.result
        rows.append([use_case, kpi, r.method if r is not None else DASH,
                     r.inference if r is not None else DASH,
                     _p(r.pretrend_p) if r is not None else DASH,
                     " ".join(r.assumptions) if r is not None else impact.reason])
    out = pd.DataFrame(rows, columns=["Use case", "KPI", "Method", "Errors",
                                      "Pre-trend test", "Assumptions"])
    styler = _style(out, name="portfolio-methods", caption=(
        "How each change was estimated, and what it assumes."))
    return styler.set_table_styles([{
        "selector": "td.col3, td.col5",
        "props": "white-space: normal; min-width: 240px; max-width: 420px;"}], overwrite=False)


@house_style
def plot_event_studies(section: PortfolioSection) -> Axes:
    """One panel per use case and KPI: the difference to comparison teams by periods since
    the rollout, with its interval; before the rollout (grey) it should sit at zero.

    Returns
    -------
    matplotlib.axes.Axes
        The first panel (every panel is in ``ax.figure.axes``).
    """
    keys = [k for k, imp in section.impacts.items()
            if imp.result is not None and imp.result.event_study is not None]
    ncols = max(1, min(2, len(keys)))
    nrows = max(1, int(np.ceil(len(keys) / ncols)))
    fig, grid = plt.subplots(nrows, ncols, squeeze=False, figsize=(5.4 * ncols, 3.6 * nrows),
                             dpi=DPI, layout="constrained", facecolor="white")
    axes = grid.ravel()
    if not keys:
        return nothing_to_show(axes[0], "Change around the rollout",
                               "No use case has an event study to show yet.")
    for ax, key in zip(axes, keys, strict=False):
        impact, panel = section.impacts[key], section.panels[key]
        es = impact.result.event_study.sort_values("rel_time")
        x = es["rel_time"].to_numpy(dtype=float)
        pre = x < 0
        colour = PALETTE[5] if impact.verdict == "cannot tell: pre-trends differ" else PALETTE[0]
        for mask, c in ((pre, MUTED), (~pre, colour)):
            ax.fill_between(x[mask], es["ci_low"][mask], es["ci_high"][mask], color=c,
                            alpha=0.18, linewidth=0)
            ax.plot(x[mask], es["estimate"][mask], "o-", color=c, markersize=3.5,
                    linewidth=1.2)
        ax.axhline(0, color=INK, linewidth=0.8)
        ax.axvline(-0.5, color=MUTED, linewidth=0.8, linestyle="--")
        style_axes(ax, title=f"{key[0]}\n{key[1]}: {impact.verdict}",
                   xlabel=f"{section.period_kind}s since the rollout",
                   ylabel=f"difference ({panel.unit})" if panel.unit else "difference")
        ax._left_title.set_parse_math(False)  # a "$" in a name is text, not math
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    return axes[0]
