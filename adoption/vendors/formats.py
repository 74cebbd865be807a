"""Named source formats of adoption.vendors (see :mod:`adoption.ingest.formats`)."""

from __future__ import annotations

from adoption.ingest.formats import SourceFormat

__all__ = ["FORMATS"]

FORMATS: list[SourceFormat] = []
