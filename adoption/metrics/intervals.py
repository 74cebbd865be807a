"""The confidence intervals, re-exported from their home :mod:`adoption.stats.intervals`.

Kept so that existing ``from adoption.metrics.intervals import ...`` lines keep working; new
code imports :mod:`adoption.stats.intervals`.
"""

from adoption.stats.intervals import (  # noqa: F401 (re-exports)
    __all__,
    bounded_mean_interval,
    check_confidence,
    mean_interval,
    mean_interval_from_summary,
    paired_difference_interval,
    wilson_interval,
)
