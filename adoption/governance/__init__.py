"""Money and governance: seat utilisation, reclaimable spend, overlaps and alerts.

What IT and the business leaders ask, per team and period: what is paid for and used, what
could be reclaimed, where tools overlap, and what needs attention::

    import adoption
    from adoption import governance as gov

    ws = adoption.open_workspace("demo")
    sp = gov.load_seat_periods(ws, period="2026-01")        # person-level: restricted
    hc = gov.load_headcounts(ws, period="2026-01")          # the group sizes
    k = ws.settings.min_group_size
    up = gov.load_usage_periods(ws, period="2026-01")        # usage charges: restricted
    gov.compute_seat_utilisation(sp, headcounts=hc, by="team", min_group_size=k)
    gov.compute_spend(sp, headcounts=hc, usage=up, by="team", min_group_size=k)
    gov.compute_seat_totals(sp, headcounts=hc, min_group_size=k)     # over all tools
    gov.compute_team_overlaps(sp, headcounts=hc, min_group_size=k)   # two of a kind
    gov.build_alerts(ws, period="2026-01")                   # the period's alerts
    section = gov.build_governance_section(ws, period="2026-01")   # for the report

Settings: ``[governance]`` and ``[alerts]`` of ``adoption.toml`` (see
:mod:`adoption.governance.config`). Definitions of idle, leaver, spend and the as-of date:
:mod:`adoption.governance.data`. The seat-reclaim list names people and is written only by
``adoption reclaim --out FILE`` (:mod:`adoption.governance.reclaim`). Every other table
goes through the privacy gate with the roster headcount as the group size, so that a team is
hidden here exactly as in the adoption tables (:mod:`adoption.governance.seats`).

Names load on first use, so that the command line starts quickly.
"""

from adoption.lazy import lazy_exports

_LAZY = {
    "AlertSettings": "adoption.governance.config",
    "GovernanceSettings": "adoption.governance.config",
    "alert_settings": "adoption.governance.config",
    "governance_settings": "adoption.governance.config",
    "load_headcounts": "adoption.governance.data",
    "load_seat_periods": "adoption.governance.data",
    "compute_seat_metrics": "adoption.governance.seats",
    "compute_seat_totals": "adoption.governance.seats",
    "compute_seat_utilisation": "adoption.governance.seats",
    "compute_idle_seats": "adoption.governance.seats",
    "compute_leavers_with_seats": "adoption.governance.seats",
    "compute_cost_per_active_user": "adoption.governance.spend",
    "compute_reclaimable_spend": "adoption.governance.spend",
    "summarise_spend": "adoption.governance.spend",
    "compute_spend": "adoption.governance.spend",
    "Budget": "adoption.governance.config",
    "load_unit_days": "adoption.governance.usage",
    "load_usage_periods": "adoption.governance.usage",
    "check_usage_prices": "adoption.governance.usage",
    "unpriced_usage": "adoption.governance.usage",
    "compute_budget_run_rate": "adoption.governance.budgets",
    "compute_overlaps": "adoption.governance.overlaps",
    "compute_team_overlaps": "adoption.governance.overlaps",
    "build_reclaim_list": "adoption.governance.reclaim",
    "write_reclaim_list": "adoption.governance.reclaim",
    "neutralise_cell": "adoption.governance.reclaim",
    "build_alerts": "adoption.governance.alerts",
    "GovernanceSection": "adoption.governance.report",
    "build_governance_section": "adoption.governance.report",
    "describe_alerts": "adoption.governance.report",
    "describe_overlaps": "adoption.governance.report",
    "describe_reclaimable": "adoption.governance.report",
    "describe_shadow": "adoption.governance.report",
    "describe_spend": "adoption.governance.report",
    "format_alerts_table": "adoption.governance.display",
    "format_overlaps_table": "adoption.governance.display",
    "format_shadow_table": "adoption.governance.display",
    "format_team_utilisation_table": "adoption.governance.display",
    "format_tools_table": "adoption.governance.display",
    "plot_shadow_by_team": "adoption.governance.display",
    "plot_spend": "adoption.governance.display",
    "plot_utilisation": "adoption.governance.display",
    "ExecutiveSummary": "adoption.governance.executive",
    "alert_status": "adoption.governance.executive",
    "build_executive_summary": "adoption.governance.executive",
    "describe_executive": "adoption.governance.executive",
    "format_executive_tiles": "adoption.governance.executive",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
