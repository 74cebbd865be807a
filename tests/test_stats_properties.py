"""Property tests: no interval of the issue-13 estimators is reversed or leaves its parameter's
range, for any input hypothesis finds (n = 0, all answers equal, one group, all censored...)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from adoption.stats import (
    BassModel,
    compare_ordinal,
    cronbach_alpha,
    kaplan_meier_at,
    kaplan_meier_median,
    nps_from_counts,
    shrink_estimates,
    shrink_rates,
)
from adoption.stats.intervals import bounded_mean_interval

EPS = 1e-9


def ordered(low, est, high, lo=-np.inf, hi=np.inf) -> None:
    """low <= est <= high inside [lo, hi], wherever the estimate is known."""
    low, est, high = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (low, est, high))
    known = np.isfinite(est)
    assert not np.any(np.isfinite(low) & np.isfinite(high) & (low > high + EPS))
    assert np.all(np.where(known & np.isfinite(low), low <= est + EPS, True))
    assert np.all(np.where(known & np.isfinite(high), est <= high + EPS, True))
    for v in (low, est, high):
        assert np.all(np.where(np.isnan(v), True, (v >= lo - EPS) & (v <= hi + EPS)))


counts = st.integers(0, 40)
few = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@few
@given(st.lists(st.tuples(counts, counts), min_size=0, max_size=8),
       st.sampled_from(["mle", "moments"]))
@example([], "mle")  # no groups
@example([(0, 0)], "mle")  # one group with n = 0
@example([(4, 4)] * 3, "moments")  # all equal, every trial a success
def test_shrunk_rates_stay_in_0_1(pairs, method):
    y = [min(a, b) for a, b in pairs]
    n = [max(a, b) for a, b in pairs]
    out = shrink_rates(y, n, method=method)
    ordered(out["raw_ci_low"], out["raw"], out["raw_ci_high"], 0, 1)
    ordered(out["ci_low"], out["estimate"], out["ci_high"], 0, 1)
    assert np.all(np.where(np.isnan(out["weight"]), True, (out["weight"] >= 0)
                           & (out["weight"] <= 1)))


@few
@given(st.lists(st.tuples(st.floats(1, 5), st.floats(0, 2), st.integers(0, 50)), max_size=6))
@example([])  # no groups
@example([(3.0, 1.0, 0)])  # one group, n = 0
@example([(5.0, 0.0, 10)] * 4)  # all answers equal, at the end of the scale
def test_bounded_means_and_their_shrinkage_stay_on_the_scale(rows):
    mean = np.array([r[0] for r in rows])
    sd = np.array([r[1] for r in rows])
    n = np.array([r[2] for r in rows], dtype=float)
    low, high = bounded_mean_interval(mean, sd, n, scale_min=1, scale_max=5)
    ordered(low, np.where(n >= 2, mean, np.nan), high, 1, 5)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 0, sd ** 2 / n, np.nan)
    for method in ("dersimonian-laird", "james-stein"):
        res = shrink_estimates(mean, v, method=method, bounds=(1, 5))
        ordered(res["ci_low"], res["estimate"], res["ci_high"], 1, 5)


@few
@given(counts, counts, counts)
@example(0, 0, 0)  # n = 0
@example(9, 0, 0)  # every answer a promoter
def test_nps_interval_in_range_and_flagged_when_degenerate(p, q, d):
    res = nps_from_counts(p, q, d)
    ordered(res["ci_low"], res["estimate"], res["ci_high"], -100, 100)
    if p + q + d and max(p, q, d) == p + q + d:
        assert res["is_degenerate"] and res["ci_high"] > res["ci_low"]


@few
@given(st.lists(st.tuples(st.integers(0, 30), st.booleans()), max_size=25),
       st.lists(st.integers(0, 40), min_size=1, max_size=4))
@example([], [0, 10])  # n = 0
@example([(5, False)] * 4, [0, 5, 30])  # everyone censored
@example([(3, True)] * 4, [2, 3])  # all equal: every event on the same day
def test_kaplan_meier_intervals(rows, times):
    t = [r[0] for r in rows]
    e = [int(r[1]) for r in rows]
    at = kaplan_meier_at(t, e, times)
    ordered(at["ci_low"], at["estimate"], at["ci_high"], 0, 1)
    med = kaplan_meier_median(t, e)
    ordered(med["ci_low"], med["estimate"], med["ci_high"], 0, np.inf)


answers = st.lists(st.one_of(st.integers(1, 5), st.none()), min_size=0, max_size=12)


@few
@given(st.lists(st.tuples(answers, answers, answers), max_size=1).map(lambda x: x[0] if x
                                                                         else ([], [], [])),
       st.sampled_from(["listwise", "pairwise"]))
@example(([], [], []), "listwise")  # n = 0
@example(([3, 3, 3], [3, 3, 3], [3, 3, 3]), "pairwise")  # all answers equal
@example(([1, None, 5, 2], [None, 4, 1, 2], [5, 1, None, 2]), "pairwise")  # not PSD
def test_alpha_never_above_one_and_feldt_never_reversed(items, missing):
    size = max(len(c) for c in items)
    frame = pd.DataFrame({name: pd.Series(col + [None] * (size - len(col)), dtype=float)
                          for name, col in zip("abc", items, strict=True)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the PSD repair warns by design
        res = cronbach_alpha(frame, missing=missing)
    ordered(res["ci_low"], res["estimate"], res["ci_high"], -np.inf, 1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 5), max_size=10), st.lists(st.integers(1, 5), max_size=10))
@example([], [])  # n = 0
@example([3, 3, 3], [3, 3, 3])  # all answers equal
@example([1, 1], [1, 2])  # Welch's interval on 1 df is wider than the scale
def test_likert_comparisons_are_ordered(first, second):
    out = compare_ordinal(first, second, scale=(1, 5)).set_index("method")
    ordered(out.loc["mann_whitney", "ci_low"], out.loc["mann_whitney", "estimate"],
            out.loc["mann_whitney", "ci_high"], 0, 1)
    ordered(out.loc["ordinal_logit", "ci_low"], out.loc["ordinal_logit", "estimate"],
            out.loc["ordinal_logit", "ci_high"], 0, np.inf)
    ordered(out.loc["mean_difference", "ci_low"], out.loc["mean_difference", "estimate"],
            out.loc["mean_difference", "ci_high"], -4, 4)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 30), min_size=0, max_size=14), st.integers(0, 200))
@example([], 0)  # no periods
@example([0] * 8, 5)  # nobody adopts
@example([3] * 10, 0)  # equal increments, everyone adopted
def test_bass_fit_refuses_or_gives_ordered_intervals(increments, spare):
    cumulative = np.cumsum(increments)
    population = float(cumulative[-1] + spare) if len(increments) else 10.0
    assume(population > 0)
    fit = BassModel(n_draws=300).fit(cumulative, population=population)
    if fit.refusal_ is not None:
        assert isinstance(fit.refusal_, str) and fit.refusal_
        return
    table = fit.summary.set_index("term")
    ordered(table["ci_low"], table["estimate"], table["ci_high"], 0, np.inf)
    assert table.loc["m", "ci_high"] <= population + EPS
    assert table.loc["m", "ci_low"] >= cumulative.max() - EPS
    band = fit.predict(np.arange(1, len(increments) + 13))
    ordered(band["ci_low"], band["estimate"], band["ci_high"], 0, population)
    when = fit.time_to_share(0.6, population=population)
    ordered(when["ci_low"], when["estimate"], when["ci_high"], 0, np.inf)
    cats = fit.adopter_categories()
    assert abs(cats["share"].sum() - 1) < 1e-6 and (cats["share"] >= -EPS).all()
