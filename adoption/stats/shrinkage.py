"""Empirical-Bayes shrinkage of group estimates toward a common mean (normal-normal model).

Each group ``i`` has an estimate ``y_i`` with sampling variance ``v_i`` (e.g. ``s^2 / n``).
The model is ``y_i ~ N(theta_i, v_i)``, ``theta_i ~ N(mu, tau^2)``. ``tau^2`` is estimated by
one of two named estimators (``method=``):

- ``"dersimonian-laird"`` (default): the method of moments of DerSimonian and Laird (1986),
  ``max(0, (Q - (g - 1)) / (sum w - sum w^2 / sum w))`` with ``w_i = 1 / v_i``, truncated at 0
  (statsmodels' ``combine_effects(method_re="dl")``); ``mu`` is the given organisation value
  or the precision-weighted mean;
- ``"james-stein"``: the positive-part James-Stein estimator as Efron and Morris (1975) use it,
  ``tau^2 = max(0, S / (g - 3) - mean v)`` with ``S = sum (y_i - ybar)^2`` around the plain mean
  (``g - 2`` and deviations from ``mu`` when ``mu`` is given). With equal variances each group
  keeps the share ``c = 1 - (g - 3) v / S`` of its deviation, Efron and Morris's shrinking
  factor. With few groups it shrinks less than DerSimonian-Laird (whose ``Q`` weights by the
  variances and subtracts ``g - 1``): for 5 groups about half as hard.

``mu`` is the given organisation value or, if none is given, the mean above. The shrunk estimate is
``B_i mu + (1 - B_i) y_i`` with ``B_i = v_i / (v_i + tau^2)``, and its interval is the normal
posterior interval ``+- z sqrt((1 - B_i) v_i)`` (plug-in: the uncertainty of ``mu`` and
``tau^2`` is not propagated, so the interval is slightly narrow when there are few groups).
Small, noisy groups move most; with ``tau^2 = 0`` every group is the common mean.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from adoption.errors import InputError
from adoption.stats.intervals import check_confidence

__all__ = ["SHRINKAGE_METHODS", "james_stein_tau2", "moment_tau2", "shrink_estimates"]

#: The between-group variance estimators of :func:`shrink_estimates`.
SHRINKAGE_METHODS = ("dersimonian-laird", "james-stein")


def moment_tau2(estimates, variances) -> float:
    """DerSimonian-Laird moment estimate of the between-group variance ``tau^2`` (>= 0).

    ``Q = sum w_i (y_i - ybar_w)^2`` with ``w_i = 1 / v_i``;
    ``tau^2 = max(0, (Q - (g - 1)) / (sum w - sum w^2 / sum w))`` over the ``g`` groups with a
    finite estimate and positive variance. NaN with fewer than 2 such groups, or when one
    weight is so large that the denominator rounds to 0.
    """
    y = np.asarray(estimates, dtype=float)
    v = np.asarray(variances, dtype=float)
    ok = np.isfinite(y) & np.isfinite(v) & (v > 0)
    if ok.sum() < 2:
        return float("nan")
    y, w = y[ok], 1 / v[ok]
    ybar = (w * y).sum() / w.sum()
    q = (w * (y - ybar) ** 2).sum()
    c = w.sum() - (w ** 2).sum() / w.sum()
    if not (np.isfinite(c) and c > 0):  # one weight swamps the rest (a variance near 0)
        return float("nan")
    return float(max(0.0, (q - (y.size - 1)) / c))


def james_stein_tau2(estimates, variances, *, prior_mean: float | None = None) -> float:
    """Positive-part James-Stein estimate of ``tau^2`` (>= 0); see the module docstring.

    NaN with fewer than 4 groups (3 when ``prior_mean`` is given) with a finite estimate and
    variance.
    """
    y = np.asarray(estimates, dtype=float)
    v = np.asarray(variances, dtype=float)
    ok = np.isfinite(y) & np.isfinite(v) & (v >= 0)
    y, v = y[ok], v[ok]
    centre = y.mean() if prior_mean is None and y.size else prior_mean
    dof = y.size - (3 if prior_mean is None else 2)
    if dof < 1:
        return float("nan")
    spread = float(((y - centre) ** 2).sum())
    return float(max(0.0, spread / dof - v.mean()))


def shrink_estimates(estimates, variances, *, prior_mean: float | None = None,
                     tau2: float | None = None, method: str = "dersimonian-laird",
                     bounds: tuple | None = None, confidence: float = 0.95) -> dict:
    """Shrink group estimates toward a common mean; see the module docstring.

    Parameters
    ----------
    estimates, variances : array-like
        Group estimates and their sampling variances (same length).
    prior_mean : float, optional
        The value to shrink toward (e.g. the organisation mean); default: the
        precision-weighted mean of the groups (the plain mean with ``"james-stein"``).
    tau2 : float, optional
        Between-group variance; default: estimated by ``method``.
    method : {"dersimonian-laird", "james-stein"}, default "dersimonian-laird"
        The estimator of ``tau^2`` (module docstring): :func:`moment_tau2` or
        :func:`james_stein_tau2`.
    bounds : (low, high), optional
        The range the true values lie in (e.g. the ends of a 1-5 answer scale; scalars or
        one pair per group). The interval is then that of the normal posterior truncated to
        the range (``scipy.stats.truncnorm`` quantiles), so it never leaves it.
    confidence : float, default 0.95

    Returns
    -------
    dict of numpy.ndarray / float
        ``estimate``, ``ci_low``, ``ci_high``, ``weight`` (``1 - B_i``, the weight on the
        group's own estimate), and the scalars ``tau2``, ``prior_mean`` and ``method``.
        Groups with a missing estimate or variance get NaN; a group with ``v_i == 0`` keeps
        its estimate. When ``tau^2`` cannot be estimated (fewer than 2 groups; fewer than 4
        for James-Stein) the estimates are returned unshrunk with their own normal interval.
    """
    check_confidence(confidence, where="shrink_estimates")
    if method not in SHRINKAGE_METHODS:
        raise InputError(f"shrink_estimates: method is {method!r}; allowed: "
                         f"{list(SHRINKAGE_METHODS)!r}.")
    y = np.asarray(estimates, dtype=float).ravel()
    v = np.asarray(variances, dtype=float).ravel()
    if y.shape != v.shape:
        raise InputError(
            f"shrink_estimates: {y.size} estimates but {v.size} variances; pass one variance "
            "per estimate."
        )
    if np.any(v[np.isfinite(v)] < 0):
        raise InputError("shrink_estimates: variances must be >= 0; found a negative one.")
    if tau2 is not None:
        t2 = float(tau2)
    elif method == "james-stein":
        t2 = james_stein_tau2(y, v, prior_mean=prior_mean)
    else:
        t2 = moment_tau2(y, v)
    ok = np.isfinite(y) & np.isfinite(v)
    if prior_mean is None and method == "james-stein":
        mu = float(y[ok].mean()) if ok.any() else np.nan
    elif prior_mean is None:
        w = np.where(ok & (v > 0), 1 / np.where(v > 0, v, 1), 0.0)
        mu = float((w * np.where(ok, y, 0)).sum() / w.sum()) if w.sum() > 0 else np.nan
    else:
        mu = float(prior_mean)
    z = stats.norm.ppf((1 + confidence) / 2)
    if not np.isfinite(t2) or not np.isfinite(mu):
        weight = np.where(ok, 1.0, np.nan)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(ok, np.where(v + t2 > 0, t2 / (v + t2), 1.0), np.nan)
        weight = np.where(ok & (v == 0), 1.0, weight)
    shrunk = np.where(ok, weight * y + (1 - weight) * np.nan_to_num(mu), np.nan)
    sd = np.sqrt(np.where(ok, weight * v, np.nan))
    low, high = shrunk - z * sd, shrunk + z * sd
    if bounds is not None:
        low, high, shrunk = _truncated(shrunk, sd, bounds, confidence)
    return {"estimate": shrunk, "ci_low": low, "ci_high": high,
            "weight": weight, "tau2": t2, "prior_mean": mu, "method": method}


def _truncated(centre: np.ndarray, sd: np.ndarray, bounds: tuple,
               confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal-tailed interval of N(centre, sd^2) truncated to ``bounds``; centre kept inside."""
    lo, hi = (np.broadcast_to(np.asarray(b, dtype=float), centre.shape) for b in bounds)
    if np.any(hi <= lo):
        raise InputError(f"shrink_estimates: bounds must have low < high; found {bounds!r}.")
    centre = np.clip(centre, lo, hi)
    tail = (1 - confidence) / 2
    low, high = centre.copy(), centre.copy()
    spread = np.isfinite(centre) & np.isfinite(sd) & (sd > 0)
    if spread.any():
        c, s = centre[spread], sd[spread]
        a, b = (lo[spread] - c) / s, (hi[spread] - c) / s
        low[spread] = stats.truncnorm.ppf(tail, a, b, loc=c, scale=s)
        high[spread] = stats.truncnorm.ppf(1 - tail, a, b, loc=c, scale=s)
    return np.minimum(low, centre), np.maximum(high, centre), centre
