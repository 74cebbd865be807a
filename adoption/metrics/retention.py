"""Who stays: retention of first-use cohorts, and the flows of users from one period to the next.

Both read the person-period frame (:func:`adoption.canonical.load_person_periods`, monthly for
"months later"); a person's group is the one they were in during the period counted (for a
cohort: the period of their first use).

- :func:`compute_retention`: people whose first known activity falls in a period form that
  period's cohort; for each cohort and horizon ``h`` (1, 2, 3 and 6 periods by default) the
  share of the cohort still employed ``h`` periods later who are active then, with Wilson
  intervals. Cohorts of the data's first period hold everyone already active when the data
  begin, not only first-time users.
- :func:`compute_user_flows`: active users of each period split into new, returning (active
  the period before too) and resurrected (active before, but not the period before), and the
  lapsed (active the period before, employed and not active now).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoption.errors import InputError
from adoption.metrics.adoption import (
    BY_LEVELS,
    NO_DEPARTMENT,
    _check_by,
    _check_person_periods,
    _warn_if_all_hidden,
)
from adoption.privacy import check_min_group_size, suppress_small_groups
from adoption.stats.intervals import check_confidence, wilson_interval

__all__ = ["FLOW_COLUMNS", "RETENTION_COLUMNS", "compute_retention", "compute_user_flows"]

#: Columns of :func:`compute_retention` after the group keys.
RETENTION_COLUMNS = ["cohort", "periods_after", "period", "cohort_size", "at_risk", "retained",
                     "retention", "retention_ci_low", "retention_ci_high", "suppressed",
                     "suppression_reason"]
#: Columns of :func:`compute_user_flows` after the group keys.
FLOW_COLUMNS = ["period", "period_start", "headcount", "active_users", "new_users",
                "returning_users", "resurrected_users", "lapsed_users", "suppressed",
                "suppression_reason"]
_REQUIRED = ["period", "period_start", "person_id", "team", "department", "is_active",
             "is_new", "was_active_prev"]


def _frame(data: pd.DataFrame, where: str) -> pd.DataFrame:
    """The columns used, with a period rank, text keys and flags (unknown: not known active)."""
    _check_person_periods(data, _REQUIRED, where)
    start = pd.to_datetime(data["period_start"])
    starts = np.sort(start.unique())
    active = data["is_active"].to_numpy(dtype=bool)
    unknown = (data["is_unknown"].to_numpy(dtype=bool) & ~active if "is_unknown" in data
               else np.zeros(len(data), dtype=bool))
    return pd.DataFrame({
        "person_id": data["person_id"].to_numpy(),
        "period": data["period"].astype(str).to_numpy(),
        "period_start": start.to_numpy(),
        "rank": np.searchsorted(starts, start.to_numpy()),
        "department": data["department"].astype(object).where(data["department"].notna(),
                                                              NO_DEPARTMENT).to_numpy(),
        "team": data["team"].astype(object).to_numpy(),
        "active": active,
        "unknown": unknown,
        "new": data["is_new"].to_numpy(dtype=bool) & active,
        "prev": data["was_active_prev"].to_numpy(dtype=bool),
    })


def _all_levels(frame: pd.DataFrame, within: list[str], sums: dict[str, str]) -> pd.DataFrame:
    """Sums of boolean columns per team, department and organisation (missing keys above)."""
    parts = []
    for keys in BY_LEVELS.values():
        part = frame.groupby([*keys, *within], sort=True).agg(
            **{name: (col, "sum") for name, col in sums.items()}).reset_index()
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    for col in ("department", "team"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    for name in sums:
        out[name] = out[name].astype("int64")
    return out


def compute_retention(
    data: pd.DataFrame,
    *,
    by: str = "organisation",
    horizons: Sequence[int] = (1, 2, 3, 6),
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of each first-use cohort still active 1, 2, 3 and 6 periods later.

    Parameters
    ----------
    data : pandas.DataFrame
        The person-period frame, with ``period, period_start, person_id, team, department,
        is_active, is_new, was_active_prev`` (``is_unknown`` is used when present). Not
        modified.
    by : {"organisation", "department", "team"}, default "organisation"
        Groups by the team (department) the person was in when they first used a tool.
    horizons : sequence of int, default (1, 2, 3, 6)
        Periods after the cohort's period.
    min_group_size : int, default 5
        Fewest people at risk for which a share is shown (never below 3).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group x cohort x horizon that the data reach (keys as for ``by``), then
        :data:`RETENTION_COLUMNS`: ``cohort`` (the period of first use), ``periods_after``,
        ``period`` (the period counted), ``cohort_size`` (people of the cohort in the group),
        ``at_risk`` (of them, still employed in ``period`` and not of unknown activity
        there), ``retained`` (of those, active), ``retention`` = ``retained / at_risk`` with
        Wilson ``retention_ci_low``, ``retention_ci_high``, and ``suppressed``,
        ``suppression_reason`` (all levels protected together, size ``at_risk``, per
        cohort and horizon).
    """
    where = "compute_retention"
    keys = _check_by(by, where)
    check_min_group_size(min_group_size, where=where)
    check_confidence(confidence, where=where)
    horizons = sorted({int(h) for h in horizons})
    if not horizons or horizons[0] < 1:
        raise InputError(f"{where}: horizons must be whole numbers >= 1; found {horizons!r}. "
                         "Use e.g. horizons=(1, 2, 3, 6).")
    d = _frame(data, where)
    cohorts = (d[d["new"]].sort_values("rank").drop_duplicates("person_id")
               [["person_id", "rank", "period", "department", "team"]]
               .rename(columns={"rank": "cohort_rank", "period": "cohort"}))
    later = d[["person_id", "rank", "period", "active", "unknown"]].merge(
        cohorts, on="person_id")
    later["periods_after"] = later["rank"] - later["cohort_rank"]
    later = later[later["periods_after"].isin(horizons)]
    later = later.assign(at_risk=~later["unknown"], retained=later["active"])
    counted = _all_levels(later, ["cohort", "periods_after", "period"],
                          {"at_risk": "at_risk", "retained": "retained"})
    sizes = _all_levels(cohorts.assign(one=True), ["cohort"], {"cohort_size": "one"})
    table = counted.merge(sizes, on=["department", "team", "cohort"], how="left")
    table["cohort_size"] = table["cohort_size"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["retention"] = np.where(table["at_risk"] > 0,
                                      table["retained"] / table["at_risk"], np.nan)
    table["retention_ci_low"], table["retention_ci_high"] = wilson_interval(
        table["retained"], table["at_risk"], confidence=confidence)
    values = RETENTION_COLUMNS[3:-2]
    out = suppress_small_groups(table[["department", "team", *RETENTION_COLUMNS[:-2]]],
                                hierarchy=("department", "team"), size="at_risk",
                                within=("cohort", "periods_after"), value_columns=values,
                                min_group_size=min_group_size)
    depth = out[["department", "team"]].notna().sum(axis=1)
    order = {p: r for p, r in zip(d["period"], d["rank"], strict=True)}
    out = out.loc[depth == len(keys), [*keys, *RETENTION_COLUMNS]]
    out = out.assign(_r=out["cohort"].map(order)).sort_values(
        [*keys, "_r", "periods_after"], kind="stable").drop(columns="_r")
    out = out.reset_index(drop=True)
    _warn_if_all_hidden(out, by, min_group_size)
    return out


def compute_user_flows(
    data: pd.DataFrame,
    *,
    by: str = "team",
    min_group_size: int = 5,
) -> pd.DataFrame:
    """New, returning, resurrected and lapsed users per group and period (counts).

    Parameters
    ----------
    data : pandas.DataFrame
        The person-period frame (see :func:`compute_retention`). Not modified.
    by : {"team", "department", "organisation"}, default "team"
    min_group_size : int, default 5

    Returns
    -------
    pandas.DataFrame
        One row per group and period (keys as for ``by``), then :data:`FLOW_COLUMNS`:
        ``headcount``; ``active_users`` = ``new_users`` (first known activity) +
        ``returning_users`` (active the period before too) + ``resurrected_users`` (active in
        some earlier period, not the one before); ``lapsed_users`` (active the period before,
        employed now, not active and not of unknown activity now). ``returning_users +
        resurrected_users`` is what :func:`~adoption.metrics.compute_adoption_metrics` calls
        ``returning_users``. Then ``suppressed``, ``suppression_reason`` (size
        ``headcount``, all levels together per period).
    """
    where = "compute_user_flows"
    keys = _check_by(by, where)
    check_min_group_size(min_group_size, where=where)
    d = _frame(data, where)
    old = d["active"] & ~d["new"]
    d = d.assign(one=True, returning=old & d["prev"], resurrected=old & ~d["prev"],
                 lapsed=d["prev"] & ~d["active"] & ~d["unknown"])
    table = _all_levels(d, ["period_start", "period"], {
        "headcount": "one", "active_users": "active", "new_users": "new",
        "returning_users": "returning", "resurrected_users": "resurrected",
        "lapsed_users": "lapsed"})
    out = suppress_small_groups(table[["department", "team", *FLOW_COLUMNS[:-2]]],
                                hierarchy=("department", "team"), size="headcount",
                                within=("period",), value_columns=FLOW_COLUMNS[2:-2],
                                min_group_size=min_group_size)
    depth = out[["department", "team"]].notna().sum(axis=1)
    out = out.loc[depth == len(keys), [*keys, *FLOW_COLUMNS]]
    out = out.sort_values([*keys, "period_start"], kind="stable").reset_index(drop=True)
    _warn_if_all_hidden(out, by, min_group_size)
    return out
