"""Tool catalogue (``tools``) and seat assignments (``seats``)."""

from __future__ import annotations

import difflib

from adoption.ingest.bounds import date_bounds
from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.sql import bad_value_reason, first_reason, norm_identifier_sql, parse_date_sql

__all__ = ["load_seats", "load_tools"]

_TRUE = "('true', 'yes', 'y', '1', 'sanctioned', 'approved')"
_FALSE = "('false', 'no', 'n', '0', 'unsanctioned', 'not approved')"


def load_tools(ctx: LoadContext) -> LoadCounts:
    f = ctx.fields
    sanctioned, cost, cur = f.raw("sanctioned"), f.raw("monthly_seat_cost"), f.raw("currency")
    default_cur = ctx.workspace.settings.currency
    rules = [
        (f"{f.raw('tool')} IS NULL", f"'column {f.header('tool')}: tool name is empty'"),
        (f"{sanctioned} IS NOT NULL AND lower({sanctioned}) NOT IN {_TRUE} "
         f"AND lower({sanctioned}) NOT IN {_FALSE}",
         bad_value_reason(f.header("sanctioned"), sanctioned, "is not true or false")),
        (f"{cost} IS NOT NULL AND TRY_CAST({cost} AS DOUBLE) IS NULL",
         bad_value_reason(f.header("monthly_seat_cost"), cost,
                          "is not a number; write e.g. 19.00 without the currency")),
        (f"NOT isfinite(TRY_CAST({cost} AS DOUBLE))",
         bad_value_reason(f.header("monthly_seat_cost"), cost,
                          "is not a finite number; write the monthly cost, e.g. 19.00")),
        (f"TRY_CAST({cost} AS DOUBLE) < 0",
         bad_value_reason(f.header("monthly_seat_cost"), cost,
                          "is negative; write the monthly cost, e.g. 19.00")),
        (f"{cur} IS NOT NULL AND NOT regexp_full_match({cur}, '[A-Za-z]{{3}}')",
         bad_value_reason(f.header("currency"), cur, "is not a three-letter ISO 4217 code")),
    ]
    ctx.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE t0 AS
        SELECT _row, {first_reason(rules)} AS reason, {f.raw_json()} AS raw,
               {f.raw('tool')} AS tool, {f.raw('vendor')} AS vendor,
               {f.raw('category')} AS category,
               CASE WHEN lower({sanctioned}) IN {_TRUE} THEN true
                    WHEN lower({sanctioned}) IN {_FALSE} THEN false END AS is_sanctioned,
               TRY_CAST({cost} AS DOUBLE) AS monthly_seat_cost,
               upper(coalesce({cur}, '{default_cur}')) AS currency
        FROM src""")
    counts = LoadCounts()
    counts.read = ctx.con.execute("SELECT count(*) FROM t0").fetchone()[0]
    counts.rejected = ctx.write_rejects("t0")
    cols = "tool, vendor, category, is_sanctioned, monthly_seat_cost, currency"
    # the last row of a tool in the file wins; rows identical to the catalogue are duplicates
    ctx.con.execute(f"""CREATE OR REPLACE TEMP TABLE t1 AS
        SELECT {cols} FROM t0 WHERE reason IS NULL
        QUALIFY row_number() OVER (PARTITION BY tool ORDER BY _row DESC) = 1""")
    ctx.con.execute(f"""CREATE OR REPLACE TEMP TABLE t2 AS
        SELECT {cols} FROM t1 EXCEPT SELECT {cols} FROM tools""")
    counts.loaded = ctx.con.execute("SELECT count(*) FROM t2").fetchone()[0]
    counts.duplicate = counts.read - counts.rejected - counts.loaded
    ctx.replace_rows("tools", "t.tool IN (SELECT tool FROM t2)")
    ctx.con.execute(f"INSERT INTO tools SELECT {cols}, {ctx.batch_id} FROM t2")
    return counts


def load_seats(ctx: LoadContext) -> LoadCounts:
    f = ctx.fields
    assigned, removed = parse_date_sql(f.raw("assigned_on")), parse_date_sql(f.raw("removed_on"))
    bounds = date_bounds(ctx.con, ctx.workspace.settings.time_zone)
    rules = [
        (f"{f.raw('tool')} IS NULL", f"'column {f.header('tool')}: tool is empty'"),
        (f"{f.raw('email')} IS NULL", f"'column {f.header('email')}: person identifier is empty'"),
        (f"{assigned} IS NULL",
         bad_value_reason(f.header("assigned_on"), f"coalesce({f.raw('assigned_on')}, '')",
                          "is not a date; use YYYY-MM-DD")),
        (f"{f.raw('removed_on')} IS NOT NULL AND {removed} IS NULL",
         bad_value_reason(f.header("removed_on"), f.raw("removed_on"),
                          "is not a date; use YYYY-MM-DD, or leave it empty while held")),
        (bounds.outside_sql(assigned),
         bad_value_reason(f.header("assigned_on"), f.raw("assigned_on"), bounds.fix())),
        (f"{removed} < DATE '{bounds.low.isoformat()}'",
         bad_value_reason(f.header("removed_on"), f.raw("removed_on"), bounds.fix())),
        (f"{removed} < {assigned}", "'removed_on is before assigned_on; correct one of them'"),
    ]
    ctx.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE s0 AS
        SELECT _row, {first_reason(rules)} AS reason, {f.raw_json()} AS raw,
               {norm_identifier_sql(f.raw('email'))} AS person_norm, {f.raw('tool')} AS tool,
               {assigned} AS assigned_on, {removed} AS removed_on
        FROM src""")
    counts = LoadCounts()
    counts.read = ctx.con.execute("SELECT count(*) FROM s0").fetchone()[0]
    counts.rejected = ctx.write_rejects("s0")
    ctx.register_identities("s0", "person_norm", "s_idmap")
    # one assignment per person, tool and start; a later file may add the removal date
    ctx.con.execute("""CREATE OR REPLACE TEMP TABLE s1 AS
        SELECT m.person_id, s.tool, s.assigned_on, s.removed_on, s._row
        FROM s0 s JOIN s_idmap m ON m.norm = s.person_norm WHERE s.reason IS NULL""")
    ctx.con.execute("""CREATE OR REPLACE TEMP TABLE s2 AS
        SELECT person_id, tool, assigned_on, removed_on FROM s1
        QUALIFY row_number() OVER (PARTITION BY person_id, tool, assigned_on
                                   ORDER BY removed_on DESC NULLS LAST, _row) = 1""")
    ctx.con.execute("""CREATE OR REPLACE TEMP TABLE s3 AS
        SELECT * FROM s2 WHERE NOT EXISTS (
            SELECT 1 FROM seats x WHERE x.person_id = s2.person_id AND x.tool = s2.tool
              AND x.assigned_on = s2.assigned_on
              AND x.removed_on IS NOT DISTINCT FROM s2.removed_on)""")
    updated = ctx.replace_rows("seats", """EXISTS (SELECT 1 FROM s3
        WHERE s3.person_id = t.person_id AND s3.tool = t.tool
          AND s3.assigned_on = t.assigned_on)""")
    if updated:
        counts.notes.append(f"{updated} seat assignment(s) updated (e.g. a removal date added)")
    ctx.con.execute(f"INSERT INTO seats SELECT *, {ctx.batch_id} FROM s3")
    counts.loaded = ctx.con.execute("SELECT count(*) FROM s3").fetchone()[0]
    _note_unknown_tools(ctx, counts)
    counts.duplicate = counts.read - counts.rejected - counts.loaded
    row = ctx.con.execute("SELECT min(assigned_on), max(coalesce(removed_on, assigned_on)) "
                          "FROM s2").fetchone()
    counts.first_date, counts.last_date = row
    return counts


def _note_unknown_tools(ctx: LoadContext, counts: LoadCounts) -> None:
    """Seats of a tool the catalogue does not know load, with a finding naming its nearest."""
    unknown = ctx.con.execute("""
        SELECT tool, count(*) FROM s1 WHERE tool NOT IN (SELECT tool FROM tools)
        GROUP BY tool ORDER BY tool""").fetchall()
    if not unknown:
        return
    known = [r[0] for r in ctx.con.execute("SELECT tool FROM tools ORDER BY tool").fetchall()]
    for tool, rows in unknown:
        near = difflib.get_close_matches(tool, known, n=1, cutoff=0.6)
        hint = (f"nearest in the catalogue: {near[0]!r}; correct the name, or add the tool to "
                "the catalogue" if near else
                "add it to the tool catalogue (a tools file)" if known else
                "the catalogue is empty: ingest a tools file (tool,vendor,...) naming it")
        counts.add_finding(f"seats of tool {tool!r}, which is not in the tool catalogue "
                           f"({hint})", rows)
