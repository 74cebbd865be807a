"""Kaplan-Meier and log-rank against the Freireich/Gehan leukaemia data and lifelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adoption.errors import InputError
from adoption.stats import kaplan_meier_at, kaplan_meier_median, logrank_test

GEHAN = "gehan_leukemia.csv"  # in the shared reference datasets (tests/conftest.py)


@pytest.fixture
def gehan(shared_dataset):
    data = pd.read_csv(shared_dataset(GEHAN))
    return {g: x for g, x in data.groupby("group")}, data


def test_medians_match_the_published_values(gehan):
    groups, _ = gehan
    mp = kaplan_meier_median(groups["6-MP"]["time"], groups["6-MP"]["event"])
    placebo = kaplan_meier_median(groups["placebo"]["time"], groups["placebo"]["event"])
    # Freireich et al. (1963), Blood 21:699; Kleinbaum & Klein, Survival Analysis: A
    # Self-Learning Text (3rd ed., 2012), ch. 2: median remission 23 weeks (6-MP), 8 (placebo)
    assert mp["estimate"] == 23
    assert placebo["estimate"] == 8
    assert (mp["n"], mp["events"], placebo["events"]) == (21, 9, 21)  # counted in the csv
    # Brookmeyer-Crowley 95% limits; lifelines 0.30.3 median_survival_times(
    # KaplanMeierFitter().fit(...).confidence_interval_) gives the same: [13, inf] and [4, 11]
    assert (mp["ci_low"], mp["ci_high"]) == (13, np.inf)
    assert (placebo["ci_low"], placebo["ci_high"]) == (4, 11)


def test_survival_curve_matches_klein_moeschberger_and_lifelines(gehan):
    groups, _ = gehan
    mp = groups["6-MP"]
    at = kaplan_meier_at(mp["time"], mp["event"], [6, 7, 10, 13, 16, 22, 23])
    # the product-limit by hand (deaths / at risk at 6, 7, 10, 13, 16, 22, 23 weeks:
    # 3/21, 1/17, 1/15, 1/12, 1/11, 1/7, 1/6), as printed to three decimals in Klein &
    # Moeschberger, Survival Analysis (2nd ed., 2003), Table 4.1A
    by_hand = np.cumprod([18 / 21, 16 / 17, 14 / 15, 11 / 12, 10 / 11, 6 / 7, 5 / 6])
    np.testing.assert_allclose(at["estimate"], by_hand, rtol=1e-12)
    np.testing.assert_allclose(at["estimate"],
                               [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448], atol=5e-4)
    # log-log 95% limits at t = 6, 10, 22 from lifelines 0.30.3
    # KaplanMeierFitter().fit(time, event).confidence_interval_survival_function_
    np.testing.assert_allclose(at.loc[[0, 2, 5], "ci_low"], [0.619718, 0.503200, 0.267779],
                               atol=1e-6)
    np.testing.assert_allclose(at.loc[[0, 2, 5], "ci_high"], [0.951552, 0.889362, 0.746791],
                               atol=1e-6)
    placebo = groups["placebo"]
    at = kaplan_meier_at(placebo["time"], placebo["event"], [4, 8, 12])
    # the same lifelines call on the placebo group
    np.testing.assert_allclose(at["ci_low"], [0.425350, 0.183067, 0.059482], atol=1e-6)
    np.testing.assert_allclose(at["ci_high"], [0.825044, 0.577789, 0.377435], atol=1e-6)
    # hand count: 21 placebo patients, 7 relapsed by week 4 (1,1,2,2,3,4,4) -> 14/21
    assert at["estimate"][0] == pytest.approx(14 / 21)
    assert at["at_risk"][0] == 14


def test_logrank_matches_the_published_chi_square(gehan):
    _, data = gehan
    res = logrank_test(data["time"], data["event"], data["group"])
    # Kleinbaum & Klein (2012) ch. 2: log-rank chi-square 16.79 on 1 df, P < 0.001;
    # lifelines 0.30.3 logrank_test gives 16.792941, p = 4.1688e-05
    assert res["statistic"] == pytest.approx(16.792941, abs=1e-5)
    assert res["p_value"] == pytest.approx(4.1688e-05, rel=1e-3)
    assert res["p_value"] < 0.001
    assert (res["dof"], res["groups"]) == (1, 2)


def test_edges_give_honest_intervals():
    # nobody has started: S = 1 with the Wilson interval of 3/3 observed, not zero width
    at = kaplan_meier_at([5, 6, 7], [0, 0, 0], [4, 8])
    assert at["estimate"][0] == 1 and at["ci_low"][0] < 1 and at["ci_high"][0] == 1
    # statsmodels proportion_confint(3, 3, method="wilson") lower bound
    assert at["ci_low"][0] == pytest.approx(0.438503, abs=1e-6)
    assert np.isnan(at["estimate"][1])  # beyond the longest follow-up
    med = kaplan_meier_median([5, 6, 7], [0, 0, 0])
    assert med["estimate"] == np.inf and med["ci_high"] == np.inf  # not reached
    empty = kaplan_meier_median([], [])
    assert empty["n"] == 0 and np.isnan(empty["estimate"])
    assert np.isnan(logrank_test([1, 2], [1, 1], ["a", "a"])["statistic"])  # one group


def test_median_interval_when_the_curve_steps_over_one_half():
    # 1000 people on a monthly grid: 450 start by day 30, 100 more by day 60, the rest are
    # followed to day 90 without starting. S(30) = 0.55, S(60) = 0.45: the curve steps over
    # one half with standard errors of about 0.016 (Greenwood), so Brookmeyer-Crowley keeps
    # neither time (statsmodels' quantile_ci gives no interval) ...
    t = np.repeat([30.0, 60.0, 90.0], [450, 100, 450])
    e = np.repeat([1.0, 1.0, 0.0], [450, 100, 450])
    from statsmodels.duration.survfunc import SurvfuncRight

    assert np.isnan(SurvfuncRight(t, e).quantile_ci(0.5, method="cloglog")[0])
    med = kaplan_meier_median(t, e)
    assert med["estimate"] == 60
    # ... and the interval is read off the log-log band instead (R's survfit, lifelines):
    # at day 30 the band is about (0.519, 0.580), above one half; at day 60 about
    # (0.419, 0.481), below it (kaplan_meier_at, checked against lifelines above), so both
    # limits are day 60: the median is known to the grid's precision
    at = kaplan_meier_at(t, e, [30, 60])
    assert at["ci_low"][0] > 0.5 and at["ci_high"][1] < 0.5
    assert (med["ci_low"], med["ci_high"]) == (60, 60)
    # with the step straddled by the band (fewer people), the limits are the two times
    small = kaplan_meier_median(t[::10], e[::10])
    assert small["estimate"] == 60 and small["ci_low"] <= 30 and small["ci_high"] >= 60


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="durations"):
        kaplan_meier_median([-1, 2], [1, 1])
    with pytest.raises(InputError, match="event flags"):
        kaplan_meier_at([1, 2], [1, 2], [1])
    with pytest.raises(InputError, match="one event flag"):
        kaplan_meier_median([1, 2], [1])
    with pytest.raises(InputError, match="group"):
        logrank_test([1, 2], [1, 1], ["a"])
