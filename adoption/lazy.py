"""Lazy exports for package ``__init__`` modules: names load from their module on first use.

Keeps ``import adoption`` and each part's package fast: nothing heavy (pandas, statsmodels,
matplotlib) is imported until a name is used.

>>> import adoption
>>> "compute_adoption_metrics" in dir(adoption)
True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, names: Mapping[str, str]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` exporting ``names`` (name -> module).

    Use in a package's ``__init__``::

        _LAZY = {"load_catalogue": "adoption.discovery.catalogue"}
        __all__ = sorted(_LAZY)
        __getattr__, __dir__ = lazy_exports(__name__, _LAZY)

    A name is imported once and then kept in the package's namespace.
    """

    def __getattr__(name: str) -> object:
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
