"""Store tables of export drift detection, :mod:`adoption.ingest.profile` (collected by
:mod:`adoption.schema`).

Each batch of a profiled source leaves a light profile of what it held: its columns with a
few counts per column, and the source's key activity figure per period. The next file of the
same source is compared with it (:mod:`adoption.ingest.drift`). Both tables carry
``batch_id``: they are written in the batch's transaction and ``adoption undo`` takes them
out with the batch.
"""

from __future__ import annotations

__all__ = ["TABLES"]

#: name -> (grain, DDL), created after the core tables.
TABLES: dict[str, tuple[str, str]] = {
    "export_columns": (
        "one row per column of an ingested file (batch) of a profiled source, in the file's "
        "order: the file's row count, and for columns whose values look numeric (metric "
        "columns) how many rows are blank, zero or a number and their median (approximate, "
        "t-digest, so that a file of 100M rows profiles in one streaming pass); the counts are "
        "NULL for text columns",
        """CREATE TABLE IF NOT EXISTS export_columns (
            batch_id INTEGER NOT NULL,
            source VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            column_name VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            blank_rows BIGINT,
            zero_rows BIGINT,
            numeric_rows BIGINT,
            median DOUBLE
        )""",
    ),
    "export_activity": (
        "one row per batch x tool x period of the source's key activity figure: distinct "
        "people active, per week (the workspace's week start) for daily sources (only weeks the file "
        "covers whole), per the source's own window (a week, a month, a report period) for "
        "window sources",
        """CREATE TABLE IF NOT EXISTS export_activity (
            batch_id INTEGER NOT NULL,
            source VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,
            active_people BIGINT NOT NULL
        )""",
    ),
}
