"""``adoption rollup`` on DuckDB and on Spark: the same person-days, rejects and team metrics.

The inputs are the demo organisation's generic usage event files (a semicolon CSV with the
demo's deliberately broken rows, and a Parquet file) plus a small hostile CSV written here
(blank people and tools, bad and empty timestamps, an unknown time zone, negative and
fractional counts, a date in 2099, offsets of every form, and a local time without offset in
a file whose other rows have one). Every expectation is a comparison between two ways of
computing the same thing (Spark vs DuckDB, the roll-up vs ``adoption ingest`` of the raw
files), except the few counts of the hostile file, whose sources are given beside them.

Spark runs in one local[2] session for the whole module. The Spark tests skip when pyspark
or Java is missing, unless ``CI_REQUIRE_SPARK=1`` (set by ``.ci/run``), where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import adoption
from adoption.errors import InputError
from adoption.rollup import rejects_path, rollup_events
from adoption.rollup.engines import SparkUnavailableError, java_missing, spark_session

pytestmark = pytest.mark.slow

BERLIN = "Europe/Berlin"

#: The hostile file: (row, what it tests). Header ``timestamp,email,tool,feature,count,tz``.
HOSTILE = """timestamp,email,tool,feature,count,tz
2026-03-02T09:00:00+01:00,  Alice@Example.com ,Copilot,chat,3,
2026-03-02T23:30:00Z,alice@example.com,Copilot,,  ,
2026-03-02 22:30:00,bob@example.com,Copilot,chat,2,Europe/Berlin
2026-03-02 22:30:00,bob@example.com,Copilot,chat,2,Mars/Olympus
2026-03-02T10:00:00,carol@example.com,Copilot,chat,1,
not a time,bob@example.com,Copilot,chat,1,
,bob@example.com,Copilot,chat,1,
2026-03-02T10:00:00+01:00,,Copilot,chat,1,
2026-03-02T10:00:00+01:00,"   ",Copilot,chat,1,
2026-03-02T10:00:00+01:00,bob@example.com,  ,chat,1,
2026-03-02T10:00:00+01:00,bob@example.com,Copilot,chat,-2,
2026-03-02T10:00:00+01:00,bob@example.com,Copilot,chat,1.5,
2026-03-02T10:00:00+01:00,bob@example.com,Copilot,chat,0,
2099-01-01T10:00:00+01:00,bob@example.com,Copilot,chat,1,
2026-03-02T10:00:00+01:00,bob@example.com,Copilot, chat ,4,
2026-03-02T10:00:00+01:00,bob@example.com,Copilot,chat,4,
2026-03-02T09:30:00+05:30,erin@example.com,Copilot,review,2,
2026-03-01T23:30:00-0100,erin@example.com,Copilot,review,2,
2026-03-01T23:59:59.999+01,erin@example.com,Copilot,review,1,
2026-03-02,erin@example.com,Copilot,review,1,Europe/Berlin
"""


def _base_files(inbox: Path) -> list[Path]:
    return sorted(inbox.glob("roster_*.csv")) + [inbox / "tools.csv", inbox / "seats.jsonl"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """The demo's usage event files (smallest demo organisation) and the hostile file."""
    from adoption.demo.generate import write_demo_files

    root = tmp_path_factory.mktemp("rollup")
    write_demo_files(root / "inbox", people=500)
    inbox = root / "inbox"
    hostile = inbox / "hostile.csv"
    hostile.write_text(HOSTILE, encoding="utf-8")
    return {"root": root, "inbox": inbox, "csv": next(inbox.glob("usage_events_*.csv")),
            "parquet": next(inbox.glob("usage_events_*.parquet")), "hostile": hostile}


@pytest.fixture(scope="module")
def raw_workspace(inputs) -> adoption.Workspace:
    """A workspace that ingested the rosters, tools, seats and the three raw event files."""
    ws = adoption.init_workspace(inputs["root"] / "raw", adoption.Settings(time_zone=BERLIN))
    adoption.ingest_files(ws, _base_files(inputs["inbox"])
                          + [inputs["csv"], inputs["parquet"], inputs["hostile"]])
    return ws


@pytest.fixture(scope="module")
def duckdb_runs(inputs, raw_workspace) -> dict[str, object]:
    """The DuckDB roll-up of each raw event file, with the raw workspace's bounds and zone."""
    out = inputs["root"] / "duckdb"
    return {name: rollup_events(str(inputs[name]), out / f"{name}.parquet",
                                workspace=raw_workspace, progress=False)
            for name in ("csv", "parquet", "hostile")}


def _say(request, text: str) -> None:
    """Print to the test output as it runs (not captured): Spark's costs, for the CI log."""
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{text}", flush=True)


@pytest.fixture(scope="module")
def spark(request):
    """One local[2] Spark session for the module; its start-up time goes to the output."""
    missing = ("pyspark is not installed" if importlib.util.find_spec("pyspark") is None
               else java_missing())
    if missing:
        if os.environ.get("CI_REQUIRE_SPARK") == "1":
            pytest.fail(f"CI_REQUIRE_SPARK=1 but Spark cannot run here: {missing}")
        pytest.skip(f"Spark tests need pyspark and Java: {missing}")
    session, seconds = spark_session("local[2]")
    _say(request, f"Spark (local[2]) started in {seconds:.1f} s")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_runs(inputs, raw_workspace, spark, request) -> dict[str, object]:
    out = inputs["root"] / "spark"
    runs = {}
    for name in ("csv", "parquet", "hostile"):
        started = time.perf_counter()
        runs[name] = rollup_events(str(inputs[name]), out / f"{name}.parquet", engine="spark",
                                   session=spark, workspace=raw_workspace, progress=False)
        _say(request, f"Spark roll-up of {inputs[name].name}: "
                      f"{time.perf_counter() - started:.1f} s")
    return runs


def _person_days(path: str | Path) -> pd.DataFrame:
    frame = duckdb.sql(f"SELECT * FROM read_parquet('{path}')").df()
    return frame.sort_values(["day", "email", "tool", "feature"], na_position="first",
                             ignore_index=True)


# -- Spark missing (before the module's Spark session starts) ---------------------------------

def test_spark_without_java_says_what_to_install(monkeypatch, inputs, tmp_path):
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed (the message for that is tested by its absence)")
    from pyspark.sql import SparkSession

    assert SparkSession.getActiveSession() is None, "runs before the module's Spark session"
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(SparkUnavailableError, match="openjdk-17-jre-headless"):
        rollup_events(str(inputs["csv"]), tmp_path / "o.parquet", engine="spark",
                      progress=False)


# -- (a) DuckDB and Spark ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["csv", "parquet", "hostile"])
def test_spark_and_duckdb_write_the_same_person_days_and_rejects(name, duckdb_runs,
                                                                  spark_runs):
    ours, theirs = duckdb_runs[name], spark_runs[name]
    pd.testing.assert_frame_equal(_person_days(ours.out), _person_days(theirs.out))
    assert theirs.rejected == ours.rejected
    assert (theirs.rows_read, theirs.person_days) == (ours.rows_read, ours.person_days)


# -- (b) DuckDB roll-up and ingest of the raw files ----------------------------------------------

def test_duckdb_rollup_matches_ingest_of_the_raw_files(inputs, raw_workspace, duckdb_runs):
    rolled = pd.concat([_person_days(r.out) for r in duckdb_runs.values()], ignore_index=True)
    emails = sorted(rolled["email"].unique())
    ids = dict(zip(emails, raw_workspace.pseudonymise(emails), strict=True))
    rolled["person_id"] = rolled["email"].map(ids)
    with raw_workspace.store(read_only=True) as store:
        usage = store.con.execute("SELECT person_id, tool, day, events FROM usage").df()
        feats = store.con.execute(
            "SELECT person_id, tool, day, feature, events FROM usage_features").df()
        rejects = store.con.execute("""
            SELECT l.file_name, r.reason, count(*) AS n FROM rejects r
            JOIN ingest_log l USING (batch_id) GROUP BY ALL""").df()
    keys = ["person_id", "tool", "day"]

    def tidy(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        frame = frame[cols].astype({"events": "int64", "day": "datetime64[us]"})
        return frame.sort_values(cols[:-1], ignore_index=True)

    totals = rolled[rolled["feature"].isna()]
    pd.testing.assert_frame_equal(tidy(totals, [*keys, "events"]),
                                  tidy(usage, [*keys, "events"]), check_dtype=False)
    pd.testing.assert_frame_equal(tidy(rolled[rolled["feature"].notna()],
                                       [*keys, "feature", "events"]),
                                  tidy(feats, [*keys, "feature", "events"]), check_dtype=False)
    for name, run in duckdb_runs.items():
        found = rejects[rejects["file_name"] == inputs[name].name]
        assert dict(zip(found["reason"], found["n"].astype(int), strict=True)) == run.rejected
    # the rejected rows are listed beside the output, one row each
    listed = duckdb.sql(f"SELECT count(*) FROM '{rejects_path(duckdb_runs['hostile'].out)}'")
    assert listed.fetchall()[0][0] == duckdb_runs["hostile"].rows_rejected


def test_hostile_file_counts(duckdb_runs):
    run = duckdb_runs["hostile"]
    # HOSTILE has 20 data rows; rejected: Mars/Olympus, the naive row of carol (mixed),
    # 'not a time', the empty timestamp, two blank people, the blank tool, -2, 1.5, 2099
    assert (run.rows_read, run.rows_rejected) == (20, 10)
    reasons = " | ".join(run.rejected)
    for part in ("'Mars/Olympus' is not an IANA time zone name",
                 "'2026-03-02T10:00:00' has no time zone offset while other rows",
                 "'not a time' is not an ISO 8601 timestamp", "timestamp is empty",
                 "column email: person identifier is empty", "column tool: tool is empty",
                 "'-2' is negative", "'1.5' is not a whole number",
                 "'2099-01-01T10:00:00+01:00' is outside the plausible dates"):
        assert part in reasons
    days = _person_days(run.out)
    totals = days[days["feature"].isna()].set_index(["email", "day"])["events"]
    day = pd.Timestamp
    # alice: 3 events at 09:00+01:00 on 2 March, and 23:30Z = 00:30 on 3 March in Berlin
    # (blank count: 1 event)
    assert totals[("alice@example.com", day("2026-03-02"))] == 3
    assert totals[("alice@example.com", day("2026-03-03"))] == 1
    # bob on 2 March: 22:30 Berlin (2) + count 0 + ' chat ' (4) + its twin (4) = 10
    assert totals[("bob@example.com", day("2026-03-02"))] == 10
    # erin: 09:30+05:30 = 05:00 Berlin (2), 23:30-0100 = 01:30 Berlin (2), 23:59:59.999+01
    # on 1 March (1), the bare date with zone Europe/Berlin (1) on 2 March
    assert totals[("erin@example.com", day("2026-03-02"))] == 5
    assert totals[("erin@example.com", day("2026-03-01"))] == 1


# -- (c) team metrics from raw events and from the Spark person-days ------------------------------

def test_team_metrics_are_the_same_from_raw_events_and_spark_person_days(inputs, raw_workspace,
                                                                         spark_runs):
    ws = adoption.init_workspace(inputs["root"] / "from_spark",
                                 adoption.Settings(time_zone=BERLIN))
    results = adoption.ingest_files(ws, _base_files(inputs["inbox"])
                                    + [Path(r.out) for r in spark_runs.values()])
    assert {r.format for r in results[-3:]} == {"usage_person_days"}
    for kind in ("month", "week"):
        raw = adoption.compute_adoption_metrics(raw_workspace.person_periods(kind), by="team")
        ours = adoption.compute_adoption_metrics(ws.person_periods(kind), by="team")
        assert len(raw) > 0
        # the sources column names the source: generic usage events vs their person-days
        ours["sources"] = ours["sources"].str.replace("usage_person_days", "usage")
        pd.testing.assert_frame_equal(raw, ours)


# -- the person-day source in a workspace ------------------------------------------------------

def test_person_days_ingest_twice_adds_nothing_and_undo_takes_it_out(inputs, duckdb_runs,
                                                                     tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(time_zone=BERLIN))
    out = Path(duckdb_runs["hostile"].out)
    copy = tmp_path / "again.parquet"  # the same rows in another order: another file
    duckdb.sql(f"COPY (SELECT * FROM '{out}' ORDER BY email DESC, day DESC) TO '{copy}'")
    first, second = adoption.ingest_files(ws, [out, copy])
    rows = len(_person_days(out))
    assert (first.rows_loaded, first.rows_rejected) == (rows, 0)
    assert (second.rows_loaded, second.rows_duplicate) == (0, rows)
    with ws.store() as store:
        n = store.con.execute("SELECT count(*) FROM usage").fetchone()[0]
    assert n == duckdb_runs["hostile"].person_days
    from adoption.ingest.removal import remove_batch

    with ws.store() as store:
        remove_batch(store, first.batch_id)
        assert store.con.execute("SELECT count(*) FROM usage").fetchone()[0] == 0


def test_person_days_rows_are_validated(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(time_zone=BERLIN))
    path = tmp_path / "pd.parquet"
    duckdb.sql(f"""COPY (SELECT * FROM (VALUES
        (DATE '2026-03-02', 'a@example.com', 'Copilot', NULL, 5),
        (DATE '2026-03-02', 'a@example.com', 'Copilot', 'chat', 5),
        (DATE '2026-03-02', '  ', 'Copilot', NULL, 1),
        (DATE '2026-03-02', 'b@example.com', 'Copilot', NULL, -1),
        (DATE '2099-03-02', 'b@example.com', 'Copilot', NULL, 1)
        ) t(day, email, tool, feature, events)) TO '{path}' (FORMAT parquet)""")
    (result,) = adoption.ingest_files(ws, [path])
    # rows 3 (blank person), 4 (negative) and 5 (2099) are rejected
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 2, 3)
    with ws.store(read_only=True) as store:
        reasons = [r[0] for r in store.con.execute(
            "SELECT reason FROM rejects ORDER BY row_number").fetchall()]
    assert reasons[0] == "column email: person identifier is empty"
    assert "'-1' is negative" in reasons[1] and "outside the plausible dates" in reasons[2]


# -- errors for people -------------------------------------------------------------------------

def test_no_input_matched_names_the_pattern(tmp_path):
    with pytest.raises(InputError, match=r"no input matched .*nothing-\*\.parquet"):
        rollup_events(str(tmp_path / "nothing-*.parquet"), tmp_path / "o.parquet",
                      progress=False)


def test_mixed_formats_and_master_without_spark_are_refused(inputs, tmp_path):
    with pytest.raises(InputError, match="mix Parquet and CSV"):
        rollup_events([str(inputs["csv"]), str(inputs["parquet"])], tmp_path / "o.parquet",
                      progress=False)
    with pytest.raises(InputError, match="needs --engine spark"):
        rollup_events(str(inputs["csv"]), tmp_path / "o.parquet", master="local[2]",
                      progress=False)


def test_spark_without_pyspark_says_what_to_install(monkeypatch, inputs, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now fails
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(SparkUnavailableError, match=r"pip install 'adoption\[spark\]'"):
        rollup_events(str(inputs["csv"]), tmp_path / "o.parquet", engine="spark",
                      progress=False)


def test_cli_rollup_then_ingest(inputs, tmp_path, capsys):
    from adoption.cli import main

    out = tmp_path / "pd.parquet"
    assert main(["rollup", "--input", str(inputs["hostile"]), "--out", str(out),
                 "--time-zone", BERLIN]) == 0
    said = capsys.readouterr().out
    assert "20 rows read" in said and "10 rejected" in said
    assert rejects_path(out).exists()
    assert main(["rollup", "--input", str(tmp_path / "none*.csv"), "--out", str(out)]) == 2
    assert "no input matched" in capsys.readouterr().err
