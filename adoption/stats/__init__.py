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
  event with right-censoring.

The confidence intervals every metric uses are in :mod:`adoption.stats.intervals`.
"""

from adoption.stats.betabinomial import fit_beta_prior, shrink_rates
from adoption.stats.diffusion import BassModel, bass_cumulative
from adoption.stats.multiple import adjust_pvalues
from adoption.stats.nps import nps_from_counts, nps_from_scores
from adoption.stats.ordinal import compare_choices, compare_ordinal
from adoption.stats.reliability import cronbach_alpha, feldt_interval
from adoption.stats.shrinkage import james_stein_tau2, moment_tau2, shrink_estimates
from adoption.stats.survival import kaplan_meier_at, kaplan_meier_median, logrank_test

__all__ = [
    "BassModel",
    "adjust_pvalues",
    "bass_cumulative",
    "compare_choices",
    "compare_ordinal",
    "cronbach_alpha",
    "feldt_interval",
    "fit_beta_prior",
    "james_stein_tau2",
    "kaplan_meier_at",
    "kaplan_meier_median",
    "logrank_test",
    "moment_tau2",
    "nps_from_counts",
    "nps_from_scores",
    "shrink_estimates",
    "shrink_rates",
]
