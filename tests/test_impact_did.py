"""Difference in differences (adoption.stats.did) against Card & Krueger (1994) and statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from adoption.errors import ColumnNotFoundError, EstimateWarning, InputError
from adoption.stats import diff_in_diff, impact_verdict

CARD_KRUEGER = "card_krueger_1994_long.csv"  # in the shared reference datasets (conftest.py)
ORGANS = "organ_donations.csv"


@pytest.fixture
def card_krueger(shared_dataset):
    return pd.read_csv(shared_dataset(CARD_KRUEGER))


def test_card_krueger_matches_the_published_difference(card_krueger):
    r = diff_in_diff(card_krueger, outcome="fte", unit="id", treated="nj", post="d")
    # Card & Krueger (1994), AER 84(4), Table 3, row 3 ("change in mean FTE employment"),
    # column (iii) NJ - PA: 2.76 (SE 1.36). This distribution (the UChicago SOSC13200 copy)
    # has the paper's four cell means to two decimals (Table 3 rows 1-2: PA 23.33 -> 21.17,
    # NJ 20.44 -> 21.03) but gives 2.75 from them: the paper's per-wave samples and its
    # rounding differ slightly, so the estimate is checked to 0.05 FTE. Their SE is that of a
    # difference of independent means; the regression's store-clustered SE (1.31) differs by
    # about 0.05, so the SE is checked to 0.1.
    means = card_krueger.groupby(["nj", "d"])["fte"].mean().round(2)
    assert means.tolist() == [23.33, 21.17, 20.44, 21.03]
    assert r.estimate == pytest.approx(2.76, abs=0.05)
    assert r.se == pytest.approx(1.36, abs=0.1)
    assert r.method == "difference in differences"
    assert (r.n, r.n_units, r.n_treated) == (794, 410, 331)  # rows with fte; 410 stores, 331 NJ
    assert "clustered" in r.inference and "bootstrap" not in r.inference  # 410 clusters >= 30
    assert len(r.comparison_units) == 79  # the Pennsylvania stores
    assert r.assumptions and "parallel" in r.assumptions[0]


def test_card_krueger_equals_statsmodels_ols_on_the_same_rows(card_krueger):
    rows = card_krueger.dropna(subset=["fte"])
    ols = smf.ols("fte ~ nj + d + nj:d", data=rows).fit(
        cov_type="cluster", cov_kwds={"groups": rows["id"]}, use_t=True)
    r = diff_in_diff(card_krueger, outcome="fte", unit="id", treated="nj", post="d")
    # statsmodels OLS, errors clustered by store (CR1 with G/(G-1) (N-1)/(N-K), t with G - 1
    # degrees of freedom: the same small-sample rules as fixest/pyfixest CRV1)
    assert r.estimate == pytest.approx(ols.params["nj:d"], rel=1e-10)
    assert r.se == pytest.approx(ols.bse["nj:d"], rel=1e-8)
    assert r.p_value == pytest.approx(ols.pvalues["nj:d"], rel=1e-6)
    low, high = ols.conf_int().loc["nj:d"]
    assert (r.ci_low, r.ci_high) == pytest.approx((low, high), rel=1e-8)
    # hand calculation from the four cell means: (21.0274 - 20.4394) - (21.1656 - 23.3312)
    means = rows.groupby(["nj", "d"])["fte"].mean()
    by_hand = (means[1, 1] - means[1, 0]) - (means[0, 1] - means[0, 0])
    assert r.estimate == pytest.approx(by_hand, rel=1e-12)
    assert r.relative_effect == pytest.approx(by_hand / means[1, 0])
    assert impact_verdict(r, better="up")[0] == "evidence of improvement"


def test_few_clusters_use_the_wild_cluster_bootstrap(shared_dataset):
    od = pd.read_csv(shared_dataset(ORGANS))
    od = od.assign(california=(od["State"] == "California").astype(int),
                   after=(od["Quarter_Num"] >= 4).astype(int))  # Q3 2011 is quarter 4
    with pytest.warns(EstimateWarning, match="only 1 treated cluster"):
        r = diff_in_diff(od, outcome="Rate", unit="State", treated="california", post="after",
                         reps=1999)
    # 27 states < 30 clusters: bootstrap by default; the estimate is the same regression's
    # (-0.0225: Huntington-Klein, The Effect, ch. 18, the two-way FE estimate, equal to the
    # 2 x 2 one on this balanced panel)
    assert r.estimate == pytest.approx(-0.02245, abs=5e-5)
    assert r.inference.startswith("wild cluster bootstrap (Webb, 1999 draws)")
    assert r.ci_low < r.estimate < r.ci_high
    assert 1 / 2000 <= r.p_value <= 1  # (1 + exceedances) / (1 + draws), never 0
    # the symmetric bootstrap-t interval and p-value agree: the interval excludes 0 iff p < alpha
    assert (r.ci_high < 0 or r.ci_low > 0) == (r.p_value < r.alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimateWarning)
        again = diff_in_diff(od, outcome="Rate", unit="State", treated="california",
                             post="after", reps=1999)
        never = diff_in_diff(od, outcome="Rate", unit="State", treated="california",
                             post="after", bootstrap="never")
    assert (again.ci_low, again.p_value) == (r.ci_low, r.p_value)  # seeded: reproducible
    assert never.inference.startswith("State-clustered (CRV1, 27 clusters)")
    assert never.estimate == pytest.approx(r.estimate)


def test_bootstrap_always_covers_a_wide_interval_on_many_clusters():
    rng = np.random.default_rng(7)
    teams = np.repeat(np.arange(40), 2)
    treated = (teams < 20).astype(int)
    post = np.tile([0, 1], 40)
    y = rng.normal(0, 1, 40)[teams] + 0.5 * post + 1.0 * treated * post + rng.normal(0, 0.3, 80)
    df = pd.DataFrame({"team": teams, "adopter": treated, "after": post, "y": y})
    boot = diff_in_diff(df, outcome="y", unit="team", treated="adopter", post="after",
                        bootstrap="always", reps=999)
    crv = diff_in_diff(df, outcome="y", unit="team", treated="adopter", post="after")
    assert crv.inference.startswith("team-clustered") and boot.inference.startswith("wild")
    # with 40 clusters the bootstrap-t interval is close to the t(39) one (within 15%)
    assert (boot.ci_high - boot.ci_low) == pytest.approx(crv.ci_high - crv.ci_low, rel=0.15)
    assert boot.ci_low < 1.0 < boot.ci_high  # and covers the effect the data were made with


@pytest.fixture
def small():
    return pd.DataFrame({"team": list("aabbccdd"), "adopter": [1, 1, 1, 1, 0, 0, 0, 0],
                         "after": [0, 1] * 4, "y": [1.0, 3.0, 2.0, 4.5, 1.0, 1.5, 2.0, 2.0]})


def test_unusable_input_is_refused_with_a_clear_message(small):
    kw = {"outcome": "y", "unit": "team", "treated": "adopter", "post": "after",
          "bootstrap": "never"}
    with pytest.raises(ColumnNotFoundError, match="'outcome_value'"):
        diff_in_diff(small, **{**kw, "outcome": "outcome_value"})
    with pytest.raises(InputError, match="no treated unit"):
        diff_in_diff(small.assign(adopter=0), **kw)
    with pytest.raises(InputError, match="no comparison unit"):
        diff_in_diff(small.assign(adopter=1), **kw)
    with pytest.raises(InputError, match="constant"):
        diff_in_diff(small.assign(y=3.0), **kw)
    with pytest.raises(InputError, match="must be 0 or 1"):
        diff_in_diff(small.assign(after=[0, 2] * 4), **kw)
    with pytest.raises(InputError, match="constant within a unit"):
        diff_in_diff(small.assign(adopter=[1, 0, 1, 1, 0, 0, 0, 0]), **kw)
    with pytest.raises(InputError, match="no row after"):
        diff_in_diff(small.assign(after=0), **kw)
    with pytest.raises(InputError, match="bootstrap"):
        diff_in_diff(small, **{**kw, "bootstrap": "sometimes"})
    with pytest.raises(InputError, match="alpha"):
        diff_in_diff(small, **{**kw, "alpha": 5})
    with pytest.raises(InputError, match="must hold numbers"):
        diff_in_diff(small.assign(y=["x"] * 8), **kw)


def test_missing_outcomes_are_dropped_and_the_input_is_not_changed(small):
    data = small.assign(y=[1.0, 3.0, 2.0, 4.5, 1.0, 1.5, 2.0, np.nan])
    before = data.copy()
    r = diff_in_diff(data, outcome="y", unit="team", treated="adopter", post="after",
                     bootstrap="never")
    assert r.n == 7
    pd.testing.assert_frame_equal(data, before)
