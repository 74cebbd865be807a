"""Named source formats: vendor exports, survey exports and logs, each with its own reader.

The generic kinds (roster, usage, seats, tools) are plain tables with a header row, told
apart by their columns (:mod:`adoption.ingest.columns`). Everything else, a GitHub Copilot
seats JSON, a Qualtrics CSV with three header rows, a Squid access log, is a
:class:`SourceFormat`: a ``sniff`` that recognises the file from its first bytes and a
``load`` that writes its rows into the store inside the batch's transaction.

Formats are collected from the modules registered in :mod:`adoption.registry` (the package
root registers the readers' modules, which sit above this layer); each such module has a list
``FORMATS`` of :class:`SourceFormat`. Detection asks every format whose
``suffixes`` fit the file name; exactly one may claim it, so one format is never mistaken
for another (a test holds every fixture against every sniffer).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import importlib
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from adoption.errors import FormatDetectionError, InputError
from adoption.ingest.context import LoadCounts, replace_rows
from adoption.ingest.text import decode_text, read_text
from adoption.registry import format_modules
from adoption.workspace import Workspace

__all__ = [
    "FormatContext",
    "Sniff",
    "SourceFormat",
    "detect_format",
    "get_format",
    "registered_formats",
]

#: How many bytes of a file a sniffer sees.
HEAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class Sniff:
    """The beginning of a file, for sniffers: raw bytes and cached decodings of them."""

    path: Path
    head: bytes

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @functools.cached_property
    def text(self) -> str:
        """The head as text, decoded as every reader decodes (:mod:`adoption.ingest.text`);
        empty when it is not text."""
        try:
            return decode_text(self.head, name=self.path.name,
                               complete=self.path.stat().st_size <= len(self.head))
        except InputError:
            return ""

    @functools.cached_property
    def lines(self) -> list[str]:
        """Up to the first 50 lines of text (the last one may be cut)."""
        return self.text.splitlines()[:50]

    @functools.cached_property
    def csv_rows(self) -> list[list[str]]:
        """The first rows parsed as CSV with the sniffed delimiter (may be cut at the end)."""
        sample = self.text[:64 * 1024]
        # only the delimiter comes from the sniffer: the first line alone cannot tell how
        # later lines quote (e.g. Qualtrics' ImportId row with doubled quotes)
        try:
            delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample,
                                            delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
        try:
            return list(csv.reader(io.StringIO(sample), csv.excel, delimiter=delimiter))[:20]
        except csv.Error:
            return []

    @functools.cached_property
    def header(self) -> list[str]:
        """The first CSV row with surrounding blanks stripped (empty if none)."""
        return [c.strip() for c in self.csv_rows[0]] if self.csv_rows else []

    @functools.cached_property
    def json(self) -> Any:
        """The whole file parsed as JSON when it is small enough and is JSON, else None."""
        if self.path.stat().st_size > len(self.head):
            try:
                return json.loads(read_text(self.path))
            except (ValueError, OSError):
                return None
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @functools.cached_property
    def first_json_line(self) -> Any:
        """The first line parsed as JSON (NDJSON files), else None."""
        for line in self.lines[:1]:
            try:
                return json.loads(line)
            except ValueError:
                return None
        return None

    @functools.cached_property
    def xlsx_rows(self) -> list[list[Any]]:
        """The first 10 rows of the first sheet of an .xlsx file (empty if not one)."""
        if self.suffix not in (".xlsx", ".xlsm") or not self.head.startswith(b"PK"):
            return []
        try:
            import openpyxl

            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                return [list(r) for r in ws.iter_rows(max_row=10, values_only=True)]
            finally:
                wb.close()
        except Exception:  # noqa: BLE001 - not a readable workbook: no format claims it
            return []


@dataclass
class FormatContext:
    """What a format's ``load`` gets; it runs inside the batch's transaction.

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
        The store's connection, in a transaction: write with it, never commit.
    path : Path
        The input file (read it; never change it).
    batch_id : int
    workspace : Workspace
    as_of : datetime.date or None
        ``--as-of`` from the command line (snapshot date of exports without one).
    options : Mapping[str, str]
        Format options from the command line or API (e.g. ``instrument``, ``wave``,
        ``mapping``); each format documents its own.
    """

    con: duckdb.DuckDBPyConnection
    path: Path
    batch_id: int
    workspace: Workspace
    as_of: dt.date | None = None
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def redact(self) -> bool:
        """Whether identifying values must be redacted from stored reject rows."""
        return not self.workspace.settings.keep_names

    def read_text(self) -> str:
        """The whole input file as text, decoded as every reader decodes
        (:mod:`adoption.ingest.text`; ``--encoding`` is honoured)."""
        return read_text(self.path, forced=self.options.get("encoding"))

    def replace_rows(self, table: str, condition: str) -> int:
        """Delete rows of earlier batches this batch replaces, kept so that taking it out
        restores them (:func:`adoption.ingest.context.replace_rows`)."""
        return replace_rows(self.con, self.batch_id, table, condition)

    def reject(self, rows: Iterable[tuple[int, str, str | None]]) -> int:
        """Store rejected rows (row number in the file, reason, raw text); returns how many.

        Pass raw text already redacted of identifiers unless :attr:`redact` is false.
        """
        rows = list(rows)
        if rows:
            self.con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?)",
                                 [(self.batch_id, int(r), str(why), raw) for r, why, raw in rows])
        return len(rows)

    def insert_frame(self, table: str, frame: pd.DataFrame) -> int:
        """Append a DataFrame to a store table by column name; returns the rows written."""
        if frame.empty:
            return 0
        self.con.register("_format_frame", frame)
        try:
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _format_frame")
        finally:
            self.con.unregister("_format_frame")
        return len(frame)


@dataclass(frozen=True)
class SourceFormat:
    """One named source format.

    Attributes
    ----------
    name : str
        Unique name, used by ``--format`` and recorded as the batch's format.
    kind : str
        What the rows are (recorded as the batch's kind): e.g. ``"seats"``, ``"usage"``,
        ``"survey"``, ``"discovery"``, ``"directory"``.
    description : str
        One line for listings and errors.
    suffixes : tuple of str
        File name endings this format can be (``".csv"``, ``".json"``, ``".xlsx"`` ...).
    sniff : callable
        ``sniff(Sniff) -> bool``: does this file look like this format? Must be cheap and
        must not raise.
    load : callable
        ``load(FormatContext) -> LoadCounts``; raises :class:`adoption.errors.InputError`
        with a clear message for a file it cannot read.
    rank : int
        Load order when several files come at once: directories and rosters (0-9) before
        catalogues (10-19), seats (20-29), usage (30-39), then the rest.
    source : str
        Where the layout is documented (URL), shown in ``docs/sources.md``.
    """

    name: str
    kind: str
    description: str
    suffixes: tuple[str, ...]
    sniff: Callable[[Sniff], bool]
    load: Callable[[FormatContext], LoadCounts]
    rank: int = 50
    source: str = ""


def registered_formats() -> dict[str, SourceFormat]:
    """Every named format, by name, from the modules of :func:`adoption.registry.format_modules`."""
    return _collect_formats(format_modules())


@functools.cache
def _collect_formats(modules: tuple[str, ...]) -> dict[str, SourceFormat]:
    out: dict[str, SourceFormat] = {}
    for module in modules:
        for fmt in importlib.import_module(module).FORMATS:
            if fmt.name in out:
                raise RuntimeError(f"two formats are named {fmt.name!r}")
            out[fmt.name] = fmt
    return out


def get_format(name: str) -> SourceFormat:
    """The format called ``name``; an :class:`InputError` lists the known ones otherwise."""
    formats = registered_formats()
    if name not in formats:
        raise InputError(f"format {name!r} is unknown; known formats: {sorted(formats)}.")
    return formats[name]


def sniff_file(path: Path) -> Sniff:
    with Path(path).open("rb") as fh:
        return Sniff(Path(path), fh.read(HEAD_BYTES))


def detect_format(path: str | Path) -> SourceFormat | None:
    """The named format that claims ``path``, or None for a generic table.

    Raises
    ------
    FormatDetectionError
        If more than one format claims the file.
    """
    path = Path(path)
    if not path.is_file():
        return None  # an empty file is sniffed too: a day's report without activity is one
    sniff = sniff_file(path)
    claims = [f for f in registered_formats().values()
              if sniff.suffix in f.suffixes and _claims(f, sniff)]
    if len(claims) > 1:
        names = sorted(f.name for f in claims)
        raise FormatDetectionError(
            f"{path.name}: the file looks like several formats {names}. Pass --format with "
            "the right one.")
    return claims[0] if claims else None


def _claims(fmt: SourceFormat, sniff: Sniff) -> bool:
    try:
        return bool(fmt.sniff(sniff))
    except Exception:  # noqa: BLE001 - a sniffer that fails does not claim the file
        return False


def format_suffixes() -> frozenset[str]:
    """Every file name ending some named format reads."""
    return frozenset(s for f in registered_formats().values() for s in f.suffixes)
