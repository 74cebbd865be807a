"""Survey instruments, survey exports as waves, and sentiment by team.

Instruments are YAML files (:mod:`adoption.surveys.instrument`, schema in ``surveys/README.md``);
survey exports (Qualtrics, Microsoft Forms, Google Forms, SurveyMonkey, generic CSV/XLSX) are
ingested as waves by ``adoption ingest`` (:mod:`adoption.surveys.formats`,
:mod:`adoption.surveys.ingest`) into the tables of :mod:`adoption.tables.surveys`.
Names are imported lazily, so importing this package stays cheap.
"""

from __future__ import annotations

from adoption.lazy import lazy_exports

__all__ = [  # noqa: F822 (lazy)
    "ADKAR_STAGES",
    "Instrument",
    "Item",
    "Scale",
    "default_instrument_path",
    "load_instrument",
    "load_mapping",
    "validate_instrument",
]

_LAZY = {
    "ADKAR_STAGES": "adoption.surveys.instrument",
    "Instrument": "adoption.surveys.instrument",
    "Item": "adoption.surveys.instrument",
    "Scale": "adoption.surveys.instrument",
    "default_instrument_path": "adoption.surveys.instrument",
    "load_instrument": "adoption.surveys.instrument",
    "validate_instrument": "adoption.surveys.instrument",
    "load_mapping": "adoption.surveys.ingest",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
