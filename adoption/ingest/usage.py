"""Usage events -> distinct events (``usage_rows``) -> person x tool x day (``usage``).

This is the one heavy step of the product: it runs inside DuckDB in two streaming passes over
the file (a summary into a few small groups, then the events with integer keys), so files
larger than memory ingest without pandas and memory grows with people and days, not events.

Timestamps become instants, then days in the workspace time zone:

- a timestamp with an offset (``Z``, ``+01:00``) or a zone name is taken as written;
- a local time in a row with a ``timezone`` column (an IANA name such as ``Europe/Berlin``)
  is taken in that zone; an unknown zone is a reject naming it;
- a timestamp with neither is taken in the workspace time zone, with a finding saying how
  many; but where other rows of the same file have an offset, such rows are rejects (mixed
  time zones: the file cannot be read one way);
- a date outside the plausible range (:mod:`adoption.ingest.bounds`) is a reject.

Repeated events (the same person, tool, instant, feature and count) follow
:mod:`adoption.ingest.rollup`: max(k, j) over files, k within one. Rows repeating an event of
the same file (same person, tool, instant, feature and count) are kept and reported as a
finding.
"""

from __future__ import annotations

from adoption.errors import IngestError
from adoption.ingest.bounds import DateBounds, date_bounds
from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.rollup import EVENT_KEY, rebuild_usage_days
from adoption.ingest.rollup import rolled_up_batches_sql as rolled_up
from adoption.ingest.sql import bad_value_reason, first_reason, trim_sql

__all__ = ["drop_staged", "load_usage"]

#: The loader's temporary tables (and view), dropped after each file.
_STAGED = ("u_summary", "u_idmap", "u_names", "u_rows", "u_events", "u_people", "u_labels",
           "u_days", "u_days_old", "u_features", "_tz_names")

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
                       TRY_CAST({col('count')} AS DOUBLE) AS nd
                FROM {source} AS src {join}
            )
        )"""


def _summary_sql(ctx: LoadContext, bounds: DateBounds) -> str:
    """The first pass: counts by validity and the distinct persons, tools and features.

    One streaming scan into a few small groups (GROUPING SETS), not one group per event: the
    events themselves are read again by :func:`_rows_sql` once the persons are hashed. The
    counts' histogram (``is_n``) is the column profile's (:mod:`adoption.ingest.profile`).
    Identifiers are only lower-cased here; trimming, the full normalisation and the keyed
    hash run on the distinct values.
    """
    return f"""
        CREATE OR REPLACE TEMP TABLE u_summary AS
        SELECT GROUPING(is_bad) = 0 AS is_count, GROUPING(n) = 0 AS is_n, is_bad, naive,
               person, tool, feature, n, count(*) AS n_rows
        FROM (
            SELECT reason IS NOT NULL AS is_bad, naive, n,
                   CASE WHEN reason IS NULL THEN lower(person) END AS person,
                   CASE WHEN reason IS NULL THEN tool END AS tool,
                   CASE WHEN reason IS NULL THEN feature END AS feature
            FROM ({_validated_sql(ctx, "src_unordered", bounds=bounds, mixed=False)})
        )
        GROUP BY GROUPING SETS ((is_bad, naive), (person), (tool), (feature), (n))"""


def _rows_sql(ctx: LoadContext, bounds: DateBounds, mixed: bool) -> str:
    """The second pass: the valid events with integer person, tool and feature keys.

    Narrow fixed-width rows, so that grouping them into events costs little; the keys are
    the row numbers of the small name tables ``u_idmap`` and ``u_names``.
    """
    return f"""
        CREATE OR REPLACE TEMP TABLE u_rows AS
        SELECT m.k AS pk, t.k AS tk, f.k AS fk, CAST(v.ts AS DATE) AS day, v.ts,
               coalesce(v.n, 1) AS events
        FROM ({_validated_sql(ctx, "src_unordered", bounds=bounds, mixed=mixed)}) v
        JOIN u_idmap m ON m.norm = lower(v.person)
        JOIN u_names t ON t.what = 'tool' AND t.raw = v.tool
        LEFT JOIN u_names f ON f.what = 'feature' AND f.raw = v.feature
        WHERE v.reason IS NULL"""


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
    con.execute(_summary_sql(ctx, bounds))
    ctx.source.check_structure(con, scanned=True)
    counts = LoadCounts()
    read, bad, naive, offset = con.execute("""SELECT coalesce(sum(n_rows), 0),
        coalesce(sum(n_rows) FILTER (WHERE is_bad), 0),
        coalesce(sum(n_rows) FILTER (WHERE NOT is_bad AND naive), 0),
        coalesce(sum(n_rows) FILTER (WHERE NOT is_bad AND NOT naive), 0)
        FROM u_summary WHERE is_count""").fetchone()
    counts.read = int(read)
    mixed = bool(naive and offset)
    if mixed:
        bad += naive
    elif naive:
        counts.add_finding(f"timestamps without a time zone offset, read as {tz} local time "
                           "(the workspace's time zone); add offsets or a timezone column to "
                           "be exact", naive)
    counts.rejected = _write_rejects(ctx, bounds, mixed) if bad else 0
    if counts.rejected != bad:
        raise IngestError(f"{ctx.name}: {bad} invalid rows counted but {counts.rejected} found "
                          "again when listing them; nothing was stored. Please report this.")
    # white space is trimmed once per distinct tool and feature, not per row; persons are
    # normalised (all white space removed) when they are hashed
    con.execute(f"""CREATE OR REPLACE TEMP TABLE u_names AS
        SELECT what, raw, clean,
               CAST(dense_rank() OVER (ORDER BY what, clean) AS INTEGER) AS k FROM (
            SELECT 'tool' AS what, tool AS raw, {trim_sql('tool')} AS clean
            FROM u_summary WHERE tool IS NOT NULL
            UNION ALL
            SELECT 'feature', feature, nullif({trim_sql('feature')}, '')
            FROM u_summary WHERE feature IS NOT NULL)""")
    ctx.register_identities("u_summary", "person", "u_idmap")
    con.execute("CREATE OR REPLACE TEMP TABLE u_idmap AS "
                "SELECT *, CAST(dense_rank() OVER (ORDER BY person_id) AS INTEGER) AS k "
                "FROM u_idmap")
    con.execute("CREATE OR REPLACE TEMP VIEW u_counts AS "
                "SELECT n, n_rows FROM u_summary WHERE is_n")
    con.execute(_rows_sql(ctx, bounds, mixed))
    # one row per event of this file with its copies: narrow integer keys, strings after
    con.execute("""CREATE OR REPLACE TEMP TABLE u_events AS
        SELECT pk, tk, fk, day, ts, events, count(*) AS copies FROM u_rows GROUP BY ALL""")
    con.execute("DROP TABLE u_rows")
    repeated = con.execute("SELECT coalesce(sum(copies - 1), 0) FROM u_events").fetchone()[0]
    if repeated:
        counts.add_finding("rows repeating an earlier row of the same file (same person, tool, "
                           "time, feature and count; kept: each copy counts; check the export "
                           "if that is not meant)", repeated)
    con.execute("""CREATE OR REPLACE TEMP TABLE u_people AS
        SELECT DISTINCT k, person_id FROM u_idmap""")
    con.execute("""CREATE OR REPLACE TEMP TABLE u_labels AS
        SELECT DISTINCT k, clean FROM u_names""")
    # the file's person-days, rolled up on the integer keys and named once per person-day
    # (grouped first, named after: one pipeline at a time keeps to small memory limits)
    con.execute("""CREATE OR REPLACE TEMP TABLE u_days AS
        SELECT pk, tk, day, sum(copies * events) AS events FROM u_events GROUP BY ALL""")
    con.execute("""CREATE OR REPLACE TEMP TABLE u_days AS
        SELECT m.person_id, t.clean AS tool, d.day, d.pk, d.tk, d.events
        FROM u_days d JOIN u_people m ON m.k = d.pk JOIN u_labels t ON t.k = d.tk""")
    con.execute(f"""INSERT INTO usage_rows
        SELECT {ctx.batch_id}, m.person_id, t.clean, e.day, e.ts, f.clean, e.events, e.copies
        FROM u_events e JOIN u_people m ON m.k = e.pk JOIN u_labels t ON t.k = e.tk
        LEFT JOIN u_labels f ON f.k = e.fk""")
    # person-days an earlier batch already has are rolled up again from every batch's events
    # (the rule of repeated events); the others (usually all) straight from this file's
    con.execute(f"""CREATE OR REPLACE TEMP TABLE u_days_old AS
        SELECT d.person_id, d.tool, d.day, d.pk, d.tk FROM u_days d
        SEMI JOIN (SELECT * FROM usage WHERE batch_id IN ({rolled_up()})
                   AND batch_id <> {ctx.batch_id}) u
            ON u.person_id = d.person_id AND u.tool = d.tool AND u.day = d.day""")
    counts.loaded, counts.duplicate = _count_new(ctx)
    b = int(ctx.batch_id)
    old_days = con.execute("SELECT count(*) FROM u_days_old").fetchone()[0]
    fresh = ("ANTI JOIN u_days_old o ON o.pk = {0}.pk AND o.tk = {0}.tk AND o.day = {0}.day"
             if old_days else "")
    con.execute(f"""INSERT INTO usage
        SELECT person_id, tool, day, events, {b} FROM u_days d {fresh.format("d")}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE u_features AS
        SELECT pk, tk, day, fk, sum(copies * events) AS events
        FROM u_events e {fresh.format("e")}
        WHERE fk IS NOT NULL GROUP BY ALL""")
    con.execute(f"""INSERT INTO usage_features
        SELECT m.person_id, t.clean, f.day, l.clean, f.events, {b}
        FROM u_features f
        JOIN u_people m ON m.k = f.pk JOIN u_labels t ON t.k = f.tk
        JOIN u_labels l ON l.k = f.fk
        WHERE l.clean IS NOT NULL""")
    rebuild_usage_days(con, "u_days_old")
    counts.first_date, counts.last_date = con.execute(
        "SELECT min(day), max(day) FROM u_days").fetchone()
    return counts


def _count_new(ctx: LoadContext) -> tuple[int, int]:
    """(loaded, duplicate) rows: an event's copies beyond what an earlier file holds load.

    Only events of person-days an earlier batch already has (``u_days_old``) can repeat one.
    """
    con = ctx.con
    total = int(con.execute("SELECT coalesce(sum(copies), 0) FROM u_events").fetchone()[0])
    if not con.execute("SELECT count(*) FROM (SELECT 1 FROM u_days_old LIMIT 1)").fetchone()[0]:
        return total, 0
    def on(a: str, b: str) -> str:
        return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" if c == "feature"
                            else f"{a}.{c} = {b}.{c}" for c in EVENT_KEY)

    key = ", ".join(f"r.{c}" for c in EVENT_KEY)
    duplicate = con.execute(f"""
        WITH mine AS (
            SELECT {key}, r.copies FROM usage_rows r SEMI JOIN u_days_old d
                ON d.person_id = r.person_id AND d.tool = r.tool AND d.day = r.day
            WHERE r.batch_id = {int(ctx.batch_id)}),
        theirs AS (
            SELECT {key}, max(r.copies) AS prev FROM usage_rows r SEMI JOIN u_days_old d
                ON d.person_id = r.person_id AND d.tool = r.tool AND d.day = r.day
            WHERE r.batch_id <> {int(ctx.batch_id)} GROUP BY ALL)
        SELECT coalesce(sum(least(k.copies, p.prev)), 0)
        FROM mine k JOIN theirs p ON {on("p", "k")}""").fetchone()[0]
    return total - int(duplicate), int(duplicate)


def drop_staged(con) -> None:
    """Drop what :func:`load_usage` staged (after the batch, committed or not), so that no
    later file's profile or loader reads another file's rows, and their memory is freed."""
    con.execute("DROP VIEW IF EXISTS u_counts")
    for table in _STAGED:
        con.execute(f"DROP TABLE IF EXISTS {table}")
