"""Change in sentiment between survey waves, and the ADKAR barrier point per team.

:func:`compute_wave_change` compares two waves' construct scores per group (Welch's t-test,
Benjamini-Hochberg control); :func:`adkar_barrier` finds the first ADKAR stage that clearly
scores low in the output of :func:`adoption.surveys.metrics.summarise_sentiment`
(threshold from ``[surveys] barrier_threshold`` via :func:`barrier_threshold`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from adoption.errors import InputError
from adoption.privacy import suppress_small_groups
from adoption.stats import adjust_pvalues
from adoption.surveys.metrics import (
    _check_common,
    _check_frame,
    _keep_levels,
    _levels,
    _scores,
    _text,
)

__all__ = [
    "ADKAR_STAGES",
    "BARRIER_THRESHOLD",
    "adkar_barrier",
    "barrier_threshold",
    "compute_wave_change",
]

#: The ADKAR stages in order.
ADKAR_STAGES = ("awareness", "desire", "knowledge", "ability", "reinforcement")
#: Default favourable-share threshold of the ADKAR barrier (``[surveys] barrier_threshold``).
BARRIER_THRESHOLD = 0.6


# ----------------------------------------------------------------- change

_CHANGE_VALUES = ["n_before", "n_after", "mean_before", "mean_after", "estimate", "ci_low",
                  "ci_high", "p_value"]


def compute_wave_change(responses: pd.DataFrame, *, wave: str, comparison_wave: str,
                        by: str = "team", min_group_size: int = 5, confidence: float = 0.95,
                        fdr: float = 0.05) -> pd.DataFrame:
    """Change of each construct's mean score between two waves, per group, with BH control.

    Each wave's respondents are compared as independent samples with Welch's t-test (in a
    pulse survey many respondents answer only one wave and anonymous waves cannot be linked;
    where the same people answer both, the independent test is conservative). Groups are the
    teams as on each wave's date. The Benjamini-Hochberg adjustment runs over every published
    row of the returned level (groups x constructs) with a p-value.

    Parameters
    ----------
    responses : pandas.DataFrame
        Long responses frame (or construct scores) holding both waves.
    wave, comparison_wave : str
        The later wave and the wave it is compared with.
    fdr : float, default 0.05
        False discovery rate for ``beyond_noise``.

    Returns
    -------
    pandas.DataFrame
        Rows of the ``by`` level only (all levels are protected together). Columns ``level,
        department, team, construct, stage, wave, comparison_wave,
        n_before, n_after, mean_before, mean_after, estimate`` (after - before), ``ci_low,
        ci_high`` (Welch), ``p_value, p_adjusted`` (BH), ``beyond_noise`` (``p_adjusted <
        fdr``; missing where hidden or untestable), ``suppressed, suppression_reason``. A row
        is hidden when either wave's group is too small (complementary suppression on both
        counts).
    """
    where = "compute_wave_change"
    depth = _check_common(where, by, min_group_size, confidence)
    if not 0 < fdr < 1:
        raise InputError(f"{where}: fdr is {fdr!r}; use a rate in (0, 1), e.g. 0.05.")
    s = _scores(responses, where)
    known = set(s["wave"].astype(str))
    for label, w in (("wave", wave), ("comparison_wave", comparison_wave)):
        if str(w) not in known:
            raise InputError(
                f"{where}: {label} {w!r} has no scored answers; waves with answers: "
                f"{sorted(known)!r}."
            )
    s = s[s["wave"].astype(str).isin([str(wave), str(comparison_wave)])]
    s = s.assign(department=_text(s["department"]), team=_text(s["team"]),
                 after=s["wave"].astype(str) == str(wave))

    def aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        g = frame.groupby([*keys, "after"], dropna=False, sort=True).agg(
            stage=("stage", "first"), n=("score", "size"), mean=("score", "mean"),
            var=("score", "var")).reset_index()
        a = g[g["after"]].drop(columns="after")
        b = g[~g["after"]].drop(columns=["after", "stage"])
        m = a.merge(b, on=keys, how="outer", suffixes=("_after", "_before"))
        if "stage" not in m:
            m["stage"] = None
        for col in ("n_after", "n_before"):
            m[col] = m[col].fillna(0).astype("int64")
        res = _welch_summary(m["mean_after"], m["var_after"], m["n_after"], m["mean_before"],
                             m["var_before"], m["n_before"], confidence)
        return m.assign(**res).drop(columns=["var_after", "var_before"])

    t = _levels(s, ["construct"], aggregate)
    t["wave"], t["comparison_wave"] = str(wave), str(comparison_wave)
    cols = ["level", "department", "team", "construct", "stage", "wave", "comparison_wave",
            *_CHANGE_VALUES]
    out = suppress_small_groups(t[cols], hierarchy=("department", "team"), size="n_after",
                                within=("construct",), value_columns=_CHANGE_VALUES,
                                denominators={"n_before": _CHANGE_VALUES},
                                min_group_size=min_group_size)
    hidden = out["suppressed"] | out["suppression_reason"].notna()
    out["suppressed"] = hidden.astype(bool)
    out.loc[hidden, _CHANGE_VALUES] = np.nan
    out = _keep_levels(out, depth)
    out = out[out["level"] == by].reset_index(drop=True)
    out["p_adjusted"] = adjust_pvalues(out["p_value"].astype(float))
    beyond = (out["p_adjusted"] < fdr).astype("boolean")
    out["beyond_noise"] = beyond.mask(out["p_adjusted"].isna())
    order = [*cols, "p_adjusted", "beyond_noise", "suppressed", "suppression_reason"]
    return out[order]


def _welch_summary(mean_a, var_a, n_a, mean_b, var_b, n_b, confidence: float
                   ) -> dict[str, np.ndarray]:
    """Welch's unequal-variance t-test of ``mean_a - mean_b`` from group summaries (vectorised).

    The same test as ``scipy.stats.ttest_ind(a, b, equal_var=False)``: ``se^2 = v_a/n_a +
    v_b/n_b``, Welch-Satterthwaite degrees of freedom, two-sided p-value and t interval.
    NaN test where a group has fewer than 2 answers or both variances are 0.
    """
    ma, va, na, mb, vb, nb = (np.asarray(x, dtype=float) for x in (mean_a, var_a, n_a, mean_b,
                                                                 var_b, n_b))
    diff = ma - mb
    ok = (na >= 2) & (nb >= 2) & np.isfinite(va) & np.isfinite(vb) & (va + vb > 1e-18)
    with np.errstate(divide="ignore", invalid="ignore"):
        qa, qb = va / na, vb / nb
        se = np.sqrt(qa + qb)
        df = (qa + qb) ** 2 / (qa ** 2 / (na - 1) + qb ** 2 / (nb - 1))
        t = diff / se
        p = np.where(ok, 2 * stats.t.sf(np.abs(t), df), np.nan)
        half = np.where(ok, stats.t.ppf((1 + confidence) / 2, df) * se, np.nan)
    return {"estimate": diff, "ci_low": diff - half, "ci_high": diff + half, "p_value": p}


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> dict[str, float]:
    """:func:`_welch_summary` of two samples."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    out = _welch_summary(a.mean() if a.size else np.nan, a.var(ddof=1) if a.size > 1 else np.nan,
                         a.size, b.mean() if b.size else np.nan,
                         b.var(ddof=1) if b.size > 1 else np.nan, b.size, confidence)
    return {k: float(v) for k, v in out.items()}


# ----------------------------------------------------------------- ADKAR barrier


def barrier_threshold(section: dict | None) -> float:
    """The ``barrier_threshold`` of a ``[surveys]`` settings section (default 0.6), checked."""
    value = (section or {}).get("barrier_threshold", BARRIER_THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise InputError(
            f"adoption.toml [surveys]: barrier_threshold is {value!r}; it must be a share "
            "strictly between 0 and 1, e.g. barrier_threshold = 0.6."
        )
    return float(value)


def adkar_barrier(summary: pd.DataFrame, *, threshold: float | None = None) -> pd.DataFrame:
    """The ADKAR barrier point per group and wave: the first stage that clearly scores low.

    Rule: going through awareness, desire, knowledge, ability, reinforcement in order, the
    barrier is the first stage whose favourable share is *clearly* below ``threshold``: the
    upper bound of its Wilson interval is below the threshold. ``possible_barrier`` is the
    first stage whose share is below the threshold while the interval still includes it
    (not conclusive). A group with no such stage has barrier ``"none"``. A group hidden on any
    stage gets no verdict (``suppressed``).

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`summarise_sentiment` (constructs with an ADKAR ``stage``).
    threshold : float, optional
        Favourable share a stage should reach (default :data:`BARRIER_THRESHOLD` = 0.6; in
        a workspace, ``[surveys] barrier_threshold`` via :func:`barrier_threshold`).

    Returns
    -------
    pandas.DataFrame
        Columns ``level, department, team, wave, n`` (fewest respondents over the stages),
        ``barrier`` (a stage, "none", or missing when hidden), ``barrier_share,
        barrier_ci_low, barrier_ci_high`` (of the barrier stage), ``possible_barrier``,
        ``stages`` (stages measured), ``threshold, suppressed, suppression_reason``.
    """
    where = "adkar_barrier"
    s = _check_frame(summary, ["level", "department", "team", "wave", "stage", "n",
                               "favourable_share", "favourable_ci_high", "suppressed"], where)
    threshold = BARRIER_THRESHOLD if threshold is None else threshold
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not (
            0 < threshold < 1):
        raise InputError(f"{where}: threshold is {threshold!r}; use a share in (0, 1).")
    s = s[s["stage"].isin(ADKAR_STAGES)].copy()
    s["_rank"] = s["stage"].map({st: i for i, st in enumerate(ADKAR_STAGES)})
    rows = []
    for key, g in s.groupby(["level", "department", "team", "wave"], dropna=False, sort=False):
        g = g.sort_values("_rank")
        base = dict(zip(["level", "department", "team", "wave"], key, strict=True))
        hidden = g["suppressed"].astype(bool)
        row = base | {"n": np.nan, "barrier": None, "barrier_share": np.nan,
                      "barrier_ci_low": np.nan, "barrier_ci_high": np.nan,
                      "possible_barrier": None, "stages": len(g), "threshold": threshold,
                      "suppressed": bool(hidden.any()), "suppression_reason": None}
        if hidden.any():
            row["suppression_reason"] = g.loc[hidden, "suppression_reason"].dropna().iloc[0] \
                if g.loc[hidden, "suppression_reason"].notna().any() else "hidden"
            rows.append(row)
            continue
        row["n"] = float(g["n"].min())
        clear = g[g["favourable_ci_high"] < threshold]
        maybe = g[(g["favourable_share"] < threshold) & ~(g["favourable_ci_high"] < threshold)]
        if len(clear):
            first = clear.iloc[0]
            row |= {"barrier": first["stage"], "barrier_share": first["favourable_share"],
                    "barrier_ci_low": first.get("favourable_ci_low", np.nan),
                    "barrier_ci_high": first["favourable_ci_high"]}
            maybe = maybe[maybe["_rank"] < first["_rank"]]
        else:
            row["barrier"] = "none"
        if len(maybe):
            row["possible_barrier"] = maybe.iloc[0]["stage"]
        rows.append(row)
    cols = ["level", "department", "team", "wave", "n", "barrier", "barrier_share",
            "barrier_ci_low", "barrier_ci_high", "possible_barrier", "stages", "threshold",
            "suppressed", "suppression_reason"]
    return pd.DataFrame(rows, columns=cols)
