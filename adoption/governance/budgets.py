"""Monthly budgets and the month's run rate: will this month's spend exceed the budget?

Budgets come from ``[[governance.budgets]]`` of ``adoption.toml`` (a team, a tool, or a tool
within a team; :class:`adoption.governance.config.Budget`). For a calendar month and the
data's last day in it (the as-of day ``d`` of :func:`adoption.governance.load_seat_periods`)::

    spend so far = seat spend of the days 1..d (each seat costs monthly cost / days in month
                   per day held) + usage spend of the days 1..d (charges beyond the
                   allowance, :mod:`adoption.governance.usage`)
    run rate     = spend so far / d x days in month

The alert (:func:`budget_alerts`, rule ``budget``) is raised when the run rate on the as-of day
is above the budget; the projection on each earlier day is computed the same way, from the data
up to that day, so the first day of the current run above the budget is known and said.

Privacy: a team's projection is an amount over its people; it is only shown when the team's
roster headcount and the people behind the amount (seat holders and people with usage units
in the budget's scope) are at least the minimum group size.
"""

from __future__ import annotations

import calendar
import difflib
from typing import Any

import numpy as np
import pandas as pd

from adoption.errors import InputError
from adoption.governance.config import GovernanceSettings, governance_settings
from adoption.governance.usage import load_unit_days
from adoption.periods import parse_period
from adoption.workspace import open_store

__all__ = ["BUDGET_COLUMNS", "check_budget_scopes", "compute_budget_run_rate"]

BUDGET_COLUMNS = ["team", "tool", "budget", "month", "as_of", "days_elapsed", "days_in_month",
                  "seat_spend_to_date", "usage_spend_to_date", "spend_to_date", "projected",
                  "is_over", "over_since", "n", "headcount", "shown"]


def compute_budget_run_rate(
    source: Any,
    *,
    seat_periods: pd.DataFrame,
    month: str,
    min_group_size: int = 5,
    settings: GovernanceSettings | None = None,
    headcounts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each budget's spend so far, run rate and first day above it, for one calendar month.

    Parameters
    ----------
    source : Store, Workspace or path
    seat_periods : pandas.DataFrame
        :func:`adoption.governance.load_seat_periods` of the month (``period_kind="month"``):
        the teams of seat holders, the seat costs and the as-of day.
    month : str
        E.g. ``"2026-01"``.
    min_group_size : int, default 5
    settings : GovernanceSettings, optional
    headcounts : pandas.DataFrame, optional
        :func:`adoption.governance.load_headcounts` of the month (team sizes).

    Returns
    -------
    pandas.DataFrame
        :data:`BUDGET_COLUMNS`, one row per budget: ``projected`` (the run rate on the as-of
        day), ``is_over`` (projected > budget), ``over_since`` (first day of the current run of
        days whose projection is above the budget; missing when not over), ``n`` (seat holders
        and usage users in the scope), ``shown`` (false where a team's amounts must stay
        hidden; amounts are then missing).
    """
    target = parse_period(month, "month")
    sp = seat_periods[seat_periods["period"].astype(str) == target.label]
    with open_store(source) as store:
        gov = settings or governance_settings(store)
        if not gov.budgets:
            return pd.DataFrame(columns=BUDGET_COLUMNS)
        units = load_unit_days(store, settings=gov, start=target.start, end=target.end)
        as_of = _as_of(sp, units, target)
        if as_of is None:
            return pd.DataFrame(columns=BUDGET_COLUMNS)
        seats = store.con.execute(
            "SELECT person_id, tool, assigned_on, removed_on FROM seat_assignments "
            "WHERE assigned_on <= ? AND coalesce(removed_on, DATE '9999-12-31') >= ?",
            [as_of, target.start]).df()
        population = store.con.execute(
            "SELECT person_id, department, team FROM population WHERE period_kind = 'month' "
            "AND period_start = ?", [target.start]).df()
        roster = [r[0] for r in store.con.execute(
            "SELECT DISTINCT team FROM population").fetchall()]
        tools = [r[0] for r in store.con.execute(
            "SELECT tool FROM tools UNION SELECT tool FROM seat_assignments "
            "UNION SELECT tool FROM person_unit_days").fetchall()]
    days_in = calendar.monthrange(target.start.year, target.start.month)[1]
    elapsed = (as_of - target.start).days + 1
    teams = _teams(sp, population)
    daily = _daily(sp, seats, units, teams, target.start, as_of, days_in)
    check_budget_scopes(gov.budgets, teams=set(map(str, roster)), tools=set(map(str, tools)))
    rows = []
    for b in gov.budgets:
        scope = daily
        if b.team is not None:
            scope = scope[scope["team"] == b.team]
        if b.tool is not None:
            scope = scope[scope["tool"] == b.tool]
        per_day = (scope.groupby("day")[["seat", "usage"]].sum()
                   .reindex(range(1, elapsed + 1), fill_value=0.0))
        cum = per_day.cumsum()
        total = cum["seat"] + cum["usage"]
        projection = total / np.arange(1, elapsed + 1) * days_in
        above = (projection > b.amount).to_numpy()
        since = None
        if above[-1]:
            start = elapsed - int(np.argmin(above[::-1])) if not above.all() else 0
            since = target.start + pd.Timedelta(days=int(start))
        n = int(scope["person_id"].nunique()) if len(scope) else 0
        heads = (None if b.team is None or headcounts is None else int(
            headcounts.loc[(headcounts["team"].astype(str) == b.team)
                           & (headcounts["period"].astype(str) == target.label),
                           "headcount"].sum()))
        shown = b.team is None or (n >= min_group_size and (heads or 0) >= min_group_size)
        amounts = (float(cum["seat"].iloc[-1]), float(cum["usage"].iloc[-1]),
                   float(total.iloc[-1]), float(projection.iloc[-1]))
        if not shown:
            amounts = (np.nan,) * 4
        rows.append({"team": b.team, "tool": b.tool, "budget": b.amount,
                     "month": target.label, "as_of": pd.Timestamp(as_of),
                     "days_elapsed": elapsed, "days_in_month": days_in,
                     "seat_spend_to_date": amounts[0], "usage_spend_to_date": amounts[1],
                     "spend_to_date": amounts[2], "projected": amounts[3],
                     "is_over": bool(above[-1]) and shown,
                     "over_since": pd.Timestamp(since) if since is not None and shown else pd.NaT,
                     "n": n, "headcount": heads, "shown": shown})
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)


def check_budget_scopes(budgets: Any, *, teams: set[str], tools: set[str]) -> None:
    """Raise :class:`~adoption.errors.InputError` for a budget whose team is not a team of the
    month's roster or whose tool is not a known tool (a misspelt budget would never fire)."""
    for i, b in enumerate(budgets, 1):
        for key, name, known in (("team", b.team, teams), ("tool", b.tool, tools)):
            if name is not None and name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
                hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
                raise InputError(
                    f"adoption.toml [[governance.budgets]] (budget {i}) {key}: found "
                    f"{name!r}, which is not a {key} of the data ({len(known)} known: "
                    f"{sorted(known)[:10]!r}{' ...' if len(known) > 10 else ''}).{hint} Fix "
                    "the name or remove the budget.")


def _as_of(sp: pd.DataFrame, units: pd.DataFrame, target) -> Any:
    days = [pd.Timestamp(d).date() for d in sp["as_of"].dropna()]
    days += [pd.Timestamp(d).date() for d in units["day"]] if len(units) else []
    days = [d for d in days if target.start <= d <= target.end]
    return max(days) if days else None


def _teams(sp: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """person_id -> team: the seat periods' teams first, then the month's population."""
    a = sp[["person_id", "team"]].astype(str).drop_duplicates("person_id")
    b = population[["person_id", "team"]].astype(str)
    return pd.concat([a, b[~b["person_id"].isin(a["person_id"])]], ignore_index=True)


def _daily(sp: pd.DataFrame, seats: pd.DataFrame, units: pd.DataFrame, teams: pd.DataFrame,
           start: Any, as_of: Any, days_in: int) -> pd.DataFrame:
    """person x tool x day-of-month: seat cost of the day, usage spend of the day."""
    cost = sp.assign(tool=sp["tool"].astype(str)).groupby("tool")["monthly_seat_cost"].first()
    parts = []
    if len(seats):  # one row per seat and day held, days 1..as-of of the month
        first = pd.Timestamp(start)
        lo = (pd.to_datetime(seats["assigned_on"]).clip(lower=first) - first).dt.days + 1
        hi = (pd.to_datetime(seats["removed_on"]).fillna(pd.Timestamp(as_of))
              .clip(upper=pd.Timestamp(as_of)) - first).dt.days + 1
        price = seats["tool"].astype(str).map(cost).astype(float)
        keep = (hi >= lo) & price.notna()
        lo, hi, held = lo[keep].to_numpy(), hi[keep].to_numpy(), seats[keep]
        n = hi - lo + 1
        offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        parts.append(pd.DataFrame({
            "person_id": np.repeat(held["person_id"].astype(str).to_numpy(), n),
            "tool": np.repeat(held["tool"].astype(str).to_numpy(), n),
            "day": np.repeat(lo, n) + offsets,
            "seat": np.repeat(price[keep].to_numpy() / days_in, n), "usage": 0.0,
            "units": 0.0}))
    if len(units):
        u = units[pd.to_datetime(units["day"]) <= pd.Timestamp(as_of)]
        parts.append(pd.DataFrame({
            "person_id": u["person_id"].astype(str), "tool": u["tool"].astype(str),
            "day": (pd.to_datetime(u["day"]) - pd.Timestamp(start)).dt.days + 1,
            "seat": 0.0, "usage": u["usage_spend"].fillna(0.0).astype(float),
            "units": u["quantity"].astype(float)}))
    if not parts:
        return pd.DataFrame(columns=["person_id", "tool", "day", "seat", "usage", "units",
                                     "team"])
    out = pd.concat(parts, ignore_index=True)
    return out.merge(teams, on="person_id", how="left")
