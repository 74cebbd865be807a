"""The demo's use cases and outcome KPIs: one rollout that works, one that only looks like it.

Two use cases of ChatGPT Enterprise, each with a monthly team KPI file that starts a year
before the usage data (outcome history is usually longer than tool telemetry):

- **Ticket triage** (:data:`TRIAGE`): rolled out team by team in four waves
  (:data:`TRIAGE_ROLLOUT`). Its teams' ticket resolution time falls by
  :data:`TRIAGE_EFFECT_HOURS` in the rollout month and by a further
  :data:`TRIAGE_EFFECT_GROWTH_HOURS` in each of the next three months, against comparison
  teams that report the same KPI without the use case. A staggered event study must detect it.
- **Proposal drafting** (:data:`PROPOSALS`): rolled out to the sales teams on one date,
  but those teams had been getting faster since long before
  (:data:`PROPOSALS_PRE_TREND_DAYS` a month since :data:`PROPOSALS_TREND_FROM`) and keep
  the same pace afterwards: the tool changes nothing. A before/after comparison would credit
  it; the pre-trend check must catch it and the report must refuse to.

:data:`TINY_KPI_TEAM` (3 people, under the privacy threshold) reports the triage KPI too:
no estimate may use or name it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from adoption.demo.story import TINY_TEAM, add_months
from adoption.demo.world import DemoWorld

__all__ = [
    "KPI_FILE",
    "KPI_HISTORY_MONTHS",
    "PROPOSALS",
    "PROPOSALS_COMPARISON",
    "PROPOSALS_KPI",
    "PROPOSALS_PRE_TREND_DAYS",
    "PROPOSALS_ROLLOUT_MONTH",
    "PROPOSALS_TEAMS",
    "PROPOSALS_TREND_FROM",
    "REGISTER_FILE",
    "TINY_KPI_TEAM",
    "TRIAGE",
    "TRIAGE_COMPARISON",
    "TRIAGE_EFFECT_GROWTH_HOURS",
    "TRIAGE_EFFECT_HOURS",
    "TRIAGE_KPI",
    "TRIAGE_ROLLOUT",
    "register_document",
    "write",
    "write_register",
]

TRIAGE = "Ticket triage and reply drafting"
TRIAGE_KPI = "ticket_resolution_hours"
#: team -> month of the usage period (0 = its first month) in which triage went live there
TRIAGE_ROLLOUT: dict[str, int] = {
    "Customer Success": 1, "Sales Operations": 1,
    "Customer Support": 3, "IT Service Desk": 3, "Logistics": 3,
    "People Partners": 5, "Talent Acquisition": 5, "Learning & Development": 5,
    "Accounting": 7, "Procurement": 7,
}
#: teams that report resolution time but have no triage use case (the comparison)
TRIAGE_COMPARISON = ("Facilities", "Supply Chain", "Legal", "Compliance", "FP&A",
                     "Internal Audit")
TINY_KPI_TEAM = TINY_TEAM
#: hours less resolution time in the rollout month, and more in each of the next 3 months
TRIAGE_EFFECT_HOURS = 2.0
TRIAGE_EFFECT_GROWTH_HOURS = 0.6

PROPOSALS = "Proposal drafting"
PROPOSALS_KPI = "proposal_turnaround_days"
PROPOSALS_TEAMS = ("EMEA Sales", "DACH Sales", "North America Sales", "APAC Sales",
                   "Solutions Engineering")
PROPOSALS_COMPARISON = ("Brand", "Product Marketing", "Content & Communications",
                        "Marketing Analytics", "Growth Marketing")
#: month of the usage period in which proposal drafting went live for every sales team
PROPOSALS_ROLLOUT_MONTH = 4
#: days a month the sales teams' turnaround had been falling since this month of the KPI
#: history (0 = the history's first month), before and after the rollout alike
PROPOSALS_PRE_TREND_DAYS = 0.15
PROPOSALS_TREND_FROM = 2

#: months of KPI history before the usage period
KPI_HISTORY_MONTHS = 12
KPI_FILE = "team_kpis.csv"
REGISTER_FILE = "usecases.yaml"


def _rollout_day(first: dt.date, month: int) -> dt.date:
    return add_months(first, month)


def register_document(first: dt.date, months: int) -> dict:
    """The demo's use-case register (as the YAML document written to ``usecases.yaml``)."""
    review = add_months(first, months + 1)
    return {"use_cases": [
        {"name": TRIAGE,
         "business_owner": "Head of Customer Operations",
         "it_owner": "Collaboration platforms lead",
         "tools": ["ChatGPT Enterprise"],
         "teams": list(TRIAGE_ROLLOUT),
         "rollout": {team: _rollout_day(first, m) for team, m in TRIAGE_ROLLOUT.items()},
         "status": "live",
         "review_date": review,
         "kpis": [{"name": TRIAGE_KPI, "direction": "down", "unit": "hours",
                   "baseline": 31.0, "target": 27.0, "target_date": review,
                   # what one hour less resolution time is worth, per team and month
                   "unit_value": 1200.0}]},
        {"name": PROPOSALS,
         "business_owner": "Chief Revenue Officer",
         "it_owner": "Sales systems lead",
         "tools": ["ChatGPT Enterprise"],
         "teams": list(PROPOSALS_TEAMS),
         "rollout": _rollout_day(first, PROPOSALS_ROLLOUT_MONTH),
         "status": "rollout",
         "review_date": review,
         "kpis": [{"name": PROPOSALS_KPI, "direction": "down", "unit": "days",
                   "baseline": 9.0, "target": 7.0, "target_date": review,
                   "unit_value": 1500.0}]},
    ]}


def write_register(path: Path, *, first: dt.date, months: int) -> Path:
    """Write the demo's register to ``path`` (YAML) and return it."""
    text = yaml.safe_dump(register_document(first, months), sort_keys=False, allow_unicode=True)
    path.write_text("# AI use cases of Example Corp (synthetic demo)\n" + text,
                    encoding="utf-8")
    return path


def _season(month_of_year: np.ndarray) -> np.ndarray:
    """More tickets and slower answers around the year's end (peak in December)."""
    return 1.2 * np.cos(2 * np.pi * (month_of_year - 12) / 12)


def _kpi_rows(rng: np.random.Generator, first: dt.date, months: int) -> pd.DataFrame:
    start = add_months(first, -KPI_HISTORY_MONTHS)
    n_months = KPI_HISTORY_MONTHS + months
    labels = [f"{add_months(start, k):%Y-%m}" for k in range(n_months)]
    month_of_year = np.array([add_months(start, k).month for k in range(n_months)])
    t = np.arange(n_months)
    frames = []
    # ticket resolution time: a common drift and season, team levels, the designed effect
    common = 0.03 * t + _season(month_of_year)
    for team in (*TRIAGE_ROLLOUT, *TRIAGE_COMPARISON, TINY_KPI_TEAM):
        level = rng.uniform(26.0, 36.0)
        effect = np.zeros(n_months)
        if team in TRIAGE_ROLLOUT:
            since = t - (KPI_HISTORY_MONTHS + TRIAGE_ROLLOUT[team])
            effect = np.where(since >= 0, -(TRIAGE_EFFECT_HOURS + TRIAGE_EFFECT_GROWTH_HOURS
                                            * np.minimum(since, 3)), 0.0)
        value = level + common + effect + rng.normal(0.0, 0.8, n_months)
        tickets = rng.poisson(140 if team != TINY_KPI_TEAM else 20, n_months)
        frames.append(pd.DataFrame({"team": team, "period": labels, "kpi": TRIAGE_KPI,
                                    "value": np.round(value, 2), "unit": "hours",
                                    "n": tickets}))
    # proposal turnaround: the sales teams were already getting faster, at the same pace after
    for team in (*PROPOSALS_TEAMS, *PROPOSALS_COMPARISON):
        level = rng.uniform(8.0, 11.0)
        trend = np.zeros(n_months)
        if team in PROPOSALS_TEAMS:
            trend = -PROPOSALS_PRE_TREND_DAYS * np.maximum(0, t - PROPOSALS_TREND_FROM)
        value = level + trend + 0.2 * _season(month_of_year) + rng.normal(0.0, 0.3, n_months)
        frames.append(pd.DataFrame({"team": team, "period": labels, "kpi": PROPOSALS_KPI,
                                    "value": np.round(value, 2), "unit": "days",
                                    "n": rng.poisson(25, n_months)}))
    return pd.concat(frames, ignore_index=True)


def write(world: DemoWorld) -> list[Path]:
    """Write the monthly team KPI file (``team_kpis.csv``) to the demo inbox.

    The register is not an input file: :func:`write_register` writes it, and the demo puts it
    in the workspace (see :func:`adoption.demo.build_demo`).
    """
    # the draw of the clean case: a pre-trend test at the 10% level refuses one clean panel in
    # ten by design; this stream's draw is not one of them (p = 0.36), so the demo shows what
    # it is designed to show (tests/test_portfolio_demo.py asserts both cases)
    rows = _kpi_rows(world.rng("outcome kpis"), world.first, world.months)
    path = world.out / KPI_FILE
    rows.to_csv(path, index=False, lineterminator="\n")
    return [path]
