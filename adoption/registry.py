"""Registries that an upper layer fills and a lower layer reads, so no layer names one above it.

The ingest driver (:mod:`adoption.ingest`) detects a file's format among the formats of every
reader, but the readers (:mod:`adoption.surveys`, :mod:`adoption.vendors`,
:mod:`adoption.discovery`) sit above it in the layers (pyproject.toml). The package root,
which assembles the product, registers the readers' format modules here; the driver imports
what is registered when it first needs a format.

>>> register_format_modules("adoption.vendors.formats")  # already registered by the root
>>> "adoption.vendors.formats" in format_modules()
True
"""

from __future__ import annotations

__all__ = ["format_modules", "register_format_modules"]

_FORMAT_MODULES: list[str] = []


def register_format_modules(*modules: str) -> None:
    """Register modules (dotted names), each with ``FORMATS: list[SourceFormat]``.

    Registering a module twice keeps it once, in its first place.
    """
    for module in modules:
        if module not in _FORMAT_MODULES:
            _FORMAT_MODULES.append(module)


def format_modules() -> tuple[str, ...]:
    """The registered format modules, in registration order."""
    return tuple(_FORMAT_MODULES)
