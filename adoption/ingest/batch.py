"""One input file = one batch: archive, detect, validate, load in one transaction, log."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from adoption.canonical.build import canonical_is_current, refresh_canonical
from adoption.errors import AdoptionError, IngestError, InputError
from adoption.ingest.archive import ArchiveCopy, archive_file, check_inside, file_sha256
from adoption.ingest.catalogue import load_seats, load_tools
from adoption.ingest.columns import KINDS, detect_kind, map_columns
from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.formats import FormatContext, SourceFormat, detect_format, get_format
from adoption.ingest.profile import (
    PROFILED_KINDS,
    ColumnProfile,
    profile_file,
    profile_source,
    write_profile,
)
from adoption.ingest.reader import SourceFile, open_source, source_columns
from adoption.ingest.roster import load_roster
from adoption.ingest.sql import Fields
from adoption.ingest.usage import drop_staged, load_usage
from adoption.store import Store
from adoption.workspace import Workspace

__all__ = ["IngestResult", "ingest_file", "ingest_files"]

log = logging.getLogger(__name__)

LOADERS: dict[str, Callable[[LoadContext], LoadCounts]] = {
    "roster": load_roster,
    "tools": load_tools,
    "seats": load_seats,
    "usage": load_usage,
}
#: Kinds are loaded in this order when several files are given at once.
KIND_ORDER = ("roster", "tools", "seats", "usage")
#: Load rank of each generic kind (named formats have their own, see ``SourceFormat.rank``).
KIND_RANK = {"roster": 0, "tools": 10, "seats": 20, "usage": 30}


@dataclass(frozen=True)
class IngestResult:
    """What happened to one input file.

    ``rows_read == rows_loaded + rows_rejected + rows_duplicate`` always holds.
    """

    file: str
    file_hash: str
    kind: str
    format: str
    batch_id: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_duplicate: int
    first_date: dt.date | None
    last_date: dt.date | None
    note: str
    already_ingested: bool = False

    def summary(self) -> str:
        """Two or three lines for the command line."""
        head = f"{self.file}: {self.kind} ({self.format}), batch {self.batch_id}"
        if self.already_ingested:
            return (f"{head}: already ingested (same content, SHA-256 {self.file_hash[:12]}); "
                    "nothing changed")
        lines = [head,
                 f"  read {self.rows_read:,} = loaded {self.rows_loaded:,} + rejected "
                 f"{self.rows_rejected:,} + duplicate {self.rows_duplicate:,}"]
        if self.first_date:
            lines.append(f"  dates {self.first_date} to {self.last_date}")
        if self.rows_rejected:
            lines.append(f"  rejected rows and their reasons: adoption rejects --batch "
                         f"{self.batch_id}")
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)


def _blank(path: Path) -> bool:
    """A file of white space only: its content cannot tell one day's empty report from
    another's, so its name is part of what makes it the same file."""
    size = path.stat().st_size
    return size == 0 or (size <= 64 and not path.read_bytes().strip())


def _already(store: Store, digest: str, path: Path) -> IngestResult | None:
    same_name = "AND file_name = ?" if _blank(path) else ""
    row = store.con.execute(
        f"""SELECT file_name, kind, format, batch_id, rows_read, first_date, last_date
           FROM ingest_log WHERE file_hash = ? {same_name} ORDER BY batch_id LIMIT 1""",
        [digest, path.name] if same_name else [digest]).fetchone()
    if row is None:
        return None
    name, kind, fmt, batch, read, first, last = row
    return IngestResult(name, digest, kind, fmt, batch, read, 0, 0, read, first, last,
                        "same content as an earlier file", already_ingested=True)


def ingest_file(
    workspace: Workspace,
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    fmt: str | None = None,
    as_of: dt.date | None = None,
    store: Store | None = None,
    source_format: str | None = None,
    options: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> IngestResult:
    """Ingest one file as one batch.

    The raw file is archived first (by SHA-256; a refused file's copy is removed again).
    Re-ingesting the same content changes nothing. The batch's rows, rejects and log entry
    land in one transaction, or not at all.

    Parameters
    ----------
    workspace : Workspace
    path : path-like
        CSV (any common delimiter; UTF-8, UTF-16 or a detected legacy encoding), Parquet
        or JSON Lines.
    kind : str, optional
        ``roster``, ``usage``, ``seats`` or ``tools``; detected from the columns if omitted.
    fmt : str, optional
        ``csv``, ``parquet`` or ``jsonl``; told from the file name if omitted.
    as_of : datetime.date, optional
        Snapshot date of a roster without an ``as_of`` column (default: today).
    source_format : str, optional
        A named format (vendor export, survey export, log; see
        :func:`adoption.ingest.formats.registered_formats`); detected if omitted.
    options : mapping, optional
        Options of the named format (e.g. ``instrument``, ``wave``, ``mapping``).
    encoding : str, optional
        The text encoding of the file (e.g. ``cp1250``) instead of detecting it; see
        :mod:`adoption.ingest.text`.

    Raises
    ------
    InputError
        The file cannot be read or its columns do not fit the kind.
    IngestError
        Loading failed; the store is as it was before.
    """
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise InputError(f"--kind {kind!r} is unknown; use one of {sorted(KINDS)}.")
    own = store is None
    store = store or workspace.store()
    named = get_format(source_format) if source_format else None
    options = {**(options or {}), **({"encoding": encoding} if encoding else {})}
    try:
        return _ingest(workspace, store, path, kind, fmt, as_of, named, options)
    finally:
        if own:
            store.close()


def _ingest(workspace: Workspace, store: Store, path: Path, kind: str | None, fmt: str | None,
            as_of: dt.date | None, named: SourceFormat | None = None,
            options: Mapping[str, str] | None = None) -> IngestResult:
    if not path.is_file():
        raise InputError(f"{path}: no such file. Check the path.")
    check_inside(path, path.parent)
    digest = file_sha256(path)
    previous = _already(store, digest, path)
    if previous is not None:
        archive_file(path, workspace.archive_dir)  # restores a lost archive copy, if need be
        return previous
    if named is None and kind is None and fmt is None:
        named = detect_format(path)
    archive = ArchiveCopy(path, workspace.archive_dir, digest)
    try:
        if named is not None:
            result = _load_named(workspace, store, path, named, as_of, options or {}, digest,
                                 archive)
        else:
            result = _load(workspace, store, path, kind, fmt, as_of, digest, archive,
                           (options or {}).get("encoding"))
    except BaseException:
        archive.discard()  # a refused batch archives nothing; its own error is reported
        raise
    archive.wait()
    return result


def _load(workspace: Workspace, store: Store, path: Path, kind: str | None, fmt: str | None,
          as_of: dt.date | None, digest: str, archive: ArchiveCopy,
          encoding: str | None = None) -> IngestResult:
    con = store.con
    source = open_source(con, path, fmt=fmt, encoding=encoding)
    try:
        return _load_source(workspace, store, source, kind, as_of, digest, archive)
    finally:
        source.close()
        con.execute("SET preserve_insertion_order = false")
        con.execute("DROP VIEW IF EXISTS src")
        con.execute("DROP VIEW IF EXISTS src_unordered")
        drop_staged(con)


def _load_source(workspace: Workspace, store: Store, source: SourceFile, kind: str | None,
                 as_of: dt.date | None, digest: str, archive: ArchiveCopy) -> IngestResult:
    con, path = store.con, source.path
    kind = kind or detect_kind(source.columns, source=path.name)
    mapping = map_columns(source.columns, kind, source=path.name)
    defaulted_as_of = kind == "roster" and "as_of" not in mapping and as_of is None
    if defaulted_as_of:
        as_of = dt.datetime.now(dt.UTC).date()
    batch_id = store.next_batch_id()
    fields = Fields(mapping, source.columns, redact=not workspace.settings.keep_names)
    ctx = LoadContext(con, source, fields, batch_id, workspace, as_of)
    # small kinds read the ordered view in one pass: keep file order for row numbers
    con.execute(f"SET preserve_insertion_order = {str(kind != 'usage').lower()}")
    try:
        if kind != "usage":  # usage finds malformed rows in its own first pass
            source.check_structure(con)
        with store.transaction():
            counts = LOADERS[kind](ctx)
            structural = source.structural_rejects(con)
            for line, reason, text in structural:
                con.execute("INSERT INTO rejects VALUES (?, ?, ?, ?)",
                            [batch_id, line, reason, None if fields.redacted else text])
            counts.read += len(structural)
            counts.rejected += len(structural)
            if defaulted_as_of:
                counts.notes.append(f"no as_of column: snapshot taken as of today ({as_of}); "
                                    "pass --as-of DATE for an older export")
            if source.encoding_note():
                counts.notes.append(source.encoding_note())
            profile = profile_source(con, source, kind=kind, mapping=mapping)
            note = _finish(workspace, con, path, batch_id, digest, kind, source.format, counts,
                           archive, source=kind, profile=profile)
            _refresh(store, kind)
    except AdoptionError:
        raise
    except duckdb.Error as e:
        explained = source.explain(e)
        if explained:
            raise InputError(explained) from e
        raise IngestError(
            f"{path.name}: loading failed and nothing of it was stored ({str(e).splitlines()[0]})."
            " Fix the file and ingest it again."
        ) from e
    return IngestResult(path.name, digest, kind, source.format, batch_id, counts.read,
                        counts.loaded, counts.rejected, counts.duplicate, counts.first_date,
                        counts.last_date, note)


def _finish(workspace: Workspace, con: duckdb.DuckDBPyConnection, path: Path, batch_id: int,
            digest: str, kind: str, fmt: str, counts: LoadCounts, archive: ArchiveCopy, *,
            source: str, profile: list[ColumnProfile] | None) -> str:
    """Check the counts, wait for the archive copy and log the batch with its profile
    (:mod:`adoption.ingest.profile`), inside its transaction."""
    _check_counts(path.name, counts, con, batch_id)
    note = "; ".join(counts.notes)
    try:
        archive.wait()  # nothing lands unless its raw file is archived
    except OSError as e:
        raise IngestError(
            f"{path.name}: the raw file could not be copied into the archive "
            f"{str(workspace.archive_dir)!r} ({e}); nothing was stored. Free disk space "
            "or fix the folder's permissions and ingest the file again.") from e
    con.execute(
        "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, path.name, digest, kind, fmt, counts.read, counts.loaded,
         counts.rejected, counts.duplicate, counts.first_date, counts.last_date,
         note or None])
    if counts.findings:
        con.executemany("INSERT INTO ingest_findings VALUES (?, ?, ?)",
                        [(batch_id, finding, rows) for finding, rows in counts.findings])
    if kind in PROFILED_KINDS:
        write_profile(con, batch_id, source, profile, first_date=counts.first_date,
                      last_date=counts.last_date,
                      week_start=workspace.settings.week_start_index)
    return note


def _load_named(workspace: Workspace, store: Store, path: Path, named: SourceFormat,
                as_of: dt.date | None, options: Mapping[str, str], digest: str,
                archive: ArchiveCopy) -> IngestResult:
    """Load a file of a named format (vendor, survey or log) in one transaction."""
    con = store.con
    batch_id = store.next_batch_id()
    ctx = FormatContext(con, path, batch_id, workspace, as_of, dict(options))
    profile = (profile_file(con, path, encoding=options.get("encoding"))
               if named.kind in PROFILED_KINDS else None)
    try:
        with store.transaction():
            counts = named.load(ctx)
            note = _finish(workspace, con, path, batch_id, digest, named.kind, named.name,
                           counts, archive, source=named.name, profile=profile)
            _refresh(store, named.kind)
    except AdoptionError:
        raise
    except duckdb.Error as e:
        raise IngestError(
            f"{path.name}: loading it as {named.name} failed and nothing of it was stored "
            f"({str(e).splitlines()[0]}). Fix the file and ingest it again.") from e
    return IngestResult(path.name, digest, named.kind, named.name, batch_id, counts.read,
                        counts.loaded, counts.rejected, counts.duplicate, counts.first_date,
                        counts.last_date, note)


#: Kinds whose batches change who is who or who works where: later files of the same run may
#: need that (a survey's respondents are placed in their team on the wave date).
_IDENTITY_KINDS = frozenset({"roster", "directory", "identities"})


def _refresh(store: Store, kind: str) -> None:
    """Rebuild the canonical tables inside the batch's transaction, unless a run of several
    files defers it to one rebuild at its end (:func:`ingest_files`); batches that change
    people or identities are never deferred."""
    if kind in _IDENTITY_KINDS or not getattr(store, "defer_canonical", False):
        refresh_canonical(store.con, week_start=store.settings.week_start_index)


def _check_counts(name: str, counts: LoadCounts, con: duckdb.DuckDBPyConnection,
                  batch_id: int) -> None:
    if counts.read != counts.loaded + counts.rejected + counts.duplicate:
        raise IngestError(
            f"{name}: counts do not reconcile (read {counts.read} != loaded {counts.loaded} + "
            f"rejected {counts.rejected} + duplicate {counts.duplicate}); nothing was stored. "
            "This is a bug: please report it with the file's layout.")
    if counts.read == 0 and not counts.empty_ok:
        raise IngestError(f"{name}: the file has a header but no data rows; nothing was stored.")
    if counts.loaded == 0 and counts.rejected == counts.read and counts.read:
        reasons = [r[0] for r in con.execute(
            "SELECT DISTINCT reason FROM rejects WHERE batch_id = ? LIMIT 5", [batch_id]
        ).fetchall()]
        raise IngestError(
            f"{name}: every one of its {counts.read:,} rows was rejected, so nothing was stored. "
            f"Reasons: {reasons}. Fix the file (or pass the right --kind) and ingest it again.")


def ingest_files(
    workspace: Workspace,
    paths: Iterable[str | os.PathLike[str]],
    *,
    kind: str | None = None,
    as_of: dt.date | None = None,
    on_result: Callable[[IngestResult], None] | None = None,
    on_start: Callable[[Path], None] | None = None,
    progress: bool = False,
    source_format: str | None = None,
    options: Mapping[str, str] | None = None,
    encoding: str | None = None,
    on_refused: Callable[[Path, AdoptionError], None] | None = None,
) -> list[IngestResult]:
    """Ingest several files, rosters and directories first, then tools, seats and usage.

    Each file is its own batch; the canonical tables are rebuilt once, after the last file
    (also when a file fails: the files before it stay loaded and counted). Named formats
    (vendor exports, surveys, logs) are detected per file unless ``source_format`` forces one.
    A refused file leaves no trace, in the store or the archive. Without ``on_refused`` the
    first refused file stops the run with its error (the files before it stay loaded); with
    it, each refused file and its error are handed to it and the run goes on.
    """
    paths = [Path(p) for p in paths]
    forced = get_format(source_format) if source_format else None
    options = {**(options or {}), **({"encoding": encoding} if encoding else {})}
    with workspace.store(progress=progress) as store:
        plan = {p: _plan(store, p, kind, forced) for p in paths}
        ranked = sorted(paths, key=lambda p: (plan[p][0], str(p)))
        results = []
        store.defer_canonical = True  # one rebuild for the whole run, at its end
        try:
            for p in ranked:
                if on_start:
                    on_start(p)
                named = plan[p][1]
                try:
                    result = _ingest(workspace, store, p, kind, None, as_of, named, options)
                except AdoptionError as e:
                    if on_refused is None:
                        raise
                    on_refused(p, e)
                    continue
                results.append(result)
                if on_result:
                    on_result(result)
        finally:
            store.defer_canonical = False
            if not canonical_is_current(store.con):
                with store.transaction():
                    refresh_canonical(store.con, week_start=store.settings.week_start_index)
    return results


def _plan(store: Store, path: Path, kind: str | None,
          forced: SourceFormat | None) -> tuple[int, SourceFormat | None]:
    """(load rank, named format or None) of one file; unreadable files go last."""
    if forced is not None:
        return forced.rank, forced
    if kind:
        return KIND_RANK[kind], None
    try:
        named = detect_format(path)
        if named is not None:
            return named.rank, named
        return KIND_RANK[detect_kind(source_columns(store.con, path), source=path.name)], None
    except AdoptionError:
        return 1000, None
