"""Ingest: archive, detection, effective dating, idempotence, rejects, atomic batches."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from adoption.errors import ColumnNotFoundError, FormatDetectionError, IngestError, InputError
from adoption.ingest import ingest_file, ingest_files
from adoption.ingest import usage as usage_module


def test_counts_reconcile_and_rejects_keep_reasons(workspace, files):
    results = {r.file: r for r in ingest_files(workspace, files.values())}
    u = results["usage.csv"]
    # 7 data rows: 'yesterday' timestamp, empty e-mail and count 'abc' are rejected
    assert (u.rows_read, u.rows_loaded, u.rows_rejected, u.rows_duplicate) == (7, 4, 3, 0)
    for r in results.values():
        assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    with workspace.store() as store:
        rejects = store.query("SELECT row_number, reason, raw FROM rejects r JOIN ingest_log l "
                              "USING (batch_id) WHERE l.file_name = 'usage.csv' ORDER BY 1")
        log = store.read("ingest_log")
    assert rejects["row_number"].tolist() == [3, 4, 5]
    assert "'yesterday' is not an ISO 8601 timestamp" in rejects["reason"][0]
    assert "person identifier is empty" in rejects["reason"][1]
    assert "'abc' is not a whole number" in rejects["reason"][2]
    # the raw row is kept with identifiers redacted (the archived file holds the original)
    raw = json.loads(rejects["raw"][0])
    assert raw["timestamp"] == "yesterday" and raw["email"] == "(redacted)"
    assert set(log["kind"]) == {"roster", "usage"}
    assert (log["rows_read"] == log["rows_loaded"] + log["rows_rejected"]
            + log["rows_duplicate"]).all()


def test_raw_files_archived_by_hash(workspace, files):
    results = ingest_files(workspace, [files["usage"]])
    archived = list(workspace.archive_dir.rglob(f"{results[0].file_hash}*"))
    assert len(archived) == 1
    assert archived[0].read_bytes() == files["usage"].read_bytes()


def test_reingesting_same_file_changes_nothing(workspace, files):
    ingest_files(workspace, files.values())
    with workspace.store() as store:
        before = store.fingerprint()
    again = ingest_files(workspace, files.values())
    assert all(r.already_ingested for r in again)
    assert all(r.rows_duplicate == r.rows_read and r.rows_loaded == 0 for r in again)
    with workspace.store() as store:
        assert store.fingerprint() == before


def test_overlapping_usage_export_counts_duplicates(workspace, files, tmp_path):
    ingest_files(workspace, [files["usage"]])
    overlap = tmp_path / "usage_again.csv"
    # the first file's first event again (spelt as that file spells it) plus one new day;
    # another event on an already loaded day is not a duplicate (see test_ingest_dedup.py)
    overlap.write_text("timestamp,email,tool,feature,count\n"
                       "2026-01-05T09:00:00+01:00,Ann@Example.com ,Copilot,chat,3\n"
                       "2026-01-09T11:00:00+01:00,ann@example.com,Copilot,chat,2\n")
    r = ingest_file(workspace, overlap)
    assert (r.rows_read, r.rows_loaded, r.rows_duplicate) == (2, 1, 1)
    with workspace.store() as store:
        events = store.scalar("SELECT sum(events) FROM usage WHERE day = DATE '2026-01-05'")
    assert events == 3  # 3 from the first file, the same event again not added


def test_effective_dated_roster(workspace, files):
    ingest_files(workspace, [files["roster_feb"], files["roster_jan"]])  # order must not matter
    ann, bob, cat, eve = workspace.pseudonymise(
        ["ann@example.com", "bob@example.com", "cat@example.com", "eve@example.com"])
    with workspace.store() as store:
        people = store.read("people").set_index(["person_id", "team"])

        def team_on(person, day):
            return store.scalar(
                "SELECT team FROM people WHERE person_id = ? AND ? BETWEEN valid_from AND valid_to",
                [person, day])

        assert team_on(ann, dt.date(2026, 1, 31)) == "Alpha"
        assert team_on(ann, dt.date(2026, 2, 1)) == "Beta"  # moved on the snapshot date
        assert team_on(ann, dt.date(2025, 3, 1)) == "Alpha"  # first snapshot back-filled
        assert team_on(ann, dt.date(2024, 12, 31)) is None  # before employment start
        assert team_on(bob, dt.date(2026, 2, 20)) == "Alpha"
        assert team_on(bob, dt.date(2026, 2, 21)) is None  # stated end date
        assert team_on(cat, dt.date(2026, 1, 31)) == "Beta"
        assert team_on(cat, dt.date(2026, 2, 1)) is None  # absent from the later snapshot
        assert team_on(eve, dt.date(2026, 1, 14)) is None  # joiner
        assert team_on(eve, dt.date(2026, 1, 15)) == "Alpha"
    assert len(people) == 6


def test_identifiers_stored_only_as_keyed_hashes(workspace, files):
    ingest_files(workspace, files.values())
    with workspace.store() as store:
        for table in ("people", "roster_snapshots", "usage", "identities", "rejects",
                      "person_names", "usage_features"):
            text = store.read(table).to_csv()
            assert "example.com" not in text.lower(), table
            assert "Ann" not in text, table
    hashed = workspace.pseudonymise(["ann@example.com"])[0]
    assert hashed == workspace.pseudonymise([" ANN@example.com"])[0]
    assert len(hashed) == 32


def test_names_kept_only_on_opt_in(tmp_path, files):
    import adoption

    ws = adoption.init_workspace(tmp_path / "named", adoption.Settings(keep_names=True))
    ingest_files(ws, [files["roster_jan"]])
    with ws.store() as store:
        assert sorted(store.read("person_names")["name"]) == ["Ann", "Bob", "Cat", "Dan"]


def test_mid_batch_failure_leaves_store_unchanged(workspace, files, monkeypatch):
    ingest_files(workspace, [files["roster_jan"]])
    with workspace.store() as store:
        before = store.fingerprint()

    def boom(ctx):
        raise RuntimeError("disk full (injected)")

    original = usage_module.load_usage

    def half_then_fail(ctx):
        original(ctx)  # everything inserted ...
        boom(ctx)  # ... then the batch fails before it commits

    monkeypatch.setitem(__import__("adoption.ingest.batch").ingest.batch.LOADERS, "usage",
                        half_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        ingest_files(workspace, [files["usage"]])
    with workspace.store() as store:
        assert store.fingerprint() == before
    monkeypatch.undo()
    # the same file then loads normally: nothing of the failed attempt is in the way
    assert ingest_file(workspace, files["usage"]).rows_loaded == 4


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("bom", [False, True])
def test_csv_delimiters_and_bom(workspace, tmp_path, delimiter, bom):
    text = delimiter.join(["timestamp", "email", "tool"]) + "\n" + delimiter.join(
        ["2026-01-05T09:00:00+01:00", "zoë@example.com", "Copilot"]) + "\n"
    path = tmp_path / "u.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    r = ingest_file(workspace, path)
    assert (r.kind, r.rows_loaded) == ("usage", 1)


def test_parquet_and_jsonl(workspace, tmp_path):
    table = pa.table({
        "timestamp": pa.array([pd.Timestamp("2026-01-05 09:00", tz="Europe/Berlin"),
                               pd.Timestamp("2026-01-06 23:30", tz="UTC")]),
        "email": ["a@example.com", "b@example.com"], "tool": ["Copilot", "Copilot"],
        "count": pa.array([2, 3], pa.int64()),
    })
    pq.write_table(table, tmp_path / "u.parquet")
    r = ingest_file(workspace, tmp_path / "u.parquet")
    assert (r.format, r.rows_loaded, r.first_date, r.last_date) == (
        "parquet", 2, dt.date(2026, 1, 5), dt.date(2026, 1, 7))  # 23:30 UTC is 00:30 in Berlin
    (tmp_path / "s.jsonl").write_text(
        '{"tool": "Copilot", "email": "a@example.com", "assigned_on": "2025-12-01", '
        '"removed_on": null}\n'
        '{"tool": "Copilot", "email": "b@example.com", "assigned_on": "2025-12-01", '
        '"removed_on": "2026-01-31"}\n')
    s = ingest_file(workspace, tmp_path / "s.jsonl")
    assert (s.kind, s.format, s.rows_loaded) == ("seats", "jsonl", 2)


def test_seats_and_tools(workspace, tmp_path):
    (tmp_path / "tools.csv").write_text(
        "tool,vendor,category,sanctioned,monthly_seat_cost,currency\n"
        "Copilot,GitHub,coding assistant,true,19,USD\n"
        "ChatGPT,OpenAI,chat assistant,yes,55.5,\n"
        "Bad,X,y,maybe,1,EUR\n")
    r = ingest_file(workspace, tmp_path / "tools.csv")
    assert (r.kind, r.rows_loaded, r.rows_rejected) == ("tools", 2, 1)
    with workspace.store() as store:
        tools = store.read("tools").set_index("tool")
    assert tools.loc["ChatGPT", "currency"] == "EUR"  # workspace default
    assert bool(tools.loc["Copilot", "is_sanctioned"]) is True
    (tmp_path / "seats.csv").write_text(
        "tool,email,assigned_on,removed_on\n"
        "Copilot,a@example.com,2025-12-01,\n"
        "Copilot,a@example.com,2025-12-01,\n"
        "Copilot,b@example.com,2026-02-01,2026-01-01\n")
    s = ingest_file(workspace, tmp_path / "seats.csv")
    assert (s.rows_loaded, s.rows_duplicate, s.rows_rejected) == (1, 1, 1)
    # a later export adds the removal date: the assignment is updated, not doubled
    (tmp_path / "seats2.csv").write_text(
        "tool,email,assigned_on,removed_on\nCopilot,a@example.com,2025-12-01,2026-03-01\n")
    ingest_file(workspace, tmp_path / "seats2.csv")
    with workspace.store() as store:
        seats = store.read("seats")
    assert len(seats) == 1 and str(seats["removed_on"][0])[:10] == "2026-03-01"


def test_unknown_columns_name_what_was_found(workspace, tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_text("when,who,what\n2026-01-01,a,b\n")
    with pytest.raises(FormatDetectionError, match=r"mystery\.csv.*\['when', 'who', 'what'\]"):
        ingest_file(workspace, path)
    with pytest.raises(ColumnNotFoundError, match=r"'timestamp'.*no similar column"):
        ingest_file(workspace, path, kind="usage")
    typo = tmp_path / "typo.csv"
    typo.write_text("event_tme,email,tool\n2026-01-01T00:00:00Z,a@example.com,b\n")
    with pytest.raises(ColumnNotFoundError, match=r"'timestamp'.*nearest found: 'event_tme'"):
        ingest_file(workspace, typo, kind="usage")


@pytest.mark.parametrize("name,content,message", [
    ("empty.csv", "", "empty"),
    ("header_only.csv", "timestamp,email,tool\n", "no data rows"),
    ("notes.docx", "PK\x03\x04", "not supported"),
])
def test_bad_files_are_refused_clearly(workspace, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with workspace.store() as store:
        before = store.fingerprint()
    with pytest.raises((InputError, IngestError), match=message):
        ingest_file(workspace, path)
    with workspace.store() as store:
        assert store.fingerprint() == before


def test_all_rows_rejected_refuses_the_batch(workspace, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("timestamp,email,tool\nsoon,a@example.com,X\nlater,b@example.com,X\n")
    with pytest.raises(IngestError, match="every one of its 2 rows was rejected"):
        ingest_file(workspace, path)
    with workspace.store() as store:
        assert store.scalar("SELECT count(*) FROM ingest_log") == 0
        assert store.scalar("SELECT count(*) FROM rejects") == 0


def test_malformed_csv_lines_are_rejected_with_line_numbers(workspace, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("timestamp,email,tool\n2026-01-05T09:00:00Z,a@example.com,X\n"
                    "2026-01-05T09:00:00Z,b@example.com,X,extra,fields\n"
                    "2026-01-06T09:00:00Z,c@example.com,X\n")
    r = ingest_file(workspace, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (3, 2, 1)


@pytest.mark.slow
def test_usage_file_larger_than_memory_limit_streams(tmp_path):
    """A file bigger than DuckDB's memory limit ingests: the roll-up spills, never fails."""
    import duckdb

    import adoption
    from adoption.store import Store

    ws = adoption.init_workspace(tmp_path / "ws")
    path = tmp_path / "big.csv"
    # 347 days of events ending well before today (later dates are rejected as implausible)
    duckdb.sql(f"""COPY (SELECT (current_date - 400)::TIMESTAMPTZ + to_minutes(i % 500000)
                    AS timestamp, 'p' || (i % 40000) || '@example.com' AS email,
                    'tool' || (i % 3) AS tool, 'f' || (i % 7) AS feature, 1 AS count
                FROM range(4_500_000) t(i)) TO '{path}' (HEADER)""")
    with Store(ws.store_path, settings=ws.settings, memory_limit="200MB") as store:
        r = ingest_file(ws, path, store=store)
    assert r.rows_loaded == 4_500_000
    assert path.stat().st_size > 200 * 2**20


def test_padding_and_case_variants_merge_and_odd_values_are_rejected(workspace, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text(
        "timestamp,email,tool,feature,count\n"
        "2026-01-05T09:00:00+01:00,ann@example.com,Copilot,chat,1\n"
        "2026-01-05T10:00:00+01:00,  ANN@example.com ,Copilot ,chat ,2\n"
        "2026-01-05T11:00:00+01:00,ann@example.com,Copilot,chat,2.5\n"
        "2026-01-05T11:00:00+01:00,ann@example.com,   ,chat,1\n"
        "2026-01-05T11:00:00+01:00,   ,Copilot,chat,1\n"
        "2026-01-05T11:00:00+01:00,ann@example.com,Copilot,chat,3.0\n")
    r = ingest_file(workspace, path)
    assert (r.rows_loaded, r.rows_rejected) == (3, 3)
    with workspace.store() as store:
        usage = store.read("usage")
        features = store.read("usage_features")
        reasons = store.query("SELECT row_number, reason FROM rejects ORDER BY 1")
    # one person, one tool, one day: 1 + 2 + 3 events
    assert len(usage) == 1 and usage["events"][0] == 6 and usage["tool"][0] == "Copilot"
    assert len(features) == 1 and features["feature"][0] == "chat"
    assert reasons["row_number"].tolist() == [3, 4, 5]
    assert "'2.5' is not a whole number" in reasons["reason"][0]
    assert "tool is empty" in reasons["reason"][1]
    assert "person identifier is empty" in reasons["reason"][2]


def test_failed_archive_copy_stores_nothing(workspace, files, monkeypatch):
    import adoption.ingest.archive as archive

    def no_space(path, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive, "_copy", no_space)
    with pytest.raises(IngestError, match="could not be copied into the archive.*No space"):
        ingest_file(workspace, files["usage"])
    with workspace.store() as store:
        assert store.scalar("SELECT count(*) FROM ingest_log") == 0
        assert store.scalar("SELECT count(*) FROM usage") == 0
