"""GitHub's pull-request figures as outcome KPIs, per period.

The organisation and enterprise usage-metrics reports (:mod:`adoption.vendors.github_reports`)
carry a ``pull_requests`` block per day: pull requests created, reviewed and merged that day,
the median minutes from creation to merge of the day's merged pull requests, and how many
were created or reviewed by Copilot
(https://docs.github.com/en/copilot/reference/copilot-usage-metrics/copilot-usage-metrics,
"Pull request activity fields"). :func:`load_github_pr_kpis` turns them into one row per
scope, period and KPI, in the shape of the outcomes table, for the outcomes feature.

GitHub publishes these figures for organisations and enterprises only: the per-user and
user-teams reports carry no ``pull_requests`` block, so no GitHub team (and no roster team)
gets its own figures; the rows' ``team`` is ``"(organisation)"`` or ``"(enterprise)"``.
Organisation- and enterprise-level totals may differ (GitHub deduplicates and attributes
them differently), so the two are never added together.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from adoption.errors import InputError
from adoption.periods import PERIOD_KINDS, period_start_sql
from adoption.store import Store
from adoption.workspace import Workspace, open_store

__all__ = ["PR_KPI_COLUMNS", "PR_KPIS", "load_github_pr_kpis"]

#: Columns of :func:`load_github_pr_kpis`.
PR_KPI_COLUMNS = ["team", "period_kind", "period_start", "kpi", "value", "unit", "n"]
#: KPI -> unit.
PR_KPIS = {"pr_merged": "pull requests", "pr_median_minutes_to_merge": "minutes",
           "pr_share_copilot_authored": "share", "pr_share_copilot_reviewed": "share"}
_TEAMS = {"organization": "(organisation)", "enterprise": "(enterprise)"}
_METRICS = ("total_created", "total_reviewed", "total_merged", "median_minutes_to_merge",
            "total_created_by_copilot", "total_reviewed_by_copilot")


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The median of values repeated by their (whole) weights; NaN without weight."""
    keep = (weights > 0) & ~np.isnan(values)
    if not keep.any():
        return float("nan")
    v, w = values[keep], weights[keep]
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum, total = np.cumsum(w), w.sum()
    lo = v[np.searchsorted(cum, total / 2.0)]  # the (total/2)-th value, 1-based
    if total % 2 == 0:
        hi = v[np.searchsorted(cum, total / 2.0 + 1.0)]
        return float((lo + hi) / 2.0)
    return float(v[np.searchsorted(cum, (total + 1) / 2.0)])


def load_github_pr_kpis(workspace: Workspace | Store | str | os.PathLike[str], *,
                        period_kind: str = "month") -> pd.DataFrame:
    """Pull-request KPIs of the GitHub usage-metrics reports, per scope and period.

    Parameters
    ----------
    workspace : Workspace, Store or path
    period_kind : {"month", "week", "quarter"}, default "month"

    Returns
    -------
    DataFrame
        Columns :data:`PR_KPI_COLUMNS`, one row per team x period x KPI with data:

        - ``team``: ``"(organisation)"`` (every organisation report together) or
          ``"(enterprise)"``;
        - ``pr_merged``: pull requests merged in the period (unit ``pull requests``;
          ``n`` = the same count);
        - ``pr_median_minutes_to_merge``: median minutes from creation to merge of the
          period's merged pull requests. GitHub publishes one median per day, so each day's
          merged pull requests are given that day's median and the median of them is taken
          (exact when a period has one day; ``n`` = pull requests merged); missing when none
          was merged;
        - ``pr_share_copilot_authored``: pull requests created by Copilot / created
          (``n`` = created);
        - ``pr_share_copilot_reviewed``: pull requests reviewed by Copilot / reviewed
          (``n`` = reviewed; GitHub counts a pull request once per day it is reviewed, so
          these are pull-request review days).

        Days of the same scope loaded from a 1-day and a 28-day report count once (the
        reader keeps the first). Empty (with these columns) without such reports.
    """
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"load_github_pr_kpis: period_kind {period_kind!r} is unknown; use "
                         f"one of {list(PERIOD_KINDS)}.")
    metrics = ", ".join(f"'{m}'" for m in _METRICS)
    with open_store(workspace) as store:
        week_start = store.settings.week_start_index
        have = store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                                 "'team_usage'").fetchall()[0][0]
        if not have:
            return pd.DataFrame(columns=PR_KPI_COLUMNS)
        days = store.con.execute(f"""
            SELECT scope_type, scope, day,
                   {period_start_sql('day', period_kind, week_start=week_start)} AS period_start,
                   metric, max(value) AS value
            FROM team_usage
            WHERE feature = 'pull_requests' AND metric IN ({metrics})
              AND scope_type IN ('organization', 'enterprise')
            GROUP BY ALL""").df()
    if days.empty:
        return pd.DataFrame(columns=PR_KPI_COLUMNS)
    wide = days.pivot_table(index=["scope_type", "scope", "day", "period_start"],
                            columns="metric", values="value", aggfunc="max").reset_index()
    for m in _METRICS:
        if m not in wide:
            wide[m] = np.nan
    wide["team"] = wide["scope_type"].map(_TEAMS)
    rows = []
    for (team, start), part in wide.groupby(["team", "period_start"], sort=True):
        merged = float(part["total_merged"].fillna(0).sum())
        created = float(part["total_created"].fillna(0).sum())
        reviewed = float(part["total_reviewed"].fillna(0).sum())
        median = _weighted_median(part["median_minutes_to_merge"].to_numpy(float),
                                  part["total_merged"].fillna(0).to_numpy(float))
        figures = {
            "pr_merged": (merged, merged),
            "pr_median_minutes_to_merge": (median, merged),
            "pr_share_copilot_authored": (
                float(part["total_created_by_copilot"].fillna(0).sum()) / created
                if created else float("nan"), created),
            "pr_share_copilot_reviewed": (
                float(part["total_reviewed_by_copilot"].fillna(0).sum()) / reviewed
                if reviewed else float("nan"), reviewed),
        }
        for kpi, (value, n) in figures.items():
            rows.append((team, period_kind, pd.Timestamp(start), kpi, value, PR_KPIS[kpi],
                         int(n)))
    out = pd.DataFrame(rows, columns=PR_KPI_COLUMNS)
    out["n"] = out["n"].astype("int64")
    return out.sort_values(["team", "period_start", "kpi"], kind="stable").reset_index(drop=True)
