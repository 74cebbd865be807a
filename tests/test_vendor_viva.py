"""Viva Insights person query reader (both header spellings, hashed PersonIds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adoption.errors import ColumnNotFoundError
from adoption.ingest.batch import ingest_file
from adoption.ingest.formats import detect_format
from adoption.vendors.segments import identify_usage_segments
from adoption.vendors.viva import load_person_weeks

FIX = Path(__file__).parent / "fixtures" / "vendors" / "viva"
WEEKLY = FIX / "person_query_weekly.csv"
SPACES = FIX / "person_query_spaces_iso.csv"


def _rows(ws, sql: str) -> list[tuple]:
    with ws.store(read_only=True) as store:
        return store.con.execute(sql).fetchall()


def test_fixtures_are_claimed_by_the_person_query_format_only(files):
    assert detect_format(WEEKLY).name == "viva_person_query"
    assert detect_format(SPACES).name == "viva_person_query"
    for path in files.values():  # the generic roster and usage files
        assert detect_format(path) is None


def test_person_query_with_underscores_and_an_email_attribute(workspace):
    result = ingest_file(workspace, WEEKLY)
    # 5 people x 5 weeks = 25 rows, then bob -1 (negative), cat Teams 5 > total 2,
    # dan 'week 6' (not a date), and the first row again (duplicate)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (29, 25, 3, 1)
    assert "HR_Email" in result.note
    reasons = [r[0] for r in _rows(workspace, "SELECT reason FROM rejects ORDER BY row_number")]
    assert "negative" in reasons[0]
    assert "more actions in one app than the total" in reasons[1]
    assert "is not a date" in reasons[2]
    # M/D/YYYY weeks: 1/4/2026 .. 2/1/2026, the last one ending 2026-02-07
    assert (str(result.first_date), str(result.last_date)) == ("2026-01-04", "2026-02-07")
    ann = workspace.pseudonymise(["ann@example.com"])[0]
    rows = _rows(workspace, f"""SELECT period_start, period_end, events, active, active_days,
        detail FROM activity_periods WHERE person_id = '{ann}' ORDER BY period_start""")
    # ann's totals per week: 5, 6, 0, 2, 6
    assert [r[2] for r in rows] == [5, 6, 0, 2, 6]
    assert [r[3] for r in rows] == [True, True, False, True, True]
    assert str(rows[0][0]) == "2026-01-04" and str(rows[0][1]) == "2026-01-10"
    assert rows[0][4] is None
    assert json.loads(rows[0][5]) == {"Teams": 3.0, "Outlook": 2.0, "Word": 0.0, "Excel": 0.0,
                                      "Powerpoint": 0.0}
    weeks = _rows(workspace, f"""SELECT organization, attributes FROM viva_person_weeks
        WHERE person_id = '{ann}' LIMIT 1""")
    assert weeks[0][0] == "Alpha"
    attrs = json.loads(weeks[0][1])
    assert attrs["LevelDesignation"] == "Level 3" and "HR_Email" not in attrs
    # every PersonId is recorded with the person it resolved to; zed (no e-mail) to itself
    ids = dict(_rows(workspace, "SELECT identity_hash, person_id FROM identities "
                                "WHERE system = 'viva'"))
    assert len(ids) == 5
    zed = workspace.pseudonymise(["a8f3ad16-01ea-4991-8d88-1a2b3c4d5e05"])[0]
    assert ids[zed] == zed


def test_monthly_active_users_by_team_match_a_hand_count(workspace, files):
    ingest_file(workspace, files["roster_jan"])
    ingest_file(workspace, WEEKLY)
    mau = dict(_rows(workspace, """
        SELECT strftime(a.period_start, '%Y-%m') || ' ' || p.team, count(DISTINCT a.person_id)
        FROM activity_periods a JOIN people p ON p.person_id = a.person_id
             AND a.period_start BETWEEN p.valid_from AND p.valid_to
        WHERE a.active GROUP BY ALL"""))
    # by week start. January (weeks of 1/4, 1/11, 1/18, 1/25): Alpha = ann (bob never);
    # Beta = cat (1 action in the week of 1/18; dan only acts in the week of 2/1).
    # February (week of 2/1): Alpha = ann (6 actions), Beta = dan (2).
    assert mau == {"2026-01 Alpha": 1, "2026-01 Beta": 1, "2026-02 Alpha": 1,
                   "2026-02 Beta": 1}
    # zed has no e-mail attribute: 5 weeks kept, none matched to the roster
    unmatched = _rows(workspace, """SELECT count(*), count(DISTINCT person_id)
        FROM activity_periods a
        WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.person_id = a.person_id)""")
    assert unmatched == [(5, 1)]


def test_header_spelling_with_spaces_and_iso_dates(workspace):
    result = ingest_file(workspace, SPACES)
    assert (result.rows_read, result.rows_loaded) == (6, 6)
    # PersonId is an e-mail address: used directly
    bob = workspace.pseudonymise(["bob@example.com"])[0]
    rows = _rows(workspace, f"""SELECT week, copilot_actions FROM viva_person_weeks
        WHERE person_id = '{bob}' ORDER BY week""")
    assert [(str(w), a) for w, a in rows] == [("2026-01-04", 0.0), ("2026-01-11", 1.0)]
    frame = load_person_weeks(workspace)
    assert list(frame.columns) == ["person_id", "week", "organization", "copilot_actions"]
    seg = identify_usage_segments(frame, version="4w")
    # two weeks of history each: all "insufficient history" for the 4-week version
    assert set(seg["segment"]) == {"insufficient history"}


def test_missing_copilot_metrics_or_renamed_date_are_clear_errors(workspace, tmp_path):
    no_copilot = tmp_path / "pq_no_copilot.csv"
    no_copilot.write_text("PersonId,MetricDate,Organization,Collaboration_hours\n"
                          "x1,1/4/2026,Alpha,20.5\n")
    renamed = tmp_path / "pq_renamed.csv"
    renamed.write_text("PersonId,MetricDay,Organization,Total_Copilot_actions_taken\n"
                       "x1,1/4/2026,Alpha,3\n")
    with workspace.store() as store:
        before = store.fingerprint()
    with pytest.raises(ColumnNotFoundError, match="Total Copilot actions taken"):
        ingest_file(workspace, no_copilot)
    assert detect_format(renamed).name == "viva_person_query"
    with pytest.raises(ColumnNotFoundError, match="nearest found: 'MetricDay'"):
        ingest_file(workspace, renamed)
    with workspace.store() as store:
        assert store.fingerprint() == before


def test_reingest_changes_nothing(workspace, tmp_path):
    ingest_file(workspace, WEEKLY)
    with workspace.store(read_only=True) as store:
        before = store.fingerprint()
    assert ingest_file(workspace, WEEKLY).already_ingested
    copy = tmp_path / "copy.csv"
    copy.write_bytes(WEEKLY.read_bytes().replace(b"\r\n", b"\n"))
    again = ingest_file(workspace, copy)
    assert (again.rows_loaded, again.rows_rejected, again.rows_duplicate) == (0, 3, 26)
    with workspace.store(read_only=True) as store:
        after = store.fingerprint()
    for table in ("activity_periods", "viva_person_weeks", "identities"):
        assert after[table] == before[table]


def test_blank_copilot_values_are_zero_actions(workspace, tmp_path):
    path = tmp_path / "pq_blank.csv"
    path.write_text("PersonId,MetricDate,Organization,Total Copilot actions taken,"
                    "Copilot actions taken in Teams\n"
                    "ann@example.com,1/4/2026,Alpha,,\n"
                    "bob@example.com,1/4/2026,Alpha,,2\n"
                    "cat@example.com,1/4/2026,Beta,3,1\n")
    result = ingest_file(workspace, path)
    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    assert "1 person-week(s) without Copilot values" in result.note
    rows = _rows(workspace, "SELECT events, active FROM activity_periods ORDER BY events")
    # ann: blank -> 0 (not active); bob: no total, Teams 2 -> 2; cat: total 3
    assert rows == [(0, False), (2, True), (3, True)]


# -- a query without an e-mail attribute: its HR attributes place people in teams ------------
NO_EMAIL = FIX / "person_query_no_email.csv"


def _segments(ws, period="2026-03", *, organisation=False):
    from adoption.vendors.segment_report import build_segment_table

    table = build_segment_table(ws, period=period)
    if organisation:
        return table[table["team"].isna()].set_index("segment")
    return table[table["team"].notna()].set_index(["team", "segment"])


def test_query_without_email_groups_people_by_organization(workspace, files):
    ingest_file(workspace, files["roster_jan"])  # Ann, Bob, Cat, Dan: none of them in Viva
    r = ingest_file(workspace, NO_EMAIL)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (156, 156, 0)  # 13 people x 12
    assert "the usage segments group them by the query's HR attribute Organization" in r.note
    seg = _segments(workspace)
    # by hand: Sales 6 people at 20 actions every week (Power Users); Legal (2 people) is
    # below the minimum group size of 5, and Finance (5, the smallest other team) is hidden
    # with it so that Legal cannot be worked out from the organisation's figures
    assert seg.loc[("Sales", "Power User"), ["count", "n"]].tolist() == [6, 6]
    assert seg.xs("Legal", level="team")["suppressed"].all()
    assert seg.xs("Finance", level="team")["suppressed"].all()
    assert set(seg.index.get_level_values("team")) == {"Sales", "Finance", "Legal"}
    org = _segments(workspace, organisation=True)
    assert org.loc["Non-user", "count"] == 5 and org.loc["Power User", "count"] == 8


def test_the_team_attribute_can_be_another_hr_attribute(tmp_path):
    import adoption

    ws = adoption.init_workspace(tmp_path / "ws")
    ws.config_path.write_text(ws.config_path.read_text(encoding="utf-8")
                              + '\n[identities]\nviva_team_attribute = "functiontype"\n',
                              encoding="utf-8")
    ws = adoption.open_workspace(ws.root)
    ingest_file(ws, NO_EMAIL)
    teams = set(_segments(ws).index.get_level_values("team"))
    # matched without case: FunctionType's values, one per Organization
    assert teams == {"Account Management", "Controlling", "Counsel"}


def test_people_in_the_roster_keep_their_roster_team(workspace, files):
    # the e-mail query: ann ... resolve to roster people, whose roster team wins over the
    # query's Organization
    from adoption.vendors.segment_report import _person_weeks

    ingest_file(workspace, files["roster_jan"])
    ingest_file(workspace, WEEKLY)
    weeks = _person_weeks(workspace)
    ann = workspace.pseudonymise(["ann@example.com"])[0]
    assert set(weeks.loc[weeks["person_id"] == ann, "team"]) == {"Alpha"}
