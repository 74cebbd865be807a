"""What is in a workspace: files loaded, their coverage, rejects and unmatched identities.

The per-source data-quality view (files, coverage, unmatched identities, gaps, findings) is
:func:`adoption.vendors.quality.build_data_quality`; ``adoption status`` prints both.
"""

from __future__ import annotations

import pandas as pd

from adoption.store import Store

__all__ = ["load_ingest_log", "load_rejects", "load_unmatched_usage"]


def load_ingest_log(store: Store) -> pd.DataFrame:
    """One row per batch: file, kind, counts and the dates it covers, oldest first."""
    return store.query("""
        SELECT batch_id, file_name, kind, format, rows_read, rows_loaded, rows_rejected,
               rows_duplicate, first_date, last_date, ingested_at, file_hash, note
        FROM ingest_log ORDER BY batch_id""")


def load_rejects(store: Store, *, batch_id: int | None = None) -> pd.DataFrame:
    """Rejected input rows with the file they came from and the reason."""
    where = "" if batch_id is None else f"WHERE r.batch_id = {int(batch_id)}"
    return store.query(f"""
        SELECT r.batch_id, l.file_name, r.row_number, r.reason, r.raw
        FROM rejects r JOIN ingest_log l USING (batch_id) {where}
        ORDER BY r.batch_id, r.row_number""")


def load_unmatched_usage(store: Store) -> pd.DataFrame:
    """Per tool: daily usage by people who match nobody in the roster (kept, not dropped).

    Read from the canonical marts: ``person_tool_days`` (people already resolved) of daily
    sources, for people without an ``employment`` span.

    Returns
    -------
    DataFrame
        Columns ``tool, identities`` (distinct unmatched people), ``person_days``,
        ``events``.
    """
    from adoption.canonical import check_canonical

    check_canonical(store)
    return store.query("""
        SELECT tool, count(DISTINCT person_id) AS identities,
               count(DISTINCT (person_id, day)) AS person_days, sum(events) AS events
        FROM person_tool_days d
        WHERE evidence = 'day'
          AND NOT EXISTS (SELECT 1 FROM employment e WHERE e.person_id = d.person_id)
        GROUP BY tool ORDER BY tool""")
