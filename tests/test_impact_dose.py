"""Dose-response across teams (adoption.stats.dose): an association, checked against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from adoption.errors import ColumnNotFoundError, InputError
from adoption.stats import dose_response


@pytest.fixture
def teams():
    rng = np.random.default_rng(5)
    n = 60
    df = pd.DataFrame({"team": np.repeat(np.arange(20), 3), "usage": rng.uniform(0, 1, n),
                       "size": rng.integers(5, 40, n),
                       "dept": np.repeat(list("abcd"), 15)})
    df["lead_time"] = 10 - 3 * df["usage"] + 0.05 * df["size"] + rng.normal(0, 1, n)
    return df


def test_slope_with_hc3_errors_equals_statsmodels(teams):
    r = dose_response(teams, outcome="lead_time", dose="usage", controls=["size"])
    X = sm.add_constant(teams[["usage", "size"]].astype(float))
    ref = sm.OLS(teams["lead_time"], X).fit(cov_type="HC3")  # statsmodels OLS, HC3 errors
    assert r.estimate == pytest.approx(ref.params["usage"], rel=1e-10)
    assert r.se == pytest.approx(ref.bse["usage"], rel=1e-10)
    assert (r.ci_low, r.ci_high) == pytest.approx(tuple(ref.conf_int().loc["usage"]))
    assert r.method == "dose-response (association)"
    assert "not an effect" in r.assumptions[0]
    assert r.inference == "HC3 heteroskedasticity-robust" and r.n == r.n_units == 60


def test_clustered_slope_with_a_categorical_control_equals_statsmodels(teams):
    r = dose_response(teams, outcome="lead_time", dose="usage", cluster="team",
                      controls=["dept"], alpha=0.1)
    X = pd.concat([sm.add_constant(teams[["usage"]]),
                   pd.get_dummies(teams["dept"], drop_first=True).astype(float)], axis=1)
    # statsmodels OLS clustered by team (CR1, t with G - 1 degrees of freedom)
    ref = sm.OLS(teams["lead_time"], X).fit(cov_type="cluster",
                                            cov_kwds={"groups": teams["team"]}, use_t=True)
    assert r.estimate == pytest.approx(ref.params["usage"], rel=1e-10)
    assert r.se == pytest.approx(ref.bse["usage"], rel=1e-10)
    assert r.ci_low == pytest.approx(ref.conf_int(alpha=0.1).loc["usage", 0])
    assert (r.n, r.n_units, r.n_treated) == (60, 20, 20)
    assert r.inference == "team-clustered (CRV1, 20 clusters)"


def test_unusable_input_is_refused(teams):
    with pytest.raises(ColumnNotFoundError, match="'seats'"):
        dose_response(teams, outcome="lead_time", dose="seats")
    with pytest.raises(InputError, match="constant"):
        dose_response(teams.assign(lead_time=1.0), outcome="lead_time", dose="usage")
    with pytest.raises(InputError, match="same"):
        dose_response(teams.assign(usage=0.5), outcome="lead_time", dose="usage")
    with pytest.raises(InputError, match="rows for"):
        dose_response(teams.head(3), outcome="lead_time", dose="usage", controls=["size"])
