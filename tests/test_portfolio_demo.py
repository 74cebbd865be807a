"""The demo's two use cases in the report: the designed improvement is detected, the designed
pre-trend case is refused, and the team under the privacy threshold is never used or named."""

from __future__ import annotations

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from adoption.demo import DEMO_STORY
from adoption.demo import outcomes as story
from adoption.portfolio import build_portfolio

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def portfolio(demo_workspace):
    return build_portfolio(demo_workspace, period=DEMO_STORY.months[-1])


def _row(portfolio, use_case: str) -> pd.Series:
    rows = portfolio.table[portfolio.table["use_case"] == use_case]
    assert len(rows) == 1
    return rows.iloc[0]


def _designed_att() -> float:
    """The mean designed effect over the started teams' months up to the report's month
    (adoption.demo.outcomes: -2 h in the rollout month, -0.6 h more in each of the next 3)."""
    last = len(DEMO_STORY.months) - 1
    effects = [-(story.TRIAGE_EFFECT_HOURS + story.TRIAGE_EFFECT_GROWTH_HOURS * min(k, 3))
               for start in story.TRIAGE_ROLLOUT.values() for k in range(last - start + 1)]
    return sum(effects) / len(effects)


def test_staggered_rollout_improvement_is_detected(portfolio):
    r = _row(portfolio, story.TRIAGE)
    assert r["verdict"] == "evidence of improvement"
    assert r["status"] == "on track"
    assert "event study" in r["method"]
    assert r["n_treated"] == len(story.TRIAGE_ROLLOUT)
    # the interval holds the designed effect (about -3.3 hours) and excludes 0
    assert r["ci_low"] <= _designed_att() <= r["ci_high"] < 0
    assert r["pretrend_p"] > 0.10
    impact = portfolio.impacts[(story.TRIAGE, story.TRIAGE_KPI)]
    assert impact.dose is not None and impact.dose.method.startswith("dose-response")
    value = portfolio.values[(story.TRIAGE, story.TRIAGE_KPI)]
    assert value.cost_per_unit is not None and value.spend > 0
    assert r["adoption_n"] > 0 and 0 < r["adoption"] <= 1


def test_pre_trend_case_is_refused(portfolio):
    r = _row(portfolio, story.PROPOSALS)
    assert r["verdict"] == "cannot tell: pre-trends differ"
    assert r["status"] == "no evidence yet"
    assert r["pretrend_p"] < 0.01
    assert "parallel" in r["missing"]
    assert r["value"].startswith("No value figure")
    # a naive before/after comparison would have credited the tool: the teams did get faster
    panel = portfolio.panels[(story.PROPOSALS, story.PROPOSALS_KPI)]
    f = panel.frame[panel.frame["in_scope"]]
    assert f.loc[f["post"], "value"].mean() < f.loc[~f["post"], "value"].mean() - 1


def test_small_team_is_never_used_or_named(portfolio):
    panel = portfolio.panels[(story.TRIAGE, story.TRIAGE_KPI)]
    assert story.TINY_KPI_TEAM in panel.excluded
    assert story.TINY_KPI_TEAM not in set(panel.frame["team"])
    assert story.TINY_KPI_TEAM not in portfolio.team_labels
    assert set(panel.comparison_teams) == set(story.TRIAGE_COMPARISON)


def test_report_shows_the_portfolio(demo_workspace):
    reports = sorted(demo_workspace.reports_dir.glob("adoption_*.html"))
    soup = BeautifulSoup(reports[-1].read_text(encoding="utf-8"), "html.parser")
    assert soup.find(string=lambda s: s and "Outcomes and value" in s)
    table = soup.find("table", attrs={"data-table": "portfolio"})
    text = table.get_text(" ", strip=True)
    assert story.TRIAGE in text and story.PROPOSALS in text
    assert "on track" in text and "no evidence yet" in text
    teams = soup.find("table", attrs={"data-table": "portfolio-teams"}).get_text(" ")
    assert "Facilities" in teams  # comparison teams are named
    assert "already moving apart" in teams
    # the methods are named in "How to read this report", after the body
    methods = soup.find("table", attrs={"data-table": "portfolio-methods"})
    how_to_read = next(h for h in soup.find_all("h2")
                       if h.get_text(strip=True) == "How to read this report")
    assert how_to_read in methods.find_all_previous("h2")
    assert "did2s" in methods.get_text(" ")
    assert story.TINY_KPI_TEAM not in text + teams + methods.get_text(" ")
