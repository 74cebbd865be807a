"""The roll-up's validation rules and aggregation, written once for DuckDB and Spark SQL.

The rules are those of ``adoption ingest`` for generic usage events
(:mod:`adoption.ingest.usage`), in the same order and with the same reason texts, so that a
row rejected by one is rejected by the other for the same reason. The SQL is built once, from
:func:`validated_sql` and :func:`stage_sql`; the few functions the two engines spell
differently (trimming a set of characters, time-zone conversion, adding minutes, matching a
regular expression's groups, string literals) come from a :class:`Dialect`.

Timestamps are parsed by one regular expression here rather than by each engine's own
parser, which accept different forms: ``YYYY-MM-DD``, optionally followed by ``T`` or a
space and ``HH:MM[:SS[.fraction]]``, optionally followed by an offset (``Z``, ``UTC``,
``GMT``, ``+01``, ``+0100``, ``+01:00``) or an IANA zone name. That is every ISO 8601 form
the exports use; ingest (DuckDB's own parser) also reads a few rarer spellings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from adoption.ingest.bounds import DateBounds
from adoption.ingest.sql import WHITESPACE

__all__ = ["DUCKDB", "SPARK", "Columns", "Dialect", "person_days_sql", "rejects_sql", "stage_sql",
           "validated_sql"]

#: One timestamp: 1 date, 2 time of day, 3 fraction of a second, 4 offset or zone name.
TIMESTAMP_RE = (r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?)?\s*"
                r"(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?|[A-Za-z_]+/[A-Za-z_/+-]+)?\s*$")


@dataclass(frozen=True)
class Dialect:
    """The spellings that differ between the engines. ``name``: ``duckdb`` or ``spark``."""

    name: str

    @property
    def spark(self) -> bool:
        return self.name == "spark"

    def lit(self, text: str) -> str:
        """A string literal (Spark reads backslash escapes; DuckDB doubles quotes)."""
        if self.spark:
            body = "".join(c if c.isalnum() or c in " .,:;-_/()+=@#" else f"\\u{ord(c):04x}"
                           for c in str(text))
            return f"'{body}'"
        return "'" + str(text).replace("'", "''") + "'"

    def ident(self, name: str) -> str:
        if self.spark:
            return "`" + str(name).replace("`", "``") + "`"
        return '"' + str(name).replace('"', '""') + '"'

    def trim(self, expr: str) -> str:
        """``expr`` without leading and trailing white space of any kind (as ingest trims).

        Every white space character is below ``!`` or above ``~``: a value that begins and
        ends with a printable ASCII character is kept as it is without the (slower) trim.
        """
        chars = self.lit(WHITESPACE)
        full = f"trim(BOTH {chars} FROM {expr})" if self.spark else f"trim({expr}, {chars})"
        printable = " AND ".join(f"{end}({expr}, 1) {op} {bound}" for end in ("left", "right")
                                 for op, bound in ((">", "' '"), ("<", self.lit("\x7f"))))
        return f"(CASE WHEN {printable} THEN {expr} ELSE {full} END)"

    def parts(self, expr: str, pattern: str, names: tuple[str, ...]) -> tuple[str, str]:
        """The groups of ``pattern`` in ``expr`` as columns ``names`` ('' where unmatched).

        Returns (select items for the inner query, select items for the query over it):
        DuckDB matches once into a struct and unpacks it; Spark extracts each group.
        """
        if self.spark:
            inner = ", ".join(f"{self.group(expr, pattern, i)} AS {n}"
                              for i, n in enumerate(names, 1))
            return inner, ""
        keys = ", ".join(self.lit(n) for n in names)
        inner = f"regexp_extract({expr}, {self.lit(pattern)}, [{keys}]) AS _parts"
        return inner, ", " + ", ".join(f"coalesce(_parts.{n}, '') AS {n}" for n in names)

    def group(self, expr: str, pattern: str, index: int) -> str:
        """Group ``index`` of ``pattern`` in ``expr``; empty text when it did not match."""
        return f"coalesce(regexp_extract({expr}, {self.lit(pattern)}, {index}), '')"

    def try_cast(self, expr: str, sql_type: str) -> str:
        return f"try_cast({expr} AS {sql_type})" if self.spark else f"TRY_CAST({expr} AS {sql_type})"

    def add_minutes(self, ts: str, minutes: str) -> str:
        if self.spark:
            return f"timestampadd(MINUTE, {minutes}, {ts})"
        return f"({ts} + to_minutes(CAST({minutes} AS BIGINT)))"

    def to_utc(self, local: str, zone: str) -> str:
        """A wall-clock TIMESTAMP in ``zone`` -> the same instant as UTC wall clock."""
        if self.spark:  # the session's time zone is UTC
            return f"to_utc_timestamp({local}, {zone})"
        return f"timezone('UTC', timezone({zone}, {local}))"

    def from_utc(self, utc: str, zone: str) -> str:
        """A UTC wall-clock TIMESTAMP -> the wall clock in ``zone``."""
        if self.spark:
            return f"from_utc_timestamp({utc}, {zone})"
        return f"timezone({zone}, timezone('UTC', {utc}))"

    def date(self, value: dt.date) -> str:
        return f"DATE '{value.isoformat()}'"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")


@dataclass(frozen=True)
class Columns:
    """The input's own headers of the canonical usage columns (``timezone`` may be None)."""

    timestamp: str
    email: str
    tool: str
    feature: str | None = None
    count: str | None = None
    timezone: str | None = None


def _reason(d: Dialect, header: str, expr: str, fix: str) -> str:
    """``column H: value 'V' fix`` (the text of :func:`adoption.ingest.sql.bad_value_reason`)."""
    return (f"concat({d.lit('column ' + header + ': value ' + chr(39))}, {expr}, "
            f"{d.lit(chr(39) + ' ' + fix)})")


def validated_sql(d: Dialect, cols: Columns, *, time_zone: str, bounds: DateBounds,
                  zones: list[str], mixed_files: list[str] | None = None) -> str:
    """Every row of view ``src`` (string columns and ``_file``) parsed, with its ``reason``.

    ``reason`` is NULL for a valid row, else the first failed rule's text. Rows of the files
    in ``mixed_files`` without an offset are rejected as mixed time zones (ingest's second
    pass); without it (the first pass) they are not. Columns out: ``_file``, ``naive``,
    ``day``, ``email`` (lower case, white space removed, as identities are normalised),
    ``tool``, ``feature``, ``events``, ``reason``, and the input's own columns.
    """
    col = {k: (f"src.{d.ident(v)}" if v else "CAST(NULL AS STRING)"
               if d.spark else "CAST(NULL AS VARCHAR)") for k, v in vars(cols).items()}
    zone_list = ", ".join(d.lit(z) for z in sorted(zones))
    ts = col["timestamp"]
    # the suffix is known to be well formed (TIMESTAMP_RE): +HH, +HHMM or +HH:MM
    minutes = ("(CASE WHEN left(ts_suffix, 1) = '-' THEN -1 ELSE 1 END * "
               "(CAST(substr(ts_suffix, 2, 2) AS INT) * 60 + CASE WHEN length(ts_suffix) > 3 "
               "THEN CAST(right(ts_suffix, 2) AS INT) ELSE 0 END))")
    clock = ("CASE WHEN ts_clock = '' THEN '00:00:00' WHEN length(ts_clock) = 5 "
             "THEN concat(ts_clock, ':00') ELSE ts_clock END")
    local_text = f"concat(ts_date, ' ', {clock}, substr(ts_frac, 1, 7))"
    w = d.lit(time_zone)
    mixed = ", ".join(d.lit(f) for f in mixed_files or [])
    head = cols.timestamp
    rules = [
        ("ts_text IS NULL OR trim(ts_text) = ''", d.lit(f"column {head}: timestamp is empty")),
        ("zone_text IS NOT NULL AND NOT zone_ok", _reason(
            d, cols.timezone or "timezone", "zone_text",
            "is not an IANA time zone name; use e.g. Europe/Berlin or America/New_York (the "
            "zone of the local times in that row)")),
        ("ts_day IS NULL", _reason(
            d, head, "ts_text", "is not an ISO 8601 timestamp; use e.g. 2026-01-05T09:30:00+01:00")),
        (f"(ts_day < {d.date(bounds.low)} OR ts_day > {d.date(bounds.high)})",
         _reason(d, head, "ts_text", bounds.fix())),
    ]
    if mixed:
        rules.append((f"naive AND _file IN ({mixed})", _reason(
            d, head, "ts_text",
            "has no time zone offset while other rows of the file have one (mixed time zones); "
            "add the offset, e.g. +01:00, or a timezone column")))
    rules += [
        (f"person IS NULL OR {d.trim('person')} = ''",
         d.lit(f"column {cols.email}: person identifier is empty")),
        (f"tool_raw IS NULL OR {d.trim('tool_raw')} = ''",
         d.lit(f"column {cols.tool}: tool is empty")),
        ("count_text IS NOT NULL AND trim(count_text) <> '' "
         "AND (nd IS NULL OR nd <> floor(nd) OR abs(nd) > 1e15)",
         _reason(d, cols.count or "count", "count_text", "is not a whole number")),
        ("nd < 0", _reason(d, cols.count or "count", "count_text",
                           "is negative; counts must be 0 or more")),
    ]
    reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in rules) + " ELSE NULL END"
    parts, unpack = d.parts(ts, TIMESTAMP_RE, ("ts_date", "ts_clock", "ts_frac", "ts_suffix"))
    zone_text = (f"nullif({d.trim(col['timezone'])}, '')" if cols.timezone
                 else col["timezone"])
    zone_ok = (f"CASE WHEN zone_text IS NULL THEN false ELSE zone_text IN ({zone_list}) END"
               if cols.timezone else "false")
    return f"""
        SELECT *, {reason} AS reason
        FROM (
            SELECT *, CASE WHEN naive THEN CAST(ts_local AS DATE)
                           ELSE CAST({d.from_utc('ts_utc', w)} AS DATE) END AS ts_day
            FROM (
                SELECT *, CASE
                    WHEN ts_local IS NULL THEN NULL
                    WHEN left(ts_suffix, 1) IN ('+', '-')
                        THEN {d.add_minutes('ts_local', '-' + minutes)}
                    WHEN ts_suffix IN ('Z', 'z', 'UTC', 'GMT') THEN ts_local
                    WHEN ts_suffix <> '' THEN CASE WHEN ts_suffix IN ({zone_list})
                        THEN {d.to_utc('ts_local', 'ts_suffix')} END
                    WHEN zone_ok THEN {d.to_utc('ts_local', 'zone_text')}
                    END AS ts_utc
                FROM (
                    SELECT *, ts_suffix = '' AND NOT zone_ok AS naive,
                           CASE WHEN ts_date = '' THEN NULL
                                ELSE {d.try_cast(local_text, 'TIMESTAMP')} END AS ts_local
                    FROM (
                      SELECT *{unpack} FROM (
                        SELECT _file, {ts} AS ts_text, {parts},
                               zone_text, {zone_ok} AS zone_ok,
                               person, tool_raw, feature_raw, count_text, nd,
                               coalesce({d.try_cast('nd', 'BIGINT')}, 1) AS events
                        FROM (
                            SELECT src._file, {zone_text} AS zone_text,
                                   {col['email']} AS person, {col['tool']} AS tool_raw,
                                   {col['feature']} AS feature_raw, {col['count']} AS count_text,
                                   {d.try_cast(col['count'], 'DOUBLE')} AS nd,
                                   {ts} AS {d.ident(cols.timestamp)}
                            FROM src
                        ) src
                      )
                    )
                )
            )
        )"""


def stage_sql(d: Dialect, validated: str) -> str:
    """The single pass: valid rows rolled up per file, naivety and feature; bad rows counted.

    Valid rows keep ``naive`` and ``_file`` so that a file mixing naive and offset
    timestamps can be rejected afterwards (ingest's rule) without reading the input again.
    People, tools and features are normalised on the grouped rows, not on every event:
    ``email`` lower case without white space (as identities are normalised), ``tool`` and
    ``feature`` trimmed (an empty feature is none).
    """
    spaces = d.lit(r"\s+")
    email = (f"lower(regexp_replace(person, {spaces}, ''))" if d.spark
             else f"lower(regexp_replace(person, {spaces}, '', 'g'))")
    return f"""
        SELECT _file, naive, reason, day, {email} AS email, {d.trim('tool_raw')} AS tool,
               nullif({d.trim('feature_raw')}, '') AS feature, events, n_rows
        FROM (
            SELECT _file, naive, reason,
                   CASE WHEN reason IS NULL THEN ts_day END AS day,
                   CASE WHEN reason IS NULL THEN person END AS person,
                   CASE WHEN reason IS NULL THEN tool_raw END AS tool_raw,
                   CASE WHEN reason IS NULL THEN feature_raw END AS feature_raw,
                   CAST(sum(CASE WHEN reason IS NULL THEN events ELSE 0 END) AS BIGINT)
                       AS events,
                   count(*) AS n_rows
            FROM ({validated}) v
            GROUP BY _file, naive, reason, 4, 5, 6, 7
        ) g"""


def rejects_sql(validated: str) -> str:
    """The rejected rows: file, reason and the row's timestamp, tool, feature and count."""
    return f"""
        SELECT _file AS file, reason, ts_text AS timestamp, tool_raw AS tool,
               feature_raw AS feature, count_text AS count
        FROM ({validated}) v WHERE reason IS NOT NULL"""


def person_days_sql(stage: str, *, mixed: bool) -> str:
    """The output rows from the stage: ``day, email, tool, feature, events``.

    Per person x tool x day one row with ``feature`` NULL and the day's total events, then
    one row per feature used that day with its events. With ``mixed``, the naive rows of
    the files in ``_mixed`` (a relation with column ``_file``) are left out (rejected).
    """
    keep = ("WHERE reason IS NULL AND NOT (naive AND _file IN (SELECT _file FROM _mixed))"
            if mixed else "WHERE reason IS NULL")
    return f"""
        SELECT day, email, tool, feature, CAST(sum(events) AS BIGINT) AS events
        FROM (SELECT day, email, tool, feature, events FROM {stage} {keep}) s
        GROUP BY GROUPING SETS ((day, email, tool), (day, email, tool, feature))
        HAVING grouping(feature) = 1 OR feature IS NOT NULL"""
