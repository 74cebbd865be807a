"""Difference in differences with one rollout date (the 2 x 2 design).

``outcome ~ treated + post + treated:post`` by OLS (``pyfixest.feols``); the coefficient of
``treated:post`` is the average effect on the treated teams (ATT) when, without the rollout,
adopting and comparison teams would have moved in parallel.

Inference
---------
Errors are clustered on ``cluster`` (default ``unit``: the repeated observations of a team are
not independent), CRV1 with a t distribution of G - 1 degrees of freedom as fixest and Stata.
With few clusters (fewer than 30, ``bootstrap="auto"``) those errors are too small, and the
wild cluster bootstrap is used instead (Cameron, Gelbach & Miller 2008; ``pyfixest``'s
``wildboottest``, the ``wildboottest`` package): Webb's six-point weights (Webb 2023), which
behave better than Rademacher's two points with under about 12 clusters, and the
unrestricted (WCU) bootstrap-t, whose p-value and symmetric interval
``estimate +- q(|t*|, 1 - alpha) * se`` agree (the interval excludes 0 exactly when
p < alpha). With a single treated cluster no cluster method is reliable (MacKinnon & Webb
2017); an :class:`~adoption.errors.EstimateWarning` says so.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from adoption.errors import EstimateWarning, InputError
from adoption.stats.impact_input import (
    check_alpha,
    check_binary,
    check_varies,
    quiet_pyfixest,
    select_columns,
    tidy_row,
)
from adoption.stats.impact_result import ImpactResult

__all__ = ["DID_ASSUMPTIONS", "diff_in_diff"]

#: below this many clusters ``bootstrap="auto"`` uses the wild cluster bootstrap
FEW_CLUSTERS = 30

DID_ASSUMPTIONS = (
    "Without the rollout, adopting and comparison teams would have moved in parallel.",
    "Nothing else that affects the outcome changed for the adopting teams at the rollout.",
    "Teams did not change their outcome in anticipation of the rollout.",
    "The teams' membership and the outcome's definition did not change across the rollout.",
)


def diff_in_diff(data: pd.DataFrame, *, outcome: str, unit: str, treated: str, post: str,
                 cluster: str | None = None, alpha: float = 0.05,
                 bootstrap: Literal["auto", "never", "always"] = "auto", reps: int = 9999,
                 seed: int = 0) -> ImpactResult:
    """Difference in differences of ``outcome`` between treated and comparison units.

    Parameters
    ----------
    data : DataFrame
        One row per unit and period (or per observation); rows with a missing value in a
        used column are dropped.
    outcome : str
        The outcome column (numbers).
    unit : str
        The unit (team) column.
    treated : str
        1 (True) for units that adopt, 0 for comparison units; constant within a unit.
    post : str
        1 for periods after the rollout, 0 before.
    cluster : str, optional
        Column the errors are clustered on; default ``unit``.
    alpha : float
        1 minus the confidence level.
    bootstrap : {"auto", "never", "always"}
        Wild cluster bootstrap: with fewer than 30 clusters (``"auto"``), never, or always.
    reps : int
        Bootstrap draws (at least 99).
    seed : int
        Seed of the bootstrap draws.

    Returns
    -------
    ImpactResult
        ``estimate`` is the coefficient of ``treated:post``; ``relative_effect`` is it divided
        by the treated units' pre-period mean; ``comparison_units`` names the units with
        ``treated == 0``.

    Raises
    ------
    InputError
        A missing column, a treated or post column that is not 0/1, a unit whose treated flag
        changes, no treated or no comparison unit, no row before or after the rollout, a
        constant outcome.

    Examples
    --------
    >>> df = pd.DataFrame({"team": list("aabbccdd"), "adopter": [1, 1, 1, 1, 0, 0, 0, 0],
    ...                    "after": [0, 1] * 4, "y": [1.0, 3.0, 2.0, 4.5, 1.0, 1.5, 2.0, 2.0]})
    >>> r = diff_in_diff(df, outcome="y", unit="team", treated="adopter", post="after",
    ...                  bootstrap="never")
    >>> round(r.estimate, 2)  # (3 - 1 + 4.5 - 2) / 2 - (1.5 - 1 + 2 - 2) / 2
    2.0
    """
    where = "diff_in_diff"
    check_alpha(alpha, where=where)
    if bootstrap not in ("auto", "never", "always"):
        raise InputError(f"{where}: bootstrap is {bootstrap!r}; use 'auto', 'never' or "
                         "'always'.")
    df = select_columns(data, {"outcome": outcome, "unit": unit, "treated": treated,
                               "post": post, "cluster": cluster or unit},
                        where=where, numeric=("outcome",))
    df["treated"] = check_binary(df["treated"], column=treated, where=where)
    df["post"] = check_binary(df["post"], column=post, where=where)
    flips = df.groupby("unit")["treated"].nunique()
    if (flips > 1).any():
        raise InputError(f"{where}: {treated!r} must be constant within a unit; unit "
                         f"{flips[flips > 1].index[0]!r} has both 0 and 1. Mark the units that "
                         "adopt (1) and those that do not (0); the timing goes in post.")
    units = df.groupby("unit")["treated"].first()
    if not (units == 1).any():
        raise InputError(f"{where}: no treated unit ({treated!r} is 0 in every row); at least "
                         "one adopting team is needed.")
    if not (units == 0).any():
        raise InputError(f"{where}: no comparison unit ({treated!r} is 1 in every row); a "
                         "difference in differences needs teams that did not adopt.")
    for flag, label in ((0.0, "before"), (1.0, "after")):
        if not (df["post"] == flag).any():
            raise InputError(f"{where}: no row {label} the rollout ({post!r} is never "
                             f"{int(flag)}); both periods are needed.")
    check_varies(df["outcome"], column=outcome, where=where)
    # integer codes: the bootstrap's compiled code cannot take an array of strings
    df["cluster"] = pd.factorize(df["cluster"])[0]
    n_clusters = int(df["cluster"].nunique())
    treated_clusters = int(df.loc[df["treated"] == 1, "cluster"].nunique())
    if treated_clusters < 2:
        warnings.warn(f"{where}: only {treated_clusters} treated cluster; no cluster-robust "
                      "interval is reliable with one treated cluster (MacKinnon & Webb 2017). "
                      "Read the interval as a rough guide.", EstimateWarning, stacklevel=2)

    from adoption.stats.fixest import pyfixest

    pf = pyfixest()

    with quiet_pyfixest():
        fit = pf.feols("outcome ~ treated + post + treated:post", data=df,
                       vcov={"CRV1": "cluster"})
    term = "treated:post"
    use_boot = bootstrap == "always" or (bootstrap == "auto" and n_clusters < FEW_CLUSTERS)
    if use_boot:
        est, inference = _wild_bootstrap(fit, term, alpha=alpha, reps=reps, seed=seed)
        inference += f", {n_clusters} clusters"
    else:
        with quiet_pyfixest():
            est = tidy_row(fit, term, alpha=alpha)
        inference = f"{cluster or unit}-clustered (CRV1, {n_clusters} clusters)"
    pre_mean = df.loc[(df["treated"] == 1) & (df["post"] == 0), "outcome"].mean()
    relative = float(est["estimate"] / pre_mean) if pre_mean else None
    return ImpactResult(
        method="difference in differences", **est, n=len(df), n_units=int(len(units)),
        n_treated=int((units == 1).sum()), alpha=float(alpha), inference=inference,
        assumptions=DID_ASSUMPTIONS,
        comparison_units=tuple(str(u) for u in units.index[units == 0]),
        relative_effect=relative)


def _wild_bootstrap(fit, term: str, *, alpha: float, reps: int, seed: int
                    ) -> tuple[dict[str, float], str]:
    """Webb wild cluster bootstrap-t (WCU) of ``term``: p-value and symmetric interval."""
    if not isinstance(reps, int | np.integer) or reps < 99:
        raise InputError(f"diff_in_diff: reps is {reps!r}; use at least 99 bootstrap draws "
                         "(9999 by default).")
    try:  # pyfixest's wildboottest() needs it but does not declare it
        import wildboottest  # noqa: F401
    except ImportError as e:
        raise ImportError("diff_in_diff: the wild cluster bootstrap needs the package "
                          "'wildboottest' (pip install wildboottest), or pass "
                          "bootstrap='never'.") from e
    with quiet_pyfixest(), warnings.catch_warnings():
        # wildboottest warns when it enumerates all weight vectors of very few clusters
        warnings.simplefilter("ignore")
        boot, t_boot = fit.wildboottest(param=term, reps=int(reps), weights_type="webb",
                                        impose_null=False, seed=seed,
                                        return_bootstrapped_t_stats=True)
    with quiet_pyfixest():
        beta = float(fit.coef()[term])
    t_stat = float(boot["t value"])
    se = abs(beta / t_stat) if t_stat else float("nan")
    q = float(np.quantile(np.abs(np.asarray(t_boot, dtype=float)), 1 - alpha))
    draws = len(np.ravel(t_boot))
    # (1 + exceedances) / (1 + draws): never exactly 0 (Davison & Hinkley 1997, eq. 4.11)
    p_value = (float(boot["Pr(>|t|)"]) * draws + 1) / (draws + 1)
    est = {"estimate": beta, "se": se, "p_value": p_value,
           "ci_low": beta - q * se, "ci_high": beta + q * se}
    return est, f"wild cluster bootstrap (Webb, {draws} draws)"
