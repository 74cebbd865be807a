"""Money by tool, team and period: spend, cost per active user and reclaimable spend.

Spend is seats and usage side by side: ``seat_spend`` (seats held), ``usage_spend`` (premium
requests, AI credits and ChatGPT credits beyond what the seats include, priced from
``[governance.usage_prices]``, see :mod:`adoption.governance.usage`) and ``spend``, both. Pass
``usage=load_usage_periods(...)`` for the usage part; without it spend is the seats' alone.

Spend is pro-rated by day within each calendar month (see :mod:`adoption.governance.data`);
the reclaimable amount is a *monthly* figure: the monthly cost of the seats that are idle or
held by leavers at the period's as-of date. Every amount goes through the privacy gate with
the count it is computed from (:mod:`adoption.governance.seats`): a team's spend with its
seats, a reclaimable amount with the seats held at the end, and the organisation's totals
over all tools with the seats of all tools, so that no amount gives a hidden count back.
"""

from __future__ import annotations

import pandas as pd

from adoption.governance.seats import BY_LEVELS, compute_seat_metrics, compute_seat_totals

__all__ = ["compute_cost_per_active_user", "compute_reclaimable_spend", "compute_spend",
           "summarise_spend"]

_SPEND = ["seat_spend", "usage_spend", "spend"]


def compute_spend(data: pd.DataFrame, *, headcounts: pd.DataFrame | None = None,
                  usage: pd.DataFrame | None = None, by: str = "team",
                  min_group_size: int = 5, confidence: float = 0.95) -> pd.DataFrame:
    """Seat spend and usage spend side by side, by tool and group, behind the privacy gate.

    Parameters
    ----------
    data : pandas.DataFrame
        The seat-period frame of :func:`adoption.governance.load_seat_periods`.
    usage : pandas.DataFrame, optional
        :func:`adoption.governance.load_usage_periods` of the same periods.
    headcounts, by, min_group_size, confidence
        As in :func:`adoption.governance.compute_seat_metrics`.

    Returns
    -------
    pandas.DataFrame
        Keys, ``tool, period, period_start, as_of, headcount, seats, usage_users,
        seat_spend, usage_spend, spend, suppressed, suppression_reason``. ``usage_spend`` is
        hidden with ``spend`` where fewer than ``min_group_size`` people have usage units of
        the tool in the group (``usage_users``): a seat cost is public, so the total would
        give the hidden usage back.
    """
    out = compute_seat_metrics(data, headcounts=headcounts, by=by, usage=usage,
                               min_group_size=min_group_size, confidence=confidence)
    return out[[*BY_LEVELS[by], "tool", "period", "period_start", "as_of", "headcount",
                "seats", "usage_users", *_SPEND, "suppressed", "suppression_reason"]]


def compute_cost_per_active_user(data: pd.DataFrame, *, headcounts: pd.DataFrame | None = None,
                                 by: str = "team", min_group_size: int = 5,
                                 confidence: float = 0.95,
                                 usage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Spend per seat holder who used the tool in the period, by tool and group.

    Parameters
    ----------
    data : pandas.DataFrame
        The seat-period frame of :func:`adoption.governance.load_seat_periods`.
    headcounts, by, min_group_size, confidence, usage
        As in :func:`adoption.governance.compute_seat_metrics`.

    Returns
    -------
    pandas.DataFrame
        Keys, ``tool, period, period_start, as_of, headcount, seats, active_seats,
        usage_users, seat_spend, usage_spend, spend`` (seats and usage), ``cost_per_active_user, cost_per_active_user_ci_low, cost_per_active_user_ci_high,
        suppressed, suppression_reason``. ``cost_per_active_user = spend / active_seats``; the
        interval is the Wilson interval of the utilisation carried over (``spend / (seats x
        bound)``), n = ``seats``. Usage without a seat costs no seat money and is not counted.
    """
    out = compute_seat_metrics(data, headcounts=headcounts, by=by, usage=usage,
                               min_group_size=min_group_size, confidence=confidence)
    cols = ["headcount", "seats", "active_seats", "usage_users", *_SPEND, "cost_per_active_user",
            "cost_per_active_user_ci_low", "cost_per_active_user_ci_high"]
    return out[[*BY_LEVELS[by], "tool", "period", "period_start", "as_of", *cols, "suppressed",
                "suppression_reason"]]


def compute_reclaimable_spend(data: pd.DataFrame, *, headcounts: pd.DataFrame | None = None,
                              by: str = "organisation", min_group_size: int = 5,
                              confidence: float = 0.95) -> pd.DataFrame:
    """Monthly spend that could be reclaimed: idle seats and leavers' seats x seat cost.

    Returns
    -------
    pandas.DataFrame
        Keys (none for the organisation, the default), ``tool, period, period_start, as_of,
        monthly_seat_cost, seats_at_end, idle_seats, leaver_seats, reclaimable_seats,
        monthly_cost_at_end, reclaimable_monthly_spend, reclaimable_share`` (of the monthly
        cost at the as-of date), ``suppressed, suppression_reason``.
    """
    out = compute_seat_metrics(data, headcounts=headcounts, by=by,
                               min_group_size=min_group_size, confidence=confidence)
    out = out.assign(reclaimable_share=out["reclaimable_monthly_spend"].astype(float)
                     / out["monthly_cost_at_end"].astype(float))
    cols = ["monthly_seat_cost", "seats_at_end", "idle_seats", "leaver_seats",
            "reclaimable_seats", "monthly_cost_at_end", "reclaimable_monthly_spend",
            "reclaimable_share"]
    return out[[*BY_LEVELS[by], "tool", "period", "period_start", "as_of", *cols, "suppressed",
                "suppression_reason"]]


def summarise_spend(data: pd.DataFrame, *, headcounts: pd.DataFrame | None = None,
                    period: str | None = None, min_group_size: int = 5,
                    usage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Organisation money totals per period over all tools, behind the privacy gate.

    Returns
    -------
    pandas.DataFrame
        One row per period: ``period, seat_spend, usage_spend, spend`` (both),
        ``monthly_cost_at_end, reclaimable_monthly_spend,
        leaver_monthly_spend, idle_monthly_spend`` (idle seats of people still employed),
        ``tools_without_cost`` (tools whose seat cost is unknown), ``suppressed,
        suppression_reason``. An amount is missing when fewer than ``min_group_size`` seats
        stand behind it (see :func:`adoption.governance.compute_seat_totals`).
    """
    d = data if period is None else data[data["period"].astype(str) == str(period)]
    if usage is not None and period is not None:
        usage = usage[usage["period"].astype(str) == str(period)]
    totals = compute_seat_totals(d, headcounts=headcounts, min_group_size=min_group_size,
                                 usage=usage)
    return totals[["period", *_SPEND, "monthly_cost_at_end", "reclaimable_monthly_spend",
                   "leaver_monthly_spend", "idle_monthly_spend", "tools_without_cost",
                   "suppressed", "suppression_reason"]].reset_index(drop=True)
