"""Group labels of people-derived tables: one rule for a person without a department.

A roster may have no ``department`` column at all, or leave it blank for some people. Every
table grouped by department then shows them under :data:`NO_DEPARTMENT` (``"(no
department)"``), whether the frame holds department as text or, as the store's person-period
frame does, as a categorical column (whose ``fillna`` with a new label fails).
"""

from __future__ import annotations

import pandas as pd

from adoption.metrics.adoption import NO_DEPARTMENT

__all__ = ["NO_DEPARTMENT", "department_labels"]


def department_labels(values: pd.Series) -> pd.Series:
    """The department of each row as text, :data:`NO_DEPARTMENT` where it is missing.

    Examples
    --------
    >>> department_labels(pd.Series(["Eng", None], dtype="category")).tolist()
    ['Eng', '(no department)']
    """
    return values.astype(object).where(values.notna(), NO_DEPARTMENT).astype(str)
