"""Metrics: pure functions from the store's tidy tables to tidy result tables.

- :func:`compute_adoption_metrics`: headcount, seats, activation, penetration, intensity,
  stickiness and user flows per team, department or organisation and period.
- :func:`metric_sets`: the same tables straight from the store's marts (people counted in
  the store; what commands, reports and benchmarks use).
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

Names load from their module on first use, so that a command needing one metric does not
import the others' libraries (statsmodels, scipy.stats, scipy.optimize).
"""

from adoption.lazy import lazy_exports

_LAZY = {
    "compute_adoption_change": "adoption.metrics.change",
    "compute_adoption_curve": "adoption.metrics.diffusion",
    "compute_adoption_metrics": "adoption.metrics.adoption",
    "compute_diffusion_forecast": "adoption.metrics.diffusion",
    "compute_first_use_spans": "adoption.metrics.first_use",
    "compute_retention": "adoption.metrics.retention",
    "compute_segment_transitions": "adoption.metrics.segment_trends",
    "compute_team_ranking": "adoption.metrics.ranking",
    "compute_time_to_first_use": "adoption.metrics.first_use",
    "compute_usage_segments": "adoption.metrics.segment_trends",
    "compute_user_flows": "adoption.metrics.retention",
    "identify_period_segments": "adoption.metrics.segments",
    "mean_interval": "adoption.stats.intervals",
    "mean_interval_from_summary": "adoption.stats.intervals",
    "metric_sets": "adoption.metrics.sets",
    "paired_difference_interval": "adoption.stats.intervals",
    "wilson_interval": "adoption.stats.intervals",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
