"""Take one batch back out of the store (``adoption undo BATCH``), in one transaction.

What goes: the batch's rows in every table with a ``batch_id`` (staged rows, its ingest log
entry, its rejects and findings). The tables without one (identities, kept names, name
tokens) are rebuilt, for every key the batch wrote, from what the other batches wrote
(:mod:`adoption.ingest.trace`), so a person named by an earlier and a later roster keeps
their identity when either goes. What comes back: rows of earlier batches that the batch had
replaced (a later copy of a roster snapshot or directory export, a redefined tool, a seat
given its removal date, a corrected identity mapping; kept in ``superseded_rows`` when
replaced), and the usage of person-days the batch shared with other files, rolled up again
from their events (:mod:`adoption.ingest.rollup`). The canonical tables are then rebuilt
(:func:`adoption.canonical.build.refresh_canonical`), so the marts are those of the batches
left. The archived raw file stays in the archive (nothing a user gave is lost), and the same
file can be ingested again afterwards.

A batch whose own rows a later batch replaced cannot go first: that later batch must be taken
out before it, so that every replaced row has exactly one batch to come back to.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from adoption.canonical.build import refresh_canonical
from adoption.errors import InputError
from adoption.ingest.rollup import rebuild_usage_days
from adoption.ingest.trace import replay_claims, table_shape
from adoption.schema import all_tables
from adoption.store import Store

__all__ = ["BatchRemoval", "remove_batch"]


@dataclass(frozen=True)
class BatchRemoval:
    """What taking a batch out did: rows removed and restored per table."""

    batch_id: int
    file: str
    removed: dict[str, int]
    restored: dict[str, int]

    def summary(self) -> str:
        gone = ", ".join(f"{n:,} from {t}" for t, n in self.removed.items() if n) or "none"
        back = ", ".join(f"{n:,} into {t}" for t, n in self.restored.items() if n)
        return (f"Batch {self.batch_id} ({self.file}) taken out: rows removed {gone}"
                + (f"; rows of earlier batches restored {back}" if back else "")
                + ". Its raw file stays in the archive; ingest the file again to put it back.")


def _tables_with_batch(con: duckdb.DuckDBPyConnection) -> list[str]:
    known = set(all_tables())
    rows = con.execute("""SELECT table_name FROM duckdb_columns()
        WHERE schema_name = 'main' AND column_name = 'batch_id'""").fetchall()
    # superseded rows are restored and claims replayed, not deleted; the ingest log goes last
    return sorted((r[0] for r in rows
                   if r[0] in known and r[0] not in ("superseded_rows", "row_claims")),
                  key=lambda t: (t == "ingest_log", t))


def _rows_of(kept: str, batch_id: int, table: str, shape: str) -> str:
    return (f"SELECT unnest(from_json(row_json, '{shape}')) FROM {kept} "
            f"WHERE batch_id = {int(batch_id)} AND table_name = '{table}'")


def _restore(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict[str, int]:
    """Put back the rows of earlier batches that the batch had replaced."""
    restored: dict[str, int] = {}
    tables = [r[0] for r in con.execute(
        "SELECT DISTINCT table_name FROM superseded_rows WHERE batch_id = ? ORDER BY 1",
        [batch_id]).fetchall()]
    for table in tables:
        names, shape = table_shape(con, table)
        cols = ", ".join(f'"{c}"' for c in names)
        restored[table] = int(con.execute(
            f"INSERT INTO {table} ({cols}) "
            f"{_rows_of('superseded_rows', batch_id, table, shape)}").fetchone()[0])
    con.execute("DELETE FROM superseded_rows WHERE batch_id = ?", [batch_id])
    return restored


def remove_batch(store: Store, batch_id: int) -> BatchRemoval:
    """Take batch ``batch_id`` out of ``store`` in one transaction (see the module docstring).

    Raises
    ------
    InputError
        No such batch, or a later batch replaced some of its rows (take that one out first).
    """
    con = store.con
    row = con.execute("SELECT file_name FROM ingest_log WHERE batch_id = ?",
                      [batch_id]).fetchone()
    if row is None:
        have = con.execute("SELECT min(batch_id), max(batch_id) FROM ingest_log").fetchone()
        listing = f"batches {have[0]} to {have[1]}" if have[0] is not None else "no batches"
        raise InputError(f"There is no batch {batch_id} in this workspace ({listing}); "
                         "`adoption batches` lists them.")
    later = [r[0] for r in con.execute(
        "SELECT DISTINCT batch_id FROM superseded_rows WHERE replaced_batch_id = ? ORDER BY 1",
        [batch_id]).fetchall()]
    if later:
        raise InputError(
            f"Batch {batch_id} ({row[0]}) cannot be taken out first: batch(es) {later} "
            f"replaced some of its rows. Take out batch {later[-1]} first (adoption undo "
            f"{later[-1]}), then batch {batch_id}.")
    removed: dict[str, int] = {}
    with store.transaction():
        con.execute("""CREATE OR REPLACE TEMP TABLE _undo_days AS
            SELECT DISTINCT person_id, tool, day FROM usage_rows WHERE batch_id = ?""",
                    [batch_id])
        removed.update(replay_claims(con, batch_id))
        for table in _tables_with_batch(con):
            removed[table] = int(con.execute(
                f"DELETE FROM {table} WHERE batch_id = ?", [batch_id]).fetchone()[0])
        restored = _restore(con, batch_id)
        rebuild_usage_days(con, "_undo_days")
        refresh_canonical(con, week_start=store.settings.week_start_index)
        con.execute("DROP TABLE IF EXISTS _undo_days")
    return BatchRemoval(batch_id, row[0], removed, restored)
