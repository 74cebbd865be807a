"""The sentiment report end to end on a small store filled directly (papermill + nbconvert)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import refresh_store

import adoption
from adoption.surveys.report import (
    build_sentiment_by_activity,
    build_sentiment_report,
    build_sentiment_section,
    render_sentiment_report,
)
from adoption.surveys.report_captions import describe_sentiment_section
from adoption.surveys.report_tables import format_construct_table, format_sentiment_table

# Teams of the store: (department, team) -> (people on the roster, respondents per wave).
# "Tiny" (3 respondents) is below the threshold of 5; "Gamma" is hidden with it so that Tiny
# cannot be worked out from the Sales total.
TEAMS = {("Eng", "Alpha"): (14, 12), ("Eng", "Beta"): (10, 9), ("Sales", "Gamma"): (12, 10),
         ("Sales", "Tiny"): (4, 3), ("Ops", "Delta"): (9, 8)}
WAVES = {"2026-03": "2026-03-15", "2026-06": "2026-06-15"}
ITEMS = [  # item, construct, stage, kind, reverse
    ("aw1", "awareness", "awareness", "likert", False),
    ("aw2", "awareness", "awareness", "likert", True),
    ("de1", "desire", "desire", "likert", False),
    ("de2", "desire", "desire", "likert", False),
    ("kn1", "knowledge", "knowledge", "likert", False),
    ("kn2", "knowledge", "knowledge", "likert", False),
    ("ab1", "ability", "ability", "likert", False),
    ("ab2", "ability", "ability", "likert", False),
    ("re1", "reinforcement", "reinforcement", "likert", False),
    ("re2", "reinforcement", "reinforcement", "likert", False),
    ("nps", "nps", None, "nps", False),
    ("c1", None, None, "text", False),
]
SECRET_EMAIL = "ann.smith@example.com"
SECRET_PHONE = "+49 30 1234567"
TINY_MARK = "TINYTEAMCOMMENT"


def fill_store(ws: adoption.Workspace, *, seed: int = 1, teams=None) -> None:
    """People, usage and two survey waves written straight into the workspace's store."""
    teams = TEAMS if teams is None else teams
    rng = np.random.default_rng(seed)
    people, usage, waves, items, resp, answers, comments = [], [], [], [], [], [], []
    for (dept, team), (headcount, _) in teams.items():
        for i in range(headcount):
            pid = f"{team}-{i}"
            # one roster snapshot: the canonical build derives people and employment from it
            people.append((1, "2025-01-01", pid, team, dept, None, None, None, "2025-01-01",
                           None))
            if i % 2 == 0:  # half of each team used a tool in the month before each wave
                for day in ("2026-02-20", "2026-05-20", "2026-06-02"):
                    usage.append((pid, "Copilot", day, 3, 1))
    for b, (wave, date) in enumerate(WAVES.items(), start=2):
        n_total = sum(r for _, r in teams.values())
        waves.append((wave, "adkar", "1", date, False, "generic_csv", n_total, b))
        for item, construct, stage, kind, rev in ITEMS:
            lo, hi, fav = (0.0, 10.0, 9.0) if kind == "nps" else (1.0, 5.0, 4.0)
            if kind == "text":
                lo = hi = fav = None
            items.append((wave, item, construct, stage, f"Question {item}", kind, "agree5",
                          lo, hi, rev, fav, b))
        for (dept, team), (_, n) in teams.items():
            for i in range(n):
                rid = f"{wave}-{team}-{i}"
                resp.append((wave, rid, f"{team}-{i}", team, dept, True,
                             f"{date} 10:00:00+00", True, b))
                drop = 1.2 if (team == "Beta" and wave == "2026-06") else 0.0
                for item, construct, _stage, kind, rev in ITEMS:
                    if kind == "likert":
                        low_kn = 1.5 if (team == "Alpha" and construct == "knowledge") else 0
                        v = float(np.clip(np.rint(4.2 - drop - low_kn + rng.normal(0, 0.7)),
                                          1, 5))
                        answers.append((wave, rid, item, 6 - v if rev else v, b))
                    elif kind == "nps":
                        answers.append((wave, rid, item, float(rng.integers(3, 11)), b))
                if i < 3:
                    text = ("More training please, I lose hours. "
                            f"Ask Ann Smith or mail {SECRET_EMAIL}, call {SECRET_PHONE}.")
                    if team == "Tiny":
                        text = f"{TINY_MARK} our licence was blocked"
                    comments.append((wave, rid, "c1", text, b))
    with ws.store() as store, store.transaction() as con:
        con.executemany("INSERT INTO roster_snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        people)
        con.executemany("INSERT INTO usage VALUES (?, ?, ?, ?, ?)", usage)
        con.executemany("INSERT INTO survey_waves VALUES (?, ?, ?, ?, ?, ?, ?, ?)", waves)
        con.executemany("INSERT INTO survey_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        items)
        con.executemany("INSERT INTO survey_respondents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        resp)
        con.executemany("INSERT INTO survey_answers VALUES (?, ?, ?, ?, ?)", answers)
        con.executemany("INSERT INTO survey_comments VALUES (?, ?, ?, ?, ?)", comments)
        con.execute("INSERT INTO person_names VALUES ('Alpha-0', 'Ann Smith', NULL)")
    with ws.store() as store:  # staged rows written directly: rebuild the canonical tables
        refresh_store(store)


@pytest.fixture
def survey_ws(tmp_path) -> adoption.Workspace:
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(keep_names=True))
    fill_store(ws)
    return ws


def test_build_report_protects_small_teams_and_finds_the_story(survey_ws):
    report = build_sentiment_report(survey_ws, wave="2026-06", comparison_wave="2026-03")
    teams = report.summary[report.summary["level"] == "team"]
    hidden = set(teams.loc[teams["suppressed"], "team"])
    # Tiny has 3 < 5 respondents; Gamma is hidden with it (complementary suppression)
    assert hidden == {"Tiny", "Gamma"}
    assert report.hidden_teams == 2
    barrier = report.barrier.set_index("team")
    # Alpha's knowledge answers are 1.5 points lower: its clear barrier is knowledge
    assert barrier.loc["Alpha", "barrier"] == "knowledge"
    # Beta dropped 1.2 points on every item: change beyond noise on the overall index
    change = report.change[(report.change["team"] == "Beta")
                           & (report.change["construct"] == "overall")].iloc[0]
    assert change["estimate"] < 0 and bool(change["beyond_noise"])
    # the comments shown come only from published teams and are redacted
    assert set(report.comments["team"]) <= {"Alpha", "Beta", "Delta"}
    text = " ".join(report.comments["text"])
    assert SECRET_EMAIL not in text and "Ann Smith" not in text and "[email]" in text
    assert "[phone]" in text and "[name]" in text
    table = format_construct_table(report).data
    assert "Tiny" not in set(table["Team"]) and "Gamma" not in set(table["Team"])
    # quadrant: half of each team active in June -> penetration 50% (rounded roster halves)
    q = report.quadrant.set_index("team")
    assert q.loc["Alpha", "penetration"] == pytest.approx(7 / 14)  # hand count: 7 of 14
    assert pd.isna(q.loc["Tiny", "penetration"])


def test_sentiment_section_takes_latest_wave_in_or_before_period(survey_ws):
    assert build_sentiment_section(survey_ws, period="2026-02") is None
    assert "No survey wave" in describe_sentiment_section(None)
    s = build_sentiment_section(survey_ws, period="2026-05")
    assert s.wave == "2026-03" and s.comparison_wave is None
    s = build_sentiment_section(survey_ws, period="2026-09")
    assert s.wave == "2026-06" and s.comparison_wave == "2026-03"
    table = format_sentiment_table(s).data
    assert set(table["Team"]) == {"Alpha", "Beta", "Delta"}
    assert "2026-06" in describe_sentiment_section(s)


def test_overall_constructs_setting_is_checked():
    from adoption.surveys.report import overall_constructs

    assert overall_constructs({}) is True
    assert overall_constructs({"overall_constructs": ["trust"]}) == ["trust"]
    with pytest.raises(adoption.InputError, match="overall_constructs"):
        overall_constructs({"overall_constructs": "trust"})


def test_render_sentiment_report_end_to_end(survey_ws):
    out = render_sentiment_report(survey_ws, wave="2026-06", comparison_wave="2026-03",
                                  title="Pulse survey")
    assert out == survey_ws.reports_dir / "sentiment_2026-06.html"
    html = out.read_text(encoding="utf-8")
    assert "Pulse survey" in html and "Alpha" in html and "Delta" in html
    # no team below the threshold (nor the one hidden to protect it), no comment of it
    assert "Tiny" not in html and "Gamma" not in html and TINY_MARK not in html
    # no e-mail address, phone number or roster name
    assert SECRET_EMAIL not in html and "Ann Smith" not in html
    assert not re.search(r"[\w.]+@example\.com", html)
    assert "1234567" not in html
    assert (survey_ws.reports_dir / "index.html").is_file()
    assert "sentiment_2026-06.html" in (survey_ws.reports_dir / "index.html").read_text()


def test_report_builds_without_usage_comments_or_comparison(tmp_path):
    from adoption.surveys import report as sr
    from adoption.surveys import report_captions, report_figures, report_tables

    ws = adoption.init_workspace(tmp_path / "bare")
    fill_store(ws, teams={("Eng", "Orion"): (6, 6), ("Eng", "Vega"): (3, 2)})
    with ws.store() as store:
        store.con.execute("DELETE FROM usage")
        store.con.execute("DELETE FROM survey_comments")
        refresh_store(store)  # staged rows removed directly: rebuild the canonical tables
    report = sr.build_sentiment_report(ws)  # the latest wave, no comparison
    assert report.wave == "2026-06" and report.change is None
    assert report.quadrant.empty and report.comments.empty
    # Vega (2) is hidden, and Orion with it (else Orion = Eng - Vega): nothing by team
    for module in (report_captions, report_tables):
        for name in module.__all__:
            if name.startswith(("format_", "describe_")) and name not in (
                    "format_sentiment_table", "describe_sentiment_section"):
                out = getattr(module, name)(report)
                text = out if isinstance(out, str) else out.to_html()
                assert "Vega" not in text and "Orion" not in text
    report_figures.plot_sentiment_quadrant(report.quadrant)
    report_figures.plot_stage_profile(report)
    with pytest.raises(adoption.InputError, match="2026-03"):
        sr.build_sentiment_report(ws, wave="2025-01")


def test_a_team_nobody_in_which_used_ai_is_drawn_without_a_negative_error_bar(tmp_path):
    # Delta: 7 people (6 respondents), none active before the June wave -> penetration 0/7,
    # whose Wilson lower bound statsmodels computes as 2.8e-17 (above the estimate 0):
    # matplotlib refused it with "'xerr' must not contain negative values" and the survey
    # report crashed
    from adoption.surveys import report_figures

    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(keep_names=True))
    fill_store(ws, teams={**TEAMS, ("Ops", "Delta"): (7, 6)})
    with ws.store() as store:
        store.con.execute("DELETE FROM usage WHERE person_id LIKE 'Delta-%'")
        refresh_store(store)  # staged rows removed directly: rebuild the canonical tables
    report = build_sentiment_report(ws, wave="2026-06", comparison_wave="2026-03")
    delta = report.quadrant.set_index("team").loc["Delta"]
    # hand count: 0 of 7 people active, 6 respondents
    assert (delta["penetration"], delta["headcount"], delta["n"]) == (0.0, 7, 6)
    assert delta["penetration_ci_low"] == 0.0
    ax = report_figures.plot_sentiment_quadrant(report.quadrant)
    assert "Delta" in [t.get_text() for t in ax.texts]


def test_users_versus_non_users_alone_is_the_reports_table(survey_ws):
    """The explore notebook's one call gives the sentiment report's own table, wave by wave."""
    for wave in (None, "2026-03"):
        expected = build_sentiment_report(survey_ws, wave=wave, min_group_size=5).activity
        got = build_sentiment_by_activity(survey_ws, wave=wave, min_group_size=5)
        pd.testing.assert_frame_equal(got, expected)
    with pytest.raises(adoption.InputError, match=r"wave '2030-01' is not in the store"):
        build_sentiment_by_activity(survey_ws, wave="2030-01")


def test_users_versus_non_users_without_surveys_is_empty_and_says_why(workspace, files):
    adoption.ingest_files(workspace, [files["roster_jan"], files["usage"]])
    with pytest.warns(UserWarning, match="no survey waves.*Ingest a survey export"):
        got = build_sentiment_by_activity(workspace)
    assert got.empty
    assert list(got.columns[:4]) == ["wave", "construct", "n", "estimate"]
