"""`adoption batches` and `adoption undo`: list batches, take one out, a killed ingest."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

import adoption
from adoption.cli import main
from adoption.errors import InputError
from adoption.ingest import ingest_file, ingest_files
from adoption.ingest.removal import remove_batch

USAGE_A = """timestamp,email,tool,feature,count
2026-03-02T09:00:00+01:00,ann@example.com,Copilot,chat,2
2026-03-02T10:00:00+01:00,bob@example.com,Copilot,chat,1
2026-03-03T10:00:00+01:00,ann@example.com,Copilot,review,4
"""
# a slice of the same export (bob's later event) and an overlap (ann's first event again)
USAGE_B = """timestamp,email,tool,feature,count
2026-03-02T09:00:00+01:00,ann@example.com,Copilot,chat,2
2026-03-02T15:00:00+01:00,bob@example.com,Copilot,chat,5
"""


def _fingerprint(ws: adoption.Workspace) -> dict:
    with ws.store() as store:
        return store.fingerprint()


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_batches_lists_every_batch(workspace, files, capsys):
    ingest_files(workspace, files.values())
    assert main(["batches", "--workspace", str(workspace.root), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("batch,file,kind,format,read,loaded,rejected,duplicate,first,last,"
                        "ingested")
    # rosters first, then usage (the load order); 7 usage rows: 4 loaded, 3 rejected
    assert [line.split(",")[:4] for line in lines[1:]] == [
        ["1", "roster_feb.csv", "roster", "csv"], ["2", "roster_jan.csv", "roster", "csv"],
        ["3", "usage.csv", "usage", "csv"]]
    assert lines[3].split(",")[4:10] == ["7", "4", "3", "0", "2026-01-05", "2026-02-08"]
    assert main(["batches", "--workspace", str(workspace.root)]) == 0
    assert "adoption undo BATCH" in capsys.readouterr().out


def test_undo_takes_a_usage_batch_out_and_it_can_come_back(workspace, files, tmp_path,
                                                           capsys):
    ingest_files(workspace, [files["roster_jan"]])
    a = ingest_file(workspace, _write(tmp_path, "a.csv", USAGE_A))
    before = _fingerprint(workspace)
    b = ingest_file(workspace, _write(tmp_path, "b.csv", USAGE_B))
    assert (b.rows_loaded, b.rows_duplicate) == (1, 1)
    with workspace.store() as store:
        assert store.scalar("SELECT sum(events) FROM usage") == 2 + 1 + 4 + 5
    assert main(["undo", str(b.batch_id), "--workspace", str(workspace.root)]) == 0
    out = capsys.readouterr().out
    assert f"Batch {b.batch_id} (b.csv) taken out" in out
    assert "stays in the archive" in out
    # the store is as it was before b.csv, canonical tables included
    assert _fingerprint(workspace) == before
    assert list(workspace.archive_dir.rglob(f"{b.file_hash}*"))  # the raw file is kept
    again = ingest_file(workspace, tmp_path / "b.csv")
    assert not again.already_ingested and (again.rows_loaded, again.rows_duplicate) == (1, 1)
    # taking out a.csv now leaves b.csv's events whole: ann's shared event comes back from b
    with workspace.store() as store:
        removal = remove_batch(store, a.batch_id)
        usage = store.query("SELECT day, sum(events) AS events FROM usage GROUP BY day")
        ingested = store.scalar("SELECT count(*) FROM ingest_log WHERE batch_id = ?",
                                [a.batch_id])
    assert removal.removed["usage_rows"] == 3 and ingested == 0
    assert dict(zip(usage["day"].astype(str), usage["events"], strict=True)) == {
        "2026-03-02": 2 + 5}  # ann's 2 (also in b.csv) and bob's 5


# C is another slice of the same March export: cat's events, so that A + C differs from A
USAGE_C = """timestamp,email,tool,feature,count
2026-03-04T11:00:00+01:00,cat@example.com,Copilot,chat,3
2026-03-05T11:00:00+01:00,cat@example.com,ChatGPT,chat,1
"""


def _metrics(ws: adoption.Workspace, capsys) -> str:
    capsys.readouterr()
    assert main(["metrics", "--workspace", str(ws.root), "--period", "2026-03",
                 "--by", "organisation", "--format", "csv"]) == 0
    return capsys.readouterr().out


def _row(table: str) -> dict[str, str]:
    (row,) = csv.DictReader(io.StringIO(table))
    return row


def test_undo_gives_the_metrics_of_the_batches_left(tmp_path, files, capsys):
    """Ingest A, ingest C, undo C: the same metrics (and store) as A alone."""
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(min_group_size=3))
    ingest_files(ws, [files["roster_jan"]])
    ingest_file(ws, _write(tmp_path, "a.csv", USAGE_A))
    alone, store_alone = _metrics(ws, capsys), _fingerprint(ws)
    c = ingest_file(ws, _write(tmp_path, "c.csv", USAGE_C))
    with_c = _metrics(ws, capsys)
    # 4 people in the January roster (hand count): ann and bob active in March with A, cat
    # too with C
    assert [(r["headcount"], r["active_users"], r["penetration"])
            for r in (_row(alone), _row(with_c))] == [("4", "2", "0.5"), ("4", "3", "0.75")]
    assert main(["undo", str(c.batch_id), "--workspace", str(ws.root)]) == 0
    assert _metrics(ws, capsys) == alone
    assert _fingerprint(ws) == store_alone


def _without_batch_ids(ws: adoption.Workspace) -> dict:
    """The fingerprint of every table that holds no batch id (those differ between stores
    loaded in another order), the settings table aside."""
    with ws.store() as store:
        return {t: v for t, v in store.fingerprint().items() if t != "meta" and not
                store.scalar("SELECT count(*) FROM duckdb_columns() WHERE table_name = ? "
                             "AND column_name = 'batch_id'", [t])}


@pytest.mark.parametrize("undo", ["roster_jan", "roster_feb"])
def test_undo_of_either_roster_keeps_what_the_other_one_holds(tmp_path, files, capsys, undo):
    """Both snapshots name ann, bob and dan: taking either out keeps their identities, names
    and name tokens, and the store is the one loaded without it."""
    settings = adoption.Settings(keep_names=True, min_group_size=3)
    ws, alone = (adoption.init_workspace(tmp_path / n, settings) for n in ("ws", "alone"))
    alone.key_path.write_bytes(ws.key_path.read_bytes())  # one key: identifiers hash alike
    batches = {name: ingest_file(ws, files[name]).batch_id
               for name in ("roster_jan", "roster_feb", "usage")}
    for name in ("roster_jan", "roster_feb", "usage"):
        if name != undo:
            ingest_file(alone, files[name])
    assert main(["undo", str(batches[undo]), "--workspace", str(ws.root)]) == 0
    assert _without_batch_ids(ws) == _without_batch_ids(alone)
    with ws.store() as store:
        names = sorted(store.read("person_names")["name"])
    # ann, bob, dan in both snapshots; cat only in January's, eve only in February's
    assert names == (["Ann", "Bob", "Dan", "Eve"] if undo == "roster_jan"
                     else ["Ann", "Bob", "Cat", "Dan"])
    for period in ("2026-01", "2026-02"):
        tables = []
        for each in (ws, alone):
            capsys.readouterr()
            assert main(["metrics", "--workspace", str(each.root), "--period", period,
                         "--by", "organisation", "--format", "csv"]) == 0
            tables.append(capsys.readouterr().out)
        assert tables[0] == tables[1]


def test_undo_keeps_rows_written_before_claims_were_recorded(tmp_path, files):
    """A store of an earlier version holds identities and names no batch claims: taking a
    later batch that wrote the same keys out leaves them."""
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(keep_names=True))
    ingest_file(ws, files["roster_jan"])
    with ws.store() as store:
        store.con.execute("DELETE FROM row_claims")  # as an earlier version left the store
        before = store.fingerprint()
    feb = ingest_file(ws, files["roster_feb"])
    with ws.store() as store:
        remove_batch(store, feb.batch_id)
        after = store.fingerprint()
        # ann, bob, cat, dan (January, hand count) keep identity and name
        assert store.scalar("SELECT count(*) FROM identities") == 4
        assert sorted(store.read("person_names")["name"]) == ["Ann", "Bob", "Cat", "Dan"]
    before.pop("row_claims"), after.pop("row_claims")  # now held by "batch 0"
    assert after == before


def test_undo_of_a_later_snapshot_copy_restores_what_it_replaced(workspace, files, tmp_path):
    first = ingest_file(workspace, files["roster_jan"])
    before = _fingerprint(workspace)
    # the same snapshot again with Dan moved to Alpha: his row is replaced, the others equal
    changed = files["roster_jan"].read_text().replace("dan@example.com,Dan,Beta",
                                                      "dan@example.com,Dan,Alpha")
    second = ingest_file(workspace, _write(tmp_path, "jan_again.csv", changed))
    assert "1 row(s) of an earlier copy of this snapshot replaced" in second.note
    expected = (rf"Batch {first.batch_id} \(roster_jan.csv\) cannot be taken out first: "
                rf"batch\(es\) \[{second.batch_id}\]")
    with workspace.store() as store, pytest.raises(InputError, match=expected):
        remove_batch(store, first.batch_id)
    with workspace.store() as store:
        removal = remove_batch(store, second.batch_id)
    assert removal.restored == {"roster_snapshots": 1}
    assert _fingerprint(workspace) == before


def test_undo_of_tools_and_seats(workspace, tmp_path):
    ingest_file(workspace, _write(tmp_path, "tools.csv", "tool,vendor,monthly_seat_cost\n"
                                                         "Copilot,GitHub,19\n"))
    seats = ingest_file(workspace, _write(tmp_path, "seats.csv", "tool,email,assigned_on\n"
                                                                 "Copilot,a@example.com,2026-01-05\n"))
    before = _fingerprint(workspace)
    tools = ingest_file(workspace, _write(tmp_path, "tools2.csv", "tool,vendor,monthly_seat_cost\n"
                                                                  "Copilot,GitHub,39\n"))
    removal_date = ingest_file(workspace, _write(
        tmp_path, "seats2.csv", "tool,email,assigned_on,removed_on\n"
                                "Copilot,a@example.com,2026-01-05,2026-02-28\n"))
    with workspace.store() as store:
        assert store.scalar("SELECT monthly_seat_cost FROM tools") == 39
        remove_batch(store, removal_date.batch_id)
        remove_batch(store, tools.batch_id)
        assert store.scalar("SELECT monthly_seat_cost FROM tools") == 19
        assert store.scalar("SELECT removed_on FROM seats") is None
    assert _fingerprint(workspace) == before
    with workspace.store() as store:
        remove_batch(store, seats.batch_id)
        assert store.scalar("SELECT count(*) FROM seats") == 0


def test_undo_of_an_unknown_batch_says_which_exist(workspace, files, capsys):
    ingest_files(workspace, [files["roster_jan"]])
    assert main(["undo", "7", "--workspace", str(workspace.root)]) == 2
    err = capsys.readouterr().err
    assert "There is no batch 7 in this workspace (batches 1 to 1)" in err


def test_undo_leaves_no_names_of_people_of_no_snapshot(tmp_path, files):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(keep_names=True))
    jan = ingest_file(ws, files["roster_jan"])
    with ws.store() as store:
        remove_batch(store, jan.batch_id)
        assert store.scalar("SELECT count(*) FROM person_names") == 0
        assert store.scalar("SELECT count(*) FROM people") == 0


def _big_usage(path, rows: int) -> None:
    duckdb.sql(f"""COPY (
        SELECT strftime((current_date - 200)::TIMESTAMP + to_seconds(i * 7 % 15000000),
                        '%Y-%m-%dT%H:%M:%S') || 'Z' AS timestamp,
               'p' || (i % 5000) || '@example.com' AS email,
               ['Copilot', 'ChatGPT'][1 + i % 2] AS tool, 'chat' AS feature, 1 + i % 3 AS count
        FROM range({rows}) t(i)) TO '{path}' (HEADER)""")


def _kill_midway(ws: adoption.Workspace, big, env) -> bool:
    """Run `adoption ingest big` and SIGKILL it half a second into the batch; True when it
    was killed before it finished."""
    cmd = [sys.executable, "-m", "adoption.cli", "ingest", "--workspace", str(ws.root), str(big)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    line = proc.stdout.readline()  # "Ingesting big.csv (... MB) ...": the batch has begun
    assert line.startswith("Ingesting big.csv"), line
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode == -signal.SIGKILL and " = loaded " not in out


def test_killed_ingest_leaves_the_store_as_before_and_the_rerun_lands_once(files, tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # a file large enough to be still loading half a second in: doubled until it is
    for attempt, rows in enumerate((400_000, 1_600_000, 6_400_000)):
        ws = adoption.init_workspace(tmp_path / f"ws{attempt}")
        ingest_files(ws, [files["roster_jan"]])
        before = _fingerprint(ws)
        big = tmp_path / f"try{attempt}" / "big.csv"
        big.parent.mkdir()
        _big_usage(big, rows)
        if _kill_midway(ws, big, env):
            break
    else:
        pytest.fail("every ingest finished within half a second; use a larger file")
    assert _fingerprint(ws) == before  # nothing of the killed batch is in the store
    rerun = ingest_file(ws, big)
    assert (rerun.rows_read, rerun.rows_loaded, rerun.rows_duplicate) == (rows, rows, 0)
    assert ingest_file(ws, big).already_ingested
    # one archived copy, and no partial copy left by the killed process
    assert [p.name for p in ws.archive_dir.rglob(f"{rerun.file_hash}*")] == [
        f"{rerun.file_hash}.csv"]
    assert not list(ws.archive_dir.rglob("*.part"))
    with ws.store() as store:
        assert store.scalar("SELECT count(*) FROM ingest_log WHERE file_name = 'big.csv'") == 1
        # counts 1, 2, 3 in turn over rows = 3q + 1 rows: q x (1 + 2 + 3) + 1 (hand count)
        assert rows % 3 == 1
        assert store.scalar("SELECT sum(events) FROM usage") == 6 * (rows // 3) + 1


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("fixture", [
    "vendors/github/copilot_users_report.ndjson",  # usage from a vendor's own layout
    "vendors/microsoft/copilot_usage_user_detail_D30.csv",  # last-activity dates
    "surveys/qualtrics_2026-02.csv",  # a survey wave with responses and rejects
    "vendors/identity/identities.csv",  # identity mappings (a table without batch_id)
    "vendors/directory/exportUsers_2026-1-31.csv",  # directory accounts and identities
])
def test_undo_of_a_named_format_batch(workspace, files, fixture):
    ingest_files(workspace, [files["roster_jan"], files["usage"]])
    before = _fingerprint(workspace)
    result = ingest_file(workspace, FIXTURES / fixture)
    assert result.rows_loaded > 0
    with workspace.store() as store:
        removal = remove_batch(store, result.batch_id)
    assert removal.removed["ingest_log"] == 1
    assert _fingerprint(workspace) == before


def test_undo_of_a_directory_snapshot_copy_restores_the_accounts_it_replaced(workspace,
                                                                             tmp_path):
    entra = FIXTURES / "vendors" / "directory" / "exportUsers_2026-1-31.csv"
    ingest_file(workspace, entra)
    before = _fingerprint(workspace)
    copy = tmp_path / "exportUsers_2026-1-31.csv"  # the same snapshot, Ann now a lead
    copy.write_bytes(entra.read_bytes().replace(b",Member,Dev,", b",Member,Lead,", 1))
    again = ingest_file(workspace, copy)
    assert "1 account(s) of an earlier copy of this snapshot replaced" in again.note
    with workspace.store() as store:
        assert remove_batch(store, again.batch_id).restored == {"directory_accounts": 1}
    assert _fingerprint(workspace) == before
