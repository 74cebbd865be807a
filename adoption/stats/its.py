"""Interrupted time series: the step change of one series at a rollout (segmented regression).

``outcome ~ time + post`` (+ ``time_since_post`` with ``slope_change=True``) (+ Fourier terms
``sin(2 pi k t / period)``, ``cos(2 pi k t / period)``, ``k = 1..harmonics``, for
seasonality), fitted by statsmodels: OLS for ``family="gaussian"``, a Poisson GLM with
``log(offset)`` for counts (``family="poisson"``, Bernal, Cummins & Gasparrini 2017).

The errors are Newey-West HAC (``errors="hac"``, the default; ``hac_lags`` default
``floor(4 (n / 100)^(2/9))``, Newey & West 1994), robust to the autocorrelation and
heteroskedasticity a monthly KPI usually has, or ``errors="quasi"``: the model's own errors,
for a Poisson model with the Pearson dispersion (quasi-Poisson, R's ``family = quasipoisson``
as in the tutorial's code).

For a Gaussian series (a KPI of a few dozen months) the HAC standard error gets the
small-sample correction, is never taken below the plain OLS one, and the interval uses the t
distribution with n - k degrees of freedom: plain Newey-West intervals are too narrow on short
series (measured over 2,000 simulated 18-month series with independent noise: 79% of 95%
intervals held the true step; with these three changes 95%; with AR(1) noise of 0.5, 77% and
84%).

The ``estimate`` is the step change at the first post period on the outcome's scale; for a
Poisson model that is the log rate ratio (so its sign and interval give the direction), and
``relative_effect`` with ``relative_ci_low``/``relative_ci_high`` give the rate ratio minus 1
(``-0.115`` = the rate fell by 11.5%). For a Gaussian model ``relative_effect`` is the step
divided by the pre-period mean.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from adoption.errors import InputError
from adoption.stats.impact_input import check_alpha, check_binary, check_varies, select_columns
from adoption.stats.impact_result import ImpactResult

__all__ = ["interrupted_time_series"]

_ASSUMPTIONS = (
    "Without the rollout, the outcome would have continued on its pre-rollout trend"
    " (and seasonal pattern).",
    "Nothing else that affects the outcome changed at the same time as the rollout.",
    "The outcome's definition and the population it covers did not change at the rollout.",
)


def interrupted_time_series(data: pd.DataFrame, *, outcome: str, time: str, post: str,
                            offset: str | None = None,
                            family: Literal["gaussian", "poisson"] = "gaussian",
                            harmonics: int = 0, period: int = 12, hac_lags: int | None = None,
                            alpha: float = 0.05, slope_change: bool = False,
                            errors: Literal["hac", "quasi"] = "hac") -> ImpactResult:
    """Step change of ``outcome`` when ``post`` switches from 0 to 1.

    Parameters
    ----------
    data : DataFrame
        One row per period of a single series.
    outcome : str
        The outcome column (counts for ``family="poisson"``).
    time : str
        Period number (1, 2, ...), one row each.
    post : str
        0 before the rollout, 1 from it on (one switch).
    offset : str, optional
        Exposure column for a Poisson model (population, people, hours); ``log(offset)``
        enters with coefficient 1, so the model is of the rate ``outcome / offset``.
    family : {"gaussian", "poisson"}
        OLS, or a Poisson GLM for counts.
    harmonics : int
        Pairs of Fourier terms for seasonality (0 = none; 2 as in the tutorial).
    period : int
        Length of the seasonal cycle in periods (12 for months).
    hac_lags : int, optional
        Newey-West lags; default ``floor(4 (n / 100)^(2/9))``.
    alpha : float
        1 minus the confidence level.
    slope_change : bool
        Also let the trend change after the rollout (``time_since_post``).
    errors : {"hac", "quasi"}
        Newey-West HAC, or the model's errors (quasi-Poisson for ``family="poisson"``).

    Returns
    -------
    ImpactResult
        ``n_units`` 1, ``n_treated`` 0; see the module docstring for the scales.

    Raises
    ------
    InputError
        A missing column, a repeated time, a post column that is not 0/1 or switches back,
        fewer than 3 periods before or 1 after the rollout, negative counts or non-positive
        offsets for a Poisson model, a constant outcome.

    Examples
    --------
    >>> df = pd.DataFrame({"month": range(1, 25), "after": [0] * 12 + [1] * 12})
    >>> df["y"] = 10 + 0.5 * df["month"] + 3 * df["after"] + np.tile([0.2, -0.2, 0.1], 8)
    >>> r = interrupted_time_series(df, outcome="y", time="month", post="after")
    >>> round(r.estimate, 2), r.inference
    (3.03, 'Newey-West HAC, 2 lags, small-sample t')
    >>> r.method
    'interrupted time series'
    """
    where = "interrupted_time_series"
    check_alpha(alpha, where=where)
    if family not in ("gaussian", "poisson"):
        raise InputError(f"{where}: family is {family!r}; use 'gaussian' or 'poisson' (counts).")
    if errors not in ("hac", "quasi"):
        raise InputError(f"{where}: errors is {errors!r}; use 'hac' or 'quasi'.")
    for name, value, low in (("harmonics", harmonics, 0), ("period", period, 2)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise InputError(f"{where}: {name} is {value!r}; it must be a whole number of at "
                             f"least {low}.")
    if offset is not None and family != "poisson":
        raise InputError(f"{where}: an offset ({offset!r}) needs family='poisson'.")
    df = select_columns(data, {"outcome": outcome, "time": time, "post": post,
                               "offset": offset}, where=where,
                        numeric=("outcome", "time", "offset"))
    df["post"] = check_binary(df["post"], column=post, where=where)
    df = df.sort_values("time").reset_index(drop=True)
    if df["time"].duplicated().any():
        raise InputError(f"{where}: time {df.loc[df['time'].duplicated(), 'time'].iloc[0]:g} "
                         f"appears more than once in {time!r}; pass one row per period of a "
                         "single series (aggregate the teams first).")
    if (df["post"].diff().fillna(0) < 0).any():
        raise InputError(f"{where}: {post!r} goes back from 1 to 0; it must be 0 before the "
                         "rollout and 1 from it on.")
    n_pre, n_post = int((df["post"] == 0).sum()), int((df["post"] == 1).sum())
    if n_pre < 3 or n_post < 1:
        raise InputError(f"{where}: {n_pre} period(s) before and {n_post} after the rollout; "
                         "a trend needs at least 3 before and 1 after.")
    check_varies(df["outcome"], column=outcome, where=where)
    X = pd.DataFrame({"const": 1.0, "time": df["time"], "post": df["post"]})
    if slope_change:
        start = df.loc[df["post"] == 1, "time"].iloc[0]
        X["time_since_post"] = (df["time"] - start) * df["post"]
    for k in range(1, int(harmonics) + 1):
        angle = 2 * np.pi * k * df["time"] / period
        X[f"sin{k}"], X[f"cos{k}"] = np.sin(angle), np.cos(angle)
    n = len(df)
    lags = math.floor(4 * (n / 100) ** (2 / 9)) if hac_lags is None else int(hac_lags)
    fit_kw = ({"cov_type": "HAC", "cov_kwds": {"maxlags": lags}} if errors == "hac" else {})
    if family == "poisson":
        if (df["outcome"] < 0).any():
            raise InputError(f"{where}: a Poisson model needs counts >= 0 in {outcome!r}; "
                             f"found {df.loc[df['outcome'] < 0, 'outcome'].iloc[0]!r}.")
        log_offset = None
        if offset is not None:
            if (df["offset"] <= 0).any():
                raise InputError(f"{where}: offset {offset!r} must be > 0 (it is logged); "
                                 f"found {df.loc[df['offset'] <= 0, 'offset'].iloc[0]!r}.")
            log_offset = np.log(df["offset"])
        model = sm.GLM(df["outcome"], X, family=sm.families.Poisson(), offset=log_offset)
        fit = model.fit(scale="X2") if errors == "quasi" else model.fit(**fit_kw)
    else:
        fit = sm.OLS(df["outcome"], X).fit()
    est, se = float(fit.params["post"]), float(fit.bse["post"])
    low, high = (float(v) for v in fit.conf_int(alpha=alpha).loc["post"])
    p_value = float(fit.pvalues["post"])
    if family == "gaussian" and errors == "hac":  # short series: see the module docstring
        hac = sm.OLS(df["outcome"], X).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True)
        se = max(se, float(hac.bse["post"]))
        dof = n - X.shape[1]
        q = float(stats.t.ppf(1 - alpha / 2, dof))
        low, high = est - q * se, est + q * se
        p_value = float(2 * stats.t.sf(abs(est / se), dof))
    if errors == "hac":
        inference = f"Newey-West HAC, {lags} lags" + (", Poisson" if family == "poisson" else
                                                      ", small-sample t")
    else:
        inference = "quasi-Poisson (Pearson dispersion)" if family == "poisson" else "OLS"
    if family == "poisson":
        relative = (math.expm1(est), math.expm1(low), math.expm1(high))
    else:
        pre_mean = df.loc[df["post"] == 0, "outcome"].mean()
        relative = (est / pre_mean, None, None) if pre_mean else (None, None, None)
    return ImpactResult(
        method="interrupted time series", estimate=est, ci_low=low, ci_high=high, se=se,
        p_value=p_value, n=n, n_units=1, n_treated=0, alpha=float(alpha),
        inference=inference, assumptions=_ASSUMPTIONS, relative_effect=relative[0],
        relative_ci_low=relative[1], relative_ci_high=relative[2])

