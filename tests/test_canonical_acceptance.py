"""Acceptance of issue 9: a hand-counted organisation through the real readers, the metrics
command and the rendered report.

Fifteen people in three teams of two departments (minimum group size 3), with four kinds of
activity source, each file written in its vendor's real layout:

- a **daily** source: a generic usage log (GitHub Copilot events, one row per event);
- a **last-activity** source: the Microsoft 365 Copilot usage user detail (admin center CSV,
  30-day report refreshed on 31 January 2026): only each user's last active day;
- a **monthly window**: the ChatGPT Enterprise user analytics export for January 2026;
- a **weekly window that straddles a month**: the Viva Insights person query (weeks start on
  Sunday, so the week of 28 December 2025 runs into January; Copilot actions, no days).

Who did what (the hand count below follows from this list, person by person):

====  =====  ====  ==========================================================================
team  who    seat  evidence
====  =====  ====  ==========================================================================
Alph  a1     GHC   usage 5 and 6 Jan; M365 last active 30 Jan
Alph  a2     GHC   usage 12 Jan; ChatGPT January active (7 to 21 Jan)
Alph  a3     GHC   usage 30 Dec; Viva week of 28 Dec (5 actions)
Alph  a4     GHC   Viva week of 28 Dec (3 actions)
Alph  a5     -     Viva week of 25 Jan (1 action; 25 to 31 Jan lies inside January)
Beta  b1     GHC   usage 20 Jan
Beta  b2     GHC   M365 last active 15 Jan; Viva week of 18 Jan (4 actions)
Beta  b3     -     M365 licensed, no activity ever
Beta  b4     -     ChatGPT January, not active
Beta  b5     -     nothing
Gamm  g1     -     M365 last active 28 Jan; ChatGPT January active
Gamm  g2     -     M365 last active 9 Jan
Gamm  g3     -     M365 last active 20 Dec (December, not January)
Gamm  g4     -     ChatGPT January active
Gamm  g5     -     Viva week of 28 Dec (2 actions); week of 11 Jan 0 actions
x     -      -     a contractor in ChatGPT (not in the roster: never counted in a team)
====  =====  ====  ==========================================================================

Tools: usage = GitHub Copilot; M365 user detail and Viva = Microsoft 365 Copilot; ChatGPT =
ChatGPT Enterprise. Alpha and Beta are Engineering, Gamma is Sales.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

import adoption
from adoption.cli import main
from adoption.ingest import ingest_files

TEAMS = {"Alpha": "Engineering", "Beta": "Engineering", "Gamma": "Sales"}
PEOPLE = [f"{t[0].lower()}{i}" for t in TEAMS for i in range(1, 6)]
SEATS = ["a1", "a2", "a3", "a4", "b1", "b2"]
USAGE = [("a1", "2026-01-05"), ("a1", "2026-01-06"), ("a2", "2026-01-12"), ("a3", "2025-12-30"),
         ("b1", "2026-01-20")]
#: Microsoft 365 Copilot user detail: licensed user -> last activity date ("" = never)
M365 = {"a1": "2026-01-30", "b2": "2026-01-15", "b3": "", "g1": "2026-01-28",
        "g2": "2026-01-09", "g3": "2025-12-20"}
#: ChatGPT Enterprise, January: user -> (is_active, first day, last day, messages)
CHATGPT = {"a2": (1, "2026-01-07", "2026-01-21", 14), "b4": (0, "", "", 0),
           "g1": (1, "2026-01-13", "2026-01-27", 30), "g4": (1, "2026-01-19", "2026-01-19", 2),
           "x9": (1, "2026-01-05", "2026-01-26", 40)}
#: Viva weeks (Sunday starts) and the people with Copilot actions in them; everyone else 0
VIVA_WEEKS = ["2025-12-28", "2026-01-04", "2026-01-11", "2026-01-18", "2026-01-25"]
VIVA = {("a3", "2025-12-28"): 5, ("a4", "2025-12-28"): 3, ("a5", "2026-01-25"): 1,
        ("b2", "2026-01-18"): 4, ("g5", "2025-12-28"): 2}
#: survey answers: every agree-scale item answered with the person's value (reverse-worded
#: items with 6 - value), so each construct score and the overall score equal the value
SENTIMENT = {"Alpha": [4, 4, 3, 4, 4], "Beta": [2, 3, 2, 3, 2], "Gamma": [5, 4, 5, 4, 5]}

# Hand count, January 2026, active on any AI tool (person by person, from the table above):
#   Alpha: a1 (usage, M365), a2 (usage, ChatGPT), a5 (Viva week inside January) -> 3 active;
#          a3, a4: their only January evidence is the Viva week of 28 Dec, which straddles
#          December and January with no known day -> 2 unknown (a3's usage was in December)
#   Beta:  b1 (usage), b2 (M365, Viva) -> 2 active; b3 (no activity), b4 (ChatGPT inactive),
#          b5 (nothing) are not active; nobody unknown
#   Gamma: g1 (M365, ChatGPT), g2 (M365 9 Jan), g4 (ChatGPT) -> 3 active; g5 (Viva week of
#          28 Dec only) -> 1 unknown; g3's last active day is in December
#   Organisation: 3 + 2 + 3 = 8 active, 2 + 0 + 1 = 3 unknown, 15 people; the contractor in
#   ChatGPT is in no team.
JANUARY = {  # team -> (headcount, active, unknown)
    "Alpha": (5, 3, 2), "Beta": (5, 2, 0), "Gamma": (5, 3, 1)}
# Per tool, January (same people, one tool at a time):
#   GitHub Copilot (usage): Alpha a1, a2; Beta b1; Gamma none
#   Microsoft 365 Copilot (M365 detail + Viva): Alpha a1, a5 active, a3, a4 unknown; Beta b2;
#     Gamma g1, g2 active, g5 unknown
#   ChatGPT Enterprise: Alpha a2; Beta none (b4 inactive); Gamma g1, g4
PER_TOOL = {  # tool -> team -> (active, unknown)
    "GitHub Copilot": {"Alpha": (2, 0), "Beta": (1, 0), "Gamma": (0, 0)},
    "Microsoft 365 Copilot": {"Alpha": (2, 2), "Beta": (1, 0), "Gamma": (2, 1)},
    "ChatGPT Enterprise": {"Alpha": (1, 0), "Beta": (0, 0), "Gamma": (2, 0)},
}
# December 2025 (data from 20 December): a3 (usage 30 Dec) and g3 (M365 20 Dec) active; a4
# and g5 unknown (Viva week of 28 Dec); a3's Viva week does not matter, she is known active.
DECEMBER = {"Alpha": (5, 1, 1), "Beta": (5, 0, 0), "Gamma": (5, 1, 1)}
# Sources each team's January figures rest on (sources with a person active or unknown):
#   Alpha: usage (a1, a2), M365 (a1), ChatGPT (a2), Viva (a5; a3, a4 unknown)
#   Beta: usage (b1), M365 and Viva (b2); ChatGPT only says b4 was inactive: not a source
#   Gamma: M365 (g1, g2), ChatGPT (g1, g4), Viva (g5 unknown)
SOURCES = {"Alpha": {"usage", "m365_copilot_usage_csv", "chatgpt_user_analytics",
                     "viva_person_query"},
           "Beta": {"usage", "m365_copilot_usage_csv", "viva_person_query"},
           "Gamma": {"m365_copilot_usage_csv", "chatgpt_user_analytics", "viva_person_query"}}


def _email(who: str) -> str:
    return f"{who}@example.com"


def _team(who: str) -> str:
    return next(t for t in TEAMS if t[0].lower() == who[0])


def write_files(folder: Path) -> list[Path]:
    """The organisation's exports, each in its vendor's layout (see the module docstring)."""
    folder.mkdir()

    def write(name: str, header: list[str], rows: list[list], *, delimiter: str = ",",
              bom: bool = False) -> Path:
        path = folder / name
        with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
            w = csv.writer(fh, delimiter=delimiter)
            w.writerow(header)
            w.writerows(rows)
        return path

    files = [
        write("roster.csv", ["email", "name", "team", "department", "start_date", "end_date",
                             "as_of"],
              [[_email(p), f"Person {p.upper()}", _team(p), TEAMS[_team(p)], "2024-01-01", "",
                "2025-12-01"] for p in PEOPLE]),
        write("seats.csv", ["tool", "email", "assigned_on", "removed_on"],
              [["GitHub Copilot", _email(p), "2025-11-01", ""] for p in SEATS]),
        # generic usage log: one row per event, times in the workspace's zone
        write("usage.csv", ["timestamp", "email", "tool", "feature", "count"],
              [[f"{day}T10:00:00+01:00", _email(p), "GitHub Copilot", "completion", 3]
               for p, day in USAGE]),
    ]
    # Microsoft 365 admin center > Reports > Usage > Microsoft 365 Copilot, 30 days, Export
    m365_header = ["Report Refresh Date", "User Principal Name", "Display Name",
                   "Last Activity Date", "Copilot Chat Last Activity Date",
                   "Microsoft Teams Copilot Last Activity Date", "Word Copilot Last Activity Date",
                   "Excel Copilot Last Activity Date", "PowerPoint Copilot Last Activity Date",
                   "Outlook Copilot Last Activity Date", "OneNote Copilot Last Activity Date",
                   "Loop Copilot Last Activity Date", "Report Period"]
    files.append(write(
        "copilot_usage_user_detail_D30.csv", m365_header,
        [["2026-01-31", _email(p), f"Person {p.upper()}", last, last, "", "", "", "", "", "",
          "", "30"] for p, last in M365.items()], bom=True))
    # ChatGPT Enterprise > Workspace analytics > Export, monthly user engagement report
    chatgpt_header = ["cadence", "period_start", "period_end", "account_id", "public_id", "name",
                      "email", "role", "user_role", "department", "groups", "user_status",
                      "created_or_invited_date", "is_active", "first_day_active_in_period",
                      "last_day_active_in_period", "messages", "messages_rank",
                      "model_to_messages", "gpt_messages", "gpts_messaged", "gpt_to_messages",
                      "tool_messages", "tools_messaged", "tool_to_messages", "project_messages",
                      "projects_messaged", "project_to_messages", "projects_created",
                      "last_day_active"]
    files.append(write(
        "chatgpt_users_monthly_2026-01.csv", chatgpt_header,
        [["Monthly", "2026-01-01", "2026-01-31", "8692590815c34cfca1333ff09b53ee58",
          f"user-{p}", f"Person {p.upper()}", _email(p), "", "standard-user", "[]", "",
          "enabled", "2025-11-03", active, first, last, messages, "",
          f"{{'gpt-4o': {messages}}}" if messages else "", 0, 0, "", 0, 0, "", 0, 0, "", 0,
          last or "2025-12-19"]
         for p, (active, first, last, messages) in CHATGPT.items()], bom=True))
    # Viva Insights > Analysis > Person query, weekly, with the HR e-mail attribute
    files.append(write(
        "viva_person_query.csv",
        ["PersonId", "MetricDate", "Organization", "FunctionType", "HR_Email",
         "Total_Copilot_actions_taken", "Copilot_actions_taken_in_Teams"],
        [[f"7d99f98f-c0a6-4df9-b2c3-{i:012d}", f"{int(w[5:7])}/{int(w[8:])}/{w[:4]}",
          _team(p), TEAMS[_team(p)], _email(p), VIVA.get((p, w), 0), VIVA.get((p, w), 0)]
         for i, p in enumerate(PEOPLE) for w in VIVA_WEEKS]))
    return files


def write_survey(folder: Path) -> Path:
    """A January pulse survey (generic CSV export, item ids as headers), everyone answering."""
    from adoption.surveys.instrument import load_instrument

    items = [i for i in load_instrument().items if i.scale == "agree5"]
    rows = []
    for team, values in SENTIMENT.items():
        for n, v in enumerate(values, start=1):
            who = f"{team[0].lower()}{n}"
            rows.append([f"r-{who}", _email(who), "2026-01-20T10:00:00+01:00",
                         *[6 - v if i.reverse else v for i in items]])
    path = folder / "pulse_2026-01.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Response ID", "Email", "Submitted at", *[i.id for i in items]])
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> adoption.Workspace:
    root = tmp_path_factory.mktemp("acceptance")
    ws = adoption.init_workspace(root / "ws", adoption.Settings(
        organisation="Handcount Ltd", min_group_size=3, time_zone="Europe/Berlin"))
    results = ingest_files(ws, write_files(root / "inbox"))
    for r in results:  # every row of every file is loaded: the fixture files are well formed
        assert r.rows_rejected == 0, (r.file, r.summary())
    ingest_files(ws, [write_survey(root / "inbox")],
                 options={"wave": "2026-01", "wave_date": "2026-01-20"})
    return ws


def metrics_csv(capsys, ws: adoption.Workspace, *args: str) -> pd.DataFrame:
    """``adoption metrics --format csv`` for the workspace, as a frame."""
    code = main(["metrics", "-w", str(ws.root), "--format", "csv", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return pd.read_csv(io.StringIO(out.out))


@pytest.mark.parametrize(("period", "expected"), [("2026-01", JANUARY), ("2025-12", DECEMBER)])
def test_any_tool_per_team_equals_the_hand_count(org, capsys, period, expected):
    teams = metrics_csv(capsys, org, "--period", period).set_index("team")
    assert not teams["suppressed"].any()  # 5 people each, threshold 3
    for team, (people, active, unknown) in expected.items():
        row = teams.loc[team]
        assert (row.headcount, row.active_users, row.unknown_users,
                row.active_users_upper) == (people, active, unknown, active + unknown), team
        assert row.penetration == pytest.approx(active / people)
        assert row.penetration_upper == pytest.approx((active + unknown) / people)
    org_row = metrics_csv(capsys, org, "--period", period, "--by", "organisation").iloc[0]
    total = [sum(v[i] for v in expected.values()) for i in range(3)]
    assert (org_row.headcount, org_row.active_users, org_row.unknown_users) == tuple(total)


def test_per_tool_per_team_equals_the_hand_count(org, capsys):
    for tool, expected in PER_TOOL.items():
        teams = metrics_csv(capsys, org, "--period", "2026-01", "--tool", tool).set_index("team")
        for team, (active, unknown) in expected.items():
            assert (teams.loc[team, "active_users"], teams.loc[team, "unknown_users"]) == (
                active, unknown), (tool, team)


def test_sources_column_names_what_each_figure_rests_on(org, capsys):
    teams = metrics_csv(capsys, org, "--period", "2026-01").set_index("team")
    for team, sources in SOURCES.items():
        assert set(teams.loc[team, "sources"].split(", ")) == sources, team


def test_seat_count_beside_a_hidden_activation_rate_is_blank(org, capsys):
    teams = metrics_csv(capsys, org, "--period", "2026-01").set_index("team")
    # seats: Alpha 4, Beta 2 (under 3: hidden), so Alpha is hidden too (Engineering's 6
    # minus Alpha would give Beta); Gamma holds none (nothing to hide)
    assert teams.loc[["Alpha", "Beta"], ["seats", "activation_rate"]].isna().all().all()
    assert teams.loc["Gamma", "seats"] == 0
    org_row = metrics_csv(capsys, org, "--period", "2026-01", "--by", "organisation").iloc[0]
    # 6 seat holders; active among them a1, a2, b1, b2 (a3, a4 unknown) -> 4 / 6
    assert (org_row.seats, org_row.activation_rate) == (6, pytest.approx(4 / 6))


def test_metrics_command_explains_a_period_without_data_and_an_unknown_tool(org, capsys):
    assert main(["metrics", "-w", str(org.root), "--period", "2026-03"]) == 2
    err = capsys.readouterr().err
    assert "No data for month 2026-03" in err and "2025-12 to 2026-01" in err
    assert main(["metrics", "-w", str(org.root), "--period", "2026-01", "--tool", "Gemini"]) == 2
    err = capsys.readouterr().err
    assert "'Gemini'" in err
    assert "['ChatGPT Enterprise', 'GitHub Copilot', 'Microsoft 365 Copilot']" in err
    assert main(["metrics", "-w", str(org.root), "--period", "2026-01"]) == 0
    out = capsys.readouterr().out
    assert "People active on any AI tool in January 2026" in out
    assert re.search(r"Alpha\s+5\s+3 to 5\s+2\s+60% \(\d+\u2013\d+\), up to 100%", out)


# -- the same organisation through the rendered report --------------------------------------

@pytest.fixture(scope="module")
def soup(org) -> BeautifulSoup:
    from adoption.report import render_adoption_report

    html = render_adoption_report(org, period="2026-01").read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser")


def _table(soup: BeautifulSoup, name: str) -> pd.DataFrame:
    table = soup.find("table", attrs={"data-table": name})
    assert table is not None, name
    header = [th.get_text(" ", strip=True) for th in table.find("thead").find_all("th")]
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in table.find("tbody").find_all("tr")]
    return pd.DataFrame(rows, columns=header)


def _ints(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", text.replace(",", ""))]


def _pct(x: float) -> int:
    return round(100 * x)


def test_headline_agrees_with_the_metrics_command(org, soup, capsys):
    row = metrics_csv(capsys, org, "--period", "2026-01", "--by", "organisation").iloc[0]
    table = _table(soup, "headline").set_index("Measure")
    jan = table["January 2026"]
    assert _ints(jan["People employed"]) == [row.headcount]
    # "8 to 11 (3 unknown)"
    assert _ints(jan["People active on any AI tool"]) == [
        row.active_users, row.active_users_upper, row.unknown_users]
    # "53% (30–75) of 15, up to 73%"
    assert _ints(jan["Share of all people active on any AI tool"]) == [
        _pct(row.penetration), _pct(row.penetration_ci_low), _pct(row.penetration_ci_high),
        row.headcount, _pct(row.penetration_upper)]
    text = soup.get_text(" ")
    assert re.search(r"In January 2026, 8 to 11 of 15 people \(53%.*\) were active on any AI "
                     r"tool \(3 unknown: their only evidence is weekly windows of Viva Insights "
                     r"person query that straddle the month's boundary", text)


def test_team_table_agrees_with_the_metrics_command(org, soup, capsys):
    teams = metrics_csv(capsys, org, "--period", "2026-01").set_index("team")
    table = _table(soup, "teams").set_index("Team")
    assert list(table.columns[:5]) == ["Department", "People", "Active on any AI tool",
                                       "Share of all people", "With a seat"]
    for team in TEAMS:
        csv_row, html = teams.loc[team], table.loc[team]
        assert _ints(html["People"]) == [csv_row.headcount]
        active = [csv_row.active_users] + (
            [csv_row.active_users_upper] if csv_row.unknown_users else [])
        assert _ints(html["Active on any AI tool"]) == active, team
        share = [_pct(csv_row.penetration), _pct(csv_row.penetration_ci_low),
                 _pct(csv_row.penetration_ci_high)]
        if csv_row.unknown_users:
            share.append(_pct(csv_row.penetration_upper))
        assert _ints(html["Share of all people"]) == share, team
        labels = {adoption.canonical.source_semantics(s).label
                  for s in csv_row.sources.split(", ")}
        assert set(html["Sources"].split(", ")) == labels, team
    # no seat count beside a hidden activation rate: Alpha and Beta show neither
    for team in ("Alpha", "Beta"):
        assert table.loc[team, "With a seat"] == "\u2013"
        assert table.loc[team, "Share of seat holders"].startswith("hidden")


def test_quadrant_agrees_with_the_metrics_command(org, soup, capsys):
    teams = metrics_csv(capsys, org, "--period", "2026-01").set_index("team")
    org_row = metrics_csv(capsys, org, "--period", "2026-01", "--by", "organisation").iloc[0]
    table = _table(soup, "quadrant").set_index("Team")
    share = table["Active on any AI tool, January 2026"]
    for team in TEAMS:
        row = teams.loc[team]
        assert _ints(share[team]) == [_pct(row.penetration), _pct(row.penetration_ci_low),
                                      _pct(row.penetration_ci_high)], team
        assert _ints(table.loc[team, "People"]) == [row.headcount]
    # organisation 8 / 15 = 53%; sentiment: Alpha 3.8, Beta 2.4, Gamma 4.6, organisation 54 / 15
    # = 3.6 (means of the values in SENTIMENT). Gamma uses no daily-logged tool at all: its
    # 60% comes from Microsoft 365 Copilot and ChatGPT, so it is "using it", not "not yet".
    assert org_row.penetration == pytest.approx(8 / 15)
    assert table["Quadrant"].to_dict() == {"Alpha": "using it and positive",
                                           "Beta": "neither using nor positive",
                                           "Gamma": "using it and positive"}
    assert [float(s.split()[0]) for s in table["Overall sentiment"]] == [3.8, 2.4, 4.6]
