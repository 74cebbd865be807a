"""Shadow AI from tools' own exports, combined with discovery logs, and "no data" (never 0).

The organisation is the discovery fixture's roster (tests/fixtures/discovery: Alpha a1-a6 and
Beta b1-b6 in Eng, Gamma g1-g2 and Delta d1-d5 in Ops; 19 people). A department bought a
ChatGPT Enterprise workspace without IT: the tools catalogue marks ChatGPT Enterprise as not
sanctioned, and the workspace's user analytics export is loaded. No seats are loaded.

January 2026 export (monthly): a3, a4, a5, b1 and d1 active; a6 listed but inactive;
zed@example.com (not in the roster) active. A weekly export of 26 January to 1 February says b2
was active that week, with no active day: it straddles the months, so b2 is unknown in both.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import level_row
from statsmodels.stats.proportion import proportion_confint

import adoption
from adoption.cli import main
from adoption.discovery import (
    compute_shadow_ai_trend,
    compute_shadow_ai_use,
    load_evidence_coverage,
)
from adoption.errors import InputError
from adoption.governance import build_alerts, format_shadow_table, plot_shadow_by_team
from adoption.governance.config import AlertSettings
from adoption.governance.report import build_governance_section

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
HEADER = ("cadence,period_start,period_end,account_id,public_id,name,email,role,user_role,"
          "department,groups,user_status,created_or_invited_date,is_active,"
          "first_day_active_in_period,last_day_active_in_period,messages,messages_rank,"
          "model_to_messages,gpt_messages,gpts_messaged,gpt_to_messages,tool_messages,"
          "tools_messaged,tool_to_messages,project_messages,projects_messaged,"
          "project_to_messages,projects_created,last_day_active")


def _row(cadence: str, start: str, end: str, email: str, active: int, first: str = "",
         last: str = "", messages: int = 0) -> str:
    return (f"{cadence},{start},{end},acc1,pub-{email[:2]},Someone,{email},,standard-user,[],,"
            f"enabled,2025-11-03,{active},{first},{last},{messages},,,0,0,,0,0,,0,0,,0,{last}")


def _exports(folder: Path) -> list[Path]:
    monthly = [_row("Monthly", "2026-01-01", "2026-01-31", f"{p}@example.com", 1,
                    "2026-01-05", "2026-01-20", 12) for p in ("a3", "a4", "a5", "b1", "d1")]
    monthly += [_row("Monthly", "2026-01-01", "2026-01-31", "a6@example.com", 0),
                _row("Monthly", "2026-01-01", "2026-01-31", "zed@example.com", 1,
                     "2026-01-07", "2026-01-07", 2)]
    weekly = [_row("Weekly", "2026-01-26", "2026-02-01", "b2@example.com", 1, messages=3)]
    out = []
    for name, rows in (("chatgpt_users_monthly_2026-01.csv", monthly),
                       ("chatgpt_users_weekly_2026-01-26.csv", weekly)):
        path = folder / name
        path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        out.append(path)
    return out


def _workspace(root: Path, *, logs: bool) -> adoption.Workspace:
    root.parent.mkdir(parents=True, exist_ok=True)
    ws = adoption.init_workspace(root, adoption.Settings(time_zone="Europe/Berlin"))
    tools = root.parent / "tools.csv"
    tools.write_text("tool,vendor,category,sanctioned\n"
                     "ChatGPT Enterprise,OpenAI,chat assistant,false\n", encoding="utf-8")
    files = [FIXTURES / "roster.csv", tools, *_exports(root.parent)]
    if logs:
        files.append(FIXTURES / "access_2026-01.log")
    adoption.ingest_files(ws, files)
    return ws


@pytest.fixture(scope="module")
def exports_only(tmp_path_factory) -> adoption.Workspace:
    return _workspace(tmp_path_factory.mktemp("exports") / "ws", logs=False)


COLS = ("headcount", "users", "users_logs", "users_exports", "unknown_users")


@pytest.mark.parametrize(("department", "team", "expected"), [
    # (headcount, users, users_logs, users_exports, unknown_users), by hand from the export
    (None, None, (19, 5, 0, 5, 1)),         # a3, a4, a5, b1, d1; b2 unknown
    ("Eng", None, (12, 4, 0, 4, 1)),
    ("Eng", "Alpha", (6, 3, 0, 3, 0)),      # a3, a4, a5 (a6 listed, inactive)
    ("Eng", "Beta", (6, 1, 0, 1, 1)),       # b1; b2's week straddles the month: unknown
    ("Ops", None, (7, 1, 0, 1, 0)),         # d1
])
def test_an_unsanctioned_tool_seen_only_in_its_own_export_counts(exports_only, department,
                                                                  team, expected):
    use = compute_shadow_ai_use(exports_only)
    row = level_row(use, "2026-01", department, team)
    assert bool(row["has_data"]) and not row["suppressed"]
    assert tuple(int(row[c]) for c in COLS) == expected
    assert row["share"] == pytest.approx(expected[1] / expected[0])
    assert "ChatGPT Enterprise user analytics" in row["evidence"]
    assert "no proxy, DNS or SSO logs" in row["evidence"]


def test_export_figures_interval_and_unmatched(exports_only):
    use = compute_shadow_ai_use(exports_only)
    alpha = level_row(use, "2026-01", "Eng", "Alpha")
    lo, hi = proportion_confint(3, 6, method="wilson")  # statsmodels' Wilson interval
    assert (alpha["ci_low"], alpha["ci_high"]) == pytest.approx((lo, hi))
    org = level_row(use, "2026-01")
    assert org["unmatched_export_users"] == 1  # zed, not in the roster, never in a team
    # Gamma (2 people) hidden, and Delta with it, exactly as the adoption tables hide them
    assert use.loc[use["team"].isin(["Gamma", "Delta"]), "suppressed"].all()
    teams = adoption.compute_adoption_metrics(exports_only.person_periods("month"), by="team",
                                              min_group_size=5)
    jan = teams[teams["period"] == "2026-01"].set_index("team")["suppressed"]
    mine = use[(use["period"] == "2026-01") & (use["level"] == "team")].set_index("team")
    assert mine["suppressed"].to_dict() == jan.to_dict()


def test_february_rests_on_the_straddling_week_only(exports_only):
    use = compute_shadow_ai_use(exports_only)
    feb = level_row(use, "2026-02")
    # the only evidence is b2's straddling week: data, but nobody known to use it
    assert bool(feb["has_data"]) and (feb["users"], feb["unknown_users"]) == (0, 1)


def test_logs_and_exports_count_each_person_once(tmp_path):
    ws = _workspace(tmp_path / "both" / "ws", logs=True)
    use = compute_shadow_ai_use(ws)
    # logs (ChatGPT is the unsanctioned tool's service; no seats): a1, a3 ChatGPT, a4 Claude,
    # b1 Gemini, g1 Anthropic API; exports: a3, a4, a5, b1, d1
    alpha = level_row(use, "2026-01", "Eng", "Alpha")
    assert tuple(int(alpha[c]) for c in COLS) == (6, 4, 3, 3, 0)  # a1, a3, a4, a5
    org = level_row(use, "2026-01")
    assert tuple(int(org[c]) for c in COLS) == (19, 7, 5, 5, 1)   # + b1, g1, d1
    assert "Squid proxy access log" in org["evidence"]
    assert "ChatGPT Enterprise user analytics" in org["evidence"]


@pytest.fixture(scope="module")
def no_evidence(tmp_path_factory) -> adoption.Workspace:
    # roster, catalogue (ChatGPT Enterprise sanctioned), seats and its usage; no logs
    root = tmp_path_factory.mktemp("none") / "ws"
    ws = adoption.init_workspace(root, adoption.Settings(time_zone="Europe/Berlin"))
    adoption.ingest_files(ws, [FIXTURES / n for n in ("roster.csv", "tools.csv", "seats.csv",
                                                      "usage.csv")])
    return ws


def test_no_evidence_is_no_data_not_zero(no_evidence):
    use = compute_shadow_ai_use(no_evidence)
    jan = use[use["period"] == "2026-01"]
    assert not jan["has_data"].any()
    assert jan[["users", "share", "users_logs", "users_exports", "requests"]].isna().all().all()
    assert jan.loc[jan["level"] == "organisation", "headcount"].item() == 19  # still known
    assert jan["evidence"].str.startswith("no data").all()
    coverage = load_evidence_coverage(no_evidence)
    assert not coverage["has_data"].any()
    with pytest.raises(InputError, match="no data on unsanctioned AI use"):
        compute_shadow_ai_trend(no_evidence, period="2026-02")


def test_no_data_in_the_cli(no_evidence, capsys):
    assert main(["shadow-ai", "--workspace", str(no_evidence.root), "--period", "2026-01"]) == 0
    out = capsys.readouterr().out
    assert "no data" in out and "missing, not 0" in out
    assert main(["shadow-ai", "--workspace", str(no_evidence.root), "--period", "2026-01",
                 "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert not table["has_data"].any() and table["users"].isna().all()


def test_no_data_in_the_report_section(no_evidence):
    section = build_governance_section(no_evidence, period="2026-01")
    assert "**No data**" in section.captions["shadow"] and "not a zero" in section.captions["shadow"]
    cells = format_shadow_table(section).data.set_index("Team")["People using unsanctioned AI"]
    # Gamma (2 people) and Delta are hidden as in every table; the others have no data
    assert cells.drop(["Gamma", "Delta"]).eq("no data").all()
    assert cells[["Gamma", "Delta"]].str.startswith("hidden").all()
    assert "%" not in " ".join(cells)
    ax = plot_shadow_by_team(section.shadow)
    assert "No data" in ax.texts[0].get_text()
    # and no shadow alert can rest on it
    rules = AlertSettings(idle_spend_above=0, sentiment_drop=False)
    assert build_alerts(no_evidence, period="2026-02", settings=rules).empty


def test_a_month_without_logs_between_months_with_logs(tmp_path):
    # the January log only: February (a1's usage of the sanctioned tool) has no evidence
    root = tmp_path / "ws"
    ws = adoption.init_workspace(root, adoption.Settings(time_zone="Europe/Berlin"))
    adoption.ingest_files(ws, [FIXTURES / n for n in ("roster.csv", "tools.csv", "seats.csv",
                                                      "usage.csv", "access_2026-01.log")])
    use = compute_shadow_ai_use(ws, by="organisation").set_index("period")
    assert bool(use.loc["2026-01", "has_data"]) and use.loc["2026-01", "users"] == 4
    assert not bool(use.loc["2026-02", "has_data"]) and pd.isna(use.loc["2026-02", "users"])
