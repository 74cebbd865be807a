"""Store tables of adoption.outcomes (collected by :mod:`adoption.schema`).

- ``outcomes``: team outcome KPIs as the KPI files give them (``outcome_kpis`` format,
  :mod:`adoption.outcomes.kpis`), one value per team x period x KPI.

The use-case register is not stored: it is a file in the workspace (``usecases.yaml``),
read and validated when used (:mod:`adoption.outcomes.register`).
"""

from __future__ import annotations

__all__ = ["TABLES"]

#: name -> (grain, DDL), created after the core tables.
TABLES: dict[str, tuple[str, str]] = {
    "outcomes": (
        "one row per team x period_kind x period_start x kpi: the KPI's value for the team in "
        "that day, week, month or quarter (period_kind 'day', 'week', 'month' or 'quarter'; "
        "period_start its first day), its unit and n (the cases behind it) as the file gives "
        "them; a later file's value for the same key replaces the earlier one",
        """CREATE TABLE IF NOT EXISTS outcomes (
            team VARCHAR NOT NULL,
            period_kind VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            kpi VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            unit VARCHAR,
            n BIGINT,
            batch_id INTEGER NOT NULL
        )""",
    ),
}
