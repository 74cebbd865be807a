"""Beta-binomial empirical Bayes on the rat-tumour studies of BDA3 (moments and marginal ML)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from adoption.errors import InputError
from adoption.stats import fit_beta_prior, shrink_rates

RATS = "rat_tumor_bda3.csv"  # in the shared reference datasets (tests/conftest.py)


@pytest.fixture
def rats(shared_dataset):
    data = pd.read_csv(shared_dataset(RATS))
    return data[data["is_current_experiment"] == 0], data[data["is_current_experiment"] == 1]


def test_method_of_moments_matches_bda3(rats):
    history, current = rats
    prior = fit_beta_prior(history["tumors"], history["rats"], method="moments")
    # Gelman et al., Bayesian Data Analysis (3rd ed., 2013), section 5.1, p. 102: the 70
    # historical rates have mean 0.136 and sd 0.103, which give (alpha, beta) = (1.4, 8.6)
    assert prior["mean"] == pytest.approx(0.136, abs=5e-4)
    assert (round(prior["alpha"], 1), round(prior["beta"], 1)) == (1.4, 8.6)
    # same section: with that prior the current study (4 of 14) has posterior
    # Beta(5.4, 18.6), mean 0.223 and sd 0.083
    y, n = int(current["tumors"].iloc[0]), int(current["rats"].iloc[0])
    post_a, post_b = prior["alpha"] + y, prior["beta"] + n - y
    assert (round(post_a, 1), round(post_b, 1)) == (5.4, 18.6)
    assert stats.beta.mean(post_a, post_b) == pytest.approx(0.223, abs=5e-4)
    assert stats.beta.std(post_a, post_b) == pytest.approx(0.083, abs=5e-4)


def test_marginal_mle_matches_bayesgof_and_scipy(rats):
    history, _ = rats
    prior = fit_beta_prior(history["tumors"], history["rats"])
    # R BayesGOF::gMLE.bb(rat$y, rat$n) on the 70 historical studies (BayesGOF vignette):
    # alpha = 2.304768, beta = 14.079707
    assert prior["alpha"] == pytest.approx(2.304768, rel=2e-4)
    assert prior["beta"] == pytest.approx(14.079707, rel=2e-4)

    def nll(theta):  # scipy.stats.betabinom likelihood maximised by Nelder-Mead from scratch
        return -stats.betabinom.logpmf(history["tumors"], history["rats"],
                                       *np.exp(theta)).sum()

    ref = np.exp(optimize.minimize(nll, [0.0, 1.0], method="Nelder-Mead",
                                   options={"xatol": 1e-10, "fatol": 1e-12}).x)
    np.testing.assert_allclose([prior["alpha"], prior["beta"]], ref, rtol=1e-4)


def test_shrunk_rates_are_posterior_means_beside_the_raw_ones(rats):
    history, _ = rats
    out = shrink_rates(history["tumors"], history["rats"])
    a, b = out.attrs["prior"]["alpha"], out.attrs["prior"]["beta"]
    # by the formula: (a + y) / (a + b + n) and the Beta(a + y, b + n - y) quantiles
    y, n = history["tumors"].to_numpy(), history["rats"].to_numpy()
    np.testing.assert_allclose(out["estimate"], (a + y) / (a + b + n))
    np.testing.assert_allclose(out["ci_high"], stats.beta.ppf(0.975, a + y, b + n - y))
    np.testing.assert_allclose(out["raw"], y / n)
    np.testing.assert_allclose(out["weight"], n / (a + b + n))
    # the 0-of-20 studies are pulled up, the 16-of-52 study down, toward a / (a + b)
    assert (out.loc[y == 0, "estimate"] > 0).all()
    assert out["estimate"].std() < out["raw"].std()


def test_edges():
    # no variation beyond binomial noise: everyone gets the pooled rate
    out = shrink_rates([5, 5, 5, 5], [10, 10, 10, 10])
    np.testing.assert_allclose(out["estimate"], 0.5)
    assert out.attrs["prior"]["concentration"] == np.inf
    # one group, or all zero: no prior; raw rates with Wilson intervals
    single = shrink_rates([3], [10])
    assert single["estimate"][0] == pytest.approx(0.3) and single["weight"][0] == 1
    zeros = shrink_rates([0, 0, 0], [5, 8, 0])
    assert zeros["estimate"][0] == 0 and np.isnan(zeros["estimate"][2])
    assert (zeros["ci_low"][:2] == 0).all() and (zeros["ci_high"][:2] > 0).all()
    with pytest.raises(InputError, match="successes <= trials"):
        shrink_rates([3], [2])
    with pytest.raises(InputError, match="method"):
        fit_beta_prior([1, 2], [3, 4], method="bayes")
