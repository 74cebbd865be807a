"""Event studies of a staggered rollout: effects by period relative to each team's adoption.

Two estimators on the same panel (one row per unit and integer period):

- :func:`staggered_event_study`: Gardner's two-stage difference in differences (``did2s``,
  Gardner 2021; Butts & Gardner 2022), as ``pyfixest.did2s``: unit and period effects are
  estimated on the untreated observations only (never-treated teams and the not-yet-treated
  periods of adopting teams), removed from every observation, and the residuals of the
  treated observations averaged by event time. It stays unbiased when teams adopt at
  different times and their effects differ by cohort or grow with time; the errors are
  unit-clustered and account for the first stage (GMM, as the R package did2s). Or
  ``estimator="sun-abraham"``: Sun & Abraham's (2021) interaction-weighted estimator,
  cohort x event-time effects against the never-treated teams (``pyfixest``'s saturated
  event study), averaged over cohorts by their share of treated observations.
- :func:`twfe_event_study`: the plain two-way fixed-effects regression with lead and lag
  dummies, for the published checks and to show the difference. With staggered timing and
  effects that change over time its coefficients mix already-treated teams into the
  comparison and are biased (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020).

Event time ``rel_time = time - first_treated``; the period before adoption (-1) is the
reference. ``leads`` and ``lags`` bound the window: event times before ``-leads`` are pooled
into ``-leads`` and those after ``lags`` into ``lags`` (binned endpoints, Schmidheiny &
Siegloch 2023). The overall ATT (``estimate``) is the average effect over every treated
observation.

``pretrend_p`` tests for a **linear differential pre-trend** on the untreated observations
(never-treated units and the periods of adopting units before their adoption): ``y ~ trend |
unit + period`` with ``trend`` = periods to adoption for adopting units (0 for the others),
unit-clustered errors and a t test with G - 1 degrees of freedom (G clusters). This is the
pre-trend test of imputation estimators (Borusyak, Jaravel & Spiess 2024: test on untreated
observations, apart from the estimation) restricted to one restriction: a joint Wald test of
every lead with cluster-robust errors over-rejects badly when there are few teams (with 16
teams and 18 leads the cluster covariance of the leads is singular; even 6 leads rejected a
clean panel in 32% of draws at the 10% level, where this test rejects in 10 to 13%: see
tests/test_impact_event_study.py). It catches adopters that were already drifting apart, the
common failure; a dip just before adoption shows in the event-study chart, not in this test.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from adoption.errors import EstimateWarning, InputError
from adoption.stats.impact_input import (
    check_alpha,
    check_varies,
    quiet_pyfixest,
    select_columns,
    tidy_row,
)
from adoption.stats.impact_result import EVENT_STUDY_COLUMNS, ImpactResult

__all__ = ["staggered_event_study", "twfe_event_study"]

_COMMON = (
    "Without the rollout, adopting and comparison teams would have moved in parallel "
    "(the same period-to-period changes).",
    "Teams did not change their outcome in anticipation of adopting (before the leads shown).",
    "Nothing else that affects the outcome changed for a team when it adopted.",
)
_STAGGERED = _COMMON + (
    "The effect may differ between cohorts and grow or fade over time; the estimator allows it.",
)
_TWFE = _COMMON + (
    "The effect is the same for every cohort and constant over time; if it is not, two-way "
    "fixed effects are biased under staggered adoption.",
)


def staggered_event_study(data: pd.DataFrame, *, outcome: str, unit: str, time: str,
                          first_treated: str, alpha: float = 0.05, leads: int | None = None,
                          lags: int | None = None,
                          estimator: Literal["did2s", "sun-abraham"] = "did2s"
                          ) -> ImpactResult:
    """Event study and overall ATT valid under staggered adoption and heterogeneous effects.

    Parameters
    ----------
    data : DataFrame
        One row per unit and period.
    outcome : str
        The outcome column (numbers).
    unit : str
        The unit (team) column; errors are clustered on it.
    time : str
        Integer period index (1, 2, ...).
    first_treated : str
        The period index a unit is first treated; 0 or missing for never-treated units.
        Units treated after the last period are comparison units; units treated from
        their first period on have no pre-period and are dropped (with a warning).
    alpha : float
        1 minus the confidence level.
    leads, lags : int, optional
        Event-time window: ``-leads`` to ``lags`` with pooled endpoints; default all
        observed event times. ``leads`` must be at least 2.
    estimator : {"did2s", "sun-abraham"}
        Gardner's two-stage DiD or Sun & Abraham's interaction-weighted estimator.

    Returns
    -------
    ImpactResult
        ``estimate``: the ATT over all treated observations; ``event_study``: one row per
        event time (``rel_time, estimate, ci_low, ci_high, se, n``, -1 the reference);
        ``pretrend_p``: test of a linear differential pre-trend (module docstring);
        ``comparison_units``: never-treated units.

    Raises
    ------
    InputError
        A missing column, a non-integer time or first_treated, a unit whose first_treated
        changes, a repeated unit and period, no treated or no never-treated unit, fewer than
        2 pre-periods, a constant outcome.
    """
    if estimator not in ("did2s", "sun-abraham"):
        raise InputError(f"staggered_event_study: estimator is {estimator!r}; use 'did2s' or "
                         "'sun-abraham'.")
    panel = _Panel(data, outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                   alpha=alpha, leads=leads, lags=lags, where="staggered_event_study")
    if estimator == "sun-abraham":
        from adoption.stats.sun_abraham import sun_abraham_fit

        with quiet_pyfixest():
            att, es = sun_abraham_fit(panel.df, panel.window, alpha=alpha)
        pretrend_p = panel.pretrend_p()
        method = "event study (Sun-Abraham interaction-weighted)"
    else:
        from adoption.stats.fixest import pyfixest
        pf = pyfixest()

        def did2s(second: str):
            return pf.did2s(panel.df, yname="y", first_stage="~ 0 | unit + time",
                            second_stage=second, treatment="treat", cluster="unit")

        with quiet_pyfixest():
            att = tidy_row(did2s("~ d"), "d", alpha=alpha)
            fit = did2s("~ " + " + ".join(panel.dummies))
            es, pretrend_p = panel.event_frame(fit, alpha=alpha)
        method = "event study (did2s, Gardner 2021)"
    detail = "GMM, with the first stage" if estimator == "did2s" else "CRV1"
    return panel.result(method, att, es, pretrend_p, assumptions=_STAGGERED,
                        inference=f"{unit}-clustered ({detail}, {panel.n_units} clusters)")


def twfe_event_study(data: pd.DataFrame, *, outcome: str, unit: str, time: str,
                     first_treated: str, alpha: float = 0.05, leads: int | None = None,
                     lags: int | None = None) -> ImpactResult:
    """Plain two-way fixed-effects event study (unit and period effects, lead/lag dummies).

    Biased under staggered adoption with effects that change over time (see the module
    docstring); kept for the published checks and to compare with
    :func:`staggered_event_study`. Parameters, returns and errors as there; ``estimate`` is
    the coefficient of the treatment indicator in ``outcome ~ treated | unit + time``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame([(u, t, 3 if u < 4 else 0) for u in range(8) for t in range(1, 7)],
    ...                   columns=["team", "period", "first"])
    >>> df["y"] = df["team"] + 0.1 * df["period"] + rng.normal(0, 0.01, len(df))
    >>> df["y"] += np.where((df["first"] > 0) & (df["period"] >= df["first"]), 2.0, 0.0)
    >>> r = twfe_event_study(df, outcome="y", unit="team", time="period", first_treated="first")
    >>> round(r.estimate, 1), r.n_treated, list(r.event_study["rel_time"])
    (2.0, 4, [-2, -1, 0, 1, 2, 3])
    """
    panel = _Panel(data, outcome=outcome, unit=unit, time=time, first_treated=first_treated,
                   alpha=alpha, leads=leads, lags=lags, where="twfe_event_study")
    from adoption.stats.fixest import pyfixest
    pf = pyfixest()

    def feols(rhs: str):
        return pf.feols(f"y ~ {rhs} | unit + time", data=panel.df, vcov={"CRV1": "unit"})

    with quiet_pyfixest():
        att = tidy_row(feols("d"), "d", alpha=alpha)
        es, pretrend_p = panel.event_frame(feols(" + ".join(panel.dummies)), alpha=alpha)
    return panel.result("event study (two-way fixed effects)", att, es, pretrend_p,
                        assumptions=_TWFE,
                        inference=f"{unit}-clustered (CRV1, {panel.n_units} clusters)")


def _name(k: int) -> str:
    return f"rel_m{-k}" if k < 0 else f"rel_p{k}"


class _Panel:
    """The checked panel of an event study, its event-time dummies and its result."""

    def __init__(self, data, *, outcome, unit, time, first_treated, alpha, leads, lags, where):
        check_alpha(alpha, where=where)
        self.where, self.alpha = where, float(alpha)
        df = select_columns(data, {"outcome": outcome, "unit": unit, "time": time,
                                   "first_treated": first_treated}, where=where,
                            numeric=("outcome", "time", "first_treated"),
                            may_be_missing=("first_treated",))
        df = df.rename(columns={"outcome": "y"})
        df["first_treated"] = df["first_treated"].fillna(0.0)
        for role, col in (("time", time), ("first_treated", first_treated)):
            frac = df[role][df[role] != df[role].round()]
            if len(frac):
                raise InputError(f"{where}: {col!r} must hold whole period numbers; found "
                                 f"{frac.head(3).tolist()!r}. Number the periods 1, 2, 3, ...")
        changing = df.groupby("unit")["first_treated"].nunique()
        if (changing > 1).any():
            raise InputError(f"{where}: {first_treated!r} must be the same in every row of a "
                             f"unit; unit {changing[changing > 1].index[0]!r} has several "
                             "values. Give each team its first treated period.")
        dup = df.duplicated(["unit", "time"])
        if dup.any():
            raise InputError(f"{where}: unit {df.loc[dup, 'unit'].iloc[0]!r} has more than one "
                             f"row for period {df.loc[dup, 'time'].iloc[0]:g}; pass one row per "
                             "unit and period (aggregate first).")
        g = df["first_treated"]
        g = g.where((g > 0) & (g <= df["time"].max()), 0.0)  # treated after the panel: comparison
        first_seen = df.groupby("unit")["time"].transform("min")
        always = (g > 0) & (g <= first_seen)
        if always.any():
            dropped = sorted(df.loc[always, "unit"].astype(str).unique())
            warnings.warn(f"{where}: {len(dropped)} unit(s) treated from their first period on "
                          f"have no pre-period and are dropped: {dropped[:5]!r}.",
                          EstimateWarning, stacklevel=3)
            df, g = df[~always], g[~always]
        df = df.assign(first_treated=g).reset_index(drop=True)
        units = df.groupby("unit")["first_treated"].first()
        if not (units > 0).any():
            raise InputError(f"{where}: no treated unit ({first_treated!r} is 0, missing or "
                             "outside the periods for every unit with a pre-period).")
        if not (units == 0).any():
            raise InputError(f"{where}: no comparison unit: every unit is treated at some "
                             f"period, so the periods after the last cohort's rollout have no "
                             "untreated team. Keep never-treated teams, or drop the periods "
                             "from the last cohort's rollout on (it then serves as comparison).")
        check_varies(df["y"], column=outcome, where=where)
        if (units > 0).sum() < 2:
            warnings.warn(f"{where}: only 1 treated unit; no unit-clustered interval is "
                          "reliable with one treated cluster (MacKinnon & Webb 2017). Read "
                          "the intervals as a rough guide.", EstimateWarning, stacklevel=3)
        treated = df["first_treated"] > 0
        rel = (df["time"] - df["first_treated"]).where(treated)
        pre = sorted(rel[rel < 0].unique())
        if len(pre) < 2:
            raise InputError(f"{where}: the treated units have {len(pre)} period(s) before "
                             "adoption; an event study needs at least 2 (the reference period "
                             "-1 and one to test for pre-trends). Add earlier periods.")
        leads = int(-min(pre)) if leads is None else leads
        lags = int(max(rel.max(), 0)) if lags is None else lags
        for name, value, low in (("leads", leads, 2), ("lags", lags, 0)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise InputError(f"{where}: {name} is {value!r}; it must be a whole number of "
                                 f"at least {low}.")
        binned = rel.clip(lower=-leads, upper=lags)
        self.window = [k for k in range(-leads, lags + 1)
                       if k != -1 and (binned == k).any()]
        for k in self.window:
            df[_name(k)] = (binned == k).astype(float)
        df["rel_time"] = binned
        df["treat"] = (treated & (df["time"] >= df["first_treated"])).astype(int)
        df["d"] = df["treat"].astype(float)
        self.df, self.units = df, units
        self.dummies = [_name(k) for k in self.window]
        self.n_units = int(len(units))

    def event_frame(self, fit, *, alpha: float) -> tuple[pd.DataFrame, float | None]:
        """Event-study rows of a fit with the dummies, and the joint test of the leads."""
        tidy = fit.tidy(alpha=alpha)
        counts = self.df.loc[self.df["first_treated"] > 0, "rel_time"].value_counts()
        rows = [{"rel_time": -1, "estimate": 0.0, "ci_low": np.nan, "ci_high": np.nan,
                 "se": np.nan, "n": int(counts.get(-1, 0))}]
        for k in self.window:
            if _name(k) in tidy.index:
                r = tidy.loc[_name(k)]
                rows.append({"rel_time": k, "estimate": float(r["Estimate"]),
                             "ci_low": float(r.iloc[4]), "ci_high": float(r.iloc[5]),
                             "se": float(r["Std. Error"]), "n": int(counts.get(k, 0))})
        es = pd.DataFrame(rows, columns=list(EVENT_STUDY_COLUMNS)).sort_values("rel_time")
        return es.reset_index(drop=True), self.pretrend_p()

    def pretrend_p(self) -> float | None:
        """p-value of the linear differential pre-trend on the untreated observations (see
        the module docstring); None when it cannot be estimated."""
        from adoption.stats.fixest import pyfixest
        pf = pyfixest()
        from scipy import stats

        d = self.df[self.df["treat"] == 0]
        ever = d["first_treated"] > 0
        d = d.assign(pre_trend=np.where(ever, d["time"] - d["first_treated"], 0.0))
        clusters = int(d["unit"].nunique())
        if clusters < 3 or d.loc[ever, "pre_trend"].nunique() < 2:
            return None
        with quiet_pyfixest():
            fit = pf.feols("y ~ pre_trend | unit + time", data=d, vcov={"CRV1": "unit"})
        b, se = float(fit.coef()["pre_trend"]), float(fit.se()["pre_trend"])
        if not np.isfinite(se) or se <= 0:
            return None
        return float(2 * stats.t.sf(abs(b / se), clusters - 1))

    def result(self, method, att, es, pretrend_p, *, assumptions, inference) -> ImpactResult:
        df = self.df
        pre_mean = df.loc[(df["first_treated"] > 0) & (df["treat"] == 0), "y"].mean()
        return ImpactResult(
            method=method, **att, n=len(df), n_units=self.n_units,
            n_treated=int((self.units > 0).sum()), alpha=self.alpha, inference=inference,
            assumptions=assumptions, event_study=es, pretrend_p=pretrend_p,
            comparison_units=tuple(str(u) for u in self.units.index[self.units == 0]),
            relative_effect=float(att["estimate"] / pre_mean) if pre_mean else None)
