"""Microsoft 365 Copilot usage user detail: admin center CSV and Graph JSON readers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from adoption.errors import ColumnNotFoundError
from adoption.ingest.batch import ingest_file
from adoption.ingest.formats import detect_format

FIX = Path(__file__).parent / "fixtures" / "vendors" / "microsoft"
CSV = FIX / "copilot_usage_user_detail_D30.csv"
JSON = FIX / "copilot_usage_user_detail_D7_graph.json"
RENAMED = FIX / "copilot_usage_renamed_column.csv"


def _generic_files(folder: Path, files: dict[str, Path]) -> list[Path]:
    """The conftest roster and usage files plus plain seats and tools CSVs."""
    seats = folder / "seats.csv"
    seats.write_text("tool,email,assigned_on\nCopilot,ann@example.com,2026-01-01\n")
    tools = folder / "tools.csv"
    tools.write_text("tool,vendor,category\nCopilot,GitHub,coding\n")
    return [*files.values(), seats, tools]


def test_each_fixture_is_claimed_by_its_own_format_only(files, tmp_path):
    # detect_format raises FormatDetectionError when two formats claim one file
    assert detect_format(CSV).name == "m365_copilot_usage_csv"
    assert detect_format(RENAMED).name == "m365_copilot_usage_csv"
    assert detect_format(JSON).name == "m365_copilot_usage_json"
    for path in _generic_files(tmp_path, files):
        assert detect_format(path) is None, path.name


def _rows(ws, sql: str) -> list[tuple]:
    with ws.store(read_only=True) as store:
        return store.con.execute(sql).fetchall()


def test_admin_center_csv(workspace, files):
    ingest_file(workspace, files["roster_jan"])
    result = ingest_file(workspace, CSV)
    # 8 rows: ann, bob, cat, dan, concealed, eve (Word after overall: rejected),
    # fay (after the refresh date: rejected), ann again identical (duplicate)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (8, 5, 2, 1)
    assert "1 user(s) with concealed names" in result.note
    # window of a 30-day report refreshed 2026-01-31: 2026-01-02 .. 2026-01-31
    assert (str(result.first_date), str(result.last_date)) == ("2026-01-02", "2026-01-31")
    reasons = [r[0] for r in _rows(workspace, "SELECT reason FROM rejects ORDER BY row_number")]
    assert "per-app activity after the overall Last Activity Date" in reasons[0]
    assert "after the report refresh date" in reasons[1]
    raw = _rows(workspace, "SELECT raw FROM rejects")[0][0]
    assert "eve@example.com" not in raw and "(redacted)" in raw
    ann = workspace.pseudonymise(["ann@example.com"])[0]
    row = _rows(workspace, f"""SELECT period_start, period_end, active, active_days, events,
        last_active, detail FROM activity_periods WHERE person_id = '{ann}'""")
    assert len(row) == 1
    start, end, active, days, events, last, detail = row[0]
    assert (str(start), str(end), active, days, events, str(last)) == (
        "2026-01-02", "2026-01-31", True, None, None, "2026-01-30")
    assert json.loads(detail)["teams"] == "2026-01-29"
    assert json.loads(detail)["excel"] is None
    active = dict(_rows(workspace, "SELECT person_id, active FROM activity_periods"))
    bob, cat, dan = workspace.pseudonymise(["bob@example.com", "cat@example.com",
                                            "Dan@Example.com"])
    # bob's last activity (2025-12-20) is before the window: a valid row, not active
    assert active[bob] is False and active[cat] is False and active[dan] is True
    assert _rows(workspace, "SELECT count(*), count(last_active) FROM seat_activity") == [(5, 4)]


def test_monthly_active_users_by_team_match_a_hand_count(workspace, files):
    ingest_file(workspace, files["roster_jan"])
    ingest_file(workspace, CSV)
    mau = dict(_rows(workspace, """
        SELECT p.team, count(DISTINCT a.person_id) FROM activity_periods a
        JOIN people p ON p.person_id = a.person_id
             AND a.period_end BETWEEN p.valid_from AND p.valid_to
        WHERE a.active AND a.period_end BETWEEN DATE '2026-01-01' AND DATE '2026-01-31'
        GROUP BY p.team"""))
    # hand count, ROSTER_JAN teams: Alpha = ann (active), bob (last 2025-12-20: not);
    # Beta = dan (2026-01-05: active), cat (never used)
    assert mau == {"Alpha": 1, "Beta": 1}
    unmatched = _rows(workspace, """SELECT count(*) FROM activity_periods a
        WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.person_id = a.person_id)""")
    # the concealed row (32-hex UPN) is kept and is the only one not in the roster
    assert unmatched == [(1,)]


def test_graph_json(workspace):
    result = ingest_file(workspace, JSON)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 3, 0)
    rows = _rows(workspace, """SELECT period_start, period_end, active, last_active
        FROM activity_periods ORDER BY last_active""")
    # reportPeriod 7 from copilotActivityUserDetailsByPeriod, refresh 2026-02-07
    assert {(str(r[0]), str(r[1])) for r in rows} == {("2026-02-01", "2026-02-07")}
    # dan's last activity 2026-01-28 is before the 7-day window; ann and the concealed user in it
    assert [r[2] for r in rows] == [False, True, True]
    assert "concealed" in result.note


def test_reingest_is_idempotent(workspace, tmp_path):
    ingest_file(workspace, CSV)
    with workspace.store(read_only=True) as store:
        before = store.fingerprint()
    again = ingest_file(workspace, CSV)
    assert again.already_ingested
    # the same rows in a re-saved copy (other line ends, so another file hash) add nothing
    copy = tmp_path / "copy.csv"
    copy.write_bytes(CSV.read_bytes().replace(b"\r\n", b"\n"))
    result = ingest_file(workspace, copy)
    assert (result.rows_loaded, result.rows_duplicate) == (0, 6)
    with workspace.store(read_only=True) as store:
        after = store.fingerprint()
    assert after["activity_periods"] == before["activity_periods"]
    assert after["seat_activity"] == before["seat_activity"]


def test_changed_column_is_named_and_nothing_is_stored(workspace):
    with workspace.store() as store:
        before = store.fingerprint()
    with pytest.raises(ColumnNotFoundError) as err:
        ingest_file(workspace, RENAMED)
    message = str(err.value)
    assert "'User Principal Name'" in message and "nearest found: 'User Name'" in message
    assert "Columns found" in message
    with workspace.store() as store:
        assert store.fingerprint() == before


def test_demo_exports_are_claimed_and_ingest_cleanly(tmp_path):
    import adoption
    from adoption.demo import write_demo_files
    from adoption.ingest.batch import ingest_files

    files = write_demo_files(tmp_path / "inbox", people=600, months=9)
    mine = {f.name: detect_format(f).name for f in files
            if f.name.startswith(("m365_copilot", "viva_person_query", "exportUsers"))}
    formats = sorted(mine.values())
    # three month-end user-detail exports, one person query, one Entra download, one Copilot
    # Chat usage export (adoption.demo.vendors_m365_chat)
    assert formats == ["entra_users_csv", "m365_copilot_chat_csv",
                       *["m365_copilot_usage_csv"] * 3, "viva_person_query"], mine
    ws = adoption.init_workspace(tmp_path / "ws")
    rosters = [f for f in files if f.name.startswith("roster_")]
    results = ingest_files(ws, [*rosters, *(f for f in files if f.name in mine)])
    assert all(r.rows_rejected == 0 and r.rows_duplicate == 0 for r in results)
    # everybody in the Microsoft exports is on a roster (no contractor holds a seat)
    unmatched = _rows(ws, """SELECT count(*) FROM activity_periods a
        WHERE NOT EXISTS (SELECT 1 FROM roster_snapshots r WHERE r.person_id = a.person_id)""")
    assert unmatched == [(0,)]
    # the Entra download: guests, service accounts and rooms are kept out of headcount
    kinds = dict(_rows(ws, "SELECT account_type, count(*) FROM directory_accounts GROUP BY ALL"))
    assert kinds["guest"] == 7 and kinds["service"] == 4 and kinds["resource"] == 3
    # each month-end report's window is that month's last 30 days
    windows = _rows(ws, """SELECT DISTINCT period_start, period_end FROM activity_periods
        WHERE source = 'm365_copilot_usage_csv' ORDER BY 2""")
    assert [(str(a), str(b)) for a, b in windows] == [
        ("2026-05-02", "2026-05-31"), ("2026-06-01", "2026-06-30"), ("2026-07-02", "2026-07-31")]


def test_export_without_report_period_and_us_dates(workspace, tmp_path):
    # an export re-saved by Excel: no Report Period column, M/D/YYYY dates, no BOM
    path = tmp_path / "copilot_usage.csv"
    path.write_text("Report Refresh Date,User Principal Name,Display Name,Last Activity Date,"
                    "Microsoft Teams Copilot Last Activity Date\n"
                    "1/31/2026,ann@example.com,Ann,1/30/2026,1/30/2026\n"
                    "1/31/2026,bob@example.com,Bob,13/45/2026,\n")
    result = ingest_file(workspace, path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert "no Report Period column: window taken as 30 days" in result.note
    assert _rows(workspace, "SELECT period_start, period_end, last_active "
                            "FROM activity_periods")[0] == tuple(
        pd.Timestamp(d).date() for d in ("2026-01-02", "2026-01-31", "2026-01-30"))
    assert "'13/45/2026' is not a date" in _rows(workspace, "SELECT reason FROM rejects")[0][0]


# -- the admin center's "User last activity table" export -------------------------------------
LAST = FIX / "copilot_user_last_activity_2026-01-31.csv"
CHOSEN = FIX / "copilot_user_last_activity_chosen_columns.csv"


def test_last_activity_table_is_claimed_by_its_own_format(files, tmp_path):
    assert detect_format(LAST).name == "m365_copilot_last_activity_csv"
    assert detect_format(CHOSEN).name == "m365_copilot_last_activity_csv"
    assert detect_format(CSV).name == "m365_copilot_usage_csv"  # the Graph layout stays its own


def test_last_activity_table_loads_every_column_it_has(workspace, files):
    ingest_file(workspace, files["roster_jan"])
    r = ingest_file(workspace, LAST, options={"period": "D30"})
    # 10 rows by hand: ann, bob, cat, dan, concealed loaded; eve ('abc' days), fay (a date
    # after the report day), gus (40 active days in 30), the empty user rejected; ann's
    # identical repeat a duplicate
    assert (r.format, r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (
        "m365_copilot_last_activity_csv", 10, 5, 4, 1)
    # the report day comes from the file name; 30 days end there: 2026-01-02 .. 2026-01-31
    assert (str(r.first_date), str(r.last_date)) == ("2026-01-02", "2026-01-31")
    assert "1 user(s) with concealed names" in r.note and "columns kept: 17" in r.note
    reasons = [x[0] for x in _rows(workspace, "SELECT reason FROM rejects ORDER BY row_number")]
    assert "column 'Active Days': value 'abc' is not a whole number" in reasons[0]
    assert "after the report's last day 2026-01-31" in reasons[1]
    assert "more active days than the 30 days" in reasons[2]
    assert "user is empty" in reasons[3]
    assert all("eve@example.com" not in x[0] for x in _rows(workspace, "SELECT raw FROM rejects"))
    ann, bob, cat, dan = workspace.pseudonymise(
        ["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"])
    got = {p: rest for p, *rest in _rows(workspace, """SELECT person_id, source, active,
        active_days, events, last_active, detail FROM activity_periods""")}
    source, active, days, events, last, detail = got[ann]
    assert (source, active, days, events, str(last)) == (
        "m365_copilot_last_activity_csv", True, 5, 12, "2026-01-28")
    detail = json.loads(detail)
    # every column but the user's name and display name, under its own header
    assert detail["Copilot Chat (web) prompts submitted"] == "4"
    assert detail["Last activity date of Teams Copilot (UTC)"] == "2026-01-20"
    assert detail["Last activity date of Excel Copilot (UTC)"] is None
    assert "User name" not in detail and "Display name" not in detail and len(detail) == 17
    assert got[bob][1:4] == [False, 0, 0]  # licensed, never used
    assert got[cat][1] is False  # last active 2025-11-20, before the window
    assert got[dan][1] is True and str(got[dan][4]) == "2026-01-25"  # Teams only
    assert _rows(workspace, "SELECT count(*) FROM identities WHERE system = 'microsoft365'") \
        == [(5,)]


def test_last_activity_table_with_chosen_columns_and_as_of(workspace, files):
    ingest_file(workspace, files["roster_jan"])
    r = ingest_file(workspace, CHOSEN, as_of=dt.date(2026, 1, 31))
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 4, 0)
    assert "report timeframe taken as 30 days" in r.note  # no --report-period
    mau = dict(_rows(workspace, """
        SELECT p.team, count(DISTINCT a.person_id) FROM activity_periods a
        JOIN people p ON p.person_id = a.person_id
             AND a.period_end BETWEEN p.valid_from AND p.valid_to
        WHERE a.active GROUP BY p.team"""))
    # hand count, ROSTER_JAN: Alpha = ann (5 days) and bob (never); Beta = cat (Nov) and
    # dan (Teams on 25 Jan)
    assert mau == {"Alpha": 1, "Beta": 1}
    events = _rows(workspace, "SELECT count(events) FROM activity_periods")
    assert events == [(0,)]  # no prompts column chosen: events unknown (NULL), not 0


def test_last_activity_table_without_a_date_and_with_a_bad_period(workspace, tmp_path):
    copy = tmp_path / "export.csv"
    copy.write_bytes(CHOSEN.read_bytes())
    r = ingest_file(workspace, copy, options={"period": "7"})
    # no --as-of and no date in the name: the latest date in the file (28 Jan), 7 days
    assert (str(r.first_date), str(r.last_date)) == ("2026-01-22", "2026-01-28")
    assert "report date taken as 2026-01-28 (the latest date in the file)" in r.note
    other = tmp_path / "export_b.csv"
    other.write_bytes(CHOSEN.read_bytes() + b"eve@example.com,,1,\r\n")
    with pytest.raises(Exception, match="--report-period '2 weeks'"):
        ingest_file(workspace, other, options={"period": "2 weeks"})


def test_last_activity_table_and_graph_report_of_one_window_count_once(workspace):
    ingest_file(workspace, CSV)  # Graph/user-detail layout, 30 days to 2026-01-31
    r = ingest_file(workspace, LAST, options={"period": "30"})
    # ann, bob, cat and dan are already stored for that window (4 + ann's repeat:
    # duplicates); the concealed user has another hash in each file: new
    assert (r.rows_loaded, r.rows_duplicate) == (1, 5)


def test_cli_report_period_reaches_the_last_activity_reader(workspace, capsys, tmp_path,
                                                            clean_env):
    from adoption.cli import main

    copy = tmp_path / "export.csv"
    copy.write_bytes(CHOSEN.read_bytes())
    assert main(["ingest", "-w", str(workspace.root), str(copy), "--as-of", "2026-01-31",
                 "--report-period", "90"]) == 0
    out = capsys.readouterr().out
    # 90 days ending 31 January, by hand: 31 in January, 31 in December, 28 in November
    assert "window 2025-11-03 to 2026-01-31 (90 days)" in out
