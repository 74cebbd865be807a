"""The portfolio of AI use cases for one period: adoption, KPI change, spend and a status each.

For every use case of the workspace's register (:mod:`adoption.outcomes.register`) and each of
its KPIs (from the outcome files, or GitHub's organisation-wide pull-request figures for a use
case of every team): the share of the use case's teams using its tools (from the canonical marts,
through the privacy gate), the KPI's change with an interval (:mod:`adoption.portfolio.impact`),
the month's seat spend of its tools in its teams (seats and usage-based charges), a value statement where the estimate
supports one (:mod:`adoption.portfolio.value`), and a status in words:

- **on track**: evidence of improvement, and the target (if any) is reached or its date is
  still ahead;
- **at risk**: no detectable change, a worsening, or the target date passed with the target
  not reached;
- **no evidence yet**: something needed to judge is missing (KPI data, teams, history), or
  the teams were already moving apart before the rollout (the pre-trend check), so no change
  can be credited to the tools.

A team's rollout date comes from the register; a team without one started, by the data, in
the first period in which at least :data:`STARTED_SHARE` of its people used the use case's
tools.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from adoption.portfolio.impact import KpiImpact, estimate_kpi_impact
from adoption.portfolio.panel import KpiPanel, build_kpi_panel
from adoption.portfolio.value import ValueStatement, value_statement

__all__ = ["JUDGEMENTS", "STARTED_SHARE", "PortfolioSection", "build_portfolio"]

#: Share of a team using the use case's tools from which the team counts as started, when the
#: register gives no rollout date for it.
STARTED_SHARE = 0.25
JUDGEMENTS = ("on track", "at risk", "no evidence yet")
PRE_TRENDS = "cannot tell: pre-trends differ"


@dataclass(frozen=True)
class PortfolioSection:
    """The use-case portfolio of one period.

    Attributes
    ----------
    period, period_kind, period_title : str
    min_group_size : int
    confidence : float
    currency : str
    register_note : str or None
        Why there is no portfolio (no register, or a register with problems); None otherwise.
    table : pandas.DataFrame
        One row per use case x KPI, see :func:`build_portfolio`.
    panels, impacts, values : dict
        Per ``(use_case, kpi)``: the :class:`~adoption.portfolio.panel.KpiPanel`, the
        :class:`~adoption.portfolio.impact.KpiImpact` and the
        :class:`~adoption.portfolio.value.ValueStatement`.
    team_labels : dict of str to str
        The published label of every team of the panels (:func:`adoption.privacy.publish_labels`).
    """

    period: str
    period_kind: str
    period_title: str
    min_group_size: int
    confidence: float
    currency: str
    register_note: str | None
    table: pd.DataFrame
    panels: dict[tuple[str, str], KpiPanel] = field(default_factory=dict)
    impacts: dict[tuple[str, str], KpiImpact] = field(default_factory=dict)
    values: dict[tuple[str, str], ValueStatement] = field(default_factory=dict)
    team_labels: dict[str, str] = field(default_factory=dict)


TABLE_COLUMNS = [
    "use_case", "business_owner", "it_owner", "register_status", "review_date", "tools",
    "teams_in_scope", "teams_started", "adoption", "adoption_ci_low", "adoption_ci_high",
    "adoption_n", "kpi", "unit", "direction", "baseline", "target", "target_date", "latest",
    "method", "estimate", "ci_low", "ci_high", "p_value", "n", "n_teams", "n_treated",
    "pretrend_p", "verdict", "reason", "status", "missing", "spend", "value",
]


def _judge(impact: KpiImpact, kpi, latest: float | None, period_end: dt.date) -> tuple[str, str]:
    """(status, what is missing to judge) of one KPI."""
    if impact.verdict == PRE_TRENDS:
        return "no evidence yet", ("comparison teams that moved in parallel with the use "
                                   "case's teams before the rollout")
    if impact.result is None:
        return "no evidence yet", "; ".join(impact.missing)
    if impact.verdict != "evidence of improvement":
        return "at risk", ""
    target, when = getattr(kpi, "target", None), getattr(kpi, "target_date", None)
    if target is not None and when is not None and latest is not None and when < period_end:
        reached = latest <= target if kpi.direction == "down" else latest >= target
        if not reached:
            return "at risk", ""
    return "on track", ""


class _Data:
    """What every use case reads, loaded once: headcounts, person periods per tool set,
    seat spend."""

    def __init__(self, ws, period, period_kind: str, k: int, confidence: float) -> None:
        from adoption.governance.data import load_headcounts

        self.ws, self.period, self.kind, self.k = ws, period, period_kind, k
        self.confidence = confidence
        heads = load_headcounts(ws, period_kind=period_kind, period=period.label)
        self.headcounts = heads.groupby("team")["headcount"].sum().to_dict()
        self._adoption: dict[tuple[str, ...], pd.DataFrame] = {}
        self._spend: pd.DataFrame | None = None

    def adoption(self, tools: tuple[str, ...]) -> pd.DataFrame:
        """Team adoption of ``tools`` in every period (privacy gate applied)."""
        if tools not in self._adoption:
            from adoption.canonical.person_periods import load_person_periods
            from adoption.metrics import compute_adoption_metrics

            with self.ws.store(read_only=True) as store:
                pp = load_person_periods(store, period_kind=self.kind, tools=list(tools))
            self._adoption[tools] = compute_adoption_metrics(
                pp, by="team", min_group_size=self.k, confidence=self.confidence)
        return self._adoption[tools]

    def spend(self) -> pd.DataFrame:
        """Seat and usage spend per team and tool in the period (privacy gate applied)."""
        if self._spend is None:
            from adoption.governance.data import load_headcounts, load_seat_periods
            from adoption.governance.spend import compute_cost_per_active_user
            from adoption.governance.usage import load_usage_periods

            label = self.period.label
            sp = load_seat_periods(self.ws, period=label, period_kind=self.kind)
            usage = load_usage_periods(self.ws, period=label, period_kind=self.kind)
            heads = load_headcounts(self.ws, period_kind=self.kind, period=label)
            self._spend = compute_cost_per_active_user(
                sp, headcounts=heads, by="team", usage=usage, min_group_size=self.k,
                confidence=self.confidence)
        return self._spend


def _started(adoption: pd.DataFrame, teams, given: dict) -> dict[str, dt.date]:
    """Rollout dates: the register's, else the first period with :data:`STARTED_SHARE` of the
    team using the tools."""
    out = dict(given)
    shown = adoption[~adoption["suppressed"].astype(bool)]
    for team in teams:
        if team in out:
            continue
        rows = shown[(shown["team"].astype(str) == team)
                     & (shown["penetration"].astype(float) >= STARTED_SHARE)]
        if len(rows):
            out[team] = pd.Timestamp(rows["period_start"].min()).date()
    return out


def _in_period(adoption: pd.DataFrame, label: str, teams) -> pd.DataFrame:
    rows = adoption[(adoption["period"].astype(str) == label)
                    & adoption["team"].astype(str).isin(list(teams))]
    return rows[~rows["suppressed"].astype(bool)]


def _use_case_rows(uc, data: _Data, outcomes: pd.DataFrame, currency: str, alpha: float,
                   section: dict) -> list[dict]:
    from adoption.stats.intervals import wilson_interval

    teams = list(uc.teams)
    tools = tuple(uc.tools)
    adoption = data.adoption(tools)
    now = _in_period(adoption, data.period.label, teams)
    active, heads = int(now["active_users"].sum()), int(now["headcount"].sum())
    share = active / heads if heads else float("nan")
    low, high = (wilson_interval(active, heads, confidence=data.confidence) if heads
                 else (float("nan"), float("nan")))
    rollout = _started(adoption, teams, dict(uc.rollout or {}))
    spend_rows = data.spend()
    rows = []
    for kpi in uc.kpis:
        panel = build_kpi_panel(outcomes, kpi=kpi.name, teams=teams, rollout=rollout,
                                headcounts=data.headcounts, min_group_size=data.k,
                                until=data.period.end,
                                all_teams=bool(getattr(uc, "all_teams", False)))
        started = list(panel.treated_teams)
        by_team = dict(zip(now["team"].astype(str), now["penetration"].astype(float),
                           strict=True))
        impact = estimate_kpi_impact(panel, better=kpi.direction, adoption=by_team,
                                     alpha=alpha)
        sp = spend_rows[spend_rows["tool"].astype(str).isin(tools)
                        & spend_rows["team"].astype(str).isin(started)
                        & ~spend_rows["suppressed"].astype(bool)]
        spend = float(sp["spend"].sum()) if len(sp) else None
        f = panel.frame
        last = f[f["in_scope"]]
        latest = (float(last.loc[last["t"] == last["t"].max(), "value"].mean())
                  if len(last) else None)
        r = impact.result
        value = value_statement(
            verdict=impact.verdict, estimate=getattr(r, "estimate", None),
            ci_low=getattr(r, "ci_low", None), ci_high=getattr(r, "ci_high", None),
            spend=spend, teams=len(started), unit=kpi.unit or panel.unit, currency=currency,
            unit_value=getattr(kpi, "unit_value", None))
        status, missing = _judge(impact, kpi, latest, data.period.end)
        key = (uc.name, kpi.name)
        section["panels"][key], section["impacts"][key] = panel, impact
        section["values"][key] = value
        rows.append({
            "use_case": uc.name, "business_owner": uc.business_owner, "it_owner": uc.it_owner,
            "register_status": uc.status, "review_date": uc.review_date,
            "tools": ", ".join(tools), "teams_in_scope": len(teams),
            "teams_started": len(started), "adoption": share, "adoption_ci_low": low,
            "adoption_ci_high": high, "adoption_n": heads, "kpi": kpi.name,
            "unit": kpi.unit or panel.unit, "direction": kpi.direction,
            "baseline": kpi.baseline, "target": kpi.target, "target_date": kpi.target_date,
            "latest": latest, "method": getattr(r, "method", None),
            "estimate": getattr(r, "estimate", None), "ci_low": getattr(r, "ci_low", None),
            "ci_high": getattr(r, "ci_high", None), "p_value": getattr(r, "p_value", None),
            "n": getattr(r, "n", None), "n_teams": getattr(r, "n_units", None),
            "n_treated": getattr(r, "n_treated", None),
            "pretrend_p": getattr(r, "pretrend_p", None), "verdict": impact.verdict,
            "reason": impact.reason, "status": status, "missing": missing, "spend": spend,
            "value": value.text})
    return rows


def _outcomes(ws) -> pd.DataFrame:
    """The KPI values of the outcome files and GitHub's organisation-wide pull-request figures
    (:func:`adoption.vendors.github_pr.load_github_pr_kpis`), in one frame."""
    from adoption.outcomes import load_outcomes
    from adoption.vendors.github_pr import load_github_pr_kpis

    frames = [f for f in (load_outcomes(ws), load_github_pr_kpis(ws)) if len(f)]
    if not frames:
        return load_outcomes(ws)
    return pd.concat(frames, ignore_index=True)


def _team_labels(ws, panels) -> dict[str, str]:
    from adoption.canonical.membership import load_group_labels
    from adoption.privacy import publish_labels

    teams = sorted({t for p in panels for t in (*p.treated_teams, *p.comparison_teams)})
    if not teams:
        return {}
    with ws.store(read_only=True) as store:
        labels = load_group_labels(store)
    shown = publish_labels(pd.DataFrame({"team": teams}), ws.settings, labels=labels)
    return dict(zip(teams, shown["team"].astype(str), strict=True))


def _register(ws) -> tuple[Any, str | None]:
    from adoption.errors import InputError
    from adoption.outcomes import load_register

    try:
        return load_register(ws), None
    except FileNotFoundError:
        return None, ("No use-case register in this workspace yet: add `usecases.yaml` "
                      "(see the README's \"Use cases and outcomes\") to see each use case's "
                      "adoption, KPI change and spend here.")
    except InputError as e:
        return None, ("The use-case register has problems, so the portfolio is not shown: "
                      f"run `adoption usecases check` to list them ({str(e).splitlines()[0]})")


def build_portfolio(workspace: Any, *, period: str, period_kind: str = "month",
                    min_group_size: int | None = None,
                    confidence: float = 0.95) -> PortfolioSection:
    """The portfolio section of ``period``: one row per use case x KPI.

    Parameters
    ----------
    workspace : Workspace or path
    period : str
        The report's period label (e.g. ``"2026-09"``); KPI data after it is not used.
    period_kind : {"week", "month", "quarter"}, default "month"
    min_group_size : int, optional
        Raise the workspace's threshold (never lower it).
    confidence : float, default 0.95

    Returns
    -------
    PortfolioSection
        ``table`` columns: :data:`TABLE_COLUMNS` -- the register's fields, ``adoption``
        (share of the use case's shown teams using its tools this period, Wilson interval,
        n = their headcount), the KPI's ``latest`` value (mean over the use case's teams in
        the KPI's last period), the impact estimate (``method, estimate, ci_low, ci_high,
        p_value, n, n_teams, n_treated, pretrend_p``), ``verdict, reason``, ``status`` (one
        of :data:`JUDGEMENTS`), ``missing`` (what is needed to judge), ``spend`` (seat and
        usage spend of its tools in its started, shown teams this period) and ``value`` (the
        value statement).
    """
    from adoption.periods import parse_period, period_title
    from adoption.privacy import check_min_group_size, resolve_min_group_size
    from adoption.workspace import as_workspace

    ws = as_workspace(workspace)
    k = resolve_min_group_size(ws.settings, min_group_size)
    check_min_group_size(k, where="build_portfolio")
    target = parse_period(period, period_kind, week_start=ws.settings.week_start_index)
    currency = ws.settings.currency
    register, note = _register(ws)
    parts: dict = {"panels": {}, "impacts": {}, "values": {}}
    rows: list[dict] = []
    if register is not None and register.use_cases:
        outcomes = _outcomes(ws)
        data = _Data(ws, target, period_kind, k, confidence)
        for uc in register.use_cases:
            rows.extend(_use_case_rows(uc, data, outcomes, currency, 1 - confidence, parts))
    elif register is not None:
        note = "The use-case register lists no use case yet."
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    parts["team_labels"] = _team_labels(ws, parts["panels"].values())
    return PortfolioSection(period=target.label, period_kind=period_kind,
                            period_title=period_title(target), min_group_size=k,
                            confidence=confidence, currency=currency, register_note=note,
                            table=table, **parts)
