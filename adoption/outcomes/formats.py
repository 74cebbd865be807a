"""Named source formats of adoption.outcomes (see :mod:`adoption.ingest.formats`).

``outcome_kpis``: team outcome KPI values (CSV, XLSX or Parquet; columns ``team``,
``period`` or ``date``, ``kpi``, ``value``, optional ``unit`` and ``n``), loaded by
:func:`adoption.outcomes.kpis.load_kpi_file` into ``outcomes``. The sniffer claims a file
whose header has a team, a period or date, a KPI (or metric) and a value column, and no
person column, so that rosters, usage, seats and survey exports are never taken.
"""

from __future__ import annotations

from adoption.ingest.columns import normalise_header
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.outcomes.kpi_files import looks_like_kpi_header

__all__ = ["FORMATS"]

#: Headers that name a person: a file with one holds people's rows, not team KPIs.
_PERSON = frozenset({"email", "person", "user", "upn", "user_principal_name", "mail",
                     "employee_email", "person_id", "user_email", "login", "respondent_id"})


def _headers(s: Sniff) -> list:
    if s.suffix in (".xlsx", ".xlsm"):
        return list(s.xlsx_rows[0]) if s.xlsx_rows else []
    if s.suffix in (".parquet", ".pq"):
        if not s.head.startswith(b"PAR1"):
            return []
        import pyarrow.parquet as pq

        return list(pq.read_schema(s.path).names)
    return s.header


def _sniff(s: Sniff) -> bool:
    headers = [h for h in _headers(s) if h is not None and str(h).strip()]
    if any(normalise_header(str(h)) in _PERSON for h in headers):
        return False
    return looks_like_kpi_header(headers)


def _load(ctx: FormatContext) -> LoadCounts:
    from adoption.outcomes.kpis import load_kpi_file

    return load_kpi_file(ctx)


FORMATS: list[SourceFormat] = [
    SourceFormat(
        name="outcome_kpis", kind="outcomes",
        description="team outcome KPIs: team, period or date, kpi, value (unit, n optional)",
        suffixes=(".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".pq"), sniff=_sniff,
        load=_load, rank=70, source="README.md#use-cases-and-outcomes"),
]
