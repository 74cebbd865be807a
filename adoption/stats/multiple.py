"""Multiple-comparison control: Benjamini-Hochberg adjusted p-values.

A thin wrapper around ``statsmodels.stats.multitest.multipletests`` that leaves missing
p-values out of the family (and missing in the output).
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests

from adoption.errors import InputError

__all__ = ["adjust_pvalues"]


def adjust_pvalues(p_values, *, method: str = "fdr_bh") -> np.ndarray:
    """Adjusted p-values over the finite ones (default Benjamini-Hochberg FDR).

    Parameters
    ----------
    p_values : array-like
        Raw p-values; NaN are not part of the family and stay NaN.
    method : str, default "fdr_bh"
        Any ``multipletests`` method (e.g. ``"holm"``, ``"bonferroni"``).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape as the input.
    """
    p = np.asarray(p_values, dtype=float)
    flat = p.ravel()
    ok = np.isfinite(flat)
    if ((flat[ok] < 0) | (flat[ok] > 1)).any():
        raise InputError(
            f"adjust_pvalues: p-values must lie in [0, 1]; found "
            f"{flat[ok][(flat[ok] < 0) | (flat[ok] > 1)][:5].tolist()!r}."
        )
    out = np.full(flat.shape, np.nan)
    if ok.any():
        out[ok] = multipletests(flat[ok], method=method)[1]
    return out.reshape(p.shape)
