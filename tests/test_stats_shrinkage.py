"""Empirical-Bayes shrinkage: hand cases and the DerSimonian-Laird tau^2 of statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from adoption.errors import InputError
from adoption.stats import moment_tau2, shrink_estimates


def test_shrinkage_hand_case():
    res = shrink_estimates([1.0, 3.0], [1.0, 1.0], prior_mean=2.0, tau2=1.0)
    # by hand: B = v / (v + tau2) = 0.5 -> 0.5*2 + 0.5*y = 1.5 and 2.5;
    # posterior variance (1 - B) v = 0.5 -> half width 1.959964 * 0.7071068 = 1.385904
    np.testing.assert_allclose(res["estimate"], [1.5, 2.5])
    np.testing.assert_allclose(res["ci_high"] - res["estimate"], 1.385904, atol=1e-6)
    np.testing.assert_allclose(res["weight"], [0.5, 0.5])


def test_moment_tau2_matches_statsmodels_dersimonian_laird():
    # hand: y = 0, 2, 4 with v = 1: Q = 8, c = 3 - 1 = 2 -> tau2 = (8 - 2) / 2 = 3
    assert moment_tau2([0, 2, 4], [1, 1, 1]) == pytest.approx(3.0)
    y, v = np.array([0.1, 0.5, 0.9, 0.3]), np.array([0.04, 0.09, 0.01, 0.02])
    # statsmodels.stats.meta_analysis.combine_effects(method_re="dl").tau2
    assert moment_tau2(y, v) == pytest.approx(combine_effects(y, v, method_re="dl").tau2)


def test_small_noisy_groups_move_most_and_default_prior_is_weighted_mean():
    res = shrink_estimates([0.0, 2.0, 4.0], [0.1, 1.0, 10.0])
    w = 1 / np.array([0.1, 1.0, 10.0])
    mu = (w * [0, 2, 4]).sum() / w.sum()  # precision-weighted mean, by hand
    assert res["prior_mean"] == pytest.approx(mu)
    moved = np.abs(res["estimate"] - [0, 2, 4])
    assert res["weight"][0] > res["weight"][2]
    assert moved[2] > moved[0]


def test_no_between_group_variance_pulls_everyone_to_the_mean():
    res = shrink_estimates([1.0, 1.1, 0.9], [1.0, 1.0, 1.0])
    assert res["tau2"] == 0
    np.testing.assert_allclose(res["estimate"], [1.0, 1.0, 1.0])


def test_missing_single_and_bad_input():
    res = shrink_estimates([1.0, np.nan, 3.0], [0.0, 1.0, 1.0], prior_mean=2.0, tau2=1.0)
    assert res["estimate"][0] == 1.0  # zero variance: the estimate is exact
    assert np.isnan(res["estimate"][1])
    single = shrink_estimates([2.0], [0.5])
    assert single["estimate"][0] == 2.0 and np.isnan(single["tau2"])
    with pytest.raises(InputError):
        shrink_estimates([1, 2], [1])
    with pytest.raises(InputError):
        shrink_estimates([1, 2], [1, -1])


EFRON_MORRIS = "efron_morris_1975.csv"  # in the shared reference datasets (tests/conftest.py)


def test_james_stein_reproduces_efron_and_morris(shared_dataset):
    data = pd.read_csv(shared_dataset(EFRON_MORRIS))
    y = data["hits_first45"].to_numpy() / 45
    # raw averages with the binomial variance at the grand mean, as in Efron & Morris (1977),
    # "Stein's paradox in statistics", Scientific American 236(5): grand average 0.265,
    # shrinking factor c = 0.212, Clemente's 0.400 becomes 0.294
    v = np.full(y.size, y.mean() * (1 - y.mean()) / 45)
    res = shrink_estimates(y, v, method="james-stein")
    assert res["prior_mean"] == pytest.approx(0.265, abs=5e-4)
    np.testing.assert_allclose(res["weight"], 0.212, atol=5e-4)
    assert res["estimate"][0] == pytest.approx(0.294, abs=5e-4)
    # Efron & Morris (1975), JASA 70:311, Table 1: x = sqrt(45) arcsin(2 p - 1) has variance
    # 1; its James-Stein estimates, transformed back, are printed to three decimals
    x = np.sqrt(45) * np.arcsin(2 * y - 1)
    z = shrink_estimates(x, np.ones(y.size), method="james-stein")["estimate"]
    back = (np.sin(z / np.sqrt(45)) + 1) / 2
    np.testing.assert_allclose(back, [.290, .286, .281, .277, .273, .273, .268, .264, .259, .259,
                                      .254, .254, .254, .254, .254, .249, .244, .239], atol=5e-4)
    # and it beats the raw averages on the rest of the season (Efron & Morris's point): total
    # squared error 0.021 against 0.075, computed from the csv
    truth = data["avg_remainder"].to_numpy()
    assert ((res["estimate"] - truth) ** 2).sum() < ((y - truth) ** 2).sum() / 3


def test_james_stein_shrinks_less_than_dersimonian_laird_for_five_groups():
    y, v = np.array([3.2, 3.9, 4.1, 3.5, 4.6]), np.full(5, 0.05)
    js = shrink_estimates(y, v, method="james-stein")
    dl = shrink_estimates(y, v)
    # by hand: S = sum (y - 3.86)^2 = 1.172; James-Stein tau2 = 1.172 / 2 - 0.05 = 0.536;
    # DerSimonian-Laird tau2 = (Q - 4) / (100 - 20) = (23.44 - 4) / 80 = 0.243
    assert js["tau2"] == pytest.approx(0.536)
    assert dl["tau2"] == pytest.approx(0.243)
    # with equal variances B = v / (v + tau2) is (g - 1) v / S for DL and (g - 3) v / S for
    # James-Stein: DL pulls (5 - 1) / (5 - 3) = 2 times as hard (the finding)
    assert (1 - dl["weight"][0]) / (1 - js["weight"][0]) == pytest.approx(2.0)
    with pytest.raises(InputError, match="method"):
        shrink_estimates(y, v, method="eb")


def test_bounded_shrinkage_interval_stays_on_the_scale():
    res = shrink_estimates([4.9, 3.0], [0.2, 0.2], prior_mean=4.0, tau2=0.6, bounds=(1, 5))
    # by hand: weight 0.6 / 0.8 = 0.75 -> 0.75 * 4.9 + 0.25 * 4.0 = 4.675, posterior sd
    # sqrt(0.75 * 0.2) = 0.3873; the plain normal interval reaches 4.675 + 0.759 = 5.43 > 5
    plain = shrink_estimates([4.9, 3.0], [0.2, 0.2], prior_mean=4.0, tau2=0.6)
    assert plain["ci_high"][0] > 5
    sd = np.sqrt(0.15)
    a, b = (1 - 4.675) / sd, (5 - 4.675) / sd
    # scipy.stats.truncnorm quantiles of N(4.675, 0.15) cut to [1, 5]
    assert res["ci_low"][0] == pytest.approx(stats.truncnorm.ppf(0.025, a, b, 4.675, sd))
    assert res["ci_high"][0] == pytest.approx(stats.truncnorm.ppf(0.975, a, b, 4.675, sd))
    assert res["ci_high"][0] <= 5 and res["estimate"][0] == pytest.approx(4.675)
    with pytest.raises(InputError, match="bounds"):
        shrink_estimates([1.0, 2.0], [1.0, 1.0], bounds=(5, 1))
