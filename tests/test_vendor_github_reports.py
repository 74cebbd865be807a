"""Tests of GitHub's organisation, enterprise and 28-day usage-metrics reports
(:mod:`adoption.vendors.github_reports`), the pull-request KPIs (:mod:`adoption.vendors.github_pr`)
and "what people use it for" (:mod:`adoption.vendors.feature_use`).

The fixtures (tests/fixtures/vendors/github/README.md) follow GitHub's "Enterprise-level schema
example" and field reference (docs.github.com/en/copilot/reference/copilot-usage-metrics).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import adoption
from adoption.ingest.batch import ingest_file
from adoption.ingest.formats import detect_format
from adoption.vendors.feature_use import compute_feature_use
from adoption.vendors.github_pr import load_github_pr_kpis
from adoption.vendors.github_reports import flatten_day_total

GH = Path(__file__).parent / "fixtures" / "vendors" / "github"
D = dt.date
ORG_1 = "copilot_org_report_1_day_2026-01-05.ndjson"
ORG_28 = "copilot_org_report_28_day.ndjson"
ENT_1 = "copilot_enterprise_report_1_day.ndjson"
USERS_28 = "copilot_users_28_day_latest.ndjson"


def _rows(ws: adoption.Workspace, sql: str, params=None) -> list[tuple]:
    with ws.store(read_only=True) as store:
        return store.con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize("name, expected", [
    (ORG_1, "github_copilot_usage_aggregates"),
    (ORG_28, "github_copilot_usage_aggregates"),
    (ENT_1, "github_copilot_usage_aggregates"),
    (USERS_28, "github_copilot_users_28_day"),
])
def test_each_new_report_is_claimed_by_exactly_its_format(name, expected):
    assert detect_format(GH / name).name == expected  # raises if two formats claim it


# -- organisation and enterprise reports -----------------------------------------------------

def test_organisation_reports_keep_every_field_and_count_overlapping_days_once(workspace):
    one = ingest_file(workspace, GH / ORG_1)
    assert (one.rows_read, one.rows_loaded, one.first_date) == (1, 1, D(2026, 1, 5))
    t28 = ingest_file(workspace, GH / ORG_28)
    # 4 day totals; 2026-01-05 was loaded from the 1-day file: a duplicate
    assert (t28.rows_read, t28.rows_loaded, t28.rows_duplicate) == (4, 3, 1)
    # a 28-day report covers its window (fixture: report_start_day .. report_end_day)
    assert (t28.first_date, t28.last_date) == (D(2025, 12, 15), D(2026, 1, 11))

    def value(feature, metric, editor=None, language=None, model=None):
        return _rows(workspace, """SELECT value FROM team_usage WHERE scope = '9'
            AND day = '2026-01-05' AND feature = ? AND metric = ?
            AND editor IS NOT DISTINCT FROM ? AND language IS NOT DISTINCT FROM ?
            AND model IS NOT DISTINCT FROM ?""", [feature, metric, editor, language, model]
                     )[0][0]

    # each number as written in the fixture's day total of 2026-01-05
    assert value("all", "daily_active_users") == 6
    assert value("all", "monthly_active_agent_users") == 2
    assert value("all", "daily_active_copilot_cloud_agent_users") == 1
    assert value("all", "daily_active_copilot_code_review_users") == 1
    assert value("agent_edit", "loc_added_sum") == 80
    assert value("chat_panel_agent_mode", "user_initiated_interaction_count") == 8
    assert value("all", "code_generation_activity_count", editor="vscode") == 30
    assert value("code_completion", "loc_added_sum", language="python") == 40
    assert value("chat_panel_agent_mode", "user_initiated_interaction_count",
                 model="claude-sonnet-4") == 8
    assert value("cli", "session_count") == 2
    assert value("cli", "token_usage.prompt_tokens_sum") == 13500
    assert value("pull_requests", "median_minutes_to_merge") == 120
    assert value("pull_requests", "total_merged_created_by_copilot") == 1
    assert value("pull_requests", "security.total_copilot_suggestions") == 1
    assert value("ai_adoption_phase:Agent first", "engaged_users") == 2
    # credits are not a metric here (usage-based spend has its own reader): raw detail only
    assert _rows(workspace, "SELECT count(*) FROM team_usage WHERE metric LIKE '%credit%'") \
        == [(0,)]
    kept = _rows(workspace, """SELECT detail FROM vendor_records
        WHERE source = 'github_copilot_usage_aggregates' AND day = '2026-01-05'""")
    assert len(kept) == 1
    detail = json.loads(kept[0][0])
    assert detail["ai_credits_used"] == 40.5 and detail["pull_requests"]["total_created"] == 5
    assert [p["label"] for p in detail["totals_by_ai_adoption_phase"]] == ["Code first",
                                                                           "Agent first"]


def test_enterprise_report_is_its_own_scope(workspace):
    r = ingest_file(workspace, GH / ENT_1)
    assert r.rows_loaded == 1
    # fixture: enterprise_id "1", no organization_id; daily_active_users 9
    assert _rows(workspace, """SELECT scope_type, scope, value FROM team_usage
        WHERE metric = 'daily_active_users'""") == [("enterprise", "1", 9.0)]


def test_flatten_names_nested_blocks():
    rows = flatten_day_total({"day": "2026-01-05", "enterprise_id": "1", "used": True,
                              "daily_active_users": 3, "ai_credits_used": 2.0,
                              "totals_by_cli": {"token_usage": {"output_tokens_sum": 7}},
                              "totals_by_3rd_party_agent": [
                                  {"agent_id": "22", "agent_name": "Codex",
                                   "user_initiated_interaction_count": 2}]})
    assert sorted(rows) == [("3rd_party_agent:Codex", None, None, None,
                             "user_initiated_interaction_count", 2.0),
                            ("all", None, None, None, "daily_active_users", 3.0),
                            ("cli", None, None, None, "token_usage.output_tokens_sum", 7.0)]


# -- pull-request KPIs -----------------------------------------------------------------------

def test_pull_request_kpis_per_month(workspace):
    for name in (ORG_1, ORG_28, ENT_1):
        ingest_file(workspace, GH / name)
    kpis = load_github_pr_kpis(workspace)
    assert list(kpis.columns) == ["team", "period_kind", "period_start", "kpi", "value", "unit",
                                  "n"]
    got = {(r.team, r.period_start.strftime("%Y-%m"), r.kpi): (r.value, r.n)
           for r in kpis.itertuples()}
    org = "(organisation)"
    # December, fixture days 16 and 18: merged 2 + 1; medians 200 (x2) and 50 (x1) -> 200;
    # created by Copilot 0 + 1 of 4 + 2 created; reviewed by Copilot 1 + 1 of 2 + 2 reviewed
    assert got[(org, "2025-12", "pr_merged")] == (3, 3)
    assert got[(org, "2025-12", "pr_median_minutes_to_merge")] == (200, 3)
    assert got[(org, "2025-12", "pr_share_copilot_authored")] == pytest.approx((1 / 6, 6))
    assert got[(org, "2025-12", "pr_share_copilot_reviewed")] == (0.5, 4)
    # January, days 5 (once: 1-day and 28-day files) and 7: merged 4 + 2; medians 120 (x4)
    # and 30 (x2) -> sorted 30 30 120 120 120 120 -> 120; authored 1 + 2 of 8; reviewed
    # 2 + 3 of 7
    assert got[(org, "2026-01", "pr_merged")] == (6, 6)
    assert got[(org, "2026-01", "pr_median_minutes_to_merge")] == (120, 6)
    assert got[(org, "2026-01", "pr_share_copilot_authored")] == pytest.approx((3 / 8, 8))
    assert got[(org, "2026-01", "pr_share_copilot_reviewed")] == pytest.approx((5 / 7, 7))
    # the enterprise file: 6 merged, median 90, 2 of 8 created, 4 of 6 reviewed by Copilot
    assert got[("(enterprise)", "2026-01", "pr_merged")] == (6, 6)
    assert got[("(enterprise)", "2026-01", "pr_median_minutes_to_merge")] == (90, 6)
    assert set(kpis["unit"]) == {"pull requests", "minutes", "share"}


def test_pull_request_kpis_without_reports_are_empty(workspace):
    kpis = load_github_pr_kpis(workspace, period_kind="week")
    assert kpis.empty and "kpi" in kpis.columns


# -- 28-day per-user report: a window source -------------------------------------------------

ROSTER = ("email,team,department,start_date,end_date,as_of\n"
          + "".join(f"{p}@example.com,{t},{d},2025-01-01,,2025-12-01\n"
                    for t, d, people in (("Alpha", "Eng", [f"a{i}" for i in range(1, 7)]),
                                         ("Beta", "Eng", ["b1", "b2"]),
                                         ("Delta", "Eng", [f"d{i}" for i in range(1, 6)]),
                                         ("Gamma", "Ops", [f"g{i}" for i in range(1, 6)]))
                    for p in people))


def _roster(ws: adoption.Workspace, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    ingest_file(ws, path)


def _window_record(login: str, start: str, end: str) -> dict:
    rec = json.loads((GH / USERS_28).read_text().splitlines()[0])
    rec.update(user_login=login, report_start_day=start, report_end_day=end)
    return rec


def test_users_28_day_report_keeps_the_record_and_rejects_a_missing_login(workspace):
    r = ingest_file(workspace, GH / USERS_28)
    # 3 records: ann-gh and cat-dev loaded, the third has an empty login
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    ann = workspace.pseudonymise(["ann-gh"])[0]
    (start, end, active, events, last, detail), = _rows(workspace, """
        SELECT period_start, period_end, active, events, last_active, detail
        FROM activity_periods WHERE person_id = ?""", [ann])
    # fixture: 9 interactions + 20 generations + 2 CLI prompts
    assert (start, end, active, events, last) == (D(2025, 12, 15), D(2026, 1, 11), True, 31,
                                                  None)
    kept = json.loads(detail)
    assert "user_login" not in kept and "user_id" not in kept
    assert kept["ai_adoption_phase"]["label"] == "Agent first"
    assert kept["used_copilot_coding_agent"] is True and kept["totals_by_cli"]["session_count"]


def test_a_28_day_window_straddling_months_is_unknown_and_one_inside_counts(workspace, tmp_path):
    _roster(workspace, tmp_path)
    path = tmp_path / "users_28_day.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in (
        _window_record("a1@example.com", "2025-12-15", "2026-01-11"),  # straddles
        _window_record("a2@example.com", "2026-01-01", "2026-01-28"),  # inside January
    )) + "\n")
    assert detect_format(path).name == "github_copilot_users_28_day"
    ingest_file(workspace, path)
    a1, a2 = workspace.pseudonymise(["a1@example.com", "a2@example.com"])
    got = {(p, str(s)[:7]): (active, unknown) for p, s, active, unknown in _rows(workspace, """
        SELECT person_id, period_start, is_active, is_unknown FROM person_tool_periods
        WHERE period_kind = 'month' AND source = 'github_copilot_users_28_day'""")}
    # a window straddling December and January tells no active day of either: unknown
    assert got[(a1, "2025-12")] == (False, True)
    assert got[(a1, "2026-01")] == (False, True)
    assert got[(a2, "2026-01")] == (True, False)  # wholly inside January: active


# -- what people use it for ------------------------------------------------------------------

def _user_day(login: str, features: list[str]) -> dict:
    return {"day": "2026-01-05", "organization_id": "9", "user_id": 1, "user_login": login,
            "user_initiated_interaction_count": 2, "code_generation_activity_count": 1,
            "totals_by_feature": [{"feature": f, "user_initiated_interaction_count": 1,
                                   "code_generation_activity_count": 1} for f in features]}


def test_feature_use_by_team_hides_a_small_team(workspace, tmp_path):
    _roster(workspace, tmp_path)
    agent = {"a1", "a2", "a3", "b1", "b2", "g1"}  # who used agent mode
    people = ([f"a{i}" for i in range(1, 7)] + ["b1", "b2"] + [f"d{i}" for i in range(1, 6)]
              + [f"g{i}" for i in range(1, 6)])
    path = tmp_path / "users_1_day_2026-01-05.ndjson"
    path.write_text("\n".join(json.dumps(_user_day(
        f"{p}@example.com", ["code_completion"] + (["chat_panel_agent_mode"] if p in agent
                                                   else []))) for p in people) + "\n")
    ingest_file(workspace, path)
    table = compute_feature_use(workspace, tool="GitHub Copilot")
    agent_rows = table[(table["feature"] == "chat_panel_agent_mode")
                       & (table["period"] == "2026-01")]

    def row(department=None, team=None) -> pd.Series:
        sel = agent_rows["department"].isna() if department is None else \
            agent_rows["department"] == department
        sel &= agent_rows["team"].isna() if team is None else agent_rows["team"] == team
        assert sel.sum() == 1
        return agent_rows[sel].iloc[0]

    beta = row("Eng", "Beta")  # 2 people, under the threshold of 5: hidden
    assert beta["suppressed"] and pd.isna(beta["estimate"]) and pd.isna(beta["users"])
    # complementary suppression: Eng's total minus one visible team would give Beta
    assert sum(bool(row("Eng", t)["suppressed"]) for t in ("Alpha", "Delta")) >= 1
    gamma = row("Ops", "Gamma")  # 1 of 5 active people used agent mode
    assert not gamma["suppressed"]
    assert (gamma["users"], gamma["n"], gamma["estimate"]) == (1, 5, 0.2)
    low, high = proportion_confint(1, 5, alpha=0.05, method="wilson")  # statsmodels
    assert (gamma["ci_low"], gamma["ci_high"]) == pytest.approx((low, high))
    org = row()  # 6 of the 18 active people (3 Alpha, 2 Beta, 1 Gamma)
    assert (org["users"], org["n"]) == (6, 18) and math.isclose(org["estimate"], 6 / 18)
    completion = table[(table["feature"] == "code_completion") & table["team"].isna()
                       & table["department"].isna()].iloc[0]
    assert (completion["users"], completion["n"]) == (18, 18)  # everyone completed code


def test_the_by_source_section_shows_feature_use_with_hidden_teams(workspace, tmp_path):
    from adoption.vendors.report import (
        build_source_report,
        feature_use_tools,
        format_feature_use_table,
    )

    _roster(workspace, tmp_path)
    path = tmp_path / "users_1_day_2026-01-05.ndjson"
    people = [f"a{i}" for i in range(1, 7)] + ["b1", "b2"]
    path.write_text("\n".join(json.dumps(_user_day(f"{p}@example.com", ["agent_edit"]))
                              for p in people) + "\n")
    ingest_file(workspace, path)
    report = build_source_report(workspace, period="2026-01")
    assert set(report.features["period"]) == {"2026-01"}
    assert feature_use_tools(report) == ["GitHub Copilot"]
    table = format_feature_use_table(report, tool="GitHub Copilot").data.set_index(
        ["Department", "Team"])
    column = "agent edit"
    assert table.loc[("Eng", "Beta"), column].startswith("hidden")  # 2 people
    assert table.loc[("Eng", "Beta"), "People"] == "hidden"
    # the organisation row: all 8 active people used agent edits (a share of 1)
    assert table.loc[("All", "All"), "People"] == "8"
    assert table.loc[("All", "All"), column].startswith("100%")


# -- the demo --------------------------------------------------------------------------------

def test_demo_shows_agent_mode_growing_in_one_team_and_chat_without_licences(tmp_path):
    from adoption.demo import write_demo_files

    files = {p.name: p for p in write_demo_files(tmp_path / "demo", people=600, months=9)}
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(time_zone="Europe/Berlin"))
    wanted = [n for n in sorted(files) if n.startswith(("roster_", "identities_github",
                                                        "github_copilot_users_",
                                                        "github_copilot_organization",
                                                        "m365_copilot_chat_usage_"))]
    for name in wanted:
        assert ingest_file(ws, files[name]).rows_rejected == 0, name
    use = compute_feature_use(ws, tool="GitHub Copilot", min_group_size=5)
    agent = use[(use["feature"] == "chat_panel_agent_mode") & use["team"].notna()
                & ~use["suppressed"]]
    wide = agent.pivot_table(index="team", columns="period", values="estimate")
    months = sorted(wide.columns)[-3:]  # the three report months
    growth = wide[months[-1]] - wide[months[0]]
    # the demo has 15%, 45%, then 80% of one team's people chat in agent mode
    # (adoption.demo.vendors_github_reports.AGENT_SHARES): its share rises the most
    assert growth.max() > 0.2
    assert (wide.loc[growth.idxmax(), months].diff().dropna() > 0).all()
    # the organisation's 28-day report: 28 day totals with a pull_requests block each
    assert _rows(ws, """SELECT count(DISTINCT day) FROM team_usage
        WHERE feature = 'pull_requests' AND metric = 'total_created'""") == [(28,)]
    assert not load_github_pr_kpis(ws).empty
    # Copilot Chat without a licence: 40% of one department's unlicensed people
    # (adoption.demo.vendors_m365_chat), none elsewhere (moves aside)
    chat = _rows(ws, """SELECT p.department, count(*) FROM person_tool_periods t
        JOIN population p USING (period_kind, period_start, person_id)
        WHERE t.period_kind = 'month' AND t.tool = 'Microsoft 365 Copilot Chat'
          AND t.source = '*' AND t.is_active GROUP BY ALL ORDER BY 2 DESC""")
    assert chat and chat[0][1] >= 0.9 * sum(n for _, n in chat)


def test_organisation_reports_show_in_the_by_source_table_as_totals(workspace):
    from adoption.vendors.activity import compute_source_active_users

    ingest_file(workspace, GH / ORG_28)
    rows = compute_source_active_users(workspace, by="organisation")
    agg = rows[(rows["source"] == "github_copilot_usage_aggregates")
               & (rows["period"] == "2026-01")].iloc[0]
    assert not agg["counts_distinct_users"] and pd.isna(agg["active_users"])
    # January's day totals: 6 (5 Jan) and 7 (7 Jan) daily active users: the peak is 7
    assert (agg["team"], agg["aggregate_metric"], agg["aggregate_value"]) == (
        "organization:9", "peak daily active users", 7)
