"""Statistical estimators shared by the metrics: reliability, NPS, shrinkage, tests.

- :func:`cronbach_alpha`, :func:`feldt_interval`: internal consistency of a scale;
- :func:`nps_from_counts`, :func:`nps_from_scores`: Net Promoter Score with its interval;
- :func:`shrink_estimates`, :func:`moment_tau2`: empirical-Bayes shrinkage toward a mean;
- :func:`adjust_pvalues`: Benjamini-Hochberg (or other) adjusted p-values.
"""

from adoption.stats.multiple import adjust_pvalues
from adoption.stats.nps import nps_from_counts, nps_from_scores
from adoption.stats.reliability import cronbach_alpha, feldt_interval
from adoption.stats.shrinkage import moment_tau2, shrink_estimates

__all__ = [
    "adjust_pvalues",
    "cronbach_alpha",
    "feldt_interval",
    "moment_tau2",
    "nps_from_counts",
    "nps_from_scores",
    "shrink_estimates",
]
