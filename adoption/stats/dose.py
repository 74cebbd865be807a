"""Dose-response across teams: how much the outcome differs with how much a team uses a tool.

``outcome ~ dose + controls`` by OLS (statsmodels). The slope is an **association**: teams
that use a tool more differ in many other ways, so it is not the tool's effect. Errors are
clustered on ``cluster`` (CRV1 with G - 1 degrees of freedom) when one is given (e.g. the
team, with several periods per team), else HC3 (MacKinnon & White 1985), which behaves well
in the small samples a list of teams is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

from adoption.errors import InputError
from adoption.stats.impact_input import check_alpha, check_varies, select_columns
from adoption.stats.impact_result import ImpactResult

__all__ = ["dose_response"]

_ASSUMPTIONS = (
    "This is an association across teams, not an effect: teams that use the tool more may "
    "differ in other ways that also affect the outcome.",
    "The relation between use and outcome is roughly a straight line over the range observed.",
)


def dose_response(data: pd.DataFrame, *, outcome: str, dose: str, cluster: str | None = None,
                  controls: Sequence[str] = (), alpha: float = 0.05) -> ImpactResult:
    """Slope of ``outcome`` on ``dose`` (e.g. share of active users), with controls.

    Parameters
    ----------
    data : DataFrame
        One row per team (or team and period, with ``cluster`` the team).
    outcome, dose : str
        Numeric columns.
    cluster : str, optional
        Column the errors are clustered on; HC3 errors without one.
    controls : sequence of str
        Further columns held fixed; text columns enter as categories.
    alpha : float
        1 minus the confidence level.

    Returns
    -------
    ImpactResult
        ``estimate``: the change of the outcome per unit of dose; ``n_units``: clusters (or
        rows); ``n_treated``: units with a dose above 0; ``relative_effect``: the slope divided
        by the outcome's mean.

    Raises
    ------
    InputError
        A missing column, a dose or outcome that does not vary, fewer rows than terms + 2.

    Examples
    --------
    >>> df = pd.DataFrame({"use": [0.1, 0.2, 0.4, 0.5, 0.7, 0.9],
    ...                    "y": [1.0, 1.3, 1.7, 2.1, 2.4, 2.9]})
    >>> r = dose_response(df, outcome="y", dose="use")
    >>> round(r.estimate, 2), r.method
    (2.34, 'dose-response (association)')
    """
    where = "dose_response"
    check_alpha(alpha, where=where)
    if isinstance(controls, str):
        controls = (controls,)
    roles = {"outcome": outcome, "dose": dose, "cluster": cluster}
    roles.update({f"control_{i}": c for i, c in enumerate(controls)})
    df = select_columns(data, roles, where=where, numeric=("outcome", "dose"))
    check_varies(df["outcome"], column=outcome, where=where)
    if df["dose"].nunique() < 2:
        raise InputError(f"{where}: the dose {dose!r} is the same ({df['dose'].iloc[0]!r}) in "
                         "every row; a slope needs teams with different doses.")
    X = pd.DataFrame({"const": 1.0, "dose": df["dose"]})
    for i in range(len(controls)):
        col = df[f"control_{i}"]
        if pd.api.types.is_numeric_dtype(col):
            X[f"control_{i}"] = col.astype(float)
        else:
            dummies = pd.get_dummies(col.astype(str), prefix=f"control_{i}", drop_first=True)
            X = X.join(dummies.astype(float))
    if len(df) < X.shape[1] + 2:
        raise InputError(f"{where}: {len(df)} rows for {X.shape[1]} terms; add rows or drop "
                         "controls.")
    if cluster is None:
        fit = sm.OLS(df["outcome"], X).fit(cov_type="HC3")
        n_units, inference = len(df), "HC3 heteroskedasticity-robust"
    else:
        groups = pd.factorize(df["cluster"])[0]
        n_units = int(groups.max() + 1)
        fit = sm.OLS(df["outcome"], X).fit(cov_type="cluster", cov_kwds={"groups": groups},
                                           use_t=True)
        inference = f"{cluster}-clustered (CRV1, {n_units} clusters)"
    low, high = (float(v) for v in np.asarray(fit.conf_int(alpha=alpha).loc["dose"]))
    units = df.groupby("cluster")["dose"].max() if cluster is not None else df["dose"]
    mean = df["outcome"].mean()
    est = float(fit.params["dose"])
    return ImpactResult(
        method="dose-response (association)", estimate=est, ci_low=low, ci_high=high,
        se=float(fit.bse["dose"]), p_value=float(fit.pvalues["dose"]), n=len(df),
        n_units=n_units, n_treated=int((units > 0).sum()), alpha=float(alpha),
        inference=inference, assumptions=_ASSUMPTIONS,
        relative_effect=est / mean if mean else None)
