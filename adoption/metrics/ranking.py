"""Team ranking that is fair to small teams: raw and empirical-Bayes shrunk penetration.

A team of 6 with 6 users tops a raw ranking on luck; shrinking each team's rate toward the
common rate by how much its own data can say (beta-binomial empirical Bayes,
:func:`adoption.stats.shrink_rates`) ranks on evidence instead. Both are shown side by side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.metrics.adoption import compute_adoption_metrics
from adoption.stats.betabinomial import shrink_rates

__all__ = ["RANKING_COLUMNS", "compute_team_ranking"]

#: Columns of :func:`compute_team_ranking`.
RANKING_COLUMNS = [
    "department", "team", "period", "period_start", "headcount", "active_users", "penetration",
    "penetration_ci_low", "penetration_ci_high", "shrunk_penetration", "shrunk_ci_low",
    "shrunk_ci_high", "shrinkage_weight", "rank_raw", "rank_shrunk", "suppressed",
    "suppression_reason",
]


def compute_team_ranking(
    data: pd.DataFrame,
    *,
    method: str = "mle",
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Penetration per team and period, raw and shrunk, with both rankings.

    Parameters
    ----------
    data : pandas.DataFrame
        The person-period frame (see :func:`adoption.metrics.compute_adoption_metrics`).
        Not modified.
    method : {"mle", "moments"}, default "mle"
        How the beta prior is estimated (:func:`adoption.stats.fit_beta_prior`).
    min_group_size : int, default 5
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per team and period, columns :data:`RANKING_COLUMNS`:

        - ``headcount``, ``active_users``, ``penetration`` with its Wilson interval: as
          :func:`~adoption.metrics.compute_adoption_metrics` publishes them;
        - ``shrunk_penetration``, ``shrunk_ci_low``, ``shrunk_ci_high``: the posterior mean and
          equal-tailed interval under the beta prior fitted (per period) to the published
          teams; ``shrinkage_weight``: the weight on the team's own rate;
        - ``rank_raw``, ``rank_shrunk``: 1 = highest, among the published teams of the period
          (ties share the best rank);
        - ``suppressed``, ``suppression_reason``: from the privacy gate; a hidden team has
          every figure missing and takes no part in the prior or the ranks.
    """
    teams = compute_adoption_metrics(data, by="team", min_group_size=min_group_size,
                                     confidence=confidence)
    out = teams[["department", "team", "period", "period_start", "headcount", "active_users",
                 "penetration", "penetration_ci_low", "penetration_ci_high", "suppressed",
                 "suppression_reason"]].copy()
    for col in ("shrunk_penetration", "shrunk_ci_low", "shrunk_ci_high", "shrinkage_weight"):
        out[col] = np.nan
    out["rank_raw"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["rank_shrunk"] = pd.array([pd.NA] * len(out), dtype="Int64")
    shown = out[~out["suppressed"].astype(bool)]
    for _, g in shown.groupby("period", sort=False):
        res = shrink_rates(g["active_users"].to_numpy(dtype=float),
                           g["headcount"].to_numpy(dtype=float), method=method,
                           confidence=confidence)
        out.loc[g.index, "shrunk_penetration"] = res["estimate"].to_numpy()
        out.loc[g.index, "shrunk_ci_low"] = res["ci_low"].to_numpy()
        out.loc[g.index, "shrunk_ci_high"] = res["ci_high"].to_numpy()
        out.loc[g.index, "shrinkage_weight"] = res["weight"].to_numpy()
        out.loc[g.index, "rank_raw"] = g["penetration"].rank(ascending=False,
                                                             method="min").astype("int64")
        out.loc[g.index, "rank_shrunk"] = res["estimate"].rank(
            ascending=False, method="min").astype("int64").to_numpy()
    return out[RANKING_COLUMNS].reset_index(drop=True)
