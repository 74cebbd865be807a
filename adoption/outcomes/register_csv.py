"""A use-case register as CSV (``usecases.csv``): one row per use case x KPI.

Columns (header case and spacing do not matter): ``use_case`` (or ``name``),
``business_owner``, ``it_owner``, ``tools`` and ``teams`` (names separated by ``;`` or ``|``;
``all`` for every team), ``rollout`` (one date for all teams, or ``Team A: 2026-03-01;
Team B: 2026-06-01``), ``status``, ``review_date``, ``description``, and per KPI ``kpi``,
``direction``, ``unit``, ``baseline``, ``target``, ``target_date``, ``unit_value``. A use
case without a KPI has one row with the KPI columns empty. The rows of one use case must agree
on its own fields (a later row may leave them empty).

:func:`read_register_csv` turns the file into the same document as the YAML register, so one
validator (:func:`adoption.outcomes.validation.validate_register`) checks both; each entry
carries its row number (data rows counted from 1) for the messages.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from adoption.ingest.columns import normalise_header
from adoption.ingest.text import read_text
from adoption.outcomes.model import RegisterProblem
from adoption.outcomes.validation import KPI_KEYS, ROW_KEY

__all__ = ["read_register_csv"]

#: canonical key -> accepted (normalised) headers
_USE_CASE_COLUMNS = {
    "name": ("use_case", "name", "use_case_name", "usecase"),
    "description": ("description",),
    "business_owner": ("business_owner",),
    "it_owner": ("it_owner",),
    "tools": ("tools", "tool"),
    "teams": ("teams", "team"),
    "rollout": ("rollout", "rollout_date", "rollout_dates"),
    "status": ("status",),
    "review_date": ("review_date",),
}
_KPI_COLUMNS = {
    "name": ("kpi", "kpi_name", "metric"),
    "direction": ("direction",),
    "unit": ("unit",),
    "baseline": ("baseline",),
    "target": ("target",),
    "target_date": ("target_date",),
    "unit_value": ("unit_value",),
}
_LISTS = ("tools", "teams")
_NUMBERS = ("baseline", "target", "unit_value")


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("|", ";").split(";") if p.strip()]


def _number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text  # the validator says it is not a number, naming it


def _rollout(text: str) -> Any:
    if ":" not in text and "=" not in text:
        return text  # one date for every team
    out: dict[str, str] = {}
    for part in _split(text):
        sep = ":" if ":" in part else "="
        team, _, day = part.rpartition(sep)
        out[team.strip() or part] = day.strip()
    return out


def _columns(header: list[str]) -> tuple[dict[str, int], dict[str, int], list[str]]:
    norm = [normalise_header(h) for h in header]
    used: set[int] = set()

    def find(spec: dict[str, tuple[str, ...]]) -> dict[str, int]:
        out = {}
        for key, names in spec.items():
            for name in names:
                if name in norm and norm.index(name) not in used:
                    out[key] = norm.index(name)
                    used.add(out[key])
                    break
        return out

    kpi = find(_KPI_COLUMNS)  # 'kpi' before the use case's 'name'
    uc = find(_USE_CASE_COLUMNS)
    unknown = [h for i, h in enumerate(header) if i not in used and h.strip()]
    return uc, kpi, unknown


def read_register_csv(path: Path) -> tuple[dict, list[RegisterProblem]]:
    """The register document of a CSV register, and the problems only CSV can have (unknown
    columns, rows of one use case that disagree)."""
    name = path.name
    rows = list(csv.reader(io.StringIO(read_text(path), newline="")))
    problems: list[RegisterProblem] = []
    if not rows:
        return {"use_cases": []}, problems
    uc_cols, kpi_cols, unknown = _columns(rows[0])
    for header in unknown:
        problems.append(RegisterProblem(
            name, None, header, None, "unknown column",
            f"Known columns: {sorted({*_USE_CASE_COLUMNS, *KPI_KEYS} - {'name'})} and "
            "use_case, kpi."))
    cases: dict[str, dict] = {}
    order: list[dict] = []
    for number, cells in enumerate(rows[1:], start=1):
        if not any(c.strip() for c in cells):
            continue
        get = {k: (cells[i].strip() if i < len(cells) else "") for k, i in uc_cols.items()}
        key = " ".join(get.get("name", "").casefold().split())
        entry = cases.get(key) if key else None
        if entry is None:
            entry = {ROW_KEY: number}
            order.append(entry)
            if key:
                cases[key] = entry
        for field_name, text in get.items():
            if not text:
                continue
            value: Any = text
            if field_name in _LISTS:
                value = text if text.casefold() == "all" else _split(text)
            elif field_name == "rollout":
                value = _rollout(text)
            if field_name in entry and entry[field_name] != value:
                problems.append(RegisterProblem(
                    name, get.get("name") or None, f"{field_name} (row {number})", text,
                    f"the rows of this use case disagree: row {entry[ROW_KEY]} gives "
                    f"{entry[field_name]!r}",
                    "Give a use case's own fields once, or the same on each of its rows."))
                continue
            entry[field_name] = value
        kpi = {k: (cells[i].strip() if i < len(cells) else "") for k, i in kpi_cols.items()}
        if any(kpi.values()):
            item: dict[str, Any] = {ROW_KEY: number}
            for k, text in kpi.items():
                if text:
                    item[k] = _number(text) if k in _NUMBERS else text
            entry.setdefault("kpis", []).append(item)
    return {"use_cases": order}, problems
