"""Usage events -> person x tool x day (``usage``) and x feature (``usage_features``).

This is the one heavy step of the product: it runs inside DuckDB in a single streaming pass
over the file, so files larger than memory ingest without pandas. Event timestamps become
days in the workspace time zone (timestamps without an offset are read as local time there).

Overlapping exports: a (tool, day) already loaded by an earlier batch is not loaded again;
its rows count as duplicates. Rows repeated within one file are kept, since two identical
events in the same second are possible.
"""

from __future__ import annotations

from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.sql import bad_value_reason, first_reason, norm_identifier_sql

__all__ = ["load_usage"]


def _staging_sql(ctx: LoadContext) -> str:
    """The single pass: validate, turn timestamps into days, group."""
    f = ctx.fields
    ts, person, tool = f.raw("timestamp"), f.raw("email"), f.raw("tool")
    count = f.raw("count")
    rules = [
        (f"{ts} IS NULL", f"'column {f.header('timestamp')}: timestamp is empty'"),
        (f"TRY_CAST({ts} AS TIMESTAMPTZ) IS NULL",
         bad_value_reason(f.header("timestamp"), ts,
                          "is not an ISO 8601 timestamp; use e.g. 2026-01-05T09:30:00+01:00")),
        (f"{person} IS NULL", f"'column {f.header('email')}: person identifier is empty'"),
        (f"{tool} IS NULL", f"'column {f.header('tool')}: tool is empty'"),
        (f"{count} IS NOT NULL AND TRY_CAST({count} AS BIGINT) IS NULL",
         bad_value_reason(f.header("count"), count, "is not a whole number")),
        (f"TRY_CAST({count} AS BIGINT) < 0",
         bad_value_reason(f.header("count"), count, "is negative; counts must be 0 or more")),
    ]
    reason = first_reason(rules)
    return f"""
        CREATE OR REPLACE TEMP TABLE u_stage AS
        SELECT bad_row AS _row, reason, raw, person_norm, tool, day, feature,
               sum(n) AS events, count(*) AS n_rows
        FROM (
            SELECT CASE WHEN reason IS NULL THEN NULL ELSE _row END AS bad_row, reason,
                   CASE WHEN reason IS NULL THEN NULL ELSE {f.raw_json()} END AS raw,
                   CASE WHEN reason IS NULL THEN {norm_identifier_sql(person)} END AS person_norm,
                   CASE WHEN reason IS NULL THEN {tool} END AS tool,
                   CASE WHEN reason IS NULL THEN CAST(TRY_CAST({ts} AS TIMESTAMPTZ) AS DATE) END
                       AS day,
                   CASE WHEN reason IS NULL THEN {f.raw('feature')} END AS feature,
                   coalesce(TRY_CAST({count} AS BIGINT), 1) AS n
            FROM (SELECT *, {reason} AS reason FROM src) AS src
        )
        GROUP BY ALL"""


def load_usage(ctx: LoadContext) -> LoadCounts:
    con = ctx.con
    con.execute(_staging_sql(ctx))
    counts = LoadCounts()
    counts.read = int(con.execute("SELECT coalesce(sum(n_rows), 0) FROM u_stage").fetchone()[0])
    counts.rejected = ctx.write_rejects("u_stage")
    con.execute("""CREATE OR REPLACE TEMP TABLE u_good AS
        SELECT person_norm, tool, day, feature, events, n_rows FROM u_stage
        WHERE reason IS NULL""")
    # (tool, day) slices loaded by an earlier batch are not loaded twice
    con.execute("""CREATE OR REPLACE TEMP TABLE u_seen AS
        SELECT DISTINCT g.tool, g.day FROM (SELECT DISTINCT tool, day FROM u_good) g
        JOIN usage u ON u.tool = g.tool AND u.day = g.day""")
    dup = con.execute("""SELECT coalesce(sum(n_rows), 0), count(DISTINCT (tool, day))
        FROM u_good SEMI JOIN u_seen USING (tool, day)""").fetchone()
    counts.duplicate = int(dup[0])
    if dup[1]:
        counts.notes.append(
            f"{dup[1]} tool-day(s) were already loaded by an earlier file; their rows were "
            "counted as duplicates and not loaded again")
    con.execute("DELETE FROM u_good WHERE (tool, day) IN (SELECT (tool, day) FROM u_seen)")
    ctx.register_identities("u_good", "person_norm", "u_idmap")
    con.execute(f"""INSERT INTO usage_features
        SELECT m.person_id, g.tool, g.day, g.feature, sum(g.events), {ctx.batch_id}
        FROM u_good g JOIN u_idmap m ON m.norm = g.person_norm
        WHERE g.feature IS NOT NULL
        GROUP BY ALL""")
    con.execute(f"""INSERT INTO usage
        SELECT m.person_id, g.tool, g.day, sum(g.events), {ctx.batch_id}
        FROM u_good g JOIN u_idmap m ON m.norm = g.person_norm
        GROUP BY ALL""")
    row = con.execute("SELECT coalesce(sum(n_rows), 0), min(day), max(day) FROM u_good").fetchone()
    counts.loaded = int(row[0])
    counts.first_date, counts.last_date = row[1], row[2]
    return counts
