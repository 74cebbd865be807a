"""A light profile of each ingested file, kept to tell when the next export of it drifts.

Two things are remembered per batch of a profiled source (tables ``export_columns`` and
``export_activity``, :mod:`adoption.tables.drift`), inside the batch's transaction:

- its **columns**, in the file's order, with the row count and, for the columns whose values
  look numeric (the metric columns; never identifiers such as ``user_id``), how many rows
  are blank, zero or a number, and their median. For a generic usage file (up to 100M rows)
  this comes from the counts its loader staged in its first pass
  (:func:`profile_staged_usage`: the count column, the only metric the loader reads); for
  other files DuckDB makes one streaming pass over the file's view (``src_unordered``,
  :mod:`adoption.ingest.reader`, :func:`profile_columns`), over the numeric-looking columns
  only: which columns those are is told from the first :data:`SAMPLE_ROWS` rows (a column
  blank there counts too, so that a metric column that came back blank is still profiled).
  Nothing is loaded into pandas.
- the source's **key activity figure** per tool and period, computed in SQL over the
  batch's staged rows: distinct people active per week for daily sources (``usage_rows`` and
  ``usage``; only weeks the file covers whole, so that a file ending mid-week shows no false
  fall) and per window for window sources (``activity_periods``).

A *source* is what the data-quality view calls one (:mod:`adoption.vendors.quality`): a named
format such as ``chatgpt_user_analytics``, or for generic tables the kind (``usage``). Only
the kinds in :data:`PROFILED_KINDS` are profiled: survey exports change their questions from
wave to wave by design, and mapping files have no metrics.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from adoption.errors import AdoptionError
from adoption.ingest.reader import SourceFile, opened_source, sql_ident

__all__ = [
    "PROFILED_KINDS",
    "SAMPLE_ROWS",
    "ColumnProfile",
    "profile_columns",
    "profile_file",
    "profile_source",
    "profile_staged_usage",
    "write_profile",
]

log = logging.getLogger(__name__)

#: Kinds of source whose files are profiled (see the module docstring).
PROFILED_KINDS = frozenset({"usage", "seats", "activity", "team_usage", "discovery"})
#: Rows read to tell which columns look numeric.
SAMPLE_ROWS = 1000
#: Column names of identifiers (``user_id``, ``PersonId``, ``email``, ``login`` ...): never
#: profiled as metrics, so that no identifier's value (a median of one row) is kept or shown.
_IDENTIFIER = re.compile(r"(^|[^a-z])id$|_key$|hash|e-?mail|login|upn|principal|phone",
                         re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z]Id$")


def _is_identifier(name: str) -> bool:
    return bool(_IDENTIFIER.search(name.strip()) or _CAMEL_ID.search(name.strip()))


@dataclass(frozen=True)
class ColumnProfile:
    """One column of a file: its name and position, the file's row count and, for a metric
    column, the rows that are blank, zero and numbers and their median (else None)."""

    position: int
    column_name: str
    rows: int
    blank_rows: int | None = None
    zero_rows: int | None = None
    numeric_rows: int | None = None
    median: float | None = None


def _number(col: str) -> str:
    return f"TRY_CAST(trim({sql_ident(col)}) AS DOUBLE)"


def _blank(col: str) -> str:
    return f"({sql_ident(col)} IS NULL OR trim({sql_ident(col)}) = '')"


def profile_columns(con: duckdb.DuckDBPyConnection, view: str,
                    columns: list[str]) -> list[ColumnProfile]:
    """The profile of every column of ``view`` (a view over one input file, all VARCHAR).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    view : str
        The file's view, e.g. ``"src_unordered"``.
    columns : list of str
        The file's columns, in its order.

    Returns
    -------
    list of ColumnProfile
        One per column; the counts only for numeric-looking columns (see the module docstring).
    """
    if not columns:
        return []
    checks = ", ".join(
        f"bool_and({_blank(c)} OR {_number(c)} IS NOT NULL) AS {sql_ident(f'c{i}')}"
        for i, c in enumerate(columns))
    sample = con.execute(
        f"SELECT {checks} FROM (SELECT * FROM {view} LIMIT {SAMPLE_ROWS})").fetchone()
    metric = [c for c, numeric in zip(columns, sample, strict=True)
              if numeric is not False and not _is_identifier(c)]
    parts = ["count(*)"]
    for c in metric:
        parts += [f"count(*) FILTER (WHERE {_blank(c)})",
                  f"count(*) FILTER (WHERE {_number(c)} = 0)",
                  f"count({_number(c)})",
                  f"approx_quantile({_number(c)}, 0.5)"]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {view}").fetchone()
    rows, figures = int(row[0]), {}
    for i, c in enumerate(metric):
        blank, zero, numeric, median = row[1 + 4 * i: 5 + 4 * i]
        figures[c] = (int(blank), int(zero), int(numeric),
                      None if median is None else float(median))
    return [ColumnProfile(i, c, rows, *figures.get(c, (None, None, None, None)))
            for i, c in enumerate(columns)]


def profile_staged_usage(con: duckdb.DuckDBPyConnection, columns: list[str],
                         count_column: str | None, *,
                         stage: str = "u_counts") -> list[ColumnProfile]:
    """The profile of a generic usage file from its staged rows, without reading it again.

    The usage loader's first pass (:mod:`adoption.ingest.usage`) leaves the file's counts
    grouped in ``stage`` (``n``: the count as a whole number, NULL when blank or not a number;
    ``n_rows``: how many rows). The count column, the only metric the loader reads, is
    profiled from it; the other columns are listed by name (columns the loader does not read
    cannot change a figure). A file of 100M rows thus costs a scan of one column of a table
    in the store's memory instead of a second parse of the file.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    columns : list of str
        The file's columns, in its order.
    count_column : str or None
        The file's header of the count (``count``, ``events`` ...), None when it has none.
    stage : str, default "u_counts"
    """
    row = con.execute(f"""
        WITH h AS (SELECT n, sum(n_rows) AS w FROM {stage} GROUP BY n),
        c AS (SELECT n, w, sum(w) OVER (ORDER BY n) AS below, sum(w) OVER () AS total
              FROM h WHERE n IS NOT NULL)
        SELECT (SELECT coalesce(sum(w), 0) FROM h),
               (SELECT coalesce(sum(w), 0) FROM h WHERE n IS NULL),
               (SELECT coalesce(sum(w), 0) FROM h WHERE n = 0),
               (SELECT coalesce(sum(w), 0) FROM h WHERE n IS NOT NULL),
               (SELECT min(n) FROM c WHERE below >= total / 2.0)""").fetchone()
    rows, blank, zero, numeric, median = row
    return [ColumnProfile(i, c, int(rows), *((int(blank), int(zero), int(numeric),
                                              None if median is None else float(median))
                                             if c == count_column else (None,) * 4))
            for i, c in enumerate(columns)]


def profile_source(con: duckdb.DuckDBPyConnection, source: SourceFile, *, kind: str,
                   mapping: Mapping[str, str]) -> list[ColumnProfile] | None:
    """The column profile of a generic file its loader has just read (inside the batch's
    transaction): a usage file's from its staged rows (:func:`profile_staged_usage`), another
    profiled kind's in one more pass over its metric columns (:func:`profile_columns`), None
    for kinds not profiled. ``mapping`` is the file's canonical column -> header."""
    if kind == "usage":
        return profile_staged_usage(con, source.columns, mapping.get("count"))
    if kind in PROFILED_KINDS:
        return profile_columns(con, "src_unordered", source.columns)
    return None


def profile_file(con: duckdb.DuckDBPyConnection, path: Path, *,
                 encoding: str | None = None) -> list[ColumnProfile] | None:
    """:func:`profile_columns` of a file read on its own (a named format's file, whose reader
    does not open it as a view), or None when DuckDB cannot read it as a table (e.g. a JSON
    document). Call it before the batch's transaction: a failed read inside it would abort
    the transaction."""
    try:
        with opened_source(con, Path(path), encoding=encoding) as source:
            return profile_columns(con, "src_unordered", source.columns)
    except (AdoptionError, duckdb.Error) as e:
        log.debug("%s: no column profile (%s)", Path(path).name, e)
        return None
    finally:  # the loader's own scans leave the structural rejects; this one leaves none
        con.execute("DROP TABLE IF EXISTS reject_errors")
        con.execute("DROP TABLE IF EXISTS reject_scans")


def _week_start_sql(day: str, week_start: int) -> str:
    """SQL for the first day of the week holding ``day`` (``week_start``: 0 Monday ... 6
    Sunday)."""
    return f"({day} - CAST((isodow({day}) - 1 - {int(week_start)} + 7) % 7 AS INTEGER))"


def write_profile(con: duckdb.DuckDBPyConnection, batch_id: int, source: str,
                  columns: list[ColumnProfile] | None, *, first_date: dt.date | None,
                  last_date: dt.date | None, week_start: int = 0) -> None:
    """Store the batch's column profile and its key activity figure per period.

    Runs inside the batch's transaction, after its loader staged the rows.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    batch_id : int
    source : str
        The source's name (named format, else kind).
    columns : list of ColumnProfile or None
        None when the file cannot be profiled by columns (e.g. a JSON document).
    first_date, last_date : datetime.date or None
        The dates the batch covers (its ``ingest_log`` entry).
    week_start : int
        The workspace's first day of the week (0 Monday ... 6 Sunday).
    """
    b = int(batch_id)
    if columns:
        con.executemany(
            "INSERT INTO export_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(b, source, p.position, p.column_name, p.rows, p.blank_rows, p.zero_rows,
              p.numeric_rows, p.median) for p in columns])
    con.execute(f"""INSERT INTO export_activity
        SELECT {b}, ?, tool, period_start, period_end,
               count(DISTINCT person_id) FILTER (WHERE active)
        FROM activity_periods WHERE batch_id = {b}
        GROUP BY ALL HAVING count(DISTINCT person_id) FILTER (WHERE active) > 0""", [source])
    if first_date is None or last_date is None:
        return
    # a generic usage file's person-days are staged by its loader in u_days (those in usage
    # may be attributed to an earlier file that shares them); a daily vendor source's are in
    # usage
    staged = con.execute("SELECT count(*) FROM duckdb_tables() "
                         "WHERE temporary AND table_name = 'u_days'").fetchone()[0]
    table = f"(SELECT *, {b} AS batch_id FROM u_days)" if staged else "usage"
    week = _week_start_sql("day", week_start)
    con.execute(f"""INSERT INTO export_activity
        SELECT {b}, ?, tool, week, week + 6, count(*)
        FROM (SELECT DISTINCT person_id, tool, {week} AS week FROM {table}
              WHERE batch_id = {b} AND events > 0)
        WHERE week >= ? AND week + 6 <= ?
        GROUP BY tool, week""", [source, first_date, last_date])
