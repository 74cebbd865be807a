"""The result every impact estimator returns: :class:`ImpactResult`.

Kept in a module of its own so that the estimators (:mod:`adoption.stats.did`,
:mod:`adoption.stats.event_study`, :mod:`adoption.stats.its`, :mod:`adoption.stats.dose`) and
the verdict (:mod:`adoption.stats.impact`) import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["EVENT_STUDY_COLUMNS", "SUMMARY_COLUMNS", "ImpactResult"]

#: the columns of :attr:`ImpactResult.event_study`, in order
EVENT_STUDY_COLUMNS = ("rel_time", "estimate", "ci_low", "ci_high", "se", "n")
#: the columns of :meth:`ImpactResult.summary`, in order
SUMMARY_COLUMNS = ("method", "estimate", "ci_low", "ci_high", "se", "p_value", "n", "n_units",
                   "n_treated", "pretrend_p", "inference")


@dataclass(frozen=True)
class ImpactResult:
    """The estimated change of an outcome around a rollout, with its uncertainty.

    Attributes
    ----------
    method : str
        ``"difference in differences"``, ``"event study (...)"``, ``"interrupted time
        series"`` or ``"dose-response (association)"``.
    estimate : float
        The effect on the outcome's scale (the ATT of a difference in differences or event
        study, the step change of an interrupted time series, the slope of a dose-response).
        For a Poisson time series it is the log rate ratio; the rate ratio minus 1 is in
        :attr:`relative_effect`.
    ci_low, ci_high : float
        The ``1 - alpha`` confidence interval of :attr:`estimate`.
    se : float
        Standard error of :attr:`estimate` (for a wild bootstrap: ``|estimate / t|``, the one
        its t statistic uses).
    p_value : float
        Two-sided p-value of "no change".
    n : int
        Observations used (rows after dropping missing values).
    n_units : int
        Units (teams or clusters); 1 for a single interrupted time series.
    n_treated : int
        Treated units (0 for an interrupted time series; units with a dose above 0 for a
        dose-response).
    alpha : float
        1 minus the confidence level of the intervals.
    inference : str
        How the uncertainty was computed, in words (``"team-clustered"``, ``"wild cluster
        bootstrap (Webb, 9999 draws)"``, ``"Newey-West HAC, 3 lags"``).
    assumptions : tuple of str
        What must hold for :attr:`estimate` to be the rollout's effect, in plain words.
    event_study : DataFrame or None
        One row per event time: ``rel_time, estimate, ci_low, ci_high, se, n``; the reference
        period (-1) has estimate 0 and missing se and interval.
    pretrend_p : float or None
        p-value of the joint test that every pre-period coefficient is 0 (event studies).
    comparison_units : tuple of str
        The never-treated (or not-yet-treated) units used as the comparison.
    relative_effect : float or None
        The effect relative to the baseline: the rate ratio minus 1 for a Poisson time series,
        else :attr:`estimate` divided by the treated units' pre-period mean.
    relative_ci_low, relative_ci_high : float or None
        The interval of :attr:`relative_effect` where one is defined (Poisson time series).
    """

    method: str
    estimate: float
    ci_low: float
    ci_high: float
    se: float
    p_value: float
    n: int
    n_units: int
    n_treated: int
    alpha: float
    inference: str
    assumptions: tuple[str, ...]
    event_study: pd.DataFrame | None = None
    pretrend_p: float | None = None
    comparison_units: tuple[str, ...] = ()
    relative_effect: float | None = None
    relative_ci_low: float | None = None
    relative_ci_high: float | None = None

    def summary(self) -> pd.DataFrame:
        """One row: ``method, estimate, ci_low, ci_high, se, p_value, n, n_units, n_treated,
        pretrend_p, inference``.

        Examples
        --------
        >>> r = ImpactResult("difference in differences", 2.0, 1.0, 3.0, 0.5, 0.001, 100, 10,
        ...                  5, 0.05, "team-clustered", ("parallel trends",))
        >>> r.summary()[["method", "estimate", "n_treated"]].to_dict("records")
        [{'method': 'difference in differences', 'estimate': 2.0, 'n_treated': 5}]
        """
        row = {name: getattr(self, name) for name in SUMMARY_COLUMNS}
        row["pretrend_p"] = float("nan") if self.pretrend_p is None else self.pretrend_p
        return pd.DataFrame([row], columns=list(SUMMARY_COLUMNS))
