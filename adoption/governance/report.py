"""The governance section of the periodic report, and the alerts it opens with.

:func:`build_governance_section` computes everything the section shows and returns a
:class:`GovernanceSection`; ``describe_*`` turn it into plain-language Markdown. Display
tables and charts are in :mod:`adoption.governance.display`. Nothing here names a person:
money is shown as amounts per tool, team figures are suppressed for small groups, and the
seat-reclaim list is never part of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from adoption.canonical.membership import load_group_labels
from adoption.errors import InputError
from adoption.governance.alerts import build_alerts
from adoption.governance.config import governance_settings
from adoption.governance.data import load_headcounts, load_seat_periods
from adoption.governance.overlaps import (
    compute_overlaps,
    compute_team_overlaps,
    overlap_rows,
    protected_overlap_levels,
    several_tools,
)
from adoption.governance.seats import (
    compute_seat_metrics,
    compute_seat_totals,
    protected_seat_levels,
    seat_rows,
    seat_totals,
)
from adoption.governance.spend import summarise_spend
from adoption.governance.usage import load_usage_periods, unpriced_usage
from adoption.periods import format_day, parse_period, period_title
from adoption.privacy import check_min_group_size, publish_labels, resolve_min_group_size
from adoption.report.escape import escape_markdown as md
from adoption.report.tables import hidden_label

__all__ = [
    "TREND_PERIODS",
    "GovernanceSection",
    "build_governance_section",
    "describe_alerts",
    "describe_overlaps",
    "describe_reclaimable",
    "describe_shadow",
    "describe_spend",
]

#: Periods of spend shown in the trend, ending with the report's period.
TREND_PERIODS = 12


@dataclass(frozen=True)
class GovernanceSection:
    """Everything the governance section shows, for one period.

    Attributes
    ----------
    organisation, period, period_kind, period_title, currency : str
    as_of : datetime.date or None
        The as-of date of idle and leaver figures (the period's last day with data).
    min_group_size, idle_days : int
    confidence : float
    alerts : DataFrame
        :func:`adoption.governance.build_alerts` for the period.
    tools : DataFrame
        Organisation row per tool (:func:`adoption.governance.compute_seat_metrics`).
    totals : DataFrame
        The organisation over all tools, this period
        (:func:`adoption.governance.compute_seat_totals`): the amounts the captions quote.
    teams : DataFrame
        Team rows per tool, behind the privacy gate (sized by roster headcount, as the
        adoption tables).
    spend_trend : DataFrame
        :func:`adoption.governance.summarise_spend` for up to :data:`TREND_PERIODS` periods.
    overlaps : DataFrame
        Teams paying for several tools of one category
        (:func:`adoption.governance.compute_team_overlaps`).
    overlaps_organisation : DataFrame
        The organisation's rows of :func:`adoption.governance.compute_overlaps` for
        categories with several tools (shown even where the teams must stay hidden).
    shadow, shadow_trend : DataFrame or None
        Unsanctioned AI use by team and its change into the period (from
        :mod:`adoption.discovery.metrics`); ``shadow`` has ``has_data`` false and missing
        figures when the period has no evidence at all (no data, not 0); ``shadow_trend`` is
        None when there is nothing to compare.
    shadow_organisation : DataFrame or None
        The organisation row of unsanctioned AI use in the period (with its ``evidence``).
    comparison_period : str or None
        The period compared with (default the one before), None before the data's start.
    totals_previous, alerts_previous : DataFrame or None
        ``totals`` and ``alerts`` of the comparison period (None: no data then), for the
        executive page's changes and the alerts' status (:mod:`adoption.governance.executive`).
    shadow_trend_organisation : DataFrame or None
        The organisation row of the shadow-AI change into the period.
    usage_unpriced : DataFrame or None
        Usage of the period whose tool and unit have no price in ``[governance.usage_prices]``
        (:func:`adoption.governance.unpriced_usage`: ``tool, unit, quantity``), not counted.
    captions : Mapping of str to str
        ``alerts, spend, reclaimable, overlaps, shadow``.
    """

    organisation: str
    period: str
    period_kind: str
    period_title: str
    currency: str
    as_of: dt.date | None
    min_group_size: int
    idle_days: int
    confidence: float
    alerts: pd.DataFrame
    tools: pd.DataFrame
    totals: pd.DataFrame
    teams: pd.DataFrame
    spend_trend: pd.DataFrame
    overlaps: pd.DataFrame
    overlaps_organisation: pd.DataFrame
    shadow: pd.DataFrame | None = None
    shadow_trend: pd.DataFrame | None = None
    shadow_organisation: pd.DataFrame | None = None
    comparison_period: str | None = None
    totals_previous: pd.DataFrame | None = None
    alerts_previous: pd.DataFrame | None = None
    shadow_trend_organisation: pd.DataFrame | None = None
    usage_unpriced: pd.DataFrame | None = None
    captions: Mapping[str, str] = field(default_factory=dict)


def _shadow(ws: Any, period: str, before: str, kind: str, k: int, confidence: float
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Unsanctioned AI use by team in the period, its change at every level (empty when there
    is nothing to compare with), the organisation row, and the change into the comparison
    period (None: nothing to compare; for that period's alerts)."""
    from adoption.discovery.metrics import compute_shadow_ai_trend, compute_shadow_ai_use

    use = compute_shadow_ai_use(ws, period_kind=kind, by="team", min_group_size=k,
                                confidence=confidence)
    use = use[use["period"].astype(str) == period]
    # both periods' changes in one pass (each compared with the one before it)
    both = compute_shadow_ai_trend(ws, period_kind=kind, by="team", period=[period, before],
                                   min_group_size=k, confidence=confidence)
    trend = both[both["period"].astype(str) == period].reset_index(drop=True)
    earlier = both[both["period"].astype(str) == before].reset_index(drop=True)
    teams = use[use["level"] == "team"].reset_index(drop=True)
    org = use[use["level"] == "organisation"].reset_index(drop=True)
    return teams, trend, org, earlier


def _seat_tables(sp: pd.DataFrame, heads: pd.DataFrame, k: int, confidence: float,
                 usage: pd.DataFrame | None = None):
    """Tools, teams, totals and overlaps of one period, through one pass of the gate (with
    the period's usage spend beside the seat spend)."""
    gate = {"min_group_size": k, "confidence": confidence}
    if sp.empty:
        return (compute_seat_metrics(sp, headcounts=heads, by="organisation", usage=usage,
                                     **gate),
                compute_seat_metrics(sp, headcounts=heads, by="team", usage=usage, **gate),
                compute_seat_totals(sp, headcounts=heads, usage=usage, **gate),
                compute_team_overlaps(sp, headcounts=heads, **gate),
                compute_overlaps(sp, headcounts=heads, by="organisation", **gate), None)
    levels = protected_seat_levels(sp, heads, usage=usage, **gate)
    overlaps = protected_overlap_levels(sp, heads, seat_levels=levels, **gate)
    return (seat_rows(levels, by="organisation"), seat_rows(levels, by="team"),
            seat_totals(levels, sp), several_tools(overlap_rows(overlaps, by="team")),
            several_tools(overlap_rows(overlaps, by="organisation")), levels)


def _comparison(ws: Any, label: str, kind: str, sp_every: pd.DataFrame, heads: pd.DataFrame,
                k: int, confidence: float, shadow_trend: pd.DataFrame, shared: dict,
                up_every: pd.DataFrame) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Seat totals and alerts of the comparison period (None where it has no data)."""
    sp = sp_every[sp_every["period"].astype(str) == label]
    up = up_every[up_every["period"].astype(str) == label]
    totals = (compute_seat_totals(sp, headcounts=heads, min_group_size=k, confidence=confidence,
                                  usage=up) if len(sp) else None)
    try:
        alerts = build_alerts(ws, period=label, period_kind=kind, min_group_size=k,
                              confidence=confidence, seat_periods=sp, headcounts=heads,
                              shadow_trend=shadow_trend, shared=shared)
    except InputError:  # the comparison period is before the data's start
        alerts = None
    return totals, alerts


def build_governance_section(
    workspace: Any,
    *,
    period: str,
    period_kind: str = "month",
    min_group_size: int | None = None,
    confidence: float = 0.95,
    comparison_period: str | None = None,
) -> GovernanceSection:
    """Compute the governance section of a period's report.

    Parameters
    ----------
    workspace : Workspace or path
    period : str
    period_kind : {"week", "month", "quarter"}, default "month"
    min_group_size : int, optional
        Raise the workspace's threshold (never lower it).
    confidence : float, default 0.95
    comparison_period : str, optional
        The period whose seat totals and alerts the executive page compares with (default:
        the one before ``period``).
    """
    from adoption.workspace import as_workspace

    ws = as_workspace(workspace)
    k = resolve_min_group_size(ws.settings, min_group_size)
    check_min_group_size(k, where="build_governance_section")
    target = parse_period(period, period_kind, week_start=ws.settings.week_start_index)
    before = (parse_period(comparison_period, period_kind,
                           week_start=ws.settings.week_start_index)
              if comparison_period else target.previous())
    gov = governance_settings(ws)
    sp_every = load_seat_periods(ws, period_kind=period_kind, settings=gov)
    sp_all = sp_every[sp_every["period_start"] <= pd.Timestamp(target.start)]
    labels = sorted(sp_all["period"].astype(str).unique())[-TREND_PERIODS:]
    sp_all = sp_all[sp_all["period"].astype(str).isin(labels)]
    sp = sp_all[sp_all["period"].astype(str) == target.label]
    up_every = load_usage_periods(ws, period_kind=period_kind, settings=gov)
    up_all = up_every[up_every["period"].astype(str).isin(labels)]
    up = up_all[up_all["period"].astype(str) == target.label]
    heads = load_headcounts(ws, period_kind=period_kind)
    gate = {"headcounts": heads, "min_group_size": k}
    trend = summarise_spend(sp_all, usage=up_all, **gate).reset_index(drop=True)
    tools, teams, totals, overlaps, org_overlaps, levels = _seat_tables(sp, heads, k,
                                                                        confidence, up)
    shadow, shadow_all, shadow_org, shadow_before = _shadow(ws, target.label, before.label,
                                                            period_kind, k, confidence)
    shared: dict = {}  # the person periods and a wave change, computed once for both periods
    alerts = build_alerts(ws, period=target.label, period_kind=period_kind, min_group_size=k,
                          confidence=confidence, seat_periods=sp, headcounts=heads,
                          shadow_trend=shadow_all, seat_levels=levels, shared=shared)
    shadow_trend = (None if shadow_all.empty else  # None: nothing to compare with
                    shadow_all[shadow_all["level"].astype(str) == "team"].reset_index(drop=True))
    shadow_trend_org = (None if shadow_all.empty else shadow_all[
        shadow_all["level"].astype(str) == "organisation"].reset_index(drop=True))
    totals_before, alerts_before = _comparison(ws, before.label, period_kind, sp_every, heads,
                                               k, confidence, shadow_before, shared, up_every)
    as_of = sp["as_of"].max().date() if len(sp) else None
    with ws.store(read_only=True) as store:  # team labels as they may be published
        labels = load_group_labels(store)
    tools, teams, overlaps, shadow, shadow_trend = (
        None if f is None else publish_labels(f, ws.settings, labels=labels)
        for f in (tools, teams, overlaps, shadow, shadow_trend))
    section = GovernanceSection(
        organisation=ws.settings.organisation, period=target.label, period_kind=period_kind,
        period_title=period_title(target), currency=ws.settings.currency, as_of=as_of,
        min_group_size=k, idle_days=gov.idle_days, confidence=confidence, alerts=alerts,
        tools=tools, totals=totals, teams=teams, spend_trend=trend, overlaps=overlaps,
        overlaps_organisation=org_overlaps.reset_index(drop=True),
        shadow=shadow, shadow_trend=shadow_trend, shadow_organisation=shadow_org,
        comparison_period=before.label, totals_previous=totals_before,
        alerts_previous=alerts_before, shadow_trend_organisation=shadow_trend_org,
        usage_unpriced=unpriced_usage(up))
    captions = {"alerts": describe_alerts(section), "spend": describe_spend(section),
                "reclaimable": describe_reclaimable(section),
                "overlaps": describe_overlaps(section), "shadow": describe_shadow(section)}
    return GovernanceSection(**{**section.__dict__, "captions": captions})


def _money(amount: float, currency: str) -> str:
    return "–" if pd.isna(amount) else f"{md(currency)} {amount:,.0f}"


def describe_alerts(source: GovernanceSection | pd.DataFrame) -> str:
    """Markdown opening the report: how many alerts, then one line per alert, most severe first.

    Takes a :class:`GovernanceSection` or the frame of :func:`build_alerts`.
    """
    alerts = source.alerts if isinstance(source, GovernanceSection) else source
    if alerts is None or alerts.empty:
        return "**No alerts this period.** Nothing crossed an alert threshold."
    n = len(alerts)
    lines = [f"**{n} {'thing needs' if n == 1 else 'things need'} attention this period.**", ""]
    for r in alerts.itertuples(index=False):
        lines.append(f"- **{r.severity.capitalize()}**: {md(r.message)}")
    lines += ["", "Each alert's evidence, with the number of people and the interval, is in the "
              "table below. Alerts are never raised about groups smaller than the privacy "
              "threshold."]
    return "\n".join(lines)


def _total(section: GovernanceSection, column: str) -> float:
    """An amount of the organisation over all tools (missing when hidden or unknown)."""
    t = section.totals
    return float(t[column].iloc[0]) if len(t) and not pd.isna(t[column].iloc[0]) else np.nan


def _hidden_tools(section: GovernanceSection, column: str) -> str:
    t = section.tools
    hidden = t.loc[t[column].isna() & t["monthly_seat_cost"].notna(), "tool"].astype(str)
    if hidden.empty:
        return ""
    return (f" Amounts of {', '.join(map(md, sorted(hidden)))} are not shown on their own: fewer than "
            f"{section.min_group_size} seats stand behind them, or showing them would let such "
            "a tool's amount be worked out from the total; they are in the total.")


def describe_spend(section: GovernanceSection) -> str:
    """Markdown: what the seats cost in the period and how much of them was used."""
    t = section.tools
    if t.empty:
        return "No seats are recorded for this period."
    cur = section.currency
    spend = _total(section, "spend")
    parts = []
    for r in t.sort_values("spend", ascending=False, na_position="last").itertuples(index=False):
        use = (f"utilisation {hidden_label(r.suppression_reason, short=True)}"
               if pd.isna(r.utilisation) else
               f"{r.utilisation:.0%} of {int(r.seats):,} seat holders used it "
               f"({section.confidence:.0%} interval {r.utilisation_ci_low:.0%} to "
               f"{r.utilisation_ci_high:.0%})")
        if not pd.isna(r.utilisation) and not pd.isna(r.unknown_seats) and r.unknown_seats:
            use += (f"; {int(r.unknown_seats):,} more used it in a window that straddles the "
                    "period's edge (not counted)")
        if not pd.isna(r.seats) and r.seats == 0:
            use = "no seats, usage only"
        money = _money(r.spend, cur)
        if not pd.isna(r.usage_spend) and r.usage_spend > 0:
            money += f" ({_money(r.usage_spend, cur)} of it usage beyond the seats' allowance)"
        parts.append(f"- **{md(r.tool)}**: {money}; {use}.")
    unknown = t.loc[t["monthly_seat_cost"].isna() & t["seats"].fillna(1).gt(0),
                    "tool"].tolist()
    note = (f"\n\nSeat cost unknown (not counted): {', '.join(map(md, unknown))}. Set it in "
            "`adoption.toml` under `[governance] seat_costs`." if unknown else "")
    head = (f"Seats cost **{_money(spend, cur)}** in {section.period_title} (pro-rated by the "
            "days each seat was held)." if not pd.isna(spend) else
            f"The total seat spend of {section.period_title} is hidden: fewer than "
            f"{section.min_group_size} seats stand behind it.")
    usage = _total(section, "usage_spend")
    if not pd.isna(usage) and not pd.isna(spend):
        head = (f"Seats and usage cost **{_money(spend, cur)}** in {section.period_title}: "
                f"seats {_money(_total(section, 'seat_spend'), cur)} (pro-rated by the days "
                f"each seat was held) and usage beyond what the seats include (premium "
                f"requests, credits) {_money(usage, cur)}.")
    unpriced = section.usage_unpriced
    if unpriced is not None and len(unpriced):
        note += ("\n\nUsage without a price (not counted): " + "; ".join(
            f"{md(r.tool)} {r.unit.replace('_', ' ')}s: {r.quantity:,.0f}"
            for r in unpriced.itertuples(index=False))
            + ". Set the price under `[governance.usage_prices]` in `adoption.toml`.")
    return (head + _hidden_tools(section, "spend") + "\n\n" + "\n".join(parts) + note)


def describe_reclaimable(section: GovernanceSection) -> str:
    """Markdown: the monthly amount that could be reclaimed, as amounts per tool (no people)."""
    total = _total(section, "reclaimable_monthly_spend")
    cur = section.currency
    if pd.isna(total) and len(section.totals) and section.totals["seats_at_end"].isna().all():
        return (f"Seats that could be reclaimed are not shown: fewer than "
                f"{section.min_group_size} seats were held at the end of the period.")
    if pd.isna(total) or total <= 0:
        return (f"No seat was idle for {section.idle_days} days or held by a leaver at the end "
                "of the period.")
    leavers = _total(section, "leaver_monthly_spend")
    as_of = f" on {format_day(section.as_of)}" if section.as_of else ""
    return (f"Seats that nobody used in the last {section.idle_days} days, or that people who "
            f"have left still hold, cost **{_money(total, cur)} a month**{as_of}; "
            f"{_money(leavers, cur)} of it is leavers' seats. The list of seats to take back is "
            "a restricted output for the tool owners (`adoption reclaim`), not part of this "
            "report." + _hidden_tools(section, "reclaimable_monthly_spend"))


def describe_overlaps(section: GovernanceSection) -> str:
    """Markdown: teams paying for several tools of one category, and the organisation."""
    o, org = section.overlaps, section.overlaps_organisation
    lines = []
    for r in org.itertuples(index=False):
        lines.append(
            f"Across the organisation, {int(r.people_with_several):,} of {int(r.holders):,} "
            f"holders of a {r.category} tool ({r.tools}) hold more than one "
            f"({r.overlap_share:.0%}, interval {r.overlap_share_ci_low:.0%} to "
            f"{r.overlap_share_ci_high:.0%}), costing "
            f"{_money(r.duplicate_monthly_spend, section.currency)} a month beyond one tool each.")
    if o.empty:
        if lines:
            lines.append("\nNo team's overlap can be shown: in the teams concerned too few "
                         "people hold one of the tools, or showing it would give such a count "
                         "away.")
            return "\n".join(lines)
        return ("No team pays for two tools of the same kind (among teams whose seat figures "
                "are shown).")
    lines += ["", f"{len(o)} team{'s pay' if len(o) > 1 else ' pays'} for more than one tool "
              "of the same kind:"] if lines else [
        f"{len(o)} team{'s pay' if len(o) > 1 else ' pays'} for more than one tool of the "
        "same kind:"]
    for r in o.itertuples(index=False):
        lines.append(
            f"- **{md(r.team)}** ({md(r.category)}): {md(r.tools)}; {int(r.people_with_several)} of "
            f"{int(r.holders)} seat holders hold more than one "
            f"({r.overlap_share:.0%}, interval {r.overlap_share_ci_low:.0%} to "
            f"{r.overlap_share_ci_high:.0%}), costing "
            f"{_money(r.duplicate_monthly_spend, section.currency)} a month beyond one tool each.")
    return "\n".join(lines)


def describe_shadow(section: GovernanceSection) -> str:
    """Markdown: unsanctioned AI use by team, what it rests on, and whether it grows.

    A period without any evidence says "no data", never 0.
    """
    s, trend, org = section.shadow, section.shadow_trend, section.shadow_organisation
    if s is None or org is None or org.empty:
        return "Unsanctioned AI use is not measured for this period: there is no data on it."
    o = org.iloc[0]
    if not bool(o["has_data"]):
        return (f"**No data** on unsanctioned AI use in {section.period_title}: no proxy, DNS "
                "or SSO logs cover it and no unsanctioned tool's own export shows use (see "
                "`adoption ingest`). This is not a zero: nobody looked.")
    text = ("The table shows, per team, the share of people seen using AI the organisation "
            "has not approved, with its interval and headcount. The figures "
            f"{o['evidence']}.")
    if not pd.isna(o["users"]):
        text += (f" Across the organisation {int(o['users']):,} of {int(o['headcount']):,} "
                 f"people ({o['share']:.0%}): {int(o['users_logs']):,} seen in the logs and "
                 f"{int(o['users_exports']):,} in unsanctioned tools' own exports (a person "
                 "seen in both counts once).")
        if not pd.isna(o["unknown_users"]) and o["unknown_users"]:
            text += (f" {int(o['unknown_users']):,} more appear only in a window straddling the "
                     "period's edge and are not counted.")
    growing = []
    if trend is not None and not trend.empty:
        up = trend[trend["growing"].fillna(False).astype(bool)]
        growing = [str(t) for t in up["team"].dropna()]
    if trend is None:
        text += " There is no earlier period with data to compare with."
    elif growing:
        text += f" Growing beyond noise: **{', '.join(map(md, growing))}**."
    else:
        text += " No team's share grew beyond noise."
    return text
