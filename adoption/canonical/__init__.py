"""The canonical layer: one home for identity, employment, periods and source semantics.

Readers stage rows; once per ingest batch :func:`refresh_canonical` turns them into stored
tables with one resolved person id per person (:mod:`~adoption.canonical.identity`), their
employment and team on every day, and their activity per tool, source and period under one
attribution rule (:mod:`~adoption.canonical.build`). Every feature reads these marts
(:mod:`~adoption.canonical.marts`) and writes no identity, employment or period SQL of its
own.
"""

from __future__ import annotations

from adoption.canonical.build import NO_DEPARTMENT, canonical_is_current, refresh_canonical
from adoption.canonical.marts import (
    ANY_TOOL,
    check_canonical,
    check_period_has_data,
    latest_complete_period,
    load_period_labels,
    load_periods,
    load_person_tool_periods,
    load_population,
    load_tool_names,
)
from adoption.canonical.person_periods import (
    PERSON_PERIOD_COLUMNS,
    load_person_periods,
    person_period_sources_sql,
    person_periods_sql,
)
from adoption.canonical.semantics import SOURCE_SEMANTICS, SourceSemantics, source_semantics
from adoption.canonical.sources import load_sources
from adoption.tables.canonical import CANONICAL_TABLES

#: The canonical tables' names, in build order.
CANONICAL_TABLE_NAMES = tuple(CANONICAL_TABLES)

__all__ = [
    "ANY_TOOL",
    "CANONICAL_TABLE_NAMES",
    "NO_DEPARTMENT",
    "PERSON_PERIOD_COLUMNS",
    "SOURCE_SEMANTICS",
    "SourceSemantics",
    "canonical_is_current",
    "check_canonical",
    "check_period_has_data",
    "latest_complete_period",
    "load_period_labels",
    "load_periods",
    "load_person_periods",
    "load_person_tool_periods",
    "load_population",
    "load_sources",
    "load_tool_names",
    "person_period_sources_sql",
    "person_periods_sql",
    "refresh_canonical",
    "source_semantics",
]
