"""What a batch changed in the tables that have no ``batch_id`` (identities, kept names).

Most store tables carry the ``batch_id`` of the batch that wrote each row, so a batch can be
taken out again (:mod:`adoption.ingest.removal`). ``identities`` and ``person_names`` are
written by several readers without one; for them, each batch's changes are recorded inside
its transaction by comparing the tables before and after its load: rows it added go to
``added_rows``, rows it replaced or deleted to ``superseded_rows`` (with the batch that had
added them, when one did).
"""

from __future__ import annotations

import duckdb

__all__ = ["TRACED_TABLES", "record_changes", "snapshot_traced"]

#: Store tables without a batch_id that batches write.
TRACED_TABLES = ("identities", "person_names")


def snapshot_traced(con: duckdb.DuckDBPyConnection) -> None:
    """Keep a copy of the traced tables as they are before a batch loads."""
    for table in TRACED_TABLES:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _before_{table} AS SELECT * FROM {table}")


def record_changes(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Record what batch ``batch_id`` changed in the traced tables since :func:`snapshot_traced`."""
    for table in TRACED_TABLES:
        before = f"_before_{table}"
        con.execute(f"""INSERT INTO added_rows
            SELECT {int(batch_id)}, '{table}', CAST(to_json(x) AS VARCHAR)
            FROM (SELECT * FROM {table} EXCEPT SELECT * FROM {before}) x""")
        con.execute(f"""INSERT INTO superseded_rows
            SELECT {int(batch_id)}, '{table}', coalesce(a.batch_id, 0), g.row_json
            FROM (SELECT CAST(to_json(x) AS VARCHAR) AS row_json
                  FROM (SELECT * FROM {before} EXCEPT SELECT * FROM {table}) x) g
            LEFT JOIN (SELECT max(batch_id) AS batch_id, row_json FROM added_rows
                       WHERE table_name = '{table}' GROUP BY row_json) a USING (row_json)""")
        con.execute(f"DROP TABLE {before}")
