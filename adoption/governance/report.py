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

import pandas as pd

from adoption.canonical.membership import load_group_labels
from adoption.errors import InputError
from adoption.governance.alerts import build_alerts
from adoption.governance.config import governance_settings
from adoption.governance.data import load_seat_periods
from adoption.governance.overlaps import compute_team_overlaps
from adoption.governance.seats import compute_seat_metrics
from adoption.governance.spend import summarise_spend
from adoption.periods import parse_period
from adoption.privacy import check_min_group_size, publish_labels, resolve_min_group_size
from adoption.report.escape import escape_markdown as md

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
    teams : DataFrame
        Team rows per tool, suppressed for small groups.
    spend_trend : DataFrame
        :func:`adoption.governance.summarise_spend` for up to :data:`TREND_PERIODS` periods.
    overlaps : DataFrame
        Teams paying for several tools of one category
        (:func:`adoption.governance.compute_team_overlaps`).
    shadow, shadow_trend : DataFrame or None
        Unsanctioned AI use by team and its change into the period (from
        :mod:`adoption.discovery.metrics`); None when discovery data or metrics are missing.
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
    teams: pd.DataFrame
    spend_trend: pd.DataFrame
    overlaps: pd.DataFrame
    shadow: pd.DataFrame | None = None
    shadow_trend: pd.DataFrame | None = None
    captions: Mapping[str, str] = field(default_factory=dict)


def _title(period) -> str:
    if period.kind == "month":
        return f"{period.start:%B %Y}"
    if period.kind == "quarter":
        return f"{period.label[-2:]} {period.start.year}"
    return f"the week of {period.start:%d %B %Y}"


def _shadow(ws: Any, period: str, kind: str, k: int, confidence: float
            ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    try:
        from adoption.discovery.metrics import compute_shadow_ai_trend, compute_shadow_ai_use
    except ImportError:  # discovery metrics are not part of this build
        return None, None
    use = compute_shadow_ai_use(ws, period_kind=kind, by="team", min_group_size=k,
                                confidence=confidence)
    try:  # only the report's period (compared with the one before it)
        trend = compute_shadow_ai_trend(ws, period_kind=kind, by="team", period=period,
                                        min_group_size=k, confidence=confidence)
    except InputError:  # no person data for the period
        trend = None

    def this(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        if frame is None or "period" not in frame.columns:
            return frame
        keep = frame["period"].astype(str) == period
        if "level" in frame.columns:  # one row per level: keep the teams
            keep &= frame["level"].astype(str) == "team"
        return frame[keep].reset_index(drop=True)

    return this(use), this(trend)


def build_governance_section(
    workspace: Any,
    *,
    period: str,
    period_kind: str = "month",
    min_group_size: int | None = None,
    confidence: float = 0.95,
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
    """
    from adoption.workspace import Workspace, open_workspace

    ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
    k = resolve_min_group_size(ws.settings, min_group_size)
    check_min_group_size(k, where="build_governance_section")
    target = parse_period(period, period_kind, week_start=ws.settings.week_start_index)
    gov = governance_settings(ws)
    sp_all = load_seat_periods(ws, period_kind=period_kind, settings=gov)
    sp_all = sp_all[sp_all["period_start"] <= pd.Timestamp(target.start)]
    sp = sp_all[sp_all["period"].astype(str) == target.label]
    tools = compute_seat_metrics(sp, by="organisation", min_group_size=k, confidence=confidence)
    teams = compute_seat_metrics(sp, by="team", min_group_size=k, confidence=confidence)
    trend = summarise_spend(sp_all)
    trend = trend.tail(TREND_PERIODS).reset_index(drop=True)
    overlaps = compute_team_overlaps(sp, min_group_size=k, confidence=confidence)
    shadow, shadow_trend = _shadow(ws, target.label, period_kind, k, confidence)
    alerts = build_alerts(ws, period=target.label, period_kind=period_kind, min_group_size=k,
                          confidence=confidence)
    as_of = sp["as_of"].max().date() if len(sp) else None
    with ws.store(read_only=True) as store:  # team labels as they may be published
        labels = load_group_labels(store)
    tools, teams, overlaps, shadow, shadow_trend = (
        None if f is None else publish_labels(f, ws.settings, labels=labels)
        for f in (tools, teams, overlaps, shadow, shadow_trend))
    section = GovernanceSection(
        organisation=ws.settings.organisation, period=target.label, period_kind=period_kind,
        period_title=_title(target), currency=ws.settings.currency, as_of=as_of,
        min_group_size=k, idle_days=gov.idle_days, confidence=confidence, alerts=alerts,
        tools=tools, teams=teams, spend_trend=trend, overlaps=overlaps, shadow=shadow,
        shadow_trend=shadow_trend)
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


def describe_spend(section: GovernanceSection) -> str:
    """Markdown: what the seats cost in the period and how much of them was used."""
    t = section.tools
    if t.empty:
        return "No seats are recorded for this period."
    cur = section.currency
    spend = float(t["spend"].sum())
    parts = []
    for r in t.sort_values("spend", ascending=False).itertuples(index=False):
        use = ("utilisation hidden (too few seats)" if pd.isna(r.utilisation) else
               f"{r.utilisation:.0%} of {int(r.seats):,} seat holders used it "
               f"({section.confidence:.0%} interval {r.utilisation_ci_low:.0%} to "
               f"{r.utilisation_ci_high:.0%})")
        parts.append(f"- **{md(r.tool)}**: {_money(r.spend, cur)}; {use}.")
    unknown = t.loc[t["monthly_seat_cost"].isna(), "tool"].tolist()
    note = (f"\n\nSeat cost unknown (not counted): {', '.join(map(md, unknown))}. Set it in "
            "`adoption.toml` under `[governance] seat_costs`." if unknown else "")
    return (f"Seats cost **{_money(spend, cur)}** in {section.period_title} (pro-rated by the "
            "days each seat was held).\n\n" + "\n".join(parts) + note)


def describe_reclaimable(section: GovernanceSection) -> str:
    """Markdown: the monthly amount that could be reclaimed, as amounts per tool (no people)."""
    t = section.tools
    total = float(t["reclaimable_monthly_spend"].sum()) if len(t) else 0.0
    cur = section.currency
    if total <= 0:
        return (f"No seat was idle for {section.idle_days} days or held by a leaver at the end "
                "of the period.")
    leavers = float(t["leaver_monthly_spend"].sum())
    as_of = f" on {section.as_of:%d %B %Y}" if section.as_of else ""
    return (f"Seats that nobody used in the last {section.idle_days} days, or that people who "
            f"have left still hold, cost **{_money(total, cur)} a month**{as_of}; "
            f"{_money(leavers, cur)} of it is leavers' seats. The list of seats to take back is "
            "a restricted output for the tool owners (`adoption reclaim`), not part of this "
            "report.")


def describe_overlaps(section: GovernanceSection) -> str:
    """Markdown: teams paying for several tools of one category."""
    o = section.overlaps
    if o.empty:
        return "No team pays for two tools of the same kind."
    lines = [f"{len(o)} team{'s pay' if len(o) > 1 else ' pays'} for more than one tool of the "
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
    """Markdown: unsanctioned AI use by team and whether it grows (when discovery data exist)."""
    s, trend = section.shadow, section.shadow_trend
    if s is None:
        return ("Unsanctioned AI use is not measured: no proxy, DNS or SSO logs are loaded "
                "(see `adoption ingest`).")
    if s.empty:
        return "No use of unsanctioned AI services was seen in this period."
    growing = []
    if trend is not None and not trend.empty and "beyond_noise" in trend.columns:
        est = next((c for c in ("estimate", "difference", "change") if c in trend.columns), None)
        if est is not None:
            up = trend[trend["beyond_noise"].fillna(False).astype(bool)
                       & (trend[est].astype(float) > 0)]
            growing = [str(t) for t in up.get("team", pd.Series(dtype=str)).dropna()]
    text = ("The table shows, per team, the share of people seen using AI services the "
            "organisation has not approved, with its interval.")
    if growing:
        text += f" Growing beyond noise: **{', '.join(map(md, growing))}**."
    else:
        text += " No team's share grew beyond noise."
    return text
