"""Open an input file (CSV, Parquet, JSON Lines) as a DuckDB view of text columns.

The view ``src`` has the file's own columns, all as VARCHAR, plus ``_row``: the 1-based
number of the data row in the file (header excluded), so that rejects can point at it. The
view ``src_unordered`` has the same columns without ``_row``, for fast parallel passes.
Nothing is loaded into Python: DuckDB streams the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from adoption.errors import InputError

__all__ = ["SUPPORTED_SUFFIXES", "SourceFile", "open_source", "sql_ident", "sql_literal"]

_FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
}

#: File name endings read as input (others are refused with a clear message).
SUPPORTED_SUFFIXES = frozenset(_FORMATS)


def sql_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


@dataclass(frozen=True)
class SourceFile:
    """An input file opened as the temporary view ``src``.

    Attributes
    ----------
    path : Path
    format : str
        ``"csv"``, ``"parquet"`` or ``"jsonl"``.
    columns : list[str]
        The file's own column names, in order.
    """

    path: Path
    format: str
    columns: list[str]

    def structural_rejects(self, con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
        """CSV lines DuckDB could not split into the header's columns: (line, reason, text)."""
        if self.format != "csv":
            return []
        try:
            rows = con.execute(
                "SELECT line, first(error_message ORDER BY column_idx), first(csv_line) "
                "FROM reject_errors GROUP BY line ORDER BY line").fetchall()
        except duckdb.CatalogException:
            return []
        return [(int(line), f"malformed line: {msg.splitlines()[0]}", text)
                for line, msg, text in rows]


def _format_of(path: Path, forced: str | None) -> str:
    if forced:
        if forced not in set(_FORMATS.values()):
            raise InputError(f"{path.name}: format {forced!r} unknown; use csv, parquet or jsonl.")
        return forced
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        with path.open("rb") as fh:
            head = fh.read(4)
        if head == b"PAR1":
            return "parquet"
        raise InputError(
            f"{path.name}: file type {path.suffix or '(none)'!r} is not supported. Supported: "
            f"{sorted(_FORMATS)} (CSV with any common delimiter, Parquet, JSON Lines). "
            "Export the data in one of these formats."
        )
    return fmt


def open_source(con: duckdb.DuckDBPyConnection, path: Path, *, fmt: str | None = None) -> SourceFile:
    """Create the temporary view ``src`` over ``path`` and describe it.

    Raises
    ------
    InputError
        If the file is empty, of an unsupported type, or unreadable as its format.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Check the path.")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty. Export it again.")
    fmt = _format_of(path, fmt)
    lit = sql_literal(path.as_posix())
    if fmt == "csv":
        reader = (f"read_csv({lit}, all_varchar = true, header = true, store_rejects = true, "
                  "sample_size = 20480, encoding = 'utf-8')")
        row = "row_number() OVER ()"
    elif fmt == "parquet":
        reader = f"read_parquet({lit}, file_row_number = true)"
        row = "file_row_number + 1"
    else:
        reader = f"read_json({lit}, format = 'newline_delimited', records = true)"
        row = "row_number() OVER ()"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as e:
        raise InputError(
            f"{path.name}: cannot be read as {fmt} ({str(e).splitlines()[0]}). Check that the "
            "file is a complete, UTF-8 export in that format."
        ) from e
    # only the loader's own scan may leave structural rejects behind
    con.execute("DROP TABLE IF EXISTS reject_errors")
    con.execute("DROP TABLE IF EXISTS reject_scans")
    columns = [r[0] for r in described if r[0] != "file_row_number"]
    if not columns:
        raise InputError(f"{path.name}: no columns found; is the header row missing?")
    casts = ", ".join(f"CAST({sql_ident(c)} AS VARCHAR) AS {sql_ident(c)}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT {row} AS _row, {casts} FROM {reader}")
    # without row numbers, for the single pass over large files (any order, fully parallel)
    con.execute(f"CREATE OR REPLACE TEMP VIEW src_unordered AS SELECT {casts} FROM {reader}")
    return SourceFile(path=path, format=fmt, columns=columns)
