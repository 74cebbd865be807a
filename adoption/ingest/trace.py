"""Which batches hold the rows of the tables that have no ``batch_id`` (identities, names).

Most store tables carry the ``batch_id`` of the batch that wrote each row, so a batch can be
taken out again (:mod:`adoption.ingest.removal`). ``identities``, ``person_names`` and
``name_tokens`` are shared: several batches write the same row (every roster snapshot names
the same people), one batch's row may replace another's (a corrected identity mapping). So
every reader writes them through :func:`claim_rows`, which records each row the batch holds
in ``row_claims`` (also when the row was there already), with how it was written:
``replace`` (the batch's row wins, ``INSERT OR REPLACE``) or not (the row already there wins,
``INSERT OR IGNORE``).

Taking a batch out then replays, for every key the batch claimed, the claims of the batches
left in load order (:func:`replay_claims`): the last replacing claim wins, else the first
one; a key nobody claims any more goes. The table ends as if the batch had never been loaded.
A row already there when its key is first claimed, written before claims were recorded, is
held by "batch 0", which is never taken out.
"""

from __future__ import annotations

import duckdb

__all__ = ["TRACED_TABLES", "claim_rows", "replay_claims", "table_shape"]

#: Store tables without a batch_id that batches write, and the columns of their key.
TRACED_TABLES: dict[str, tuple[str, ...]] = {
    "identities": ("identity_hash", "system"),
    "person_names": ("person_id",),
    "name_tokens": ("token_hash",),
}


def claim_rows(con: duckdb.DuckDBPyConnection, batch_id: int, table: str, rows_sql: str, *,
               replace: bool) -> None:
    """Write the rows of ``rows_sql`` (a query giving the table's columns in order) into
    ``table``, and record that batch ``batch_id`` holds them.

    ``replace``: the batch's rows replace rows of the same key (else those stay).
    """
    if table not in TRACED_TABLES:
        raise ValueError(f"{table!r} is not one of the traced tables {sorted(TRACED_TABLES)}")
    # the table's own column names (the query's may differ), no constraint
    con.execute(f"CREATE OR REPLACE TEMP TABLE _claimed AS SELECT * FROM {table} LIMIT 0")
    con.execute(f"INSERT INTO _claimed {rows_sql}")
    try:
        # a row of these keys written before claims were recorded (a store of an earlier
        # version) is held by "batch 0", which is never taken out
        key = TRACED_TABLES[table]
        same = " AND ".join(f't."{c}" IS NOT DISTINCT FROM c."{c}"' for c in key)
        con.execute(f"""INSERT INTO row_claims
            SELECT 0, '{table}', false, CAST(to_json(t) AS VARCHAR)
            FROM {table} t WHERE EXISTS (SELECT 1 FROM _claimed c WHERE {same})
              AND CAST(to_json(t) AS VARCHAR) NOT IN (
                  SELECT row_json FROM row_claims WHERE table_name = '{table}')""")
        verb = "REPLACE" if replace else "IGNORE"
        con.execute(f"INSERT OR {verb} INTO {table} SELECT * FROM _claimed")
        con.execute(f"""INSERT INTO row_claims
            SELECT {int(batch_id)}, '{table}', {replace}, CAST(to_json(c) AS VARCHAR)
            FROM _claimed c""")
    finally:
        con.execute("DROP TABLE _claimed")


def table_shape(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list[str], str]:
    """(column names, from_json structure) of a store table."""
    cols = con.execute(f"DESCRIBE {table}").fetchall()
    return ([c[0] for c in cols],
            "{" + ", ".join(f'"{c[0]}": "{c[1]}"' for c in cols) + "}")


def replay_claims(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict[str, int]:
    """Take batch ``batch_id``'s claims out and rebuild the keys it claimed from the claims
    of the other batches (see the module docstring). Returns, per table, how many rows fewer
    it holds."""
    removed = {}
    for table, key in TRACED_TABLES.items():
        names, shape = table_shape(con, table)
        cols = ", ".join(f'"{c}"' for c in names)
        keys = ", ".join(f'"{c}"' for c in key)
        same = " AND ".join(f't."{c}" IS NOT DISTINCT FROM k."{c}"' for c in key)
        claims = f"""(SELECT batch_id, replaces, unnest(from_json(row_json, '{shape}'))
                      FROM row_claims WHERE table_name = '{table}')"""
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _keys AS
            SELECT DISTINCT {keys} FROM {claims} WHERE batch_id = {int(batch_id)}""")
        deleted = int(con.execute(
            f"DELETE FROM {table} t USING _keys k WHERE {same}").fetchone()[0])
        con.execute("DELETE FROM row_claims WHERE batch_id = ? AND table_name = ?",
                    [batch_id, table])
        rebuilt = con.execute(f"""INSERT INTO {table} ({cols})
            SELECT {cols} FROM {claims} t SEMI JOIN _keys k ON {same}
            QUALIFY row_number() OVER (
                PARTITION BY {", ".join(f't."{c}"' for c in key)}
                ORDER BY replaces DESC,
                         CASE WHEN replaces THEN -batch_id ELSE batch_id END) = 1""").fetchone()[0]
        removed[table] = deleted - int(rebuilt)
        con.execute("DROP TABLE _keys")
    return removed
