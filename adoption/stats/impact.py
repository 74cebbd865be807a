"""Did an AI-tool rollout change a team outcome? The impact estimators and their verdict.

- :func:`diff_in_diff`: one rollout date, adopting versus comparison teams (2 x 2), with
  team-clustered errors or the wild cluster bootstrap when there are few teams;
- :func:`staggered_event_study`: teams adopting at different times (Gardner's did2s or Sun &
  Abraham), effects by period relative to adoption and a pre-trend test;
- :func:`twfe_event_study`: the plain two-way fixed-effects event study, for comparison;
- :func:`interrupted_time_series`: one series before and after (segmented regression,
  Poisson for counts, Newey-West errors);
- :func:`dose_response`: how the outcome varies with the amount of use (an association);
- :func:`impact_verdict`: the plain-words verdict on an :class:`ImpactResult`.
"""

from __future__ import annotations

import math
from typing import Literal

from adoption.errors import InputError
from adoption.stats.did import diff_in_diff
from adoption.stats.dose import dose_response
from adoption.stats.event_study import staggered_event_study, twfe_event_study
from adoption.stats.impact_result import ImpactResult
from adoption.stats.its import interrupted_time_series

__all__ = [
    "VERDICTS",
    "ImpactResult",
    "diff_in_diff",
    "dose_response",
    "impact_verdict",
    "interrupted_time_series",
    "staggered_event_study",
    "twfe_event_study",
]

#: the four verdicts :func:`impact_verdict` can give
VERDICTS = ("evidence of improvement", "evidence of worsening", "no detectable change",
            "cannot tell: pre-trends differ")


def _num(x: float) -> str:
    """Three significant figures with a real minus sign."""
    return format(x, ".3g").replace("-", "\u2212")


def impact_verdict(result: ImpactResult, *, better: Literal["up", "down"],
                   pretrend_alpha: float = 0.10) -> tuple[str, str]:
    """``(verdict, reason)`` for an impact estimate: improvement, worsening, no change or
    cannot tell.

    The pre-trends come first: an event study whose joint test of the pre-period coefficients
    has ``pretrend_p < pretrend_alpha`` gives ``"cannot tell: pre-trends differ"`` (adopting
    teams were already moving differently, so the comparison does not show what they would
    have done). Otherwise the interval decides: entirely on the better side of 0 ->
    ``"evidence of improvement"``, entirely on the worse side -> ``"evidence of worsening"``,
    containing 0 (or not computable) -> ``"no detectable change"``.

    Parameters
    ----------
    result : ImpactResult
        From one of the impact estimators.
    better : {"up", "down"}
        Whether a higher outcome is better (throughput) or a lower one (cycle time, defects).
    pretrend_alpha : float
        Level of the pre-trend test; 0.10 by default, lenient towards "cannot tell".

    Returns
    -------
    tuple of str
        The verdict (one of :data:`VERDICTS`) and one plain sentence quoting the estimate and
        its interval.

    Examples
    --------
    >>> r = ImpactResult("difference in differences", -2.5, -4.0, -1.0, 0.75, 0.002, 200, 20,
    ...                  10, 0.05, "team-clustered", ())
    >>> impact_verdict(r, better="down")[0]
    'evidence of improvement'
    >>> impact_verdict(r, better="up")[1]
    'The estimated change is −2.5 (95% interval −4 to −1), entirely on the worse side of zero.'
    """
    if better not in ("up", "down"):
        raise InputError(f"impact_verdict: better is {better!r}; use 'up' when a higher "
                         "outcome is better, 'down' when a lower one is.")
    if not 0 < pretrend_alpha < 1:
        raise InputError(f"impact_verdict: pretrend_alpha is {pretrend_alpha!r}; it must be "
                         "strictly between 0 and 1 (0.10 by default).")
    level = f"{round(100 * (1 - result.alpha), 1):g}%"
    quoted = (f"{_num(result.estimate)} ({level} interval {_num(result.ci_low)} to "
              f"{_num(result.ci_high)})")
    p = result.pretrend_p
    if p is not None and not math.isnan(p) and p < pretrend_alpha:
        return ("cannot tell: pre-trends differ",
                f"Before the rollout the adopting teams were already moving differently from "
                f"the comparison teams (pre-trend test p = {p:.2g}), so the estimated change of "
                f"{quoted} cannot be read as the rollout's effect.")
    if any(math.isnan(v) for v in (result.estimate, result.ci_low, result.ci_high)):
        return ("no detectable change",
                "The change could not be estimated with an interval from these data.")
    side = "up" if result.ci_low > 0 else "down" if result.ci_high < 0 else None
    if side is None:
        return ("no detectable change",
                f"The estimated change is {quoted}; the interval includes zero.")
    good = side == better
    return ("evidence of improvement" if good else "evidence of worsening",
            f"The estimated change is {quoted}, entirely on the "
            f"{'better' if good else 'worse'} side of zero.")
