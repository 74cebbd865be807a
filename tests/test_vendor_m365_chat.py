"""Tests of the Microsoft 365 Copilot Chat usage and Agent usage readers
(:mod:`adoption.vendors.m365_chat`) and of the licensed table's any-agent column.

Fixtures: tests/fixtures/vendors/microsoft/README.md (layouts from learn.microsoft.com,
"Microsoft 365 Copilot Chat usage" and "Agent usage").
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

import adoption
from adoption.discovery.sanctioning import classify_tools
from adoption.ingest.batch import ingest_file
from adoption.ingest.formats import detect_format
from adoption.vendors.m365_chat import CHAT_TOOL

MS = Path(__file__).parent / "fixtures" / "vendors" / "microsoft"
D = dt.date


def _rows(ws: adoption.Workspace, sql: str, params=None) -> list[tuple]:
    with ws.store(read_only=True) as store:
        return store.con.execute(sql, params or []).fetchall()


def test_copilot_chat_report_is_a_last_activity_source_of_its_own_tool(workspace, files):
    for roster in ("roster_jan", "roster_feb"):  # Eve joins on 2026-01-15
        ingest_file(workspace, files[roster])
    path = MS / "copilot_chat_usage_2026-01-31.csv"
    assert detect_format(path).name == "m365_copilot_chat_csv"
    r = ingest_file(workspace, path)
    # 4 rows: Eve and Dan kept; an empty user and a date that is not a date rejected
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    # the date in the file name ends the window; 30 days by default: 2 to 31 January
    assert (r.first_date, r.last_date) == (D(2026, 1, 2), D(2026, 1, 31))
    eve, dan = workspace.pseudonymise(["eve@example.com", "dan@example.com"])
    got = {p: (tool, active, last, json.loads(detail)) for p, tool, active, last, detail in _rows(
        workspace, "SELECT person_id, tool, active, last_active, detail FROM activity_periods")}
    assert got[eve][:3] == (CHAT_TOOL, True, D(2026, 1, 20))
    assert got[eve][3] == {"Last activity date (UTC)": "2026-01-20",
                           "Last activity date of Edge (UTC)": "2026-01-12",
                           "Last activity date of Microsoft 365 Copilot (app) (UTC)":
                               "2026-01-20"}  # no display name kept
    assert got[dan][:3] == (CHAT_TOOL, False, D(2025, 12, 10))  # before the window
    periods = _rows(workspace, """SELECT person_id, strftime(period_start, '%Y-%m'), is_active
        FROM person_tool_periods WHERE period_kind = 'month' AND tool = ?
          AND source = 'm365_copilot_chat_csv'""", [CHAT_TOOL])
    assert periods == [(eve, "2026-01", True)]  # counted in the month of the last active day


def test_copilot_chat_tool_is_sanctioned_only_as_the_workspace_says():
    catalogue = pd.DataFrame({"tool": ["Microsoft 365 Copilot"], "is_sanctioned": [True]})
    assert classify_tools([CHAT_TOOL], catalogue, []).iloc[0] == "unsanctioned"
    assert classify_tools([CHAT_TOOL], catalogue, [CHAT_TOOL]).iloc[0] == "sanctioned"


def test_licensed_table_and_chat_table_are_told_apart(tmp_path):
    licensed = tmp_path / "licensed.csv"
    licensed.write_text("User name,Display name,Last activity date (UTC)\na@x.com,A,2026-01-02\n")
    chat = tmp_path / "chat.csv"
    chat.write_text("Username,Display name,Last activity date (UTC)\na@x.com,A,2026-01-02\n")
    assert detect_format(licensed).name == "m365_copilot_last_activity_csv"
    assert detect_format(chat).name == "m365_copilot_chat_csv"


def test_agent_user_details_keep_rows_and_give_agent_evidence(workspace):
    r = ingest_file(workspace, MS / "agents_user_details_2026-01-31.csv")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (3, 2, 1)  # Bob: -1 agents
    ann = workspace.pseudonymise(["ann@example.com"])[0]
    (scope_type, detail), = _rows(workspace, """SELECT scope_type, detail FROM vendor_records
        WHERE person_id = ?""", [ann])
    assert scope_type == "user"
    assert json.loads(detail) == {"Agent responses received": "14",
                                  "Last activity date (UTC)": "2026-01-27",
                                  "Number of agents used": "2"}  # no name, no UPN
    assert _rows(workspace, """SELECT tool, last_active, events FROM activity_periods
        WHERE person_id = ?""", [ann]) == [(CHAT_TOOL, D(2026, 1, 27), 14)]
    assert _rows(workspace, """SELECT tool, day, feature FROM usage_features
        WHERE person_id = ?""", [ann]) == [(CHAT_TOOL, D(2026, 1, 27), "agents")]


def test_agent_details_are_kept_without_people(workspace):
    r = ingest_file(workspace, MS / "agents_details_2026-01-31.csv")
    assert (r.rows_read, r.rows_loaded) == (2, 2)
    rows = _rows(workspace, """SELECT scope_type, scope, person_id, day, detail
        FROM vendor_records ORDER BY scope""")
    assert [(a, b, c, d) for a, b, c, d, _ in rows] == [
        ("agent", "P_9f8e7d", None, D(2026, 1, 27)), ("agent", "T_1a2b3c", None, D(2026, 1, 29))]
    assert json.loads(rows[0][4])["Active users (unlicensed)"] == "6"  # as in the fixture
    assert _rows(workspace, "SELECT count(*) FROM activity_periods") == [(0,)]


def test_user_and_agent_details_are_kept_per_pair(workspace):
    r = ingest_file(workspace, MS / "agents_user_agent_details_2026-01-31.csv")
    assert (r.rows_read, r.rows_loaded) == (3, 3)
    ann = workspace.pseudonymise(["ann@example.com"])[0]
    assert sorted(_rows(workspace, """SELECT scope, day FROM vendor_records
        WHERE person_id = ?""", [ann])) == [("P_9f8e7d", None), ("T_1a2b3c", None)]
    again = ingest_file(workspace, MS / "agents_user_agent_details_2026-01-31.csv",
                        source_format="m365_copilot_agents_csv")
    assert again.already_ingested or again.rows_duplicate == 3


def test_any_agent_column_of_the_licensed_table_is_used(workspace, tmp_path):
    path = tmp_path / "licensed_2026-01-31.csv"
    path.write_text("User name,Last activity date (UTC),Last activity date of any agent (UTC)\n"
                    "ann@example.com,,2026-01-22\nbob@example.com,2026-01-03,\n")
    r = ingest_file(workspace, path)
    assert (r.format, r.rows_loaded) == ("m365_copilot_last_activity_csv", 2)
    ann = workspace.pseudonymise(["ann@example.com"])[0]
    # Ann's only activity is an agent on 22 January: her last activity, and the feature
    assert _rows(workspace, "SELECT active, last_active FROM activity_periods "
                            "WHERE person_id = ?", [ann]) == [(True, D(2026, 1, 22))]
    assert _rows(workspace, "SELECT tool, day, feature FROM usage_features") == [
        ("Microsoft 365 Copilot", D(2026, 1, 22), "agents")]
