"""Value statements: a figure only where the estimate shows an improvement, hand-counted."""

from __future__ import annotations

import pytest

from adoption.portfolio import value_statement

IMPROVED = "evidence of improvement"


def test_no_value_figure_without_improvement():
    for verdict in ("no detectable change", "cannot tell: pre-trends differ",
                    "evidence of worsening", "no evidence yet"):
        v = value_statement(verdict=verdict, estimate=-3.0, ci_low=-4.0, ci_high=-2.0,
                            spend=10_000.0, teams=10, unit="hours", currency="EUR",
                            unit_value=900.0)
        assert v.cost_per_unit is None and v.benefit is None and v.pays_back is None
        assert v.text.startswith("No value figure") and verdict in v.text


def test_no_value_figure_without_spend():
    v = value_statement(verdict=IMPROVED, estimate=-3.0, ci_low=-4.0, ci_high=-2.0,
                        spend=None, teams=10, unit="hours", currency="EUR")
    assert v.cost_per_unit is None and "spend" in v.text


def test_cost_per_unit_and_payback_hand_counted():
    # 10 teams, EUR 12,000 a month: EUR 1,200 per team. Change -3 h (-4 to -2):
    # 1,200 / 3 = 400 per hour; interval 1,200 / 4 = 300 to 1,200 / 2 = 600.
    # Benefit at EUR 900 per hour: 3 x 900 x 10 = 27,000 (18,000 to 36,000) > 12,000.
    v = value_statement(verdict=IMPROVED, estimate=-3.0, ci_low=-4.0, ci_high=-2.0,
                        spend=12_000.0, teams=10, unit="hours", currency="EUR",
                        unit_value=900.0)
    assert (v.cost_per_unit, v.cost_per_unit_low, v.cost_per_unit_high) == \
        pytest.approx((400.0, 300.0, 600.0))
    assert (v.benefit, v.benefit_low, v.benefit_high) == pytest.approx((27_000, 18_000, 36_000))
    assert v.pays_back is True
    assert "EUR 400 a month per team for each hour of change" in v.text
    assert "It pays back" in v.text


@pytest.mark.parametrize(("spend", "pays"), [(20_000.0, None), (40_000.0, False)])
def test_payback_interval_holding_or_below_the_spend(spend, pays):
    # benefit 27,000 (18,000 to 36,000): a spend of 20,000 lies inside, 40,000 above it
    v = value_statement(verdict=IMPROVED, estimate=-3.0, ci_low=-4.0, ci_high=-2.0,
                        spend=spend, teams=10, unit="hours", currency="EUR",
                        unit_value=900.0)
    assert v.pays_back is pays


def test_upward_kpi_and_no_unit_value():
    # CSAT up by 0.2 points (0.1 to 0.3), EUR 600 over 3 teams: 200 / 0.2 = 1,000 per point
    v = value_statement(verdict=IMPROVED, estimate=0.2, ci_low=0.1, ci_high=0.3,
                        spend=600.0, teams=3, unit="points", currency="EUR")
    assert v.cost_per_unit == pytest.approx(1000.0)
    assert (v.cost_per_unit_low, v.cost_per_unit_high) == pytest.approx((200 / 0.3, 2000.0))
    assert v.benefit is None and "No payback figure" in v.text
