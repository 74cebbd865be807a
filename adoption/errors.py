"""Exceptions and warnings raised by ``adoption``.

Every message says what went wrong, where, what was found and how to fix it.

Hierarchy::

    AdoptionError
    ├── WorkspaceError                 missing, foreign or half-made workspace
    ├── InputError (ValueError)        a file or a frame the user gave is unusable
    │   ├── ColumnNotFoundError (KeyError)
    │   ├── FormatDetectionError       the kind of a file could not be told from its columns
    │   └── RegisterNotFoundError (FileNotFoundError)  the workspace has no use-case register
    ├── IngestError                    a batch failed; the store is unchanged
    ├── PeriodError (ValueError)       a period label that cannot be parsed
    ├── NotFittedError (AttributeError) a model used before fit, or whose fit was refused
    └── ReportError                    a notebook could not be rendered

    SmallGroupWarning (UserWarning)
    EstimateWarning (UserWarning)      an estimate was repaired or rests on shaky ground
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AdoptionError",
    "ColumnNotFoundError",
    "EstimateWarning",
    "FormatDetectionError",
    "IngestError",
    "InputError",
    "NotFittedError",
    "PeriodError",
    "RegisterNotFoundError",
    "ReportError",
    "SmallGroupWarning",
    "WorkspaceError",
    "missing_names",
    "suggestion",
]


def missing_names(missing: Iterable[str], found: Iterable[str]) -> str:
    """The names of ``missing`` columns or fields, each with its closest names in ``found``.

    For the message of a file whose layout lacks what a reader needs.

    Examples
    --------
    >>> missing_names(["username", "date"], ["user name", "quantity"])
    "'username' (closest found: 'user name'), 'date'"
    """
    found = [str(f) for f in found]
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, found, n=3, cutoff=0.5)
        hints.append(f"{name!r} (closest found: {', '.join(map(repr, close))})" if close
                     else repr(name))
    return ", ".join(hints)


def suggestion(word: str, candidates: list[str]) -> str | None:
    """The candidate closest to ``word`` when ``word`` looks like a typo of it, else None.

    For the "did you mean" part of a message (commands, options, waves, tools).

    Examples
    --------
    >>> suggestion("statsu", ["status", "metrics"])
    'status'
    """
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


class AdoptionError(Exception):
    """Base class of every error raised by ``adoption``."""


class WorkspaceError(AdoptionError):
    """The workspace folder is missing, foreign or incomplete."""


class InputError(AdoptionError, ValueError):
    """Input data (a file or a DataFrame) cannot be used as given."""


class ColumnNotFoundError(InputError, KeyError):
    """A required column is missing."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class FormatDetectionError(InputError):
    """The kind of an input file could not be told from its columns."""


class RegisterNotFoundError(InputError, FileNotFoundError):
    """There is no use-case register (``usecases.yaml`` or ``usecases.csv``) where one was
    looked for; ``except FileNotFoundError`` catches it too."""


class IngestError(AdoptionError):
    """A batch could not be loaded; nothing of it reached the store."""


class PeriodError(AdoptionError, ValueError):
    """A period label or period kind that cannot be parsed."""


class NotFittedError(AdoptionError, AttributeError):
    """A model was used before ``fit``, or its fit was refused (the message says why)."""


class ReportError(AdoptionError):
    """A report notebook could not be executed or exported."""


class SmallGroupWarning(UserWarning):
    """A figure was suppressed because its group is below the minimum group size."""


class EstimateWarning(UserWarning):
    """An estimate was repaired (e.g. a covariance made positive semi-definite) or is shaky."""
