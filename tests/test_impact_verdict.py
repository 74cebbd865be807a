"""The verdict on an impact estimate (adoption.stats.impact.impact_verdict), and the result type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adoption.errors import InputError
from adoption.stats import ImpactResult, impact_verdict, staggered_event_study
from adoption.stats.impact import VERDICTS


def _panel(seed: int, *, effect: float, pretrend: float = 0.0) -> pd.DataFrame:
    """30 teams x 10 periods; 15 adopt in period 6. ``pretrend``: the adopters' outcome
    already rises by that much per period before (and after) adopting."""
    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(30), 10)
    period = np.tile(np.arange(1, 11), 30)
    first = np.where(team < 15, 6, 0)
    y = (rng.normal(0, 1, 30)[team] + rng.normal(0, 0.5, 10)[period - 1]
         + effect * (first > 0) * (period >= first) + pretrend * (first > 0) * period
         + rng.normal(0, 0.5, team.size))
    return pd.DataFrame({"team": team, "period": period, "first": first, "y": y})


def _fit(df: pd.DataFrame) -> ImpactResult:
    return staggered_event_study(df, outcome="y", unit="team", time="period",
                                 first_treated="first")


def test_treated_teams_already_trending_up_cannot_be_told():
    r = _fit(_panel(11, effect=1.0, pretrend=0.4))
    assert r.pretrend_p < 0.001  # a 0.4 per period trend, 5 pre-periods, SE of a lead ~0.15
    verdict, reason = impact_verdict(r, better="up")
    assert verdict == "cannot tell: pre-trends differ"
    assert "already moving differently" in reason and "pre-trend test p = " in reason
    # whatever the direction that is better, the pre-trend comes first
    assert impact_verdict(r, better="down")[0] == "cannot tell: pre-trends differ"


def test_a_clean_panel_gives_the_direction_that_is_better():
    r = _fit(_panel(12, effect=1.0))
    assert r.pretrend_p > 0.10 and r.ci_low > 0  # seeded draw: flat pre-periods, effect +1
    assert impact_verdict(r, better="up")[0] == "evidence of improvement"
    assert impact_verdict(r, better="down")[0] == "evidence of worsening"
    reason = impact_verdict(r, better="up")[1]
    assert f"{r.estimate:.3g}" in reason and "95% interval" in reason


def test_no_effect_gives_no_detectable_change():
    verdicts = [impact_verdict(_fit(_panel(seed, effect=0.0)), better="up")
                for seed in range(100, 120)]
    found = [v for v, _ in verdicts]
    # with no effect and no pre-trend, 95% intervals include 0 in about 19 of 20 draws (and
    # the 10% pre-trend test fires in about 2): at least 15 of these 20 seeded draws say "no
    # detectable change" (binomial(20, 0.85) falls below 15 with probability 0.07; the
    # draws are fixed, so the test is deterministic: they give 17)
    assert found.count("no detectable change") >= 15
    reason = next(r for v, r in verdicts if v == "no detectable change")
    assert "includes zero" in reason


def _result(estimate, low, high, pretrend_p=None, alpha=0.05):
    return ImpactResult("difference in differences", estimate, low, high, 1.0, 0.5, 100, 10, 5,
                        alpha, "team-clustered", ("parallel trends",), pretrend_p=pretrend_p)


def test_verdict_rules_and_wording():
    assert impact_verdict(_result(-2.0, -3.5, -0.5), better="down") == (
        "evidence of improvement",
        "The estimated change is \u22122 (95% interval \u22123.5 to \u22120.5), entirely on the "
        "better side of zero.")
    assert impact_verdict(_result(1.0, 0.2, 1.8, alpha=0.1), better="down")[1].startswith(
        "The estimated change is 1 (90% interval 0.2 to 1.8)")
    # the pre-trend threshold is the caller's: p = 0.07 is below 0.10 but not below 0.05
    assert impact_verdict(_result(1.0, 0.2, 1.8, 0.07), better="up")[0].startswith("cannot")
    assert impact_verdict(_result(1.0, 0.2, 1.8, 0.07), better="up",
                          pretrend_alpha=0.05)[0] == "evidence of improvement"
    assert impact_verdict(_result(np.nan, np.nan, np.nan), better="up")[0] == (
        "no detectable change")
    assert {impact_verdict(_result(*x), better=b)[0] for x in
            [(1, 0.5, 1.5), (1, -0.5, 2), (1, 0.5, 1.5, 0.01)] for b in ("up", "down")
            } <= set(VERDICTS)
    with pytest.raises(InputError, match="better"):
        impact_verdict(_result(1.0, 0.2, 1.8), better="higher")
    with pytest.raises(InputError, match="pretrend_alpha"):
        impact_verdict(_result(1.0, 0.2, 1.8), better="up", pretrend_alpha=10)


def test_summary_is_one_tidy_row():
    s = _result(1.0, 0.2, 1.8, 0.3).summary()
    assert list(s.columns) == ["method", "estimate", "ci_low", "ci_high", "se", "p_value", "n",
                               "n_units", "n_treated", "pretrend_p", "inference"]
    assert len(s) == 1 and s["pretrend_p"].item() == 0.3
    assert np.isnan(_result(1.0, 0.2, 1.8).summary()["pretrend_p"].item())
