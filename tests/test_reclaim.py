"""The seat-reclaim list: contents, formula-injection safety, restricted handling, and that it
never reaches a rendered report (the fixture of tests/test_governance_metrics.py)."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook

import adoption
from adoption.cli import main
from adoption.errors import InputError
from adoption.governance import build_reclaim_list, neutralise_cell, write_reclaim_list
from adoption.governance.reclaim import NAMES_NOTE

FIXTURES = Path(__file__).parent / "fixtures" / "governance"

# the fixture names of g2, g3, a2 and b2 start with =, +, - and @ (tests/fixtures/governance)
INJECTED = {'=HYPERLINK("http://evil.example","x")', "+SUM(A1:A2)", "-2+3", "@SUM(1+1)"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory, governance_workspace) -> adoption.Workspace:
    return governance_workspace(tmp_path_factory.mktemp("reclaim") / "ws")


def test_neutralise_cell_follows_owasp():
    # OWASP CSV injection: prefix cells starting with = + - @ tab or carriage return with '
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_cell(text) == "'" + text
    assert neutralise_cell("Ann") == "Ann"
    assert neutralise_cell(-3.5) == -3.5  # numbers stay numbers
    assert neutralise_cell(None) is None


def test_reclaim_list_rows(ws):
    frame = build_reclaim_list(ws, period="2026-01")
    # reclaimable on 2026-01-31: Copilot a2 (idle), a4 (leaver), b2 (idle); ChatGPT g2, g3 (idle)
    assert len(frame) == 5
    got = {(p, t, r) for p, t, r in frame[["person", "tool", "reason"]].itertuples(index=False)}
    assert got == {("-2+3", "Copilot", "idle"), ("Ava Leaver", "Copilot", "leaver"),
                   ("@SUM(1+1)", "Copilot", "idle"),
                   ('=HYPERLINK("http://evil.example","x")', "ChatGPT", "idle"),
                   ("+SUM(A1:A2)", "ChatGPT", "idle")}
    leaver = frame[frame["reason"] == "leaver"].iloc[0]
    assert (leaver.left_on, leaver.last_use, leaver.monthly_seat_cost) == ("2026-01-10", None,
                                                                           19.0)
    assert frame.loc[frame["person"] == "-2+3", "last_use"].item() == "2025-12-20"
    assert (frame["person_kind"] == "name").all()
    # default period: the latest one with data, here January too
    assert build_reclaim_list(ws)["as_of"].unique().tolist() == ["2026-01-31"]


def test_reclaim_list_without_names_uses_ids(tmp_path, governance_workspace):
    ws = governance_workspace(tmp_path / "ws", keep_names=False)
    frame = build_reclaim_list(ws, period="2026-01")
    ids = set(ws.pseudonymise(["a2@example.com", "a4@example.com", "b2@example.com",
                               "g2@example.com", "g3@example.com"]))
    assert set(frame["person"]) == ids
    assert (frame["person_kind"] == NAMES_NOTE).all()
    assert "keep_names = true" in NAMES_NOTE


def test_csv_cells_are_neutralised(ws, tmp_path):
    out = write_reclaim_list(build_reclaim_list(ws, period="2026-01"), tmp_path / "r.csv")
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    people = {r["person"] for r in rows}
    assert {"'" + p for p in INJECTED} <= people
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows
                   for v in r.values())
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # owner only


def test_xlsx_cells_are_text_not_formulas(ws, tmp_path):
    out = write_reclaim_list(build_reclaim_list(ws, period="2026-01"), tmp_path / "r.xlsx",
                             about={"as_of": "2026-01-31"})
    wb = load_workbook(out)
    sheet = wb["reclaim"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not any(c.data_type == "f" for c in cells)  # openpyxl: "f" = formula
    people = {sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)}
    assert {"'" + p for p in INJECTED} <= people
    assert wb["about"]["B1"].value == "2026-01-31"


def test_refuses_reports_folder_and_unknown_suffix(ws):
    frame = build_reclaim_list(ws, period="2026-01")
    with pytest.raises(InputError, match="reports folder"):
        write_reclaim_list(frame, ws.reports_dir / "reclaim.csv", workspace_root=ws.root)
    with pytest.raises(InputError, match=r"must end in \.csv or \.xlsx"):
        write_reclaim_list(frame, ws.root.parent / "reclaim.txt")


def test_cli_writes_only_on_request(ws, tmp_path, capsys):
    out = tmp_path / "reclaim.csv"
    assert main(["reclaim", "--workspace", str(ws.root), "--out", str(out),
                 "--period", "2026-01", "--idle-days", "30"]) == 0
    assert "Wrote 5 seat(s)" in capsys.readouterr().out
    assert out.is_file()
    with pytest.raises(SystemExit):  # --out is required: nothing is written by default
        main(["reclaim", "--workspace", str(ws.root)])


def test_no_reclaim_content_in_rendered_report(ws, tmp_path):
    from adoption.report.render import render_notebook, report_notebook_path

    frame = build_reclaim_list(ws, period="2026-01")
    emails = [f"{p}@example.com" for p in ("a2", "a4", "b2", "g2", "g3")]
    secrets = set(ws.pseudonymise(emails)) | set(emails) | set(frame["person"])
    secrets |= {"Ava Leaver", "evil.example", "SUM(A1:A2)", "SUM(1+1)"}
    html_path = render_notebook(report_notebook_path(), tmp_path / "governance.html", workspace=str(ws.root),
                                period="2026-01", min_group_size=3)
    html = html_path.read_text(encoding="utf-8")
    assert "Money and governance" in html and "Alerts" in html  # the section rendered
    assert "adoption reclaim" in html  # the caption points to the restricted output
    # the whole adoption report, governance section included
    assert "describe_headline" not in html  # code is hidden ...
    assert "Data behind this report" in html  # ... and the report's own tables are there
    leaked = sorted(s for s in secrets if s and s in html)
    assert not leaked
