"""Plausible dates, time zones and costs: implausible values are rejects with clear reasons."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from adoption.cli import main
from adoption.ingest import ingest_file


def _today() -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo("Europe/Berlin")).date()


def _ingest(workspace, tmp_path, text, name="u.csv"):
    path = tmp_path / name
    path.write_text(text)
    return ingest_file(workspace, path)


def _reasons(workspace, batch_id):
    with workspace.store() as store:
        return store.query("SELECT row_number, reason FROM rejects WHERE batch_id = ? "
                           "ORDER BY row_number", [batch_id])


def test_timestamps_outside_the_plausible_range_are_rejected(workspace, tmp_path, capsys):
    today = _today()
    tomorrow, later = today + dt.timedelta(days=1), today + dt.timedelta(days=2)
    r = _ingest(workspace, tmp_path, "timestamp,email,tool\n"
                "2026-03-02T09:00:00+01:00,ann@example.com,Copilot\n"
                "2099-01-01T09:00:00+01:00,ann@example.com,Copilot\n"
                "9999-12-31T09:00:00+01:00,ann@example.com,Copilot\n"
                "10000-01-01T09:00:00+01:00,ann@example.com,Copilot\n"
                "0001-01-01T09:00:00+01:00,ann@example.com,Copilot\n"
                "1969-12-31T23:59:59Z,ann@example.com,Copilot\n"
                f"{tomorrow}T12:00:00+01:00,ann@example.com,Copilot\n"
                f"{later}T12:00:00+01:00,ann@example.com,Copilot\n")
    # rows 2-6 and 8 are outside [today - 10 years, tomorrow] (the store was empty, so the
    # workspace start is today); row 1 and tomorrow's row 7 load
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (8, 2, 6)
    assert (r.first_date, r.last_date) == (dt.date(2026, 3, 2), tomorrow)
    reasons = _reasons(workspace, r.batch_id)
    assert reasons["row_number"].tolist() == [2, 3, 4, 5, 6, 8]
    low = today.replace(year=today.year - 10) if (today.month, today.day) != (2, 29) \
        else today.replace(year=today.year - 10, day=28)
    for reason in reasons["reason"]:
        assert f"is outside the plausible dates {low} to {tomorrow}" in reason
    assert "'2099-01-01T09:00:00+01:00'" in reasons["reason"][0]
    assert "'10000-01-01T09:00:00+01:00'" in reasons["reason"][2]
    # status works afterwards (it printed a traceback for a year-9999 day before)
    assert main(["status", "--workspace", str(workspace.root)]) == 0
    assert "outside the plausible dates" in capsys.readouterr().out


def test_workspace_start_is_the_earliest_stored_date(workspace, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("email,team,as_of\nann@example.com,Alpha,2020-01-01\n")
    assert ingest_file(workspace, roster).rows_loaded == 1
    r = _ingest(workspace, tmp_path, "timestamp,email,tool\n"
                "2010-01-01T09:00:00Z,ann@example.com,Copilot\n"
                "2009-12-31T09:00:00Z,ann@example.com,Copilot\n", "old.csv")
    # start 2020-01-01 (the roster snapshot): 2010-01-01 is the first plausible day
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    reason = _reasons(workspace, r.batch_id)["reason"][0]
    assert "is outside the plausible dates 2010-01-01 to" in reason
    assert "the workspace's start 2020-01-01" in reason
    assert "ingest an older roster snapshot first" in reason


def test_roster_snapshot_in_the_future_is_rejected(workspace, tmp_path):
    r = _ingest(workspace, tmp_path, "email,team,as_of\nann@example.com,Alpha,2026-01-01\n"
                "bob@example.com,Alpha,2099-01-01\n", "roster.csv")
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    row, reason = _reasons(workspace, r.batch_id).iloc[0]
    assert row == 2 and "column as_of: value '2099-01-01' is outside the plausible" in reason


def test_naive_timestamps_are_taken_in_the_workspace_time_zone(workspace, tmp_path):
    r = _ingest(workspace, tmp_path, "timestamp,email,tool\n"
                "2026-03-02 23:30:00,ann@example.com,Copilot\n"
                "2026-03-03T00:30:00,bob@example.com,Copilot\n")
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)
    assert "timestamps without a time zone offset, read as Europe/Berlin local time" in r.note
    with workspace.store() as store:
        days = sorted(str(d)[:10] for d in store.read("usage")["day"])
        findings = store.query("SELECT finding, rows FROM ingest_findings")
    assert days == ["2026-03-02", "2026-03-03"]  # local days, not shifted to UTC
    assert findings["rows"].tolist() == [2]


def test_rows_without_offset_among_rows_with_one_are_rejected(workspace, tmp_path):
    r = _ingest(workspace, tmp_path, "timestamp,email,tool\n"
                "2026-03-02T09:00:00+01:00,ann@example.com,Copilot\n"
                "2026-03-02 10:00:00,ann@example.com,Copilot\n"
                "2026-03-02T11:00:00Z,ann@example.com,Copilot\n"
                "2026-03-02T12:00,ann@example.com,Copilot\n")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    reasons = _reasons(workspace, r.batch_id)
    assert reasons["row_number"].tolist() == [2, 4]
    assert ("column timestamp: value '2026-03-02 10:00:00' has no time zone offset while "
            "other rows of the file have one (mixed time zones)") in reasons["reason"][0]
    assert "timestamps without a time zone offset" not in r.note


def test_local_times_with_a_time_zone_column(workspace, tmp_path):
    r = _ingest(workspace, tmp_path, "timestamp,email,tool,time_zone\n"
                "2026-03-02T23:30:00,ann@example.com,Copilot,America/New_York\n"
                "2026-03-03T01:00:00,bob@example.com,Copilot,Asia/Tokyo\n"
                "2026-03-02T09:00:00,cat@example.com,Copilot,Mars/Olympus_Mons\n"
                "2026-03-02T09:00:00Z,dan@example.com,Copilot,Asia/Tokyo\n")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 3, 1)
    row, reason = _reasons(workspace, r.batch_id).iloc[0]
    assert row == 3
    assert ("column time_zone: value 'Mars/Olympus_Mons' is not an IANA time zone name"
            in reason)
    ann, bob, dan = workspace.pseudonymise(
        ["ann@example.com", "bob@example.com", "dan@example.com"])
    with workspace.store() as store:
        day = dict(store.query("SELECT person_id, CAST(day AS VARCHAR) FROM usage"
                               ).itertuples(index=False))
    # 23:30 in New York is 05:30 next day in Berlin; 01:00 in Tokyo is 17:00 the day before
    # in Berlin; an explicit offset wins over the zone column (09:00Z is 10:00 in Berlin)
    assert (day[ann], day[bob], day[dan]) == ("2026-03-03", "2026-03-02", "2026-03-02")
    assert "without a time zone offset" not in r.note


def test_non_finite_and_negative_seat_costs_are_rejected(workspace, tmp_path):
    r = _ingest(workspace, tmp_path, "tool,vendor,monthly_seat_cost\nCopilot,GitHub,19\n"
                "A,X,NaN\nB,X,inf\nC,X,-Infinity\nD,X,-5\n", "tools.csv")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 1, 4)
    reasons = _reasons(workspace, r.batch_id)
    assert reasons["row_number"].tolist() == [2, 3, 4, 5]
    assert "value 'NaN' is not a finite number" in reasons["reason"][0]
    assert "value 'inf' is not a finite number" in reasons["reason"][1]
    assert "value '-Infinity' is not a finite number" in reasons["reason"][2]
    assert "value '-5' is negative" in reasons["reason"][3]


@pytest.mark.parametrize("catalogue,hint", [
    ("tool,vendor\nCopilot,GitHub\nChatGPT,OpenAI\n", "nearest in the catalogue: 'Copilot'"),
    (None, "the catalogue is empty: ingest a tools file"),
])
def test_seats_of_a_tool_outside_the_catalogue_load_with_a_warning(workspace, tmp_path,
                                                                   catalogue, hint):
    if catalogue:
        (tmp_path / "tools.csv").write_text(catalogue)
        ingest_file(workspace, tmp_path / "tools.csv")
    (tmp_path / "seats.csv").write_text("tool,email,assigned_on\n"
                                        "Copilt,ann@example.com,2026-01-05\n"
                                        "Copilt,bob@example.com,2026-01-05\n")
    r = ingest_file(workspace, tmp_path / "seats.csv")
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)
    assert "seats of tool 'Copilt', which is not in the tool catalogue" in r.note
    assert hint in r.note
    with workspace.store() as store:
        assert store.query("SELECT rows FROM ingest_findings")["rows"].tolist() == [2]
