"""Tests of the GitHub Copilot readers (:mod:`adoption.vendors.github`) and their demo export.

The fixtures in ``tests/fixtures/vendors/github`` follow GitHub's documented examples: the
seats API response (docs.github.com/en/rest/copilot/copilot-user-management), the Copilot
metrics API (docs.github.com/en/rest/copilot/copilot-metrics), the per-user usage metrics
report (docs.github.com/en/copilot/reference/copilot-usage-metrics/example-schema) and the
user-teams report (.../copilot-usage-metrics/team-level-metrics).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

import adoption
from adoption.errors import InputError
from adoption.ingest.batch import ingest_file
from adoption.ingest.formats import detect_format, registered_formats
from adoption.vendors import github

FIXTURES = Path(__file__).parent / "fixtures" / "vendors"
GH = FIXTURES / "github"
MINE = {"github_copilot_seats", "github_copilot_metrics", "github_copilot_user_metrics",
        "github_copilot_user_teams", "github_copilot_usage_aggregates",
        "github_copilot_users_28_day"}
D = dt.date


def _rows(ws: adoption.Workspace, sql: str, params=None) -> list[tuple]:
    with ws.store(read_only=True) as store:
        return store.con.execute(sql, params or []).fetchall()


def _identities(ws: adoption.Workspace, pairs: dict[str, str]) -> None:
    """Map GitHub logins to roster e-mails, as an identities mapping file would."""
    with ws.store() as store:
        for login, email in pairs.items():
            store.con.execute(
                "INSERT OR REPLACE INTO identities VALUES (?, ?, 'github')",
                [ws.pseudonymise([login])[0], ws.pseudonymise([email])[0]])


def _team_mau(ws: adoption.Workspace) -> dict[tuple[str, str], int]:
    """Distinct active GitHub Copilot users per team and month (login -> person -> team)."""
    rows = _rows(ws, """
        SELECT p.team, strftime(u.day, '%Y-%m') AS month,
               count(DISTINCT coalesce(i.person_id, u.person_id))
        FROM usage u
        LEFT JOIN identities i ON i.identity_hash = u.person_id AND i.system = 'github'
        JOIN people p ON p.person_id = coalesce(i.person_id, u.person_id)
         AND u.day BETWEEN p.valid_from AND p.valid_to
        WHERE u.events > 0 AND u.tool = 'GitHub Copilot'
        GROUP BY ALL""")
    return {(team, month): n for team, month, n in rows}


# -- detection -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("seats_page.json", "github_copilot_seats"),
    ("seats_pages_bom.json", "github_copilot_seats"),
    ("copilot_metrics_org_demo-org.json", "github_copilot_metrics"),
    ("copilot_metrics_team_platform.json", "github_copilot_metrics"),
    ("copilot_users_report.ndjson", "github_copilot_user_metrics"),
    ("copilot_user_teams_bom.ndjson", "github_copilot_user_teams"),
    ("metrics_renamed_date.json", "github_copilot_metrics"),
])
def test_each_fixture_is_claimed_by_exactly_its_format(name, expected):
    fmt = detect_format(GH / name)  # raises if two formats claim it
    assert fmt is not None and fmt.name == expected


def test_generic_and_other_vendor_files_are_not_claimed(files, tmp_path):
    seats = tmp_path / "seats.csv"
    seats.write_text("email,tool,assigned_on,removed_on\nann@example.com,Copilot,2026-01-01,\n")
    tools = tmp_path / "tools.csv"
    tools.write_text("tool,vendor,category,is_sanctioned,monthly_seat_cost,currency\n"
                     "Copilot,GitHub,coding,true,19,EUR\n")
    jsonl = tmp_path / "usage.jsonl"
    jsonl.write_text(json.dumps({"timestamp": "2026-01-05T09:00:00Z", "email": "a@x.com",
                                 "tool": "Copilot", "feature": "chat", "count": 1}) + "\n")
    others = [*files.values(), seats, tools, jsonl, *sorted((FIXTURES / "chatgpt").iterdir())]
    for path in others:
        fmt = detect_format(path)
        assert fmt is None or fmt.name not in MINE, path.name


def test_formats_are_registered_with_their_documentation():
    formats = registered_formats()
    for name in MINE:
        assert formats[name].source.startswith("https://docs.github.com/"), name


# -- seats -----------------------------------------------------------------------------------

def test_seats_page_loads_seats_and_last_activity(workspace):
    result = ingest_file(workspace, GH / "seats_page.json")
    # 5 seats: Ann, Bob, Cat loaded; a team assignee and an unparsable created_at rejected
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 3, 2)
    ann, bob, cat = workspace.pseudonymise(["ann-gh", "bob-b", "cat-dev"])
    seats = dict(((p, (a, r)) for p, a, r in _rows(
        workspace, "SELECT person_id, assigned_on, removed_on FROM seats")))
    # created_at 2025-12-01T09:30Z; bob's 08:00+01:00 is 2025-12-02 in Berlin;
    # pending_cancellation_date is the removal date
    assert seats == {ann: (D(2025, 12, 1), None), bob: (D(2025, 12, 2), D(2026, 2, 1)),
                     cat: (D(2026, 1, 5), None)}
    activity = {p: (a, la) for p, a, la in _rows(
        workspace, "SELECT person_id, as_of, last_active FROM seat_activity")}
    # 2026-01-30T23:30:00Z is already 31 January in Berlin; that is also the latest day of
    # the file, hence the export date
    assert activity[ann] == (D(2026, 1, 31), D(2026, 1, 31))
    assert activity[bob] == (D(2026, 1, 31), None)
    assert activity[cat] == (D(2026, 1, 31), D(2026, 1, 28))
    reasons = [r[0] for r in _rows(workspace, "SELECT reason FROM rejects ORDER BY row_number")]
    assert "team" in reasons[0] and "created_at" in reasons[1]
    detail = json.loads(_rows(workspace, "SELECT detail FROM seat_activity WHERE person_id = ?",
                              [ann])[0][0])
    assert detail == {"editor": "vscode/1.96.0/copilot/1.250.0", "plan_type": "business",
                      "assigning_team": "justice-league"}


def test_seat_pages_count_repeats_once_and_update_removals(workspace):
    ingest_file(workspace, GH / "seats_page.json")
    result = ingest_file(workspace, GH / "seats_pages_bom.json")
    # 4 seats over two pages: Cat is on both pages (1 duplicate); Ann brings a new activity
    # snapshot, Cat a pending cancellation, Eve is new
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (4, 3, 1)
    assert "removal date" in result.note
    cat, eve = workspace.pseudonymise(["cat-dev", "eve-e"])
    assert _rows(workspace, "SELECT count(*) FROM seats")[0][0] == 4
    assert _rows(workspace, "SELECT removed_on FROM seats WHERE person_id = ?", [cat]) == [
        (D(2026, 3, 1),)]
    assert _rows(workspace, "SELECT assigned_on FROM seats WHERE person_id = ?", [eve]) == [
        (D(2026, 2, 3),)]
    # the same file again changes nothing; a copy with other bytes is all duplicates
    assert ingest_file(workspace, GH / "seats_pages_bom.json").already_ingested
    copy = workspace.root / "copy.json"
    copy.write_text(json.dumps(json.loads((GH / "seats_pages_bom.json").read_text("utf-8-sig"))))
    again = ingest_file(workspace, copy)
    assert (again.rows_loaded, again.rows_duplicate) == (0, 4)


def test_seats_as_of_rejects_activity_after_the_export(workspace):
    result = ingest_file(workspace, GH / "seats_page.json", as_of=D(2026, 1, 29))
    # Ann's last activity (31 January) is after the export date: impossible
    assert (result.rows_loaded, result.rows_rejected) == (2, 3)
    assert {r[0] for r in _rows(workspace, "SELECT as_of FROM seat_activity")} == {
        D(2026, 1, 29)}


def test_seats_with_renamed_fields_are_refused_whole(workspace, tmp_path):
    data = json.loads((GH / "seats_page.json").read_text())
    for seat in data["seats"]:
        seat["assigned_to"] = seat.pop("assignee")
    path = tmp_path / "seats.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="assignee.*assigned_to"):
        ingest_file(workspace, path)
    assert _rows(workspace, "SELECT count(*) FROM seats")[0][0] == 0


# -- metrics API -----------------------------------------------------------------------------

def test_metrics_become_team_aggregates(workspace):
    result = ingest_file(workspace, GH / "copilot_metrics_org_demo-org.json")
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    rows = _rows(workspace, """SELECT scope_type, scope, day, count(*) FROM team_usage
                               GROUP BY ALL ORDER BY day""")
    # per day, counted by hand from the fixture: 2 day totals; completions 1 + 2 languages
    # + 1 editor + 1 model + 2 x 5 per language-model counts = 15; IDE chat 1 + 1 + 4 = 6;
    # dotcom chat 1 + 2 = 3; pull requests 1 + 1 + 2 = 4; total 30
    assert rows == [("organization", "demo-org", D(2026, 1, 5), 30),
                    ("organization", "demo-org", D(2026, 1, 6), 30)]
    value = _rows(workspace, """SELECT value FROM team_usage WHERE day = '2026-01-05'
        AND feature = 'copilot_ide_code_completions' AND editor = 'vscode'
        AND model = 'default' AND language = 'python' AND metric = 'total_code_suggestions'""")
    assert value == [(120.0,)]  # from the fixture
    # aggregates never become people
    assert _rows(workspace, "SELECT count(*) FROM usage")[0][0] == 0
    assert _rows(workspace, "SELECT count(*) FROM activity_periods")[0][0] == 0
    cols = [r[0] for r in _rows(workspace, "SELECT column_name FROM information_schema.columns "
                                           "WHERE table_name = 'team_usage'")]
    assert "person_id" not in cols


def test_metrics_scope_from_name_or_option_and_duplicate_days(workspace, tmp_path):
    ingest_file(workspace, GH / "copilot_metrics_team_platform.json")
    assert _rows(workspace, "SELECT DISTINCT scope_type, scope FROM team_usage") == [
        ("team", "platform")]
    # the org file renamed (no scope in the name) and given a scope option
    path = tmp_path / "metrics.json"
    shutil.copy(GH / "copilot_metrics_org_demo-org.json", path)
    first = ingest_file(workspace, path, options={"scope": "team:platform"})
    # 2026-01-05 of team platform is already loaded: a duplicate; 2026-01-06 is new
    assert (first.rows_loaded, first.rows_duplicate) == (1, 1)
    other = tmp_path / "copilot_metrics.json"
    other.write_text(path.read_text() + "\n")
    second = ingest_file(workspace, other)  # no scope: the organisation
    assert (second.rows_loaded, second.rows_duplicate) == (2, 0)
    assert _rows(workspace, "SELECT DISTINCT scope FROM team_usage ORDER BY 1") == [
        ("organization",), ("platform",)]
    third = tmp_path / "metrics3.json"
    third.write_text(path.read_text() + "\n\n")
    with pytest.raises(InputError, match="scope"):
        ingest_file(workspace, third, options={"scope": "division:x"})


def test_metrics_with_renamed_date_get_a_clear_error(workspace):
    with pytest.raises(InputError, match=r"'date' \(closest found: 'day'\)"):
        ingest_file(workspace, GH / "metrics_renamed_date.json")
    assert _rows(workspace, "SELECT count(*) FROM team_usage")[0][0] == 0


def test_metric_rows_skip_flags_and_texts():
    day = {"date": "2026-01-01", "total_active_users": 3,
           "copilot_dotcom_chat": {"total_engaged_users": 1, "models": [
               {"name": "m", "is_custom_model": True, "custom_model_training_date": "x",
                "total_chats": 4}]}}
    assert github.metric_rows(day) == [
        ("all", None, None, None, None, "total_active_users", 3.0),
        ("copilot_dotcom_chat", None, None, None, None, "total_engaged_users", 1.0),
        ("copilot_dotcom_chat", None, None, "m", None, "total_chats", 4.0)]


# -- per-user usage metrics ------------------------------------------------------------------

def test_user_metrics_load_usage_and_features(workspace):
    result = ingest_file(workspace, GH / "copilot_users_report.ndjson")
    # 10 lines: a repeated line (duplicate), a user_id without login, a negative count and a
    # cut line rejected; 6 loaded
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (10, 6, 3, 1)
    ann, bob = workspace.pseudonymise(["ann-gh", "bob-b"])
    usage = {(p, d): e for p, d, e in _rows(workspace, "SELECT person_id, day, events FROM usage")}
    # ann 5 Jan: 3 interactions + 10 generations + 2 CLI prompts; "ANN-GH" is the same login
    assert usage[(ann, D(2026, 1, 5))] == 15
    assert usage[(ann, D(2026, 2, 3))] == 5
    assert usage[(bob, D(2026, 2, 4))] == 0  # listed, but no counted activity
    feats = dict(((f, e) for f, e in _rows(
        workspace, "SELECT feature, events FROM usage_features WHERE person_id = ? "
                   "AND day = '2026-01-05'", [ann])))
    # the fixture's totals_by_feature, and "cli": used_cli with 2 CLI prompts that day
    assert feats == {"code_completion": 10, "chat_panel_ask_mode": 3, "cli": 2}
    reasons = [r[0] for r in _rows(workspace, "SELECT reason FROM rejects ORDER BY row_number")]
    assert "user_login" in reasons[0] and "negative" in reasons[1] and "JSON" in reasons[2]


def test_user_metrics_team_monthly_active_users_match_a_hand_count(workspace, files):
    ingest_file(workspace, files["roster_jan"])  # Ann, Bob: Alpha; Cat, Dan: Beta
    _identities(workspace, {"ann-gh": "ann@example.com", "bob-b": "bob@example.com",
                            "cat-dev": "cat@example.com"})
    ingest_file(workspace, GH / "copilot_users_report.ndjson")
    # by hand from the fixture: January Ann and Bob (Alpha), Cat (Beta); the contractor has
    # no roster entry; February only Ann (Bob's day has no activity)
    assert _team_mau(workspace) == {("Alpha", "2026-01"): 2, ("Beta", "2026-01"): 1,
                                    ("Alpha", "2026-02"): 1}


def test_user_metrics_reingest_is_idempotent(workspace, tmp_path):
    ingest_file(workspace, GH / "copilot_users_report.ndjson")
    before = _rows(workspace, "SELECT count(*), sum(events) FROM usage")
    assert ingest_file(workspace, GH / "copilot_users_report.ndjson").already_ingested
    copy = tmp_path / "copy.ndjson"
    copy.write_text((GH / "copilot_users_report.ndjson").read_text() + "\n")
    again = ingest_file(workspace, copy)
    assert (again.rows_loaded, again.rows_duplicate, again.rows_rejected) == (0, 7, 3)
    assert _rows(workspace, "SELECT count(*), sum(events) FROM usage") == before


def test_user_metrics_json_array_and_renamed_fields(workspace, tmp_path):
    lines = (GH / "copilot_users_report.ndjson").read_text().splitlines()
    records = [json.loads(lines[0]), json.loads(lines[1])]
    path = tmp_path / "users.json"
    path.write_text(json.dumps(records, indent=2))
    assert detect_format(path).name == "github_copilot_user_metrics"
    assert ingest_file(workspace, path).rows_loaded == 2
    renamed = tmp_path / "renamed.ndjson"
    renamed.write_text("\n".join(json.dumps({("login" if k == "user_login" else k): v
                                             for k, v in r.items()}) for r in records))
    with pytest.raises(InputError, match=r"'user_login' \(closest found: [^)]*'login'"):
        ingest_file(workspace, renamed, source_format="github_copilot_user_metrics")


def test_user_teams_report(workspace):
    result = ingest_file(workspace, GH / "copilot_user_teams_bom.ndjson")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (5, 3, 1, 1)
    ann = workspace.pseudonymise(["ann-gh"])[0]
    assert sorted(_rows(workspace, "SELECT team FROM vendor_user_teams WHERE person_id = ?",
                        [ann])) == [("platform",), ("web",)]


# -- demo export -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> list[Path]:
    from adoption.demo import write_demo_files

    return write_demo_files(tmp_path_factory.mktemp("demo_gh"), people=600, months=9)


def test_demo_exports_are_claimed_and_ingest_cleanly(demo_files, tmp_path):
    mine = [p for p in demo_files if p.name.startswith(("github_", "identities_github"))]
    names = {p.name for p in mine}
    assert "github_copilot_seats.json" in names
    assert "github_copilot_metrics_org_example-corp.json" in names
    reports = sorted(p for p in mine if p.name.startswith("github_copilot_users_"))
    assert len(reports) == 3
    assert "github_copilot_organization-28-day_latest.ndjson" in names
    for p in mine:
        if p.suffix != ".csv":
            assert detect_format(p).name in MINE, p.name
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(time_zone="Europe/Berlin"))
    for p in [p for p in mine if p.suffix != ".csv"]:
        result = ingest_file(ws, p)
        assert result.rows_rejected == 0, p.name
        assert result.rows_loaded > 0, p.name
    # the seats file holds the seats of the last day
    holders = _rows(ws, "SELECT count(*) FROM seats WHERE removed_on IS NULL")[0][0]
    assert holders > 50
    # the per-user reports cover three whole months of days with activity
    months = _rows(ws, "SELECT count(DISTINCT strftime(day, '%Y-%m')) FROM usage")[0][0]
    assert months == 3
    mapping = next(p for p in mine if p.name == "identities_github.csv")
    header = mapping.read_text().splitlines()[0]
    assert header == "email,identifier,system"


def test_demo_claims_exported_events_out_of_the_generic_usage(demo_files):
    import pandas as pd

    out = demo_files[0].parent
    reports = sorted(out.glob("github_copilot_users_*.ndjson"))
    first_day = min(json.loads(line)["day"] for line in reports[0].read_text().splitlines())
    generic = [p for p in demo_files if p.name.startswith("usage") and p.suffix == ".parquet"]
    frame = pd.concat([pd.read_parquet(p, columns=["timestamp", "tool"]) for p in generic])
    copilot = frame[frame["tool"] == "GitHub Copilot"]
    assert (copilot["timestamp"].str[:10] < first_day).all()


def test_seat_known_under_the_mapped_email_is_not_inserted_twice(workspace, tmp_path):
    generic = tmp_path / "seats.csv"
    generic.write_text("email,tool,assigned_on,removed_on\n"
                       "ann@example.com,GitHub Copilot,2025-12-01,\n")
    ingest_file(workspace, generic)
    _identities(workspace, {"ann-gh": "ann@example.com"})
    result = ingest_file(workspace, GH / "seats_page.json")
    # Ann's seat is the e-mail's seat (same tool and day): its row brings only the activity
    # snapshot; Bob and Cat are new seats
    assert result.rows_loaded == 3
    assert _rows(workspace, "SELECT count(*) FROM seats")[0][0] == 3


def test_identities_mapping_file_links_logins_end_to_end(workspace, files, tmp_path):
    """With the identities mapping file (adoption.vendors.identity), as the demo writes it."""
    mapping = tmp_path / "identities_github.csv"
    mapping.write_text("email,identifier,system\nann@example.com,ann-gh,github\n"
                       "bob@example.com,bob-b,github\ncat@example.com,cat-dev,github\n")
    seats = tmp_path / "seats.csv"
    seats.write_text("email,tool,assigned_on,removed_on\n"
                     "ann@example.com,GitHub Copilot,2025-12-01,\n")
    results = adoption.ingest.ingest_files(
        workspace, [GH / "copilot_users_report.ndjson", GH / "seats_page.json", seats,
                    mapping, files["roster_jan"]])
    # ranked: roster, mapping, generic seats, GitHub seats, then usage
    assert [r.format for r in results][:2] == ["csv", "identities_mapping"]
    assert results[-1].format == "github_copilot_user_metrics"
    assert _rows(workspace, "SELECT count(*) FROM seats")[0][0] == 3  # Ann's seat once
    assert _team_mau(workspace) == {("Alpha", "2026-01"): 2, ("Beta", "2026-01"): 1,
                                    ("Alpha", "2026-02"): 1}


def test_seat_last_activity_gives_a_lower_bound_of_monthly_active_users(workspace, files):
    """A last-activity source tells one active day per person: the month it falls in."""
    ingest_file(workspace, files["roster_jan"])
    _identities(workspace, {"ann-gh": "ann@example.com", "bob-b": "bob@example.com",
                            "cat-dev": "cat@example.com"})
    ingest_file(workspace, GH / "seats_page.json")
    rows = _rows(workspace, """
        SELECT p.team, strftime(x.last_active, '%Y-%m'),
               count(DISTINCT coalesce(i.person_id, x.person_id))
        FROM seat_activity x
        LEFT JOIN identities i ON i.identity_hash = x.person_id AND i.system = 'github'
        JOIN people p ON p.person_id = coalesce(i.person_id, x.person_id)
         AND x.last_active BETWEEN p.valid_from AND p.valid_to
        WHERE x.last_active IS NOT NULL GROUP BY ALL""")
    # by hand: Ann last active 31 Jan (Alpha), Cat 28 Jan (Beta), Bob never
    assert sorted(rows) == [("Alpha", "2026-01", 1), ("Beta", "2026-01", 1)]


# -- files without rows: a team under five members, the API's answer, days without activity --

def test_team_metrics_empty_list_loads_as_zero_rows_with_a_note(workspace, tmp_path):
    path = GH / "copilot_metrics_team_small-team.json"  # GitHub's [] for a team under 5
    assert detect_format(path).name == "github_copilot_metrics"
    r = ingest_file(workspace, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (0, 0, 0, 0)
    assert "team 'small-team': an empty list, nothing to load" in r.note
    assert "fewer than five members" in r.note
    # a folder with it goes on with the other files
    results = adoption.ingest.ingest_files(
        workspace, [path, GH / "copilot_metrics_team_platform.json"])
    by_file = {x.file: x for x in results}
    assert by_file[path.name].already_ingested
    assert by_file["copilot_metrics_team_platform.json"].rows_loaded > 0


@pytest.mark.parametrize("name, links, days", [
    ("users_1_day_report_links.json", 2, "2025-07-01"),
    ("users_28_day_report_links.json", 1, "2025-07-18 to 2025-08-14"),
])
def test_the_apis_answer_with_links_is_refused_listing_the_files(workspace, name, links, days):
    data = json.loads((GH / name).read_text())
    with pytest.raises(InputError) as info:
        ingest_file(workspace, GH / name)
    message = str(info.value)
    assert f"GitHub's API answer for {days}, not a report" in message
    assert f"only names the {links} report file(s) to download" in message
    for link in data["download_links"]:  # every link listed
        assert f"  - {link}" in message
    assert "makes no network calls" in message
    assert _rows(workspace, "SELECT count(*) FROM ingest_log") == [(0,)]


def test_the_apis_answer_without_links_covers_its_day(workspace):
    r = ingest_file(workspace, GH / "users_1_day_no_activity_links.json")
    assert (r.rows_read, r.rows_loaded) == (0, 0)
    assert (r.first_date, r.last_date) == (D(2026, 1, 10), D(2026, 1, 10))
    assert "GitHub published no report for 2026-01-10" in r.note


def test_a_report_without_a_record_covers_the_day_of_its_name_or_as_of(workspace, tmp_path):
    path = GH / "copilot_users_report_2026-01-11.ndjson"  # zero bytes
    assert path.stat().st_size == 0 and detect_format(path).name == "github_copilot_user_metrics"
    r = ingest_file(workspace, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (0, 0, 0)
    assert (r.first_date, r.last_date) == (D(2026, 1, 11), D(2026, 1, 11))
    assert "no activity on 2026-01-11 (the date in the file name)" in r.note
    # every empty file has the same content: the name tells them apart
    assert ingest_file(workspace, path).already_ingested
    other_day = tmp_path / "copilot_users_report_2026-01-14.ndjson"
    other_day.write_bytes(b"")
    r = ingest_file(workspace, other_day)
    assert not r.already_ingested and r.first_date == D(2026, 1, 14)
    blank = tmp_path / "report.ndjson"
    blank.write_text("\n\n")
    r = ingest_file(workspace, blank, as_of=D(2026, 1, 12))
    assert (r.first_date, r.note.count("2026-01-12 (--as-of)")) == (D(2026, 1, 12), 1)
    nameless = tmp_path / "latest.ndjson"
    nameless.write_text("")
    r = ingest_file(workspace, nameless)
    assert r.first_date is None and "its day is unknown" in r.note and "--as-of" in r.note
    teams = tmp_path / "teams_2026-01-13.jsonl"  # an empty .jsonl is claimed by no format
    teams.write_text("")
    assert detect_format(teams) is None
    r = ingest_file(workspace, teams, source_format="github_copilot_user_teams")
    assert (r.rows_read, r.first_date) == (0, D(2026, 1, 13))
    assert "a user-teams report without a record" in r.note


def _day_files(folder: Path) -> list[Path]:
    """Two daily per-user reports (5 and 7 January) cut from the fixture."""
    lines = (GH / "copilot_users_report.ndjson").read_text().splitlines()
    out = []
    for day, picks in (("2026-01-05", lines[0:2]), ("2026-01-07", lines[5:7])):
        path = folder / f"users_{day}.ndjson"
        path.write_text("\n".join(picks) + "\n")
        out.append(path)
    return out


def _missing(ws: adoption.Workspace) -> str:
    from adoption.vendors.quality import build_data_quality

    with ws.store(read_only=True) as store:
        q = build_data_quality(store)
    row = q.sources.set_index("source").loc["github_copilot_user_metrics"]
    return row["gaps"] if row["gap_days"] else "none"


def test_status_shows_a_day_without_any_file_as_missing(workspace, tmp_path):
    adoption.ingest.ingest_files(workspace, _day_files(tmp_path))
    assert _missing(workspace) == "2026-01-06 (1 day)"


@pytest.mark.parametrize("zero_day", ["empty report", "answer without links"])
def test_a_day_without_activity_is_coverage_not_a_gap(workspace, tmp_path, zero_day):
    if zero_day == "empty report":
        extra = tmp_path / "users_2026-01-06.ndjson"
        extra.write_text("")
    else:
        extra = tmp_path / "answer.json"
        extra.write_text(json.dumps({"download_links": [], "report_day": "2026-01-06"}))
    results = adoption.ingest.ingest_files(workspace, [*_day_files(tmp_path), extra])
    # hand count: Ann and Bob on 5 January; Cat on 7 January (the contractor's line of that
    # day has a negative count and is rejected); nothing on the 6th
    loaded = {r.file: (r.rows_loaded, r.rows_rejected) for r in results}
    assert loaded == {"users_2026-01-05.ndjson": (2, 0), "users_2026-01-07.ndjson": (1, 1),
                      extra.name: (0, 0)}
    assert _missing(workspace) == "none"
