"""Overlapping tools: people holding several tools of one category, teams paying for several.

Two tools overlap when the catalogue gives them the same ``category`` (e.g. two coding
assistants). Seats count at the period's as-of date (held at the same time, not one after the
other). The duplicate monthly spend of a person is what their seats of one category cost beyond
the dearest one: the saving if they kept only one tool.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.governance.seats import _check
from adoption.metrics.intervals import wilson_interval
from adoption.privacy import suppress_small_groups

__all__ = ["OVERLAP_COLUMNS", "compute_overlaps", "compute_team_overlaps"]

_VALUES = ["tools", "n_tools", "holders", "people_with_several", "overlap_share",
           "overlap_share_ci_low", "overlap_share_ci_high", "monthly_cost",
           "duplicate_monthly_spend"]
#: Output columns after the keys, ``category`` and ``period``.
OVERLAP_COLUMNS = ["period_start", "as_of", *_VALUES, "suppressed", "suppression_reason"]


def compute_overlaps(
    data: pd.DataFrame,
    *,
    by: str = "team",
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Seat holders of each tool category and how many of them hold several tools of it.

    Parameters
    ----------
    data : pandas.DataFrame
        The seat-period frame of :func:`adoption.governance.load_seat_periods`.
    by : {"team", "department", "organisation"}, default "team"
    min_group_size : int, default 5
        Smallest number of holders (of any tool of the category) for which a group is shown.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group x category x period (tools without a category are left out): keys,
        ``category, period, period_start, as_of``, ``tools`` (the category's tools with seats
        in the group, ``"; "``-separated), ``n_tools``, ``holders`` (people holding at least one
        of them at the as-of date), ``people_with_several`` (holding two or more),
        ``overlap_share`` with Wilson interval (n = ``holders``), ``monthly_cost`` of those
        seats and ``duplicate_monthly_spend`` (beyond each person's dearest seat), then
        ``suppressed, suppression_reason`` (size = ``holders``; the organisation row keeps its
        money figures).
    """
    keys = _check(data, by, min_group_size, confidence, "compute_overlaps")
    held = data[data["held_at_end"] & data["category"].notna()]
    out_cols = [*keys, "category", "period", *OVERLAP_COLUMNS]
    if held.empty:
        return pd.DataFrame(columns=out_cols)
    person = (held.assign(period=held["period"].astype(str), category=held["category"].astype(str),
                          department=held["department"].astype(str),
                          team=held["team"].astype(str), cost=held["monthly_seat_cost"])
              .groupby(["period", "category", "person_id"], sort=False)
              .agg(period_start=("period_start", "first"), as_of=("as_of", "first"),
                   department=("department", "first"), team=("team", "first"),
                   n=("tool", "nunique"), tool_set=("tool", lambda s: frozenset(s.astype(str))),
                   monthly_cost=("cost", lambda s: s.sum(min_count=1)),
                   dearest=("cost", "max"))
              .reset_index())
    person["several"] = (person["n"] >= 2).astype(int)
    person["duplicate"] = np.where(person["n"] >= 2,
                                   person["monthly_cost"] - person["dearest"], 0.0)
    frames = []
    for level in (["department", "team"], ["department"], []):
        g = person.groupby(["period", "category", *level], sort=True)
        f = g.agg(period_start=("period_start", "first"), as_of=("as_of", "first"),
                  holders=("person_id", "size"), people_with_several=("several", "sum"),
                  monthly_cost=("monthly_cost", lambda s: s.sum(min_count=1)),
                  duplicate_monthly_spend=("duplicate", "sum"),
                  tool_set=("tool_set", lambda s: frozenset().union(*s))).reset_index()
        frames.append(f)
    table = pd.concat(frames, ignore_index=True)
    table["tools"] = table.pop("tool_set").map(lambda s: "; ".join(sorted(s)))
    table["n_tools"] = pd.array(table["tools"].str.count("; ") + 1, dtype="Int64")
    lo, hi = wilson_interval(table["people_with_several"], table["holders"],
                             confidence=confidence)
    table["overlap_share"] = table["people_with_several"] / table["holders"]
    table["overlap_share_ci_low"], table["overlap_share_ci_high"] = lo, hi
    for col in ("holders", "people_with_several"):
        table[col] = pd.array(table[col].astype(np.int64), dtype="Int64")
    if "team" not in table:
        table["team"] = np.nan
    money = ["monthly_cost", "duplicate_monthly_spend"]
    protected = suppress_small_groups(
        table, hierarchy=("department", "team"), size="holders", within=("period", "category"),
        value_columns=_VALUES, min_group_size=min_group_size)
    org = protected["department"].isna()
    for col in money:
        protected.loc[org, col] = table.loc[org, col]
    depth = protected[["department", "team"]].notna().sum(axis=1)
    out = protected.loc[depth == len(keys), out_cols]
    return out.sort_values([*keys, "category", "period_start"], kind="stable").reset_index(
        drop=True)


def compute_team_overlaps(data: pd.DataFrame, *, min_group_size: int = 5,
                          confidence: float = 0.95) -> pd.DataFrame:
    """Teams paying for two or more tools of one category (rows of :func:`compute_overlaps`).

    Only published team rows with ``n_tools >= 2`` are returned; hidden teams are left out,
    so that no figure of a small team shows.
    """
    out = compute_overlaps(data, by="team", min_group_size=min_group_size, confidence=confidence)
    keep = ~out["suppressed"].astype(bool) & (out["n_tools"].fillna(0).astype(int) >= 2)
    return out[keep].reset_index(drop=True)

