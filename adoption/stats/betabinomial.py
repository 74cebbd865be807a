"""Empirical-Bayes shrinkage of rates (beta-binomial): fair ranking of small and large groups.

Group ``i`` has ``y_i`` successes in ``n_i`` trials (e.g. active users among a team's
headcount). The model is ``y_i ~ Binomial(n_i, theta_i)``, ``theta_i ~ Beta(a, b)``. The prior
``(a, b)`` is estimated from all groups, by

- ``method="mle"`` (default): marginal maximum likelihood, maximising the beta-binomial
  likelihood ``sum log BetaBinom(y_i | n_i, a, b)`` (``scipy.stats.betabinom``) over
  ``log a, log b`` (``scipy.optimize.minimize``); this is R ``BayesGOF::gMLE.bb``'s estimate;
- ``method="moments"``: the method of moments of Gelman et al., *Bayesian Data Analysis*
  (3rd ed., 2013) section 5.1: the mean ``m`` and standard deviation ``s`` of the observed
  rates ``y_i / n_i`` set ``a + b = m (1 - m) / s^2 - 1``. It ignores that part of ``s`` is
  binomial noise, so it shrinks less than the data warrant when groups are small; prefer
  ``"mle"`` unless a closed form is wanted.

Each group's shrunk rate is its posterior mean ``(a + y_i) / (a + b + n_i)``, a weighted
average of its own rate (weight ``n_i / (a + b + n_i)``) and the prior mean ``a / (a + b)``;
its interval is the equal-tailed interval of the posterior ``Beta(a + y_i, b + n_i - y_i)``,
inside [0, 1] and never reversed (plug-in: the uncertainty of ``a, b`` is not propagated).
When the rates vary no more than binomial noise explains, ``a + b`` grows without bound and
every group is pulled to the common rate (``concentration`` is then reported as ``inf``).
With fewer than two groups with trials, or no variation at all (every rate 0 or every rate
1), no prior can be estimated: the raw rates are returned with Wilson intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from adoption.errors import InputError
from adoption.stats.intervals import check_confidence, wilson_interval

__all__ = ["RATE_COLUMNS", "fit_beta_prior", "shrink_rates"]

#: Columns of :func:`shrink_rates`.
RATE_COLUMNS = ["successes", "trials", "raw", "raw_ci_low", "raw_ci_high", "estimate", "ci_low",
                "ci_high", "weight"]
_METHODS = ("mle", "moments")
#: Largest prior concentration a + b fitted; at it the groups are taken as one common rate.
_MAX_CONCENTRATION = 1e7


def _counts(successes, trials, where: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(successes, dtype=float).ravel()
    n = np.asarray(trials, dtype=float).ravel()
    if y.shape != n.shape:
        raise InputError(f"{where}: {y.size} success counts but {n.size} trial counts; pass "
                         "one of each per group.")
    bad = ~np.isfinite(y) | ~np.isfinite(n) | (y < 0) | (n < 0) | (y > n) | (y != np.round(y)) | (
        n != np.round(n))
    if bad.any():
        raise InputError(f"{where}: counts must be whole numbers with 0 <= successes <= trials; "
                         f"found successes {y[bad][:5].tolist()!r}, trials {n[bad][:5].tolist()!r}.")
    return y, n


def fit_beta_prior(successes, trials, *, method: str = "mle") -> dict[str, float]:
    """Estimate the beta prior of the groups' rates (module docstring).

    Returns
    -------
    dict
        ``alpha``, ``beta``, ``mean`` (``a / (a + b)``), ``concentration`` (``a + b``; ``inf``
        when the rates show no variation beyond binomial noise), ``groups`` (groups with
        trials), ``method``. NaN figures when no prior can be estimated.
    """
    if method not in _METHODS:
        raise InputError(f"fit_beta_prior: method is {method!r}; allowed: {list(_METHODS)!r}. "
                         "Use 'mle' (marginal maximum likelihood) or 'moments'.")
    y, n = _counts(successes, trials, "fit_beta_prior")
    keep = n > 0
    y, n = y[keep], n[keep]
    out = {"alpha": np.nan, "beta": np.nan, "mean": np.nan, "concentration": np.nan,
           "groups": float(y.size), "method": method}
    if y.size < 2 or y.sum() == 0 or (y == n).all():
        return out
    rate = y / n
    mean = float(rate.mean())
    sd = float(rate.std(ddof=1))
    if method == "moments":
        # sd = 0: one common rate; a spread beyond m (1 - m) (possible with ddof=1): no pooling
        conc = max(mean * (1 - mean) / sd ** 2 - 1, 1e-3) if sd > 0 else np.inf
        if conc > _MAX_CONCENTRATION:
            conc = np.inf
        if not np.isfinite(conc):
            mean = float(y.sum() / n.sum())
    else:
        mean, conc = _marginal_mle(y, n, mean, sd)
    out["mean"], out["concentration"] = mean, conc
    if np.isfinite(conc):
        out["alpha"], out["beta"] = mean * conc, (1 - mean) * conc
    return out


def _marginal_mle(y: np.ndarray, n: np.ndarray, mean: float, sd: float) -> tuple[float, float]:
    """Maximise the beta-binomial likelihood over (logit mean, log concentration)."""

    def nll(theta: np.ndarray) -> float:
        mu = 1 / (1 + np.exp(-theta[0]))
        conc = np.exp(theta[1])
        return -float(stats.betabinom.logpmf(y, n, mu * conc, (1 - mu) * conc).sum())

    pooled = float(np.clip(y.sum() / n.sum(), 1e-6, 1 - 1e-6))
    start_conc = mean * (1 - mean) / sd ** 2 - 1 if sd > 0 else 10.0
    best = None
    for conc0 in (max(start_conc, 0.5), 1.0, 100.0):
        res = optimize.minimize(nll, [np.log(pooled / (1 - pooled)), np.log(conc0)],
                                method="L-BFGS-B",
                                bounds=[(-30, 30), (np.log(1e-3), np.log(_MAX_CONCENTRATION))])
        if best is None or res.fun < best.fun:
            best = res
    mu = float(1 / (1 + np.exp(-best.x[0])))
    conc = float(np.exp(best.x[1]))
    # the limit of infinite concentration is the binomial at the pooled rate: where it fits
    # at least as well, there is no spread beyond binomial noise (the likelihood is flat
    # towards the boundary, and where an optimiser stops on it depends on its version)
    binomial_nll = -float(stats.binom.logpmf(y, n, pooled).sum())
    if conc >= _MAX_CONCENTRATION * 0.99 or binomial_nll <= best.fun + 1e-6:
        return pooled, np.inf
    return mu, conc


def shrink_rates(successes, trials, *, method: str = "mle",
                 confidence: float = 0.95) -> pd.DataFrame:
    """Raw and empirical-Bayes shrunk rates side by side, with intervals (module docstring).

    Parameters
    ----------
    successes, trials : array-like of int
        Per group (same length).
    method : {"mle", "moments"}, default "mle"
        How the beta prior is estimated.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group, in input order, columns :data:`RATE_COLUMNS`: ``successes``,
        ``trials``; ``raw`` (``successes / trials``) with its Wilson ``raw_ci_low``,
        ``raw_ci_high``; ``estimate`` (posterior mean) with the posterior ``ci_low``,
        ``ci_high``; ``weight`` (on the group's own rate, ``n / (a + b + n)``). The prior is
        in ``DataFrame.attrs["prior"]`` (:func:`fit_beta_prior`). Groups without trials get
        missing rates.
    """
    check_confidence(confidence, where="shrink_rates")
    y, n = _counts(successes, trials, "shrink_rates")
    prior = fit_beta_prior(y, n, method=method)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(n > 0, y / n, np.nan)
    raw_low, raw_high = wilson_interval(y, n, confidence=confidence)
    tail = (1 - confidence) / 2
    a, b, conc = prior["alpha"], prior["beta"], prior["concentration"]
    has = n > 0
    if np.isfinite(a):
        post_a, post_b = a + y, b + n - y
        est = np.where(has, post_a / (post_a + post_b), np.nan)
        low = np.where(has, stats.beta.ppf(tail, post_a, post_b), np.nan)
        high = np.where(has, stats.beta.ppf(1 - tail, post_a, post_b), np.nan)
        weight = np.where(has, n / (conc + n), np.nan)
    elif conc == np.inf:  # one common rate: every group is the pooled rate
        pooled_low, pooled_high = wilson_interval(y[has].sum(), n[has].sum(),
                                                  confidence=confidence)
        est = np.where(has, prior["mean"], np.nan)
        low = np.where(has, pooled_low, np.nan)
        high = np.where(has, pooled_high, np.nan)
        weight = np.where(has, 0.0, np.nan)
    else:  # no prior: the raw rates
        est, low, high = raw, raw_low, raw_high
        weight = np.where(has, 1.0, np.nan)
    out = pd.DataFrame({"successes": y, "trials": n, "raw": raw, "raw_ci_low": raw_low,
                        "raw_ci_high": raw_high, "estimate": est,
                        "ci_low": np.minimum(low, est), "ci_high": np.maximum(high, est),
                        "weight": weight})
    out.attrs["prior"] = prior
    return out
