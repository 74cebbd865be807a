"""Words, tables and charts of the portfolio section (see :mod:`adoption.portfolio.build`).

``describe_*`` return Markdown (every user value escaped), ``format_*`` a pandas Styler with
the report's one table look, ``plot_*`` the matplotlib Figure they drew. Teams are named only
when they are large enough to publish, with their published labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
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
    "describe_portfolio",
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
                     "rollout, so the change since cannot be credited to the tools"
                     f" (pre-trend test p = {r.pretrend_p:.3f}).")
        elif r.estimate is not None and not pd.isna(r.estimate):
            what += (f" Change per team and {section.period_kind}: {_change(r)} "
                     f"({escape_markdown(r.method)}): {r.verdict}.")
        else:
            what += f" {escape_markdown(r.reason)}"
        lines.append(f"- {what}")
    lines.append("")
    lines.append("A change is the difference the rollout made compared with teams that had "
                 "not (yet) started, with its interval; \"no evidence yet\" means the data "
                 "cannot tell, not that the tools do nothing.")
    return "\n".join(lines)


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
        f"{section.period_kind}, against comparison teams, with its interval; spend: seats of "
        "its tools in its started teams (teams hidden by the privacy threshold left out)."))
    return styler.set_table_styles([{
        "selector": "td.col2, td.col9",
        "props": "white-space: normal; min-width: 220px; max-width: 420px;"}], overwrite=False)


def format_impact_table(section: PortfolioSection) -> Styler:
    """How each change was estimated: method, teams compared, pre-trend test, inference and
    the assumptions in plain words."""
    rows = []
    for (use_case, kpi), impact in section.impacts.items():
        panel = section.panels[(use_case, kpi)]
        r = impact.result
        pre = DASH
        if r is not None and r.pretrend_p is not None and not pd.isna(r.pretrend_p):
            pre = (f"p = {r.pretrend_p:.3f}: "
                   + ("differ" if impact.verdict == "cannot tell: pre-trends differ"
                      else "no difference detected"))
        left_out = len(panel.excluded)
        teams = (f"started: {_teams(section, panel.treated_teams)}; comparison: "
                 f"{_teams(section, panel.comparison_teams)}"
                 + (f"; {left_out} team(s) left out (too small to show, or unknown)"
                    if left_out else ""))
        dose = DASH
        if impact.dose is not None:
            d = impact.dose
            dose = (f"{format_signed(d.estimate / 10, 2)} {panel.unit} per 10 points more "
                    f"use ({format_signed(d.ci_low / 10, 2)} to {format_signed(d.ci_high / 10, 2)}"
                    f"), n = {d.n} teams; an association, not an effect")
        rows.append([use_case, kpi, r.method if r is not None else DASH, teams, pre,
                     r.inference if r is not None else DASH,
                     " ".join(r.assumptions) if r is not None else impact.reason, dose])
    out = pd.DataFrame(rows, columns=["Use case", "KPI", "Method", "Teams", "Pre-trend test",
                                      "Errors", "Assumptions", "Dose-response"])
    styler = _style(out, name="portfolio-methods", caption=(
        "How each change was estimated. The pre-trend test asks whether the started and "
        "comparison teams already moved apart before the rollout; if they did, no change is "
        "credited to the tools."))
    return styler.set_table_styles([{
        "selector": "td.col3, td.col6, td.col7",
        "props": "white-space: normal; min-width: 240px; max-width: 420px;"}], overwrite=False)


@house_style
def plot_event_studies(section: PortfolioSection) -> Figure:
    """One panel per use case and KPI: the difference to comparison teams by periods since
    the rollout, with its interval; before the rollout (grey) it should sit at zero."""
    keys = [k for k, imp in section.impacts.items()
            if imp.result is not None and imp.result.event_study is not None]
    ncols = max(1, min(2, len(keys)))
    nrows = max(1, int(np.ceil(len(keys) / ncols)))
    fig = Figure(figsize=(5.2 * ncols, 3.4 * nrows), dpi=DPI, layout="constrained",
                 facecolor="white")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    if not keys:
        nothing_to_show(axes[0], "Change around the rollout",
                        "No use case has an event study to show yet.")
        return fig
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
        ax.title.set_fontsize(10)
        ax.title.set_parse_math(False)  # a "$" in a use case's name is text, not math
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    return fig
