"""What a loader gets (the open source file, its columns, the batch) and what it returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from adoption.ingest.reader import SourceFile
from adoption.ingest.sql import Fields
from adoption.workspace import Workspace

__all__ = ["LoadContext", "LoadCounts", "replace_rows"]


def replace_rows(con: duckdb.DuckDBPyConnection, batch_id: int, table: str,
                 condition: str) -> int:
    """Delete the rows of ``table`` matching ``condition`` (SQL over the alias ``t``) that
    batch ``batch_id`` replaces; they are kept in ``superseded_rows``, so that taking the batch
    out (:mod:`adoption.ingest.removal`) restores them. Returns how many."""
    con.execute(f"""INSERT INTO superseded_rows
        SELECT {int(batch_id)}, '{table}', t.batch_id, CAST(to_json(t) AS VARCHAR)
        FROM {table} t WHERE {condition}""")
    return int(con.execute(f"DELETE FROM {table} t WHERE {condition}").fetchone()[0])


@dataclass
class LoadCounts:
    """Row counts of one batch; ``read == loaded + rejected + duplicate`` must hold.

    A file without rows is refused, unless its loader sets ``empty_ok``: the file holds no
    rows by nature (an empty list for a small team, a report of a day without activity), and
    its batch is logged with the loader's note (and the dates it covers, if any).
    """

    read: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicate: int = 0
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    notes: list[str] = field(default_factory=list)
    empty_ok: bool = False
    #: (finding, rows) about loaded rows, stored in ``ingest_findings`` (also in the note)
    findings: list[tuple[str, int]] = field(default_factory=list)

    def add_finding(self, finding: str, rows: int) -> None:
        """A data-quality finding about ``rows`` loaded rows: in the note and the findings."""
        self.findings.append((finding, int(rows)))
        self.notes.append(f"{finding}: {int(rows):,} row(s)")


@dataclass
class LoadContext:
    """Everything a loader needs; it runs inside the batch's transaction."""

    con: duckdb.DuckDBPyConnection
    source: SourceFile
    fields: Fields
    batch_id: int
    workspace: Workspace
    as_of: dt.date | None = None

    @property
    def name(self) -> str:
        return self.source.path.name

    def register_identities(self, table: str, column: str, target: str) -> None:
        """Create temp table ``target(norm, person_id)`` hashing the distinct ``column``s.

        ``norm`` is the value as found; the hash is of its normalised form, so spellings that
        differ in case or white space map to the same person.
        """
        norms = [r[0] for r in self.con.execute(
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()]
        frame = pd.DataFrame({"norm": norms, "person_id": self.workspace.pseudonymise(norms)},
                             dtype="string")
        self.con.register("_idmap_frame", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS SELECT * FROM _idmap_frame")
        self.con.unregister("_idmap_frame")

    def replace_rows(self, table: str, condition: str) -> int:
        """:func:`replace_rows` for this batch."""
        return replace_rows(self.con, self.batch_id, table, condition)

    def write_rejects(self, table: str) -> int:
        """Copy rows of ``table`` having a ``reason`` into ``rejects``; returns how many."""
        self.con.execute(
            f"INSERT INTO rejects SELECT {self.batch_id}, _row, reason, raw FROM {table} "
            "WHERE reason IS NOT NULL"
        )
        return int(self.con.execute(
            f"SELECT count(*) FROM {table} WHERE reason IS NOT NULL").fetchone()[0])
