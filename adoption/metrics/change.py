"""Change in penetration between two periods, paired by person, with multiple-comparison control."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from adoption.errors import InputError
from adoption.metrics.adoption import (
    _check_by,
    _check_person_periods,
    _warn_if_all_hidden,
)
from adoption.metrics.labels import department_labels
from adoption.privacy import check_min_group_size, suppress_small_groups
from adoption.stats.intervals import check_confidence, paired_difference_interval

__all__ = ["CHANGE_COLUMNS", "EXACT_BELOW", "compute_adoption_change"]

#: McNemar's test is exact (binomial) when there are fewer discordant pairs than this.
EXACT_BELOW = 25
#: Output columns after the key columns, in order.
CHANGE_COLUMNS = [
    "period", "comparison_period", "n_paired", "penetration", "comparison_penetration",
    "difference", "ci_low", "ci_high", "p_value", "p_value_adjusted", "is_beyond_noise",
    "suppressed", "suppression_reason",
]
_VALUES = ["n_paired", "penetration", "comparison_penetration", "difference", "ci_low",
           "ci_high", "p_value"]


def compute_adoption_change(
    data: pd.DataFrame,
    *,
    by: str = "team",
    period: str,
    comparison_period: str,
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Change in penetration (share of people active) from ``comparison_period`` to ``period``.

    Only people employed in both periods are compared (paired by ``person_id``), each counted
    in the group they belong to in ``period``.

    Parameters
    ----------
    data : pandas.DataFrame
        Person-period frame with at least ``period``, ``person_id``, ``team``, ``department``
        and ``is_active``. Not modified.
    by : {"team", "department", "organisation"}, default "team"
        Level of the rows returned.
    period, comparison_period : str
        Labels (values of the ``period`` column) of the period of interest and of the period
        it is compared with (usually the one before).
    min_group_size : int, default 5
        Smallest number of paired people for which figures are shown (never below 3).
    confidence : float, default 0.95
        Confidence level of the intervals; ``1 - confidence`` is the false discovery rate.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by the keys (``department, team`` / ``department`` / none
        for the organisation), then:

        - ``period``, ``comparison_period`` (str): the two labels.
        - ``n_paired`` (Int64): people in the group employed in both periods.
        - ``penetration``, ``comparison_penetration``: share of them active in ``period`` and in
          ``comparison_period``.
        - ``difference``: ``penetration - comparison_penetration``.
        - ``ci_low``, ``ci_high``: interval for the difference, Newcombe's hybrid score
          method 10 for paired proportions (Newcombe 1998, Statistics in Medicine 17:2635).
        - ``p_value``: McNemar's test (statsmodels ``mcnemar``), exact binomial when fewer than
          25 discordant pairs, otherwise chi-square with continuity correction.
        - ``p_value_adjusted``: Benjamini-Hochberg adjusted p-value across the published rows of
          this table (statsmodels ``multipletests(method="fdr_bh")``).
        - ``is_beyond_noise`` (boolean): ``p_value_adjusted < 1 - confidence`` and the
          interval ``ci_low``..``ci_high`` excludes 0.
        - ``suppressed`` (bool), ``suppression_reason`` (str): as in
          :func:`adoption.privacy.suppress_small_groups`, with ``n_paired`` as the group size;
          hidden rows have every figure missing and take no part in the adjustment.
    """
    where = "compute_adoption_change"
    keys = _check_by(by, where)
    check_min_group_size(min_group_size, where=where)
    check_confidence(confidence, where=where)
    _check_person_periods(data, ["period", "person_id", "team", "department", "is_active"], where)
    labels = pd.unique(data["period"].astype(str))
    for name, label in (("period", period), ("comparison_period", comparison_period)):
        if str(label) not in labels:
            raise InputError(
                f"{where}: {name} {label!r} is not in the data; available periods: "
                f"{sorted(labels)[:24]!r}. Pass one of them."
            )
    if str(period) == str(comparison_period):
        raise InputError(
            f"{where}: period and comparison_period are both {period!r}. Compare two different "
            "periods, e.g. this month and the one before."
        )

    label = data["period"].astype(str)
    now = data.loc[label == str(period), ["person_id", "department", "team", "is_active"]]
    before = data.loc[label == str(comparison_period), ["person_id", "is_active"]]
    pairs = now.merge(before, on="person_id", how="inner", suffixes=("", "_before"))
    first = pairs["is_active"].to_numpy(dtype=bool)
    second = pairs["is_active_before"].to_numpy(dtype=bool)
    cells = pd.DataFrame({
        "department": department_labels(pairs["department"]).to_numpy(),
        "team": pairs["team"].astype(str).to_numpy(),
        "both": first & second, "first_only": first & ~second,
        "second_only": ~first & second, "neither": ~first & ~second,
    })
    cell_cols = ["both", "first_only", "second_only", "neither"]
    team = cells.groupby(["department", "team"], sort=True)[cell_cols].sum().reset_index()
    dept = team.groupby("department", sort=True)[cell_cols].sum().reset_index()
    org = team[cell_cols].sum().to_frame().T
    table = pd.concat([team, dept, org], ignore_index=True)
    table = _add_tests(table, confidence)

    protected = suppress_small_groups(
        table, hierarchy=("department", "team"), size="n_paired", within=(),
        value_columns=_VALUES, min_group_size=min_group_size,
    )
    depth = protected[["department", "team"]].notna().sum(axis=1)
    out = protected.loc[depth == len(keys)].sort_values(keys).reset_index(drop=True)
    p_value = out["p_value"].to_numpy(dtype=float, na_value=np.nan)
    shown = ~out["suppressed"].to_numpy(dtype=bool) & np.isfinite(p_value)
    adjusted = np.full(len(out), np.nan)
    if shown.any():
        adjusted[shown] = multipletests(p_value[shown], method="fdr_bh")[1]
    out["p_value_adjusted"] = adjusted
    # beyond noise: the adjusted test says so and the interval shown beside the verdict
    # excludes 0 (the score interval and McNemar's test almost always agree; where they do
    # not, the report never shows "beyond noise" next to an interval holding no change)
    low = out["ci_low"].to_numpy(dtype=float, na_value=np.nan)
    high = out["ci_high"].to_numpy(dtype=float, na_value=np.nan)
    beyond = pd.array((adjusted < 1 - confidence) & ((low > 0) | (high < 0)), dtype="boolean")
    beyond[~shown] = pd.NA
    out["is_beyond_noise"] = beyond
    out["period"] = pd.Series(str(period), index=out.index, dtype="str")
    out["comparison_period"] = pd.Series(str(comparison_period), index=out.index, dtype="str")
    out = out[[*keys, *CHANGE_COLUMNS]]
    _warn_if_all_hidden(out, by, min_group_size)
    return out


def _add_tests(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Penetrations, Newcombe interval and McNemar p-value per row of paired 2x2 cells."""
    a, b, c, d = (table[k].to_numpy(dtype=float) for k in
                  ("both", "first_only", "second_only", "neither"))
    n = a + b + c + d
    out = table[["department", "team"]].copy()
    out["n_paired"] = pd.array(n.astype(np.int64), dtype="Int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["penetration"] = (a + b) / n
        out["comparison_penetration"] = (a + c) / n
        out["difference"] = (b - c) / n
    out["ci_low"], out["ci_high"] = paired_difference_interval(a, b, c, d, confidence=confidence)
    discordant = pd.DataFrame({"b": b.astype(np.int64), "c": c.astype(np.int64)})
    unique = discordant.drop_duplicates()
    p = {
        (bb, cc): float(mcnemar([[0, bb], [cc, 0]], exact=bool(bb + cc < EXACT_BELOW),
                                correction=True).pvalue)
        for bb, cc in unique.itertuples(index=False)
    }
    p_value = np.array([p[(bb, cc)] for bb, cc in discordant.itertuples(index=False)])
    out["p_value"] = np.where(n > 0, p_value, np.nan)
    return out

