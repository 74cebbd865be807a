"""Display tables and charts of the governance section (see :mod:`adoption.governance.report`).

``format_*`` return a pandas Styler with the report's one table look; ``plot_*`` return the
matplotlib Axes they drew on. Only figures of the section appear: amounts per tool, team rates
with their intervals and n, never a person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter
from pandas.io.formats.style import Styler

from adoption.report.style import (
    PALETTE,
    house_style,
    legend_outside,
    new_axes,
    nothing_to_show,
    period_axis,
    style_axes,
)
from adoption.report.tables import (
    DASH,
    _style,
    format_count,
    format_points,
    format_share,
    hidden_label,
)

if TYPE_CHECKING:
    from adoption.governance.report import GovernanceSection

__all__ = [
    "format_alerts_table",
    "format_overlaps_table",
    "format_shadow_table",
    "format_team_utilisation_table",
    "format_tools_table",
    "plot_shadow_by_team",
    "plot_spend",
    "plot_utilisation",
]


def _money(amount: object, currency: str) -> str:
    return DASH if amount is None or pd.isna(amount) else f"{currency} {float(amount):,.0f}"


def format_alerts_table(source: GovernanceSection | pd.DataFrame) -> Styler:
    """The alerts: ``Severity, Where, What, Evidence`` (a section or the build_alerts frame).

    A frame with ``status`` (the executive page's alerts,
    :func:`adoption.governance.executive.alert_status`) adds it to the severity: "High, new",
    "Medium, ongoing", "High, resolved" (since the comparison period).
    """
    alerts = source if isinstance(source, pd.DataFrame) else source.alerts
    status = alerts["status"] if "status" in alerts.columns else [None] * len(alerts)
    rows = [[r.severity.capitalize() + (f", {st}" if st else ""),
             r.team if isinstance(r.team, str) else "Organisation", r.message, r.evidence]
            for r, st in zip(alerts.itertuples(index=False), status, strict=True)]
    out = pd.DataFrame(rows, columns=["Severity", "Where", "What", "Evidence"])
    caption = "Alerts of this period, most urgent first, with their evidence."
    if "status" in alerts.columns:
        caption = ("Alerts of this period, most urgent first, with their evidence; each is new, "
                   "ongoing (raised in the comparison period too) or resolved (raised then, "
                   "not now).")
    styler = _style(out, name="alerts", caption=caption)
    # long text wraps (the report's table look keeps cells on one line)
    return styler.set_table_styles([{
        "selector": "td.col2, td.col3",
        "props": "white-space: normal; min-width: 260px; max-width: 420px;"}], overwrite=False)


def _share(r, est: str, lo: str, hi: str, n: str) -> str:
    value = getattr(r, est)
    if pd.isna(value):
        return hidden_label(getattr(r, "suppression_reason", None), short=True)
    return f"{format_share(value, getattr(r, lo), getattr(r, hi))} of {format_count(getattr(r, n))}"


def _amount(r, column: str, currency: str) -> str:
    """An amount, or why it is not shown (hidden with its seats, or cost unknown)."""
    value = getattr(r, column)
    if not pd.isna(value):
        return _money(value, currency)
    if pd.isna(r.monthly_seat_cost):
        return f"{DASH} (cost unknown)"
    return "hidden"


def _usage(r, currency: str) -> str:
    """The usage part of the spend: an amount, none, or hidden (too few people behind it)."""
    value = getattr(r, "usage_spend", np.nan)
    if not pd.isna(value):
        return _money(value, currency)
    users = getattr(r, "usage_users", 0)
    return DASH if not pd.isna(users) and users == 0 else "hidden"


def _sanctioned(flag: object) -> str:
    """``yes``/``no`` as the catalogue (or the settings) state it, else ``not stated``."""
    return "not stated" if pd.isna(flag) else ("yes" if flag else "no")


def format_tools_table(section: GovernanceSection) -> Styler:
    """Per tool: seat cost, spend (seats and usage) and the usage part of it, utilisation,
    cost per active user, reclaimable per month, and the organisation's total over all
    tools."""
    cur = section.currency
    rows = []
    for r in section.tools.itertuples(index=False):
        cpu = DASH if pd.isna(r.cost_per_active_user) else (
            f"{_money(r.cost_per_active_user, cur)} ({r.cost_per_active_user_ci_low:,.0f}"
            f"{DASH}{r.cost_per_active_user_ci_high:,.0f})")
        rows.append([r.tool, r.category if isinstance(r.category, str) else DASH,
                     _sanctioned(r.is_sanctioned), _money(r.monthly_seat_cost, cur),
                     _amount(r, "spend", cur), _usage(r, cur),
                     _share(r, "utilisation", "utilisation_ci_low",
                                                      "utilisation_ci_high", "seats"),
                     cpu, _amount(r, "reclaimable_monthly_spend", cur)])
    for r in section.totals.itertuples(index=False):
        rows.append(["All tools", DASH, DASH, DASH,
                     _money(r.spend, cur) if not pd.isna(r.spend) else "hidden", _usage(r, cur),
                     _share(r, "utilisation", "utilisation_ci_low", "utilisation_ci_high",
                            "seats"), DASH,
                     _money(r.reclaimable_monthly_spend, cur)
                     if not pd.isna(r.reclaimable_monthly_spend) else "hidden"])
    out = pd.DataFrame(rows, columns=["Tool", "Category", "Sanctioned", "Seat per month",
                                      "Spend", "Of it, usage", "Seat holders who used it",
                                      "Cost per active user", "Reclaimable per month"])
    return _style(out, name="governance-tools", caption=(
        f"{section.period_title}. Spend = seats (pro-rated by day) + usage beyond what the "
        "seats include (premium requests, credits; priced in adoption.toml). Shares with their "
        f"{section.confidence:.0%} interval and the number of seat holders; reclaimable = idle seats and leavers' seats at the period's "
        f"end; hidden: fewer than {section.min_group_size} seats behind the figure, or it "
        "would give such a figure away."))


def format_team_utilisation_table(section: GovernanceSection) -> Styler:
    """Teams x tools: utilisation with interval and n; hidden teams shown as hidden."""
    t = section.teams
    cells = {(r.department, r.team, r.tool): "hidden" if pd.isna(r.utilisation) else
             _share(r, "utilisation", "utilisation_ci_low", "utilisation_ci_high", "seats")
             for r in t.itertuples(index=False)}
    teams = t[["department", "team"]].drop_duplicates().sort_values(["department", "team"])
    tools = sorted(t["tool"].astype(str).unique())
    rows = [[d, tm, *[cells.get((d, tm, x), DASH) for x in tools]]
            for d, tm in teams.itertuples(index=False)]
    out = pd.DataFrame(rows, columns=["Department", "Team", *tools])
    return _style(out, name="governance-teams", caption=(
        "Share of seat holders who used each tool, per team, with interval and number of seat "
        f"holders; \u2013: no seats of the tool; hidden: a team of fewer than "
        f"{section.min_group_size} people or fewer than {section.min_group_size} seat holders "
        "of the tool (or hidden to protect such a team), as in the other tables."))


def format_overlaps_table(section: GovernanceSection) -> Styler:
    """Teams paying for several tools of one category."""
    org = section.overlaps_organisation.assign(department=DASH, team="Organisation")
    rows = [[r.department, r.team, r.category, r.tools,
             f"{format_share(r.overlap_share, r.overlap_share_ci_low, r.overlap_share_ci_high)}"
             f" of {format_count(r.holders)}",
             _money(r.duplicate_monthly_spend, section.currency)]
            for frame in (section.overlaps, org) for r in frame.itertuples(index=False)]
    out = pd.DataFrame(rows, columns=["Department", "Team", "Category", "Tools",
                                      "Seat holders with several", "Beyond one tool, per month"])
    return _style(out, name="governance-overlaps",
                  caption="Teams paying for more than one tool of the same kind.")


def format_shadow_table(section: GovernanceSection) -> Styler:
    """Unsanctioned AI use by team: share of people with interval and n, the evidence behind
    it, and its change; "no data" when the period has no evidence at all."""
    s = section.shadow if section.shadow is not None else pd.DataFrame()
    trend = section.shadow_trend if section.shadow_trend is not None else pd.DataFrame()
    rows = []
    for r in s.to_dict("records"):
        if bool(r.get("suppressed", False)):  # hidden as in every other table
            value = seen = hidden_label(r.get("suppression_reason"), short=True)
        elif not bool(r.get("has_data", True)) or pd.isna(r.get("share")):
            value = seen = "no data"
        else:
            value = (f"{format_share(r['share'], r.get('ci_low'), r.get('ci_high'))} of "
                     f"{format_count(r.get('headcount'))}")
            seen = (f"logs {format_count(r.get('users_logs'))}, exports "
                    f"{format_count(r.get('users_exports'))}")
        change = DASH
        if not trend.empty:
            m = trend[(trend["department"] == r.get("department"))
                      & (trend["team"] == r["team"])]
            if len(m) and not pd.isna(m["difference"].iloc[0]):
                first = m.iloc[0]
                change = format_points(first["difference"], first.get("ci_low"),
                                       first.get("ci_high")) + (
                    " (beyond noise)" if bool(pd.array([first.get("beyond_noise")],
                                                       dtype="boolean").fillna(False)[0])
                    else "")
        rows.append([r.get("department", DASH), r["team"], value, seen, change])
    out = pd.DataFrame(rows, columns=["Department", "Team", "People using unsanctioned AI",
                                      "Seen in", "Change"])
    org = section.shadow_organisation
    rests = (f" The figures {org['evidence'].iloc[0]}." if org is not None and len(org)
             and bool(org["has_data"].iloc[0]) else
             " No data: no logs and no unsanctioned tool's export cover the period.")
    return _style(out, name="governance-shadow", caption=(
        "Share of people seen using AI the organisation has not approved, with interval and "
        "headcount; seen in: people shown by discovery logs and by unsanctioned tools' own "
        "exports (a person in both counts once in the share)." + rests))


@house_style
def plot_spend(trend: pd.DataFrame, *, currency: str = "", ax: Axes | None = None) -> Axes:
    """Spend per period with the reclaimable monthly amount on top of it (organisation).

    Parameters
    ----------
    trend : pandas.DataFrame
        ``GovernanceSection.spend_trend``: one row per period, ``period, spend`` (seats and
        usage), ``reclaimable_monthly_spend`` (every period of the section's trend is drawn).
    currency : str, optional
        The value axis' label.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (9, 3.2))
    title = "Spend (seats and usage) and what could be reclaimed"
    if trend.empty:
        return nothing_to_show(ax, title)
    t = trend.sort_values("period").reset_index(drop=True)
    x = np.arange(len(t))
    sns.barplot(x=x, y=t["spend"].astype(float).to_numpy(), color=PALETTE[0], saturation=1,
                native_scale=True, errorbar=None, label="Spend", ax=ax)
    sns.barplot(x=x, y=t["reclaimable_monthly_spend"].astype(float).to_numpy(),
                color=PALETTE[1], saturation=1, native_scale=True, width=0.45, errorbar=None,
                label="Idle or leavers' seats (per month)", ax=ax)
    period_axis(ax, t["period"].astype(str).tolist())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    legend_outside(ax, handles=ax.containers, labels=[c.get_label() for c in ax.containers])
    return style_axes(ax, title=title, ylabel=currency)


@house_style
def plot_utilisation(tools: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Utilisation per tool (organisation) with its interval."""
    t = tools.dropna(subset=["utilisation"]).reset_index(drop=True)
    ax = new_axes(ax, (7, 0.5 * max(len(t), 1) + 1.2))
    y = np.arange(len(t))
    ax.errorbar(t["utilisation"], y,
                xerr=[np.clip(t["utilisation"] - t["utilisation_ci_low"], 0, None),
                      np.clip(t["utilisation_ci_high"] - t["utilisation"], 0, None)],
                fmt="o", color=PALETTE[0], capsize=3)
    ax.set_yticks(y, [f"{a} (n = {int(b):,})" for a, b in zip(t["tool"], t["seats"],
                                                              strict=True)])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    return style_axes(ax, title="Seat holders who used their tool", grid="x")


@house_style
def plot_shadow_by_team(shadow: pd.DataFrame | None, *, ax: Axes | None = None) -> Axes:
    """Share of people using unsanctioned AI per published team, with interval; says "no
    data" when the period has no evidence at all."""
    s = shadow if shadow is not None else pd.DataFrame()
    no_data = "has_data" in s.columns and len(s) and not s["has_data"].astype(bool).any()
    t = (s.dropna(subset=["share"]).sort_values("share").reset_index(drop=True)
         if "share" in s.columns else s)
    title = "People using unsanctioned AI, by team"
    if t.empty:
        ax = new_axes(ax, (7, 1.5))
        ax = nothing_to_show(ax, title, "No data on unsanctioned AI use" if no_data or s.empty
                             else "No team large enough to show")
        for spine in ax.spines.values():
            spine.set_visible(False)
        return ax
    ax = new_axes(ax, (7, 0.28 * max(len(t), 1) + 1.2))
    y = np.arange(len(t))
    lo = t["ci_low"].astype(float)
    hi = t["ci_high"].astype(float)
    xerr = [np.clip(t["share"] - lo, 0, None), np.clip(hi - t["share"], 0, None)]
    ax.errorbar(t["share"], y, xerr=xerr, fmt="o", color=PALETTE[5],
                capsize=2, markersize=4)
    ax.set_yticks(y, t["team"].astype(str))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(left=0)
    return style_axes(ax, title=title, grid="x")
