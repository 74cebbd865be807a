"""Cronbach's alpha and Feldt's interval against psych's published value, a hand case and F."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from adoption.errors import EstimateWarning, InputError
from adoption.stats import cronbach_alpha, feldt_interval

BFI = "bfi_agreeableness_openness.csv"  # in the shared reference datasets (tests/conftest.py)


def test_alpha_on_psych_bfi_agreeableness_matches_published_value(shared_dataset):
    data = pd.read_csv(shared_dataset(BFI))
    items = data[["A1", "A2", "A3", "A4", "A5"]].copy()
    items["A1"] = 7 - items["A1"]  # A1 is reverse-keyed on the 1-6 scale (README)
    res = cronbach_alpha(items, missing="pairwise")
    # psych::alpha(bfi[1:5], keys = "A1") prints raw_alpha 0.70 (pairwise covariances,
    # the psych default); R psych documentation / Revelle's psych vignette example
    assert round(res["estimate"], 2) == 0.70
    assert res["k"] == 5 and res["is_psd"]
    assert res["n"] == 2800  # every respondent answered at least two of the five items
    listwise = cronbach_alpha(items)  # the default
    assert listwise["n"] == len(items.dropna())
    assert round(listwise["estimate"], 2) == 0.70


def test_alpha_hand_computed_case():
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [3, 3, 4, 5]})
    # by hand: item variances 5/3, 19/12, 11/12 (sum 25/6); total scores 6, 8, 10, 14 with
    # variance 35/3; alpha = 3/2 * (1 - (25/6)/(35/3)) = 3/2 * 9/14 = 27/28
    res = cronbach_alpha(items)
    assert res["estimate"] == pytest.approx(27 / 28)
    assert (res["n"], res["k"]) == (4, 3)


def test_feldt_interval_is_the_f_formula():
    alpha, n, k = 0.8, 50, 5
    low, high = feldt_interval(alpha, n, k, confidence=0.95)
    # Feldt (1965): 1 - (1 - alpha) * F quantiles with df (n-1, (n-1)(k-1)), by scipy's F
    df1, df2 = n - 1, (n - 1) * (k - 1)
    assert low == pytest.approx(1 - 0.2 * stats.f.ppf(0.975, df1, df2))
    assert high == pytest.approx(1 - 0.2 * stats.f.ppf(0.025, df1, df2))
    assert low < alpha < high


def test_feldt_interval_covers_the_true_alpha_about_95_percent_of_the_time():
    # parallel items x_j = T + e_j with var(T) = var(e) = 1: inter-item correlation 0.5 and
    # population alpha = k r / (1 + (k-1) r) = 4 * 0.5 / 2.5 = 0.8 (Spearman-Brown)
    rng = np.random.default_rng(7)
    hits = 0
    reps = 400
    for _ in range(reps):
        t = rng.normal(size=(30, 1))
        x = pd.DataFrame(t + rng.normal(size=(30, 4)))
        res = cronbach_alpha(x)
        hits += res["ci_low"] <= 0.8 <= res["ci_high"]
    # binomial sd of the coverage over 400 draws is about 0.011
    assert 0.92 <= hits / reps <= 0.98


def test_alpha_degenerate_and_bad_input():
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))["estimate"])
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [2, 2], "b": [2, 2]}))["estimate"])
    with pytest.raises(InputError):
        cronbach_alpha([[1, 2], [3, 4]])
    with pytest.raises(InputError):
        cronbach_alpha(pd.DataFrame({"a": [1, 2]}), missing="mean")
    assert np.isnan(feldt_interval(0.7, 1, 3)[0])


def sparse_pairs() -> pd.DataFrame:
    """Three items, each respondent answering two: every pair agrees at the ends of the
    scale (1 or 5) on four respondents and sits at 3 on six more."""
    rows = []
    for v in (1, 5, 1, 5):
        rows += [(v, v, np.nan), (np.nan, v, v), (v, np.nan, v)]
    rows += [(3, 3, np.nan), (np.nan, 3, 3), (3, np.nan, 3)] * 6
    return pd.DataFrame(rows, columns=["a", "b", "c"])


def test_pairwise_covariance_that_is_not_psd_is_repaired_with_a_warning():
    x = sparse_pairs()
    cov = x.cov().to_numpy()  # pandas' pairwise-complete covariances
    # by hand: each variance 32/19 = 1.684 (over the 20 answers of an item), each covariance
    # 16/9 = 1.778 (over the 10 shared answers): larger than the variances, not PSD
    assert np.linalg.eigvalsh(cov).min() < 0
    raw = 3 / 2 * (1 - np.trace(cov) / cov.sum())
    assert raw > 1  # the bug of the issue: alpha 1.018 ...
    low, high = feldt_interval(raw, 30, 3)
    assert low > high  # ... and a reversed Feldt interval
    with pytest.warns(EstimateWarning, match="not positive semi-definite"):
        res = cronbach_alpha(x, missing="pairwise")
    assert not res["is_psd"]
    assert res["estimate"] <= 1 and res["ci_low"] <= res["ci_high"] <= 1
    # listwise (the default) has nobody who answered all three: no alpha, no warning
    assert np.isnan(cronbach_alpha(x)["estimate"])
