"""Tests of the ChatGPT Enterprise user analytics reader (:mod:`adoption.vendors.chatgpt`).

The fixtures in ``tests/fixtures/vendors/chatgpt`` follow the header of the monthly and
weekly user engagement exports of ChatGPT Enterprise's workspace analytics
(help.openai.com/en/articles/10875114), as reproduced in public exports: a BOM on the
monthly file, both ``messages_rank`` and ``message_rank`` spellings, Python-dict text in
``model_to_messages``, a weekly window that straddles a month boundary.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

import adoption
from adoption.errors import InputError
from adoption.ingest.batch import ingest_file
from adoption.ingest.formats import detect_format

FIXTURES = Path(__file__).parent / "fixtures" / "vendors"
CG = FIXTURES / "chatgpt"
MONTHLY = CG / "chatgpt_users_monthly_2026-01.csv"
WEEKLY = CG / "chatgpt_users_weekly_2026-01-26.csv"
D = dt.date


def _rows(ws: adoption.Workspace, sql: str, params=None) -> list[tuple]:
    with ws.store(read_only=True) as store:
        return store.con.execute(sql, params or []).fetchall()


def _team_mau(ws: adoption.Workspace) -> dict[tuple[str, str], int]:
    """Distinct active people per team in each monthly window of the export."""
    rows = _rows(ws, """
        SELECT p.team, strftime(a.period_start, '%Y-%m'), count(DISTINCT a.person_id)
        FROM activity_periods a JOIN people p ON p.person_id = a.person_id
         AND a.period_end BETWEEN p.valid_from AND p.valid_to
        WHERE a.active AND a.tool = 'ChatGPT Enterprise'
          AND date_trunc('month', a.period_start) = a.period_start
          AND a.period_end = last_day(a.period_start)
        GROUP BY ALL""")
    return {(team, month): n for team, month, n in rows}


def test_fixtures_are_claimed_by_exactly_this_format():
    assert detect_format(MONTHLY).name == "chatgpt_user_analytics"
    assert detect_format(WEEKLY).name == "chatgpt_user_analytics"
    # a file without an email column is not this export (nor any generic kind)
    assert detect_format(CG / "chatgpt_renamed_email.csv") is None


def test_generic_and_github_files_are_not_claimed(files, tmp_path):
    seats = tmp_path / "seats.csv"
    seats.write_text("email,tool,assigned_on,removed_on\nann@example.com,ChatGPT,2026-01-01,\n")
    roster_like = tmp_path / "periods.csv"  # a plain table with a period but no export markers
    roster_like.write_text("email,period_start,period_end,team\na@x.com,2026-01-01,"
                           "2026-01-31,Alpha\n")
    for path in [*files.values(), seats, roster_like,
                 *sorted((FIXTURES / "github").iterdir())]:
        fmt = detect_format(path)
        assert fmt is None or fmt.name != "chatgpt_user_analytics", path.name


def test_monthly_export_loads_activity_windows(workspace):
    result = ingest_file(workspace, MONTHLY)
    # 9 rows: Ann, Bob, Cat (inactive), an outside address loaded; Ann repeated (duplicate);
    # Dan's last active day after the window, Eve's negative messages, an empty e-mail and
    # Dan marked inactive with messages rejected
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (9, 4, 4, 1)
    ann, bob, cat = workspace.pseudonymise(["ann@example.com", "bob@example.com",
                                            "cat@example.com"])
    rows = {r[0]: r[1:] for r in _rows(workspace, """
        SELECT person_id, source, period_start, period_end, active, active_days, events,
               last_active FROM activity_periods""")}
    window = ("chatgpt_user_analytics", D(2026, 1, 1), D(2026, 1, 31))
    assert rows[ann] == (*window, True, None, 40, D(2026, 1, 28))
    assert rows[bob] == (*window, True, None, 5, D(2026, 1, 12))  # "Bob@Example.com "
    assert rows[cat] == (*window, False, None, 0, None)
    detail = json.loads(_rows(workspace, "SELECT detail FROM activity_periods "
                                         "WHERE person_id = ?", [ann])[0][0])
    assert detail["model_to_messages"] == {"gpt-4o": 30, "o3": 10}
    assert (detail["gpt_messages"], detail["tool_messages"], detail["cadence"]) == (
        5, 3, "Monthly")
    assert "email" not in detail and "name" not in detail
    reasons = [r[0] for r in _rows(workspace, "SELECT reason FROM rejects ORDER BY row_number")]
    assert "outside the window" in reasons[0]
    assert "negative" in reasons[1]
    assert "email" in reasons[2]
    assert "is_active" in reasons[3]


def test_team_monthly_active_users_match_a_hand_count(workspace, files):
    ingest_file(workspace, files["roster_jan"])  # Ann, Bob: Alpha; Cat, Dan: Beta
    ingest_file(workspace, MONTHLY)
    ingest_file(workspace, WEEKLY)
    # by hand from the monthly file: Ann and Bob active (Alpha); Cat inactive, Dan rejected
    # (Beta: none); the outside address has no roster entry. The weekly file is no month.
    assert _team_mau(workspace) == {("Alpha", "2026-01"): 2}


def test_weekly_window_straddling_months_is_kept_whole(workspace):
    result = ingest_file(workspace, WEEKLY)
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert "straddle" in result.note
    assert _rows(workspace, "SELECT DISTINCT period_start, period_end FROM activity_periods"
                 ) == [(D(2026, 1, 26), D(2026, 2, 1))]


def test_reingest_is_idempotent(workspace, tmp_path):
    ingest_file(workspace, MONTHLY)
    before = _rows(workspace, "SELECT count(*), sum(events) FROM activity_periods")
    assert ingest_file(workspace, MONTHLY).already_ingested
    copy = tmp_path / "copy.csv"
    copy.write_bytes(MONTHLY.read_bytes() + b"\n")
    again = ingest_file(workspace, copy)
    assert (again.rows_loaded, again.rows_duplicate, again.rows_rejected) == (0, 5, 4)
    assert _rows(workspace, "SELECT count(*), sum(events) FROM activity_periods") == before


def test_renamed_column_gets_a_clear_error_and_loads_nothing(workspace):
    with pytest.raises(InputError, match=r"'email' \(closest found: [^)]*'e_mail'"):
        ingest_file(workspace, CG / "chatgpt_renamed_email.csv",
                    source_format="chatgpt_user_analytics")
    assert _rows(workspace, "SELECT count(*) FROM activity_periods")[0][0] == 0
    assert _rows(workspace, "SELECT count(*) FROM ingest_log")[0][0] == 0


def test_optional_columns_and_impossible_active_days(workspace, tmp_path):
    path = tmp_path / "minimal.csv"
    path.write_text(
        "cadence,period_start,period_end,public_id,email,messages,active_days,last_day_active\n"
        "Weekly,2026-03-02,2026-03-08,u1,ann@example.com,4,3,2026-03-05\n"
        "Weekly,2026-03-02,2026-03-08,u2,bob@example.com,2,9,2026-03-05\n"
        "Weekly,2026-03-02,2026-03-08,u3,cat@example.com,0,0,2026-02-20\n"
        "Weekly,2026-03-08,2026-03-02,u4,dan@example.com,1,1,2026-03-05\n", encoding="utf-8")
    assert detect_format(path).name == "chatgpt_user_analytics"
    result = ingest_file(workspace, path)
    # Bob: 9 active days in a 7-day window; Dan: the window ends before it starts
    assert (result.rows_loaded, result.rows_rejected) == (2, 2)
    ann, cat = workspace.pseudonymise(["ann@example.com", "cat@example.com"])
    rows = {r[0]: r[1:] for r in _rows(
        workspace, "SELECT person_id, active, active_days, last_active FROM activity_periods")}
    # without is_active, messages > 0 means active; last_day_active inside the window is kept
    assert rows[ann] == (True, 3, D(2026, 3, 5))
    assert rows[cat] == (False, 0, None)


# -- demo export -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> list[Path]:
    from adoption.demo import write_demo_files

    return write_demo_files(tmp_path_factory.mktemp("demo_cg"), people=600, months=9)


def test_demo_exports_are_claimed_and_ingest_cleanly(demo_files, tmp_path):
    mine = sorted(p for p in demo_files if p.name.startswith("chatgpt_users_monthly_"))
    assert [p.name for p in mine] == ["chatgpt_users_monthly_2026-05.csv",
                                      "chatgpt_users_monthly_2026-06.csv",
                                      "chatgpt_users_monthly_2026-07.csv"]
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(time_zone="Europe/Berlin"))
    for p in mine:
        assert detect_format(p).name == "chatgpt_user_analytics"
        result = ingest_file(ws, p)
        assert result.rows_rejected == 0 and result.rows_loaded == result.rows_read


def test_demo_messages_equal_the_generic_events(demo_files):
    """The export is a second view of the same events (they are not claimed)."""
    out = demo_files[0].parent
    export = pd.read_csv(out / "chatgpt_users_monthly_2026-07.csv", dtype={"messages": int})
    generic = pd.concat([pd.read_parquet(p, columns=["timestamp", "email", "tool", "count"])
                         for p in sorted(out.glob("usage*.parquet"))], ignore_index=True)
    generic = generic[(generic["tool"] == "ChatGPT Enterprise")
                      & (generic["timestamp"].str[:7] == "2026-07")]
    generic["email"] = generic["email"].str.strip().str.lower()
    totals = pd.to_numeric(generic["count"]).groupby(generic["email"]).sum()
    exported = export.set_index("email")["messages"]
    active = exported[exported > 0]
    # a few generic rows carry UTC timestamps that move an event across midnight, so the
    # comparison is of the whole month's total and of the set of active people
    assert abs(int(active.sum()) - int(totals.sum())) <= 0.01 * int(totals.sum())
    assert len(set(active.index) ^ set(totals.index)) <= 0.01 * len(totals)
