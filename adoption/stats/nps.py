"""Net Promoter Score with its standard error from the multinomial variance.

NPS = share of promoters (9-10) minus share of detractors (0-6), in points from -100 to
+100. With ``n`` answers and shares ``p_P``, ``p_D`` its standard error (in shares) is
``sqrt((p_P (1 - p_P) + p_D (1 - p_D) + 2 p_P p_D) / n)``, the variance of a difference of
two cells of one multinomial sample; the interval is the normal (Wald) interval, clipped to
[-100, 100].

When every answer falls in one category (all promoters, all passives or all detractors) that
standard error is 0 and the Wald interval would have zero width. Such a result is flagged
(``is_degenerate``) and given the conservative interval ``[P_low - D_high, P_high - D_low]``
from the Wilson intervals of the promoter share ``P`` and the detractor share ``D`` (e.g. 10
promoters out of 10: ``[2 * 0.7225 - 1, 1]`` = [44.5, 100]).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from adoption.errors import InputError
from adoption.stats.intervals import check_confidence, wilson_interval

__all__ = ["nps_from_counts", "nps_from_scores"]


def nps_from_counts(promoters, passives, detractors, *, confidence: float = 0.95) -> dict:
    """NPS, standard error and interval from the three counts (vectorised).

    Parameters
    ----------
    promoters, passives, detractors : int or array-like
        Counts of answers 9-10, 7-8 and 0-6.
    confidence : float, default 0.95

    Returns
    -------
    dict of float or numpy.ndarray
        ``n``, ``promoters``, ``detractors`` (shares), ``estimate`` (points, -100..100),
        ``se`` (points), ``ci_low``, ``ci_high`` (points), ``is_degenerate`` (every answer in
        one category: the interval is the conservative Wilson-based one of the module
        docstring). NaN where ``n == 0`` (``is_degenerate`` False).
    """
    check_confidence(confidence, where="nps_from_counts")
    scalar = all(np.ndim(v) == 0 for v in (promoters, passives, detractors))
    p, q, d = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                    (promoters, passives, detractors)))
    if (p < 0).any() or (q < 0).any() or (d < 0).any():
        raise InputError("nps_from_counts: counts must be >= 0; found a negative count.")
    n = p + q + d
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = np.where(n > 0, p / n, np.nan)
        pd_ = np.where(n > 0, d / n, np.nan)
        se = np.sqrt((pp * (1 - pp) + pd_ * (1 - pd_) + 2 * pp * pd_) / n)
    est = pp - pd_
    z = stats.norm.ppf((1 + confidence) / 2)
    low, high = np.clip(est - z * se, -1, 1), np.clip(est + z * se, -1, 1)
    degenerate = (n > 0) & ((p == n) | (q == n) | (d == n))
    if degenerate.any():
        p_low, p_high = wilson_interval(p, n, confidence=confidence)
        d_low, d_high = wilson_interval(d, n, confidence=confidence)
        low = np.where(degenerate, np.clip(p_low - d_high, -1, 1), low)
        high = np.where(degenerate, np.clip(p_high - d_low, -1, 1), high)
    out = {"n": n, "promoters": pp, "detractors": pd_, "estimate": 100 * est, "se": 100 * se,
           "ci_low": 100 * np.minimum(low, est), "ci_high": 100 * np.maximum(high, est),
           "is_degenerate": degenerate}
    if scalar:
        return {key: bool(v) if key == "is_degenerate" else float(v) for key, v in out.items()}
    return out


def nps_from_scores(scores, *, confidence: float = 0.95,
                    promoter_min: float = 9, detractor_max: float = 6) -> dict:
    """NPS of 0-10 answers (missing values dropped); see :func:`nps_from_counts`."""
    x = np.asarray(scores, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if ((x < 0) | (x > 10)).any():
        raise InputError(
            f"nps_from_scores: NPS answers must lie in 0..10; found "
            f"{sorted(set(x[(x < 0) | (x > 10)].tolist()))[:5]!r}."
        )
    promoters = int((x >= promoter_min).sum())
    detractors = int((x <= detractor_max).sum())
    return nps_from_counts(promoters, x.size - promoters - detractors, detractors,
                           confidence=confidence)
