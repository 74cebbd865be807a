"""Comparing answers of two groups or waves: Likert items three ways, choice items by chi-square.

A Likert answer is ordinal: a mean difference treats the steps as equal, which they need not
be. :func:`compare_ordinal` puts three views side by side, one row each:

- ``mean_difference``: ``mean(second) - mean(first)`` with Welch's interval and test
  (``scipy.stats.ttest_ind(equal_var=False)``); given the answer ``scale``, the interval is
  intersected with the range a difference of two means on that scale can take,
  ``[-(max - min), max - min]`` (the true difference always lies there, so coverage is
  unchanged; on two or three answers Welch's interval otherwise leaves it);
- ``mann_whitney``: the probability that an answer of the second group is higher than one of
  the first (ties count half), ``U / (n1 n2)``, with the Mann-Whitney test
  (``scipy.stats.mannwhitneyu``, two-sided) and a BCa bootstrap interval
  (``scipy.stats.bootstrap``, 2,000 resamples, fixed seed);
- ``ordinal_logit``: the odds ratio of answering higher in the second group under a
  proportional-odds (ordered logit) model, ``statsmodels`` ``OrderedModel(distr="logit")``
  with one indicator, its Wald interval and test.

:func:`compare_choices` tests whether the answer shares of a single-choice item differ between
groups, by Pearson's chi-square on the contingency table (``scipy.stats.chi2_contingency``,
Yates-corrected for 2 x 2) and says when expected counts are too small for it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from adoption.errors import ColumnNotFoundError, InputError
from adoption.stats.intervals import check_confidence

__all__ = ["CHOICE_COLUMNS", "COMPARISON_COLUMNS", "compare_choices", "compare_ordinal"]

#: Columns of :func:`compare_ordinal`.
COMPARISON_COLUMNS = ["method", "measure", "estimate", "ci_low", "ci_high", "statistic",
                      "p_value", "n_first", "n_second"]
#: Columns of :func:`compare_choices`.
CHOICE_COLUMNS = ["statistic", "dof", "p_value", "n", "groups", "choices", "min_expected",
                  "is_small_expected"]


def _values(x) -> np.ndarray:
    v = np.asarray(x, dtype=float).ravel()
    return v[np.isfinite(v)]


def _superiority(x, y, axis=-1):
    """P(an answer of x > one of y) + half the ties: ``U_x / (n_x n_y)``."""
    return stats.mannwhitneyu(x, y, axis=axis).statistic / (x.shape[axis] * y.shape[axis])


def compare_ordinal(first, second, *, scale: tuple[float, float] | None = None,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Compare two samples of ordinal answers by mean, Mann-Whitney and ordered logit.

    Parameters
    ----------
    first, second : array-like of numbers
        The answers of the two groups (or waves); missing values are dropped.
    scale : (float, float), optional
        The lowest and highest possible answer (e.g. ``(1, 5)``). When given, every answer
        must lie on it and the mean difference's interval stays inside
        ``[-(max - min), max - min]``.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Three rows (``method`` = ``mean_difference``, ``mann_whitney``, ``ordinal_logit``),
        columns :data:`COMPARISON_COLUMNS`: ``measure`` (what ``estimate`` is, in words),
        ``estimate``, ``ci_low``, ``ci_high``, ``statistic`` (Welch t, U of the second group,
        Wald z), ``p_value``, ``n_first``, ``n_second``. A method that cannot be computed
        (fewer than 2 answers in a group; for the ordered logit, fewer than 2 distinct
        answers, groups that do not overlap, or a fit that does not converge) has missing
        figures; the mean difference has no interval when every answer within each group
        is the same.
    """
    check_confidence(confidence, where="compare_ordinal")
    a, b = _values(first), _values(second)
    span = _scale_span(scale, a, b)
    n1, n2 = a.size, b.size
    rows = {m: {"method": m, "measure": what, "estimate": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "statistic": np.nan, "p_value": np.nan,
                "n_first": n1, "n_second": n2}
            for m, what in (("mean_difference", "mean of second minus mean of first"),
                            ("mann_whitney", "probability an answer of second is higher"),
                            ("ordinal_logit", "odds ratio of a higher answer in second"))}
    if n1 >= 2 and n2 >= 2:
        _mean_difference(a, b, confidence, rows["mean_difference"], span)
        _mann_whitney(a, b, confidence, rows["mann_whitney"])
        _ordered_logit(a, b, confidence, rows["ordinal_logit"])
    return pd.DataFrame(list(rows.values()), columns=COMPARISON_COLUMNS)


def _scale_span(scale, a: np.ndarray, b: np.ndarray) -> float:
    """``max - min`` of the answer scale (infinite without one); answers off it are an error."""
    if scale is None:
        return np.inf
    try:
        lo, hi = (float(v) for v in scale)
    except (TypeError, ValueError):
        lo = hi = np.nan
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise InputError(f"compare_ordinal: scale is {scale!r}; give the lowest and highest "
                         "possible answer as two numbers, e.g. scale=(1, 5).")
    off = np.concatenate([a, b])
    off = off[(off < lo) | (off > hi)]
    if off.size:
        raise InputError(f"compare_ordinal: answers {off[:5].tolist()!r} lie outside the scale "
                         f"{lo:g}-{hi:g}; check the answers or pass the instrument's scale.")
    return hi - lo


def _mean_difference(a: np.ndarray, b: np.ndarray, confidence: float, row: dict,
                     span: float) -> None:
    row["estimate"] = float(b.mean() - a.mean())
    if a.var() + b.var() == 0:  # every answer equal within each group: no test, no interval
        return
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_ind(b, a, equal_var=False)
        ci = res.confidence_interval(confidence_level=confidence)
    row |= {"statistic": float(res.statistic), "p_value": float(res.pvalue),
            "ci_low": float(max(min(ci.low, row["estimate"]), -span)),
            "ci_high": float(min(max(ci.high, row["estimate"]), span))}


def _mann_whitney(a: np.ndarray, b: np.ndarray, confidence: float, row: dict) -> None:
    res = stats.mannwhitneyu(b, a, alternative="two-sided")
    est = float(res.statistic / (a.size * b.size))
    row |= {"estimate": est, "statistic": float(res.statistic), "p_value": float(res.pvalue)}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate resamples: NaN, replaced below
        boot = stats.bootstrap((b, a), _superiority, vectorized=True, n_resamples=2000,
                               confidence_level=confidence, method="BCa", rng=0)
        low, high = boot.confidence_interval
        if not (np.isfinite(low) and np.isfinite(high)):
            boot = stats.bootstrap((b, a), _superiority, vectorized=True, n_resamples=2000,
                                   confidence_level=confidence, method="percentile", rng=0)
            low, high = boot.confidence_interval
    if np.isfinite(low) and np.isfinite(high):
        row["ci_low"] = float(np.clip(min(low, est), 0, 1))
        row["ci_high"] = float(np.clip(max(high, est), 0, 1))


def _ordered_logit(a: np.ndarray, b: np.ndarray, confidence: float, row: dict) -> None:
    answers = np.concatenate([a, b])
    if np.unique(answers).size < 2 or a.max() < b.min() or b.max() < a.min():
        return  # one answer only, or the groups do not overlap: no finite estimate
    endog = pd.Series(pd.Categorical(answers, ordered=True))
    exog = pd.DataFrame({"second": np.r_[np.zeros(a.size), np.ones(b.size)]})
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fit = OrderedModel(endog, exog, distr="logit").fit(method="bfgs", disp=False,
                                                               maxiter=200)
            low, high = fit.conf_int(alpha=1 - confidence).loc["second"]
    except (ValueError, np.linalg.LinAlgError):
        return
    coef, p = float(fit.params["second"]), float(fit.pvalues["second"])
    finite = np.isfinite([coef, low, high, p]).all() and max(abs(low), abs(high)) < 50
    if not (fit.mle_retvals.get("converged", True) and finite):
        return
    row |= {"estimate": float(np.exp(coef)), "ci_low": float(np.exp(min(low, coef))),
            "ci_high": float(np.exp(max(high, coef))), "statistic": float(fit.tvalues["second"]),
            "p_value": p}


def compare_choices(data: pd.DataFrame, *, group: str = "group",
                    choice: str = "choice") -> pd.DataFrame:
    """Chi-square test that the answer shares of a choice item are the same in every group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per answer, with the ``group`` (e.g. team or wave) and the ``choice`` made.
        Rows with either missing are left out. Not modified.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`CHOICE_COLUMNS`: ``statistic`` (Pearson chi-square, with
        Yates's correction for a 2 x 2 table), ``dof``, ``p_value``, ``n`` (answers),
        ``groups``, ``choices``, ``min_expected`` (smallest expected count) and
        ``is_small_expected`` (some expected count below 5, where the chi-square
        approximation is poor: merge rare choices or use an exact test). Missing figures
        with fewer than 2 groups or 2 choices.
    """
    for col in (group, choice):
        if not isinstance(data, pd.DataFrame) or col not in data.columns:
            found = list(data.columns) if isinstance(data, pd.DataFrame) else type(data).__name__
            raise ColumnNotFoundError(f"compare_choices: column {col!r} not found; found "
                                      f"{found!r}. Pass group= and choice= column names.")
    d = data[[group, choice]].dropna()
    table = pd.crosstab(d[group], d[choice])
    out = {"statistic": np.nan, "dof": np.nan, "p_value": np.nan, "n": int(len(d)),
           "groups": int(table.shape[0]), "choices": int(table.shape[1]),
           "min_expected": np.nan, "is_small_expected": False}
    if table.shape[0] >= 2 and table.shape[1] >= 2:
        res = stats.chi2_contingency(table.to_numpy())
        out |= {"statistic": float(res.statistic), "dof": float(res.dof),
                "p_value": float(res.pvalue), "min_expected": float(res.expected_freq.min()),
                "is_small_expected": bool(res.expected_freq.min() < 5)}
    return pd.DataFrame([out], columns=CHOICE_COLUMNS)
