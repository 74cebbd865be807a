"""Money by tool, team and period: spend, cost per active user and reclaimable spend.

Spend is pro-rated by day within each calendar month (see :mod:`adoption.governance.data`);
the reclaimable amount is a *monthly* figure: the monthly cost of the seats that are idle or
held by leavers at the period's as-of date. Team figures are suppressed with the seat figures
(:func:`adoption.governance.seats.compute_seat_metrics`); organisation totals are always shown.
"""

from __future__ import annotations

import pandas as pd

from adoption.governance.seats import BY_LEVELS, compute_seat_metrics

__all__ = ["compute_cost_per_active_user", "compute_reclaimable_spend", "summarise_spend"]


def compute_cost_per_active_user(data: pd.DataFrame, *, by: str = "team", min_group_size: int = 5,
                                 confidence: float = 0.95) -> pd.DataFrame:
    """Spend per seat holder who used the tool in the period, by tool and group.

    Parameters
    ----------
    data : pandas.DataFrame
        The seat-period frame of :func:`adoption.governance.load_seat_periods`.
    by, min_group_size, confidence
        As in :func:`adoption.governance.compute_seat_metrics`.

    Returns
    -------
    pandas.DataFrame
        Keys, ``tool, period, period_start, as_of, seats, active_seats, spend,
        cost_per_active_user, cost_per_active_user_ci_low, cost_per_active_user_ci_high,
        suppressed, suppression_reason``. ``cost_per_active_user = spend / active_seats``; the
        interval is the Wilson interval of the utilisation carried over (``spend / (seats x
        bound)``), n = ``seats``. Usage without a seat costs no seat money and is not counted.
    """
    out = compute_seat_metrics(data, by=by, min_group_size=min_group_size, confidence=confidence)
    cols = ["seats", "active_seats", "spend", "cost_per_active_user",
            "cost_per_active_user_ci_low", "cost_per_active_user_ci_high"]
    return out[[*BY_LEVELS[by], "tool", "period", "period_start", "as_of", *cols, "suppressed",
                "suppression_reason"]]


def compute_reclaimable_spend(data: pd.DataFrame, *, by: str = "organisation",
                              min_group_size: int = 5, confidence: float = 0.95) -> pd.DataFrame:
    """Monthly spend that could be reclaimed: idle seats and leavers' seats x seat cost.

    Returns
    -------
    pandas.DataFrame
        Keys (none for the organisation, the default), ``tool, period, period_start, as_of,
        monthly_seat_cost, seats_at_end, idle_seats, leaver_seats, reclaimable_seats,
        monthly_cost_at_end, reclaimable_monthly_spend, reclaimable_share`` (of the monthly
        cost at the as-of date), ``suppressed, suppression_reason``.
    """
    out = compute_seat_metrics(data, by=by, min_group_size=min_group_size, confidence=confidence)
    out = out.assign(reclaimable_share=out["reclaimable_monthly_spend"].astype(float)
                     / out["monthly_cost_at_end"].astype(float))
    cols = ["monthly_seat_cost", "seats_at_end", "idle_seats", "leaver_seats",
            "reclaimable_seats", "monthly_cost_at_end", "reclaimable_monthly_spend",
            "reclaimable_share"]
    return out[[*BY_LEVELS[by], "tool", "period", "period_start", "as_of", *cols, "suppressed",
                "suppression_reason"]]


def summarise_spend(data: pd.DataFrame, *, period: str | None = None) -> pd.DataFrame:
    """Organisation money totals per period over all tools (no people figures, no suppression).

    Returns
    -------
    pandas.DataFrame
        One row per period: ``period, spend, monthly_cost_at_end, reclaimable_monthly_spend,
        leaver_monthly_spend, idle_monthly_spend`` (reclaimable minus leavers: idle seats of
        people still employed), ``tools_without_cost`` (tools whose seat cost is unknown).
    """
    d = data if period is None else data[data["period"].astype(str) == str(period)]
    cost = d["monthly_seat_cost"]
    frame = pd.DataFrame({
        "period": d["period"].astype(str),
        "spend": d["spend"],
        "monthly_cost_at_end": cost.where(d["held_at_end"], 0.0),
        "reclaimable_monthly_spend": cost.where(d["is_reclaimable"], 0.0),
        "leaver_monthly_spend": cost.where(d["is_leaver"], 0.0),
        "idle_monthly_spend": cost.where(d["is_idle"] & ~d["is_leaver"], 0.0),
        "no_cost": d["tool"].astype(str).where(cost.isna()),
    })
    g = frame.groupby("period", sort=True)
    out = g[["spend", "monthly_cost_at_end", "reclaimable_monthly_spend",
             "leaver_monthly_spend", "idle_monthly_spend"]].sum()
    out["tools_without_cost"] = g["no_cost"].nunique()
    return out.reset_index()
