"""Seat figures by tool, team and period: utilisation, idle seats and leavers still holding seats.

Every function takes the seat-period frame of :func:`adoption.governance.data.load_seat_periods`
(one row per seat holder x tool x period) and returns a tidy frame per tool x group x period.
Team and department rows go through :func:`adoption.privacy.suppress_small_groups` with the
number of seat holders of the tool as the group size (within each period and tool), so a team
with fewer than ``min_group_size`` holders of a tool shows no figure for that tool, and a
sibling is hidden with it where needed. Money totals of the organisation row are always shown.

Example::

    from adoption.governance import load_seat_periods, compute_seat_utilisation
    sp = load_seat_periods(ws, period="2026-01")
    compute_seat_utilisation(sp, by="team", min_group_size=ws.settings.min_group_size)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.governance.data import SEAT_PERIOD_COLUMNS
from adoption.metrics.intervals import check_confidence, wilson_interval
from adoption.privacy import check_min_group_size, suppress_small_groups

__all__ = [
    "BY_LEVELS",
    "SEAT_METRIC_COLUMNS",
    "compute_idle_seats",
    "compute_leavers_with_seats",
    "compute_seat_metrics",
    "compute_seat_utilisation",
]

#: Allowed values of ``by`` and their key columns.
BY_LEVELS: dict[str, list[str]] = {
    "team": ["department", "team"],
    "department": ["department"],
    "organisation": [],
}
_COUNTS = ["seats", "active_seats", "seats_at_end", "idle_seats", "leaver_seats",
           "reclaimable_seats"]
_MONEY = ["spend", "monthly_cost_at_end", "reclaimable_monthly_spend", "leaver_monthly_spend"]
_UTIL = ["utilisation", "utilisation_ci_low", "utilisation_ci_high",
         "cost_per_active_user", "cost_per_active_user_ci_low", "cost_per_active_user_ci_high"]
_IDLE = ["idle_share", "idle_share_ci_low", "idle_share_ci_high"]
#: Output columns after the keys, ``tool`` and ``period``.
SEAT_METRIC_COLUMNS = [
    "period_start", "as_of", "category", "is_sanctioned", "monthly_seat_cost", *_COUNTS,
    *_UTIL, *_IDLE, *_MONEY, "suppressed", "suppression_reason",
]


def _check(data: pd.DataFrame, by: str, min_group_size: int, confidence: float,
           where: str) -> list[str]:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{where}: data must be the seat-period DataFrame of load_seat_periods; "
                         f"found {type(data).__name__!r}.")
    missing = [c for c in SEAT_PERIOD_COLUMNS if c not in data.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing!r} not found in data. Pass the frame of "
            "adoption.governance.load_seat_periods(workspace), which has them.")
    if by not in BY_LEVELS:
        raise InputError(f"{where}: by is {by!r}; allowed: {list(BY_LEVELS)!r}. Use e.g. "
                         "by='team'.")
    check_min_group_size(min_group_size, where=where)
    check_confidence(confidence, where=where)
    return BY_LEVELS[by]


def _cost_if(data: pd.DataFrame, flag: str) -> np.ndarray:
    """Monthly seat cost where ``flag``, 0 where not, NaN where the cost is unknown."""
    cost = data["monthly_seat_cost"].to_numpy(float)
    return np.where(np.isnan(cost), np.nan, np.where(data[flag].to_numpy(bool), cost, 0.0))


def _levels(data: pd.DataFrame) -> pd.DataFrame:
    """Sums per tool x period at team, department and organisation level (org: keys missing)."""
    d = data.assign(
        seats=1, active_seats=data["is_active"].astype(int),
        seats_at_end=data["held_at_end"].astype(int), idle_seats=data["is_idle"].astype(int),
        leaver_seats=data["is_leaver"].astype(int),
        reclaimable_seats=data["is_reclaimable"].astype(int),
        monthly_cost_at_end=_cost_if(data, "held_at_end"),
        reclaimable_monthly_spend=_cost_if(data, "is_reclaimable"),
        leaver_monthly_spend=_cost_if(data, "is_leaver"),
        department=data["department"].astype(str), team=data["team"].astype(str),
        period=data["period"].astype(str), tool=data["tool"].astype(str),
    )
    tool_keys = ["period", "tool"]
    frames = []
    for keys in (["department", "team"], ["department"], []):
        g = d.groupby([*tool_keys, *keys], sort=True, dropna=False)
        counts = g[_COUNTS].sum()
        money = g[_MONEY].sum(min_count=1)
        first = g[["period_start", "as_of"]].first()
        frames.append(pd.concat([first, counts, money], axis=1).reset_index())
    table = pd.concat(frames, ignore_index=True)
    facts = d.groupby("tool")[["category", "is_sanctioned", "monthly_seat_cost"]].first()
    table = table.join(facts, on="tool")
    return table


def _rates(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    t = table.copy()
    seats = t["seats"].to_numpy(float)
    active = t["active_seats"].to_numpy(float)
    at_end = t["seats_at_end"].to_numpy(float)
    idle = t["idle_seats"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t["utilisation"] = np.where(seats > 0, active / seats, np.nan)
        lo, hi = wilson_interval(active, seats, confidence=confidence)
        t["utilisation_ci_low"], t["utilisation_ci_high"] = lo, hi
        spend = t["spend"].to_numpy(float)
        # cost per active user = cost per seat / utilisation: the utilisation interval, mapped
        t["cost_per_active_user"] = np.where(active > 0, spend / active, np.nan)
        t["cost_per_active_user_ci_low"] = np.where(active > 0, spend / (seats * hi), np.nan)
        t["cost_per_active_user_ci_high"] = np.where(active > 0, spend / (seats * lo), np.nan)
        t["idle_share"] = np.where(at_end > 0, idle / at_end, np.nan)
        t["idle_share_ci_low"], t["idle_share_ci_high"] = wilson_interval(
            idle, at_end, confidence=confidence)
    for col in _COUNTS:
        t[col] = pd.array(t[col].astype(np.int64), dtype="Int64")
    return t


def compute_seat_metrics(
    data: pd.DataFrame,
    *,
    by: str = "team",
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Every seat figure per tool x group x period, suppressed for small groups.

    Parameters
    ----------
    data : pandas.DataFrame
        The seat-period frame of :func:`adoption.governance.load_seat_periods`. Not modified.
    by : {"team", "department", "organisation"}, default "team"
    min_group_size : int, default 5
        Smallest number of seat holders of a tool for which a group's figures are shown.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group x tool x period, keys ``department, team`` (as ``by`` says), then
        ``tool, period, period_start, as_of, category, is_sanctioned, monthly_seat_cost``, and:

        - ``seats`` (Int64): people holding a seat of the tool on any day of the period (n of
          the utilisation); ``active_seats``: of them, those who used the tool in the period.
        - ``seats_at_end``: seats held at the as-of date (n of the idle share);
          ``idle_seats``, ``leaver_seats``, ``reclaimable_seats`` (idle or leaver).
        - ``utilisation``, ``utilisation_ci_low``, ``utilisation_ci_high``: ``active_seats /
          seats`` with its Wilson interval.
        - ``cost_per_active_user`` (+ ``_ci_low``, ``_ci_high``): ``spend / active_seats``; the
          interval is ``spend / (seats x utilisation bound)``, the utilisation interval carried
          over (spend is known; only how many use it is uncertain).
        - ``idle_share`` (+ interval): ``idle_seats / seats_at_end``, Wilson.
        - ``spend``: pro-rated spend in the period; ``monthly_cost_at_end``: monthly cost of the
          seats held at the as-of date; ``reclaimable_monthly_spend``: monthly cost of the
          reclaimable seats; ``leaver_monthly_spend``: of the leavers' seats. Missing when no
          seat has a known cost.
        - ``suppressed``, ``suppression_reason``: see :func:`adoption.privacy.suppress_small_groups`
          (size = ``seats``; idle figures also over ``seats_at_end``). The organisation row
          keeps its money totals even when its counts are hidden.
    """
    keys = _check(data, by, min_group_size, confidence, "compute_seat_metrics")
    columns = [*BY_LEVELS["team"], "tool", "period", *SEAT_METRIC_COLUMNS]
    if data.empty:
        return pd.DataFrame(columns=[*keys, *columns[2:]])
    table = _rates(_levels(data), confidence)
    table.loc[table["department"].isna(), "team"] = np.nan
    protected = suppress_small_groups(
        table, hierarchy=("department", "team"), size="seats", within=("period", "tool"),
        value_columns=[*_COUNTS, *_UTIL, *_IDLE, *_MONEY],
        denominators={"seats_at_end": _IDLE}, min_group_size=min_group_size,
    )
    org = protected["department"].isna()
    for col in _MONEY:  # money totals at organisation level are shown whatever the counts
        protected.loc[org, col] = table.loc[org, col]
    depth = protected[["department", "team"]].notna().sum(axis=1)
    out = protected.loc[depth == len(keys), [*keys, *columns[2:]]]
    return out.sort_values([*keys, "tool", "period_start"], kind="stable").reset_index(drop=True)


def _view(data: pd.DataFrame, columns: list[str], *, by: str, min_group_size: int,
          confidence: float) -> pd.DataFrame:
    out = compute_seat_metrics(data, by=by, min_group_size=min_group_size, confidence=confidence)
    keys = BY_LEVELS[by]
    return out[[*keys, "tool", "period", "period_start", "as_of", *columns, "suppressed",
                "suppression_reason"]]


def compute_seat_utilisation(data: pd.DataFrame, *, by: str = "team", min_group_size: int = 5,
                             confidence: float = 0.95) -> pd.DataFrame:
    """Seat utilisation (seat holders who used the tool / seat holders) with Wilson interval.

    Columns: keys, ``tool, period, period_start, as_of, seats, active_seats, utilisation,
    utilisation_ci_low, utilisation_ci_high, suppressed, suppression_reason``. See
    :func:`compute_seat_metrics` for the definitions.
    """
    return _view(data, ["seats", "active_seats", *_UTIL[:3]], by=by,
                 min_group_size=min_group_size, confidence=confidence)


def compute_idle_seats(data: pd.DataFrame, *, by: str = "team", min_group_size: int = 5,
                       confidence: float = 0.95) -> pd.DataFrame:
    """Idle seats at the as-of date (no use in ``idle_days`` days) and their share and cost.

    Columns: keys, ``tool, period, period_start, as_of, seats_at_end, idle_seats, idle_share,
    idle_share_ci_low, idle_share_ci_high, monthly_seat_cost, suppressed,
    suppression_reason``. ``idle_days`` is chosen when loading the seat periods.
    """
    return _view(data, ["seats_at_end", "idle_seats", *_IDLE, "monthly_seat_cost"], by=by,
                 min_group_size=min_group_size, confidence=confidence)


def compute_leavers_with_seats(data: pd.DataFrame, *, by: str = "team", min_group_size: int = 5,
                               confidence: float = 0.95) -> pd.DataFrame:
    """Seats still held at the as-of date by people whose employment ended before it.

    Columns: keys, ``tool, period, period_start, as_of, seats_at_end, leaver_seats,
    leaver_monthly_spend, suppressed, suppression_reason``.
    """
    return _view(data, ["seats_at_end", "leaver_seats", "leaver_monthly_spend"], by=by,
                 min_group_size=min_group_size, confidence=confidence)
