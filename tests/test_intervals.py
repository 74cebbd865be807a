"""Confidence intervals against statsmodels/scipy and published values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import special, stats
from statsmodels.stats.proportion import proportion_confint

from adoption.errors import InputError
from adoption.stats.intervals import (
    bounded_mean_interval,
    check_confidence,
    mean_interval,
    mean_interval_from_summary,
    paired_difference_interval,
    wilson_interval,
)


def _wilson_by_hand(x: float, n: float, z: float) -> tuple[float, float]:
    # Wilson (1927): (x + z²/2 ± z·sqrt(x(n-x)/n + z²/4)) / (n + z²)
    centre = x + z**2 / 2
    half = z * math.sqrt(x * (n - x) / n + z**2 / 4)
    return (centre - half) / (n + z**2), (centre + half) / (n + z**2)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels_on_a_grid(confidence):
    n = np.repeat(np.arange(1, 41), 41)
    x = np.tile(np.arange(0, 41), 40)
    keep = x <= n
    x, n = x[keep], n[keep]
    low, high = wilson_interval(x, n, confidence=confidence)
    # statsmodels.stats.proportion.proportion_confint(x, n, alpha, method="wilson")
    ref_low, ref_high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert_allclose(low, ref_low, rtol=1e-12, atol=1e-12)
    assert_allclose(high, ref_high, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_wilson_and_t_quantiles_without_statsmodels_are_bit_for_bit_the_same(confidence):
    # wilson_interval and the Student-t intervals use scipy.special (ndtri, stdtrit) instead
    # of statsmodels and scipy.stats, whose import costs a command a second: the values must
    # not move at all. Large counts too (100,000 people).
    rng = np.random.default_rng(11)
    n = np.concatenate([np.arange(1, 200), rng.integers(200, 200_000, 3000)]).astype(float)
    x = np.floor(rng.random(n.size) * (n + 1))
    ref_low, ref_high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    low, high = wilson_interval(x, n, confidence=confidence)
    inside = (ref_low <= x / n) & (ref_high >= x / n)  # else clipped to the estimate
    assert inside.mean() > 0.99
    assert np.array_equal(low[inside], ref_low[inside])
    assert np.array_equal(high[inside], ref_high[inside])
    df = np.arange(1, 5000, dtype=float)
    mean, sd = np.zeros(df.size), np.ones(df.size)
    low, high = mean_interval_from_summary(mean, sd, df + 1, confidence=confidence)
    # scipy.stats.t.ppf((1 + confidence) / 2, df) * sd / sqrt(n)
    half = stats.t.ppf((1 + confidence) / 2, df) * sd / np.sqrt(df + 1)
    assert np.array_equal(high, mean + half) and np.array_equal(low, mean - half)


def test_wilson_matches_hand_formula():
    z = stats.norm.ppf(0.975)
    for x, n in [(0, 7), (3, 7), (7, 7), (81, 263), (1, 1000)]:
        assert_allclose(wilson_interval(x, n), _wilson_by_hand(x, n, z), rtol=1e-10, atol=1e-12)


def test_wilson_published_values():
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of
    # seven methods", Statistics in Medicine 17:857-872, Table I, method 3 (score, no
    # continuity correction): 81/263 -> 0.2553 to 0.3662 and 15/148 -> 0.0624 to 0.1605.
    # Checked here against _wilson_by_hand as well (test above).
    assert_allclose(wilson_interval(81, 263), (0.2553, 0.3662), atol=5e-5)
    assert_allclose(wilson_interval(15, 148), (0.0624, 0.1605), atol=5e-5)


def test_wilson_edge_cases():
    z = stats.norm.ppf(0.975)
    low, high = wilson_interval(0, 20)
    # 0/n: lower bound exactly 0, upper z²/(n + z²) (hand formula with x = 0)
    assert low == 0.0
    assert_allclose(high, z**2 / (20 + z**2))
    low, high = wilson_interval(20, 20)
    # n/n: mirror image, upper bound exactly 1
    assert high == 1.0
    assert_allclose(low, 20 / (20 + z**2))
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    low, high = wilson_interval(np.array([1, 0, 2]), np.array([2, 0, 4]))
    assert np.isnan(low[1]) and np.isnan(high[1])
    assert_allclose(low[[0, 2]], proportion_confint([1, 2], [2, 4], method="wilson")[0])


def test_wilson_scalars_give_floats_and_accepts_nullable():
    assert isinstance(wilson_interval(3, 10)[0], float)
    low, _ = wilson_interval(pd.array([1, None], dtype="Int64"), pd.array([4, 4], dtype="Int64"))
    assert np.isnan(low[1]) and low[0] > 0


@pytest.mark.parametrize("x, n", [(-1, 5), (6, 5), (1, -2)])
def test_wilson_rejects_impossible_counts(x, n):
    with pytest.raises(InputError, match="successes must lie between 0 and n"):
        wilson_interval(x, n)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, "0.95", True])
def test_bad_confidence_raises(confidence):
    with pytest.raises(InputError, match="confidence"):
        check_confidence(confidence)
    with pytest.raises(InputError):
        wilson_interval(1, 2, confidence=confidence)


def test_mean_interval_matches_scipy():
    values = np.array([10.0, 4.0, 1.0, 20.0, 8.0, 6.0])
    # scipy.stats.t.interval(0.95, df=5, loc=mean, scale=sem)
    ref = stats.t.interval(0.95, df=5, loc=values.mean(), scale=stats.sem(values))
    assert_allclose(mean_interval(values), ref, rtol=1e-12)
    # hand: mean 49/6, s² = sum((x-mean)²)/5, half = t_{0.975,5} · s / sqrt(6)
    mean = 49 / 6
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / 5)
    half = 2.570581835636314 * s / math.sqrt(6)  # t_{0.975,5} from tables: 2.5706
    assert_allclose(mean_interval(values), (mean - half, mean + half), rtol=1e-9)


def test_mean_interval_drops_missing_and_needs_two_values():
    assert_allclose(mean_interval([1.0, np.nan, 3.0]), mean_interval([1.0, 3.0]))
    assert all(math.isnan(v) for v in mean_interval([5.0]))
    assert all(math.isnan(v) for v in mean_interval([]))


def test_mean_interval_from_summary_matches_single_sample_version():
    rng = np.random.default_rng(sum(map(ord, "mean interval")))
    samples = [rng.poisson(5, size=n).astype(float) for n in (2, 3, 10, 50)]
    means = np.array([s.mean() for s in samples])
    sds = np.array([s.std(ddof=1) for s in samples])
    ns = np.array([s.size for s in samples])
    low, high = mean_interval_from_summary(means, sds, ns, confidence=0.9)
    for i, s in enumerate(samples):
        assert_allclose((low[i], high[i]), mean_interval(s, confidence=0.9), rtol=1e-12)
    low, high = mean_interval_from_summary([3.0, 3.0], [1.0, 1.0], [1, 0])
    assert np.isnan(low).all() and np.isnan(high).all()


@pytest.mark.parametrize(
    "cells, expected",
    [
        # Newcombe (1998), "Improved confidence intervals for the difference between binomial
        # proportions based on paired data", Statistics in Medicine 17:2635-2650, Table II,
        # method 10; values as reproduced by the R package propint (tests of
        # ci.two.dep.props). Cells are (a, b, c, d) = (both, first only, second only, neither).
        ((36, 12, 2, 0), (0.0569, 0.3404)),
        ((18, 12, 2, 18), (0.0562, 0.3290)),
        ((53, 0, 0, 1), (-0.0729, 0.0729)),
        ((0, 30, 0, 0), (0.8395, 1.0)),
    ],
)
def test_paired_difference_published_values(cells, expected):
    assert_allclose(paired_difference_interval(*cells), expected, atol=5e-5)


def test_paired_difference_vectorised_and_empty():
    a, b, c, d = (np.array(v) for v in ([36, 18, 0], [12, 12, 0], [2, 2, 0], [0, 18, 0]))
    low, high = paired_difference_interval(a, b, c, d)
    assert_allclose(low[:2], [0.0569, 0.0562], atol=5e-5)
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_paired_difference_contains_estimate_and_is_bounded():
    rng = np.random.default_rng(sum(map(ord, "paired difference")))
    cells = rng.integers(0, 15, size=(4, 500))
    low, high = paired_difference_interval(*cells)
    n = cells.sum(axis=0)
    diff = (cells[1] - cells[2]) / n
    ok = n > 0
    assert (low[ok] <= diff[ok] + 1e-12).all() and (diff[ok] <= high[ok] + 1e-12).all()
    assert (low[ok] >= -1).all() and (high[ok] <= 1).all()


def test_bounded_mean_interval_stays_on_the_scale():
    # a low mean with a wide spread from 3 answers: the plain t interval leaves a 1-5 scale
    plain = mean_interval_from_summary(1.4, 0.9, 3)
    assert plain[0] < 1
    low, high = bounded_mean_interval(1.4, 0.9, 3, scale_min=1, scale_max=5)
    assert 1 <= low < 1.4 < high <= 5
    # by hand: p = 0.1, logit(p) -+ t(0.975, 2) * 0.9 / 4 / sqrt(3) / 0.09, mapped back
    half = stats.t.ppf(0.975, 2) * 0.9 / 4 / np.sqrt(3) / 0.09
    assert low == pytest.approx(1 + 4 * special.expit(special.logit(0.1) - half))
    assert high == pytest.approx(1 + 4 * special.expit(special.logit(0.1) + half))
    # every answer 5 (sd 0): Wilson of 10 of 10 on the position, never zero width
    low, high = bounded_mean_interval(5.0, 0.0, 10, scale_min=1, scale_max=5)
    assert high == 5 and low == pytest.approx(1 + 4 * wilson_interval(10, 10)[0])
    assert np.isnan(bounded_mean_interval(3.0, 1.0, 1, scale_min=1, scale_max=5)[0])


# -- the estimate always lies inside its interval (no negative error bar) ----------------------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CONFIDENCE = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def test_wilson_at_zero_and_n_has_no_rounding_outside_the_estimate():
    # statsmodels' Wilson bound for 0/7 is 2.8e-17, above the estimate 0 (the cause of
    # matplotlib's "'xerr' must not contain negative values"); likewise 7/7 gives 1 - 1e-16
    assert proportion_confint(0, 7, method="wilson")[0] > 0  # the upstream rounding
    low, high = wilson_interval(np.array([0, 7]), np.array([7, 7]))
    assert low[0] == 0.0 and high[1] == 1.0
    assert (np.array([0.0, 1.0]) - low >= 0).all() and (high - np.array([0.0, 1.0]) >= 0).all()


@given(n=st.integers(1, 5000), share=st.floats(0, 1), confidence=_CONFIDENCE)
def test_wilson_interval_always_contains_its_estimate(n, share, confidence):
    x = round(share * n)
    low, high = wilson_interval(x, n, confidence=confidence)
    assert 0.0 <= low <= x / n <= high <= 1.0


@given(cells=st.lists(st.integers(0, 60), min_size=4, max_size=4), confidence=_CONFIDENCE)
def test_paired_difference_interval_always_contains_its_estimate(cells, confidence):
    a, b, c, d = cells
    n = a + b + c + d
    low, high = paired_difference_interval(a, b, c, d, confidence=confidence)
    if n == 0:
        assert math.isnan(low) and math.isnan(high)
        return
    diff = (b - c) / n
    assert -1.0 <= low <= diff <= high <= 1.0


@given(mean=st.floats(-1e6, 1e6), sd=st.floats(0, 1e6), n=st.integers(2, 10_000),
       confidence=_CONFIDENCE)
def test_mean_interval_from_summary_always_contains_its_estimate(mean, sd, n, confidence):
    low, high = mean_interval_from_summary(mean, sd, n, confidence=confidence)
    assert low <= mean <= high


@given(values=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40), confidence=_CONFIDENCE)
def test_mean_interval_always_contains_its_estimate(values, confidence):
    low, high = mean_interval(values, confidence=confidence)
    mean = float(np.mean(values))
    assert low <= mean <= high
