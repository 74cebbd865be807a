"""Usage event rows -> ``usage`` and ``usage_features``: the one rule for repeated events.

Every generic usage file keeps its distinct events in ``usage_rows`` (person, tool, instant,
feature, count) with ``copies``, how many times the file holds each. An event counts as often
as the file that holds it most often: a row repeated k times in one file and j times in
another counts max(k, j) times. So an export split into slices (by team, region or date)
loads whole, an overlapping re-export adds nothing, and the same event twice within one file
(two identical events in the same second are possible) still counts twice.

``usage`` and ``usage_features`` of these batches are the roll-up of that rule per person x
tool x day; the rows of other sources there (e.g. GitHub's per-user report) are left alone.
A person-day is attributed to the first batch that brought one of its events.
"""

from __future__ import annotations

import duckdb

__all__ = ["EVENT_KEY", "rebuild_usage_days", "rolled_up_batches_sql"]

#: The columns that make two rows the same event.
EVENT_KEY = ("person_id", "tool", "day", "ts", "feature", "events")


def rolled_up_batches_sql() -> str:
    """SQL: the batch ids whose ``usage`` rows are the roll-up of ``usage_rows``."""
    return "SELECT DISTINCT batch_id FROM usage_rows"


def _insert_rollup(con: duckdb.DuckDBPyConnection, keys: str) -> None:
    """Insert the roll-up of ``keys`` (one row per event: EVENT_KEY, copies, batch_id)."""
    con.execute(f"""INSERT INTO usage
        SELECT person_id, tool, day, sum(copies * events), min(batch_id)
        FROM ({keys}) GROUP BY person_id, tool, day""")
    con.execute(f"""INSERT INTO usage_features
        SELECT person_id, tool, day, feature, sum(copies * events), min(batch_id)
        FROM ({keys}) WHERE feature IS NOT NULL GROUP BY person_id, tool, day, feature""")


def rebuild_usage_days(con: duckdb.DuckDBPyConnection, days: str) -> None:
    """Recompute ``usage`` and ``usage_features`` of the person-days in table ``days``.

    ``days`` (person_id, tool, day) names the person-days whose events changed; their rolled-up
    rows are replaced by the roll-up of every batch's events of those days (max copies).
    """
    batches = rolled_up_batches_sql()
    for table in ("usage", "usage_features"):
        con.execute(f"""DELETE FROM {table} t USING {days} d
            WHERE t.person_id = d.person_id AND t.tool = d.tool AND t.day = d.day
              AND t.batch_id IN ({batches})""")
    key = ", ".join(f"r.{c}" for c in EVENT_KEY)
    _insert_rollup(con, f"""
        SELECT {key}, max(r.copies) AS copies, min(r.batch_id) AS batch_id
        FROM usage_rows r SEMI JOIN {days} d
            ON r.person_id = d.person_id AND r.tool = d.tool AND r.day = d.day
        GROUP BY {key}""")
