"""Files without an optional column: a roster without ``department``, a catalogue without
``sanctioned``. Each used to crash the report; these tests reproduce the crashes.

The governance fixture organisation (tests/fixtures/governance) is ingested with the column cut
out of its roster or tools file, as a user whose HR or IT export lacks it would.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

import adoption
from adoption.metrics.adoption import NO_DEPARTMENT

FIXTURES = Path(__file__).parent / "fixtures" / "governance"


def _without(column: str, name: str, folder: Path) -> Path:
    """The fixture file ``name`` with ``column`` cut out, written to ``folder``."""
    with (FIXTURES / name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = folder / name
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, [c for c in rows[0] if c != column])
        writer.writeheader()
        writer.writerows({k: v for k, v in r.items() if k != column} for r in rows)
    return out


def _workspace(tmp_path: Path, *, cut: tuple[str, str], also: tuple[str, str] | None = None
               ) -> adoption.Workspace:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cuts = dict([cut[::-1], *([also[::-1]] if also else [])])  # file -> column
    files = [_without(cuts[n], n, inbox) if n in cuts else FIXTURES / n
             for n in ("roster.csv", "tools.csv", "seats.csv", "usage.csv")]
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(
        time_zone="Europe/Berlin", min_group_size=3))
    results = adoption.ingest_files(ws, files)
    assert [r.rows_rejected for r in results] == [0, 0, 0, 0]
    return ws


@pytest.fixture
def no_department(tmp_path) -> adoption.Workspace:
    return _workspace(tmp_path, cut=("department", "roster.csv"))


@pytest.fixture
def no_sanctioned(tmp_path) -> adoption.Workspace:
    return _workspace(tmp_path, cut=("sanctioned", "tools.csv"))


def test_readme_change_example_works_without_a_department_column(no_department):
    # the README's example: ws.person_periods("month") then compute_adoption_change; it
    # raised "Cannot setitem on a Categorical with a new category" (the department column,
    # categorical, was all missing); everyone is now under the one label "(no department)"
    pp = no_department.person_periods("month")
    assert isinstance(pp["department"].dtype, pd.CategoricalDtype)
    assert set(pp["department"]) == {NO_DEPARTMENT}
    change = adoption.compute_adoption_change(pp, by="team", period="2026-01",
                                              comparison_period="2025-12", min_group_size=3)
    assert set(change["department"]) == {NO_DEPARTMENT}
    # hand count of tests/fixtures/governance/roster.csv: teams Alpha, Beta, Gamma
    assert sorted(change["team"]) == ["Alpha", "Beta", "Gamma"]
    by_dept = adoption.compute_adoption_change(pp, by="department", period="2026-01",
                                               comparison_period="2025-12", min_group_size=3)
    assert by_dept["department"].tolist() == [NO_DEPARTMENT]


def test_adoption_report_content_builds_without_a_department_column(no_department):
    from adoption.report.content import build_adoption_report

    report = build_adoption_report(no_department, period="2026-01")
    assert set(report.teams["department"].dropna()) <= {NO_DEPARTMENT}
    assert len(report.teams) > 0


def test_governance_section_builds_without_a_sanctioned_column(no_sanctioned):
    # the catalogue's is_sanctioned is NULL for every tool and the settings list none: the
    # workspace says nothing about sanctioning (adoption.discovery.sanctioning: "unknown"). It
    # crashed the shadow AI status ("boolean value of NA is ambiguous"); now no tool is
    # sanctioned by the catalogue, and the tools table shows "not stated"
    from adoption.discovery.evidence import service_status
    from adoption.governance import build_governance_section
    from adoption.governance.display import format_tools_table

    with no_sanctioned.store(read_only=True) as store:
        flags = store.query("SELECT tool, is_sanctioned FROM tools ORDER BY tool")
    assert flags["is_sanctioned"].isna().all() and len(flags) == 3  # ChatGPT, Copilot, Cursor
    section = build_governance_section(no_sanctioned, period="2026-01")
    shown = format_tools_table(section).data.set_index("Tool")["Sanctioned"].drop("All tools")
    assert set(shown) == {"not stated"}
    assert section.tools["is_sanctioned"].isna().all()
    status = service_status(no_sanctioned)
    # no catalogue tool is sanctioned, so no service is sanctioned through a tool
    assert "sanctioned" not in set(status["status"])


def test_a_tool_listed_in_the_settings_is_sanctioned_even_when_the_catalogue_is_silent(
        tmp_path):
    # adoption.discovery.sanctioning: once the settings list a tool, every other tool is
    # unsanctioned (not "not stated")
    ws = _workspace(tmp_path, cut=("sanctioned", "tools.csv"))
    text = ws.config_path.read_text(encoding="utf-8")
    ws.config_path.write_text(text + '\n[governance]\nsanctioned = ["Copilot"]\n',
                              encoding="utf-8")
    ws = adoption.open_workspace(ws.root)
    from adoption.governance import build_governance_section
    from adoption.governance.display import format_tools_table

    section = build_governance_section(ws, period="2026-01")
    shown = (format_tools_table(section).data.set_index("Tool")["Sanctioned"]
             .drop("All tools").to_dict())
    assert shown["Copilot"] == "yes"
    assert {v for k, v in shown.items() if k != "Copilot"} == {"no"}


def test_adoption_report_renders_without_department_and_sanctioned_columns(tmp_path, capsys,
                                                                          clean_env):
    # the command a user runs: `adoption report` failed in the notebook's cells 4 and 5
    from adoption.cli import main

    ws = _workspace(tmp_path, cut=("department", "roster.csv"), also=("sanctioned", "tools.csv"))
    code = main(["report", "--workspace", str(ws.root), "--period", "2026-01"])
    assert code == 0, capsys.readouterr().err
    html = (ws.reports_dir / "adoption_2026-01.html").read_text(encoding="utf-8")
    assert "not stated" in html and NO_DEPARTMENT in html


def test_change_of_a_categorical_frame_with_missing_departments():
    # the frame as the store gave it before the canonical layer labelled missing departments:
    # categorical, all missing (the cause of the crash, whoever builds such a frame)
    rows = [(period, f"p{i}", "Alpha", active) for period, active in (("2026-01", False),
                                                                      ("2026-02", True))
            for i in range(6)]
    pp = pd.DataFrame(rows, columns=["period", "person_id", "team", "is_active"])
    pp["department"] = pd.Categorical([None] * len(pp), categories=["Eng"])
    for col in ("period", "person_id", "team"):
        pp[col] = pp[col].astype("category")
    out = adoption.compute_adoption_change(pp, by="team", period="2026-02",
                                           comparison_period="2026-01", min_group_size=5)
    # hand count: 6 people paired, none active in January, all in February
    assert out[["department", "team", "n_paired", "difference"]].values.tolist() == [
        [NO_DEPARTMENT, "Alpha", 6, 1.0]]
