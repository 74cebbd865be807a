"""The Bass (1969) diffusion model: fit, forecast band, time to a target share, adopter categories.

Cumulative adopters by the end of period ``t`` are ``m F(t)`` with

``F(t) = (1 - exp(-(p + q) t)) / (1 + (q / p) exp(-(p + q) t))``,

``p`` the coefficient of innovation (adoption from outside influence), ``q`` of imitation
(adoption driven by earlier adopters) and ``m`` the number who will eventually adopt. Periods
are numbered ``t = 1 .. n`` from the first period of the data, which is taken as the start of
the rollout (``F(0) = 0``).

**Estimator.** The published Bass estimates of one series differ by the estimator (Bass's OLS
regression, NLS on the period sales with the continuous density, on their discrete
differences, or on the cumulative curve; ``p`` can move by a factor of 3). This module fits by
nonlinear least squares (``scipy.optimize.curve_fit``, trust-region reflective with bounds
``m >= max observed``, ``m <= population`` when one is given, ``0 < p <= 1``, ``0 <= q <= 3``)
on the **cumulative** curve by default (``estimator="cumulative"``, as R's DIMORA
``BASS.standard``): cumulative counts are what the adoption data hold, and they are smooth at
the monthly grain where period counts are noisy. ``estimator="density"`` fits the period
adoptions to ``m f(t)`` instead, the form of the widely copied R ``nls`` tutorial, whose
published values the tests reproduce.

**Intervals.** Standard errors come from ``curve_fit``'s covariance (residual variance times
the inverse Gauss-Newton information, as R's ``nls``); each parameter's interval is the
delta-method interval on the log scale with Student ``t`` on ``n - 3`` degrees of freedom,
so it stays positive and is never reversed, cut to the fitting bounds (``m`` never above the
population nor below the adopters already seen). The forecast band and the interval of the time a
target share is reached come from a parametric bootstrap: draws of the log-parameters from
their estimated normal sampling distribution, percentiles over the draws.

**Refusal.** No forecast (``refusal_`` says why) with fewer than ``min_periods`` periods (4),
nobody adopted, a fit that does not converge or is degenerate, adoptions per period still
rising at the last period (the fitted peak ``ln(q/p) / (p + q)`` lies after it: before the
peak the ceiling ``m`` is extrapolated and Bass forecasts are known to be unstable), a
relative standard error of ``m`` above ``max_relative_se`` (0.5), or a poor fit (``R^2`` of the
period adoptions below ``min_r2``, 0.5).

**Adopter categories** (Rogers 1962): innovators adopt before ``mu - 2 sd`` of the adoption
time, early adopters until ``mu - sd``, early majority until ``mu``, late majority until
``mu + sd``, laggards after; ``mu`` and ``sd`` are the mean and standard deviation of the
adoption time under the fitted curve (Rogers' normal-curve shares 2.5/13.5/34/34/16% hold
only approximately for a Bass curve, so the shares are reported).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

from adoption.errors import InputError, NotFittedError
from adoption.stats.intervals import check_confidence

__all__ = ["ADOPTER_CATEGORIES", "BassModel", "bass_cumulative", "bass_density"]

#: Rogers' categories, earliest first, with their bounds in standard deviations from the mean.
ADOPTER_CATEGORIES = (("innovators", -np.inf, -2.0), ("early_adopters", -2.0, -1.0),
                      ("early_majority", -1.0, 0.0), ("late_majority", 0.0, 1.0),
                      ("laggards", 1.0, np.inf))
_ESTIMATORS = ("cumulative", "density")
_TERMS = ("m", "p", "q")


def bass_cumulative(t, m: float, p: float, q: float) -> np.ndarray:
    """``m F(t)``: cumulative adopters by time ``t`` (vectorised over ``t``)."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return m * (1 - e) / (1 + (q / p) * e)


def bass_density(t, m: float, p: float, q: float) -> np.ndarray:
    """``m f(t)``: the adoption rate at time ``t`` (the derivative of :func:`bass_cumulative`)."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return m * ((p + q) ** 2 / p) * e / (1 + (q / p) * e) ** 2


def _time_to(y, p, q):
    """Time at which ``F(t) = y`` (``inf`` where ``y >= 1``), vectorised."""
    y, p, q = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (y, p, q)))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -np.log((1 - y) / (1 + (q / p) * y)) / (p + q)
    return np.where(y >= 1, np.inf, np.where(y <= 0, 0.0, t))


class BassModel:
    """Bass diffusion fitted to cumulative adopters; see the module docstring.

    Parameters
    ----------
    estimator : {"cumulative", "density"}, default "cumulative"
    confidence : float, default 0.95
    min_periods : int, default 4
    min_r2 : float, default 0.5
        Smallest ``R^2`` of the fitted period adoptions for a forecast.
    max_relative_se : float, default 0.5
        Largest standard error of ``m`` relative to ``m`` for a forecast.
    n_draws : int, default 2000
        Parametric-bootstrap draws for the forecast band and the target time.
    seed : int, default 0
        Seed of the draws (results are reproducible).

    Attributes (after :meth:`fit`)
    ------------------------------
    params_ : dict
        ``m``, ``p``, ``q`` (None when the fit was refused before fitting).
    cov_ : numpy.ndarray
        Covariance of ``(m, p, q)``.
    n_periods_, r2_, rmse_ : int, float, float
        Periods fitted; ``R^2`` and root mean squared error of the period adoptions.
    refusal_ : str or None
        Why there is no forecast (None when there is one).
    t_, cumulative_ : numpy.ndarray
        The data fitted.
    """

    def __init__(self, *, estimator: str = "cumulative", confidence: float = 0.95,
                 min_periods: int = 4, min_r2: float = 0.5, max_relative_se: float = 0.5,
                 n_draws: int = 2000, seed: int = 0) -> None:
        if estimator not in _ESTIMATORS:
            raise InputError(f"BassModel: estimator is {estimator!r}; allowed: "
                             f"{list(_ESTIMATORS)!r}. Use 'cumulative' (the default).")
        check_confidence(confidence, where="BassModel")
        if int(min_periods) < 4:
            raise InputError(f"BassModel: min_periods is {min_periods!r}; three parameters need "
                             "at least 4 periods.")
        self.estimator = estimator
        self.confidence = confidence
        self.min_periods = int(min_periods)
        self.min_r2 = float(min_r2)
        self.max_relative_se = float(max_relative_se)
        self.n_draws = int(n_draws)
        self.seed = int(seed)

    # ------------------------------------------------------------------ fit

    def fit(self, cumulative, *, t=None, population: float | None = None) -> BassModel:
        """Fit to cumulative adopters at the end of periods ``t`` (default ``1 .. n``).

        ``population`` (e.g. headcount) caps ``m``. Returns ``self``; a forecast that cannot
        be made is not an error: ``refusal_`` says why.
        """
        c = np.asarray(cumulative, dtype=float).ravel()
        tt = np.arange(1, c.size + 1, dtype=float) if t is None else np.asarray(
            t, dtype=float).ravel()
        if tt.shape != c.shape:
            raise InputError(f"BassModel.fit: {c.size} cumulative counts but {tt.size} times; "
                             "pass one time per count.")
        if not (np.isfinite(c).all() and np.isfinite(tt).all()) or (c < 0).any() or (
                tt <= 0).any():
            raise InputError("BassModel.fit: cumulative counts must be finite and >= 0 and "
                             f"times finite and > 0; found counts {c[:6].tolist()!r}, times "
                             f"{tt[:6].tolist()!r}.")
        if population is not None and not (np.isfinite(population) and population > 0):
            raise InputError(f"BassModel.fit: population is {population!r}; pass a count > 0.")
        if np.any(np.diff(tt) <= 0):
            raise InputError("BassModel.fit: times must increase; sort the periods first.")
        self.t_, self.cumulative_, self.population_ = tt, c, population
        self.params_, self.cov_ = None, None
        self.r2_ = self.rmse_ = np.nan
        self.n_periods_ = int(c.size)
        self.refusal_ = self._fit(tt, c, population)
        return self

    def _fit(self, tt: np.ndarray, c: np.ndarray, population: float | None) -> str | None:
        n = c.size
        if n < self.min_periods:
            return f"too few periods: {n} (a forecast needs at least {self.min_periods})"
        top = float(c.max())
        if top < 1:
            return "nobody has adopted yet"
        upper_m = float(population) if population is not None else np.inf
        if upper_m < top:
            return (f"more adopters ({top:g}) than the population ({upper_m:g}); check the "
                    "population passed")
        prev = np.concatenate([[0.0], c[:-1]])
        if self.estimator == "cumulative":
            model, y = bass_cumulative, c
        else:
            model, y = bass_density, c - prev
        # fitted on the scale of the largest count (m near 1), so that the three parameters
        # are of one order and the solver converges in a few steps
        y = y / top
        lower, upper = [1.0, 1e-6, 0.0], [upper_m / top, 1.0, 3.0]
        self.bounds_ = (np.array(lower) * [top, 1, 1], np.array(upper) * [top, 1, 1])
        best = None
        for m0, p0, q0 in ((1.2, 0.01, 0.3), (2.0, 0.03, 0.5), (5.0, 0.1, 0.1)):  # 3 starts
            start = [min(m0, (1 + upper[0]) / 2), p0, q0]
            try:
                with warnings.catch_warnings():  # an inestimable covariance is checked below
                    warnings.simplefilter("ignore", optimize.OptimizeWarning)
                    popt, pcov = optimize.curve_fit(model, tt, y, p0=start,
                                                    bounds=(lower, upper), maxfev=20000)
            except (RuntimeError, ValueError):
                continue
            sse = float(((y - model(tt, *popt)) ** 2).sum())
            if best is None or sse < best[0] - 1e-12:
                best = (sse, popt, pcov)
        if best is None:
            return "the fit did not converge"
        scale = np.array([top, 1.0, 1.0])
        best = (best[0], best[1] * scale, best[2] * np.outer(scale, scale))
        _, popt, pcov = best
        self.params_ = dict(zip(_TERMS, map(float, popt), strict=True))
        self.cov_ = np.asarray(pcov, dtype=float)
        m, p, q = popt
        fitted = bass_cumulative(tt, m, p, q)
        inc = c - prev
        inc_fit = fitted - np.concatenate([[0.0], fitted[:-1]])
        ss = float(((inc - inc.mean()) ** 2).sum())
        self.r2_ = 1 - float(((inc - inc_fit) ** 2).sum()) / ss if ss > 0 else np.nan
        self.rmse_ = float(np.sqrt(((inc - inc_fit) ** 2).mean()))
        se = np.sqrt(np.diag(self.cov_))
        if not np.isfinite(se).all() or (se <= 0).any() or np.linalg.cond(
                self.cov_ / np.outer(se, se)) > 1e8:
            return "the parameters are not identified by the data (a degenerate fit)"
        peak = np.log(q / p) / (p + q) if q > p else 0.0
        if peak > tt[-1]:
            return (f"adoptions per period are still rising (the fitted peak is at period "
                    f"{peak:.1f}, after the last one, {tt[-1]:g}), so the eventual number of "
                    "adopters would be a guess")
        if se[0] / m > self.max_relative_se:
            return (f"the eventual number of adopters is not identified yet (its standard "
                    f"error is {se[0] / m:.0%} of the estimate)")
        if not np.isfinite(self.r2_) or self.r2_ < self.min_r2:
            return (f"poor fit: the curve explains {self.r2_:.0%} of the variation in "
                    f"adoptions per period (at least {self.min_r2:.0%} needed)")
        return None

    # ------------------------------------------------------------------ results

    def _check(self) -> None:
        if not hasattr(self, "refusal_"):
            raise NotFittedError("BassModel: call fit(cumulative) first.")
        if self.refusal_ is not None:
            raise NotFittedError(f"BassModel: no forecast, {self.refusal_}.")

    def _log_cov(self) -> tuple[np.ndarray, np.ndarray]:
        theta = np.array([self.params_[k] for k in _TERMS])
        d = np.diag(1 / theta)
        return np.log(theta), d @ self.cov_ @ d

    def _draws(self) -> np.ndarray:
        """``n_draws`` x 3 draws of ``(m, p, q)`` from the log-normal sampling distribution."""
        mean, cov = self._log_cov()
        rng = np.random.default_rng(self.seed)
        draws = np.exp(rng.multivariate_normal(mean, cov, size=self.n_draws,
                                               check_valid="ignore", method="eigh"))
        return draws

    @property
    def summary(self) -> pd.DataFrame:
        """``term`` (m, p, q), ``estimate``, ``std_err``, ``ci_low``, ``ci_high``.

        Intervals are cut to the fitting bounds (module docstring).
        """
        self._check()
        mean, cov = self._log_cov()
        se_log = np.sqrt(np.diag(cov))
        crit = stats.t.ppf((1 + self.confidence) / 2, max(self.n_periods_ - 3, 1))
        low, high = self.bounds_
        return pd.DataFrame({
            "term": list(_TERMS),
            "estimate": np.exp(mean),
            "std_err": np.sqrt(np.diag(self.cov_)),
            "ci_low": np.clip(np.exp(mean - crit * se_log), low, high),
            "ci_high": np.clip(np.exp(mean + crit * se_log), low, high),
        })

    def predict(self, t) -> pd.DataFrame:
        """Fitted cumulative adopters at ``t`` with the parametric-bootstrap band.

        Returns ``t``, ``estimate``, ``ci_low``, ``ci_high`` (the band of the expected
        cumulative count; bounds never below 0 nor above the population cap).
        """
        self._check()
        tt = np.asarray(t, dtype=float).ravel()
        est = bass_cumulative(tt, **self.params_)
        draws = self._draws()
        curves = np.array([bass_cumulative(tt, *d) for d in draws])
        cap = self.population_ if self.population_ is not None else np.inf
        curves = np.clip(curves, 0, cap)
        tail = (1 - self.confidence) / 2
        low, high = np.quantile(curves, [tail, 1 - tail], axis=0)
        return pd.DataFrame({"t": tt, "estimate": est, "ci_low": np.minimum(low, est),
                             "ci_high": np.maximum(high, est)})

    def time_to_share(self, share: float, *, population: float) -> dict[str, float]:
        """When ``share`` of ``population`` will have adopted: ``estimate``, ``ci_low``,
        ``ci_high`` in periods (``t``; ``inf`` when the curve never gets there)."""
        self._check()
        if not 0 < share < 1 or not population > 0:
            raise InputError(f"BassModel.time_to_share: share {share!r} must lie in (0, 1) and "
                             f"population {population!r} be > 0.")
        target = share * population
        est = float(_time_to(target / self.params_["m"], self.params_["p"], self.params_["q"]))
        d = self._draws()
        times = _time_to(target / d[:, 0], d[:, 1], d[:, 2])
        tail = (1 - self.confidence) / 2
        low, high = np.quantile(times, [tail, 1 - tail], method="inverted_cdf")
        return {"estimate": est, "ci_low": float(min(low, est)), "ci_high": float(max(high, est))}

    def adopter_categories(self) -> pd.DataFrame:
        """Rogers' categories under the fitted curve (module docstring).

        Returns ``category``, ``t_start``, ``t_end`` (periods; the first starts at 0, the last
        ends at ``inf``), ``share`` (of eventual adopters), ``adopters`` (``share * m``).
        """
        self._check()
        m, p, q = (self.params_[k] for k in _TERMS)

        def survival(x: float) -> float:
            return 1 - bass_cumulative(x, 1.0, p, q)

        mean = integrate.quad(survival, 0, np.inf)[0]
        second = integrate.quad(lambda x: 2 * x * survival(x), 0, np.inf)[0]
        sd = float(np.sqrt(max(second - mean ** 2, 0.0)))
        rows = []
        for name, lo, hi in ADOPTER_CATEGORIES:
            start = max(mean + lo * sd, 0.0) if np.isfinite(lo) else 0.0
            end = max(mean + hi * sd, 0.0) if np.isfinite(hi) else np.inf
            share = float((1 - survival(end) if np.isfinite(end) else 1.0)
                          - (1 - survival(start)))
            rows.append({"category": name, "t_start": start, "t_end": end, "share": share,
                         "adopters": share * m})
        return pd.DataFrame(rows)
