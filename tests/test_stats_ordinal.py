"""Likert comparisons (mean, Mann-Whitney, ordered logit) and choice chi-square, against
scipy and statsmodels on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from adoption.errors import ColumnNotFoundError, InputError
from adoption.stats.ordinal import compare_choices, compare_ordinal

BFI = "bfi_agreeableness_openness.csv"  # in the shared reference datasets (tests/conftest.py)


@pytest.fixture
def a2(shared_dataset):
    """The 6-point answers to BFI item A2 of the first and the last 300 respondents."""
    answers = pd.read_csv(shared_dataset(BFI))["A2"].dropna().to_numpy()
    return answers[:300], answers[-300:]


def test_three_views_against_scipy_and_statsmodels(a2):
    first, second = a2
    out = compare_ordinal(first, second).set_index("method")
    # scipy.stats.ttest_ind(second, first, equal_var=False) and its confidence_interval()
    welch = stats.ttest_ind(second, first, equal_var=False)
    ci = welch.confidence_interval()
    row = out.loc["mean_difference"]
    assert row["estimate"] == pytest.approx(second.mean() - first.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert row["p_value"] == pytest.approx(welch.pvalue)
    # scipy.stats.mannwhitneyu(second, first): U / (300 * 300)
    mw = stats.mannwhitneyu(second, first, alternative="two-sided")
    row = out.loc["mann_whitney"]
    assert row["statistic"] == mw.statistic and row["p_value"] == pytest.approx(mw.pvalue)
    assert row["estimate"] == pytest.approx(mw.statistic / 90_000)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    # statsmodels OrderedModel(distr="logit") with a 0/1 indicator of the second group
    endog = pd.Series(pd.Categorical(np.r_[first, second], ordered=True))
    exog = pd.DataFrame({"second": np.r_[np.zeros(300), np.ones(300)]})
    fit = OrderedModel(endog, exog, distr="logit").fit(method="bfgs", disp=False)
    row = out.loc["ordinal_logit"]
    assert row["estimate"] == pytest.approx(np.exp(fit.params["second"]), rel=1e-4)
    assert row["p_value"] == pytest.approx(fit.pvalues["second"], rel=1e-3)
    low, high = np.exp(fit.conf_int().loc["second"])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-3)
    assert (out[["n_first", "n_second"]] == 300).all().all()


def test_superiority_by_hand_and_degenerate_samples():
    out = compare_ordinal([1, 2, 3], [2, 3, 4]).set_index("method")
    # by hand: of the 9 pairs (second, first) second is higher in 6 and tied in 2 -> 7/9
    assert out.loc["mann_whitney", "estimate"] == pytest.approx(7 / 9)
    same = compare_ordinal([3, 3, 3], [3, 3, 3]).set_index("method")
    assert same.loc["mean_difference", "estimate"] == 0
    assert np.isnan(same.loc["ordinal_logit", "estimate"])  # one answer level only
    apart = compare_ordinal([1, 1, 2], [4, 5, 5]).set_index("method")
    assert np.isnan(apart.loc["ordinal_logit", "estimate"])  # separated: no finite odds ratio
    assert compare_ordinal([1], [2, 3])["estimate"].isna().all()


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")  # scipy on [1, 1]
def test_mean_difference_interval_stays_inside_the_scale():
    first, second = [1, 1], [1, 2]
    # scipy.stats.ttest_ind([1, 2], [1, 1], equal_var=False).confidence_interval():
    # (-5.85, 6.85) on 1 df, wider than any difference of two means on a 1-5 scale
    welch = stats.ttest_ind(second, first, equal_var=False).confidence_interval()
    assert welch.low < -4 and welch.high > 4
    free = compare_ordinal(first, second).set_index("method").loc["mean_difference"]
    assert (free["ci_low"], free["ci_high"]) == pytest.approx((welch.low, welch.high))
    row = compare_ordinal(first, second, scale=(1, 5)).set_index("method").loc[
        "mean_difference"]
    # the difference of two means on 1-5 lies in [-4, 4]; the estimate 1.5 - 1 = 0.5 (by hand)
    assert (row["ci_low"], row["estimate"], row["ci_high"]) == pytest.approx((-4, 0.5, 4))
    with pytest.raises(InputError, match="outside the scale 1-5"):
        compare_ordinal([0, 1], [1, 2], scale=(1, 5))
    with pytest.raises(InputError, match="scale=\\(1, 5\\)"):
        compare_ordinal(first, second, scale=(5, 1))


def test_choice_chi_square_against_scipy():
    data = pd.DataFrame({"group": ["a"] * 30 + ["b"] * 30,
                         "choice": ["x"] * 20 + ["y"] * 10 + ["x"] * 10 + ["y"] * 20})
    out = compare_choices(data).iloc[0]
    # scipy.stats.chi2_contingency([[20, 10], [10, 20]]) (Yates-corrected 2 x 2): 5.4, 1 df
    res = stats.chi2_contingency([[20, 10], [10, 20]])
    assert out["statistic"] == pytest.approx(res.statistic) == pytest.approx(5.4)
    assert out["p_value"] == pytest.approx(res.pvalue)
    assert (out["dof"], out["n"], out["min_expected"]) == (1, 60, 15)
    assert not out["is_small_expected"]
    small = compare_choices(data.iloc[::6]).iloc[0]
    assert small["is_small_expected"]  # 10 answers: expected counts below 5
    one = compare_choices(data[data["group"] == "a"]).iloc[0]
    assert np.isnan(one["statistic"]) and one["groups"] == 1
    with pytest.raises(ColumnNotFoundError, match="team"):
        compare_choices(data, group="team")
