"""Store tables of adoption.governance (merged into :data:`adoption.schema.TABLES`)."""

from __future__ import annotations

__all__ = ["TABLES"]

#: name -> (grain, DDL), created after the core tables.
TABLES: dict[str, tuple[str, str]] = {}
