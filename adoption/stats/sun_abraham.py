"""Sun & Abraham's (2021) interaction-weighted event study, on a panel checked by
:mod:`adoption.stats.event_study` (call :func:`~adoption.stats.event_study.staggered_event_study`
with ``estimator="sun-abraham"``; this module is not exported).

One regression (``pyfixest.feols``, unit and period fixed effects, unit-clustered CRV1):
a dummy for every cohort x event time (event time -1 the reference, endpoints binned), so the
never-treated units are the only comparison and no cohort's effect leaks into another's. Each
event time's estimate is the average of the cohorts' coefficients weighted by their share of
the treated observations at that event time; the overall ATT weights every post-period cell by
its share of all treated observations. These are linear combinations of the coefficients, with
their standard errors from the clustered covariance (the weights taken as fixed, as
``pyfixest``'s own ``SaturatedEventStudy.aggregate``, which this reproduces without binning:
see tests/test_impact_event_study.py). That class is not used directly: it is marked beta,
always gives 95% intervals, and has no overall ATT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from adoption.stats.impact_result import EVENT_STUDY_COLUMNS

__all__ = ["sun_abraham_fit"]


def sun_abraham_fit(df: pd.DataFrame, window: list[int], *, alpha: float
                    ) -> tuple[dict[str, float], pd.DataFrame]:
    """Overall ATT and event-study frame (the pre-trend test is the panel's own, see
    :mod:`adoption.stats.event_study`).

    ``df`` has columns ``y, unit, time, first_treated`` (0 = never), ``rel_time`` (binned,
    missing for never-treated units); ``window`` lists the event times other than -1.
    """
    from adoption.stats.fixest import pyfixest
    pf = pyfixest()

    treated = df[df["first_treated"] > 0]
    cells = (treated[treated["rel_time"].isin(window)]
             .groupby(["first_treated", "rel_time"]).size().rename("n").reset_index())
    cells["name"] = [f"sa_g{int(g)}_{'m' if k < 0 else 'p'}{abs(int(k))}"
                     for g, k in zip(cells["first_treated"], cells["rel_time"], strict=True)]
    design = df[["y", "unit", "time"]].copy()
    for g, k, name in zip(cells["first_treated"], cells["rel_time"], cells["name"], strict=True):
        design[name] = ((df["first_treated"] == g) & (df["rel_time"] == k)).astype(float)
    fit = pf.feols("y ~ " + " + ".join(cells["name"]) + " | unit + time", data=design,
                   vcov={"CRV1": "unit"})
    names = list(fit._coefnames)
    cells = cells[cells["name"].isin(names)]  # a collinear cell is dropped by feols
    beta, vcov = np.asarray(fit._beta_hat), np.asarray(fit._vcov)
    df_t = fit._df_t if hasattr(fit, "_df_t") else np.inf
    crit = stats.t.ppf(1 - alpha / 2, df_t)

    def combine(sub: pd.DataFrame) -> tuple[np.ndarray, dict[str, float]]:
        weights = np.zeros(len(names))
        weights[[names.index(n) for n in sub["name"]]] = sub["n"] / sub["n"].sum()
        est, se = float(weights @ beta), float(np.sqrt(weights @ vcov @ weights))
        p = float(2 * stats.t.sf(abs(est / se), df_t)) if se > 0 else float("nan")
        return weights, {"estimate": est, "se": se, "p_value": p,
                         "ci_low": est - crit * se, "ci_high": est + crit * se}

    _, att = combine(cells[cells["rel_time"] >= 0])
    counts = treated["rel_time"].value_counts()
    rows = [{"rel_time": -1, "estimate": 0.0, "ci_low": np.nan, "ci_high": np.nan,
             "se": np.nan, "n": int(counts.get(-1, 0))}]
    for k, sub in cells.groupby("rel_time"):
        _, est = combine(sub)
        rows.append({"rel_time": int(k), "estimate": est["estimate"], "ci_low": est["ci_low"],
                     "ci_high": est["ci_high"], "se": est["se"], "n": int(counts.get(k, 0))})
    es = pd.DataFrame(rows, columns=list(EVENT_STUDY_COLUMNS)).sort_values("rel_time")
    return att, es.reset_index(drop=True)
