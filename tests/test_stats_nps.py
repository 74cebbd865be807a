"""NPS with its multinomial standard error, and BH adjustment against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from adoption.errors import InputError
from adoption.stats import adjust_pvalues, nps_from_counts, nps_from_scores


def test_nps_closed_form_worked_by_hand():
    res = nps_from_counts(50, 30, 20)
    # by hand: p_P = 0.5, p_D = 0.2 -> NPS = 30;
    # se = sqrt((0.5*0.5 + 0.2*0.8 + 2*0.5*0.2) / 100) = sqrt(0.0061) = 0.0781025 -> 7.81025
    assert res["estimate"] == pytest.approx(30.0)
    assert res["se"] == pytest.approx(7.81025, abs=1e-5)
    # 95% normal interval: 30 -+ 1.959964 * 7.81025 = 30 -+ 15.30781
    assert res["ci_low"] == pytest.approx(14.69219, abs=1e-4)
    assert res["ci_high"] == pytest.approx(45.30781, abs=1e-4)
    assert res["n"] == 100


def test_nps_se_matches_the_spread_of_simulated_multinomial_samples():
    rng = np.random.default_rng(3)
    p = [0.35, 0.4, 0.25]
    draws = rng.multinomial(80, p, size=20000)
    nps = 100 * (draws[:, 0] - draws[:, 2]) / 80
    res = nps_from_counts(28, 32, 20)  # the expected counts of one sample of 80
    # the formula's se against the simulated standard deviation (Monte Carlo error < 1%)
    assert res["se"] == pytest.approx(nps.std(), rel=0.03)


def test_nps_from_scores_and_vectorised_counts():
    res = nps_from_scores([10, 9, 8, 7, 6, 0, np.nan])
    # by hand: 2 promoters, 2 passives, 2 detractors out of 6 -> NPS 0
    assert res["estimate"] == 0 and res["n"] == 6
    many = nps_from_counts(np.array([1, 0]), np.array([0, 0]), np.array([0, 0]))
    assert many["estimate"][0] == 100 and np.isnan(many["estimate"][1])
    assert many["ci_high"][0] <= 100
    with pytest.raises(InputError, match="0..10"):
        nps_from_scores([11])
    with pytest.raises(InputError):
        nps_from_counts(-1, 0, 0)


def test_bh_adjustment_matches_statsmodels_and_skips_missing():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.2, 0.001])
    out = adjust_pvalues(p)
    finite = p[np.isfinite(p)]
    # statsmodels' Benjamini-Hochberg over the five finite p-values
    expected = multipletests(finite, method="fdr_bh")[1]
    assert np.isnan(out[2])
    np.testing.assert_allclose(out[np.isfinite(p)], expected)
    # by hand for the smallest: 0.001 * 5 / 1 = 0.005
    assert out[5] == pytest.approx(0.005)
    with pytest.raises(InputError):
        adjust_pvalues([1.5])


def test_every_answer_in_one_category_is_flagged_with_a_real_interval():
    all_promoters = nps_from_counts(10, 0, 0)
    # the multinomial se is 0 here, so the Wald interval would be [100, 100]; instead the
    # Wilson-based bound: promoter share >= 0.7225 (statsmodels' Wilson for 10 of 10), and the
    # rest could all be detractors: NPS >= 2 * 0.7225 - 1
    low = proportion_confint(10, 10, method="wilson")[0]
    assert all_promoters["is_degenerate"] and all_promoters["se"] == 0
    assert all_promoters["ci_low"] == pytest.approx(100 * (2 * low - 1))
    assert all_promoters["ci_high"] == 100
    passives = nps_from_counts(0, 10, 0)
    high = proportion_confint(0, 10, method="wilson")[1]
    # NPS 0; each share at most the Wilson upper bound of 0 of 10
    assert (passives["ci_low"], passives["ci_high"]) == pytest.approx((-100 * high, 100 * high))
    assert not nps_from_counts(5, 3, 2)["is_degenerate"]
    many = nps_from_counts(np.array([0, 4]), np.array([0, 0]), np.array([3, 1]))
    assert many["is_degenerate"].tolist() == [True, False]
    assert many["ci_low"][0] == -100 and many["ci_high"][0] > -100
