"""The vendor readers' modules; each may define ``TABLES`` and ``FORMATS`` of its own."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

__all__ = ["VENDOR_MODULES", "vendor_modules"]

#: One module per source family (GitHub, ChatGPT, Microsoft 365, Viva, directory, identities).
VENDOR_MODULES = (
    "adoption.vendors.identity",
    "adoption.vendors.directory",
    "adoption.vendors.github",
    "adoption.vendors.microsoft",
    "adoption.vendors.viva",
    "adoption.vendors.chatgpt",
)


def vendor_modules() -> Iterator[ModuleType]:
    """The vendor modules that exist, in :data:`VENDOR_MODULES` order."""
    for name in VENDOR_MODULES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
