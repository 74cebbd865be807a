"""Seat figures by tool, team and period: utilisation, idle seats and leavers still holding seats.

Every function takes the seat-period frame of :func:`adoption.governance.data.load_seat_periods`
(one row per seat holder x tool x period) and the roster headcounts of
:func:`adoption.governance.data.load_headcounts`, and returns a tidy frame per tool x group x
period, behind the privacy gate (:func:`adoption.privacy.suppress_small_groups`):

- **Group size: the roster headcount**, the same as in the adoption tables, so that a team
  hidden there is hidden here too (and its siblings with it, in the same pattern). Every team
  of the roster appears in each tool's table, with or without seats, so that complementary
  suppression picks the same siblings.
- **Figures over seats** (``seats``, ``active_seats``, ``unknown_seats``, utilisation, cost per
  active user and ``spend``) are hidden where fewer than ``min_group_size`` people hold a seat
  of the tool (and a sibling with them); **figures over the seats held at the as-of date**
  (``seats_at_end``, idle, leaver and reclaimable seats, the idle share and the monthly
  amounts) where fewer than ``min_group_size`` seats are held then. Money follows the count it
  is computed from: a seat cost times a hidden count would give the count back.
- **Across tools**: the organisation rows of the tools and their total over all tools
  (:func:`compute_seat_totals`) are protected the same way, so that a small tool's figures
  cannot be worked out as the total minus the other tools; a tool hidden there is hidden in
  every team row too.

Seat holders not in the roster count in the organisation rows only (they have no team).

Example::

    from adoption.governance import load_headcounts, load_seat_periods, compute_seat_utilisation
    sp = load_seat_periods(ws, period="2026-01")
    hc = load_headcounts(ws, period="2026-01")
    compute_seat_utilisation(sp, headcounts=hc, by="team",
                             min_group_size=ws.settings.min_group_size)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.governance.data import HEADCOUNT_COLUMNS, NOT_IN_ROSTER, SEAT_PERIOD_COLUMNS
from adoption.metrics.intervals import check_confidence, wilson_interval
from adoption.privacy import check_min_group_size, suppress_small_groups

__all__ = [
    "ALL_TOOLS",
    "FAMILIES",
    "BY_LEVELS",
    "SEAT_METRIC_COLUMNS",
    "compute_idle_seats",
    "compute_leavers_with_seats",
    "compute_seat_metrics",
    "compute_seat_totals",
    "compute_seat_utilisation",
    "protected_seat_levels",
    "seat_rows",
    "seat_totals",
]

#: Allowed values of ``by`` and their key columns.
BY_LEVELS: dict[str, list[str]] = {
    "team": ["department", "team"],
    "department": ["department"],
    "organisation": [],
}
#: The ``tool`` of the rows over all tools (:func:`compute_seat_totals`).
ALL_TOOLS = "(all tools)"
_SEAT_COUNTS = ["seats", "active_seats", "unknown_seats"]
_END_COUNTS = ["seats_at_end", "idle_seats", "leaver_seats", "reclaimable_seats"]
_COUNTS = [*_SEAT_COUNTS, *_END_COUNTS, "usage_users"]
_END_MONEY = ["monthly_cost_at_end", "reclaimable_monthly_spend", "leaver_monthly_spend",
              "idle_monthly_spend"]
_MONEY = ["seat_spend", "usage_spend", "spend", *_END_MONEY]
_UTIL = ["utilisation", "utilisation_ci_low", "utilisation_ci_high",
         "cost_per_active_user", "cost_per_active_user_ci_low", "cost_per_active_user_ci_high"]
_IDLE = ["idle_share", "idle_share_ci_low", "idle_share_ci_high"]
#: The figures over ``seats`` and over ``seats_at_end`` (hidden with their count).
FAMILIES: dict[str, list[str]] = {
    "seats": [*_SEAT_COUNTS, *_UTIL, "seat_spend", "spend"],
    "seats_at_end": [*_END_COUNTS, *_IDLE, *_END_MONEY],
    # usage spend (and the totals it is part of) with the people whose units it prices
    "usage_users": ["usage_users", "usage_spend", "spend", *_UTIL[3:]],
}
_VALUES = ["headcount", *_COUNTS, *_UTIL, *_IDLE, *_MONEY]
#: Output columns after the keys, ``tool`` and ``period``.
SEAT_METRIC_COLUMNS = [
    "period_start", "as_of", "category", "is_sanctioned", "monthly_seat_cost", "headcount",
    *_COUNTS, *_UTIL, *_IDLE, *_MONEY, "suppressed", "suppression_reason",
]
_KEYS = ["period", "tool", "department", "team"]


def _check(data: pd.DataFrame, headcounts: pd.DataFrame | None, by: str, min_group_size: int,
           confidence: float, where: str) -> list[str]:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{where}: data must be the seat-period DataFrame of load_seat_periods; "
                         f"found {type(data).__name__!r}.")
    missing = [c for c in SEAT_PERIOD_COLUMNS if c not in data.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing!r} not found in data. Pass the frame of "
            "adoption.governance.load_seat_periods(workspace), which has them.")
    if not isinstance(headcounts, pd.DataFrame):
        raise InputError(
            f"{where}: headcounts must be the roster headcounts of the same periods; found "
            f"{type(headcounts).__name__!r}. Pass headcounts=adoption.governance."
            "load_headcounts(workspace, period_kind=...), so that teams are hidden as in the "
            "adoption tables.")
    missing = [c for c in HEADCOUNT_COLUMNS if c not in headcounts.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing!r} not found in headcounts. Pass the frame of "
            "adoption.governance.load_headcounts(workspace), which has them.")
    if by not in BY_LEVELS:
        raise InputError(f"{where}: by is {by!r}; allowed: {list(BY_LEVELS)!r}. Use e.g. "
                         "by='team'.")
    check_min_group_size(min_group_size, where=where)
    check_confidence(confidence, where=where)
    return BY_LEVELS[by]


def _cost_if(data: pd.DataFrame, flag: np.ndarray) -> np.ndarray:
    """Monthly seat cost where ``flag``, 0 where not, NaN where the cost is unknown."""
    cost = data["monthly_seat_cost"].to_numpy(float)
    return np.where(np.isnan(cost), np.nan, np.where(flag, cost, 0.0))


def _per_seat(data: pd.DataFrame) -> pd.DataFrame:
    """One row per seat with its counts (0/1) and money, keys as text."""
    end = data["held_at_end"].to_numpy(bool)
    idle_only = data["is_idle"].to_numpy(bool) & ~data["is_leaver"].to_numpy(bool)
    return pd.DataFrame({
        "period": data["period"].astype(str), "tool": data["tool"].astype(str),
        "department": data["department"].astype(str), "team": data["team"].astype(str),
        "seats": 1, "active_seats": data["is_active"].astype(int),
        "unknown_seats": data["is_unknown"].astype(int), "seats_at_end": end.astype(int),
        "idle_seats": data["is_idle"].astype(int), "leaver_seats": data["is_leaver"].astype(int),
        "reclaimable_seats": data["is_reclaimable"].astype(int),
        "seat_spend": data["spend"].astype(float), "usage_users": 0, "usage_spend": np.nan,
        "spend": data["spend"].astype(float),
        "monthly_cost_at_end": _cost_if(data, end),
        "reclaimable_monthly_spend": _cost_if(data, data["is_reclaimable"].to_numpy(bool)),
        "leaver_monthly_spend": _cost_if(data, data["is_leaver"].to_numpy(bool)),
        "idle_monthly_spend": _cost_if(data, idle_only),
    })


def _per_user(usage: pd.DataFrame | None) -> pd.DataFrame:
    """One row per person x tool x period of usage units (:func:`load_usage_periods`), with
    their usage spend (missing where unpriced), counted in ``usage_users``."""
    if usage is None or usage.empty:
        return pd.DataFrame(columns=[*_KEYS, *_COUNTS, *_MONEY])
    u = usage.assign(**{k: usage[k].astype(str) for k in _KEYS})
    out = u.groupby([*_KEYS, "person_id"], sort=False)["usage_spend"].sum(
        min_count=1).reset_index().drop(columns="person_id")
    return out.assign(**{c: 0 for c in _COUNTS if c != "usage_users"}, usage_users=1,
                      **{c: np.nan for c in _MONEY if c not in ("usage_spend", "spend")},
                      spend=out["usage_spend"])


def _sum(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = frame.groupby(keys, sort=True, dropna=False)
    out = pd.concat([g[["headcount", *_COUNTS]].sum(), g[_MONEY].sum(min_count=1)], axis=1)
    return out.reset_index()


def _levels(data: pd.DataFrame, headcounts: pd.DataFrame,
            usage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sums per tool x period at team, department and organisation level, and over all tools
    (organisation: department and team missing; over all tools: tool missing too)."""
    users = _per_user(usage)
    seat = (pd.concat([_per_seat(data), users], ignore_index=True) if len(users)
            else _per_seat(data)).assign(headcount=0)
    in_roster = seat["department"] != NOT_IN_ROSTER
    hc = pd.DataFrame({c: headcounts[c].astype(str) for c in ("period", "department", "team")})
    hc["headcount"] = headcounts["headcount"].astype("int64")
    hc = hc[hc["period"].isin(seat["period"].unique())]
    # every roster team in every tool's table (and teams of holders who left before it)
    grid = hc.merge(seat[["period", "tool"]].drop_duplicates(), on="period")
    grid = pd.concat([grid, seat.loc[in_roster, _KEYS].drop_duplicates().assign(headcount=0)])
    team = _sum(pd.concat([grid.assign(**{c: 0 for c in _COUNTS}, **{c: np.nan for c in _MONEY}),
                           seat[in_roster]]), _KEYS)
    dept = _sum(team, ["period", "tool", "department"]).assign(team=np.nan)
    org = _sum(seat, ["period", "tool"]).assign(department=np.nan, team=np.nan)
    org_heads = hc.groupby("period")["headcount"].sum()
    org["headcount"] = org["period"].map(org_heads).fillna(0).astype("int64")
    total = _sum(org, ["period"]).assign(tool=np.nan, department=np.nan, team=np.nan)
    total["headcount"] = total["period"].map(org_heads).fillna(0).astype("int64")
    table = pd.concat([team, dept, org, total], ignore_index=True)
    firsts = data.assign(period=data["period"].astype(str)).groupby("period")[
        ["period_start", "as_of"]].first()
    if usage is not None and len(usage):  # periods with usage only: start and as-of of it
        extra = usage.assign(period=usage["period"].astype(str), as_of=usage["period_end"]
                             ).groupby("period")[["period_start", "as_of"]].first()
        firsts = firsts.combine_first(extra)
    table = table.join(firsts, on="period")
    facts = data.assign(tool=data["tool"].astype(str)).groupby("tool")[
        ["category", "is_sanctioned", "monthly_seat_cost"]].first()
    return table.join(facts, on="tool")


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
    for col in ["headcount", *_COUNTS]:
        t[col] = pd.array(t[col].astype(np.int64), dtype="Int64")
    return t


def _protect(table: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """The privacy gate over every level of :func:`_levels` (see the module docstring)."""
    total = table["tool"].isna().to_numpy()
    teams = suppress_small_groups(
        table[~total], hierarchy=("department", "team"), size="headcount",
        within=("period", "tool"), value_columns=_VALUES, denominators=FAMILIES,
        min_group_size=min_group_size)
    org = table["department"].isna().to_numpy()
    tools = suppress_small_groups(  # the tools' organisation rows under their total
        table[org], hierarchy=("tool",), size="headcount", within=("period",),
        value_columns=[], denominators=FAMILIES, min_group_size=min_group_size)
    out = pd.concat([teams, tools[tools["tool"].isna()]]).loc[table.index]
    org_tools = tools[tools["tool"].notna()]
    for size, cols in FAMILIES.items():
        hit = org_tools[size].isna() & table.loc[org_tools.index, size].notna()
        hidden = set(zip(org_tools.loc[hit, "period"], org_tools.loc[hit, "tool"], strict=True))
        if not hidden:
            continue
        rows = pd.Series(list(zip(out["period"], out["tool"], strict=True)),
                         index=out.index).isin(hidden) & ~total
        newly = rows & out[size].notna()
        for col in cols:
            out[col] = out[col].mask(rows)
        why = (f"figures over {size.replace('_', ' ')} hidden so that a smaller tool cannot "
               "be worked out from the total over all tools")
        reasons = out["suppression_reason"].astype(object)
        joined = reasons.fillna("").astype(str) + "; " + why
        out["suppression_reason"] = reasons.where(
            ~newly, joined.where(reasons.notna(), why))
    if total.any():  # over all tools: hidden entirely where the organisation is too small
        small = out["suppressed"].to_numpy() & org & ~total
        for period in out.loc[small, "period"].unique():
            at = total & (out["period"] == period).to_numpy()
            out.loc[at, _VALUES] = np.nan
            out.loc[at, "suppressed"] = True
    return out
def protected_seat_levels(data: pd.DataFrame, headcounts: pd.DataFrame, *,
                          min_group_size: int, confidence: float,
                          usage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every level of the seat figures (teams, departments, the organisation per tool and
    over all tools, whose ``tool`` is missing), behind the privacy gate. Used by the views
    below and by :mod:`adoption.governance.overlaps` to hide consistently. ``usage``: the
    usage spend of the same periods (:func:`adoption.governance.load_usage_periods`)."""
    table = _rates(_levels(data, headcounts, usage), confidence)
    return _protect(table, min_group_size)


def compute_seat_metrics(
    data: pd.DataFrame,
    *,
    headcounts: pd.DataFrame | None = None,
    by: str = "team",
    min_group_size: int = 5,
    confidence: float = 0.95,
    usage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every seat figure per tool x group x period, behind the privacy gate.

    Parameters
    ----------
    data : pandas.DataFrame
        The seat-period frame of :func:`adoption.governance.load_seat_periods`. Not modified.
    headcounts : pandas.DataFrame
        Roster headcounts of the same periods (:func:`adoption.governance.load_headcounts`):
        the group sizes, as in the adoption tables. Required.
    by : {"team", "department", "organisation"}, default "team"
    min_group_size : int, default 5
        Smallest group shown: people in the roster group, and people holding a seat of the
        tool for the figures over seats (see the module docstring).
    confidence : float, default 0.95
    usage : pandas.DataFrame, optional
        Usage spend of the same periods (:func:`adoption.governance.load_usage_periods`):
        added beside the seat spend. Without it ``usage_spend`` is missing and ``spend`` is
        the seat spend.

    Returns
    -------
    pandas.DataFrame
        One row per group x tool x period (teams without a seat of the tool are left out
        unless hidden), keys ``department, team`` (as ``by`` says), then ``tool, period,
        period_start, as_of, category, is_sanctioned, monthly_seat_cost``, ``headcount`` (the
        group's roster headcount), and:

        - ``seats`` (Int64): people holding a seat of the tool on any day of the period (n of
          the utilisation); ``active_seats``: of them, those who used the tool in the period;
          ``unknown_seats``: those whose only use is a window straddling the period's edge
          (not counted active: utilisation is then a lower bound).
        - ``seats_at_end``: seats held at the as-of date (n of the idle share);
          ``idle_seats``, ``leaver_seats``, ``reclaimable_seats`` (idle or leaver).
        - ``utilisation``, ``utilisation_ci_low``, ``utilisation_ci_high``: ``active_seats /
          seats`` with its Wilson interval.
        - ``cost_per_active_user`` (+ ``_ci_low``, ``_ci_high``): ``spend / active_seats``; the
          interval is ``spend / (seats x utilisation bound)``, the utilisation interval carried
          over (spend is known; only how many use it is uncertain).
        - ``idle_share`` (+ interval): ``idle_seats / seats_at_end``, Wilson.
        - ``usage_users``: people with usage units of the tool in the period (the count
          behind ``usage_spend``, hidden below ``min_group_size`` with it and with ``spend``
          and the cost per active user).
        - ``seat_spend``: pro-rated seat spend in the period; ``usage_spend``: usage charges
          beyond the seats' allowance (:mod:`adoption.governance.usage`); ``spend``: both
          (the known parts); ``monthly_cost_at_end``: monthly cost of the
          seats held at the as-of date; ``reclaimable_monthly_spend``: of the reclaimable
          seats; ``leaver_monthly_spend``: of the leavers' seats; ``idle_monthly_spend``: of
          the idle seats of people still employed. Missing when no seat has a known cost.
        - ``suppressed``, ``suppression_reason``: see :func:`adoption.privacy.suppress_small_groups`
          (size = ``headcount``; the figures over seats and over seats at the end hidden with
          their own count, see the module docstring).
    """
    _check(data, headcounts, by, min_group_size, confidence, "compute_seat_metrics")
    if data.empty and (usage is None or usage.empty):
        return pd.DataFrame(columns=[*BY_LEVELS[by], "tool", "period", *SEAT_METRIC_COLUMNS])
    levels = protected_seat_levels(data, headcounts, min_group_size=min_group_size,
                                   confidence=confidence, usage=usage)
    return seat_rows(levels, by=by)


def seat_rows(levels: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """The rows of one level (per tool) of :func:`protected_seat_levels`, as
    :func:`compute_seat_metrics` returns them (for callers that need several levels)."""
    keys = BY_LEVELS[by]
    columns = [*keys, "tool", "period", *SEAT_METRIC_COLUMNS]
    depth = levels[["department", "team"]].notna().sum(axis=1)
    # a published group without a seat of the tool says nothing: left out
    empty = (~levels["suppressed"] & levels["seats"].eq(0).fillna(False)
             & levels["usage_users"].eq(0).fillna(False))
    out = levels.loc[(depth == len(keys)) & levels["tool"].notna() & ~empty, columns]
    return out.sort_values([*keys, "tool", "period_start"], kind="stable").reset_index(drop=True)


def compute_seat_totals(
    data: pd.DataFrame,
    *,
    headcounts: pd.DataFrame | None = None,
    min_group_size: int = 5,
    confidence: float = 0.95,
    usage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The organisation's seat figures over all tools, per period, behind the privacy gate.

    Returns
    -------
    pandas.DataFrame
        One row per period: ``period`` and :data:`SEAT_METRIC_COLUMNS` without the tool facts
        (``category, is_sanctioned, monthly_seat_cost``), plus ``tools`` (tools with seats)
        and ``tools_without_cost`` (of them, tools whose seat cost is unknown: their seats count
        in the seat figures but not in the money). A figure is hidden when fewer than
        ``min_group_size`` seats stand behind it.
    """
    _check(data, headcounts, "organisation", min_group_size, confidence, "compute_seat_totals")
    if data.empty and (usage is None or usage.empty):
        return pd.DataFrame(columns=[*_TOTAL_COLUMNS, "tools", "tools_without_cost"])
    levels = protected_seat_levels(data, headcounts, min_group_size=min_group_size,
                                   confidence=confidence, usage=usage)
    return seat_totals(levels, data)


_TOTAL_COLUMNS = ["period", *[c for c in SEAT_METRIC_COLUMNS
                              if c not in ("category", "is_sanctioned", "monthly_seat_cost")]]


def seat_totals(levels: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """The rows over all tools of :func:`protected_seat_levels` of ``data``, as
    :func:`compute_seat_totals` returns them."""
    out = levels.loc[levels["tool"].isna(), _TOTAL_COLUMNS]
    d = data.assign(period=data["period"].astype(str), tool=data["tool"].astype(str))
    g = d.groupby("period")
    out = out.join(g["tool"].nunique().rename("tools"), on="period").join(
        d[d["monthly_seat_cost"].isna()].groupby("period")["tool"].nunique()
        .rename("tools_without_cost"), on="period")
    out["tools_without_cost"] = out["tools_without_cost"].fillna(0).astype("int64")
    return out.sort_values("period_start", kind="stable").reset_index(drop=True)


def _view(data: pd.DataFrame, headcounts: pd.DataFrame | None, columns: list[str], *, by: str,
          min_group_size: int, confidence: float) -> pd.DataFrame:
    out = compute_seat_metrics(data, headcounts=headcounts, by=by,
                               min_group_size=min_group_size, confidence=confidence)
    keys = BY_LEVELS[by]
    return out[[*keys, "tool", "period", "period_start", "as_of", "headcount", *columns,
                "suppressed", "suppression_reason"]]


def compute_seat_utilisation(data: pd.DataFrame, *, headcounts: pd.DataFrame | None = None,
                             by: str = "team", min_group_size: int = 5,
                             confidence: float = 0.95) -> pd.DataFrame:
    """Seat utilisation (seat holders who used the tool / seat holders) with Wilson interval.

    Columns: keys, ``tool, period, period_start, as_of, headcount, seats, active_seats,
    unknown_seats, utilisation, utilisation_ci_low, utilisation_ci_high, suppressed,
    suppression_reason``. See :func:`compute_seat_metrics` for the definitions.
    """
    return _view(data, headcounts, [*_SEAT_COUNTS, *_UTIL[:3]], by=by,
                 min_group_size=min_group_size, confidence=confidence)


def compute_idle_seats(data: pd.DataFrame, *, headcounts: pd.DataFrame | None = None,
                       by: str = "team", min_group_size: int = 5,
                       confidence: float = 0.95) -> pd.DataFrame:
    """Idle seats at the as-of date (no use in ``idle_days`` days) and their share and cost.

    Columns: keys, ``tool, period, period_start, as_of, headcount, seats_at_end, idle_seats,
    idle_share, idle_share_ci_low, idle_share_ci_high, monthly_seat_cost, suppressed,
    suppression_reason``. ``idle_days`` is chosen when loading the seat periods.
    """
    return _view(data, headcounts, ["seats_at_end", "idle_seats", *_IDLE, "monthly_seat_cost"],
                 by=by, min_group_size=min_group_size, confidence=confidence)


def compute_leavers_with_seats(data: pd.DataFrame, *, headcounts: pd.DataFrame | None = None,
                               by: str = "team", min_group_size: int = 5,
                               confidence: float = 0.95) -> pd.DataFrame:
    """Seats still held at the as-of date by people whose employment ended before it.

    Columns: keys, ``tool, period, period_start, as_of, headcount, seats_at_end, leaver_seats,
    leaver_monthly_spend, suppressed, suppression_reason``.
    """
    return _view(data, headcounts, ["seats_at_end", "leaver_seats", "leaver_monthly_spend"],
                 by=by, min_group_size=min_group_size, confidence=confidence)
