"""The use-case register's data types: :class:`Register`, :class:`UseCase`, :class:`KpiTarget`
and :class:`RegisterProblem` (what :func:`adoption.outcomes.validate_register` finds).

They live apart from the reading and checking (:mod:`adoption.outcomes.register`) so that
every module using them imports them from here, and nothing imports back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ALL_TEAMS",
    "DIRECTIONS",
    "STATUSES",
    "KpiTarget",
    "Register",
    "RegisterProblem",
    "UseCase",
]

#: A use case's life cycle, in order.
STATUSES = ("idea", "pilot", "rollout", "live", "paused", "retired")
#: Which way a KPI should move: ``down`` = lower is better, ``up`` = higher is better.
DIRECTIONS = ("up", "down")
#: ``teams: all``: every team of the roster.
ALL_TEAMS = "all"


@dataclass(frozen=True)
class KpiTarget:
    """One outcome KPI a use case should move.

    Attributes
    ----------
    name : str
        The KPI as the outcome files name it (their ``kpi`` column), e.g.
        ``ticket_resolution_hours``.
    direction : {"up", "down"}
        ``down``: lower is better; ``up``: higher is better.
    unit : str or None
        E.g. ``hours``; required when a baseline or target is given.
    baseline, target : float or None
        The value before the use case, and the value it should reach by ``target_date``.
    target_date : datetime.date or None
    unit_value : float or None
        Optional: what one unit of improvement is worth per team and month, in the
        workspace's currency (for a payback statement).
    """

    name: str
    direction: str
    unit: str | None = None
    baseline: float | None = None
    target: float | None = None
    target_date: dt.date | None = None
    unit_value: float | None = None


@dataclass(frozen=True)
class UseCase:
    """One AI use case of the register.

    Attributes
    ----------
    name : str
        Unique within the register.
    business_owner, it_owner : str
        Roles (e.g. ``Head of Customer Support``), never a person.
    tools : tuple of str
        Tool names as in the tools catalogue.
    teams : tuple of str
        Team names as in the roster. ``teams: all`` is every team of the roster when the
        register is read with the roster's teams (:func:`adoption.outcomes.load_register`
        of a workspace with a roster), else ``("all",)``; :attr:`all_teams` says which.
    rollout : dict of str to datetime.date
        When the use case started in each team (empty if the register does not say; one
        date for all teams is given to each of them).
    status : str
        One of :data:`STATUSES`.
    review_date : datetime.date or None
    kpis : tuple of KpiTarget
    all_teams : bool
        The register says ``teams: all``.
    description : str or None
    """

    name: str
    business_owner: str
    it_owner: str
    tools: tuple[str, ...]
    teams: tuple[str, ...]
    rollout: dict[str, dt.date]
    status: str
    review_date: dt.date | None
    kpis: tuple[KpiTarget, ...]
    all_teams: bool = False
    description: str | None = None


@dataclass(frozen=True)
class Register:
    """The use-case register of a workspace (see :func:`adoption.outcomes.load_register`).

    Attributes
    ----------
    use_cases : tuple of UseCase
        In the order of the file.
    path : Path or None
        The file it was read from.
    """

    use_cases: tuple[UseCase, ...]
    path: Path | None = None

    def use_case(self, name: str) -> UseCase:
        """The use case called ``name``; ``KeyError`` if there is none."""
        for uc in self.use_cases:
            if uc.name == name:
                return uc
        raise KeyError(name)

    @property
    def kpi_names(self) -> list[str]:
        """Every KPI named by some use case, in first-named order."""
        return list(dict.fromkeys(k.name for uc in self.use_cases for k in uc.kpis))

    @property
    def teams(self) -> list[str]:
        """Every team named by some use case (``all`` as it stands if not expanded), sorted."""
        return sorted({t for uc in self.use_cases for t in uc.teams})

    def summary(self) -> str:
        """``3 use cases, 4 KPIs, 7 teams``: KPIs counted per use case, teams distinct."""
        n_kpis = sum(len(uc.kpis) for uc in self.use_cases)
        n_uc, n_teams = len(self.use_cases), len(self.teams)
        return (f"{n_uc} use case{'s' * (n_uc != 1)}, {n_kpis} KPI{'s' * (n_kpis != 1)}, "
                f"{n_teams} team{'s' * (n_teams != 1)}")


@dataclass(frozen=True)
class RegisterProblem:
    """One problem of a use-case register.

    Attributes
    ----------
    file : str
        The register's file name.
    use_case : str or None
        The use case's name (``#3`` for the third when it has none); None for the file.
    field : str
        Where: ``business_owner``, ``kpis[0].unit``, ``rollout.Support EMEA``; a CSV
        register adds the row (``teams (row 4)``), a YAML syntax error the line.
    value : Any
        The value found (None when missing).
    problem : str
        What is wrong.
    fix : str
        How to fix it.
    """

    file: str
    use_case: str | None
    field: str
    value: Any
    problem: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"use case {self.use_case!r}, " if self.use_case is not None else ""
        found = "" if self.value is None else f" (found {self.value!r})"
        fix = f" {self.fix}" if self.fix else ""
        return f"{self.file}: {where}{self.field}: {self.problem}{found}.{fix}"
