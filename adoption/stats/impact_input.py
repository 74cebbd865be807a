"""Checks and shared steps of the impact estimators (not exported from :mod:`adoption.stats`).

Every estimator copies the columns it needs into a frame of its own under fixed names (so
that a column called ``"time to merge (h)"`` never reaches a formula) and drops the rows with
a missing value; these functions raise :class:`~adoption.errors.InputError` with the column,
the value found and the fix.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np
import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError

__all__ = ["check_alpha", "check_binary", "check_varies", "quiet_pyfixest", "select_columns",
           "tidy_row"]


@contextmanager
def quiet_pyfixest() -> Iterator[None]:
    """Silence the pandas deprecation warnings pyfixest's own code triggers (pandas 3's
    ``inplace=``): they are pyfixest's to fix and say nothing about the user's data."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pyfixest")
        warnings.filterwarnings("ignore", category=FutureWarning, module="pyfixest")
        yield


def check_alpha(alpha: float, *, where: str) -> None:
    """Raise :class:`InputError` unless ``0 < alpha < 1``."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.floating) or not (
        0 < float(alpha) < 1
    ):
        raise InputError(f"{where}: alpha is {alpha!r}; it must be a number strictly between 0 "
                         "and 1. Use alpha=0.05 for 95% intervals.")


def select_columns(data: pd.DataFrame, roles: Mapping[str, str | None], *, where: str,
                   numeric: tuple[str, ...] = (), may_be_missing: tuple[str, ...] = ()
                   ) -> pd.DataFrame:
    """``data``'s columns renamed to their roles (``{"y": "fte", ...}``), complete rows only.

    Roles whose column is None are left out. The roles in ``numeric`` must hold numbers; a
    missing value in a role of ``may_be_missing`` does not drop its row.
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{where}: data is a {type(data).__name__}; pass a pandas DataFrame "
                         "with one row per observation.")
    wanted = {role: col for role, col in roles.items() if col is not None}
    for role, col in wanted.items():
        if col not in data.columns:
            raise ColumnNotFoundError(
                f"{where}: column {col!r} (the {role}) is not in the data. Available: "
                f"{[str(c) for c in data.columns][:20]!r}. Pass the right name as {role}=...")
    out = pd.DataFrame({role: data[col].to_numpy() for role, col in wanted.items()})
    for role in numeric:
        if role in out and not pd.api.types.is_numeric_dtype(out[role]):
            converted = pd.to_numeric(out[role], errors="coerce")
            bad = out[role][converted.isna() & out[role].notna()]
            if len(bad):
                raise InputError(f"{where}: column {wanted[role]!r} must hold numbers; found "
                                 f"{bad.head(3).tolist()!r}. Convert or drop those rows.")
            out[role] = converted
        if role in out:
            out[role] = out[role].astype(float)
    out = out.dropna(subset=[r for r in out.columns if r not in may_be_missing])
    out = out.reset_index(drop=True)
    if out.empty:
        raise InputError(f"{where}: no row has a value in every one of the columns "
                         f"{list(wanted.values())!r}; fill in the missing values.")
    return out


def check_binary(values: pd.Series, *, column: str, where: str) -> pd.Series:
    """``values`` as 0/1 floats; raise unless every value is 0 or 1 (or False/True)."""
    x = values.astype(float)
    bad = sorted(set(x[~x.isin((0.0, 1.0))].tolist()))
    if bad:
        raise InputError(f"{where}: column {column!r} must be 0 or 1 (False or True); found "
                         f"{bad[:5]!r}. Recode it as an indicator.")
    return x


def check_varies(y: pd.Series, *, column: str, where: str) -> None:
    """Raise :class:`InputError` when the outcome takes one value only (nothing to estimate)."""
    if y.nunique() < 2:
        raise InputError(f"{where}: the outcome {column!r} is constant ({y.iloc[0]!r} in all "
                         f"{len(y)} rows); a change cannot be estimated from it. Check that the "
                         "right column is passed as outcome=...")


def tidy_row(fit, name: str, *, alpha: float) -> dict[str, float]:
    """Estimate, se, p-value and interval of coefficient ``name`` of a pyfixest fit."""
    tidy = fit.tidy(alpha=alpha)
    row = tidy.loc[name]
    return {"estimate": float(row["Estimate"]), "se": float(row["Std. Error"]),
            "p_value": float(row["Pr(>|t|)"]), "ci_low": float(row.iloc[4]),
            "ci_high": float(row.iloc[5])}
