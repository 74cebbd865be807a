"""Build the canonical tables from the staged ones: once per ingest batch, stored.

:func:`refresh_canonical` rebuilds, inside the caller's transaction, every table of
:data:`adoption.tables.canonical.CANONICAL_TABLES`:

1. ``people`` from the roster snapshots, ``identity_map`` and ``employment``
   (:mod:`adoption.canonical.employment`, :mod:`adoption.canonical.identity`; one employment
   span per roster person: the ``people`` stretches of a person are contiguous);
2. ``person_tool_days`` and ``person_tool_windows``: staged activity with resolved people and
   each row's source (its named format, else its generic kind), split by what the source can
   tell (:mod:`adoption.canonical.semantics`); ``seat_assignments`` (the staged seats with
   their holders resolved) and ``person_service_days`` (discovery logs with people resolved
   and the seats each held that day, for the shadow-AI figures);
3. for each period kind (week, month, quarter): ``period_spans``, ``population``,
   ``seat_periods`` and ``person_tool_periods``, with the one attribution rule:

   - a **daily** source counts on its days;
   - a **last-activity** date counts in its own period only (a lower bound elsewhere);
   - a **window** wholly inside a period counts for it; a window straddling periods counts
     for a period where an active day is known to fall in it (its first or last active day
     lies there, or its active days outnumber the days outside the period); otherwise the
     person is **unknown** for that period (``is_unknown``): never silently counted as 0
     and never as active;
   - activity counts as ``is_active`` only on an employed day of a roster person; identities
     matching no one in the roster keep ``in_roster = false``.

Staleness: the ingest log's batches are fingerprinted into ``meta`` (key
``canonical_batches``); :func:`canonical_is_current` compares it, so that a reader knows the
marts match the staged rows.
"""

from __future__ import annotations

import hashlib
import logging
import time

from adoption.canonical.employment import build_employment, build_people
from adoption.canonical.identity import identity_map_sql, resolve_sql
from adoption.canonical.semantics import SOURCE_SEMANTICS, source_name_sql
from adoption.canonical.team_periods import build_team_periods
from adoption.periods import (
    PERIOD_KINDS,
    PERIOD_STEP_SQL,
    period_end_sql,
    period_label_sql,
    period_start_sql,
)
from adoption.tables.canonical import CANONICAL_TABLES

__all__ = ["NO_DEPARTMENT", "canonical_is_current", "refresh_canonical"]

log = logging.getLogger(__name__)

#: Department given to roster people whose department is missing.
NO_DEPARTMENT = "(no department)"
_META_KEY = "canonical_batches"


def _has_table(con, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
        [name]).fetchall()[0][0])


def _batches_fingerprint(con) -> str:
    n, total, top = con.execute(
        "SELECT count(*), coalesce(sum(batch_id), 0), coalesce(max(batch_id), 0) "
        "FROM ingest_log").fetchall()[0]
    # the tables' definitions too, so that a version with other canonical tables rebuilds
    layout = hashlib.sha256(repr(CANONICAL_TABLES).encode()).hexdigest()[:12]
    return f"{n}:{total}:{top}:{layout}"


def canonical_is_current(con) -> bool:
    """True when the canonical tables were built from the batches now in the ingest log."""
    if not _has_table(con, "person_tool_periods"):
        return False
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [_META_KEY]).fetchall()
    return bool(rows) and rows[0][0] == _batches_fingerprint(con)


def refresh_canonical(con, *, week_start: int = 0) -> None:
    """Rebuild every canonical table from the staged tables (call inside a transaction).

    Parameters
    ----------
    con : duckdb connection
        The store's connection (``Store.con``), inside the batch's transaction.
    week_start : int
        First weekday of a week (0 = Monday), from the workspace settings.
    """
    started = time.perf_counter()
    for _grain, ddl in CANONICAL_TABLES.values():
        con.execute(ddl)
    for name in CANONICAL_TABLES:
        con.execute(f"DELETE FROM {name}")
    build_people(con)
    con.execute(f"INSERT INTO identity_map {identity_map_sql(con)}")
    build_employment(con)
    _activity(con)
    _seat_assignments(con)
    _unit_days(con)
    _discovery(con)
    _person_keys(con)
    for kind in PERIOD_KINDS:
        _periods(con, kind, week_start)
    con.execute("DROP TABLE _pkeys")
    con.execute("DROP TABLE _employment_k")
    build_team_periods(con, no_department=NO_DEPARTMENT)
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [_META_KEY, _batches_fingerprint(con)])
    log.info("canonical tables rebuilt in %.2f s", time.perf_counter() - started)


def _last_only_sql() -> str:
    names = [n for n, s in SOURCE_SEMANTICS.items() if s.last_activity_only]
    return ", ".join(f"'{n}'" for n in names) or "''"


def _activity(con) -> None:
    """person_tool_days and person_tool_windows, resolved, with their source."""
    src = f"SELECT batch_id, {source_name_sql(con)} AS source FROM ingest_log l"
    last_only = _last_only_sql()
    ju, pu = resolve_sql("u")
    jx, px = resolve_sql("x")
    ja, pa = resolve_sql("a")
    con.execute(f"""
        INSERT INTO person_tool_days
        WITH src AS ({src})
        SELECT {pu}, u.tool, coalesce(s.source, 'usage'), u.day, sum(u.events), 'day'
        FROM usage u LEFT JOIN src s USING (batch_id) {ju}
        WHERE u.events > 0
        GROUP BY ALL""")
    con.execute(f"""
        INSERT INTO person_tool_days
        WITH src AS ({src}),
        last AS (
            SELECT {px} AS person_id, x.tool, coalesce(s.source, 'seats') AS source,
                   x.last_active AS day
            FROM seat_activity x LEFT JOIN src s USING (batch_id) {jx}
            WHERE x.last_active IS NOT NULL
            UNION
            SELECT {pa}, a.tool, s.source, a.last_active
            FROM activity_periods a JOIN src s USING (batch_id) {ja}
            WHERE a.active AND a.last_active IS NOT NULL AND s.source IN ({last_only})
        )
        SELECT l.person_id, l.tool, l.source, l.day, NULL, 'last_active'
        FROM last l
        WHERE NOT EXISTS (SELECT 1 FROM person_tool_days d
                          WHERE d.person_id = l.person_id AND d.tool = l.tool
                            AND d.source = l.source AND d.day = l.day)""")
    con.execute(f"""
        INSERT INTO person_tool_windows
        WITH src AS ({src})
        SELECT {pa}, a.tool, s.source, a.period_start, a.period_end, max(a.active_days),
               max(a.events),
               min(coalesce(TRY_CAST(json_extract_string(a.detail, '$.first_active') AS DATE),
                   TRY_CAST(json_extract_string(a.detail, '$.first_day_active_in_period')
                            AS DATE))),
               max(a.last_active)
        FROM activity_periods a JOIN src s USING (batch_id) {ja}
        WHERE a.active AND NOT (s.source IN ({last_only}) AND a.last_active IS NOT NULL)
        GROUP BY ALL""")


def _seat_assignments(con) -> None:
    """seat_assignments: the staged seats with their holders resolved."""
    js, ps_ = resolve_sql("s")
    con.execute(f"""
        INSERT INTO seat_assignments
        SELECT DISTINCT {ps_}, s.tool, s.assigned_on, s.removed_on FROM seats s {js}""")


def _unit_days(con) -> None:
    """person_unit_days: usage_units with people resolved; one source per person-day-unit."""
    if not _has_table(con, "usage_units"):
        return
    ju, pu = resolve_sql("u")
    con.execute(f"""
        INSERT INTO person_unit_days
        WITH per_source AS (
            SELECT {pu} AS person_id, u.tool, u.unit, u.day, u.source,
                   sum(u.quantity) AS quantity
            FROM usage_units u {ju}
            GROUP BY ALL
        )
        SELECT person_id, tool, unit, day, max(quantity), arg_max(source, quantity)
        FROM per_source GROUP BY person_id, tool, unit, day""")


def _discovery(con) -> None:
    """person_service_days: discovery rows (proxy, DNS, SSO) with people resolved, and the
    tools whose seat each person held that day (for services shared by a licensed tool)."""
    if not _has_table(con, "discovery"):
        return
    jd, pd_ = resolve_sql("d")
    con.execute(f"""
        INSERT INTO person_service_days
        WITH rows AS (
            SELECT {pd_} AS person_id, d.device_id, d.service, d.day, d.source,
                   sum(d.requests) AS requests, sum(d.blocked) AS blocked,
                   sum(d.bytes) AS bytes
            FROM discovery d {jd}
            GROUP BY ALL
        ),
        held AS (
            SELECT r.person_id, r.day, list(DISTINCT a.tool ORDER BY a.tool) AS seat_tools
            FROM (SELECT DISTINCT person_id, day FROM rows WHERE person_id IS NOT NULL) r
            JOIN seat_assignments a ON a.person_id = r.person_id AND a.assigned_on <= r.day
             AND coalesce(a.removed_on, DATE '9999-12-31') >= r.day
            GROUP BY ALL
        )
        SELECT r.*, coalesce(h.seat_tools, []::VARCHAR[])
        FROM rows r LEFT JOIN held h ON h.person_id = r.person_id AND h.day = r.day""")


def _span_sql(con) -> str:
    parts = ["SELECT min(day) AS lo, max(day) AS hi FROM person_tool_days",
             "SELECT min(window_start), max(window_end) FROM person_tool_windows"]
    if _has_table(con, "discovery"):
        parts.append("SELECT min(day), max(day) FROM discovery")
    if _has_table(con, "person_unit_days"):
        parts.append("SELECT min(day), max(day) FROM person_unit_days")
    return " UNION ALL ".join(parts)


def _person_keys(con) -> None:
    """Integer keys for the person marts' heavy grouping (``_pkeys``, ``_employment_k``).

    Pseudonyms are 32 characters: grouping millions of person-days by them costs several
    times what grouping by an integer does. The keys live only while the marts are built.
    """
    con.execute("""CREATE OR REPLACE TEMP TABLE _pkeys AS
        SELECT person_id, CAST(row_number() OVER () AS INTEGER) AS pk FROM (
            SELECT person_id FROM person_tool_days UNION SELECT person_id FROM person_tool_windows
            UNION SELECT person_id FROM employment)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _employment_k AS
        SELECT k.pk, e.employed_from, e.employed_to
        FROM employment e JOIN _pkeys k ON k.person_id = e.person_id""")


def _periods(con, kind: str, week_start: int) -> None:
    """period_spans, population, seat_periods and person_tool_periods of one period kind."""
    def ps(col: str) -> str:
        return period_start_sql(col, kind, week_start=week_start)

    step = PERIOD_STEP_SQL[kind]
    con.execute(f"""
        INSERT INTO period_spans
        WITH bounds AS (SELECT min(lo) AS lo, max(hi) AS hi FROM ({_span_sql(con)})),
        days AS (SELECT CAST(range AS DATE) AS day FROM bounds,
                 range(bounds.lo, bounds.hi + INTERVAL 1 DAY, INTERVAL 1 DAY)),
        starts AS (SELECT {ps('day')} AS period_start, count(*) AS n FROM days GROUP BY 1)
        SELECT '{kind}', {period_label_sql('period_start', kind)}, period_start,
               {period_end_sql('period_start', kind)},
               CAST(period_start - {step} AS DATE), n
        FROM starts""")
    con.execute(f"""
        INSERT INTO population
        WITH employed AS (
            SELECT p.period_start, p.prev_start, e.person_id, e.employed_from,
                   e.employed_to, least(p.period_end, e.employed_to) AS attribution_day
            FROM period_spans p JOIN employment e
              ON e.employed_from <= p.period_end AND e.employed_to >= p.period_start
            WHERE p.period_kind = '{kind}'
        )
        SELECT '{kind}', em.period_start, em.person_id, pe.team,
               coalesce(pe.department, '{NO_DEPARTMENT}'),
               em.employed_from < em.period_start AND em.employed_to >= em.prev_start
        FROM employed em JOIN people pe
          ON pe.person_id = em.person_id
         AND em.attribution_day BETWEEN pe.valid_from AND pe.valid_to""")
    js, ps_ = resolve_sql("s")
    con.execute(f"""
        INSERT INTO seat_periods
        SELECT DISTINCT '{kind}', p.period_start, {ps_}, s.tool
        FROM period_spans p JOIN seats s
          ON s.assigned_on <= p.period_end
         AND coalesce(s.removed_on, DATE '9999-12-31') >= p.period_start
        {js}
        WHERE p.period_kind = '{kind}'""")
    con.execute(f"""
        INSERT INTO person_tool_periods
        WITH periods AS (SELECT * FROM period_spans WHERE period_kind = '{kind}'),
        day_evidence AS (
            SELECT k.pk AS person_id, d.tool, d.source, d.day,
                   {ps('d.day')} AS period_start,
                   d.evidence = 'day' AS is_daily, d.events, true AS certain,
                   d.day BETWEEN e.employed_from AND e.employed_to AS employed,
                   e.pk IS NOT NULL AS in_roster
            FROM person_tool_days d JOIN _pkeys k ON k.person_id = d.person_id
            LEFT JOIN _employment_k e ON e.pk = k.pk
        ),
        spread AS (  -- one row per window x period it overlaps
            SELECT w.*, p.period_start, p.period_end,
                   datediff('day', w.window_start, w.window_end) + 1 AS w_days,
                   greatest(w.window_start, p.period_start) AS o_lo,
                   least(w.window_end, p.period_end) AS o_hi,
                   greatest(coalesce(w.first_active, w.window_start), w.window_start) AS k_lo,
                   least(coalesce(w.last_active, w.window_end), w.window_end) AS k_hi
            FROM person_tool_windows w JOIN periods p
              ON p.period_start <= w.window_end AND p.period_end >= w.window_start
        ),
        window_evidence AS (
            SELECT k.pk AS person_id, w.tool, w.source, w.period_start,
                   (k_lo >= o_lo AND k_hi <= o_hi)
                   OR coalesce(first_active BETWEEN o_lo AND o_hi, false)
                   OR coalesce(last_active BETWEEN o_lo AND o_hi, false)
                   OR coalesce(active_days > w_days - (datediff('day', o_lo, o_hi) + 1), false)
                       AS certain,
                   coalesce(o_lo <= e.employed_to AND o_hi >= e.employed_from, false)
                       AS employed,
                   e.pk IS NOT NULL AS in_roster
            FROM spread w JOIN _pkeys k ON k.person_id = w.person_id
            LEFT JOIN _employment_k e ON e.pk = k.pk
            WHERE k_lo <= o_hi AND k_hi >= o_lo  -- the known active days reach into it
        ),
        evidence AS (
            SELECT person_id, tool, source, period_start, certain,
                   coalesce(employed, false) AS employed, in_roster,
                   CASE WHEN is_daily THEN day END AS day,
                   CASE WHEN is_daily THEN events ELSE 0 END AS events,
                   is_daily
            FROM day_evidence
            UNION ALL
            SELECT person_id, tool, source, period_start, certain, employed, in_roster,
                   NULL, 0, false
            FROM window_evidence
        ),
        -- Plain GROUP BYs in stages (no DISTINCT aggregate, no grouping sets), so that every
        -- step can spill to disk: a year of daily events for 40 000 people fits 150 MB.
        by_day AS (  -- one row per period, person, tool, source and day (NULL for windows)
            -- a daily row is already one (person_tool_days is unique by person, tool, source
            -- and day; one employment span per person), certain, and known by the day
            SELECT period_start, person_id, tool, source, day, employed AS is_active,
                   false AS unknown_any, true AS any_evidence_active, in_roster, events,
                   true AS days_known
            FROM evidence
            WHERE day IS NOT NULL AND period_start IN (SELECT period_start FROM periods)
            UNION ALL
            SELECT period_start, person_id, tool, source, day,
                   bool_or(certain AND employed) AS is_active,
                   bool_or(NOT certain AND employed) AS unknown_any,
                   bool_or(certain) AS any_evidence_active,
                   bool_or(in_roster) AS in_roster,
                   sum(events) AS events,
                   bool_and(is_daily) FILTER (WHERE certain) AS days_known
            FROM evidence
            WHERE day IS NULL AND period_start IN (SELECT period_start FROM periods)
            GROUP BY ALL
        ),
        tool_day AS (
            SELECT period_start, person_id, tool, day, bool_or(is_active) AS is_active,
                   bool_or(unknown_any) AS unknown_any,
                   bool_or(any_evidence_active) AS any_evidence_active,
                   bool_or(in_roster) AS in_roster, sum(events) AS events,
                   bool_and(days_known) AS days_known
            FROM by_day GROUP BY ALL
        ),
        person_day AS (
            SELECT period_start, person_id, day, bool_or(is_active) AS is_active,
                   bool_or(unknown_any) AS unknown_any,
                   bool_or(any_evidence_active) AS any_evidence_active,
                   bool_or(in_roster) AS in_roster, sum(events) AS events,
                   bool_and(days_known) AS days_known
            FROM tool_day GROUP BY ALL
        ),
        grouped AS (
            SELECT period_start, person_id, tool, source, bool_or(is_active) AS is_active,
                   bool_or(unknown_any) AS unknown_any,
                   bool_or(any_evidence_active) AS any_evidence_active,
                   bool_or(in_roster) AS in_roster, count(day) AS active_days,
                   sum(events) AS events, bool_and(days_known) AS days_known
            FROM by_day GROUP BY ALL
            UNION ALL
            SELECT period_start, person_id, tool, '*', bool_or(is_active), bool_or(unknown_any),
                   bool_or(any_evidence_active), bool_or(in_roster), count(day), sum(events),
                   bool_and(days_known)
            FROM tool_day GROUP BY ALL
            UNION ALL
            SELECT period_start, person_id, '*', '*', bool_or(is_active), bool_or(unknown_any),
                   bool_or(any_evidence_active), bool_or(in_roster), count(day), sum(events),
                   bool_and(days_known)
            FROM person_day GROUP BY ALL
        )
        SELECT '{kind}', g.period_start, k.person_id, g.tool, g.source, g.is_active,
               NOT g.is_active AND g.unknown_any, g.any_evidence_active, g.in_roster,
               g.active_days, coalesce(g.events, 0), coalesce(g.days_known, true)
        FROM grouped g JOIN _pkeys k ON k.pk = g.person_id""")
