"""Usage events -> person x tool x day (``usage``) and x feature (``usage_features``).

This is the one heavy step of the product: it runs inside DuckDB in a single streaming pass
over the file, so files larger than memory ingest without pandas. Event timestamps become
days in the workspace time zone (timestamps without an offset are read as local time there).

Overlapping exports: a (tool, day) already loaded by an earlier batch is not loaded again;
its rows count as duplicates. Rows repeated within one file are kept, since two identical
events in the same second are possible.
"""

from __future__ import annotations

from adoption.errors import IngestError
from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.sql import bad_value_reason, first_reason

__all__ = ["load_usage"]


def _validated_sql(ctx: LoadContext, source: str) -> str:
    """Rows of ``source`` parsed once, with the reason of the first failed check or NULL.

    From the ordered view ``src`` the row number and the raw row come along too.
    """
    f = ctx.fields
    col = f.column
    rules = [
        ("ts_text IS NULL OR trim(ts_text) = ''",
         f"'column {f.header('timestamp')}: timestamp is empty'"),
        ("ts IS NULL",
         bad_value_reason(f.header("timestamp"), "ts_text",
                          "is not an ISO 8601 timestamp; use e.g. 2026-01-05T09:30:00+01:00")),
        ("person IS NULL OR trim(person) = ''",
         f"'column {f.header('email')}: person identifier is empty'"),
        ("tool IS NULL OR trim(tool) = ''", f"'column {f.header('tool')}: tool is empty'"),
        ("count_text IS NOT NULL AND trim(count_text) <> '' "
         "AND (nd IS NULL OR nd <> floor(nd) OR abs(nd) > 1e15)",
         bad_value_reason(f.header("count"), "count_text", "is not a whole number")),
        ("nd < 0", bad_value_reason(f.header("count"), "count_text",
                                    "is negative; counts must be 0 or more")),
    ]
    ordered = source == "src"
    row = f"_row, {f.raw_json()} AS raw" if ordered else "NULL AS _row, NULL AS raw"
    # the hot path reads the values as they are (casts ignore surrounding blanks); trimming
    # every value of every row would cost more than the whole roll-up
    return f"""
        SELECT *, TRY_CAST(nd AS BIGINT) AS n, {first_reason(rules)} AS reason
        FROM (
            SELECT {row}, {col('timestamp')} AS ts_text,
                   TRY_CAST({col('timestamp')} AS TIMESTAMPTZ) AS ts,
                   {col('email')} AS person, {col('tool')} AS tool,
                   {col('feature')} AS feature, {col('count')} AS count_text,
                   TRY_CAST({col('count')} AS DOUBLE) AS nd
            FROM {source} AS src
        )"""


def _staging_sql(ctx: LoadContext) -> str:
    """The single pass: parse once, validate, turn timestamps into days, group.

    Invalid rows are grouped under their reason and only counted in this pass; their row
    numbers are found by a second pass that runs only when there are any. Identifiers are
    only lower-cased here; trimming, the full normalisation and the keyed hash run later on
    the much smaller grouped result.
    """
    return f"""
        CREATE OR REPLACE TEMP TABLE u_stage AS
        SELECT reason IS NOT NULL AS is_bad, lower(person) AS person, tool,
               CAST(ts AS DATE) AS day, feature,
               sum(coalesce(n, 1)) AS events, count(*) AS n_rows
        FROM ({_validated_sql(ctx, "src_unordered")})
        GROUP BY reason, lower(person), tool, CAST(ts AS DATE), feature"""


def _write_rejects(ctx: LoadContext) -> int:
    """Second pass, in file order, for the rejected rows only: row number, reason, raw row."""
    ctx.con.execute("SET preserve_insertion_order = true")
    try:
        ctx.con.execute(f"""
            INSERT INTO rejects
            SELECT {ctx.batch_id}, _row, reason, raw
            FROM ({_validated_sql(ctx, "src")})
            WHERE reason IS NOT NULL""")
    finally:
        ctx.con.execute("SET preserve_insertion_order = false")
    return int(ctx.con.execute(
        "SELECT count(*) FROM rejects WHERE batch_id = ?", [ctx.batch_id]).fetchone()[0])


def load_usage(ctx: LoadContext) -> LoadCounts:
    con = ctx.con
    con.execute(_staging_sql(ctx))
    counts = LoadCounts()
    counts.read = int(con.execute("SELECT coalesce(sum(n_rows), 0) FROM u_stage").fetchone()[0])
    bad = int(con.execute("SELECT coalesce(sum(n_rows), 0) FROM u_stage WHERE is_bad"
                          ).fetchone()[0])
    counts.rejected = _write_rejects(ctx) if bad else 0
    if counts.rejected != bad:
        raise IngestError(f"{ctx.name}: {bad} invalid rows counted but {counts.rejected} found "
                          "again when listing them; nothing was stored. Please report this.")
    con.execute("""CREATE OR REPLACE TEMP TABLE u_valid AS
        SELECT trim(person) AS person, trim(tool) AS tool, day,
               nullif(trim(feature), '') AS feature, events, n_rows
        FROM u_stage WHERE NOT is_bad""")
    # (tool, day) slices loaded by an earlier batch are not loaded twice
    con.execute("""CREATE OR REPLACE TEMP TABLE u_seen AS
        SELECT DISTINCT g.tool, g.day FROM (SELECT DISTINCT tool, day FROM u_valid) g
        JOIN usage u ON u.tool = g.tool AND u.day = g.day""")
    dup = con.execute("""SELECT coalesce(sum(n_rows), 0), count(DISTINCT (tool, day))
        FROM u_valid SEMI JOIN u_seen USING (tool, day)""").fetchone()
    counts.duplicate = int(dup[0])
    if dup[1]:
        counts.notes.append(
            f"{dup[1]} tool-day(s) were already loaded by an earlier file; their rows were "
            "counted as duplicates and not loaded again")
    con.execute("""CREATE OR REPLACE TEMP TABLE u_good AS
        SELECT * FROM u_valid ANTI JOIN u_seen USING (tool, day)""")
    ctx.register_identities("u_good", "person", "u_idmap")
    # Spellings that differ only in ways the cheap SQL normalisation keeps apart (e.g. a
    # non-breaking space) hash to one person: only then do feature rows need re-grouping.
    merged = con.execute("SELECT count(*) > count(DISTINCT person_id) FROM u_idmap").fetchone()[0]
    merged = merged or con.execute(
        "SELECT count(*) > 0 FROM (SELECT DISTINCT tool, feature FROM u_stage WHERE NOT is_bad) "
        "WHERE tool <> trim(tool) OR feature <> trim(feature)").fetchone()[0]
    features = (f"""SELECT m.person_id, g.tool, g.day, g.feature, sum(g.events), {ctx.batch_id}
        FROM u_good g JOIN u_idmap m ON m.norm = g.person WHERE g.feature IS NOT NULL
        GROUP BY ALL""" if merged else f"""
        SELECT m.person_id, g.tool, g.day, g.feature, g.events, {ctx.batch_id}
        FROM u_good g JOIN u_idmap m ON m.norm = g.person WHERE g.feature IS NOT NULL""")
    con.execute(f"INSERT INTO usage_features {features}")
    con.execute(f"""INSERT INTO usage
        SELECT m.person_id, g.tool, g.day, sum(g.events), {ctx.batch_id}
        FROM u_good g JOIN u_idmap m ON m.norm = g.person
        GROUP BY ALL""")
    row = con.execute("SELECT coalesce(sum(n_rows), 0), min(day), max(day) FROM u_good"
                      ).fetchone()
    counts.loaded = int(row[0])
    counts.first_date, counts.last_date = row[1], row[2]
    return counts
