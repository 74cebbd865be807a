"""Usage events -> distinct events (``usage_rows``) -> person x tool x day (``usage``).

This is the one heavy step of the product: it runs inside DuckDB in a single streaming pass
over the file, so files larger than memory ingest without pandas.

Timestamps become instants, then days in the workspace time zone:

- a timestamp with an offset (``Z``, ``+01:00``) or a zone name is taken as written;
- a local time in a row with a ``timezone`` column (an IANA name such as ``Europe/Berlin``)
  is taken in that zone; an unknown zone is a reject naming it;
- a timestamp with neither is taken in the workspace time zone, with a finding saying how
  many; but where other rows of the same file have an offset, such rows are rejects (mixed
  time zones: the file cannot be read one way);
- a date outside the plausible range (:mod:`adoption.ingest.bounds`) is a reject.

Repeated events (the same person, tool, instant, feature and count) follow
:mod:`adoption.ingest.rollup`: max(k, j) over files, k within one. Rows repeated byte for byte
within a file are kept and reported as a finding.
"""

from __future__ import annotations

from adoption.errors import IngestError
from adoption.ingest.bounds import DateBounds, date_bounds
from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.reader import sql_ident
from adoption.ingest.rollup import EVENT_KEY, insert_fresh_days, rebuild_usage_days
from adoption.ingest.rollup import rolled_up_batches_sql as rolled_up
from adoption.ingest.sql import bad_value_reason, first_reason, trim_sql

__all__ = ["load_usage"]

#: A timestamp's text ends in an offset or a zone name after its time of day.
_OFFSET_RE = r":\d\d(\.\d+)?\s*(Z|z|[+-]\d\d(:?\d\d)?|UTC|GMT|[A-Za-z_]+/[A-Za-z_/+-]+)$"


def _has_offset(expr: str) -> str:
    """SQL: the timestamp text names its offset or zone (cheap tests first, per row)."""
    return (f"CASE WHEN suffix({expr}, 'Z') THEN true "
            f"WHEN contains(substr({expr}, 11), '+') THEN true "
            f"ELSE coalesce(regexp_matches(rtrim({expr}), '{_OFFSET_RE}'), false) END")


def _blank(expr: str) -> str:
    """SQL: ``expr`` is NULL or white space only (the full test only where it may be)."""
    return (f"CASE WHEN {expr} IS NULL THEN true WHEN {expr} < '0' OR {expr} >= '\x80' "
            f"THEN {trim_sql(expr)} = '' ELSE false END")


def _validated_sql(ctx: LoadContext, source: str, *, bounds: DateBounds, mixed: bool) -> str:
    """Rows of ``source`` parsed once, with the reason of the first failed check or NULL.

    From the ordered view ``src`` the row number and the raw row come along too.
    """
    f = ctx.fields
    col = f.column
    ts_head = f.header("timestamp")
    has_zone = f.has("timezone")
    zone_text = f"nullif({trim_sql(col('timezone'))}, '')" if has_zone else "NULL"
    join = (f"LEFT JOIN _tz_names z ON z.name = {zone_text}" if has_zone
            else "LEFT JOIN (SELECT CAST(NULL AS VARCHAR) AS name) z ON false")
    rules = [
        ("ts_text IS NULL OR trim(ts_text) = ''", f"'column {ts_head}: timestamp is empty'"),
        ("zone_text IS NOT NULL AND zone IS NULL",
         bad_value_reason(f.header("timezone"), "zone_text",
                          "is not an IANA time zone name; use e.g. Europe/Berlin or "
                          "America/New_York (the zone of the local times in that row)")),
        ("ts IS NULL",
         bad_value_reason(ts_head, "ts_text",
                          "is not an ISO 8601 timestamp; use e.g. 2026-01-05T09:30:00+01:00")),
        (bounds.outside_sql("CAST(ts AS DATE)"), bad_value_reason(ts_head, "ts_text",
                                                                  bounds.fix())),
    ]
    if mixed:
        rules.append(("naive", bad_value_reason(
            ts_head, "ts_text",
            "has no time zone offset while other rows of the file have one (mixed time "
            "zones); add the offset, e.g. +01:00, or a timezone column")))
    rules += [
        (_blank("person"), f"'column {f.header('email')}: person identifier is empty'"),
        (_blank("tool"), f"'column {f.header('tool')}: tool is empty'"),
        ("count_text IS NOT NULL AND trim(count_text) <> '' "
         "AND (nd IS NULL OR nd <> floor(nd) OR abs(nd) > 1e15)",
         bad_value_reason(f.header("count"), "count_text", "is not a whole number")),
        ("nd < 0", bad_value_reason(f.header("count"), "count_text",
                                    "is negative; counts must be 0 or more")),
    ]
    ordered = source == "src"
    row = f"_row, {f.raw_json()} AS raw" if ordered else "NULL AS _row, NULL AS raw"
    every = ", ".join(f"src.{sql_ident(c)}" for c in ctx.source.columns)
    # the hot path reads the values as they are (casts ignore surrounding blanks); trimming
    # every value of every row would cost more than the whole roll-up
    return f"""
        SELECT *, TRY_CAST(nd AS BIGINT) AS n, {first_reason(rules)} AS reason
        FROM (
            SELECT *, NOT has_offset AND zone IS NULL AS naive,
                   CASE WHEN NOT has_offset AND zone IS NOT NULL
                        THEN timezone(zone, TRY_CAST(ts_text AS TIMESTAMP))
                        ELSE TRY_CAST(ts_text AS TIMESTAMPTZ) END AS ts
            FROM (
                SELECT {row}, {col('timestamp')} AS ts_text, {zone_text} AS zone_text,
                       z.name AS zone,
                       {_has_offset(col('timestamp'))} AS has_offset,
                       {col('email')} AS person, {col('tool')} AS tool,
                       {col('feature')} AS feature, {col('count')} AS count_text,
                       TRY_CAST({col('count')} AS DOUBLE) AS nd, hash({every}) AS row_hash
                FROM {source} AS src {join}
            )
        )"""


def _staging_sql(ctx: LoadContext, bounds: DateBounds) -> str:
    """The single pass: parse once, validate, group identical rows.

    Invalid rows are grouped under their reason and only counted in this pass; their row
    numbers are found by a second pass that runs only when there are any. Identifiers are
    only lower-cased here; trimming, the full normalisation and the keyed hash run later on
    the (smaller) grouped result.
    """
    return f"""
        CREATE OR REPLACE TEMP TABLE u_stage AS
        SELECT reason IS NOT NULL AS is_bad, naive, lower(person) AS person, tool, ts, feature,
               n, row_hash, count(*) AS n_rows
        FROM ({_validated_sql(ctx, "src_unordered", bounds=bounds, mixed=False)})
        GROUP BY ALL"""


def _write_rejects(ctx: LoadContext, bounds: DateBounds, mixed: bool) -> int:
    """Second pass, in file order, for the rejected rows only: row number, reason, raw row."""
    ctx.con.execute("SET preserve_insertion_order = true")
    try:
        ctx.con.execute(f"""
            INSERT INTO rejects
            SELECT {ctx.batch_id}, _row, reason, raw
            FROM ({_validated_sql(ctx, "src", bounds=bounds, mixed=mixed)})
            WHERE reason IS NOT NULL""")
    finally:
        ctx.con.execute("SET preserve_insertion_order = false")
    return int(ctx.con.execute(
        "SELECT count(*) FROM rejects WHERE batch_id = ?", [ctx.batch_id]).fetchone()[0])


def load_usage(ctx: LoadContext) -> LoadCounts:
    con = ctx.con
    tz = ctx.workspace.settings.time_zone
    bounds = date_bounds(con, tz)
    if ctx.fields.has("timezone"):
        con.execute("CREATE OR REPLACE TEMP TABLE _tz_names AS "
                    "SELECT name FROM pg_timezone_names()")
    con.execute(_staging_sql(ctx, bounds))
    ctx.source.check_structure(con, scanned=True)
    counts = LoadCounts()
    read, naive, offset = con.execute("""SELECT coalesce(sum(n_rows), 0),
        coalesce(sum(n_rows) FILTER (WHERE NOT is_bad AND naive), 0),
        coalesce(sum(n_rows) FILTER (WHERE NOT is_bad AND NOT naive), 0) FROM u_stage""").fetchone()
    counts.read = int(read)
    mixed = bool(naive and offset)
    if mixed:
        con.execute("UPDATE u_stage SET is_bad = true WHERE naive AND NOT is_bad")
    elif naive:
        counts.add_finding(f"timestamps without a time zone offset, read as {tz} local time "
                           "(the workspace's time zone); add offsets or a timezone column to "
                           "be exact", naive)
    bad = int(con.execute("SELECT coalesce(sum(n_rows), 0) FROM u_stage WHERE is_bad"
                          ).fetchone()[0])
    counts.rejected = _write_rejects(ctx, bounds, mixed) if bad else 0
    if counts.rejected != bad:
        raise IngestError(f"{ctx.name}: {bad} invalid rows counted but {counts.rejected} found "
                          "again when listing them; nothing was stored. Please report this.")
    # white space is trimmed once per distinct tool and feature, not per row; persons are
    # normalised (all white space removed) when they are hashed
    con.execute(f"""CREATE OR REPLACE TEMP TABLE u_names AS
        SELECT 'tool' AS what, raw, {trim_sql('raw')} AS clean
        FROM (SELECT DISTINCT tool AS raw FROM u_stage)
        UNION ALL
        SELECT 'feature', raw, nullif({trim_sql('raw')}, '')
        FROM (SELECT DISTINCT feature AS raw FROM u_stage)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE u_valid AS
        SELECT s.person, t.clean AS tool, s.ts, CAST(s.ts AS DATE) AS day, f.clean AS feature,
               coalesce(s.n, 1) AS events, s.n_rows
        FROM u_stage s
        JOIN u_names t ON t.what = 'tool' AND t.raw = s.tool
        LEFT JOIN u_names f ON f.what = 'feature' AND f.raw = s.feature
        WHERE NOT s.is_bad""")
    repeated = con.execute("SELECT coalesce(sum(n_rows - 1), 0) FROM u_valid").fetchone()[0]
    if repeated:
        counts.add_finding("rows repeating an earlier row of the same file byte for byte (kept: "
                           "each copy counts; check the export if that is not meant)", repeated)
    ctx.register_identities("u_valid", "person", "u_idmap")
    con.execute("""CREATE OR REPLACE TEMP TABLE u_keys AS
        SELECT m.person_id, v.tool, v.day, v.ts, v.feature, v.events, sum(v.n_rows) AS copies
        FROM u_valid v JOIN u_idmap m ON m.norm = v.person
        GROUP BY ALL""")
    counts.loaded, counts.duplicate = _count_new(ctx)
    con.execute(f"""INSERT INTO usage_rows
        SELECT {ctx.batch_id}, person_id, tool, day, ts, feature, events, copies FROM u_keys""")
    # person-days an earlier batch already has are rolled up again; the others directly
    con.execute(f"""CREATE OR REPLACE TEMP TABLE u_days_old AS
        SELECT DISTINCT k.person_id, k.tool, k.day FROM u_keys k
        SEMI JOIN (SELECT * FROM usage WHERE batch_id IN ({rolled_up()})
                   AND batch_id <> {ctx.batch_id}) u
            ON u.person_id = k.person_id AND u.tool = k.tool AND u.day = k.day""")
    key = ", ".join(EVENT_KEY)
    insert_fresh_days(con, f"""SELECT {key}, copies FROM u_keys k
        ANTI JOIN u_days_old d
            ON d.person_id = k.person_id AND d.tool = k.tool AND d.day = k.day""",
                      ctx.batch_id)
    rebuild_usage_days(con, "u_days_old")
    counts.first_date, counts.last_date = con.execute(
        "SELECT min(day), max(day) FROM u_keys").fetchone()
    return counts


def _count_new(ctx: LoadContext) -> tuple[int, int]:
    """(loaded, duplicate) rows: an event's copies beyond what an earlier file holds load."""
    con = ctx.con
    total = int(con.execute("SELECT coalesce(sum(copies), 0) FROM u_keys").fetchone()[0])
    if not con.execute("SELECT count(*) FROM (SELECT 1 FROM usage_rows LIMIT 1)").fetchone()[0]:
        return total, 0
    def on(a: str, b: str) -> str:
        return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" if c == "feature"
                            else f"{a}.{c} = {b}.{c}" for c in EVENT_KEY)

    duplicate = con.execute(f"""
        SELECT coalesce(sum(least(k.copies, p.prev)), 0)
        FROM u_keys k JOIN (
            SELECT {", ".join(f"r.{c}" for c in EVENT_KEY)}, max(r.copies) AS prev
            FROM usage_rows r SEMI JOIN u_keys k ON {on("r", "k")}
            WHERE r.batch_id <> {ctx.batch_id}
            GROUP BY ALL) p ON {on("p", "k")}""").fetchone()[0]
    return total - int(duplicate), int(duplicate)
