"""Roster snapshots -> ``roster_snapshots`` and the effective-dated ``people`` table.

A roster file is a full snapshot of the organisation as of one date (column ``as_of``, the
``--as-of`` option, or the day of ingest). A person's attributes in their first snapshot are
taken to hold from their employment start; a change seen in a later snapshot holds from that
snapshot's date. A person missing from a later snapshot, without an end date, is taken to have
left the day before that snapshot.
"""

from __future__ import annotations

import pandas as pd

from adoption.ingest.bounds import date_bounds
from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.sql import bad_value_reason, first_reason, norm_identifier_sql, parse_date_sql
from adoption.ingest.trace import claim_rows
from adoption.privacy import name_token_keys, name_tokens

__all__ = ["load_roster"]

_ATTRS = ("team", "department", "manager_id", "location", "role", "employment_start",
          "employment_end")


def load_roster(ctx: LoadContext) -> LoadCounts:
    f = ctx.fields
    as_of_default = f"DATE '{ctx.as_of.isoformat()}'" if ctx.as_of else "CAST(NULL AS DATE)"
    as_of = f"coalesce({parse_date_sql(f.raw('as_of'))}, {as_of_default})"
    bounds = date_bounds(ctx.con, ctx.workspace.settings.time_zone)
    rules = [
        (f"{f.raw('email')} IS NULL", f"'column {f.header('email')}: person identifier is empty'"),
        (f"{f.raw('team')} IS NULL", f"'column {f.header('team')}: team is empty'"),
        (f"{f.raw('as_of')} IS NOT NULL AND {parse_date_sql(f.raw('as_of'))} IS NULL",
         bad_value_reason(f.header("as_of"), f.raw("as_of"), "is not a date; use YYYY-MM-DD")),
        (f"{as_of} IS NULL", "'no snapshot date: add an as_of column or pass --as-of DATE'"),
        (bounds.outside_sql(as_of),
         bad_value_reason(f.header("as_of"), f"CAST({as_of} AS VARCHAR)", bounds.fix())),
        (f"{f.raw('start_date')} IS NOT NULL AND {parse_date_sql(f.raw('start_date'))} IS NULL",
         bad_value_reason(f.header("start_date"), f.raw("start_date"),
                          "is not a date; use YYYY-MM-DD")),
        (f"{f.raw('end_date')} IS NOT NULL AND {parse_date_sql(f.raw('end_date'))} IS NULL",
         bad_value_reason(f.header("end_date"), f.raw("end_date"),
                          "is not a date; use YYYY-MM-DD")),
        (f"{parse_date_sql(f.raw('end_date'))} < {parse_date_sql(f.raw('start_date'))}",
         "'end_date is before start_date; correct one of them'"),
    ]
    ctx.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE r0 AS
        SELECT _row, {first_reason(rules)} AS reason, {f.raw_json()} AS raw,
               {norm_identifier_sql(f.raw('email'))} AS email_norm,
               {f.raw('email')} AS email, {f.raw('name')} AS name,
               {f.raw('team')} AS team, {f.raw('department')} AS department,
               {norm_identifier_sql(f.raw('manager_email'))} AS manager_norm,
               {f.raw('location')} AS location, {f.raw('role')} AS role,
               {parse_date_sql(f.raw('start_date'))} AS employment_start,
               {parse_date_sql(f.raw('end_date'))} AS employment_end,
               {as_of} AS as_of
        FROM src""")
    # the same person twice in one snapshot: identical rows are duplicates, others rejected
    ctx.con.execute("""
        CREATE OR REPLACE TEMP TABLE r1 AS
        SELECT * REPLACE (
            CASE WHEN reason IS NULL AND rn > 1 AND sig <> first_sig THEN
                 'person listed again with different values (first at row ' || first_row
                 || '); keep one row per person'
            ELSE reason END AS reason),
            reason IS NULL AND rn > 1 AND sig = first_sig AS is_dup
        FROM (
            SELECT *, row_number() OVER w AS rn, first_value(_row) OVER w AS first_row,
                   first_value(sig) OVER w AS first_sig
            FROM (SELECT *, md5(concat_ws('|', team, department, manager_norm, location, role,
                                          employment_start, employment_end, name)) AS sig
                  FROM r0)
            WINDOW w AS (PARTITION BY reason IS NULL, as_of, email_norm ORDER BY _row)
        )""")
    counts = LoadCounts()
    counts.read = ctx.con.execute("SELECT count(*) FROM r1").fetchone()[0]
    counts.rejected = ctx.write_rejects("r1")
    counts.duplicate = ctx.con.execute("SELECT count(*) FROM r1 WHERE is_dup").fetchone()[0]
    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE r2 AS SELECT * FROM r1 WHERE reason IS NULL AND NOT is_dup")
    ctx.con.execute("""CREATE OR REPLACE TEMP TABLE r_ids AS
        SELECT email_norm AS norm FROM r2 UNION SELECT manager_norm FROM r2""")
    ctx.register_identities("r_ids", "norm", "r_idmap")
    ctx.con.execute("""
        CREATE OR REPLACE TEMP TABLE r3 AS
        SELECT r2.as_of, p.person_id, r2.team, r2.department, m.person_id AS manager_id,
               r2.location, r2.role, r2.employment_start, r2.employment_end,
               r2.email, r2.name, r2.email_norm
        FROM r2 JOIN r_idmap p ON p.norm = r2.email_norm
        LEFT JOIN r_idmap m ON m.norm = r2.manager_norm""")
    # rows of a snapshot already loaded: identical ones are duplicates, changed ones replace
    cols = ", ".join(("as_of", "person_id") + _ATTRS)
    same = ctx.con.execute(f"""
        SELECT count(*) FROM (SELECT {cols} FROM r3 INTERSECT ALL
                              SELECT {cols} FROM roster_snapshots)""").fetchone()[0]
    same_row = " AND ".join(f"s.{c} IS NOT DISTINCT FROM r3.{c}" for c in _ATTRS)
    ctx.con.execute(f"""CREATE OR REPLACE TEMP TABLE r4 AS
        SELECT * FROM r3 WHERE NOT EXISTS (
            SELECT 1 FROM roster_snapshots s
            WHERE s.as_of = r3.as_of AND s.person_id = r3.person_id AND {same_row})""")
    replaced = ctx.replace_rows("roster_snapshots", """EXISTS (
        SELECT 1 FROM r4 WHERE r4.as_of = t.as_of AND r4.person_id = t.person_id)""")
    if replaced:
        counts.notes.append(f"{replaced} row(s) of an earlier copy of this snapshot replaced")
    ctx.con.execute(f"""INSERT INTO roster_snapshots
        SELECT {ctx.batch_id}, as_of, person_id, {", ".join(_ATTRS)} FROM r4""")
    claim_rows(ctx.con, ctx.batch_id, "identities",
               "SELECT DISTINCT person_id, person_id, 'email' FROM r4", replace=False)
    _stage_name_tokens(ctx)
    if ctx.workspace.settings.keep_names:
        claim_rows(ctx.con, ctx.batch_id, "person_names", """
            SELECT person_id, arg_max(name, as_of), arg_max(email, as_of) FROM r4
            GROUP BY person_id""", replace=True)
    counts.duplicate += same
    counts.loaded = counts.read - counts.rejected - counts.duplicate
    dates = ctx.con.execute("SELECT min(as_of), max(as_of) FROM r2").fetchone()
    counts.first_date, counts.last_date = dates
    return counts  # people and employment are derived by the canonical build


def _stage_name_tokens(ctx: LoadContext) -> None:
    """Keyed hashes of every first and last name token of the snapshot (never the names).

    Kept whatever ``keep_names`` says: free text is redacted for the roster's names with them
    (:class:`adoption.privacy.NameTokens`).
    """
    names = [r[0] for r in ctx.con.execute(
        "SELECT DISTINCT name FROM r2 WHERE name IS NOT NULL").fetchall()]
    tokens = sorted({t for name in names for t in name_tokens(name)})
    if not tokens:
        return
    hashes = pd.DataFrame({"token_hash": ctx.workspace.pseudonymise(name_token_keys(tokens))})
    ctx.con.register("_name_token_hashes", hashes)
    try:
        claim_rows(ctx.con, ctx.batch_id, "name_tokens",
                   "SELECT DISTINCT token_hash FROM _name_token_hashes", replace=False)
    finally:
        ctx.con.unregister("_name_token_hashes")
