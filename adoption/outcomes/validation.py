"""Validate a use-case register document: every problem at once, each with where, what was
found and how to fix it (:func:`validate_register`).

The document is the parsed YAML (``{"use_cases": [...]}``), or a CSV register turned into the
same shape (:mod:`adoption.outcomes.register_csv`, whose entries carry their row numbers).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection
from typing import Any

from adoption.errors import suggestion
from adoption.outcomes.model import ALL_TEAMS, DIRECTIONS, STATUSES, RegisterProblem

__all__ = ["KPI_KEYS", "ROW_KEY", "TOP_KEYS", "USE_CASE_KEYS", "as_date", "as_number",
           "validate_register"]

TOP_KEYS = ("use_cases", "title", "description", "version")
USE_CASE_KEYS = ("name", "description", "business_owner", "it_owner", "tools", "teams",
                 "rollout", "status", "review_date", "kpis")
KPI_KEYS = ("name", "direction", "unit", "baseline", "target", "target_date", "unit_value")
#: Keys a CSV register's entries carry for messages (never written by people).
ROW_KEY = "_row"

_EMAIL = re.compile(r"[^@\s<>(),;:]+@[^@\s<>(),;:]+\.[A-Za-z]{2,}")


def as_date(value: Any) -> dt.date | None:
    """A date from YAML (a date, or an ISO ``YYYY-MM-DD`` string); None if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def as_number(value: Any) -> float | None:
    """A finite number (not a boolean); None if ``value`` is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _names(value: Any) -> list[Any] | None:
    """A list of names (a single string is a list of one); None if it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return value
    return None


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.out: list[RegisterProblem] = []

    def add(self, use_case: str | None, where: str, value: Any, problem: str, fix: str,
            row: Any = None) -> None:
        if row is not None:
            where = f"{where} (row {row})"
        self.out.append(RegisterProblem(self.file, use_case, where, value, problem, fix))


def _known(name: str, known: Collection[str] | None, what: str, source: str) -> str | None:
    """Why ``name`` is not among ``known`` (with a 'did you mean'), or None if it is."""
    if known is None or name in known:
        return None
    close = suggestion(name, sorted(known))
    hint = f"Did you mean {close!r}? " if close else ""
    return f"{hint}Use the {what} as {source} names it (it knows {len(known)})"


def validate_register(data: Any, *, teams: Collection[str] | None = None,
                      tools: Collection[str] | None = None,
                      file: str = "usecases.yaml") -> list[RegisterProblem]:
    """Every problem of a use-case register document (empty list: it is valid).

    Parameters
    ----------
    data : Any
        The parsed register (``{"use_cases": [...]}``).
    teams : collection of str, optional
        The roster's team names: a team not among them is a problem (not checked if None).
    tools : collection of str, optional
        The known tool names (catalogue, seats, usage): likewise.
    file : str
        The file name the problems name.

    Returns
    -------
    list of RegisterProblem
        Missing or blank owners, an owner that is an e-mail address (owners are roles),
        unknown teams and tools, a status or direction outside the allowed values, dates
        that are not dates, a baseline or target without a unit or that is not a number, a
        target on the wrong side of the baseline, duplicate use-case or KPI names, a rollout
        naming a team the use case does not list, and unknown keys (typos).
    """
    c = _Collector(file)
    if data is None:
        data = {"use_cases": []}
    if not isinstance(data, dict) or "use_cases" not in data:
        c.add(None, "use_cases", type(data).__name__ if not isinstance(data, dict) else None,
              "a register is a mapping with a list 'use_cases'",
              "Start the file with 'use_cases:' (see the README's 'Use cases and outcomes').")
        return c.out
    for key in data:
        if key not in TOP_KEYS:
            c.add(None, str(key), None, "unknown key at the top of the register",
                  f"Known keys: {list(TOP_KEYS)}; each use case goes under 'use_cases'.")
    cases = data.get("use_cases") or []
    if not isinstance(cases, list):
        c.add(None, "use_cases", type(cases).__name__, "use_cases is a list of use cases",
              "Write each use case as a list entry starting with '- name: ...'.")
        return c.out
    seen: dict[str, str] = {}
    for i, uc in enumerate(cases):
        label = f"#{i + 1}"
        if not isinstance(uc, dict):
            c.add(label, "use_cases", uc, "a use case is a mapping (name, owners, tools, ...)",
                  "Write it as '- name: ...' with its fields indented below.")
            continue
        name = uc.get("name")
        row = uc.get(ROW_KEY)
        if _blank(name) or not isinstance(name, str):
            c.add(label, "name", name, "every use case needs a name",
                  "Give it a short unique name, e.g. 'Support ticket triage'.", row)
        else:
            label = name.strip()
            key = " ".join(label.casefold().split())
            if key in seen:
                c.add(label, "name", name, f"two use cases are called {seen[key]!r}",
                      "Give each use case its own name (or merge the two).", row)
            seen[key] = label
        _use_case(c, label, uc, teams, tools)
    return c.out


def _use_case(c: _Collector, label: str, uc: dict, teams: Collection[str] | None,
              tools: Collection[str] | None) -> None:
    row = uc.get(ROW_KEY)
    for key in uc:
        if key not in (*USE_CASE_KEYS, ROW_KEY):
            close = suggestion(str(key), list(USE_CASE_KEYS))
            c.add(label, str(key), None, "unknown key",
                  (f"Did you mean {close!r}? " if close else "") +
                  f"A use case has {list(USE_CASE_KEYS)}.", row)
    for owner in ("business_owner", "it_owner"):
        value = uc.get(owner)
        if _blank(value):
            c.add(label, owner, value, f"{owner} is missing",
                  "Name the accountable role, e.g. 'Head of Customer Support' (a role, "
                  "never a person).", row)
        elif not isinstance(value, str):
            c.add(label, owner, value, f"{owner} is a role's title (text)",
                  "Write the role, e.g. 'Service desk platform lead'.", row)
        elif _EMAIL.search(value):
            c.add(label, owner, value, "looks like a person's e-mail address; owners are roles",
                  "Write the role instead (e.g. 'Head of Customer Support'), so that the "
                  "register stays right when people change jobs and names no one.", row)
    _tools(c, label, uc, tools, row)
    listed = _teams(c, label, uc, teams, row)
    _rollout(c, label, uc, listed, teams, row)
    status = uc.get("status")
    if _blank(status):
        c.add(label, "status", status, "status is missing",
              f"Use one of {list(STATUSES)}.", row)
    elif not isinstance(status, str) or status.strip().casefold() not in STATUSES:
        c.add(label, "status", status, "status is not one of the life-cycle stages",
              f"Use one of {list(STATUSES)}.", row)
    review = uc.get("review_date")
    if review is not None and as_date(review) is None:
        c.add(label, "review_date", review, "review_date is not a date",
              "Write a date as YYYY-MM-DD, e.g. 2026-12-31.", row)
    kpis = uc.get("kpis")
    if kpis is None:
        return
    if not isinstance(kpis, list):
        c.add(label, "kpis", type(kpis).__name__, "kpis is a list of KPIs",
              "Write each KPI as a list entry starting with '- name: ...'.", row)
        return
    names: set[str] = set()
    for j, kpi in enumerate(kpis):
        _kpi(c, label, j, kpi, names)


def _tools(c: _Collector, label: str, uc: dict, tools: Collection[str] | None,
           row: Any) -> None:
    value = uc.get("tools")
    listed = _names(value)
    if _blank(value) or listed == []:
        c.add(label, "tools", value, "tools is missing",
              "List the tools the use case runs on, e.g. [ChatGPT Enterprise].", row)
        return
    if listed is None:
        c.add(label, "tools", value, "tools is a list of tool names",
              "Write e.g. tools: [ChatGPT Enterprise, Microsoft 365 Copilot].", row)
        return
    for k, tool in enumerate(listed):
        if _blank(tool) or not isinstance(tool, str):
            c.add(label, f"tools[{k}]", tool, "a tool name is empty or not text",
                  "Write the tool's name as in the tools catalogue.", row)
            continue
        why = _known(tool.strip(), tools, "tool's name", "the tools catalogue")
        if why:
            c.add(label, f"tools[{k}]", tool, "unknown tool", why +
                  ", or ingest the tool's catalogue entry or export first.", row)


def _teams(c: _Collector, label: str, uc: dict, teams: Collection[str] | None,
           row: Any) -> set[str] | None:
    """Check ``teams``; the team names listed (None for ``all`` or when unusable)."""
    value = uc.get("teams")
    if isinstance(value, str) and value.strip().casefold() == ALL_TEAMS:
        return None
    listed = _names(value)
    if _blank(value) or listed == []:
        c.add(label, "teams", value, "teams is missing",
              "List the teams (as the roster names them) or write 'teams: all'.", row)
        return None
    if listed is None:
        c.add(label, "teams", value, "teams is a list of team names or 'all'",
              "Write e.g. teams: [Support EMEA, Support Americas].", row)
        return None
    out: set[str] = set()
    for k, team in enumerate(listed):
        if _blank(team) or not isinstance(team, str):
            c.add(label, f"teams[{k}]", team, "a team name is empty or not text",
                  "Write the team's name as the roster names it.", row)
            continue
        team = team.strip()
        if team in out:
            c.add(label, f"teams[{k}]", team, "the team is listed twice", "List it once.",
                  row)
        out.add(team)
        why = _known(team, teams, "team's name", "the roster")
        if why:
            c.add(label, f"teams[{k}]", team, "unknown team", why +
                  " (team names are case-sensitive), or ingest the roster that has it.", row)
    return out


def _rollout(c: _Collector, label: str, uc: dict, listed: set[str] | None,
             teams: Collection[str] | None, row: Any) -> None:
    value = uc.get("rollout")
    if value is None:
        return
    if not isinstance(value, dict):
        if as_date(value) is None:
            c.add(label, "rollout", value, "rollout is not a date, nor a date per team",
                  "Write one date for all teams (rollout: 2026-03-01) or one per team "
                  "(rollout: {Support EMEA: 2026-03-01}).", row)
        return
    all_teams = isinstance(uc.get("teams"), str) and uc["teams"].strip().casefold() == ALL_TEAMS
    for team, day in value.items():
        where = f"rollout.{team}"
        if as_date(day) is None:
            c.add(label, where, day, "the rollout date is not a date",
                  "Write a date as YYYY-MM-DD, e.g. 2026-03-01.", row)
        name = str(team).strip()
        if listed is not None and name not in listed:
            close = suggestion(name, sorted(listed))
            c.add(label, where, team, "the rollout names a team the use case does not list",
                  (f"Did you mean {close!r}? " if close else "") +
                  f"Add it to teams, or correct the name (teams: {sorted(listed)}).", row)
        elif all_teams:
            why = _known(name, teams, "team's name", "the roster")
            if why:
                c.add(label, where, team, "the rollout names a team not in the roster", why +
                      ".", row)


def _kpi(c: _Collector, label: str, j: int, kpi: Any, names: set[str]) -> None:
    at = f"kpis[{j}]"
    if not isinstance(kpi, dict):
        c.add(label, at, kpi, "a KPI is a mapping (name, direction, unit, ...)",
              "Write it as '- name: ...' with its fields indented below.")
        return
    row = kpi.get(ROW_KEY)
    for key in kpi:
        if key not in (*KPI_KEYS, ROW_KEY):
            close = suggestion(str(key), list(KPI_KEYS))
            c.add(label, f"{at}.{key}", None, "unknown key",
                  (f"Did you mean {close!r}? " if close else "") +
                  f"A KPI has {list(KPI_KEYS)}.", row)
    name = kpi.get("name")
    if _blank(name) or not isinstance(name, str):
        c.add(label, f"{at}.name", name, "every KPI needs a name",
              "Use the name of the KPI in the outcome files' 'kpi' column, e.g. "
              "ticket_resolution_hours.", row)
    else:
        at = f"kpis[{j}] ({name.strip()})"
        if name.strip() in names:
            c.add(label, f"{at}.name", name, "the use case lists this KPI twice",
                  "List each KPI once.", row)
        names.add(name.strip())
    direction = kpi.get("direction")
    if not isinstance(direction, str) or direction.strip().casefold() not in DIRECTIONS:
        c.add(label, f"{at}.direction", direction,
              "direction is missing" if direction is None else "direction is not up or down",
              "Write 'down' when lower is better (e.g. resolution time), 'up' when higher is "
              "better (e.g. CSAT).", row)
        direction = None
    else:
        direction = direction.strip().casefold()
    numbers: dict[str, float] = {}
    for key in ("baseline", "target", "unit_value"):
        value = kpi.get(key)
        if value is None:
            continue
        number = as_number(value)
        if number is None:
            c.add(label, f"{at}.{key}", value, f"{key} is not a number",
                  f"Write the {key} as a plain number in the KPI's unit, e.g. 24.5.", row)
        elif key == "unit_value" and number < 0:
            c.add(label, f"{at}.{key}", value, "unit_value is negative",
                  "Write what one unit of improvement is worth (0 or more).", row)
        else:
            numbers[key] = number
    unit = kpi.get("unit")
    given = [k for k in ("baseline", "target") if kpi.get(k) is not None]
    if unit is not None and (not isinstance(unit, str) or not unit.strip()):
        c.add(label, f"{at}.unit", unit, "unit is empty or not text",
              "Write the unit, e.g. hours, days, points, EUR.", row)
    elif unit is None and given:
        c.add(label, f"{at}.unit", None, f"a {' and a '.join(given)} without a unit",
              "Add 'unit:' (e.g. hours, points, EUR), as the outcome files give it.", row)
    target_date = kpi.get("target_date")
    if target_date is not None and as_date(target_date) is None:
        c.add(label, f"{at}.target_date", target_date, "target_date is not a date",
              "Write a date as YYYY-MM-DD, e.g. 2026-12-31.", row)
    if direction and "baseline" in numbers and "target" in numbers:
        base, target = numbers["baseline"], numbers["target"]
        if (direction == "down" and target > base) or (direction == "up" and target < base):
            better = "lower" if direction == "down" else "higher"
            c.add(label, f"{at}.target", kpi.get("target"),
                  f"the target is on the wrong side of the baseline {base:g}: {better} is "
                  f"better (direction {direction})",
                  "Check the direction, or swap baseline and target.", row)
