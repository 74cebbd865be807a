"""Kaplan-Meier survival with its intervals, and the log-rank test, on right-censored times.

The estimator is ``statsmodels.duration.survfunc.SurvfuncRight`` (Kaplan-Meier with
Greenwood's variance) and the test ``statsmodels.duration.survfunc.survdiff``; this module
only chooses the intervals and handles the edges:

- ``S(t)`` at a time ``t``: the log-log (Kalbfleisch-Prentice) interval
  ``S^exp(+-z sigma)``, ``sigma = sqrt(sum d / (n (n - d))) / |log S|`` (Greenwood), the default
  of R's ``survfit(conf.type = "log-log")`` and of lifelines. It never leaves [0, 1]. Where it
  is undefined (``S = 1``: nobody has had the event yet; ``S = 0``: everybody has), the Wilson
  interval of 0 (or all) of the people still observed at ``t`` is used, so that a group where
  nobody has started yet does not get a zero-width interval. ``t`` beyond the longest
  follow-up (with ``S > 0``) gives missing values: Kaplan-Meier says nothing there.
- the median: the smallest time with ``S <= 0.5`` (``inf`` when the curve never gets there, "not
  reached"); its interval is Brookmeyer and Crowley's (1982), by inverting the log-log test
  (``SurvfuncRight.quantile_ci``, as SAS's LIFETEST); an upper limit of ``inf`` means "not
  reached within the follow-up". That set of times can be empty: with many people on a coarse
  grid (monthly periods) the curve steps over one half between two event times with standard
  errors too small to keep either. Then the interval is read off the pointwise log-log band
  instead, as R's ``survfit`` and lifelines do: from the first time its lower limit is at or
  below one half to the first time its upper limit is (``inf`` when it never is).

Why statsmodels and not lifelines: lifelines 0.30 requires ``pandas < 3`` (its issue #1685),
which would pin this package's pandas back; statsmodels, already a dependency, has the same
estimators (its results equal lifelines' on the Gehan data, see tests/test_stats_survival.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from adoption.errors import InputError
from adoption.stats.intervals import check_confidence, wilson_interval

__all__ = ["kaplan_meier_at", "kaplan_meier_median", "logrank_test"]


def _check(durations, events, where: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(durations, dtype=float).ravel()
    e = np.asarray(events, dtype=float).ravel()
    if t.shape != e.shape:
        raise InputError(f"{where}: {t.size} durations but {e.size} event flags; pass one "
                         "event flag (1 = happened, 0 = censored) per duration.")
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise InputError(f"{where}: durations must be finite numbers >= 0; found "
                         f"{t[bad][:5].tolist()!r}. Drop or fix those rows.")
    if not np.isin(e, (0.0, 1.0)).all():
        raise InputError(f"{where}: event flags must be 0 (censored) or 1 (happened); found "
                         f"{sorted(set(e[~np.isin(e, (0.0, 1.0))].tolist()))[:5]!r}.")
    return t, e


def _fit(t: np.ndarray, e: np.ndarray) -> SurvfuncRight | None:
    """The fitted curve, or None when no event happened (the curve is 1 throughout)."""
    if not (e > 0).any():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        return SurvfuncRight(t, e)


def kaplan_meier_at(durations, events, times: Sequence[float], *,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier ``S(t)`` at the given times with the log-log interval (module docstring).

    Parameters
    ----------
    durations : array-like of float
        Time from the start to the event or to censoring (>= 0).
    events : array-like of {0, 1}
        1 when the event happened at that time, 0 when the person was censored.
    times : sequence of float
        Times at which to read the curve.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per time: ``time``, ``estimate`` (``S(t)``, the share without the event by
        ``t``), ``ci_low``, ``ci_high``, ``at_risk`` (people still observed just after ``t``:
        duration > ``t``), ``n`` (everyone). Estimates and bounds are missing when ``n == 0``
        or ``t`` is beyond the longest follow-up.
    """
    check_confidence(confidence, where="kaplan_meier_at")
    t, e = _check(durations, events, "kaplan_meier_at")
    when = np.asarray(list(times), dtype=float)
    if not np.isfinite(when).all():
        raise InputError(f"kaplan_meier_at: times must be finite; found {when.tolist()!r}.")
    fit = _fit(t, e)
    z = stats.norm.ppf((1 + confidence) / 2)
    rows = []
    for w in when:
        observed = int((t > w).sum() + ((t <= w) & (e > 0)).sum())  # not censored by w
        row = {"time": float(w), "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "at_risk": int((t > w).sum()), "n": int(t.size)}
        if fit is None:
            s, greenwood = 1.0, 0.0
        else:
            k = np.searchsorted(fit.surv_times, w, side="right") - 1
            s = 1.0 if k < 0 else float(fit.surv_prob[k])
            se = 0.0 if k < 0 else float(fit.surv_prob_se[k])
            greenwood = se / s if s > 0 else np.inf
        if t.size == 0 or (w > t.max() and s > 0):
            rows.append(row)
            continue
        row["estimate"] = s
        if 0 < s < 1 and np.isfinite(greenwood) and greenwood > 0:
            sigma = greenwood / abs(np.log(s))
            row["ci_low"], row["ci_high"] = s ** np.exp(z * sigma), s ** np.exp(-z * sigma)
        else:  # S = 1 or S = 0: Wilson interval of the people observed at w
            low, high = wilson_interval(observed * s, observed, confidence=confidence)
            row["ci_low"], row["ci_high"] = low, high
        rows.append(row)
    return pd.DataFrame(rows, columns=["time", "estimate", "ci_low", "ci_high", "at_risk", "n"])


def kaplan_meier_median(durations, events, *, confidence: float = 0.95) -> dict[str, float]:
    """Median time to the event with Brookmeyer and Crowley's interval (module docstring).

    Returns
    -------
    dict
        ``estimate`` (the median; ``inf`` when fewer than half are known to have had the
        event, "not reached"), ``ci_low``, ``ci_high`` (``inf`` when the upper limit is not
        reached; missing when the interval cannot be formed, e.g. no event at all), ``n``,
        ``events``. Everything but ``n`` is missing when ``n == 0``.
    """
    check_confidence(confidence, where="kaplan_meier_median")
    t, e = _check(durations, events, "kaplan_meier_median")
    out = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": float(t.size),
           "events": float(e.sum())}
    if t.size == 0:
        return out
    fit = _fit(t, e)
    if fit is None:
        return out | {"estimate": np.inf, "ci_high": np.inf}
    # the smallest time with S(t) <= 0.5 (lifelines, Klein & Moeschberger); statsmodels'
    # quantile() takes S(t) < 0.5 (SAS), which differs only where S is exactly 0.5
    below = np.flatnonzero(fit.surv_prob <= 0.5 + 1e-12)
    reached = below.size > 0
    out["estimate"] = float(fit.surv_times[below[0]]) if reached else np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = fit.quantile_ci(0.5, alpha=1 - confidence, method="cloglog")
    if not np.isfinite(low) and reached:  # empty set: the band's crossings (docstring)
        low, high = _band_median_ci(fit, stats.norm.ppf((1 + confidence) / 2))
    if np.isfinite(low):
        # the limits are observed event times, so they bracket the median by construction;
        # min/max only guard the edge where the test rejects at the median's own time
        out["ci_low"] = float(min(low, out["estimate"]))
        out["ci_high"] = float(max(high, out["estimate"]))
    else:
        out["ci_high"] = np.inf if not reached else np.nan
    return out


def _band_median_ci(fit: SurvfuncRight, z: float) -> tuple[float, float]:
    """First event times at which the log-log band's lower and upper limits reach one half."""
    s = np.asarray(fit.surv_prob, dtype=float)
    se = np.asarray(fit.surv_prob_se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = se / (s * np.abs(np.log(s)))
        inside = (s > 0) & (s < 1) & np.isfinite(sigma)
        lower = np.where(inside, s ** np.exp(z * sigma), s)
        upper = np.where(inside, s ** np.exp(-z * sigma), s)
    times = np.asarray(fit.surv_times, dtype=float)

    def first(curve: np.ndarray) -> float:
        below = np.flatnonzero(curve <= 0.5 + 1e-12)
        return float(times[below[0]]) if below.size else np.inf

    return first(lower), first(upper)


def logrank_test(durations, events, groups) -> dict[str, float]:
    """Log-rank test that the groups share one survival curve (``statsmodels`` ``survdiff``).

    Returns
    -------
    dict
        ``statistic`` (chi-square), ``dof`` (groups - 1), ``p_value``, ``groups`` (number of
        groups). Statistic and p-value are missing with fewer than two groups or no event.
    """
    t, e = _check(durations, events, "logrank_test")
    g = np.asarray(groups, dtype=object).ravel()
    if g.shape != t.shape:
        raise InputError(f"logrank_test: {t.size} durations but {g.size} group labels; pass "
                         "one group per duration.")
    labels = pd.unique(pd.Series(g).dropna())
    out = {"statistic": np.nan, "dof": float(max(len(labels) - 1, 0)), "p_value": np.nan,
           "groups": float(len(labels))}
    if len(labels) < 2 or not (e > 0).any():
        return out
    codes = pd.Series(g).map({v: i for i, v in enumerate(labels)}).to_numpy(dtype=float)
    keep = np.isfinite(codes)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2, p = survdiff(t[keep], e[keep], codes[keep])
    if np.isfinite(chi2):
        out["statistic"], out["p_value"] = float(max(chi2, 0.0)), float(min(max(p, 0.0), 1.0))
    return out
