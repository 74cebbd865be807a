"""Alerts: a short list of what needs attention in a period, each with its evidence and n.

Rules (thresholds from the ``[alerts]`` section of ``adoption.toml``, see
:mod:`adoption.governance.config`):

``idle_spend``
    The organisation's reclaimable monthly spend (seats idle for ``[governance] idle_days``
    days, and seats still held by leavers; see :mod:`adoption.governance.data`) is above
    ``idle_spend_above`` (default 500 in the workspace currency). Severity high above twice the
    threshold. With ``team_idle_spend_above`` > 0, each published team above it gets one too.
``budget``
    A ``[[governance.budgets]]`` entry's run rate (the month's spend so far, seats and usage,
    divided by the days elapsed up to the data's last day, times the days in the month) is
    above the budget (:mod:`adoption.governance.budgets`). The alert appears on the first day
    the projection exceeds the budget and says the projected amount, the budget and that day.
    Severity high when the projection is above 1.25 times the budget. Monthly periods only.
``stalled``
    A team's active share (penetration: people active on any AI tool, from every source /
    people employed, as in the report's team table) has not grown for ``stalled_periods``
    periods (default 3), judged with its intervals: no single period-on-period change in that
    window is a rise beyond noise (McNemar, Benjamini-Hochberg across teams, as
    :func:`adoption.metrics.compute_adoption_change` decides), the change over the whole window
    has an upper 95% bound below ``stalled_min_gain`` (default 0.10, i.e. we are confident it
    grew less than 10 points), the team had the tools at the window's start (someone held a
    seat or was active), and its active share is below ``stalled_below``
    (default 0.4: a team that has levelled off with most people using the tools has settled,
    it is not stalled). Computed with :func:`adoption.metrics.compute_adoption_change` on
    ``workspace.person_periods(period_kind)``.
``shadow_growth``
    A team's share of people using unsanctioned AI (seen in discovery logs or in an
    unsanctioned tool's own export) grew beyond noise (BH-adjusted) into the period
    (:func:`adoption.discovery.metrics.compute_shadow_ai_trend`). Nothing is raised when the
    period or the one before has no data on it (no data is not 0).
``sentiment_drop``
    When survey waves exist: a survey construct's mean score of a team fell beyond noise
    between the last two waves up to the period's end
    (:func:`adoption.surveys.change.compute_wave_change`).
``export_drift``
    A file whose dates overlap the period (or that has none) changed from its source's
    previous file (:func:`adoption.ingest.drift.load_export_drift`): a column dropped, added
    or renamed, a metric column all blank or all zero, or the source's active people falling
    by half or more while the other sources and the seats held steady. One alert per finding,
    organisation level, with the file, the column and the figures before and after as
    evidence; severity high for a fall in active people, low for an added column, medium
    otherwise. The batch was loaded all the same: the alert says what to check.

Privacy: every rule runs on figures already suppressed for small groups, so a team below the
minimum group size never gets an alert with its name. Evidence never names a person.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from adoption.canonical.membership import load_group_labels
from adoption.errors import InputError
from adoption.governance.config import AlertSettings, alert_settings
from adoption.governance.data import load_headcounts, load_seat_periods
from adoption.governance.seats import protected_seat_levels, seat_rows, seat_totals
from adoption.metrics.intervals import wilson_interval
from adoption.periods import parse_period
from adoption.privacy import check_min_group_size, publish_labels, resolve_min_group_size

__all__ = ["ALERT_COLUMNS", "SEVERITIES", "build_alerts"]

ALERT_COLUMNS = ["rule", "severity", "level", "department", "team", "period", "message",
                 "evidence", "estimate", "ci_low", "ci_high", "n"]
#: Severities, most urgent first.
SEVERITIES = ("high", "medium", "low")


def _money(amount: float, currency: str) -> str:
    return f"{currency} {amount:,.0f}"


def _alert(rule: str, severity: str, period: str, message: str, evidence: str, *,
           department: Any = None, team: Any = None, estimate: float = np.nan,
           ci_low: float = np.nan, ci_high: float = np.nan, n: Any = None) -> dict:
    return {"rule": rule, "severity": severity,
            "level": "team" if team is not None else "organisation",
            "department": department, "team": team, "period": period, "message": message,
            "evidence": evidence, "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high,
            "n": n}


def build_alerts(
    workspace: Any,
    *,
    period: str,
    period_kind: str = "month",
    min_group_size: int | None = None,
    settings: AlertSettings | None = None,
    confidence: float = 0.95,
    seat_periods: pd.DataFrame | None = None,
    headcounts: pd.DataFrame | None = None,
    shadow_trend: pd.DataFrame | None = None,
    seat_levels: pd.DataFrame | None = None,
    shared: dict | None = None,
) -> pd.DataFrame:
    """The period's alerts as a tidy frame, most severe first.

    Parameters
    ----------
    workspace : Workspace or path
    period : str
        E.g. ``"2026-01"``.
    period_kind : {"week", "month", "quarter"}, default "month"
    min_group_size : int, optional
        Raise the workspace's threshold (never lower it).
    settings : AlertSettings, optional
        Default: the workspace's ``[alerts]`` section.
    seat_periods, headcounts, shadow_trend, seat_levels : pandas.DataFrame, optional
        The same workspace's figures when the caller has them already (the report's
        governance section): the period's rows of :func:`adoption.governance.load_seat_periods`,
        :func:`adoption.governance.load_headcounts`,
        :func:`adoption.discovery.compute_shadow_ai_trend` for ``period`` (an empty frame: no
        data to compare) and the seat figures of those seat periods behind the privacy gate
        (``protected_seat_levels``). Computed here when omitted.
    shared : dict, optional
        Work shared between calls for several periods of one workspace in one go (the
        report's period and its comparison period): pass the same empty dict to each call;
        the person-period table and a survey wave change are then computed once.

    Returns
    -------
    pandas.DataFrame
        Columns ``rule, severity, level`` (``"organisation"`` or ``"team"``), ``department,
        team, period, message`` (plain language), ``evidence`` (the figures with n and
        interval, as text), ``estimate, ci_low, ci_high, n`` (the key figure). Rules whose
        data are missing (no survey waves, no discovery logs) raise nothing.
    """
    from adoption.workspace import as_workspace

    ws = as_workspace(workspace)
    rules = settings or alert_settings(ws)
    k = resolve_min_group_size(ws.settings, min_group_size)
    check_min_group_size(k, where="build_alerts")
    target = parse_period(period, period_kind, week_start=ws.settings.week_start_index)
    rows: list[dict] = []
    rows += _idle_spend(ws, target.label, period_kind, rules, k, confidence,
                        seat_periods, headcounts, seat_levels)
    if period_kind == "month":
        rows += _budget(ws, target.label, k, confidence, seat_periods, headcounts, seat_levels)
    shared = {} if shared is None else shared
    rows += _stalled(ws, target, period_kind, rules, k, confidence, shared)
    if rules.shadow_growth:
        rows += _shadow_growth(ws, target.label, period_kind, k, confidence, shadow_trend)
    if rules.sentiment_drop:
        rows += _sentiment_drop(ws, target, k, confidence, shared)
    if rules.export_drift:
        rows += _export_drift(ws, target)
    out = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    if out.empty:
        return out
    out["n"] = pd.array(out["n"], dtype="Int64")
    rank = out["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    out = out.assign(_r=rank).sort_values(["_r", "rule", "department", "team"], kind="stable",
                                          na_position="first")
    with ws.store(read_only=True) as store:  # team labels (and the text) as they may be published
        labels = load_group_labels(store)
    return publish_labels(out.drop(columns="_r").reset_index(drop=True), ws.settings,
                          labels=labels, text_columns=("message", "evidence"))


def _idle_spend(ws, label: str, kind: str, rules: AlertSettings, k: int, confidence: float,
                sp: pd.DataFrame | None, heads: pd.DataFrame | None,
                levels: pd.DataFrame | None) -> list[dict]:
    if not rules.idle_spend_above and not rules.team_idle_spend_above:
        return []
    if sp is None:
        sp = load_seat_periods(ws, period=label, period_kind=kind)
    if sp.empty:
        return []
    if levels is None:  # every level through the gate at once, as the report's tables
        if heads is None:
            heads = load_headcounts(ws, period_kind=kind, period=label)
        levels = protected_seat_levels(sp, heads, min_group_size=k, confidence=confidence)
    cur = ws.settings.currency
    out = []
    if rules.idle_spend_above:
        org = seat_rows(levels, by="organisation")
        total = seat_totals(levels, sp).iloc[0]
        amount = total["reclaimable_monthly_spend"]
        if not pd.isna(amount) and amount > rules.idle_spend_above:
            seats, held = int(total["reclaimable_seats"]), int(total["seats_at_end"])
            lo, hi = wilson_interval(seats, held, confidence=confidence)
            parts = [f"{r.tool}: {_money(float(r.reclaimable_monthly_spend), cur)}"
                     for r in org.sort_values("reclaimable_monthly_spend", ascending=False)
                     .itertuples() if r.reclaimable_monthly_spend > 0]
            hidden = sorted(org.loc[org["reclaimable_monthly_spend"].isna()
                                    & org["monthly_seat_cost"].notna(), "tool"].astype(str))
            if hidden:
                parts.append(f"{', '.join(hidden)}: not shown on their own (too few seats)")
            leavers = int(total["leaver_seats"])
            unknown = sorted(org.loc[org["monthly_seat_cost"].isna(), "tool"].astype(str))
            as_of = total["as_of"]
            out.append(_alert(
                "idle_spend", "high" if amount > 2 * rules.idle_spend_above else "medium",
                label,
                f"Seats nobody used in the last {_idle_days(ws)} days, or still held by people "
                f"who have left, cost {_money(amount, cur)} a month, above the alert threshold "
                f"of {_money(rules.idle_spend_above, cur)}.",
                f"{seats:,} of {held:,} seats held on {as_of:%Y-%m-%d} are reclaimable "
                f"({seats / held:.0%}, {confidence:.0%} interval {lo:.0%} to {hi:.0%}; "
                f"{leavers:,} held by leavers). By tool: " + "; ".join(parts) + "."
                + (f" Seat cost unknown, not counted: {', '.join(unknown)}." if unknown else ""),
                estimate=float(amount), n=held))
    if rules.team_idle_spend_above:
        teams = seat_rows(levels, by="team")
        teams = teams[~teams["suppressed"].astype(bool) & teams["seats_at_end"].notna()]
        per = teams.groupby(["department", "team"])[["reclaimable_monthly_spend",
                                                      "seats_at_end"]].sum(min_count=1)
        for (dept, team), r in per.iterrows():
            amount = float(r["reclaimable_monthly_spend"])
            if amount > rules.team_idle_spend_above:
                out.append(_alert(
                    "idle_spend", "medium", label,
                    f"{team}: idle and leavers' seats cost {_money(amount, cur)} a month, above "
                    f"the team threshold of {_money(rules.team_idle_spend_above, cur)}.",
                    f"{int(r['seats_at_end'])} seats held in the team at the period's end "
                    "(tools whose seats are hidden in this team are not counted).",
                    department=dept, team=team, estimate=amount, n=int(r["seats_at_end"])))
    return out


def _budget(ws, label: str, k: int, confidence: float, sp: pd.DataFrame | None,
            heads: pd.DataFrame | None, levels: pd.DataFrame | None) -> list[dict]:
    from adoption.governance.budgets import compute_budget_run_rate
    from adoption.governance.config import governance_settings
    from adoption.governance.usage import load_usage_periods

    gov = governance_settings(ws)
    if not gov.budgets:
        return []
    if sp is None:
        sp = load_seat_periods(ws, period=label, settings=gov)
    if heads is None:
        heads = load_headcounts(ws, period=label)
    rates = compute_budget_run_rate(ws, seat_periods=sp, month=label, min_group_size=k,
                                    settings=gov, headcounts=heads)
    rates = rates[rates["is_over"]]
    if rates.empty:
        return []
    if levels is None:  # the month's spend behind the gate, usage included
        levels = protected_seat_levels(sp, heads, min_group_size=k, confidence=confidence,
                                       usage=load_usage_periods(ws, period=label, settings=gov))
    cur = ws.settings.currency
    out = []
    for r in rates.itertuples(index=False):
        if not _spend_published(levels, r.team, r.tool):
            continue  # the scope's spend is hidden in the tables: so is its projection
        what = (r.tool if r.team is None and r.tool else
                f"{r.team}'s {r.tool}" if r.team and r.tool else
                f"{r.team} (all tools)" if r.team else "the organisation (all tools)")
        out.append(_alert(
            "budget", "high" if r.projected > 1.25 * r.budget else "medium", label,
            f"{what}: at this month's pace spend will reach {_money(r.projected, cur)}, above "
            f"the monthly budget of {_money(r.budget, cur)} (projected above it since "
            f"{r.over_since:%Y-%m-%d}).",
            f"{_money(r.spend_to_date, cur)} spent in the first {r.days_elapsed} of "
            f"{r.days_in_month} days up to {r.as_of:%Y-%m-%d} (seats "
            f"{_money(r.seat_spend_to_date, cur)}, usage beyond the seats' allowance "
            f"{_money(r.usage_spend_to_date, cur)}); {r.n:,} people with seats or usage "
            "in scope.",
            department=None, team=r.team, estimate=float(r.projected), n=int(r.n)))
    return out


def _spend_published(levels: pd.DataFrame, team: str | None, tool: str | None) -> bool:
    """Whether the spend of a budget's scope is shown in the gated tables (every row of it)."""
    if team is None:
        org = levels["department"].isna() & levels["team"].isna()
        rows = levels[org & (levels["tool"].isna() if tool is None else
                             levels["tool"].astype(object) == tool)]
    else:
        rows = levels[levels["team"].astype(object) == team]
        if tool is not None:
            rows = rows[rows["tool"].astype(object) == tool]
    # hidden: the row, or a count behind its spend (seats, people with usage units)
    hidden = (rows["suppressed"].astype(bool) | rows["seats"].isna()
              | rows["usage_users"].isna())
    return not bool(hidden.any())


def _idle_days(ws) -> int:
    from adoption.governance.config import governance_settings

    return governance_settings(ws).idle_days


def _stalled(ws, target, kind: str, rules: AlertSettings, k: int,
             confidence: float, shared: dict) -> list[dict]:
    from adoption.metrics import compute_adoption_change, compute_adoption_metrics

    if ("person_periods", kind) not in shared:  # active on any AI tool, every source
        shared["person_periods", kind] = ws.person_periods(kind)
    pp = shared["person_periods", kind]
    n = rules.stalled_periods
    labels = [target.shift(-i).label for i in range(n, -1, -1)]  # oldest first
    have = set(pp["period"].astype(str).unique())
    if not set(labels) <= have:
        return []
    pp = pp[pp["period"].astype(str).isin(labels)]
    # teams that had the tools at the window's start: a seat on record or someone active (a
    # tool without seat data counts too); read from people, not from the published seat
    # count, which is blank beside a hidden activation rate
    first_pp = pp[pp["period"].astype(str) == labels[0]]
    equipped = {(str(d), str(t)) for d, t, seat, act in zip(
        first_pp["department"], first_pp["team"], first_pp["has_seat"], first_pp["is_active"],
        strict=True) if seat or act}
    metrics = compute_adoption_metrics(pp, by="team", min_group_size=k, confidence=confidence)
    keys = ["department", "team"]
    now = metrics[metrics["period"] == labels[-1]].set_index(keys)
    start = metrics[metrics["period"] == labels[0]].set_index(keys)
    steps = [compute_adoption_change(pp, by="team", period=b, comparison_period=a,
                                     min_group_size=k, confidence=confidence).set_index(keys)
             for a, b in zip(labels[:-1], labels[1:], strict=True)]
    whole = compute_adoption_change(pp, by="team", period=labels[-1],
                                    comparison_period=labels[0], min_group_size=k,
                                    confidence=confidence).set_index(keys)
    out = []
    for key, w in whole.iterrows():
        if w["suppressed"] or key not in now.index or key not in start.index:
            continue
        cur = now.loc[key]
        if cur["suppressed"] or pd.isna(cur["penetration"]):
            continue
        growing = any(key in s.index and _true(s.loc[key, "is_beyond_noise"])
                      and s.loc[key, "difference"] > 0 for s in steps)
        if (growing or (str(key[0]), str(key[1])) not in equipped
                or not w["ci_high"] < rules.stalled_min_gain
                or not cur["penetration"] < rules.stalled_below):
            continue
        falling = w["ci_high"] < 0
        dept, team = key
        out.append(_alert(
            "stalled", "medium", labels[-1],
            f"{team}: the share of people using AI tools has "
            f"{'fallen' if falling else 'not grown'} over the last {n} "
            f"{kind}s and stands at {cur['penetration']:.0%}.",
            f"{cur['penetration']:.0%} of {int(cur['headcount'])} people active in "
            f"{labels[-1]} ({confidence:.0%} interval {cur['penetration_ci_low']:.0%} to "
            f"{cur['penetration_ci_high']:.0%}); change since {labels[0]} "
            f"{100 * w['difference']:+.0f} points ({100 * w['ci_low']:+.0f} to "
            f"{100 * w['ci_high']:+.0f}, n = {int(w['n_paired'])} people in both); no "
            f"{kind}-on-{kind} rise beyond noise.",
            department=dept, team=team, estimate=float(w["difference"]),
            ci_low=float(w["ci_low"]), ci_high=float(w["ci_high"]), n=int(w["n_paired"])))
    return out


def _scale_words(responses: pd.DataFrame) -> str:
    """``"on the 1–5 scale"``: the unit of a change of a mean survey score."""
    scales = responses[["scale_min", "scale_max"]].dropna().drop_duplicates() if {
        "scale_min", "scale_max"} <= set(responses.columns) else pd.DataFrame()
    if len(scales) != 1:
        return "on the survey's scale"
    lo, hi = scales.iloc[0]
    return f"on the {lo:.0f}\u2013{hi:.0f} scale"


def _true(value: Any) -> bool:
    """True only for a real True (missing counts as False)."""
    return bool(value) if not pd.isna(value) else False


def _shadow_growth(ws, label: str, kind: str, k: int, confidence: float,
                   trend: pd.DataFrame | None) -> list[dict]:
    from adoption.discovery.metrics import compute_shadow_ai_trend

    if trend is None:
        try:  # only the period asked for (compared with the one before it)
            trend = compute_shadow_ai_trend(ws, period_kind=kind, by="team", period=label,
                                            min_group_size=k, confidence=confidence)
        except InputError:  # no data in the period or the one before: nothing to compare
            return []
    if trend.empty:
        return []
    rows = trend[(trend["level"].astype(str) == "team") & (trend["period"].astype(str) == label)
                 & trend["growing"].fillna(False).astype(bool)
                 & ~trend["suppressed"].astype(bool)]
    out = []
    for r in rows.to_dict("records"):
        n = r["n_paired"]
        evidence = (f"{float(r['share']):.0%} of people used unsanctioned AI in {label}; change "
                    f"{100 * float(r['difference']):+.0f} points since {r['comparison_period']} "
                    f"({confidence:.0%} interval {100 * float(r['ci_low']):+.0f} to "
                    f"{100 * float(r['ci_high']):+.0f}, n = {int(n)})")
        out.append(_alert(
            "shadow_growth", "high", label,
            f"{r['team']}: more people are using unsanctioned AI, beyond noise.", evidence,
            department=r.get("department"), team=r["team"], estimate=float(r["difference"]),
            ci_low=float(r["ci_low"]), ci_high=float(r["ci_high"]), n=int(n)))
    return out


def _sentiment_drop(ws, target, k: int, confidence: float, shared: dict) -> list[dict]:
    try:
        from adoption.surveys.change import compute_wave_change
        from adoption.surveys.data import load_responses, load_waves
    except ImportError:  # survey analysis not installed in this build
        return []
    waves = load_waves(ws)
    waves = waves[waves["wave_date"] <= pd.Timestamp(target.end)]
    if len(waves) < 2:
        return []
    wave, before = str(waves["wave"].iloc[-1]), str(waves["wave"].iloc[-2])
    key = ("wave_change", wave, before, k, confidence)
    if key not in shared:  # the same two waves for both periods: compared once
        responses = load_responses(ws, waves=[before, wave])
        shared[key] = (compute_wave_change(responses, wave=wave, comparison_wave=before,
                                           by="team", min_group_size=k, confidence=confidence),
                       _scale_words(responses))
    change, scale = shared[key]
    rows = change[change["beyond_noise"].fillna(False).astype(bool)
                  & (change["estimate"].astype(float) < 0)
                  & ~change["suppressed"].astype(bool)]
    out = []
    for (dept, team), g in rows.groupby(["department", "team"], sort=True):
        g = g.sort_values("estimate")  # the largest drop first
        names = [str(c).replace("_", " ") for c in g["construct"]]
        worst = g.iloc[0]
        evidence = "; ".join(
            f"{str(r.construct).replace('_', ' ')}: mean {r.mean_before:.2f} "
            f"(n = {int(r.n_before)}) to {r.mean_after:.2f} (n = {int(r.n_after)}), change "
            f"{r.estimate:+.2f} {scale} ({confidence:.0%} interval {r.ci_low:+.2f} to "
            f"{r.ci_high:+.2f})" for r in g.itertuples(index=False))
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        out.append(_alert(
            "sentiment_drop", "medium", target.label,
            f"{team}: survey scores for {listed} fell between the {before} and {wave} waves, "
            "beyond noise.", evidence + ".",
            department=dept, team=team, estimate=float(worst["estimate"]),
            ci_low=float(worst["ci_low"]), ci_high=float(worst["ci_high"]),
            n=int(worst["n_after"])))
    return out


#: Severity of an export drift alert by check (others: medium).
_DRIFT_SEVERITY = {"activity_fall": "high", "column_added": "low"}


def _export_drift(ws, target) -> list[dict]:
    from adoption.ingest.drift import load_export_drift

    with ws.store(read_only=True) as store:
        drift = load_export_drift(store)
    start, end = pd.Timestamp(target.start), pd.Timestamp(target.end)
    undated = drift["first_date"].isna() | drift["last_date"].isna()
    drift = drift[undated | ((drift["first_date"] <= end) & (drift["last_date"] >= start))]
    out = []
    for r in drift.itertuples(index=False):
        what = (f"{r.source} active people fell" if r.check == "activity_fall"
                else f"column {r.column!r} " + {
                    "column_dropped": "is missing", "column_added": "is new",
                    "column_renamed": "looks renamed", "metric_blank": "came back blank",
                    "metric_zero": "came back all zero"}[r.check])
        out.append(_alert(
            "export_drift", _DRIFT_SEVERITY.get(r.check, "medium"), target.label,
            f"The export {r.file_name} ({r.source}) changed: {what}. Its rows were loaded; "
            f"check it before reading its figures ({r.advice}).",
            f"Before: {r.before}. After: {r.after}.", n=int(r.rows)))
    return out
