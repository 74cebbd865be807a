"""Store tables of the vendor readers (merged into :data:`adoption.schema.TABLES`)."""

from __future__ import annotations

from adoption.vendors.parts import vendor_modules

__all__ = ["TABLES"]

#: name -> (grain, DDL), collected from each vendor module's ``TABLES``.
TABLES: dict[str, tuple[str, str]] = {
    name: spec for module in vendor_modules() for name, spec in getattr(module, "TABLES", {}).items()
}
