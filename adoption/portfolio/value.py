"""What a use case's KPI change is worth against what its tools cost, only where it is shown.

A value figure is given only when the impact estimate is evidence of improvement; otherwise
:func:`value_statement` says why none is given. Two figures, each with the interval carried
over from the estimate's:

- **cost per unit of KPI change**: the month's seat spend per started team, divided by the
  change per team (e.g. "EUR 410 a month per team for each hour less resolution time");
- **payback**, where the register gives ``unit_value`` (what one unit of improvement is worth
  per team and month): the month's benefit (change x unit value x started teams) against the
  month's spend. It pays back when even the interval's least favourable end exceeds the spend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ValueStatement", "value_statement"]

IMPROVEMENT = "evidence of improvement"


@dataclass(frozen=True)
class ValueStatement:
    """The value figures of one use case's KPI (amounts per month, in ``currency``).

    Attributes
    ----------
    cost_per_unit, cost_per_unit_low, cost_per_unit_high : float or None
        Spend per started team and month for one unit of KPI change, with its interval.
    benefit, benefit_low, benefit_high : float or None
        The month's benefit from ``unit_value`` (None without one).
    spend : float or None
        The month's seat spend of the use case's tools in its shown teams.
    pays_back : bool or None
        True: the benefit's interval lies above the spend; False: below it; None: it holds
        the spend, or no benefit figure.
    text : str
        The statement in plain words (also when no figure is given: why).
    """

    cost_per_unit: float | None
    cost_per_unit_low: float | None
    cost_per_unit_high: float | None
    benefit: float | None
    benefit_low: float | None
    benefit_high: float | None
    spend: float | None
    pays_back: bool | None
    text: str


def _money(amount: float, currency: str) -> str:
    return f"{currency} {amount:,.0f}"


def _one(unit: str) -> str:
    """A unit for "each ... of change": ``hours`` -> ``hour`` (plural units as files give them)."""
    if not unit:
        return "unit"
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") and len(unit) > 2 else unit


def _none(text: str, spend: float | None = None) -> ValueStatement:
    return ValueStatement(None, None, None, None, None, None, spend, None, text)


def value_statement(*, verdict: str, estimate: float | None, ci_low: float | None,
                    ci_high: float | None, spend: float | None, teams: int, unit: str,
                    currency: str, unit_value: float | None = None) -> ValueStatement:
    """The value of a KPI change, or why no value figure is given.

    Parameters
    ----------
    verdict : str
        The impact verdict (:func:`adoption.stats.impact_verdict`).
    estimate, ci_low, ci_high : float or None
        The change per team and period, and its interval (KPI units).
    spend : float or None
        The month's seat spend of the use case's tools in its shown teams (None: unknown).
    teams : int
        Started teams the spend and the change are over.
    unit, currency : str
    unit_value : float, optional
        What one unit of improvement is worth per team and month.
    """
    if verdict != IMPROVEMENT:
        return _none(f"No value figure: the impact estimate does not show an improvement "
                     f"({verdict}).", spend)
    if spend is None or not math.isfinite(spend) or spend <= 0 or teams < 1:
        return _none("No value figure: the spend on the use case's tools in its teams is "
                     "not known (no seat costs, or hidden by the privacy threshold).", spend)
    size = [abs(x) for x in (estimate, ci_low, ci_high)]
    near, far = min(size[1], size[2]), max(size[1], size[2])
    per_team = spend / teams
    cpu = (per_team / size[0], per_team / far, per_team / near)
    unit_text = _one(unit)
    text = (f"Spend of {_money(spend, currency)} this month over {teams} team(s): "
            f"{_money(cpu[0], currency)} a month per team for each {unit_text} of change "
            f"({_money(cpu[1], currency)} to {_money(cpu[2], currency)}).")
    if unit_value is None or not math.isfinite(unit_value) or unit_value <= 0:
        return ValueStatement(*cpu, None, None, None, spend, None,
                              text + " No payback figure: the register gives no value per "
                              f"{unit_text} for this KPI (unit_value).")
    benefit = (size[0] * unit_value * teams, near * unit_value * teams,
               far * unit_value * teams)
    pays = True if benefit[1] > spend else False if benefit[2] < spend else None
    verdict_text = {True: "It pays back: even the interval's low end exceeds the spend.",
                    False: "It does not pay back: even the interval's high end is below the "
                           "spend.",
                    None: "It may or may not pay back: the interval holds the spend."}[pays]
    text += (f" Benefit at {_money(unit_value, currency)} per {unit_text}: "
             f"{_money(benefit[0], currency)} a month ({_money(benefit[1], currency)} to "
             f"{_money(benefit[2], currency)}) against {_money(spend, currency)} spend. "
             + verdict_text)
    return ValueStatement(*cpu, *benefit, spend, pays, text)
