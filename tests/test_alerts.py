"""Alerts: each rule on small fixtures, and the demo's designed cases on the full demo.

The demo (the session's shared ``demo_workspace``, 2,400 people) is designed so that, in its
last month (2026-10): idle seats cost far more than 500 a month; DACH Sales (the stalling team)
has been flat at about 29 % since spring; Supply Chain's unsanctioned AI use climbs over the
last four months (adoption.demo.discovery); Mobile's survey scores fall from the June to the
September wave (adoption.demo.surveys); and the fast teams grow and stay high.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import adoption
from adoption.cli import main
from adoption.demo import story
from adoption.governance import build_alerts, describe_alerts, format_alerts_table
from adoption.governance.alerts import ALERT_COLUMNS
from adoption.governance.config import AlertSettings
from adoption.ingest import ingest_files

FIXTURES = Path(__file__).parent / "fixtures" / "governance"
LAST = story.DEMO_STORY.months[-1]  # 2026-10


def small_workspace(root: Path, **sections) -> adoption.Workspace:
    """The tiny organisation of tests/test_governance_metrics.py (Copilot idle: 3 x 19)."""
    settings = adoption.Settings(time_zone="Europe/Berlin", min_group_size=3,
                                 sections=sections)
    ws = adoption.init_workspace(root, settings)
    ingest_files(ws, [FIXTURES / n for n in ("roster.csv", "tools.csv", "seats.csv",
                                             "usage.csv")])
    return ws


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> adoption.Workspace:
    return small_workspace(tmp_path_factory.mktemp("alerts") / "ws")


def test_idle_spend_threshold(small):
    # reclaimable on 2026-01-31: Copilot a2, a4, b2, b3 (no seat activity here) = 4 x 19 = 76;
    # ChatGPT's cost is unknown (USD catalogue in an EUR workspace) and not counted
    quiet = AlertSettings(idle_spend_above=80.0, shadow_growth=False, sentiment_drop=False)
    assert build_alerts(small, period="2026-01", settings=quiet).empty
    loud = AlertSettings(idle_spend_above=70.0, shadow_growth=False, sentiment_drop=False)
    alerts = build_alerts(small, period="2026-01", settings=loud)
    assert list(alerts.columns) == ALERT_COLUMNS
    a = alerts.iloc[0]
    assert (a.rule, a.level, a.severity) == ("idle_spend", "organisation", "medium")  # < 2 x 70
    assert a.estimate == pytest.approx(76.0)
    assert a.n == 13  # seats held on 2026-01-31: 8 Copilot + 2 Cursor + 3 ChatGPT
    assert "EUR 76 a month" in a.message
    # 6 reclaimable seats: the 4 Copilot ones and ChatGPT's g2, g3 (cost unknown);
    # Wilson(6, 13) = 23% to 71% (statsmodels proportion_confint, method="wilson")
    assert "6 of 13 seats" in a.evidence and "23% to 71%" in a.evidence
    assert "Seat cost unknown, not counted: ChatGPT" in a.evidence
    high = build_alerts(small, period="2026-01", settings=AlertSettings(
        idle_spend_above=30.0, shadow_growth=False, sentiment_drop=False))
    assert high.iloc[0].severity == "high"  # 76 > 2 x 30


def test_team_idle_spend_only_for_published_teams(small):
    rules = AlertSettings(idle_spend_above=0, team_idle_spend_above=30.0, shadow_growth=False,
                          sentiment_drop=False)
    alerts = build_alerts(small, period="2026-01", settings=rules)
    # Alpha: a2, a4 -> 38; Beta: b2, b3 -> 38; Gamma's ChatGPT cost is unknown
    assert sorted(alerts["team"]) == ["Alpha", "Beta"]
    assert alerts["estimate"].tolist() == pytest.approx([38.0, 38.0])
    # raising the privacy threshold above the teams' seat holders silences team alerts
    assert build_alerts(small, period="2026-01", settings=rules, min_group_size=5).empty


def test_settings_come_from_adoption_toml(tmp_path):
    ws = small_workspace(tmp_path / "ws", alerts={"idle_spend_above": 70.0,
                                                  "shadow_growth": False})
    alerts = build_alerts(adoption.open_workspace(ws.root), period="2026-01")
    assert alerts["rule"].tolist() == ["idle_spend"]


def test_shadow_rule_raises_only_growth_beyond_noise_of_published_teams(small, monkeypatch):
    import adoption.discovery.metrics as discovery

    trend = pd.DataFrame({  # the columns of compute_shadow_ai_trend
        "level": ["team"] * 4 + ["organisation"],
        "department": ["Eng", "Eng", "Sales", "Eng", None],
        "team": ["Alpha", "Beta", "Gamma", "Delta", None],
        "period": ["2026-01"] * 5, "comparison_period": ["2025-12"] * 5,
        "n_paired": [40, 40, None, 50, 200],
        "share": [0.3, 0.1, None, 0.2, 0.2],
        "difference": [0.2, 0.05, None, -0.2, 0.1],
        "ci_low": [0.1, -0.02, None, -0.3, 0.05], "ci_high": [0.3, 0.12, None, -0.1, 0.15],
        "beyond_noise": pd.array([True, False, pd.NA, True, True], dtype="boolean"),
        "growing": pd.array([True, False, pd.NA, False, True], dtype="boolean"),
        "suppressed": [False, False, True, False, False],
    })
    monkeypatch.setattr(discovery, "compute_shadow_ai_trend", lambda *a, **k: trend)
    rules = AlertSettings(idle_spend_above=0, sentiment_drop=False)
    alerts = build_alerts(small, period="2026-01", settings=rules)
    # Alpha grew beyond noise; Beta is within noise; Gamma is hidden; Delta fell; the
    # organisation row is not a team alert
    assert alerts[["rule", "team"]].values.tolist() == [["shadow_growth", "Alpha"]]
    a = alerts.iloc[0]
    assert (a.severity, a.n, a.estimate) == ("high", 40, 0.2)
    assert "+20 points since 2025-12" in a.evidence and "n = 40" in a.evidence


def test_sentiment_rule_groups_constructs_per_team(small, monkeypatch):
    import adoption.surveys.change as change_module
    import adoption.surveys.data as data

    waves = pd.DataFrame({"wave": ["2025-09", "2025-12", "2026-03"],
                          "wave_date": pd.to_datetime(["2025-09-15", "2025-12-15",
                                                       "2026-03-15"])})
    seen = {}

    def change(responses, *, wave, comparison_wave, **kwargs):
        seen["waves"] = (comparison_wave, wave)
        return pd.DataFrame({
            "level": "team", "department": ["Eng", "Eng", "Eng"],
            "team": ["Alpha", "Alpha", "Beta"], "construct": ["usefulness", "trust", "trust"],
            "n_before": [20, 20, 3], "n_after": [22, 22, 3], "mean_before": [4.0, 3.5, None],
            "mean_after": [3.0, 3.2, None], "estimate": [-1.0, -0.3, None],
            "ci_low": [-1.4, -0.5, None], "ci_high": [-0.6, -0.1, None],
            "p_adjusted": [0.001, 0.02, None],
            "beyond_noise": pd.array([True, True, pd.NA], dtype="boolean"),
            "suppressed": [False, False, True]})

    monkeypatch.setattr(data, "load_waves", lambda ws: waves)
    monkeypatch.setattr(data, "load_responses", lambda ws, waves=None: pd.DataFrame())
    monkeypatch.setattr(change_module, "compute_wave_change", change)
    rules = AlertSettings(idle_spend_above=0, shadow_growth=False)
    alerts = build_alerts(small, period="2026-01", settings=rules)
    assert seen["waves"] == ("2025-09", "2025-12")  # the last two waves up to January's end
    assert alerts["team"].tolist() == ["Alpha"]  # Beta is hidden
    a = alerts.iloc[0]
    assert "usefulness and trust" in a.message
    assert (a.estimate, a.n) == (-1.0, 22)  # the largest drop
    assert "n = 20" in a.evidence and "n = 22" in a.evidence


def test_describe_and_format(small):
    empty = build_alerts(small, period="2026-01", settings=AlertSettings(
        idle_spend_above=1000, shadow_growth=False, sentiment_drop=False))
    assert "No alerts" in describe_alerts(empty)
    assert format_alerts_table(empty).data.empty
    alerts = build_alerts(small, period="2026-01", settings=AlertSettings(
        idle_spend_above=10, shadow_growth=False, sentiment_drop=False))
    text = describe_alerts(alerts)
    assert text.startswith("**1 thing needs attention") and "EUR 76" in text
    table = format_alerts_table(alerts).data
    assert table.iloc[0]["Where"] == "Organisation"


def test_cli_lists_alerts(tmp_path, capsys):
    ws = small_workspace(tmp_path / "ws", alerts={"idle_spend_above": 50.0})
    assert main(["alerts", "--workspace", str(ws.root), "--period", "2026-01",
                 "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert frame["rule"].tolist() == ["idle_spend"]
    assert frame["estimate"].tolist() == pytest.approx([76.0])
    assert main(["alerts", "--workspace", str(ws.root), "--period", "2026-01"]) == 0
    out = capsys.readouterr().out
    assert "[MEDIUM] idle_spend · Organisation" in out and "Evidence:" in out


# ---------------------------------------------------------------- the demo's designed cases


@pytest.fixture(scope="module")
def demo_alerts(demo_workspace) -> dict[str, pd.DataFrame]:
    return {p: build_alerts(demo_workspace, period=p) for p in ("2026-06", LAST)}


def _teams(alerts: pd.DataFrame, rule: str) -> set[str]:
    return set(alerts.loc[alerts["rule"] == rule, "team"].dropna())


def test_demo_designed_alerts_fire(demo_alerts):
    from adoption.demo.discovery import SHADOW_GROWTH_TEAM
    from adoption.demo.surveys import SENTIMENT_DROP_TEAM

    last = demo_alerts[LAST]
    idle = last[last["rule"] == "idle_spend"]
    assert len(idle) == 1 and idle.iloc[0].level == "organisation"
    assert idle.iloc[0].estimate > 500 and idle.iloc[0].severity == "high"
    assert story.STALLING_TEAM in _teams(last, "stalled")
    assert _teams(last, "shadow_growth") == {SHADOW_GROWTH_TEAM}
    assert _teams(last, "sentiment_drop") == {SENTIMENT_DROP_TEAM}
    # the stall shows by June already, with nothing else yet but the fading team
    assert story.STALLING_TEAM in _teams(demo_alerts["2026-06"], "stalled")


def test_demo_stable_teams_raise_no_alert(demo_alerts):
    for period, alerts in demo_alerts.items():
        teams = set(alerts["team"].dropna())
        assert not teams & set(story.FAST_TEAMS), period
        assert story.TINY_TEAM not in teams  # below the privacy threshold: never named
        # only the stalling and the fading team stall (the fading one: "fallen")
        assert _teams(alerts, "stalled") <= {story.STALLING_TEAM, story.FADING_TEAM}, period
    fading = demo_alerts[LAST]
    fading = fading[(fading["rule"] == "stalled") & (fading["team"] == story.FADING_TEAM)]
    assert fading.empty or "fallen" in fading.iloc[0].message


def test_demo_alert_evidence_has_n_and_interval(demo_alerts):
    for r in demo_alerts[LAST].itertuples(index=False):
        # money and data-quality findings are facts, not estimates: no interval
        assert "interval" in r.evidence and "n = " in r.evidence or r.rule in (
            "idle_spend", "export_drift")
        assert pd.notna(r.n) and r.n > 0
        if r.rule not in ("idle_spend", "export_drift"):
            assert r.ci_low <= r.estimate <= r.ci_high


def _person_periods(teams: dict[str, list[float]], size: int = 200) -> pd.DataFrame:
    """A person-period frame: per team, ``size`` people and the share active in each month;
    the first ``share x size`` people of the team are the active ones (so a flat share is the
    same people, and a rise adds people)."""
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    rows = []
    for team, shares in teams.items():
        for m, share in zip(months, shares, strict=True):
            for i in range(size):
                rows.append({"period": m, "period_start": pd.Timestamp(f"{m}-01"),
                             "days_in_period": 28, "person_id": f"{team}-{i}", "team": team,
                             "department": "D", "has_seat": True,
                             "active_days": int(i < share * size) * 3,
                             "events": int(i < share * size) * 5,
                             "is_active": bool(i < share * size), "is_new": False,
                             "was_active_prev": False, "in_prev_population": True})
    return pd.DataFrame(rows)


def test_stalled_rule_on_a_hand_made_frame(small, monkeypatch):
    pp = _person_periods({"Flat": [0.30, 0.30, 0.31, 0.30], "Grow": [0.30, 0.38, 0.46, 0.55],
                          "Settled": [0.80, 0.80, 0.80, 0.80],
                          "Fall": [0.35, 0.30, 0.25, 0.20]})
    tiny = _person_periods({"Tiny": [0.25, 0.25, 0.25, 0.25]}, size=4)
    # complementary suppression hides the smallest sibling with the tiny team: this one
    buffer = _person_periods({"Buffer": [0.25, 0.25, 0.25, 0.25]}, size=10)
    frame = pd.concat([pp, tiny, buffer], ignore_index=True)
    monkeypatch.setattr(adoption.Workspace, "person_periods", lambda self, kind="month": frame)
    rules = AlertSettings(idle_spend_above=0, shadow_growth=False, sentiment_drop=False)
    alerts = build_alerts(small, period="2026-04", settings=rules, min_group_size=5)
    # Flat: +0 points over three months, paired interval well below +10 (200 people);
    # Grow: +25 points; Settled: flat but at 80%, above stalled_below (0.4);
    # Fall: -15 points ("fallen"); Tiny: 4 people, below the threshold: never named, and
    # Buffer (flat at 25 %, 10 people) hidden to protect it
    assert sorted(alerts["team"]) == ["Fall", "Flat"]
    flat = alerts[alerts["team"] == "Flat"].iloc[0]
    assert flat.n == 200 and flat.estimate == pytest.approx(0.0)
    assert flat.ci_high < 0.10 and "not grown" in flat.message
    assert "fallen" in alerts[alerts["team"] == "Fall"].iloc[0].message
    # with four periods of data a five-period window cannot be judged: no alert
    longer = AlertSettings(idle_spend_above=0, shadow_growth=False, sentiment_drop=False,
                           stalled_periods=4)
    assert build_alerts(small, period="2026-04", settings=longer, min_group_size=5).empty
