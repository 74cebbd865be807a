"""The use-case register: the example files load, every problem is named with its field and
the value found, and ``adoption usecases check`` says OK or lists every problem (exit 2).

The examples are ``tests/fixtures/outcomes/usecases.yaml`` and ``usecases.csv`` (the same
register), over the fixture roster (7 teams, 3 people each) and tools catalogue there.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

import adoption
from adoption.cli import main
from adoption.errors import InputError, RegisterNotFoundError
from adoption.outcomes import (
    check_register,
    load_register,
    run_register_check,
    validate_register,
)

FIXTURES = Path(__file__).parent / "fixtures" / "outcomes"
TEAMS = ["Support EMEA", "Support Americas", "Engineering Platform", "Engineering Apps",
         "Data Platform", "Sales DACH", "Sales Nordics"]  # the fixture roster's teams
TOOLS = ["ChatGPT Enterprise", "GitHub Copilot", "Microsoft 365 Copilot"]  # its tools.csv


def _document() -> dict:
    return yaml.safe_load((FIXTURES / "usecases.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def roster_ws(tmp_path) -> adoption.Workspace:
    """A workspace with the fixture roster and tools catalogue, and no register yet."""
    ws = adoption.init_workspace(tmp_path / "ws")
    adoption.ingest_files(ws, [FIXTURES / "roster.csv", FIXTURES / "tools.csv"])
    return ws


def test_the_example_register_loads_with_every_field():
    reg = load_register(FIXTURES / "usecases.yaml")
    # the fixture lists 3 use cases with 2 + 1 + 1 KPIs and 2 + 3 + 2 distinct teams
    assert reg.summary() == "3 use cases, 4 KPIs, 7 teams"
    triage = reg.use_case("Support ticket triage")
    assert triage.business_owner == "Head of Customer Support"
    assert triage.tools == ("ChatGPT Enterprise",) and triage.status == "live"
    assert triage.rollout == {"Support EMEA": dt.date(2026, 3, 1),
                              "Support Americas": dt.date(2026, 6, 1)}
    assert triage.review_date == dt.date(2026, 12, 31)
    kpi = triage.kpis[0]
    assert (kpi.name, kpi.direction, kpi.unit, kpi.baseline, kpi.target, kpi.target_date) == (
        "ticket_resolution_hours", "down", "hours", 30.0, 24.0, dt.date(2026, 12, 31))
    review = reg.use_case("Code review assistant")  # one rollout date: given to each team
    assert review.rollout == dict.fromkeys(
        ["Engineering Platform", "Engineering Apps", "Data Platform"], dt.date(2026, 2, 1))
    assert reg.use_case("Sales proposal drafting").rollout == {}
    assert reg.kpi_names == ["ticket_resolution_hours", "csat", "cycle_time_days",
                             "revenue_per_fte"]


def test_the_csv_register_is_the_same_register():
    from_yaml = load_register(FIXTURES / "usecases.yaml")
    from_csv = load_register(FIXTURES / "usecases.csv")
    # the CSV example has no description column; everything else is the same
    expected = tuple(dataclasses.replace(uc, description=None) for uc in from_yaml.use_cases)
    assert from_csv.use_cases == expected


def _set(doc: dict, path: str, value) -> dict:
    """A copy of ``doc`` with ``path`` (``0.business_owner``, ``0.kpis.0.unit``) set; the
    value ``DELETE`` removes the key."""
    doc = copy.deepcopy(doc)
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    node = doc["use_cases"]
    for k in keys[:-1]:
        node = node[k]
    if value == "DELETE":
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return doc


# (change, expected field, expected value found, words of the message)
PROBLEMS = [
    ("0.business_owner", "DELETE", "business_owner", None, "business_owner is missing"),
    ("0.it_owner", "   ", "it_owner", "   ", "it_owner is missing"),
    ("0.business_owner", "jane.doe@example.com", "business_owner", "jane.doe@example.com",
     "e-mail address; owners are roles"),
    ("0.it_owner", "Platform lead (max.m@corp.example.org)", "it_owner",
     "Platform lead (max.m@corp.example.org)", "e-mail"),
    ("1.teams", ["Engineering Platform", "Engineering Aps"], "teams[1]", "Engineering Aps",
     "Did you mean 'Engineering Apps'"),
    ("0.tools", ["ChatGPT Enterprize"], "tools[0]", "ChatGPT Enterprize",
     "Did you mean 'ChatGPT Enterprise'"),
    ("0.kpis.0.unit", "DELETE", "kpis[0] (ticket_resolution_hours).unit", None,
     "a baseline and a target without a unit"),
    ("2.kpis.0.direction", "higher", "kpis[0] (revenue_per_fte).direction", "higher",
     "direction is not up or down"),
    ("2.kpis.0.direction", "DELETE", "kpis[0] (revenue_per_fte).direction", None,
     "direction is missing"),
    ("0.review_date", "2026-13-01", "review_date", "2026-13-01", "not a date"),
    ("0.kpis.1.target_date", "end of year", "kpis[1] (csat).target_date", "end of year",
     "not a date"),
    ("0.rollout", {"Support EMEA": "soon"}, "rollout.Support EMEA", "soon", "not a date"),
    ("1.rollout", "Q1", "rollout", "Q1", "not a date"),
    ("0.rollout", {"Support APAC": dt.date(2026, 3, 1)}, "rollout.Support APAC",
     "Support APAC", "names a team the use case does not list"),
    ("1.status", "done", "status", "done", "not one of the life-cycle stages"),
    ("0.kpis.0.target", 36.0, "kpis[0] (ticket_resolution_hours).target", 36.0,
     "wrong side of the baseline 30: lower is better"),
    ("0.kpis.0.baseline", "thirty", "kpis[0] (ticket_resolution_hours).baseline", "thirty",
     "not a number"),
    ("0.buisness_owner", "Head of Support", "buisness_owner", None,
     "Did you mean 'business_owner'"),
    ("0.tools", "DELETE", "tools", None, "tools is missing"),
    ("0.teams", [], "teams", [], "teams is missing"),
    ("1.name", "Support ticket triage", "name", "Support ticket triage",
     "two use cases are called 'Support ticket triage'"),
]


@pytest.mark.parametrize(("path", "value", "field", "found", "words"), PROBLEMS,
                         ids=[f"{p[0]}={p[1]!r}" for p in PROBLEMS])
def test_each_problem_names_the_field_and_the_value(path, value, field, found, words):
    doc = _set(_document(), path, value)
    problems = validate_register(doc, teams=TEAMS, tools=TOOLS)
    assert len(problems) == 1, [str(p) for p in problems]
    (p,) = problems
    assert (p.field, p.value) == (field, found)
    assert words in str(p)
    assert p.fix  # every problem says how to fix it
    if found is not None:
        assert repr(found) in str(p)  # the value found is in the message


def test_a_kpi_listed_twice_and_a_baseline_without_unit():
    doc = _document()
    doc["use_cases"][1]["kpis"].append(dict(doc["use_cases"][1]["kpis"][0]))
    doc["use_cases"][2]["kpis"][0].pop("unit")
    doc["use_cases"][2]["kpis"][0].pop("target")
    fields = {p.field: str(p) for p in validate_register(doc)}
    assert "lists this KPI twice" in fields["kpis[1] (cycle_time_days).name"]
    assert "a baseline without a unit" in fields["kpis[0] (revenue_per_fte).unit"]


def test_the_valid_example_has_no_problem_and_teams_and_tools_are_checked_only_if_given():
    assert validate_register(_document(), teams=TEAMS, tools=TOOLS) == []
    doc = _set(_document(), "0.teams", ["Support EMEA", "Nobody's Team"])
    doc = _set(doc, "0.rollout", "DELETE")
    assert validate_register(doc) == []  # without the roster's teams: not checked
    assert [p.field for p in validate_register(doc, teams=TEAMS)] == ["teams[1]"]


def test_load_register_raises_one_error_listing_every_problem(tmp_path):
    doc = _set(_document(), "0.business_owner", "ann@example.com")
    doc = _set(doc, "2.status", "finished")
    path = tmp_path / "usecases.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_register(path)
    text = str(err.value)
    assert "2 problem(s)" in text and "'ann@example.com'" in text and "'finished'" in text
    assert "adoption usecases check" in text


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "usecases.yaml"
    path.write_text("use_cases:\n  - name: Triage\n    business_owner: Head of Support\n"
                    "   it_owner: Desk lead\n", encoding="utf-8")  # line 4 is indented wrong
    with pytest.raises(InputError, match=r"line 4, column \d+: not valid YAML"):
        load_register(path)
    (problem,) = check_register(adoption.init_workspace(tmp_path / "ws"), path=path)
    assert problem.field.startswith("line 4")


def test_a_missing_register_is_a_file_not_found(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws")
    with pytest.raises(RegisterNotFoundError, match="usecases.yaml"):
        load_register(ws)
    with pytest.raises(FileNotFoundError):  # what callers without the register catch
        load_register(ws)


def test_the_workspace_register_is_found_as_yaml_or_csv(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws")
    assert ws.usecases_path == ws.root / "usecases.yaml"
    shutil.copy(FIXTURES / "usecases.csv", ws.root / "usecases.csv")
    assert ws.usecases_path == ws.root / "usecases.csv"
    assert len(load_register(ws).use_cases) == 3
    assert len(load_register(ws.root).use_cases) == 3  # the workspace folder's path


def test_teams_all_are_the_roster_teams_when_a_roster_is_loaded(roster_ws, tmp_path):
    doc = _set(_document(), "2.teams", "all")
    doc = _set(doc, "2.rollout", dt.date(2026, 4, 1))
    path = roster_ws.root / "usecases.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    sales = load_register(roster_ws).use_case("Sales proposal drafting")
    assert sales.all_teams and sales.teams == tuple(sorted(TEAMS))
    assert sales.rollout == dict.fromkeys(sorted(TEAMS), dt.date(2026, 4, 1))
    alone = load_register(path.rename(tmp_path / "usecases.yaml"))  # outside the workspace
    assert alone.use_case("Sales proposal drafting").teams == ("all",)


def test_check_register_checks_teams_tools_and_units_against_the_workspace(roster_ws):
    shutil.copy(FIXTURES / "usecases.yaml", roster_ws.root / "usecases.yaml")
    assert check_register(roster_ws) == []
    doc = _set(_document(), "1.teams", ["Engineering Platform", "Engineering Ops"])
    doc = _set(doc, "1.rollout", "DELETE")
    doc = _set(doc, "2.tools", ["Copilot Studio"])
    (roster_ws.root / "usecases.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    found = {(p.use_case, p.field, p.value) for p in check_register(roster_ws)}
    assert found == {("Code review assistant", "teams[1]", "Engineering Ops"),
                     ("Sales proposal drafting", "tools[0]", "Copilot Studio")}
    # the outcome data of cycle_time_days is in hours: the register's days do not match
    kpis = roster_ws.root.parent / "cycle.csv"
    kpis.write_text("team,period,kpi,value,unit\nEngineering Platform,2026-01,cycle_time_days,"
                    "150,hours\n", encoding="utf-8")
    adoption.ingest_file(roster_ws, kpis)
    shutil.copy(FIXTURES / "usecases.yaml", roster_ws.root / "usecases.yaml")
    (p,) = check_register(roster_ws)
    assert (p.field, p.value) == ("kpis[0] (cycle_time_days).unit", "days")
    assert "'hours'" in p.problem


def test_check_before_any_roster_says_teams_were_not_checked(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws")
    shutil.copy(FIXTURES / "usecases.yaml", ws.root / "usecases.yaml")
    result = run_register_check(ws)
    assert result.ok and "teams not checked: no roster loaded yet" in result.notes


def test_csv_register_problems_name_their_rows(tmp_path):
    path = tmp_path / "usecases.csv"
    path.write_text(
        "use_case,business_owner,it_owner,tools,teams,status,kpi,direction,unit,target,colour\n"
        "Triage,Head of Support,Desk lead,ChatGPT Enterprise,Support EMEA,live,"
        "ticket_resolution_hours,down,hours,24,\n"
        "Triage,Head of Service,,,,,csat,sideways,,4.4,\n", encoding="utf-8")
    problems = {p.field: p for p in check_register(adoption.init_workspace(tmp_path / "ws"),
                                                  path=path)}
    assert problems["colour"].problem == "unknown column"
    assert problems["business_owner (row 2)"].value == "Head of Service"
    assert "row 1 gives 'Head of Support'" in problems["business_owner (row 2)"].problem
    assert problems["kpis[1] (csat).direction (row 2)"].value == "sideways"
    assert "a target without a unit" in str(problems["kpis[1] (csat).unit (row 2)"])


def _cli(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_cli_check_says_ok_in_one_line(roster_ws, capsys):
    shutil.copy(FIXTURES / "usecases.yaml", roster_ws.root / "usecases.yaml")
    code, out = _cli(capsys, "usecases", "check", "--workspace", str(roster_ws.root))
    assert code == 0
    assert out.splitlines()[0] == "usecases.yaml: 3 use cases, 4 KPIs, 7 teams: no problems"


def test_cli_check_lists_every_problem_and_exits_2(roster_ws, capsys):
    doc = _set(_document(), "0.it_owner", "desk.lead@example.com")
    doc = _set(doc, "1.teams", ["Engineering Platform", "Platform Eng"])
    doc = _set(doc, "1.rollout", "DELETE")
    (roster_ws.root / "usecases.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    code, out = _cli(capsys, "usecases", "check", "-w", str(roster_ws.root))
    assert code == 2
    assert "usecases.yaml: 2 problem(s):" in out
    assert "'desk.lead@example.com'" in out and "'Platform Eng'" in out


def test_cli_check_of_a_file_outside_a_workspace(tmp_path, capsys, clean_env, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not a workspace
    code, out = _cli(capsys, "usecases", "check", "--file", str(FIXTURES / "usecases.csv"))
    assert code == 0 and "usecases.csv: 3 use cases, 4 KPIs, 7 teams: no problems" in out
    assert "teams and tools not checked: no workspace" in out
    bad = tmp_path / "usecases.yaml"
    bad.write_text("use_cases:\n  - name: [unclosed\n", encoding="utf-8")
    code, out = _cli(capsys, "usecases", "check", "--file", str(bad))
    assert code == 2 and "not valid YAML" in out and "line 3" in out


def test_cli_check_without_a_register_exits_2(roster_ws, capsys):
    code, out = _cli(capsys, "usecases", "check", "-w", str(roster_ws.root))
    assert code == 2 and "no use-case register" in out
    code, out = _cli(capsys, "usecases")
    assert code == 2 and "check" in out  # the subcommand's help
