"""Overlapping tools: people holding several tools of one category, teams paying for several.

Two tools overlap when the catalogue gives them the same ``category`` (e.g. two coding
assistants). Seats count at the period's as-of date (held at the same time, not one after the
other). The duplicate monthly spend of a person is what their seats of one category cost beyond
the dearest one: the saving if they kept only one tool.

Privacy: groups are sized by their roster headcount, as every governance table
(:mod:`adoption.governance.seats`); the overlap figures are hidden where fewer than
``min_group_size`` people hold a tool of the category, and also where one of the category's
tools has its seats at the end hidden in the seat table: with two tools, holders of either
minus holders of the first plus holders of both would give the hidden count back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.governance.data import NOT_IN_ROSTER
from adoption.governance.seats import BY_LEVELS, _check, protected_seat_levels
from adoption.metrics.intervals import wilson_interval
from adoption.privacy import suppress_small_groups

__all__ = [
    "OVERLAP_COLUMNS",
    "compute_overlaps",
    "compute_team_overlaps",
    "overlap_rows",
    "protected_overlap_levels",
    "several_tools",
]

_VALUES = ["tools", "n_tools", "holders", "people_with_several", "overlap_share",
           "overlap_share_ci_low", "overlap_share_ci_high", "monthly_cost",
           "duplicate_monthly_spend"]
#: Output columns after the keys, ``category`` and ``period``.
OVERLAP_COLUMNS = ["period_start", "as_of", "headcount", *_VALUES, "suppressed",
                   "suppression_reason"]
_GATE = "_holders_gate"


def _people(held: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per person x category x period held at the end (tools, costs), and the
    distinct seats behind them (person x category x period x tool, with the person's team)."""
    seats = pd.DataFrame({
        "period": held["period"].astype(str), "category": held["category"].astype(str),
        "person_id": held["person_id"].astype(str),
        "department": held["department"].astype(str), "team": held["team"].astype(str),
        "tool": held["tool"].astype(str), "cost": held["monthly_seat_cost"].astype(float)})
    g = seats.groupby(["period", "category", "person_id"], sort=False)
    person = pd.concat([g[["department", "team"]].first(), g["tool"].nunique().rename("n"),
                        g["cost"].sum(min_count=1).rename("monthly_cost"),
                        g["cost"].max().rename("dearest")], axis=1).reset_index()
    person["several"] = (person["n"] >= 2).astype(int)
    person["duplicate"] = np.where(person["n"] >= 2,
                                   person["monthly_cost"] - person["dearest"], 0.0)
    return person, seats.drop_duplicates(["period", "category", "person_id", "tool"])


def _aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = frame.groupby(keys, sort=True, dropna=False)
    return pd.concat([g[["headcount", "holder", "several", "duplicate"]].sum(),
                      g["monthly_cost"].sum(min_count=1)], axis=1).rename(columns={
        "holder": "holders", "several": "people_with_several",
        "duplicate": "duplicate_monthly_spend"}).reset_index()


def _tools(seats: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The tools held in each group, sorted and ``"; "``-joined."""
    pairs = seats[[*keys, "tool"]].drop_duplicates().sort_values([*keys, "tool"])
    return pairs.groupby(keys, sort=False)["tool"].agg("; ".join)


def _levels(person: pd.DataFrame, seats: pd.DataFrame,
            headcounts: pd.DataFrame) -> pd.DataFrame:
    """Team, department and organisation rows per category and period; every roster team."""
    hc = pd.DataFrame({c: headcounts[c].astype(str) for c in ("period", "department", "team")})
    hc["headcount"] = headcounts["headcount"].astype("int64")
    hc = hc[hc["period"].isin(person["period"].unique())]
    grid = hc.merge(person[["period", "category"]].drop_duplicates(), on="period").assign(
        holder=0, several=0, monthly_cost=np.nan, duplicate=0.0)
    rows = person.assign(headcount=0, holder=1)
    roster = seats[seats["department"] != NOT_IN_ROSTER]
    keys = ["period", "category", "department", "team"]
    team = _aggregate(pd.concat([grid, rows[rows["department"] != NOT_IN_ROSTER]]), keys)
    team = team.join(_tools(roster, keys), on=keys)
    dept = _aggregate(team.rename(columns={"holders": "holder", "people_with_several": "several",
                                           "duplicate_monthly_spend": "duplicate"}),
                      keys[:3]).join(_tools(roster, keys[:3]), on=keys[:3]).assign(team=np.nan)
    org = _aggregate(rows, keys[:2]).join(_tools(seats, keys[:2]), on=keys[:2]).assign(
        department=np.nan, team=np.nan)
    org["headcount"] = org["period"].map(hc.groupby("period")["headcount"].sum()).fillna(0)
    table = pd.concat([team, dept, org], ignore_index=True)
    table["tool"] = table["tool"].fillna("")
    return table.rename(columns={"tool": "tools"})


def _key(value: object) -> object:
    return None if pd.isna(value) else str(value)


def _gate(table: pd.DataFrame, seats: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Sizes for the privacy gate: ``holders``, or 1 (always hidden) where a tool of the
    category has its seats at the end hidden in the same group of the seat table; and
    which rows were forced so."""
    hidden = seats.loc[seats["seats_at_end"].isna() & seats["tool"].notna()]
    hidden_keys = {tuple(_key(v) for v in row) for row in
                   hidden[["period", "tool", "department", "team"]].itertuples(index=False)}
    forced = pd.Series(
        [bool(tools) and any((_key(p), t, _key(d), _key(m)) in hidden_keys
                             for t in tools.split("; "))
         for p, d, m, tools in zip(table["period"], table["department"], table["team"],
                                   table["tools"], strict=True)], index=table.index)
    gate = table["holders"].where(~forced, 1).where(table["holders"] > 0, 0)
    return gate, forced & (table["holders"] > 0)


def compute_overlaps(
    data: pd.DataFrame,
    *,
    headcounts: pd.DataFrame | None = None,
    by: str = "team",
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Seat holders of each tool category and how many of them hold several tools of it.

    Parameters
    ----------
    data : pandas.DataFrame
        The seat-period frame of :func:`adoption.governance.load_seat_periods`.
    headcounts : pandas.DataFrame
        Roster headcounts of the same periods (:func:`adoption.governance.load_headcounts`).
    by : {"team", "department", "organisation"}, default "team"
    min_group_size : int, default 5
        Smallest group shown (roster headcount), and smallest number of holders (of any tool
        of the category) for which the overlap figures are shown.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group x category x period (tools without a category are left out, and
        published groups holding no tool of the category): keys, ``category, period,
        period_start, as_of, headcount``, ``tools`` (the category's tools with seats in the
        group, ``"; "``-separated), ``n_tools``, ``holders`` (people holding at least one of
        them at the as-of date), ``people_with_several`` (holding two or more),
        ``overlap_share`` with Wilson interval (n = ``holders``), ``monthly_cost`` of those
        seats and ``duplicate_monthly_spend`` (beyond each person's dearest seat), then
        ``suppressed, suppression_reason`` (see the module docstring).
    """
    _check(data, headcounts, by, min_group_size, confidence, "compute_overlaps")
    protected = protected_overlap_levels(data, headcounts, min_group_size=min_group_size,
                                         confidence=confidence)
    return overlap_rows(protected, by=by)


def overlap_rows(protected: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """The rows of one level of :func:`protected_overlap_levels`, as
    :func:`compute_overlaps` returns them."""
    keys = BY_LEVELS[by]
    out_cols = [*keys, "category", "period", *OVERLAP_COLUMNS]
    if protected.empty:
        return pd.DataFrame(columns=out_cols)
    depth = protected[["department", "team"]].notna().sum(axis=1)
    empty = ~protected["suppressed"] & protected["holders"].eq(0).fillna(False)
    out = protected.loc[(depth == len(keys)) & ~empty, out_cols]
    return out.sort_values([*keys, "category", "period_start"], kind="stable").reset_index(
        drop=True)


def protected_overlap_levels(data: pd.DataFrame, headcounts: pd.DataFrame, *,
                             min_group_size: int, confidence: float,
                             seat_levels: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every level of the overlap figures (teams, departments, organisation), behind the
    privacy gate (see the module docstring); empty when no seat has a category.
    ``seat_levels``: :func:`adoption.governance.seats.protected_seat_levels` of the same
    frame, when already computed."""
    held = data[data["held_at_end"] & data["category"].notna()]
    if held.empty:
        return pd.DataFrame(columns=["department", "team", "category", "period",
                                     *OVERLAP_COLUMNS])
    table = _levels(*_people(held), headcounts)
    if seat_levels is None:
        seat_levels = protected_seat_levels(data, headcounts, min_group_size=min_group_size,
                                            confidence=confidence)
    table[_GATE], forced = _gate(table, seat_levels)
    table["n_tools"] = pd.array(table["tools"].map(lambda t: len(t.split("; ")) if t else 0),
                                dtype="Int64")
    lo, hi = wilson_interval(table["people_with_several"], table["holders"],
                             confidence=confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["overlap_share"] = table["people_with_several"] / table["holders"].where(
            table["holders"] > 0)
    table["overlap_share_ci_low"], table["overlap_share_ci_high"] = lo, hi
    for col in ("headcount", "holders", "people_with_several"):
        table[col] = pd.array(table[col].astype(np.int64), dtype="Int64")
    firsts = data.assign(period=data["period"].astype(str)).groupby("period")[
        ["period_start", "as_of"]].first()
    table = table.join(firsts, on="period")
    protected = suppress_small_groups(
        table, hierarchy=("department", "team"), size="headcount", within=("period", "category"),
        value_columns=["headcount", *_VALUES], denominators={_GATE: _VALUES},
        min_group_size=min_group_size)
    reasons = protected["suppression_reason"].astype(object)
    reasons = reasons.where(reasons.isna(), reasons.astype(str).str.replace(
        _GATE.replace("_", " "), " holders", regex=False))
    protected["suppression_reason"] = reasons.mask(
        forced & ~protected["suppressed"],
        "figures over holders hidden: a tool of the category has its seats hidden in this "
        "group, and the overlap would give them away")
    return protected.drop(columns=_GATE)


def compute_team_overlaps(data: pd.DataFrame, *, headcounts: pd.DataFrame | None = None,
                          min_group_size: int = 5, confidence: float = 0.95) -> pd.DataFrame:
    """Teams paying for two or more tools of one category (rows of :func:`compute_overlaps`).

    Only published team rows with ``n_tools >= 2`` are returned; hidden teams are left out,
    so that no figure of a small team shows.
    """
    out = compute_overlaps(data, headcounts=headcounts, by="team",
                           min_group_size=min_group_size, confidence=confidence)
    return several_tools(out)


def several_tools(rows: pd.DataFrame) -> pd.DataFrame:
    """The published rows of :func:`overlap_rows` naming two or more tools."""
    keep = (~rows["suppressed"].astype(bool) & rows["holders"].notna()
            & (rows["n_tools"].fillna(0).astype(int) >= 2))
    return rows[keep].reset_index(drop=True)
