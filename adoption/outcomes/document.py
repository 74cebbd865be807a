"""Reading a use-case register file: where it is, its document (YAML, or CSV through
:mod:`adoption.outcomes.register_csv`), the :class:`~adoption.outcomes.model.Register` built
from a valid document, and the workspace's team and tool names it is checked against.

See :mod:`adoption.outcomes.register` for the format and the two levels of checking.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

from adoption.errors import RegisterNotFoundError
from adoption.ingest.text import read_text
from adoption.outcomes.model import ALL_TEAMS, KpiTarget, Register, RegisterProblem, UseCase
from adoption.outcomes.validation import as_date, as_number
from adoption.workspace import CONFIG_NAME, USECASES_NAMES, Workspace, open_workspace

__all__ = [
    "HELP",
    "known_tools",
    "parse_register",
    "read_register_document",
    "register_path",
    "roster_teams",
]

HELP = "The format is in the README's 'Use cases and outcomes'."


def register_path(source: Workspace | str | os.PathLike[str]) -> tuple[Path, Workspace | None]:
    """The register file of ``source`` (a workspace, a folder or the file itself) and the
    workspace it belongs to (None when the file is not in one)."""
    if isinstance(source, Workspace):
        return source.usecases_path, source
    path = Path(source).expanduser()
    if path.is_dir():
        ws = open_workspace(path) if (path / CONFIG_NAME).is_file() else None
        if ws is not None:
            return ws.usecases_path, ws
        found = [path / n for n in USECASES_NAMES if (path / n).is_file()]
        return (found[0] if found else path / USECASES_NAMES[0]), None
    return path, None


def read_register_document(path: str | os.PathLike[str]) -> tuple[Any, list[RegisterProblem]]:
    """The parsed register (YAML, or CSV by its suffix) and the problems found reading it.

    A YAML syntax error is a problem naming the line and column (the document is then None).

    Raises
    ------
    RegisterNotFoundError
        There is no such file.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise RegisterNotFoundError(
            f"{path}: no use-case register. Write usecases.yaml (or usecases.csv) in the "
            f"workspace folder, listing the use cases, their owners, teams and KPIs. {HELP}")
    if path.suffix.lower() == ".csv":
        from adoption.outcomes.register_csv import read_register_csv

        return read_register_csv(path)
    try:
        return yaml.safe_load(read_text(path)), []
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        what = " ".join(str(x) for x in (e.context, e.problem) if x)
        return None, [RegisterProblem(
            path.name, None, where, None, f"not valid YAML: {what}",
            "Fix the indentation or quoting there (a value holding ': ' or starting with "
            "'[', '{', '&', '*' or '#' needs quotes).")]
    except yaml.YAMLError as e:
        return None, [RegisterProblem(path.name, None, "(file)", None,
                                      f"not valid YAML: {e}", HELP)]


def _names(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value or [])
    return tuple(dict.fromkeys(str(v).strip() for v in items))


def parse_register(data: Any, *, path: Path | None = None,
                   teams: Collection[str] | None = None) -> Register:
    """Build a :class:`Register` from a document :func:`validate_register` found valid.

    Parameters
    ----------
    teams : collection of str, optional
        The roster's team names: ``teams: all`` becomes them (else stays ``("all",)``).
    """
    out = []
    for uc in (data or {}).get("use_cases") or []:
        raw_teams = uc.get("teams")
        all_teams = isinstance(raw_teams, str) and raw_teams.strip().casefold() == ALL_TEAMS
        if all_teams:
            names = tuple(sorted(teams)) if teams else (ALL_TEAMS,)
        else:
            names = _names(raw_teams)
        rollout_raw = uc.get("rollout")
        if isinstance(rollout_raw, dict):
            rollout = {str(t).strip(): as_date(d) for t, d in rollout_raw.items()}
        elif rollout_raw is not None:
            rollout = dict.fromkeys(names, as_date(rollout_raw))
        else:
            rollout = {}
        kpis = tuple(
            KpiTarget(name=str(k["name"]).strip(),
                      direction=str(k["direction"]).strip().casefold(),
                      unit=str(k["unit"]).strip() if k.get("unit") is not None else None,
                      baseline=as_number(k.get("baseline")), target=as_number(k.get("target")),
                      target_date=as_date(k.get("target_date")),
                      unit_value=as_number(k.get("unit_value")))
            for k in uc.get("kpis") or [])
        description = uc.get("description")
        out.append(UseCase(
            name=str(uc["name"]).strip(), business_owner=str(uc["business_owner"]).strip(),
            it_owner=str(uc["it_owner"]).strip(), tools=_names(uc.get("tools")), teams=names,
            rollout=rollout, status=str(uc["status"]).strip().casefold(),
            review_date=as_date(uc.get("review_date")), kpis=kpis, all_teams=all_teams,
            description=str(description).strip() if description is not None else None))
    return Register(use_cases=tuple(out), path=path)


def roster_teams(workspace: Workspace) -> list[str] | None:
    """Every team name the workspace's roster has had; None before any data is loaded."""
    from adoption.canonical.membership import load_group_labels

    with workspace.store(read_only=True) as store:
        if not store.scalar("SELECT count(*) FROM ingest_log"):
            return None
        teams = load_group_labels(store)["team"]
    return teams or None


def known_tools(workspace: Workspace) -> list[str] | None:
    """Every tool name the workspace knows (catalogue, seats, activity); None if none."""
    from adoption.canonical import load_tool_names

    with workspace.store(read_only=True) as store:
        if not store.scalar("SELECT count(*) FROM ingest_log"):
            return None
        tools = load_tool_names(store)
    return tools or None
