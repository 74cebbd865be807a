"""The seat-reclaim list: a restricted output for the tool owners, never part of a report.

It names people (by name or e-mail when the workspace keeps names, ``keep_names = true``,
else by their pseudonymous id), so it is written only on explicit request
(``adoption reclaim --workspace DIR --out FILE``), to a file readable by its owner only, and
never into the workspace's ``reports/`` folder that leadership reports are published from.

Spreadsheet formula injection: a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is read as a formula by Excel, LibreOffice and Google Sheets. Following
OWASP's guidance on CSV injection (https://owasp.org/www-community/attacks/CSV_Injection),
every such text cell is prefixed with a single quote ``'`` so that it is shown as text; this
applies to CSV and XLSX alike (openpyxl, too, would otherwise store ``=...`` as a formula).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pandas as pd

from adoption.errors import InputError
from adoption.governance.data import load_seat_periods
from adoption.workspace import open_store

__all__ = [
    "FORMULA_PREFIXES",
    "RECLAIM_COLUMNS",
    "build_reclaim_list",
    "neutralise_cell",
    "write_reclaim_list",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
RECLAIM_COLUMNS = [
    "person", "person_kind", "department", "team", "tool", "reason", "last_use", "held_since",
    "left_on", "monthly_seat_cost", "currency", "as_of",
]
NAMES_NOTE = ("pseudonymous id: names are kept only with keep_names = true in adoption.toml "
              "(then re-ingest the roster)")


def neutralise_cell(value: Any) -> Any:
    """Text starting with ``= + - @``, tab or CR gets a leading ``'``; anything else unchanged.

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("Ann")
    'Ann'
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def build_reclaim_list(
    source: Any,
    *,
    period: str | None = None,
    period_kind: str = "month",
    idle_days: int | None = None,
) -> pd.DataFrame:
    """Seats to take back at a period's as-of date: idle seats and leavers' seats.

    Parameters
    ----------
    source : Workspace, Store or path
    period : str, optional
        Period whose as-of date is used (default: the latest period with activity data).
    period_kind : {"week", "month", "quarter"}, default "month"
    idle_days : int, optional
        Default ``[governance] idle_days`` (30).

    Returns
    -------
    pandas.DataFrame
        One row per seat, dearest first: ``person`` (name, e-mail or pseudonymous id),
        ``person_kind`` (``"name"``, ``"e-mail"`` or a note that names need
        ``keep_names = true``), ``department, team, tool, reason`` (``"leaver"`` or ``"idle"``),
        ``last_use`` (missing: never seen using it), ``held_since, left_on`` (last employed
        day of a leaver), ``monthly_seat_cost, currency, as_of``. Dates are ISO text.
    """
    with open_store(source) as store:
        sp = load_seat_periods(store, period=period, period_kind=period_kind,
                               idle_days=idle_days)
        names = store.read("person_names") if store.settings.keep_names else None
        currency = store.settings.currency
    if period is None and not sp.empty:
        sp = sp[sp["period_start"] == sp["period_start"].max()]
    rows = sp[sp["is_reclaimable"]].copy()
    if names is not None and len(names):
        lookup = names.set_index("person_id")
        name = rows["person_id"].map(lookup["name"])
        email = rows["person_id"].map(lookup["email"])
        person = name.where(name.notna() & (name.astype(str).str.strip() != ""), email)
        kind = pd.Series("name", index=rows.index).where(name.notna(), "e-mail")
        kind = kind.where(person.notna(), NAMES_NOTE)
        person = person.where(person.notna(), rows["person_id"])
    else:
        person = rows["person_id"]
        kind = pd.Series(NAMES_NOTE, index=rows.index)

    def day(col: str) -> pd.Series:
        return rows[col].dt.strftime("%Y-%m-%d").astype(object).where(rows[col].notna(), None)

    out = pd.DataFrame({
        "person": person.astype(object), "person_kind": kind.astype(object),
        "department": rows["department"].astype(object), "team": rows["team"].astype(object),
        "tool": rows["tool"].astype(object), "reason": rows["reclaim_reason"].astype(object),
        "last_use": day("last_use"), "held_since": day("held_since"),
        "left_on": day("employed_to").where(rows["is_leaver"], None),
        "monthly_seat_cost": rows["monthly_seat_cost"].astype(float),
        "currency": currency, "as_of": day("as_of"),
    })
    out = out.sort_values(["monthly_seat_cost", "reason", "tool", "team", "person"],
                          ascending=[False, True, True, True, True], kind="stable",
                          na_position="last")
    return out.reset_index(drop=True)[RECLAIM_COLUMNS]


def _check_out(path: Path, workspace_root: Path | None) -> None:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"reclaim list: output file {str(path)!r} must end in .csv or .xlsx; "
                         f"found {suffix or 'no suffix'!r}. Choose e.g. reclaim_2026-01.xlsx.")
    if workspace_root is not None:
        reports = (workspace_root / "reports").resolve()
        target = path.expanduser().resolve()
        if target == reports or reports in target.parents:
            raise InputError(
                f"reclaim list: {str(path)!r} is inside the workspace's reports folder, which "
                "holds the leadership reports. The reclaim list names people; write it "
                "somewhere only its owners can read.")


def write_reclaim_list(frame: pd.DataFrame, out: str | os.PathLike[str], *,
                       workspace_root: Path | None = None,
                       about: dict[str, str] | None = None) -> Path:
    """Write a reclaim list as CSV or XLSX (by suffix), formula-safe and owner-readable only.

    Parameters
    ----------
    frame : pandas.DataFrame
        The list of :func:`build_reclaim_list`.
    out : path-like
        ``.csv`` (UTF-8, comma-separated) or ``.xlsx`` (sheet ``reclaim``, plus ``about`` when
        ``about`` is given). Replaced if it exists.
    workspace_root : Path, optional
        Refuse to write inside its ``reports/`` folder.
    about : dict, optional
        Lines for the XLSX ``about`` sheet (e.g. as-of date, idle days, the names note).

    Returns
    -------
    Path
        ``out``.
    """
    path = Path(out)
    _check_out(path, workspace_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [[neutralise_cell(None if pd.isna(v) else v) for v in row]
               for row in frame.itertuples(index=False)]
    header = [neutralise_cell(str(c)) for c in frame.columns]
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    if path.suffix.lower() == ".csv":
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(records)
        return path
    os.close(fd)
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("reclaim")
    sheet.append(header)
    for row in records:
        sheet.append(row)
    if about:
        info = wb.create_sheet("about")
        for key, value in about.items():
            info.append([neutralise_cell(str(key)), neutralise_cell(str(value))])
    wb.save(path)
    os.chmod(path, 0o600)
    return path
