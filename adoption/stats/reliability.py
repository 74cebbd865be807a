"""Internal consistency of a multi-item scale: Cronbach's alpha with Feldt's interval.

:func:`cronbach_alpha` takes one respondent x item matrix (items already reverse-keyed) and
returns alpha with its confidence interval, the number of respondents and of items.

Alpha is computed from a positive semi-definite (PSD) covariance matrix, so it never exceeds 1
and Feldt's interval is never reversed. Listwise deletion (respondents who answered every item)
always gives one; pairwise deletion (each covariance from the respondents who answered both
items, ``missing="pairwise"``) can give a matrix that is not PSD with sparse answers, where
alpha can exceed 1. Such a matrix is replaced by the nearest PSD matrix (negative eigenvalues
set to 0, Higham 1988 for symmetric matrices), an :class:`~adoption.errors.EstimateWarning`
says so, and the result's ``is_psd`` is False.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from adoption.errors import EstimateWarning, InputError
from adoption.stats.intervals import check_confidence

__all__ = ["cronbach_alpha", "feldt_interval"]


def feldt_interval(alpha, n, k, *, confidence: float = 0.95) -> tuple:
    """Feldt's (1965) exact interval for Cronbach's alpha under the parallel-items model.

    Parameters
    ----------
    alpha : float or array-like
        Sample alpha.
    n, k : int or array-like
        Respondents and items.
    confidence : float, default 0.95

    Returns
    -------
    (low, high) : tuple of float or numpy.ndarray
        ``1 - (1 - alpha) F_{1-a/2}(n-1, (n-1)(k-1))`` and
        ``1 - (1 - alpha) F_{a/2}(n-1, (n-1)(k-1))`` with ``a = 1 - confidence``; NaN where
        ``n < 2`` or ``k < 2``. This is the interval of pingouin's ``cronbach_alpha`` and
        psych's ``alpha.ci``.
    """
    check_confidence(confidence, where="feldt_interval")
    scalar = all(np.ndim(v) == 0 for v in (alpha, n, k))
    a, m, kk = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (alpha, n, k)))
    ok = np.isfinite(a) & (m >= 2) & (kk >= 2)
    low = np.full(a.shape, np.nan)
    high = np.full(a.shape, np.nan)
    if ok.any():
        df1 = m[ok] - 1
        df2 = (m[ok] - 1) * (kk[ok] - 1)
        tail = (1 - confidence) / 2
        low[ok] = 1 - (1 - a[ok]) * stats.f.isf(tail, df1, df2)
        high[ok] = 1 - (1 - a[ok]) * stats.f.isf(1 - tail, df1, df2)
    if scalar:
        return float(low), float(high)
    return low, high


def cronbach_alpha(items: pd.DataFrame, *, confidence: float = 0.95,
                   missing: str = "listwise") -> dict[str, float]:
    """Cronbach's alpha of the columns of ``items`` with Feldt's interval.

    Parameters
    ----------
    items : pandas.DataFrame
        One row per respondent, one column per item, reverse-keyed items already reversed.
        Not modified.
    confidence : float, default 0.95
        Confidence level of the interval.
    missing : {"listwise", "pairwise"}, default "listwise"
        ``"listwise"``: only respondents who answered every item (the covariance is PSD);
        ``"pairwise"``: each covariance from the respondents who answered both items (as
        R's ``psych::alpha`` does by default), n = respondents with at least two answers; a
        matrix that is not PSD is repaired with a warning (module docstring).

    Returns
    -------
    dict
        ``estimate`` (alpha = k/(k-1) (1 - sum of item variances / variance of the sum),
        from the covariance matrix; at most 1), ``ci_low``, ``ci_high`` (Feldt, low <= high),
        ``n`` (respondents), ``k`` (items), ``is_psd`` (the covariance was used as computed;
        False when it had to be repaired). NaN figures when fewer than 2 items or 2
        respondents, or when the total variance is 0.
    """
    check_confidence(confidence, where="cronbach_alpha")
    if not isinstance(items, pd.DataFrame):
        raise InputError(
            f"cronbach_alpha: items must be a DataFrame (respondents x items); found "
            f"{type(items).__name__!r}."
        )
    if missing not in ("pairwise", "listwise"):
        raise InputError(
            f"cronbach_alpha: missing is {missing!r}; use 'pairwise' or 'listwise'."
        )
    x = items.apply(pd.to_numeric, errors="coerce").astype(float)
    x = x.loc[:, x.notna().any()]
    x = x.dropna() if missing == "listwise" else x[x.notna().sum(axis=1) >= 2]
    k, n = x.shape[1], x.shape[0]
    out = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": float(n),
           "k": float(k), "is_psd": True}
    if k < 2 or n < 2:
        return out
    cov = x.cov().to_numpy()
    if not np.isfinite(cov).all():
        return out
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    if values.min() < -1e-10 * max(abs(values).max(), 1.0):
        cov = (vectors * np.clip(values, 0, None)) @ vectors.T
        out["is_psd"] = False
        warnings.warn(
            f"cronbach_alpha: the pairwise covariance matrix of {k} items is not positive "
            f"semi-definite (smallest eigenvalue {values.min():.3g}); alpha uses the nearest "
            "PSD matrix. Use missing='listwise' or collect more complete answers.",
            EstimateWarning, stacklevel=2)
    total = cov.sum()
    if total <= 0:
        return out
    alpha = min(k / (k - 1) * (1 - np.trace(cov) / total), 1.0)
    low, high = feldt_interval(alpha, n, k, confidence=confidence)
    out |= {"estimate": float(alpha), "ci_low": low, "ci_high": high}
    return out
