"""Confidence intervals used by every metric: proportions, means and paired differences.

All functions are vectorised: they take scalars or array-likes (broadcast against each other)
and return ``(low, high)``; scalars in give floats out. Missing inputs (NaN/NA) give NaN.

Every interval contains its estimate: ``low <= estimate <= high`` holds exactly, so that no
error bar drawn from it is negative (bounds computed in floating point can land a rounding
error, e.g. 3e-17, on the wrong side of an estimate of 0 or 1; they are clipped to it).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from adoption.errors import InputError

__all__ = [
    "bounded_mean_interval",
    "check_confidence",
    "mean_interval",
    "mean_interval_from_summary",
    "paired_difference_interval",
    "wilson_interval",
]


def check_confidence(confidence: float, *, where: str = "confidence") -> None:
    """Raise :class:`InputError` unless ``0 < confidence < 1``."""
    if isinstance(confidence, bool) or not isinstance(confidence, int | float | np.floating) or (
        not 0 < float(confidence) < 1
    ):
        raise InputError(
            f"{where}: confidence is {confidence!r}; it must be a number strictly between 0 and "
            "1. Use e.g. confidence=0.95 for 95% intervals."
        )


def _as_float(x: object) -> np.ndarray:
    """Array of floats; pandas NA and None become NaN."""
    if hasattr(x, "to_numpy"):
        return x.to_numpy(dtype=float, na_value=np.nan)  # type: ignore[union-attr]
    return np.asarray(x, dtype=float)


def _around(estimate: np.ndarray, low: np.ndarray, high: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """The bounds clipped to the estimate's side (NaN stays NaN)."""
    with np.errstate(invalid="ignore"):
        return (np.where(low > estimate, estimate, low),
                np.where(high < estimate, estimate, high))


def _out(low: np.ndarray, high: np.ndarray, scalar: bool) -> tuple:
    if scalar:
        return float(low), float(high)
    return low, high


def wilson_interval(successes, n, *, confidence: float = 0.95) -> tuple:
    """Wilson score interval for a binomial proportion ``successes / n``.

    Parameters
    ----------
    successes, n : int or array-like
        Number of successes and of trials, broadcast against each other.
    confidence : float, default 0.95
        Confidence level of the two-sided interval.

    Returns
    -------
    (low, high) : tuple of float or numpy.ndarray
        Bounds in [0, 1]; NaN where ``n == 0`` or an input is missing.

    Notes
    -----
    The formula and order of operations of
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")`` (Wilson 1927;
    Newcombe 1998, Statistics in Medicine 17:857, method 3), with the normal quantile from
    :func:`scipy.special.ndtri` as ``scipy.stats.norm.isf`` computes it: the same values
    without importing statsmodels and scipy.stats (a second of a command's start-up).
    """
    check_confidence(confidence, where="wilson_interval")
    scalar = np.ndim(successes) == 0 and np.ndim(n) == 0
    x, m = np.broadcast_arrays(_as_float(successes), _as_float(n))
    ok = np.isfinite(x) & np.isfinite(m)
    if np.any(ok & ((m < 0) | (x < 0) | (x > m))):
        raise InputError(
            "wilson_interval: successes must lie between 0 and n and n must be >= 0; found "
            f"successes={x[ok & ((x < 0) | (x > m))][:5].tolist()!r}, "
            f"n={m[ok & (m < 0)][:5].tolist()!r}. Check the counts passed in."
        )
    ok &= m > 0
    low = np.full(x.shape, np.nan)
    high = np.full(x.shape, np.nan)
    if ok.any():
        lo, hi = _wilson(x[ok], m[ok], 1 - confidence)
        low[ok], high[ok] = _around(x[ok] / m[ok], np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0))
    return _out(low, high, scalar)


def _wilson(count: np.ndarray, nobs: np.ndarray, alpha: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels' two-sided Wilson bounds, operation for operation (before clipping)."""
    crit = -special.ndtri(alpha / 2.0)  # scipy.stats.norm.isf(alpha / 2)
    q_ = count / nobs
    crit2 = crit**2
    denom = 1 + crit2 / nobs
    center = (q_ + crit2 / (2 * nobs)) / denom
    dist = crit * np.sqrt(q_ * (1.0 - q_) / nobs + crit2 / (4.0 * nobs**2))
    dist /= denom
    return center - dist, center + dist


def _t_quantile(q: float, df: np.ndarray) -> np.ndarray:
    """Student-t quantile, as ``scipy.stats.t.ppf(q, df)`` computes it (``stdtrit``)."""
    return special.stdtrit(df, q)


def mean_interval(values, *, confidence: float = 0.95) -> tuple[float, float]:
    """Student-t interval for the mean of one sample.

    Parameters
    ----------
    values : array-like
        The observations; missing values are dropped.
    confidence : float, default 0.95
        Confidence level of the two-sided interval.

    Returns
    -------
    (low, high) : tuple of float
        ``mean ± t_{(1+confidence)/2, n-1} · s / sqrt(n)``; NaN when fewer than 2 values,
        ``(mean, mean)`` when all values are equal.
    """
    check_confidence(confidence, where="mean_interval")
    x = _as_float(values).ravel()
    x = x[np.isfinite(x)]
    if x.size < 2:
        return float("nan"), float("nan")
    return mean_interval_from_summary(float(x.mean()), float(x.std(ddof=1)), x.size,
                                      confidence=confidence)


def mean_interval_from_summary(mean, std, n, *, confidence: float = 0.95) -> tuple:
    """Student-t interval for means given per-group summaries (vectorised :func:`mean_interval`).

    Parameters
    ----------
    mean, std, n : float or array-like
        Sample mean, sample standard deviation (``ddof=1``) and size of each group.
    confidence : float, default 0.95
        Confidence level of the two-sided interval.

    Returns
    -------
    (low, high) : tuple of float or numpy.ndarray
        ``mean ± t_{(1+confidence)/2, n-1} · std / sqrt(n)``; NaN where ``n < 2``.
    """
    check_confidence(confidence, where="mean_interval_from_summary")
    scalar = np.ndim(mean) == 0 and np.ndim(std) == 0 and np.ndim(n) == 0
    mu, sd, m = np.broadcast_arrays(_as_float(mean), _as_float(std), _as_float(n))
    ok = np.isfinite(mu) & np.isfinite(sd) & np.isfinite(m) & (m >= 2)
    half = np.full(mu.shape, np.nan)
    half[ok] = _t_quantile((1 + confidence) / 2, m[ok] - 1) * sd[ok] / np.sqrt(m[ok])
    low, high = _around(mu, mu - half, mu + half)
    return _out(low, high, scalar)


def bounded_mean_interval(mean, sd, n, *, scale_min, scale_max,
                          confidence: float = 0.95) -> tuple:
    """Interval for means on a bounded scale (e.g. 1-5) that never leaves the scale.

    Parameters
    ----------
    mean, sd, n : float or array-like
        Sample mean, sample standard deviation (``ddof=1``) and size of each group.
    scale_min, scale_max : float or array-like
        The ends of the answer scale.
    confidence : float, default 0.95

    Returns
    -------
    (low, high) : tuple of float or numpy.ndarray
        Inside ``[scale_min, scale_max]``, ``low <= mean <= high``; NaN where ``n < 2`` or an
        input is missing.

    Notes
    -----
    The mean is mapped to ``p = (mean - scale_min) / (scale_max - scale_min)`` in (0, 1) and the
    Student-t interval is formed on the logit scale, ``logit(p) +- t_{n-1} se_p / (p (1 - p))``
    (delta method), then mapped back. Where that cannot be formed (every answer equal, so
    ``sd = 0``, or the mean at an end of the scale) the Wilson score interval of ``p`` with
    ``n`` answers is used: the variance of answers with mean ``p`` on [0, 1] is at most
    ``p (1 - p)`` (Bhatia-Davis), so it is conservative and never of zero width.
    """
    check_confidence(confidence, where="bounded_mean_interval")
    scalar = all(np.ndim(v) == 0 for v in (mean, sd, n, scale_min, scale_max))
    mu, s, m, lo, hi = np.broadcast_arrays(*(_as_float(v) for v in (mean, sd, n, scale_min,
                                                                   scale_max)))
    span = hi - lo
    ok = (np.isfinite(mu) & np.isfinite(s) & np.isfinite(m) & np.isfinite(span) & (m >= 2)
          & (span > 0))
    low = np.full(mu.shape, np.nan)
    high = np.full(mu.shape, np.nan)
    if not ok.any():
        return _out(low, high, scalar)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.clip(np.where(ok, (mu - lo) / np.where(span > 0, span, 1), np.nan), 0, 1)
        inner = ok & (p > 0) & (p < 1) & (s > 0)
        t = _t_quantile((1 + confidence) / 2, np.where(ok, m - 1, 1))
        half = t * s / np.where(span > 0, span, 1) / np.sqrt(m) / (p * (1 - p))
        centre = np.log(p / (1 - p))
        p_low = np.where(inner, 1 / (1 + np.exp(-(centre - half))), np.nan)
        p_high = np.where(inner, 1 / (1 + np.exp(-(centre + half))), np.nan)
    edge = ok & ~inner
    if edge.any():
        w_low, w_high = wilson_interval(p[edge] * m[edge], m[edge], confidence=confidence)
        p_low[edge], p_high[edge] = w_low, w_high
    low[ok] = (lo + np.minimum(p_low, p) * span)[ok]
    high[ok] = (lo + np.maximum(p_high, p) * span)[ok]
    return _out(low, high, scalar)


def paired_difference_interval(both, first_only, second_only, neither, *,
                               confidence: float = 0.95) -> tuple:
    """Newcombe's hybrid score interval for the difference of two paired proportions.

    The difference is ``p1 - p2`` with ``p1 = (both + first_only) / n`` and
    ``p2 = (both + second_only) / n``, where each of ``n`` people is classified twice.

    Parameters
    ----------
    both, first_only, second_only, neither : int or array-like
        The four cells of the paired 2x2 table (a, b, c, d in Newcombe's notation).
    confidence : float, default 0.95
        Confidence level of the two-sided interval.

    Returns
    -------
    (low, high) : tuple of float or numpy.ndarray
        Bounds in [-1, 1]; NaN where ``n == 0``.

    Notes
    -----
    Method 10 of Newcombe (1998), "Improved confidence intervals for the difference between
    binomial proportions based on paired data", Statistics in Medicine 17:2635-2650: Wilson
    intervals ``(l1, u1)``, ``(l2, u2)`` for the two margins are combined as

    ``low = D - sqrt((p1-l1)^2 - 2 phi (p1-l1)(u2-p2) + (u2-p2)^2)``,
    ``high = D + sqrt((u1-p1)^2 - 2 phi (u1-p1)(p2-l2) + (p2-l2)^2)``,

    with ``phi = C / sqrt((a+b)(c+d)(a+c)(b+d))``, ``C = max(ad - bc - n/2, 0)`` when
    ``ad > bc`` and ``C = ad - bc`` otherwise, and ``phi = 0`` when a margin is empty.
    This reproduces the values of the paper's Table II.
    """
    check_confidence(confidence, where="paired_difference_interval")
    scalar = all(np.ndim(v) == 0 for v in (both, first_only, second_only, neither))
    a, b, c, d = np.broadcast_arrays(*(_as_float(v) for v in (both, first_only, second_only,
                                                               neither)))
    n = a + b + c + d
    ok = np.isfinite(n) & (n > 0)
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    if not ok.any():
        return _out(low, high, scalar)
    a, b, c, d, n = a[ok], b[ok], c[ok], d[ok], n[ok]
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_interval(a + b, n, confidence=confidence)
    l2, u2 = wilson_interval(a + c, n, confidence=confidence)
    cross = a * d - b * c
    num = np.where(cross > 0, np.maximum(cross - n / 2, 0.0), cross)
    den = np.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    diff = p1 - p2
    dl = np.sqrt(np.maximum((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0))
    du = np.sqrt(np.maximum((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0))
    low[ok], high[ok] = _around(diff, np.clip(diff - dl, -1.0, 1.0), np.clip(diff + du, -1.0, 1.0))
    return _out(low, high, scalar)
