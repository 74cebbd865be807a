"""Named source formats of the vendor readers (see :mod:`adoption.ingest.formats`)."""

from __future__ import annotations

from adoption.ingest.formats import SourceFormat
from adoption.vendors.parts import vendor_modules

__all__ = ["FORMATS"]

FORMATS: list[SourceFormat] = [
    fmt for module in vendor_modules() for fmt in getattr(module, "FORMATS", ())
]
