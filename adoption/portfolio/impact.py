"""Which impact estimate a use case's KPI gets, and what it concludes.

The design decides the method (:func:`estimate_kpi_impact`):

- teams starting at **different times** (two or more rollout periods): a staggered event study
  (:func:`adoption.stats.staggered_event_study`, valid when effects differ between teams and
  grow over time, unlike plain two-way fixed effects), with its pre-trend test;
- teams starting **together**, with comparison teams: difference in differences
  (:func:`adoption.stats.diff_in_diff`, team-clustered errors, a wild cluster bootstrap when
  there are few teams), with the pre-trend test of a two-way fixed-effects event study of the
  same panel (valid with one rollout date);
- **no comparison team** (every team started at once): an interrupted time series on the
  teams' mean (:func:`adoption.stats.interrupted_time_series`, autocorrelation-robust errors).

A dose-response slope (KPI change against adoption across the use case's teams) is reported
beside, labelled as an association. Nothing is estimated while something is missing
(:attr:`adoption.portfolio.panel.KpiPanel.missing`); the reason is returned instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from adoption.errors import InputError
from adoption.portfolio.panel import KpiPanel

__all__ = ["KpiImpact", "estimate_kpi_impact"]

#: Fewest teams with both a KPI change and an adoption figure for a dose-response slope.
MIN_DOSE_TEAMS = 5


@dataclass(frozen=True)
class KpiImpact:
    """The impact estimate of one use case's KPI, or why there is none.

    Attributes
    ----------
    result : adoption.stats.ImpactResult or None
        None when something is missing or the estimator refused the data.
    verdict : str
        ``"evidence of improvement"``, ``"evidence of worsening"``, ``"no detectable
        change"``, ``"cannot tell: pre-trends differ"`` or ``"no evidence yet"``.
    reason : str
        One plain sentence: the estimate with its interval, or what is missing.
    missing : tuple of str
        What is missing to judge (empty when an estimate was made).
    dose : adoption.stats.ImpactResult or None
        KPI change against the share of each team using the tools (an association).
    """

    result: object | None
    verdict: str
    reason: str
    missing: tuple[str, ...] = ()
    dose: object | None = None


def _team_changes(panel: KpiPanel) -> pd.DataFrame:
    """Per treated team: mean KPI from its rollout on minus the mean before it."""
    f = panel.frame[panel.frame["first_treated"] > 0]
    after = f["t"] >= f["first_treated"]
    means = f.assign(after=after).groupby(["team", "after"])["value"].mean().unstack()
    if True not in means.columns or False not in means.columns:
        return pd.DataFrame(columns=["team", "change"])
    return (means[True] - means[False]).rename("change").dropna().reset_index()


def _dose(panel: KpiPanel, adoption: Mapping[str, float], alpha: float):
    from adoption.stats import dose_response

    changes = _team_changes(panel)
    changes["dose"] = changes["team"].map(adoption)
    changes = changes.dropna()
    if len(changes) < MIN_DOSE_TEAMS or changes["dose"].nunique() < 2:
        return None
    try:
        return dose_response(changes, outcome="change", dose="dose", alpha=alpha)
    except InputError:
        return None


def _estimate(panel: KpiPanel, alpha: float):
    from adoption.stats import (
        diff_in_diff,
        interrupted_time_series,
        staggered_event_study,
        twfe_event_study,
    )

    f = panel.frame
    if panel.cohorts >= 2:
        return staggered_event_study(f, outcome="value", unit="team", time="t",
                                     first_treated="first_treated", alpha=alpha)
    if panel.comparison_teams:
        did = diff_in_diff(f.assign(is_treated=f["first_treated"] > 0), outcome="value",
                           unit="team", treated="is_treated", post="post", alpha=alpha)
        study = twfe_event_study(f, outcome="value", unit="team", time="t",
                                 first_treated="first_treated", alpha=alpha)
        return dataclasses.replace(did, event_study=study.event_study,
                                   pretrend_p=study.pretrend_p,
                                   comparison_units=panel.comparison_teams)
    series = (f.groupby("t", as_index=False)
              .agg(value=("value", "mean"), post=("post", "max")))
    return interrupted_time_series(series, outcome="value", time="t", post="post", alpha=alpha)


def estimate_kpi_impact(panel: KpiPanel, *, better: str,
                        adoption: Mapping[str, float] | None = None,
                        alpha: float = 0.05) -> KpiImpact:
    """Estimate what the use case changed in ``panel``'s KPI, and say what that means.

    Parameters
    ----------
    panel : KpiPanel
    better : {"up", "down"}
        Which way the KPI improves (the register's ``direction``).
    adoption : mapping of team to share, optional
        Share of each team using the use case's tools, for the dose-response slope.
    alpha : float, default 0.05
    """
    from adoption.stats import impact_verdict

    missing = panel.missing
    if missing:
        return KpiImpact(None, "no evidence yet", "Missing: " + "; ".join(missing) + ".",
                         tuple(missing))
    try:
        result = _estimate(panel, alpha)
    except InputError as e:
        return KpiImpact(None, "no evidence yet", f"No estimate: {e}", (str(e),))
    verdict, reason = impact_verdict(result, better=better)
    dose = _dose(panel, adoption, alpha) if adoption else None
    return KpiImpact(result, verdict, reason, (), dose)
