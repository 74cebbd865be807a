"""Statistical estimators shared by the metrics: reliability, NPS, shrinkage, tests.

- :func:`cronbach_alpha`, :func:`feldt_interval`: internal consistency of a scale;
- :func:`nps_from_counts`, :func:`nps_from_scores`: Net Promoter Score with its interval;
- :func:`shrink_estimates`, :func:`moment_tau2`, :func:`james_stein_tau2`: empirical-Bayes
  shrinkage of means toward a common mean (DerSimonian-Laird or James-Stein);
- :func:`shrink_rates`, :func:`fit_beta_prior`: empirical-Bayes shrinkage of rates
  (beta-binomial, marginal maximum likelihood or the method of moments);
- :func:`adjust_pvalues`: Benjamini-Hochberg (or other) adjusted p-values;
- :class:`BassModel`, :func:`bass_cumulative`: Bass diffusion, its forecast and adopter
  categories;
- :func:`compare_ordinal`, :func:`compare_choices`: Likert answers of two groups by mean,
  Mann-Whitney and ordered logit; choice items by chi-square;
- :func:`kaplan_meier_at`, :func:`kaplan_meier_median`, :func:`logrank_test`: time to an
  event with right-censoring;
- :func:`diff_in_diff`, :func:`staggered_event_study`, :func:`twfe_event_study`,
  :func:`interrupted_time_series`, :func:`dose_response`: whether a rollout changed an outcome
  (:class:`ImpactResult`), and :func:`impact_verdict`, its verdict in words.

The confidence intervals every metric uses are in :mod:`adoption.stats.intervals`.
"""

from adoption.lazy import lazy_exports

# loaded on first use: the report's kernel needs a few of these, not statsmodels' ordinal
# models or the survival code
_LAZY = {
    "BassModel": "adoption.stats.diffusion",
    "ImpactResult": "adoption.stats.impact_result",
    "adjust_pvalues": "adoption.stats.multiple",
    "bass_cumulative": "adoption.stats.diffusion",
    "compare_choices": "adoption.stats.ordinal",
    "compare_ordinal": "adoption.stats.ordinal",
    "cronbach_alpha": "adoption.stats.reliability",
    "diff_in_diff": "adoption.stats.did",
    "dose_response": "adoption.stats.dose",
    "feldt_interval": "adoption.stats.reliability",
    "fit_beta_prior": "adoption.stats.betabinomial",
    "impact_verdict": "adoption.stats.impact",
    "interrupted_time_series": "adoption.stats.its",
    "james_stein_tau2": "adoption.stats.shrinkage",
    "kaplan_meier_at": "adoption.stats.survival",
    "kaplan_meier_median": "adoption.stats.survival",
    "logrank_test": "adoption.stats.survival",
    "moment_tau2": "adoption.stats.shrinkage",
    "nps_from_counts": "adoption.stats.nps",
    "nps_from_scores": "adoption.stats.nps",
    "shrink_estimates": "adoption.stats.shrinkage",
    "shrink_rates": "adoption.stats.betabinomial",
    "staggered_event_study": "adoption.stats.event_study",
    "twfe_event_study": "adoption.stats.event_study",
}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
