"""Read an outcome KPI file (CSV, XLSX or Parquet) into text cells with data-row numbers.

One row per team x period x KPI, columns (header case and spacing do not matter; the first
accepted spelling found wins, see :data:`KPI_COLUMNS`): ``team``, ``period`` (``2026-03``,
``2026-Q1``, ``2026-W05``) or ``date`` (one day), ``kpi`` (or ``metric``), ``value``, and
optionally ``unit`` and ``n`` (the cases behind the value). Other columns are ignored.

Every cell is read as text, never evaluated: a workbook is opened with its formulas as
formulas (``=HYPERLINK(...)`` stays that text), and CSV and Parquet go through the ingest
reader (:mod:`adoption.ingest.reader`: encodings, delimiters, malformed rows). What the cells
mean is decided by :mod:`adoption.outcomes.kpis`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest.columns import normalise_header
from adoption.ingest.reader import opened_source

__all__ = ["KPI_COLUMNS", "REQUIRED", "KpiTable", "looks_like_kpi_header", "map_kpi_columns",
           "read_kpi_table"]

#: canonical column -> accepted header spellings (normalised: lower case, ``_`` for blanks)
KPI_COLUMNS: dict[str, tuple[str, ...]] = {
    "team": ("team", "team_name", "group", "squad"),
    "period": ("period", "month", "quarter", "week", "period_label", "reporting_period"),
    "date": ("date", "day", "report_date"),
    "kpi": ("kpi", "metric", "kpi_name", "metric_name", "measure", "indicator"),
    "value": ("value", "kpi_value", "metric_value", "amount"),
    "unit": ("unit", "units", "uom", "unit_of_measure"),
    "n": ("n", "count", "cases", "sample_size", "observations", "volume"),
}
#: Required columns (and one of ``period`` or ``date``).
REQUIRED = ("team", "kpi", "value")


@dataclass
class KpiTable:
    """The file's cells as text.

    Attributes
    ----------
    columns : dict
        canonical column -> the file's own header.
    rows : list of (int, dict)
        Data-row number (the first row under the header is 1) and canonical column -> text
        (None for an empty cell).
    raw : dict
        Data-row number -> the row as the file has it (header -> text), for rejects.
    malformed : list of (int, str, str)
        Rows that could not be split into the header's columns: (row, reason, text).
    """

    columns: dict[str, str]
    rows: list[tuple[int, dict[str, str | None]]] = field(default_factory=list)
    raw: dict[int, dict[str, Any]] = field(default_factory=dict)
    malformed: list[tuple[int, str, str]] = field(default_factory=list)


def _mapping(headers: list[str]) -> dict[str, str]:
    by_norm: dict[str, str] = {}
    for h in headers:
        if h is not None and str(h).strip():
            by_norm.setdefault(normalise_header(str(h)), str(h))
    out: dict[str, str] = {}
    for canonical, spellings in KPI_COLUMNS.items():
        for s in spellings:
            if s in by_norm and by_norm[s] not in out.values():
                out[canonical] = by_norm[s]
                break
    return out


def map_kpi_columns(headers: list[str], *, source: str) -> dict[str, str]:
    """canonical column -> the file's header.

    Raises
    ------
    ColumnNotFoundError
        A required column is missing; the message lists the columns found, the accepted
        spellings and the nearest match.
    """
    mapping = _mapping(headers)
    missing = [c for c in REQUIRED if c not in mapping]
    if "period" not in mapping and "date" not in mapping:
        missing.append("period")
    if missing:
        hints = []
        for c in missing:
            near = difflib.get_close_matches(c, [normalise_header(str(h)) for h in headers
                                                 if h], n=1, cutoff=0.6)
            accepted = list(KPI_COLUMNS[c]) + (list(KPI_COLUMNS["date"]) if c == "period"
                                               else [])
            hints.append(f"{c!r} (accepted: {accepted}"
                         + (f"; nearest found: {near[0]!r})" if near else ")"))
        raise ColumnNotFoundError(
            f"{source}: an outcome KPI file needs column(s) {', '.join(hints)}. Columns found: "
            f"{[h for h in headers if h]}. Rename the column in a copy of the file.")
    return mapping


def looks_like_kpi_header(headers: list[Any]) -> bool:
    """Whether a header row has a team, a period or date, a KPI and a value column."""
    try:
        map_kpi_columns([str(h) for h in headers if h is not None], source="")
    except ColumnNotFoundError:
        return False
    return True


def _cell_text(value: Any, *, month_only: bool = False) -> str | None:
    """A workbook cell as text: numbers as written, dates as ISO dates (a date cell formatted
    without a day, e.g. ``mmm-yy``, as its month ``2026-03``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return f"{day:%Y-%m}" if month_only else day.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # noqa: BLE001 - any damaged or foreign file
        raise InputError(f"{path.name}: cannot be read as an Excel workbook ({e}). Save it "
                         "again as .xlsx, or export the sheet as CSV.") from e
    try:
        rows = wb.worksheets[0].iter_rows()
        try:
            header = [str(c.value).strip() if c.value is not None else "" for c in next(rows)]
        except StopIteration:
            raise InputError(f"{path.name}: the first sheet is empty.") from None
        period_col = _mapping(header).get("period")
        out = []
        for number, cells in enumerate(rows, start=1):
            texts = []
            for k, cell in enumerate(cells):
                fmt = str(getattr(cell, "number_format", "") or "").lower()
                month_only = (k < len(header) and header[k] == period_col
                              and "d" not in fmt.replace("[", ""))
                texts.append(_cell_text(cell.value, month_only=month_only))
            if any(t is not None for t in texts):
                out.append((number, texts))
        return header, out
    finally:
        wb.close()


def read_kpi_table(con: duckdb.DuckDBPyConnection, path: Path, *,
                   encoding: str | None = None) -> KpiTable:
    """Read an outcome KPI file's cells (see the module docstring).

    Raises
    ------
    InputError
        The file cannot be read, a header is repeated, or a required column is missing.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        header, cells = _read_xlsx(path)
        dupes = sorted({h for h in header if h and header.count(h) > 1})
        if dupes:
            raise InputError(f"{path.name}: column(s) {dupes} appear twice in the header; "
                             "rename or remove one and ingest the file again.")
        table = KpiTable(map_kpi_columns(header, source=path.name))
        index = {h: k for k, h in enumerate(header)}
        for number, texts in cells:
            row = {c: (texts[index[h]] if index[h] < len(texts) else None)
                   for c, h in table.columns.items()}
            table.rows.append((number, row))
            table.raw[number] = {h: texts[k] for k, h in enumerate(header)
                                 if h and k < len(texts)}
        return table
    with opened_source(con, path, encoding=encoding) as source:
        table = KpiTable(map_kpi_columns(source.columns, source=path.name))
        con.execute("SET preserve_insertion_order = true")
        table.malformed = source.check_structure(con)
        names = ", ".join(f'"{h}"' for h in (c.replace('"', '""') for c in source.columns))
        for number, *values in con.execute(f"SELECT _row, {names} FROM src ORDER BY _row"
                                           ).fetchall():
            cells = dict(zip(source.columns, values, strict=True))
            table.rows.append((int(number), {c: _blank_none(cells[h])
                                             for c, h in table.columns.items()}))
            table.raw[int(number)] = cells
    con.execute("SET preserve_insertion_order = false")
    return table


def _blank_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None
