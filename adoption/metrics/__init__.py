"""Metrics: pure functions from the store's tidy tables to tidy result tables.

- :func:`compute_adoption_metrics`: headcount, seats, activation, penetration, intensity,
  stickiness and user flows per team, department or organisation and period.
- :func:`compute_adoption_change`: paired change in penetration between two periods.
- :func:`compute_adoption_curve`, :func:`compute_diffusion_forecast`: cumulative adopters and
  a Bass forecast per department with the period a target share is reached.
- :func:`compute_first_use_spans`, :func:`compute_time_to_first_use`: time from a seat (or
  joining) to first use, Kaplan-Meier per group.
- :func:`compute_retention`, :func:`compute_user_flows`: first-use cohorts still active 1, 2,
  3 and 6 periods later; new, returning, resurrected and lapsed users.
- :func:`identify_period_segments`, :func:`compute_usage_segments`,
  :func:`compute_segment_transitions`: vivainsights' usage segments (power, habitual, novice,
  low, non-user) for every daily source, their shares per team and period, and the moves
  between them.
- :func:`compute_team_ranking`: raw and empirical-Bayes shrunk penetration per team, ranked.
- :func:`wilson_interval`, :func:`mean_interval`, :func:`mean_interval_from_summary`,
  :func:`paired_difference_interval`: the confidence intervals they use.
"""

from adoption.metrics.adoption import compute_adoption_metrics
from adoption.metrics.change import compute_adoption_change
from adoption.metrics.diffusion import compute_adoption_curve, compute_diffusion_forecast
from adoption.metrics.first_use import compute_first_use_spans, compute_time_to_first_use
from adoption.metrics.ranking import compute_team_ranking
from adoption.metrics.retention import compute_retention, compute_user_flows
from adoption.metrics.segment_trends import compute_segment_transitions, compute_usage_segments
from adoption.metrics.segments import identify_period_segments
from adoption.stats.intervals import (
    mean_interval,
    mean_interval_from_summary,
    paired_difference_interval,
    wilson_interval,
)

__all__ = [
    "compute_adoption_change",
    "compute_adoption_curve",
    "compute_adoption_metrics",
    "compute_diffusion_forecast",
    "compute_first_use_spans",
    "compute_retention",
    "compute_segment_transitions",
    "compute_team_ranking",
    "compute_time_to_first_use",
    "compute_usage_segments",
    "compute_user_flows",
    "identify_period_segments",
    "mean_interval",
    "mean_interval_from_summary",
    "paired_difference_interval",
    "wilson_interval",
]
