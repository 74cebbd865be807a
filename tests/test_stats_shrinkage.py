"""Empirical-Bayes shrinkage: hand cases and the DerSimonian-Laird tau^2 of statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
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
