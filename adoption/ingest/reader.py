"""Open an input file (CSV, Parquet, JSON Lines) as a DuckDB view of text columns.

The view ``src`` has the file's own columns, all as VARCHAR, plus ``_row``: the number of the
data row in the file (the first row after the header is 1; for JSON Lines the record number),
so that rejects can point at it. The view ``src_unordered`` has the same columns without
``_row``, for fast parallel passes. Nothing is loaded into Python: DuckDB streams the file.

CSV files are read strictly, with the dialect decided here rather than by DuckDB's sniffer:

- bytes are decoded by :mod:`adoption.ingest.text` (a file in another encoding than UTF-8 is
  streamed through a UTF-8 copy; a ZIP archive or an Excel workbook named ``.csv`` is refused
  saying what it is);
- the header is parsed here: a column named twice (``count,count``) is refused, naming it;
- the delimiter is the one of ``, ; TAB |`` that splits the header into most columns; quotes
  are ``"`` and doubled inside a quoted value (RFC 4180), always: a stray quote never turns
  quoting off for the whole file;
- a row with too many or too few values is a reject of that row (its data-row number,
  reason and text); a quote that is never closed, a line longer than DuckDB's limit and bytes
  that are not text in the file's encoding refuse the file, naming the row, since every row
  after them would be read wrongly.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from adoption.errors import InputError
from adoption.ingest.text import (
    HEAD_BYTES,
    TextEncoding,
    check_text_file,
    decode_text,
    detect_encoding,
    transcode_to_utf8,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "SourceFile",
    "open_source",
    "opened_source",
    "source_columns",
    "sql_ident",
    "sql_literal",
]

_FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
}

#: File name endings read as input (others are refused with a clear message).
SUPPORTED_SUFFIXES = frozenset(_FORMATS)

_DELIMITERS = (",", ";", "\t", "|")
#: DuckDB's CSV error types that make every later row unreliable: the file is refused.
_FATAL = {
    "UNQUOTED VALUE": "has a value that opens a quote (\") and never closes it, so the rest "
                      "of the file cannot be split into columns. Close the quote (or remove "
                      "it) in that row",
    "LINE SIZE OVER MAXIMUM": "is longer than DuckDB's limit of 2 MB (usually a quote that is "
                              "never closed). Close the quote, or split the value",
    "INVALID ENCODING": "holds bytes that are not text in the file's encoding (the file mixes "
                        "encodings or is damaged). Save the file again as \"CSV UTF-8\"",
    "INVALID UNICODE": "holds bytes that are not text in the file's encoding (the file mixes "
                       "encodings or is damaged). Save the file again as \"CSV UTF-8\"",
}


def sql_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


@dataclass
class SourceFile:
    """An input file opened as the temporary views ``src`` and ``src_unordered``.

    Attributes
    ----------
    path : Path
        The user's file.
    format : str
        ``"csv"``, ``"parquet"`` or ``"jsonl"``.
    columns : list[str]
        The file's own column names, in order.
    encoding : TextEncoding or None
        How a text file's bytes were decoded (None for Parquet).
    read_path : Path or None
        The file DuckDB reads: a UTF-8 copy when the file is in another encoding, a link
        under a plain name when DuckDB would take its name as a glob pattern.
    """

    path: Path
    format: str
    columns: list[str]
    encoding: TextEncoding | None = None
    read_path: Path | None = None
    _reader: str = field(default="", repr=False)
    _structure: list[tuple[int, str, str]] | None = field(default=None, repr=False)

    def encoding_note(self) -> str | None:
        """A note for the batch when the encoding was guessed (it may need ``--encoding``)."""
        if self.encoding is None or not self.encoding.detected:
            return None
        return (f"read as {self.encoding.label} text (detected: the file is not UTF-8); if "
                "names look wrong, ingest it again with --encoding NAME")

    def check_structure(self, con: duckdb.DuckDBPyConnection, *,
                        scanned: bool = False) -> list[tuple[int, str, str]]:
        """Rows DuckDB could not split into the header's columns: (data row, reason, text).

        Runs a full scan of the file unless ``scanned`` (a loader's pass already read it),
        refuses the file for a problem that makes every later row unreliable, and renumbers
        ``src`` so that ``_row`` counts the skipped rows too. Idempotent.

        Raises
        ------
        InputError
            An unterminated quote, an over-long line or bytes that are not text: the message
            names the row.
        """
        if self._structure is not None:
            return self._structure
        if self.format != "csv":
            self._structure = []
            return self._structure
        if not scanned:  # every column read: a bare count(*) would not check the text
            con.execute("SELECT count(COLUMNS(*)) FROM src_unordered").fetchall()
        try:
            rows = con.execute("""
                SELECT line - 1, first(error_type ORDER BY column_idx),
                       first(error_message ORDER BY column_idx), first(csv_line),
                       first(column_name ORDER BY column_idx)
                FROM reject_errors GROUP BY line ORDER BY line""").fetchall()
        except duckdb.CatalogException:
            rows = []
        for row, kind, _msg, _text, column in rows:
            if kind in _FATAL:
                where = f" (column {column!r})" if column else ""
                raise InputError(f"{self.path.name}: row {row}{where} {_FATAL[kind]}, and "
                                 "ingest the file again; nothing was stored.")
        self._structure = [(int(row), f"malformed row: {msg.splitlines()[0]}", text)
                           for row, _kind, msg, text, _col in rows]
        if self._structure:
            self._renumber(con, [r for r, _, _ in self._structure])
        return self._structure

    def structural_rejects(self, con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
        """The malformed rows, once a loader has read the file (see :meth:`check_structure`)."""
        return self.check_structure(con, scanned=True)

    def _renumber(self, con: duckdb.DuckDBPyConnection, skipped: list[int]) -> None:
        """Make ``src._row`` the data-row number although DuckDB leaves skipped rows out.

        The r-th row DuckDB returns is the r-th data row that is not skipped: it is moved on
        by the number of skipped rows m_i with m_i - (i - 1) <= r.
        """
        values = ", ".join(f"({int(m)})" for m in sorted(skipped))
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _src_skips AS
            SELECT start_rank, max(shift) AS shift FROM (
                SELECT m - (row_number() OVER (ORDER BY m) - 1) AS start_rank,
                       row_number() OVER (ORDER BY m) AS shift
                FROM (VALUES {values}) t(m))
            GROUP BY start_rank""")
        casts = _casts(self.columns)
        cols = ", ".join(f"s.{sql_ident(c)}" for c in self.columns)
        con.execute(f"""CREATE OR REPLACE TEMP VIEW src AS
            SELECT s._r + coalesce(k.shift, 0) AS _row, {cols}
            FROM (SELECT row_number() OVER () AS _r, {casts} FROM {self._reader}) s
            ASOF LEFT JOIN _src_skips k ON s._r >= k.start_rank""")

    def explain(self, error: Exception) -> str | None:
        """A clear message for a DuckDB error met while reading the file, if there is one."""
        if self.format == "jsonl":
            return _jsonl_problem(self.path, self.read_path or self.path, self.encoding)
        return None

    def close(self) -> None:
        """Remove the UTF-8 copy or the link, if one was made."""
        if self.read_path is not None and self.read_path != self.path:
            shutil.rmtree(self.read_path.parent, ignore_errors=True)


def _casts(columns: list[str]) -> str:
    return ", ".join(f"CAST({sql_ident(c)} AS VARCHAR) AS {sql_ident(c)}" for c in columns)


def _format_of(path: Path, forced: str | None, head: bytes) -> str:
    if forced:
        if forced not in set(_FORMATS.values()):
            raise InputError(f"{path.name}: format {forced!r} unknown; use csv, parquet or jsonl.")
        return forced
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        if head.startswith(b"PAR1"):
            return "parquet"
        raise InputError(
            f"{path.name}: file type {path.suffix or '(none)'!r} is not supported. Supported: "
            f"{sorted(_FORMATS)} (CSV with any common delimiter, Parquet, JSON Lines). "
            "Export the data in one of these formats."
        )
    return fmt


def _header(path: Path, head: bytes, encoding: TextEncoding, complete: bool
            ) -> tuple[str, list[str]]:
    """(delimiter, column names) from the first record of a CSV file.

    Raises
    ------
    InputError
        A column is named twice (names are compared as DuckDB does, ignoring case).
    """
    text = decode_text(head, name=path.name, complete=complete, encoding=encoding)
    best: tuple[int, str, list[str]] | None = None
    for rank, delim in enumerate(_DELIMITERS):
        try:
            first = next(csv.reader(io.StringIO(text), delimiter=delim, quotechar='"',
                                    doublequote=True, strict=False), [])
        except csv.Error:
            continue
        if best is None or len(first) > best[0]:
            best = (len(first), _DELIMITERS[rank], first)
    if best is None or not any(c.strip() for c in best[2]):
        raise InputError(f"{path.name}: no header row found; the first row must name the "
                         "columns.")
    names = [c.strip() or f"column{i}" for i, c in enumerate(best[2], 1)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names, 1):
        key = name.lower()
        if key in seen:
            raise InputError(
                f"{path.name}: the header names the column {name!r} twice (columns "
                f"{seen[key]} and {i}), so one of them would be ignored; nothing was stored. "
                "Give each column its own name (or delete the extra one) and ingest again.")
        seen[key] = i
    return best[1], names


#: Characters DuckDB's file readers take as a glob pattern, never literally.
_GLOB_CHARS = frozenset("*?[]{}")


def _read_path(path: Path, encoding: TextEncoding | None) -> Path:
    """The path DuckDB is given for ``path``: ``path`` itself when DuckDB reads it as it is,
    else (in a temporary folder) a UTF-8 copy of a file in another encoding, or a link under
    a plain name to a file whose name DuckDB would take as a glob pattern (``usage[12].csv``
    would read ``usage1.csv`` and ``usage2.csv``)."""
    transcode = encoding is not None and not encoding.is_utf8
    if not transcode and not _GLOB_CHARS & set(path.as_posix()):
        return path
    folder = Path(tempfile.mkdtemp(prefix="adoption-read-"))
    target = folder / f"input{path.suffix.lower()}"
    try:
        if transcode:
            transcode_to_utf8(path, target, encoding)
        else:
            try:
                target.symlink_to(path.resolve())
            except OSError:  # no symbolic links here: a copy reads the same
                shutil.copyfile(path, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def _jsonl_problem(path: Path, read: Path, encoding: TextEncoding | None) -> str | None:
    """The first line of a JSON Lines file that is not a JSON object, as a message."""
    with read.open(encoding="utf-8-sig", errors="strict") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as e:
                return (f"{path.name}: line {number} is not valid JSON ({e.msg} at column "
                        f"{e.colno}); nothing was stored. Each line must hold one complete "
                        "JSON object; fix that line and ingest the file again.")
            if not isinstance(value, dict):
                found = type(value).__name__.replace("dict", "object").replace("list", "array")
                hint = (" (a whole JSON array: write one object per line, JSON Lines)"
                        if number == 1 and isinstance(value, list) else "")
                return (f"{path.name}: line {number} is a JSON {found}, not an object"
                        f"{hint}; nothing was stored. Each line must be one JSON object "
                        "with the columns as keys.")
    return None


def open_source(con: duckdb.DuckDBPyConnection, path: Path, *, fmt: str | None = None,
                encoding: str | None = None) -> SourceFile:
    """Create the temporary views ``src`` and ``src_unordered`` over ``path``, describe them.

    Call :meth:`SourceFile.close` when done (it removes a UTF-8 copy, if one was made).

    Parameters
    ----------
    encoding : str, optional
        The text encoding to use instead of detecting it (``--encoding``).

    Raises
    ------
    InputError
        If the file is empty, of an unsupported type, not what its name says (a ZIP or an
        Excel workbook named ``.csv``), has a column named twice, or is unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Check the path.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path.name}: the file is empty. Export it again.")
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    fmt = _format_of(path, fmt, head)
    source = SourceFile(path=path, format=fmt, columns=[])
    if fmt == "parquet":
        if not head.startswith(b"PAR1"):
            check_text_file(path.name, head)
            raise InputError(f"{path.name}: this is not a Parquet file (it does not start "
                             "with 'PAR1'); export it again, or give it the right name.")
        source.read_path = _read_path(path, None)
        lit = sql_literal(source.read_path.as_posix())
        source._reader = f"read_parquet({lit}, file_row_number = true)"
        row = "file_row_number + 1"
    else:
        complete = size <= len(head)
        source.encoding = detect_encoding(head, complete=complete, name=path.name,
                                          forced=encoding)
        if fmt == "csv":
            delimiter, source.columns = _header(path, head, source.encoding, complete)
        source.read_path = _read_path(path, source.encoding)
        lit = sql_literal(source.read_path.as_posix())
        if fmt == "csv":
            types = ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in source.columns)
            source._reader = (
                f"read_csv({lit}, auto_detect = false, header = true, columns = {{{types}}}, "
                f"delim = {sql_literal(delimiter)}, quote = '\"', escape = '\"', "
                "store_rejects = true, encoding = 'utf-8')")
        else:
            source._reader = f"read_json({lit}, format = 'newline_delimited', records = true)"
        row = "row_number() OVER ()"
    try:
        if fmt != "csv":
            described = con.execute(f"DESCRIBE SELECT * FROM {source._reader}").fetchall()
            source.columns = [r[0] for r in described if r[0] != "file_row_number"]
        # only the loader's own scans may leave structural rejects behind
        con.execute("DROP TABLE IF EXISTS reject_errors")
        con.execute("DROP TABLE IF EXISTS reject_scans")
        if not source.columns:
            raise InputError(f"{path.name}: no columns found; is the header row missing?")
        casts = _casts(source.columns)
        con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT {row} AS _row, {casts} "
                    f"FROM {source._reader}")
        # without row numbers, for the single pass over large files (any order, fully parallel)
        con.execute(f"CREATE OR REPLACE TEMP VIEW src_unordered AS SELECT {casts} "
                    f"FROM {source._reader}")
    except duckdb.Error as e:
        source.close()
        message = source.explain(e)
        raise InputError(message or (
            f"{path.name}: cannot be read as {fmt} ({str(e).splitlines()[0]}). Check that the "
            "file is a complete export in that format.")) from e
    except BaseException:
        source.close()
        raise
    return source


def source_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The column names of an input file, without opening it for loading (no UTF-8 copy of a
    CSV file in another encoding is made for this)."""
    path = Path(path)
    if path.is_file() and path.stat().st_size:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        if _format_of(path, None, head) == "csv":
            complete = path.stat().st_size <= len(head)
            encoding = detect_encoding(head, complete=complete, name=path.name)
            return _header(path, head, encoding, complete)[1]
    with opened_source(con, path) as source:  # raises the reason it cannot be read
        return source.columns


@contextlib.contextmanager
def opened_source(con: duckdb.DuckDBPyConnection, path: Path, **kwargs):
    """:func:`open_source` as a context manager that closes the source and drops its views."""
    source = open_source(con, path, **kwargs)
    try:
        yield source
    finally:
        source.close()
        con.execute("DROP VIEW IF EXISTS src")
        con.execute("DROP VIEW IF EXISTS src_unordered")
