"""Usage-based spend: premium requests, AI credits and ChatGPT credits beyond what seats include.

Units come from the canonical ``person_unit_days`` (people resolved through the identity map;
one source per person, tool, unit and day, see :mod:`adoption.canonical.build`), prices from
``[governance.usage_prices]`` of ``adoption.toml`` (:mod:`adoption.governance.config`), in
the workspace currency.

**Whose allowance units draw on follows the vendor's rule** (``pooling`` per tool and unit in
``[governance.usage_prices]``; defaults in :data:`adoption.governance.config.DEFAULT_POOLING`),
calendar month by calendar month (both vendors reset on the 1st at 00:00 UTC):

- ``"person"`` (default for ``premium_request``): GitHub gives each licensed user a fixed number
  of premium requests per month, counted per user ("GitHub Copilot premium requests",
  https://docs.github.com/en/billing/concepts/product-billing/github-copilot-premium-requests):
  one user's unused requests do not cover another's. For every person, tool, unit and month::

      included    = included_per_seat   if the person held a seat of the tool on any day of
                                        the month (the seats export), else 0
      billable    = max(0, units of the month - included)

- ``"organisation"`` (default for ``ai_credit`` and ``chatgpt_credit``): GitHub's AI credits
  of Copilot Business and Enterprise are "pooled at the billing entity level"; licences added
  during the month enlarge the pool, licences removed shrink it only the next month
  ("Usage-based billing for organizations and enterprises",
  https://docs.github.com/en/copilot/concepts/billing-and-usage/organizations-and-enterprises/billing);
  ChatGPT Enterprise credits are budgeted at the workspace. The workspace is taken as one
  billing entity::

      pool        = included_per_seat x people holding a seat of the tool on any day of the
                    month
      billable    = max(0, everyone's units of the month - pool)

  and the billable units go to whoever consumed them once the pool ran dry: the units of the
  days after it, and on the day it ran dry the part beyond the pool, shared in proportion to
  that day's units.

``usage_spend = billable x price``. Within the month the allowance is used up first: the
billable units of a day are those that take the month's running total beyond it, so a week or
the month so far (the budgets' run rate, :mod:`adoption.governance.budgets`) gets the charges
that fell in it.
Units of a tool and unit without a price cannot be turned into money: by default they are
left out with their quantity listed (:func:`unpriced_usage`); ``missing_prices="raise"``
raises an :class:`~adoption.errors.InputError` saying what to add to ``adoption.toml``.

Team and department: the person's team in the period (the roster's ``population``, as for
seats); people in no roster are in ``"(not in roster)"``, counted in the organisation only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from adoption.canonical import check_canonical
from adoption.canonical.marts import sql_literal
from adoption.errors import InputError
from adoption.governance.config import GovernanceSettings, governance_settings
from adoption.governance.data import NOT_IN_ROSTER, has_table, nearest_team_sql
from adoption.periods import PERIOD_KINDS, parse_period
from adoption.workspace import open_store

__all__ = [
    "UNIT_DAY_COLUMNS",
    "USAGE_PERIOD_COLUMNS",
    "check_usage_prices",
    "load_unit_days",
    "load_usage_periods",
    "unpriced_usage",
]

#: Columns of :func:`load_unit_days`.
UNIT_DAY_COLUMNS = ["person_id", "tool", "unit", "day", "month_start", "quantity",
                    "has_seat", "pooling", "included", "billable", "price", "usage_spend"]
#: Columns of :func:`load_usage_periods`.
USAGE_PERIOD_COLUMNS = ["period", "period_start", "period_end", "person_id", "department",
                        "team", "tool", "unit", "quantity", "included", "billable", "price",
                        "usage_spend"]
_MISSING = ("skip", "raise")


def load_unit_days(source: Any, *, settings: GovernanceSettings | None = None,
                   start: Any = None, end: Any = None) -> pd.DataFrame:
    """Billable units and their price per person, tool, unit and day (person-level: restricted).

    Parameters
    ----------
    source : Store, Workspace or path
    settings : GovernanceSettings, optional
        Default: read from the workspace's ``adoption.toml``.
    start, end : date-like, optional
        Only the days from ``start`` to ``end`` (inclusive); whole calendar months are read
        around them so that the allowance is used up in the right order.

    Returns
    -------
    pandas.DataFrame
        :data:`UNIT_DAY_COLUMNS`: ``quantity`` (units that day), ``has_seat`` (a seat of the
        tool on any day of the month), ``pooling`` (``"person"`` or ``"organisation"``),
        ``included`` (the month's allowance: the person's, or the organisation's pool),
        ``billable`` (the day's units beyond the allowance, see the module docstring),
        ``price`` (NaN: none configured), ``usage_spend`` (``billable x price``).
    """
    with open_store(source) as store:
        gov = settings or governance_settings(store)
        check_canonical(store)
        if not has_table(store.con, "person_unit_days"):
            return pd.DataFrame(columns=UNIT_DAY_COLUMNS)
        lo = None if start is None else pd.Timestamp(start).to_period("M").start_time.date()
        hi = None if end is None else pd.Timestamp(end).date()
        where = " AND ".join([*([f"u.day >= DATE '{lo}'"] if lo else []),
                              *([f"u.day <= DATE '{hi}'"] if hi else [])]) or "true"
        frame = store.con.sql(f"""
            SELECT u.person_id, u.tool, u.unit, u.day, date_trunc('month', u.day) AS month_start,
                   u.quantity,
                   EXISTS (SELECT 1 FROM seat_assignments s
                           WHERE s.person_id = u.person_id AND s.tool = u.tool
                             AND s.assigned_on <= last_day(u.day)
                             AND coalesce(s.removed_on, DATE '9999-12-31')
                                 >= date_trunc('month', u.day)) AS has_seat
            FROM person_unit_days u WHERE {where}
            ORDER BY u.person_id, u.tool, u.unit, u.day""").df()
        holders = store.con.sql(f"""
            WITH m AS (SELECT DISTINCT u.tool, date_trunc('month', u.day) AS month_start
                       FROM person_unit_days u WHERE {where})
            SELECT m.tool, m.month_start, count(DISTINCT s.person_id) AS holders
            FROM m JOIN seat_assignments s ON s.tool = m.tool
             AND s.assigned_on <= last_day(m.month_start)
             AND coalesce(s.removed_on, DATE '9999-12-31') >= m.month_start
            GROUP BY ALL""").df()
    return _price(frame, gov, holders)


def _price(frame: pd.DataFrame, gov: GovernanceSettings,
           holders: pd.DataFrame) -> pd.DataFrame:
    """Allowance, billable units and spend per row of a person x tool x unit x day frame
    (``holders``: seat holders per tool and month, the size of a pool)."""
    if frame.empty:
        return pd.DataFrame(columns=UNIT_DAY_COLUMNS)
    frame = frame.assign(day=pd.to_datetime(frame["day"]),
                         month_start=pd.to_datetime(frame["month_start"]),
                         quantity=frame["quantity"].astype(float),
                         has_seat=frame["has_seat"].astype(bool))
    pairs = list(zip(frame["tool"], frame["unit"], strict=True))
    allowance = np.array([gov.included_per_seat.get(t, {}).get(u, 0.0) for t, u in pairs])
    frame["pooling"] = [gov.pooling_of(t, u) for t, u in pairs]
    frame["price"] = np.array([gov.usage_prices.get(t, {}).get(u, np.nan) for t, u in pairs],
                              dtype=float)
    pooled = (frame["pooling"] == "organisation").to_numpy()
    seats = frame.merge(holders.assign(month_start=pd.to_datetime(holders["month_start"])),
                        on=["tool", "month_start"], how="left")["holders"].fillna(0).to_numpy()
    frame["included"] = np.where(pooled, allowance * seats,
                                 np.where(frame["has_seat"], allowance, 0.0))
    frame["billable"] = 0.0
    mine = frame[~pooled]
    if len(mine):
        keys = ["person_id", "tool", "unit", "month_start"]
        over = (mine.groupby(keys, sort=False)["quantity"].cumsum()
                - mine["included"]).clip(lower=0.0)
        frame.loc[~pooled, "billable"] = over - over.groupby(
            [mine[k] for k in keys], sort=False).shift(fill_value=0.0)
    if pooled.any():
        frame.loc[pooled, "billable"] = _pooled(frame[pooled])
    frame["usage_spend"] = frame["billable"] * frame["price"]
    return frame[UNIT_DAY_COLUMNS].reset_index(drop=True)


def _pooled(rows: pd.DataFrame) -> pd.Series:
    """Billable units of each row drawing on an organisation's pool (see the module
    docstring): the day's billable total shared in proportion to the day's units."""
    keys = ["tool", "unit", "month_start"]
    days = rows.groupby([*keys, "day"], sort=True).agg(
        total=("quantity", "sum"), pool=("included", "first")).reset_index()
    over = (days.groupby(keys, sort=False)["total"].cumsum() - days["pool"]).clip(lower=0.0)
    days["billable"] = over - over.groupby([days[k] for k in keys], sort=False).shift(
        fill_value=0.0)
    share = rows[[*keys, "day", "quantity"]].merge(days, on=[*keys, "day"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(share["total"] > 0,
                       share["billable"] * share["quantity"] / share["total"], 0.0)
    return pd.Series(out, index=rows.index)


def unpriced_usage(data: pd.DataFrame) -> pd.DataFrame:
    """Tools and units with usage but no price: ``tool, unit, quantity`` (organisation totals).

    Takes the frame of :func:`load_unit_days` or :func:`load_usage_periods`.
    """
    missing = data[data["price"].isna() & (data["quantity"] > 0)]
    return (missing.groupby(["tool", "unit"], sort=True)["quantity"].sum().reset_index()
            if len(missing) else pd.DataFrame(columns=["tool", "unit", "quantity"]))


def check_usage_prices(data: pd.DataFrame) -> None:
    """Raise :class:`~adoption.errors.InputError` when usage of a tool and unit has no price.

    The message names each tool and unit, the units found and the lines to add to
    ``adoption.toml``.
    """
    missing = unpriced_usage(data)
    if missing.empty:
        return
    found = "; ".join(f"{r.tool!r} {r.unit}: {r.quantity:,.0f} units"
                      for r in missing.itertuples(index=False))
    r = missing.iloc[0]
    raise InputError(
        f"adoption.toml [governance.usage_prices]: no price for usage found in the data "
        f"({found}); its spend cannot be counted. Add the price of one unit in the workspace "
        f"currency, e.g. [governance.usage_prices.\"{r['tool']}\"] {r['unit']} = 0.04 "
        "(and included_per_seat = 300 if seats include some units).")


def load_usage_periods(
    source: Any,
    *,
    period: str | None = None,
    period_kind: str = "month",
    settings: GovernanceSettings | None = None,
    missing_prices: str = "skip",
) -> pd.DataFrame:
    """Usage spend per person x tool x unit x period (person-level: restricted).

    Parameters
    ----------
    source : Store, Workspace or path
    period : str, optional
        Only this period (e.g. ``"2026-01"``); default every period with units.
    period_kind : {"week", "month", "quarter"}, default "month"
    settings : GovernanceSettings, optional
    missing_prices : {"skip", "raise"}, default "skip"
        Units without a price: left with ``price`` and ``usage_spend`` missing (listed by
        :func:`unpriced_usage`), or an :class:`~adoption.errors.InputError`.

    Returns
    -------
    pandas.DataFrame
        :data:`USAGE_PERIOD_COLUMNS`; ``included`` is the allowance of the calendar months
        with units in the period (the person's; for a pooled unit the organisation's pool),
        ``billable`` and ``usage_spend`` the charges that fell in it.
    """
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"load_usage_periods: period_kind {period_kind!r} is unknown; use one "
                         f"of {list(PERIOD_KINDS)}.")
    if missing_prices not in _MISSING:
        raise InputError(f"load_usage_periods: missing_prices is {missing_prices!r}; use one "
                         f"of {list(_MISSING)}.")
    with open_store(source) as store:
        gov = settings or governance_settings(store)
        target = (None if period is None else
                  parse_period(period, period_kind, week_start=store.settings.week_start_index))
        days = load_unit_days(store, settings=gov,
                              start=None if target is None else target.start,
                              end=None if target is None else target.end)
        if missing_prices == "raise":
            check_usage_prices(days)
        if days.empty:
            return pd.DataFrame(columns=USAGE_PERIOD_COLUMNS)
        spans = store.con.execute(
            "SELECT period, period_start, period_end FROM period_spans WHERE period_kind = ?",
            [period_kind]).df()
        if target is not None:
            spans = spans[spans["period"] == target.label]
        spans = spans.assign(period_start=pd.to_datetime(spans["period_start"]),
                             period_end=pd.to_datetime(spans["period_end"])).sort_values(
            "period_start")
        tagged = pd.merge_asof(days.sort_values("day"), spans, left_on="day",
                               right_on="period_start")
        tagged = tagged[tagged["period"].notna() & (tagged["day"] <= tagged["period_end"])]
        teams = _teams(store, period_kind,
                       tagged[["period_start", "person_id"]].drop_duplicates())
    allowance = (tagged.drop_duplicates(["person_id", "tool", "unit", "period",
                                         "month_start"])
                 .groupby(["person_id", "tool", "unit", "period"])["included"].sum())
    keys = ["period", "period_start", "period_end", "person_id", "tool", "unit"]
    out = tagged.groupby(keys, sort=True).agg(
        quantity=("quantity", "sum"), billable=("billable", "sum"), price=("price", "first"),
        usage_spend=("usage_spend", lambda s: s.sum(min_count=1))).reset_index()
    out = out.join(allowance, on=["person_id", "tool", "unit", "period"])
    out = out.merge(teams, on=["period_start", "person_id"], how="left")
    out["department"] = out["department"].fillna(NOT_IN_ROSTER)
    out["team"] = out["team"].fillna(NOT_IN_ROSTER)
    return out[USAGE_PERIOD_COLUMNS].reset_index(drop=True)


def _teams(store: Any, kind: str, pairs: pd.DataFrame) -> pd.DataFrame:
    """Team and department per person and period of ``pairs`` (as for seats: the period's
    team, else the team of the person's nearest period, earlier ones first)."""
    store.con.register("_usage_pairs", pairs.assign(
        period_start=pairs["period_start"].dt.date))
    try:
        return store.con.sql(nearest_team_sql("_usage_pairs", sql_literal(kind))).df().assign(
            period_start=lambda f: pd.to_datetime(f["period_start"]),
            department=lambda f: f["unit"].map(lambda x: x["department"]),
            team=lambda f: f["unit"].map(lambda x: x["team"]))[
            ["period_start", "person_id", "department", "team"]]
    finally:
        store.con.unregister("_usage_pairs")
