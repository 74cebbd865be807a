"""The person-day source: the output of ``adoption rollup``, loaded by ``adoption ingest``.

One Parquet file with exactly the columns ``day, email, tool, feature, events``:

- a row with ``feature`` NULL is a person's total events with a tool on a day (the day in
  the time zone the roll-up was given); it becomes a row of ``usage``;
- a row with a ``feature`` is that day's events of one feature; it becomes a row of
  ``usage_features``. A person-day with feature rows but no total row gets the features' sum.

``email`` is the person's identifier as the roll-up normalised it (lower case, no white
space); it is pseudonymised on loading, like every identifier, and never stored.

Rows are checked as every source's are (an empty day, person or tool, a negative count, a
date outside the plausible range are rejects with their row number and reason). A
person-day (person, tool, day) that an earlier batch already holds in ``usage`` is not
loaded again: its rows count as duplicates, so that ingesting the same roll-up twice, or a
roll-up of events already ingested raw, adds nothing.
"""

from __future__ import annotations

import pandas as pd

from adoption.ingest.bounds import date_bounds
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.ingest.reader import sql_literal
from adoption.ingest.sql import bad_value_reason, first_reason, trim_sql

__all__ = ["COLUMNS", "FORMAT", "FORMATS"]

#: The columns of a person-day file, in order.
COLUMNS = ("day", "email", "tool", "feature", "events")
FORMAT = "usage_person_days"


def _sniff(s: Sniff) -> bool:
    if not s.head.startswith(b"PAR1"):
        return False
    import pyarrow.parquet as pq

    return tuple(pq.read_schema(s.path).names) == COLUMNS


def _validated_sql(ctx: FormatContext, path: str) -> str:
    bounds = date_bounds(ctx.con, ctx.workspace.settings.time_zone)
    day_text = "CAST(src.day AS VARCHAR)"
    events_text = "CAST(src.events AS VARCHAR)"
    rules = [
        ("src.day IS NULL", "'column day: day is empty'"),
        ("d IS NULL", bad_value_reason("day", day_text, "is not a date; use YYYY-MM-DD")),
        (bounds.outside_sql("d"), bad_value_reason("day", day_text, bounds.fix())),
        (f"src.email IS NULL OR {trim_sql('src.email')} = ''",
         "'column email: person identifier is empty'"),
        (f"src.tool IS NULL OR {trim_sql('src.tool')} = ''", "'column tool: tool is empty'"),
        ("src.events IS NULL", "'column events: events is empty'"),
        ("n IS NULL", bad_value_reason("events", events_text, "is not a whole number")),
        ("n < 0", bad_value_reason("events", events_text,
                                   "is negative; counts must be 0 or more")),
    ]
    email = ("CASE WHEN src.email IS NULL THEN NULL ELSE '(redacted)' END" if ctx.redact
             else "src.email")
    raw = (f"CAST(json_object('day', {day_text}, 'email', {email}, 'tool', src.tool, "
           f"'feature', src.feature, 'events', {events_text}) AS VARCHAR)")
    return f"""
        SELECT _row, d AS day, lower(src.email) AS person, {trim_sql('src.tool')} AS tool,
               nullif({trim_sql('src.feature')}, '') AS feature, n AS events,
               {first_reason(rules)} AS reason, {raw} AS raw
        FROM (SELECT *, file_row_number + 1 AS _row, TRY_CAST(day AS DATE) AS d,
                     TRY_CAST(events AS BIGINT) AS n
              FROM read_parquet({sql_literal(path)}, file_row_number = true)) src"""


def _load(ctx: FormatContext) -> LoadCounts:
    con = ctx.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE pd_rows AS "
                f"{_validated_sql(ctx, ctx.path.as_posix())}")
    counts = LoadCounts()
    counts.read = int(con.execute("SELECT count(*) FROM pd_rows").fetchone()[0])
    counts.rejected = int(con.execute(
        f"""INSERT INTO rejects SELECT {ctx.batch_id}, _row, reason, raw
            FROM pd_rows WHERE reason IS NOT NULL ORDER BY _row""").fetchone()[0])
    people = [r[0] for r in con.execute(
        "SELECT DISTINCT person FROM pd_rows WHERE reason IS NULL").fetchall()]
    ids = pd.DataFrame({"norm": people, "person_id": ctx.workspace.pseudonymise(people)},
                       dtype="string")
    con.register("_pd_ids", ids)
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE pd_valid AS
            SELECT m.person_id, r.tool, r.day, r.feature, r.events
            FROM pd_rows r JOIN _pd_ids m ON m.norm = r.person WHERE r.reason IS NULL""")
    finally:
        con.unregister("_pd_ids")
    # person-days an earlier batch holds are not loaded again
    con.execute("""CREATE OR REPLACE TEMP TABLE pd_new AS
        SELECT * FROM pd_valid v ANTI JOIN usage u
            ON u.person_id = v.person_id AND u.tool = v.tool AND u.day = v.day""")
    kept = int(con.execute("SELECT count(*) FROM pd_new").fetchone()[0])
    counts.duplicate = counts.read - counts.rejected - kept
    counts.loaded = kept
    if counts.duplicate:
        counts.notes.append(f"{counts.duplicate:,} row(s) of person-days an earlier batch "
                            "already holds were counted as duplicates and not loaded again")
    repeated = int(con.execute("""SELECT coalesce(sum(n - 1), 0) FROM (
        SELECT count(*) AS n FROM pd_new GROUP BY person_id, tool, day, feature)""").fetchone()[0])
    if repeated:
        counts.add_finding("rows repeating a person-day (or its feature) of an earlier row; "
                           "their events are added up", repeated)
    derived = int(con.execute("""SELECT count(*) FROM (
        SELECT person_id, tool, day FROM pd_new GROUP BY ALL
        HAVING count(*) FILTER (WHERE feature IS NULL) = 0)""").fetchone()[0])
    if derived:
        counts.add_finding("person-days with feature rows but no total row (feature empty); "
                           "their total is the sum of the features", derived)
    con.execute(f"""INSERT INTO usage (person_id, tool, day, events, batch_id)
        SELECT person_id, tool, day,
               CASE WHEN count(*) FILTER (WHERE feature IS NULL) > 0
                    THEN sum(events) FILTER (WHERE feature IS NULL) ELSE sum(events) END,
               {ctx.batch_id}
        FROM pd_new GROUP BY person_id, tool, day""")
    con.execute(f"""INSERT INTO usage_features (person_id, tool, day, feature, events, batch_id)
        SELECT person_id, tool, day, feature, sum(events), {ctx.batch_id}
        FROM pd_new WHERE feature IS NOT NULL GROUP BY ALL""")
    counts.first_date, counts.last_date = con.execute(
        "SELECT min(day), max(day) FROM pd_new").fetchone()
    for table in ("pd_rows", "pd_valid", "pd_new"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return counts


FORMATS = [
    SourceFormat(
        FORMAT, "usage",
        "Usage person-days (Parquet written by `adoption rollup`: day, email, tool, feature, "
        "events)", (".parquet", ".pq"), _sniff, _load, rank=32,
        source="README.md, 'Scale: beyond one machine'"),
]
