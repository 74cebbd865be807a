"""The data sources in the store: what was loaded from each, and what each can tell."""

from __future__ import annotations

import pandas as pd

from adoption.canonical.semantics import source_name_sql, source_semantics, source_use

__all__ = ["load_sources"]


def load_sources(store) -> pd.DataFrame:
    """The data sources: per source, the files, rows, dates covered and what it can tell.

    A source is a named format (e.g. ``chatgpt_user_analytics``) or, for generic tables, the
    kind (``roster``, ``usage``, ``seats``, ``tools``). What each can tell comes from
    :data:`adoption.canonical.semantics.SOURCE_SEMANTICS`, so that the report says which figures
    each source feeds and which it cannot.

    Returns
    -------
    DataFrame
        Columns ``source, kind, label, files, rows_read, rows_loaded, rows_rejected,
        rows_duplicate, first_date, last_date, last_ingested, tells, cannot_tell, used_for,
        daily_activity, distinct_users, last_activity_only, aggregate_only``, rosters first,
        then catalogues, seats, usage and the rest.
    """
    frame = store.query(f"""
        SELECT {source_name_sql(store.con)} AS source, any_value(kind) AS kind,
               count(*) AS files, CAST(sum(rows_read) AS BIGINT) AS rows_read,
               CAST(sum(rows_loaded) AS BIGINT) AS rows_loaded,
               CAST(sum(rows_rejected) AS BIGINT) AS rows_rejected,
               CAST(sum(rows_duplicate) AS BIGINT) AS rows_duplicate,
               min(first_date) AS first_date, max(last_date) AS last_date,
               max(ingested_at) AS last_ingested
        FROM ingest_log l GROUP BY 1
        ORDER BY CASE any_value(kind) WHEN 'roster' THEN 1 WHEN 'directory' THEN 1
                 WHEN 'identities' THEN 2 WHEN 'tools' THEN 2 WHEN 'seats' THEN 3
                 WHEN 'usage' THEN 4 ELSE 5 END, min(batch_id)""")
    sem = [source_semantics(s) for s in frame["source"]]
    frame.insert(2, "label", [s.label if s.label != "(not described)" else name
                              for s, name in zip(sem, frame["source"], strict=True)])
    frame["tells"] = [s.tells for s in sem]
    frame["cannot_tell"] = [s.cannot_tell for s in sem]
    frame["used_for"] = [source_use(n, k) for n, k in zip(frame["source"], frame["kind"],
                                                           strict=True)]
    for flag in ("daily_activity", "distinct_users", "last_activity_only", "aggregate_only"):
        frame[flag] = [bool(getattr(s, flag)) for s in sem]
    return frame
