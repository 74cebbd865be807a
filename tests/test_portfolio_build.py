"""The portfolio on a small organisation built through the real ingest path: no register, a
broken register, a rollout with no comparison team (interrupted time series), too short a
history, and a team under the privacy threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import adoption
from adoption.ingest import ingest_files
from adoption.portfolio import build_portfolio, describe_portfolio, format_portfolio_table

TEAMS = {"Alpha": 8, "Beta": 8, "Gamma": 8, "Tiny": 3}
MONTHS = pd.period_range("2025-01", "2026-06", freq="M")


def _org(root: Path) -> adoption.Workspace:
    ws = adoption.init_workspace(root / "ws", adoption.Settings(time_zone="Europe/Berlin",
                                                                currency="EUR"))
    inbox = root / "inbox"
    inbox.mkdir()
    people = [(f"{team.lower()}{i}@example.com", team) for team, n in TEAMS.items()
              for i in range(n)]
    pd.DataFrame({"email": [p for p, _ in people], "team": [t for _, t in people],
                  "department": "Ops", "start_date": "2024-01-01", "end_date": "",
                  "as_of": "2025-01-01"}).to_csv(inbox / "roster.csv", index=False)
    pd.DataFrame({"tool": ["ChatGPT Enterprise"], "vendor": ["OpenAI"],
                  "category": ["chat assistant"], "sanctioned": ["true"],
                  "monthly_seat_cost": ["50.00"], "currency": ["EUR"]}
                 ).to_csv(inbox / "tools.csv", index=False)
    # every person uses the tool on the 10th of each month from 2026-01 (the usage data
    # runs 2025-01 to 2026-06: the canonical periods)
    rows = [{"timestamp": f"{m.start_time:%Y-%m}-10T10:00:00+01:00", "email": p,
             "tool": "ChatGPT Enterprise", "feature": "chat", "count": 2}
            for m in MONTHS for p, _ in people if m >= pd.Period("2026-01", "M")]
    rows.append({"timestamp": "2025-01-10T10:00:00+01:00", "email": people[0][0],
                 "tool": "ChatGPT Enterprise", "feature": "chat", "count": 1})
    pd.DataFrame(rows).to_csv(inbox / "usage.csv", index=False)
    rng = np.random.default_rng(7)
    t = np.arange(len(MONTHS))
    kpi = []
    for team in TEAMS:
        level = rng.uniform(20, 30)
        # one organisation-wide step of -4 hours from 2026-01 (t = 12), a slow drift, noise
        value = level - 0.05 * t - 4.0 * (t >= 12) + rng.normal(0, 0.4, t.size)
        kpi += [{"team": team, "period": str(m), "kpi": "resolution_hours", "value": round(v, 2),
                 "unit": "hours", "n": 50} for m, v in zip(MONTHS, value, strict=True)]
    kpi += [{"team": "Alpha", "period": str(m), "kpi": "csat", "value": 4.0, "unit": "points",
             "n": 30} for m in MONTHS[-4:]]
    pd.DataFrame(kpi).to_csv(inbox / "kpis.csv", index=False)
    ingest_files(ws, [inbox / f for f in ("roster.csv", "tools.csv", "usage.csv", "kpis.csv")])
    return ws


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> adoption.Workspace:
    return _org(tmp_path_factory.mktemp("portfolio"))


REGISTER = """use_cases:
  - name: Triage for everyone
    business_owner: Head of Operations
    it_owner: Platform lead
    tools: [ChatGPT Enterprise]
    teams: [Alpha, Beta, Gamma, Tiny]
    rollout: 2026-01-01
    status: live
    review_date: 2026-12-31
    kpis:
      - {name: resolution_hours, direction: down, unit: hours}
      - {name: csat, direction: up, unit: points}
"""


def test_no_register_says_how_to_add_one(org):
    section = build_portfolio(org, period="2026-06")
    assert section.table.empty and "usecases.yaml" in section.register_note
    assert "usecases.yaml" in describe_portfolio(section)


def test_a_broken_register_does_not_break_the_report(org, tmp_path):
    path = org.root / "usecases.yaml"
    path.write_text("use_cases:\n  - name: x\n    tools: [ChatGPT Enterprise]\n",
                    encoding="utf-8")
    try:
        section = build_portfolio(org, period="2026-06")
    finally:
        path.unlink()
    assert section.table.empty
    assert "adoption usecases check" in section.register_note


def test_no_comparison_team_gives_a_time_series_and_small_teams_stay_out(org):
    (org.root / "usecases.yaml").write_text(REGISTER, encoding="utf-8")
    try:
        section = build_portfolio(org, period="2026-06")
    finally:
        (org.root / "usecases.yaml").unlink()
    rows = section.table.set_index("kpi")
    its = rows.loc["resolution_hours"]
    # every team started on 2026-01-01 and no team compares: the teams' mean as a time series
    assert its["method"] == "interrupted time series"
    assert its["verdict"] == "evidence of improvement" and its["status"] == "on track"
    # the designed step is -4 hours (above), the interval holds it
    assert its["ci_low"] <= -4.0 <= its["ci_high"]
    panel = section.panels[("Triage for everyone", "resolution_hours")]
    assert panel.excluded == {"Tiny": "fewer than 5 people"}
    assert "Tiny" not in section.team_labels
    # adoption is over the teams the privacy gate publishes: Tiny is hidden, and one 8-person
    # sibling with it (complementary suppression: else Tiny's figures would follow from the
    # department's), so 16 people, all using the tool in June. No seats file, so no spend:
    # no value figure, and the reason says so
    assert its["adoption_n"] == 16 and its["adoption"] == 1.0
    assert its["value"].startswith("No value figure")
    # csat: four months, all after the rollout: nothing to compare with
    short = rows.loc["csat"]
    assert short["status"] == "no evidence yet" and "longer history" in short["missing"]
    html = format_portfolio_table(section).to_html()
    assert "Tiny" not in html and "longer history" in html
