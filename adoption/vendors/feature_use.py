"""What people use the tools for: features and chat modes by team, through the privacy gate.

Sources that name the feature of each person-day (``usage_features``: GitHub Copilot's
per-user reports give ``code_completion``, ``agent_edit``, ``chat_panel_agent_mode``,
``chat_panel_ask_mode`` ..., and ``cli``, ``cloud_agent``, ``code_review`` from the day's
flags; Microsoft 365 agents on their last active day) tell which features each active person
used in a period. :func:`compute_feature_use` gives, per tool, feature, period and group, the
share of the group's active people of the tool who used the feature, with a Wilson interval.

People are resolved through the canonical identity map and counted in the ``population``
team of their last employed day in the period; only people active with the tool in the
period (``person_tool_periods.is_active``) count, in the numerator and the denominator. Every
level (organisation, department, team) is computed and passed together through
:func:`adoption.privacy.suppress_small_groups` with the workspace's threshold: a team under
it is hidden (and, complementarily, another group so that it cannot be worked out from its
department), and a share over fewer active people than the threshold is hidden too.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from adoption.canonical.identity import resolve_sql
from adoption.canonical.marts import ANY_TOOL, check_canonical, sql_literal
from adoption.errors import InputError
from adoption.metrics.intervals import check_confidence, wilson_interval
from adoption.periods import PERIOD_KINDS
from adoption.privacy import check_min_group_size, resolve_min_group_size, suppress_small_groups
from adoption.store import Store
from adoption.workspace import Workspace, open_store

__all__ = ["FEATURE_USE_COLUMNS", "compute_feature_use"]

FEATURE_USE_COLUMNS = ["tool", "feature", "period", "period_start", "department", "team",
                       "headcount", "active_users", "users", "estimate", "ci_low", "ci_high",
                       "n", "suppressed", "suppression_reason"]


def _frames(con, kind: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    k = sql_literal(kind)
    join, person = resolve_sql("f")  # the canonical identity map's one resolution rule
    base = f"""
        WITH pop AS (SELECT period_start, person_id, team, department FROM population
                     WHERE period_kind = {k}),
        spans AS (SELECT period_start, period_end FROM period_spans WHERE period_kind = {k}),
        active AS (SELECT period_start, person_id, tool FROM person_tool_periods
                   WHERE period_kind = {k} AND tool <> '{ANY_TOOL}' AND source = '{ANY_TOOL}'
                     AND is_active),
        feat AS (SELECT DISTINCT s.period_start, {person} AS person_id, f.tool, f.feature
                 FROM usage_features f {join}
                 JOIN spans s ON f.day BETWEEN s.period_start AND s.period_end)"""
    active = con.execute(f"""{base}
        SELECT a.tool, a.period_start, p.department, p.team, count(*) AS active_users
        FROM active a JOIN pop p USING (period_start, person_id) GROUP BY ALL""").df()
    users = con.execute(f"""{base}
        SELECT f.tool, f.feature, f.period_start, p.department, p.team, count(*) AS users
        FROM feat f JOIN active a USING (period_start, person_id, tool)
        JOIN pop p USING (period_start, person_id) GROUP BY ALL""").df()
    heads = con.execute(f"""
        SELECT s.period_start, s.period, p.department, p.team, count(*) AS headcount
        FROM population p JOIN period_spans s
          ON s.period_kind = p.period_kind AND s.period_start = p.period_start
        WHERE p.period_kind = {k} GROUP BY ALL""").df()
    return active, users, heads


def _levels(grid: pd.DataFrame) -> pd.DataFrame:
    """Team rows plus department and organisation totals (additive counts)."""
    keys = ["tool", "feature", "period", "period_start"]
    num = ["headcount", "active_users", "users"]
    dept = grid.groupby([*keys, "department"], as_index=False)[num].sum()
    org = grid.groupby(keys, as_index=False)[num].sum()
    return pd.concat([org, dept, grid], ignore_index=True)


def compute_feature_use(
    source: Store | Workspace | str | os.PathLike[str],
    *,
    period_kind: str = "month",
    tool: str | None = None,
    min_group_size: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of each group's active people who used each feature, per tool and period.

    Parameters
    ----------
    source : Store, Workspace or path
    period_kind : {"month", "week", "quarter"}, default "month"
    tool : str, optional
        Only this tool (default: every tool with feature data).
    min_group_size : int, optional
        Privacy threshold; default (and floor) the workspace's.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        Columns :data:`FEATURE_USE_COLUMNS`, one row per tool x feature x period x group
        (organisation rows have ``department`` and ``team`` missing; department rows
        ``team``), every roster team of the period included:

        - ``headcount``: people employed in the group in the period;
        - ``active_users``: of them, people active with the tool in the period (= ``n``);
        - ``users``: of them, people who used the feature on a day of the period;
        - ``estimate, ci_low, ci_high``: ``users / active_users`` with a Wilson interval
          (missing without active people);
        - ``suppressed, suppression_reason``: from
          :func:`~adoption.privacy.suppress_small_groups` within tool x feature x period,
          over the headcount (the whole row) and over ``active_users`` (the share and users).

    Raises
    ------
    InputError
        An unknown ``period_kind`` or a confidence outside (0, 1).
    """
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"compute_feature_use: period_kind {period_kind!r} is unknown; use "
                         f"one of {list(PERIOD_KINDS)}.")
    check_confidence(confidence, where="compute_feature_use")
    with open_store(source) as store:
        k = resolve_min_group_size(store.settings, min_group_size)
        check_min_group_size(k, where="compute_feature_use")
        check_canonical(store)
        active, users, heads = _frames(store.con, period_kind)
    if tool is not None:
        active, users = active[active["tool"] == tool], users[users["tool"] == tool]
    if users.empty:
        return pd.DataFrame(columns=FEATURE_USE_COLUMNS)
    pairs = users[["tool", "feature", "period_start"]].drop_duplicates()
    grid = pairs.merge(heads, on="period_start")
    grid = grid.merge(active, on=["tool", "period_start", "department", "team"], how="left")
    grid = grid.merge(users, on=["tool", "feature", "period_start", "department", "team"],
                      how="left")
    grid[["active_users", "users"]] = grid[["active_users", "users"]].fillna(0).astype("int64")
    table = _levels(grid)
    share = table["users"] / table["active_users"].where(table["active_users"] > 0)
    low, high = wilson_interval(table["users"].to_numpy(float),
                                table["active_users"].to_numpy(float), confidence=confidence)
    table = table.assign(estimate=share, ci_low=low, ci_high=high, n=table["active_users"])
    none = table["active_users"] == 0
    table.loc[none, ["ci_low", "ci_high"]] = np.nan
    table = suppress_small_groups(
        table, hierarchy=("department", "team"), size="headcount",
        within=("tool", "feature", "period"),
        value_columns=["headcount", "active_users", "users", "estimate", "ci_low", "ci_high",
                       "n"],
        denominators={"active_users": ["users", "estimate", "ci_low", "ci_high"]},
        min_group_size=k)
    table["period_start"] = pd.to_datetime(table["period_start"])
    table = table.sort_values(["tool", "feature", "period_start", "department", "team"],
                              na_position="first", kind="stable")
    return table[FEATURE_USE_COLUMNS].reset_index(drop=True)
