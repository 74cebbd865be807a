"""pyfixest, imported without its side effect on logging.

pyfixest (0.30 and later) calls ``logging.basicConfig(level=logging.INFO)`` when its
estimation package is imported (``pyfixest/estimation/models/feols_compressed_.py``): the
process's root logger then prints every library's INFO messages (in a report's kernel,
matplotlib's notes on categorical axes reached the change manager's terminal). Every estimator
here imports it through :func:`pyfixest`, which puts the root logger back as it was.
"""

from __future__ import annotations

import contextlib
import logging
from types import ModuleType

__all__ = ["pyfixest"]


def pyfixest() -> ModuleType:
    """The ``pyfixest`` module, the root logger's level and handlers left as they were."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    import pyfixest as pf

    # the module that calls basicConfig is imported late, by the first estimation; another
    # pyfixest layout may not have it (nothing to import ahead then)
    with contextlib.suppress(ImportError):
        import pyfixest.estimation.models.feols_compressed_  # noqa: F401
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    return pf
