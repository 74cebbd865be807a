"""Repeated usage events: split exports load whole, re-exports add nothing, max(k, j) counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import adoption
from adoption.cli import main
from adoption.ingest import ingest_file

TEAMS = ("north", "south", "west")


def _export(n: int = 300) -> pd.DataFrame:
    """A usage export of ``n`` distinct events: 30 people in 3 teams, 2 tools, 10 days."""
    rng = np.random.default_rng(sum(map(ord, "split usage export")))
    people = [f"p{i:02d}@example.com" for i in range(30)]
    start = pd.Timestamp("2026-03-02 08:00", tz="Europe/Berlin")
    frame = pd.DataFrame({
        "timestamp": [start + pd.Timedelta(days=int(d), seconds=int(s))
                      for d, s in zip(rng.integers(0, 10, n), rng.integers(0, 36000, n),
                                      strict=True)],
        "email": rng.choice(people, n),
        "tool": rng.choice(["Copilot", "ChatGPT"], n),
        "feature": rng.choice(["chat", "completion", "review"], n),
        "count": rng.integers(1, 6, n),
    }).drop_duplicates(ignore_index=True)
    frame["team"] = frame["email"].map(lambda e: TEAMS[int(e[1:3]) % 3])
    return frame


def _write(frame: pd.DataFrame, path, *, utc: bool = False):
    out = frame.drop(columns="team").copy()
    ts = out["timestamp"].dt.tz_convert("UTC") if utc else out["timestamp"]
    out["timestamp"] = ts.map(lambda t: t.isoformat().replace("+00:00", "Z"))
    out.to_csv(path, index=False)
    return path


def _usage(ws: adoption.Workspace, emails) -> dict[str, pd.DataFrame]:
    """usage and usage_features with e-mails for person ids (batch ids left out)."""
    back = dict(zip(ws.pseudonymise(emails), emails, strict=True))
    out = {}
    with ws.store() as store:
        for table in ("usage", "usage_features"):
            frame = store.read(table).drop(columns="batch_id")
            frame["person_id"] = frame["person_id"].map(back)
            keys = [c for c in frame.columns if c != "events"]
            out[table] = frame.sort_values(keys).reset_index(drop=True)
    return out


@pytest.fixture
def export():
    frame = _export()
    # 300 drawn, none repeated: the generator draws to the second
    assert len(frame) == 300
    return frame


def test_export_split_by_team_loads_whole(tmp_path, export):
    whole_ws = adoption.init_workspace(tmp_path / "whole",
                                       adoption.Settings(time_zone="Europe/Berlin"))
    split_ws = adoption.init_workspace(tmp_path / "split",
                                       adoption.Settings(time_zone="Europe/Berlin"))
    whole = ingest_file(whole_ws, _write(export, tmp_path / "whole.csv"))
    assert (whole.rows_read, whole.rows_loaded, whole.rows_duplicate) == (300, 300, 0)
    slices = []
    for team in TEAMS:
        part = export[export["team"] == team]
        r = ingest_file(split_ws, _write(part, tmp_path / f"{team}.csv"))
        # every row of every slice loads: the old per tool-day rule dropped 131 of 300 here
        assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (
            len(part), len(part), 0, 0)
        slices.append(r.rows_loaded)
    assert sum(slices) == 300
    emails = sorted(export["email"].unique())
    a, b = _usage(whole_ws, emails), _usage(split_ws, emails)
    pd.testing.assert_frame_equal(a["usage"], b["usage"])
    pd.testing.assert_frame_equal(a["usage_features"], b["usage_features"])
    assert a["usage"]["events"].sum() == export["count"].sum()  # every event once


def test_export_split_into_consecutive_slices_loads_whole(tmp_path, export):
    """Slices cut through person-days (rows 1-100, 101-200, 201-300): same store as whole."""
    whole_ws = adoption.init_workspace(tmp_path / "whole",
                                       adoption.Settings(time_zone="Europe/Berlin"))
    split_ws = adoption.init_workspace(tmp_path / "split",
                                       adoption.Settings(time_zone="Europe/Berlin"))
    ingest_file(whole_ws, _write(export, tmp_path / "whole.csv"))
    for i in range(3):
        r = ingest_file(split_ws, _write(export.iloc[i * 100:(i + 1) * 100],
                                         tmp_path / f"slice{i}.csv"))
        assert (r.rows_loaded, r.rows_duplicate) == (100, 0)
    emails = sorted(export["email"].unique())
    a, b = _usage(whole_ws, emails), _usage(split_ws, emails)
    pd.testing.assert_frame_equal(a["usage"], b["usage"])
    pd.testing.assert_frame_equal(a["usage_features"], b["usage_features"])


def test_overlapping_reexport_adds_nothing(tmp_path, export):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(time_zone="Europe/Berlin"))
    ingest_file(ws, _write(export.iloc[:200], tmp_path / "first.csv"))
    with ws.store() as store:
        before = {t: store.fingerprint()[t] for t in ("usage", "usage_features")}
    # rows 101-200 again, in another order and with UTC timestamps (the same instants)
    again = _write(export.iloc[100:200].iloc[::-1], tmp_path / "again.csv", utc=True)
    r = ingest_file(ws, again)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (100, 0, 0, 100)
    with ws.store() as store:
        assert {t: store.fingerprint()[t] for t in ("usage", "usage_features")} == before
    # rows 151-300: the 50 already loaded are duplicates, the 100 new ones load
    r = ingest_file(ws, _write(export.iloc[150:], tmp_path / "later.csv"))
    assert (r.rows_read, r.rows_loaded, r.rows_duplicate) == (150, 100, 50)
    emails = sorted(export["email"].unique())
    whole_ws = adoption.init_workspace(tmp_path / "whole",
                                       adoption.Settings(time_zone="Europe/Berlin"))
    ingest_file(whole_ws, _write(export, tmp_path / "whole.csv"))
    pd.testing.assert_frame_equal(_usage(ws, emails)["usage"], _usage(whole_ws, emails)["usage"])


def test_repeats_count_as_often_as_the_file_holding_most(workspace, tmp_path):
    row = "2026-03-02T09:00:00+01:00,ann@example.com,Copilot,chat,2\n"
    other = "2026-03-02T10:00:00+01:00,ann@example.com,Copilot,chat,1\n"
    head = "timestamp,email,tool,feature,count\n"
    (tmp_path / "a.csv").write_text(head + row * 2 + other)
    (tmp_path / "b.csv").write_text(head + row * 3)
    (tmp_path / "c.csv").write_text(head + row + other)
    a = ingest_file(workspace, tmp_path / "a.csv")
    # k = 2 in a.csv: both copies load (two identical events are possible), 1 repeat reported
    assert (a.rows_read, a.rows_loaded, a.rows_duplicate) == (3, 3, 0)
    assert "repeating an earlier row of the same file" in a.note
    b = ingest_file(workspace, tmp_path / "b.csv")
    # j = 3 in b.csv: max(2, 3) = 3, so one more copy loads
    assert (b.rows_read, b.rows_loaded, b.rows_duplicate) == (3, 1, 2)
    c = ingest_file(workspace, tmp_path / "c.csv")
    assert (c.rows_read, c.rows_loaded, c.rows_duplicate) == (2, 0, 2)
    with workspace.store() as store:
        # 3 copies x 2 events + 1 event (hand count)
        assert store.scalar("SELECT sum(events) FROM usage") == 7
        assert store.scalar("SELECT count(*) FROM usage") == 1  # one person-day row
        assert store.scalar("SELECT sum(events) FROM usage_features") == 7
        findings = store.query("SELECT batch_id, finding, rows FROM ingest_findings")
        log = store.read("ingest_log")
    assert findings["rows"].tolist() == [1, 2]  # a.csv repeats one row, b.csv two
    assert (log["rows_read"] == log["rows_loaded"] + log["rows_rejected"]
            + log["rows_duplicate"]).all()


def test_repeated_rows_show_in_status(workspace, tmp_path, capsys):
    (tmp_path / "a.csv").write_text("timestamp,email,tool\n"
                                    + "2026-03-02T09:00:00Z,ann@example.com,Copilot\n" * 3)
    ingest_file(workspace, tmp_path / "a.csv")
    assert main(["status", "--workspace", str(workspace.root)]) == 0
    out = capsys.readouterr().out
    finding = next(line for line in out.splitlines() if "repeating an earlier row" in line)
    assert finding.split()[0] == "Usage" and finding.split()[-1] == "2"  # 3 rows, 2 repeats


def test_first_and_last_dates_and_events_of_a_repeat_free_file(workspace, tmp_path, export):
    r = ingest_file(workspace, _write(export, tmp_path / "whole.csv"))
    assert (r.first_date, r.last_date) == (
        export["timestamp"].min().date(), export["timestamp"].max().date())
    assert r.first_date >= dt.date(2026, 3, 2)
    with workspace.store() as store:
        assert store.scalar("SELECT count(*) FROM ingest_findings") == 0
        assert store.scalar("SELECT sum(copies) FROM usage_rows") == 300
