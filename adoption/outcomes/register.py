"""The use-case register: which AI use cases there are, who owns them (roles), which tools and
teams they involve, when they rolled out, and which outcome KPIs they should move.

The register is a file people write in the workspace folder, ``usecases.yaml`` (or
``usecases.csv``, one row per use case x KPI: :mod:`adoption.outcomes.register_csv`); the
README's "Use cases and outcomes" shows the format, ``tests/fixtures/outcomes/`` has examples::

    use_cases:
      - name: Support ticket triage
        business_owner: Head of Customer Support      # a role, never a person
        it_owner: Service desk platform lead
        tools: [ChatGPT Enterprise]                    # as in the tools catalogue
        teams: [Support EMEA, Support Americas]        # as in the roster, or "all"
        rollout: {Support EMEA: 2026-03-01, Support Americas: 2026-06-01}   # or one date
        status: live                                   # idea pilot rollout live paused retired
        review_date: 2026-12-31
        kpis:
          - name: ticket_resolution_hours              # the outcome files' kpi
            direction: down                            # down: lower is better; up: higher
            unit: hours
            baseline: 30.0
            target: 24.0
            target_date: 2026-12-31

Two levels of checking:

- :func:`load_register` reads and validates the file on its own (structure, owners, dates,
  units, directions, duplicates; :func:`adoption.outcomes.validation.validate_register`) and
  raises one :class:`~adoption.errors.InputError` listing every problem. It does not need the
  roster, which may arrive later; teams and tools are not checked against the data here.
- :func:`check_register` also checks the register against the workspace: teams against the
  roster's team names (:func:`adoption.canonical.membership.load_group_labels`), tools against
  the known tools (:func:`adoption.canonical.load_tool_names`: catalogue, seats, activity),
  and each KPI's unit against the unit its outcome data has. ``adoption usecases check`` runs
  it. Teams and tools are not checked before a roster and tools are loaded (it says so).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from adoption.errors import InputError, WorkspaceError
from adoption.outcomes.data import find_unknown_outcome_teams, load_outcomes
from adoption.outcomes.document import (
    HELP,
    known_tools,
    parse_register,
    read_register_document,
    register_path,
    roster_teams,
)
from adoption.outcomes.model import ALL_TEAMS, Register, RegisterProblem
from adoption.outcomes.validation import validate_register
from adoption.workspace import Workspace, as_workspace

__all__ = [
    "RegisterCheck",
    "check_register",
    "load_register",
    "run_register_check",
    "validate_register",
]


def _raise(path: Path, problems: list[RegisterProblem]) -> None:
    listed = "\n".join(f"  - {p}" for p in problems)
    raise InputError(
        f"{path.name}: the use-case register has {len(problems)} problem(s):\n{listed}\n"
        f"Fix them and try again (`adoption usecases check` lists them). {HELP}")


def load_register(source: Workspace | str | os.PathLike[str], *,
                  teams: Collection[str] | None = None) -> Register:
    """Read and validate a use-case register.

    Parameters
    ----------
    source : Workspace, or path of a workspace folder or of the register file
        A workspace's register is its ``usecases.yaml`` (else ``usecases.yml``, else
        ``usecases.csv``: :attr:`adoption.workspace.Workspace.usecases_path`).
    teams : collection of str, optional
        The roster's team names, for ``teams: all``; by default those of the workspace's
        roster when a use case says ``all`` (none: it stays ``("all",)``).

    Returns
    -------
    Register

    Raises
    ------
    RegisterNotFoundError
        There is no register file (also a ``FileNotFoundError``).
    InputError
        The file is not valid: the message lists every problem, each with the use case, the
        field, the value found and how to fix it. Teams and tools are not checked against
        the workspace's data here (see :func:`adoption.outcomes.check_register`).
    """
    path, ws = register_path(source)
    data, problems = read_register_document(path)
    if data is not None or not problems:
        problems += validate_register(data, file=path.name)
    if problems:
        _raise(path, problems)
    if teams is None and ws is not None and _says_all(data):
        try:
            teams = roster_teams(ws)
        except (WorkspaceError, duckdb.Error):  # a store to rebuild first, or held open
            teams = None  # for writing by this process: 'all' stays as it is
    return parse_register(data, path=path, teams=teams)


def _says_all(data: Any) -> bool:
    return any(isinstance(uc, dict) and isinstance(uc.get("teams"), str)
               and uc["teams"].strip().casefold() == ALL_TEAMS
               for uc in (data or {}).get("use_cases") or [])


@dataclass(frozen=True)
class RegisterCheck:
    """What ``adoption usecases check`` found.

    Attributes
    ----------
    path : Path
    problems : list of RegisterProblem
    register : Register or None
        The register, when it has no problem.
    notes : list of str
        What was not checked, and findings that are not problems.
    """

    path: Path
    problems: list[RegisterProblem]
    register: Register | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """``3 use cases, 4 KPIs, 7 teams: no problems``, or the count of problems."""
        if self.register is not None:
            return f"{self.path.name}: {self.register.summary()}: no problems"
        return f"{self.path.name}: {len(self.problems)} problem(s)"


def _unit_problems(ws: Workspace, register_data: Register, file: str) -> list[RegisterProblem]:
    """A KPI whose register unit differs from the unit of its stored values."""
    stored = load_outcomes(ws)
    units = (stored.dropna(subset=["unit"]).groupby("kpi")["unit"].first().to_dict()
             if len(stored) else {})
    out = []
    for uc in register_data.use_cases:
        for j, kpi in enumerate(uc.kpis):
            have = units.get(kpi.name)
            if kpi.unit and have and kpi.unit.casefold() != str(have).casefold():
                out.append(RegisterProblem(
                    file, uc.name, f"kpis[{j}] ({kpi.name}).unit", kpi.unit,
                    f"the outcome data of this KPI is in {have!r}",
                    "Use the same unit as the outcome files (or convert them), so that the "
                    "baseline and target compare with the data."))
    return out


def run_register_check(workspace: Workspace | str | os.PathLike[str] | None, *,
                       path: str | os.PathLike[str] | None = None) -> RegisterCheck:
    """Check the register of ``workspace`` (or the file ``path``) against its data.

    Raises
    ------
    RegisterNotFoundError
        There is no register file.
    """
    ws = as_workspace(workspace)
    path = Path(path) if path is not None else ws.usecases_path
    data, problems = read_register_document(path)
    notes: list[str] = []
    if data is None and problems:
        return RegisterCheck(path, problems)
    try:
        teams, tools = roster_teams(ws), known_tools(ws)
    except WorkspaceError as e:  # a store to rebuild first: check the file alone
        teams = tools = None
        notes.append(f"teams and tools not checked: {e}")
    else:
        if teams is None:
            notes.append("teams not checked: no roster loaded yet")
        if tools is None:
            notes.append("tools not checked: no tools catalogue, seats or usage loaded yet")
    problems += validate_register(data, teams=teams, tools=tools, file=path.name)
    if problems:
        return RegisterCheck(path, problems, notes=notes)
    register = parse_register(data, path=path, teams=teams)
    problems = _unit_problems(ws, register, path.name)
    if problems:
        return RegisterCheck(path, problems, notes=notes)
    stored = set(load_outcomes(ws)["kpi"])
    missing = [k for k in register.kpi_names if k not in stored]
    if missing:
        notes.append(f"KPI(s) without outcome data yet: {', '.join(missing)} (ingest a file "
                     "with these names in its kpi column)")
    if teams is not None:
        unknown = find_unknown_outcome_teams(ws)
        if unknown:
            notes.append(f"outcome data of team(s) the roster does not have (kept): "
                         f"{', '.join(unknown)}")
    return RegisterCheck(path, [], register, notes)


def check_register(workspace: Workspace | str | os.PathLike[str] | None, *,
                   path: str | os.PathLike[str] | None = None) -> list[RegisterProblem]:
    """Every problem of the workspace's use-case register, checked against its data.

    Besides the file's own problems (:func:`adoption.outcomes.validate_register`): teams
    not in the roster, tools not known (catalogue, seats or activity), and a KPI unit other
    than the unit of its stored outcome values. Teams (tools) are not checked before a
    roster (any tool) is loaded.

    Parameters
    ----------
    workspace : Workspace or workspace path
    path : path-like, optional
        Another register file to check against the workspace (default its own).

    Returns
    -------
    list of RegisterProblem
        Empty when the register is fine.

    Raises
    ------
    RegisterNotFoundError
        There is no register file.
    """
    return run_register_check(workspace, path=path).problems
