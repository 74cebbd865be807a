"""Event studies (adoption.stats.event_study): The Effect's organ donations, statsmodels,
pyfixest, and a staggered simulation where did2s is unbiased and plain two-way FE is not."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from adoption.errors import ColumnNotFoundError, EstimateWarning, InputError
from adoption.stats import staggered_event_study, twfe_event_study

ORGANS = "organ_donations.csv"  # in the shared reference datasets (tests/conftest.py)


@pytest.fixture
def organs(shared_dataset):
    od = pd.read_csv(shared_dataset(ORGANS))
    # California's policy from 2011 Q3: Quarter_Num 1..6 are Q4 2010 .. Q1 2012, so Q3 2011
    # is quarter 4 (the book's `Treated = State == 'California' & Quarter %in% c('Q32011',
    # 'Q42011', 'Q12012')`)
    assert od.loc[od["Quarter_Num"] == 4, "Quarter"].unique().tolist() == ["Q32011"]
    return od.assign(first=np.where(od["State"] == "California", 4, 0))


def _organ_fit(organs, function, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimateWarning)  # one treated state, said in a warning
        return function(organs, outcome="Rate", unit="State", time="Quarter_Num",
                        first_treated="first", **kw)


def test_organ_donations_two_way_fixed_effects(organs):
    r = _organ_fit(organs, twfe_event_study)
    # Huntington-Klein, The Effect (2021), ch. 18 (difference in differences), the two-way
    # fixed effects estimate feols(Rate ~ Treated | State + Quarter): -0.0225. Its
    # state-clustered SE here is 0.00613 (CRV1 as fixest's default, which pyfixest matches);
    # the "about 0.0199" quoted for the book in issue 14 could not be reproduced by any
    # clustering of this regression and is not asserted.
    assert r.estimate == pytest.approx(-0.022459, abs=1e-6)
    assert r.se == pytest.approx(0.006131, abs=1e-6)
    assert (r.n, r.n_units, r.n_treated) == (162, 27, 1)  # 27 states x 6 quarters
    assert r.inference == "State-clustered (CRV1, 27 clusters)"
    # the same point estimate from statsmodels OLS with state and quarter dummies
    treated = ((organs["first"] > 0) & (organs["Quarter_Num"] >= 4)).astype(int)
    ols = smf.ols("Rate ~ treated + C(State) + C(Quarter)", data=organs.assign(
        treated=treated)).fit()
    assert r.estimate == pytest.approx(ols.params["treated"], rel=1e-9)


def test_organ_donations_event_study(organs):
    r = _organ_fit(organs, twfe_event_study)
    es = r.event_study.set_index("rel_time")
    # The Effect, ch. 18, dynamic effects: feols(Rate ~ i(Quarter_Num, California, ref = 3) |
    # State + Quarter_Num): quarter 3 (event time -1) is the reference; statsmodels OLS with
    # the same dummies gives the same coefficients (checked below). Ours, to 1e-6:
    expected = {-3: -0.002942, -2: 0.006296, 0: -0.021565, 1: -0.020292, 2: -0.022165}
    for k, value in expected.items():
        assert es.loc[k, "estimate"] == pytest.approx(value, abs=1e-6), k
    assert es.loc[-1, "estimate"] == 0 and np.isnan(es.loc[-1, "se"])
    assert list(es["n"]) == [1] * 6  # one treated state-quarter at each event time
    ca = (organs["State"] == "California").astype(int)
    dummies = {f"q{q}": ((organs["Quarter_Num"] == q) & (ca == 1)).astype(int)
               for q in (1, 2, 4, 5, 6)}
    ols = smf.ols("Rate ~ q1 + q2 + q4 + q5 + q6 + C(State) + C(Quarter_Num)",
                  data=organs.assign(**dummies)).fit()
    for q, k in zip((1, 2, 4, 5, 6), (-3, -2, 0, 1, 2), strict=True):
        assert es.loc[k, "estimate"] == pytest.approx(ols.params[f"q{q}"], abs=1e-10)
    # The book reads its plot as no clear effect before the policy and a drop after: the
    # pre-period estimates are small next to the post-period ones (< 1/3 of the smallest
    # post-period drop), and every post-period interval is below 0.
    assert es.loc[[-3, -2], "estimate"].abs().max() < es.loc[[0, 1, 2], "estimate"].abs().min() / 3
    assert (es.loc[[0, 1, 2], "ci_high"] < 0).all()
    # With one treated state the clustered errors of its own dummies are unreliable (the
    # -2 lead's is 0.0023 and calls it "significant", p = 0.01); the estimator warns:
    with pytest.warns(EstimateWarning, match="only 1 treated unit"):
        twfe_event_study(organs, outcome="Rate", unit="State", time="Quarter_Num",
                         first_treated="first")
    # linear pre-trend test over the 3 pre-quarters (California alone as the treated cluster):
    # not significant, as the book reads its event-study plot
    assert r.pretrend_p > 0.10


def test_did2s_overall_att_is_gardners_two_stage_by_hand(organs):
    r = _organ_fit(organs, staggered_event_study)
    # Gardner (2021): unit and period effects fitted on the untreated rows only, removed from
    # every row, the residuals of the treated rows averaged (statsmodels OLS for stage one)
    treated = (organs["first"] > 0) & (organs["Quarter_Num"] >= organs["first"])
    stage1 = smf.ols("Rate ~ C(State) + C(Quarter_Num)", data=organs[~treated]).fit()
    residual = organs["Rate"] - stage1.predict(organs)
    assert r.estimate == pytest.approx(residual[treated].mean(), rel=1e-8)
    es = r.event_study.set_index("rel_time")
    for k in (0, 1, 2):  # each post-period coefficient: the residual at that event time
        row = treated & (organs["Quarter_Num"] - organs["first"] == k)
        assert es.loc[k, "estimate"] == pytest.approx(residual[row].mean(), rel=1e-8)
    assert r.method == "event study (did2s, Gardner 2021)"
    assert r.inference == "State-clustered (GMM, with the first stage, 27 clusters)"
    assert len(r.comparison_units) == 26 and "California" not in r.comparison_units


def _staggered_panel(seed: int) -> pd.DataFrame:
    """40 teams, 12 periods, cohorts adopting at 4, 7, 10 and never; effects grow."""
    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(40), 12)
    period = np.tile(np.arange(1, 13), 40)
    first = np.array([4, 7, 10, 0])[team % 4]
    on = (first > 0) & (period >= first)
    effect = np.where(on, 1.0 + 0.5 * (period - first), 0.0)
    y = rng.normal(0, 1, 40)[team] + rng.normal(0, 1, 12)[period - 1] + effect
    return pd.DataFrame({"team": team, "period": period, "first": first,
                         "y": y + rng.normal(0, 1, team.size)})


# The panel of _staggered_panel: 40 teams x 12 periods, team and period effects N(0, 1),
# noise N(0, 1); cohorts of 10 teams adopt in periods 4, 7 and 10, 10 never do; the effect is
# 1 + 0.5 x (periods since adoption). True ATT over the treated rows, by hand:
# cohort 4: 9 rows, mean effect 3; cohort 7: 6 rows, 2.25; cohort 10: 3 rows, 1.5;
# (9 x 3 + 6 x 2.25 + 3 x 1.5) / 18 = 2.5.
TRUE_ATT = 2.5
DRAWS = 200  # seeded draws 1000..1199: the test is deterministic


def test_did2s_is_unbiased_and_covers_where_twfe_is_biased():
    did2s, covered, twfe = [], [], []
    for seed in range(1000, 1000 + DRAWS):
        df = _staggered_panel(seed)
        r = staggered_event_study(df, outcome="y", unit="team", time="period",
                                  first_treated="first")
        did2s.append(r.estimate)
        covered.append(r.ci_low <= TRUE_ATT <= r.ci_high)
        if seed < 1050:  # 50 draws show TWFE's bias plainly (it is 5 of its SDs)
            twfe.append(twfe_event_study(df, outcome="y", unit="team", time="period",
                                         first_treated="first").estimate)
    did2s = np.array(did2s)
    # Monte Carlo SE of the mean: SD (about 0.2) / sqrt(200) = 0.014; |bias| < 0.05 is over
    # 3 of those and 2% of the ATT (these draws give -0.004)
    assert abs(did2s.mean() - TRUE_ATT) < 0.05
    # 95% intervals: coverage within 0.88-0.99 (these draws give 0.95; a binomial(200, 0.95)
    # share falls outside that range with probability under 0.001)
    assert 0.88 <= np.mean(covered) <= 0.99
    # Plain TWFE compares late adopters with early adopters whose effects are still growing,
    # which pulls its estimate down (Goodman-Bacon 2021): about -1.0 here, far beyond noise
    assert np.mean(twfe) - TRUE_ATT < -0.5


def test_sun_abraham_reproduces_pyfixest_saturated_event_study():
    import pyfixest as pf

    df = _staggered_panel(0)
    r = staggered_event_study(df, outcome="y", unit="team", time="period",
                              first_treated="first", estimator="sun-abraham")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest: "currently in beta"
        ref = pf.event_study(df, yname="y", idname="team", tname="period", gname="first",
                             estimator="saturated").aggregate()
    es = r.event_study.set_index("rel_time").drop(index=-1)
    # pyfixest 0.60 SaturatedEventStudy.aggregate(agg="period", weighting="shares")
    assert np.allclose(es["estimate"], ref["Estimate"].astype(float).to_numpy(), atol=1e-9)
    assert np.allclose(es["se"], ref["Std. Error"].astype(float).to_numpy(), rtol=1e-8)
    assert r.method.startswith("event study (Sun-Abraham")
    assert r.pretrend_p is not None and 0 < r.pretrend_p < 1


def test_leads_and_lags_bin_the_endpoints():
    df = _staggered_panel(1)
    r = staggered_event_study(df, outcome="y", unit="team", time="period",
                              first_treated="first", leads=3, lags=4)
    es = r.event_study
    assert list(es["rel_time"]) == [-3, -2, -1, 0, 1, 2, 3, 4]
    # the end bins pool every treated row beyond them: all 3 x 10 teams x 12 periods
    assert es["n"].sum() == 360
    # -3 and before: cohort 4 has period 1, cohort 7 periods 1-4, cohort 10 periods 1-7
    assert es.loc[es["rel_time"] == -3, "n"].item() == 10 * (1 + 4 + 7)
    with pytest.raises(InputError, match="leads is 1"):
        staggered_event_study(df, outcome="y", unit="team", time="period",
                              first_treated="first", leads=1)


def test_unusable_panels_are_refused():
    df = _staggered_panel(2)
    kw = {"outcome": "y", "unit": "team", "time": "period", "first_treated": "first"}
    for function in (staggered_event_study, twfe_event_study):
        with pytest.raises(ColumnNotFoundError, match="'adopted_in'"):
            function(df, **{**kw, "first_treated": "adopted_in"})
        with pytest.raises(InputError, match="no treated unit"):
            function(df.assign(first=0), **kw)
        with pytest.raises(InputError, match="no comparison unit"):
            function(df.assign(first=np.where(df["first"] == 0, 10, df["first"])), **kw)
        with pytest.raises(InputError, match="at least 2"):
            # every cohort adopts in period 2: one pre-period only
            function(df.assign(first=np.where(df["first"] > 0, 2, 0)), **kw)
        with pytest.raises(InputError, match="constant"):
            function(df.assign(y=1.0), **kw)
        with pytest.raises(InputError, match="more than one row"):
            function(pd.concat([df, df.head(1)]), **kw)
        with pytest.raises(InputError, match="whole period numbers"):
            function(df.assign(period=df["period"] + 0.5), **kw)
        with pytest.raises(InputError, match="same in every row"):
            function(df.assign(first=np.where(df.index == 0, 5, df["first"])), **kw)
    with pytest.raises(InputError, match="estimator"):
        staggered_event_study(df, **kw, estimator="callaway")


def test_never_treated_may_be_missing_and_always_treated_are_dropped():
    df = _staggered_panel(3)
    nan_first = df.assign(first=df["first"].where(df["first"] > 0))  # NaN = never treated
    a = staggered_event_study(df, outcome="y", unit="team", time="period",
                              first_treated="first")
    b = staggered_event_study(nan_first, outcome="y", unit="team", time="period",
                              first_treated="first")
    assert a.estimate == b.estimate and a.n == b.n == 480
    always = df.assign(first=np.where(df["team"] == 0, 1, df["first"]))  # team 0 from period 1
    with pytest.warns(EstimateWarning, match="no pre-period and are dropped"):
        c = staggered_event_study(always, outcome="y", unit="team", time="period",
                                  first_treated="first")
    assert c.n == 468 and c.n_treated == 29


def _drifting_panel(rng, *, drift: float) -> pd.DataFrame:
    """16 teams over 24 periods: 10 adopt in 4 cohorts (periods 13, 15, 17, 19), 6 never; team
    and period effects, noise 0.8; adopters drift ``drift`` a period relative to the others
    (0: parallel trends); an effect of -3 from adoption on."""
    cohorts = [13, 13, 15, 15, 15, 17, 17, 17, 19, 19] + [0] * 6
    t = np.arange(1, 25)
    season = 1.2 * np.cos(2 * np.pi * t / 12)
    rows = []
    for i, g in enumerate(cohorts):
        y = (rng.uniform(26, 36) + 0.03 * t + season + (drift * t if g else 0.0)
             + np.where((g > 0) & (t >= g), -3.0, 0.0) + rng.normal(0, 0.8, t.size))
        rows.append(pd.DataFrame({"team": f"t{i}", "t": t, "g": g, "y": y}))
    return pd.concat(rows, ignore_index=True)


def test_pretrend_test_is_sized_with_few_teams_and_catches_drifting_adopters():
    from adoption.stats.event_study import _Panel

    rng = np.random.default_rng(sum(map(ord, "pre-trend size")))

    def p_value(drift: float) -> float:
        panel = _Panel(_drifting_panel(rng, drift=drift), outcome="y", unit="team", time="t",
                       first_treated="g", alpha=0.05, leads=None, lags=None, where="test")
        return panel.pretrend_p()

    # 200 clean panels: the test rejects at the 10% level in about 10% of them (binomial
    # sd 2.1 points; the chi-square Wald test of every lead rejected in about 32%)
    null = np.array([p_value(0.0) for _ in range(200)])
    assert 0.05 <= (null < 0.10).mean() <= 0.16
    # adopters drifting 0.15 a period apart before adopting: caught nearly always
    drifting = np.array([p_value(-0.15) for _ in range(50)])
    assert (drifting < 0.10).mean() >= 0.95
