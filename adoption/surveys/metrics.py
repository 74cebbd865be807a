"""Sentiment by team from survey answers: construct scores, summaries and reliability.

Every function takes the long responses frame of :func:`adoption.surveys.data.load_responses`
(one row per respondent x item answered) or a frame derived from it, and returns a tidy
DataFrame. Every figure about people goes through :func:`adoption.privacy.suppress_small_groups`:
rows for the organisation, departments and teams are computed together and protected together
(minimum respondents per group, complementary suppression), per wave and construct.

Scoring rules (documented once, used everywhere):

- Only items of kind ``likert`` with a construct are scored. A reverse-keyed item's value is
  reversed as ``scale_min + scale_max - value``.
- A respondent's construct score is the mean of the construct's items they answered, provided
  they answered at least half of the construct's items (the items of that construct answered by
  anyone in the wave); otherwise they have no score for that construct.
- If the items of one construct use different scales, each value is mapped linearly onto the
  construct's most common scale first.
- A respondent is *favourable* on a construct when their score is at or above the construct's
  favourable threshold (the items' ``favourable_min``, e.g. 4 on a 1-5 scale: top-2-box applied
  to the mean score; reverse-keyed items' thresholds read on the keyed scale).
- The pseudo-construct ``overall`` (with ``overall=True``) is the mean of a respondent's
  construct scores (each mapped onto the most common scale of the wave); pass a list of
  constructs as ``overall`` to average only those (e.g. leave out a self-reported frequency
  of use; in a workspace: ``[surveys] overall_constructs``).

The other survey figures are in :mod:`adoption.surveys.counts` (NPS, response rates),
:mod:`adoption.surveys.change` (change between waves, ADKAR barrier; ``[surveys]
barrier_threshold``) and :mod:`adoption.surveys.activity` (users versus non-users, the
adoption-sentiment quadrant); they share the checks and level helpers of this module.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.privacy import check_min_group_size, suppress_small_groups
from adoption.stats import cronbach_alpha, shrink_estimates
from adoption.stats.intervals import (
    bounded_mean_interval,
    check_confidence,
    wilson_interval,
)
from adoption.stats.shrinkage import SHRINKAGE_METHODS

__all__ = [
    "OVERALL",
    "reliability",
    "score_constructs",
    "summarise_sentiment",
]

#: Name of the pseudo-construct that averages a respondent's construct scores.
OVERALL = "overall"
_LEVELS = (("team", ["department", "team"]), ("department", ["department"]),
           ("organisation", []))
_BY = {"team": 3, "department": 2, "organisation": 1}
_RESPONSE_REQUIRED = ["wave", "respondent_id", "department", "team", "item_id", "construct",
                      "kind", "reverse", "scale_min", "scale_max", "favourable_min", "value"]


# ----------------------------------------------------------------- helpers


def _check_frame(data: object, required: Sequence[str], where: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"{where}: expected a pandas DataFrame; found {type(data).__name__!r}. Pass the "
            "responses frame of adoption.surveys.data.load_responses(workspace)."
        )
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing!r} not found. Available: {list(data.columns)!r}. "
            "Pass the responses frame of load_responses (or the frame the docstring names)."
        )
    return data


def _check_common(where: str, by: str, min_group_size: int, confidence: float) -> int:
    check_min_group_size(min_group_size, where=where)
    check_confidence(confidence, where=where)
    if by not in _BY:
        raise InputError(f"{where}: by is {by!r}; allowed: {list(_BY)!r}. Use e.g. by='team'.")
    return _BY[by]


def _levels(frame: pd.DataFrame, within: list[str], aggregate) -> pd.DataFrame:
    """``aggregate(frame, keys)`` at team, department and organisation level, stacked."""
    parts = []
    for level, keys in _LEVELS:
        part = aggregate(frame, [*within, *keys])
        part.insert(0, "level", level)
        for col in ("department", "team"):
            if col not in part.columns:
                part[col] = None
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    for col in ("department", "team"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def _keep_levels(out: pd.DataFrame, depth: int) -> pd.DataFrame:
    order = {"organisation": 0, "department": 1, "team": 2}
    out = out[out["level"].map(order) < depth].copy()
    out["_o"] = out["level"].map(order)
    out = out.sort_values(["_o", "department", "team"], kind="stable", na_position="first")
    return out.drop(columns="_o").reset_index(drop=True)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None).map(
        lambda v: v if v is None else str(v))


# ----------------------------------------------------------------- scores


def score_constructs(responses: pd.DataFrame, *, min_item_share: float = 0.5,
                     overall: bool | Sequence[str] = True) -> pd.DataFrame:
    """Per-respondent construct scores with reverse keying (rules in the module docstring).

    Parameters
    ----------
    responses : pandas.DataFrame
        The long responses frame (:func:`adoption.surveys.data.load_responses`). Not modified.
    min_item_share : float, default 0.5
        Smallest share of the construct's items a respondent must have answered.
    overall : bool or list of str, default True
        Add the pseudo-construct ``"overall"``: the mean of every construct score, or of the
        listed constructs only.

    Returns
    -------
    pandas.DataFrame
        One row per wave x respondent x construct: ``wave, wave_date`` (if given),
        ``respondent_id, person_id, matched`` (if given), ``department, team, construct,
        stage, score, items_answered, items, scale_min, scale_max, favourable_min,
        favourable``.
    """
    where = "score_constructs"
    data = _check_frame(responses, _RESPONSE_REQUIRED, where)
    if not 0 < min_item_share <= 1:
        raise InputError(f"{where}: min_item_share is {min_item_share!r}; use a share in (0, 1].")
    d = data[(data["kind"] == "likert") & data["construct"].notna()].copy()
    extra = [c for c in ("wave_date", "person_id", "matched") if c in d.columns]
    cols = ["wave", *extra, "respondent_id", "department", "team", "construct", "stage",
            "score", "items_answered", "items", "scale_min", "scale_max", "favourable_min",
            "favourable"]
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    if "stage" not in d.columns:
        d["stage"] = None
    value = d["value"].astype(float)
    lo, hi = d["scale_min"].astype(float), d["scale_max"].astype(float)
    bad = value.notna() & ((value < lo) | (value > hi))
    if bad.any():
        row = d[bad].iloc[0]
        raise InputError(
            f"{where}: item {row['item_id']!r} of wave {row['wave']!r} has value "
            f"{row['value']!r} outside its scale {row['scale_min']!r}..{row['scale_max']!r}. "
            "Fix the answers or the item's scale."
        )
    d["keyed"] = np.where(d["reverse"].astype(bool), lo + hi - value, value)
    # the construct's reference scale: its most common (min, max) in the wave
    ref = (d.groupby(["wave", "construct", "scale_min", "scale_max"], dropna=False)
           .size().rename("cnt").reset_index()
           .sort_values(["wave", "construct", "cnt", "scale_min"], ascending=[True, True, False,
                                                                             True])
           .drop_duplicates(["wave", "construct"])
           .rename(columns={"scale_min": "ref_min", "scale_max": "ref_max"})
           .drop(columns="cnt"))
    d = d.merge(ref, on=["wave", "construct"], how="left")
    span = (d["scale_max"] - d["scale_min"]).replace(0, np.nan)
    pos = (d["keyed"] - d["scale_min"]) / span
    d["keyed"] = d["ref_min"] + pos * (d["ref_max"] - d["ref_min"])
    fav_pos = (d["favourable_min"] - d["scale_min"]) / span
    d["fav_ref"] = d["ref_min"] + fav_pos * (d["ref_max"] - d["ref_min"])
    info = d.groupby(["wave", "construct"]).agg(
        items=("item_id", "nunique"), stage=("stage", "first"), scale_min=("ref_min", "first"),
        scale_max=("ref_max", "first"), favourable_min=("fav_ref", "median")).reset_index()
    keys = ["wave", *extra, "respondent_id", "department", "team", "construct"]
    d = d[d["keyed"].notna()]
    s = d.groupby(keys, dropna=False).agg(score=("keyed", "mean"),
                                          items_answered=("item_id", "nunique")).reset_index()
    s = s.merge(info, on=["wave", "construct"], how="left")
    s = s[s["items_answered"] >= np.ceil(min_item_share * s["items"] - 1e-9)]
    if overall is not False and not isinstance(overall, bool | str):
        chosen = s[s["construct"].isin(list(overall))]
    else:
        chosen = s
    if overall is not False and not chosen.empty:
        s = pd.concat([s, _overall(chosen, keys)], ignore_index=True)
    s["favourable"] = s["score"] >= s["favourable_min"] - 1e-9
    s["items_answered"] = s["items_answered"].astype(int)
    s["items"] = s["items"].astype(int)
    s = s.sort_values(["wave", "respondent_id", "construct"], kind="stable")
    return s[cols].reset_index(drop=True)


def _overall(s: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    common = (s.groupby(["wave", "scale_min", "scale_max", "favourable_min"]).size()
              .rename("cnt").reset_index().sort_values(["wave", "cnt"], ascending=[True, False])
              .drop_duplicates("wave").drop(columns="cnt"))
    common = common.rename(columns={"scale_min": "o_min", "scale_max": "o_max",
                                    "favourable_min": "o_fav"})
    t = s.merge(common, on="wave", how="left")
    span = (t["scale_max"] - t["scale_min"]).replace(0, np.nan)
    t["mapped"] = t["o_min"] + (t["score"] - t["scale_min"]) / span * (t["o_max"] - t["o_min"])
    t["construct"] = OVERALL
    out = t.groupby(keys, dropna=False).agg(
        score=("mapped", "mean"), items_answered=("items_answered", "sum"),
        items=("items", "sum"), scale_min=("o_min", "first"), scale_max=("o_max", "first"),
        favourable_min=("o_fav", "first")).reset_index()
    out["stage"] = None
    return out


def _scores(data: pd.DataFrame, where: str) -> pd.DataFrame:
    """Construct scores from ``data``: a responses frame, or already a scores frame."""
    if isinstance(data, pd.DataFrame) and "score" in data.columns:
        return _check_frame(data, ["wave", "respondent_id", "department", "team", "construct",
                                   "score", "favourable"], where)
    return score_constructs(_check_frame(data, _RESPONSE_REQUIRED, where))


# ----------------------------------------------------------------- summary

_SUMMARY_VALUES = ["n", "estimate", "sd", "ci_low", "ci_high", "favourable", "favourable_share",
                   "favourable_ci_low", "favourable_ci_high", "eb_estimate", "eb_ci_low",
                   "eb_ci_high", "eb_weight"]


def summarise_sentiment(responses: pd.DataFrame, *, by: str = "team", min_group_size: int = 5,
                        shrinkage: str = "dersimonian-laird",
                        confidence: float = 0.95) -> pd.DataFrame:
    """Per group x wave x construct: mean score, favourable share and shrunk estimate.

    Parameters
    ----------
    responses : pandas.DataFrame
        The long responses frame, or the construct scores of :func:`score_constructs`.
    by : {"team", "department", "organisation"}, default "team"
        Lowest level returned: ``"team"`` gives organisation, department and team rows.
    min_group_size : int, default 5
        Fewest respondents with a score for which a group's figures are shown (never below 3).
    shrinkage : {"dersimonian-laird", "james-stein"}, default "dersimonian-laird"
        The estimator of the between-group variance of the empirical-Bayes means
        (:mod:`adoption.stats.shrinkage`; James-Stein shrinks less with few groups).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Columns ``level`` (organisation, department, team), ``department, team, wave,
        wave_date`` (if known), ``construct, stage, scale_min, scale_max, favourable_min``,
        then ``n`` (respondents with a score), ``estimate`` (mean score), ``sd``, ``ci_low,
        ci_high`` (Student t on the logit of the position on the scale, so inside the scale;
        :func:`adoption.stats.intervals.bounded_mean_interval`), ``favourable``
        (respondents at or above the threshold), ``favourable_share`` with Wilson
        ``favourable_ci_low/high``, ``eb_estimate, eb_ci_low, eb_ci_high, eb_weight``
        (empirical-Bayes mean shrunk toward the organisation mean by the ``shrinkage``
        estimator, see :mod:`adoption.stats.shrinkage`; each team's sampling variance is the
        pooled within-team variance / n; departments likewise; the interval is the posterior
        truncated to the scale; the organisation row is its own mean and interval),
        ``suppressed, suppression_reason``.

    Notes
    -----
    All levels are protected together with ``size = n`` within each wave x construct.
    """
    where = "summarise_sentiment"
    depth = _check_common(where, by, min_group_size, confidence)
    if shrinkage not in SHRINKAGE_METHODS:
        raise InputError(f"{where}: shrinkage is {shrinkage!r}; allowed: "
                         f"{list(SHRINKAGE_METHODS)!r}.")
    s = _scores(responses, where)
    cols = ["level", "department", "team", "wave", "wave_date", "construct", "stage",
            "scale_min", "scale_max", "favourable_min", *_SUMMARY_VALUES, "suppressed",
            "suppression_reason"]
    if s.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    s = s.assign(department=_text(s["department"]), team=_text(s["team"]))
    if "wave_date" not in s.columns:
        s = s.assign(wave_date=pd.NaT)

    def aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        return frame.groupby(keys, dropna=False, sort=True).agg(
            wave_date=("wave_date", "first"), stage=("stage", "first"),
            scale_min=("scale_min", "first"), scale_max=("scale_max", "first"),
            favourable_min=("favourable_min", "first"), n=("score", "size"),
            estimate=("score", "mean"), sd=("score", "std"),
            favourable=("favourable", "sum")).reset_index()

    t = _levels(s, ["wave", "construct"], aggregate)
    t["n"] = t["n"].astype("int64")
    t["favourable"] = t["favourable"].astype("int64")
    t["ci_low"], t["ci_high"] = bounded_mean_interval(
        t["estimate"], t["sd"], t["n"], scale_min=t["scale_min"], scale_max=t["scale_max"],
        confidence=confidence)
    t["favourable_share"] = t["favourable"] / t["n"]
    t["favourable_ci_low"], t["favourable_ci_high"] = wilson_interval(
        t["favourable"], t["n"], confidence=confidence)
    t = _add_shrinkage(t, shrinkage, confidence)
    out = suppress_small_groups(t[cols[:-2]], hierarchy=("department", "team"), size="n",
                                within=("wave", "construct"), value_columns=_SUMMARY_VALUES,
                                min_group_size=min_group_size)
    return _keep_levels(out, depth)


def _add_shrinkage(t: pd.DataFrame, method: str, confidence: float) -> pd.DataFrame:
    t = t.copy()
    for c in ("eb_estimate", "eb_ci_low", "eb_ci_high", "eb_weight"):
        t[c] = np.nan
    org = t["level"] == "organisation"
    t.loc[org, ["eb_estimate", "eb_ci_low", "eb_ci_high"]] = t.loc[
        org, ["estimate", "ci_low", "ci_high"]].to_numpy()
    t.loc[org, "eb_weight"] = 1.0
    org_mean = t[org].set_index(["wave", "construct"])["estimate"]
    for level in ("team", "department"):
        for (wave, construct), idx in t[t["level"] == level].groupby(
                ["wave", "construct"]).groups.items():
            g = t.loc[idx]
            dof = (g["n"] - 1).clip(lower=0)
            pooled = (dof * g["sd"].fillna(0) ** 2).sum() / dof.sum() if dof.sum() > 0 else np.nan
            res = shrink_estimates(g["estimate"], pooled / g["n"],
                                   prior_mean=org_mean.get((wave, construct)), method=method,
                                   bounds=(g["scale_min"].to_numpy(dtype=float),
                                           g["scale_max"].to_numpy(dtype=float)),
                                   confidence=confidence)
            t.loc[idx, "eb_estimate"] = res["estimate"]
            t.loc[idx, "eb_ci_low"] = res["ci_low"]
            t.loc[idx, "eb_ci_high"] = res["ci_high"]
            t.loc[idx, "eb_weight"] = res["weight"]
    return t


# ----------------------------------------------------------------- reliability


def reliability(responses: pd.DataFrame, *, min_group_size: int = 5,
                confidence: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha with Feldt's interval per wave and construct (whole organisation).

    Items are reverse-keyed first; covariances use the respondents who answered every item
    of the construct (listwise: the matrix is positive semi-definite, so alpha <= 1 and the
    interval is never reversed; see :mod:`adoption.stats.reliability`). Constructs with fewer
    than two items get no alpha.

    Returns
    -------
    pandas.DataFrame
        Columns ``wave, construct, stage, k`` (items), ``n`` (respondents who answered every
        item), ``estimate, ci_low, ci_high, suppressed, suppression_reason`` (fewer than
        ``min_group_size`` respondents).
    """
    where = "reliability"
    _check_common(where, "organisation", min_group_size, confidence)
    data = _check_frame(responses, _RESPONSE_REQUIRED, where)
    d = data[(data["kind"] == "likert") & data["construct"].notna()].copy()
    d["keyed"] = np.where(d["reverse"].astype(bool),
                          d["scale_min"] + d["scale_max"] - d["value"], d["value"])
    rows = []
    for (wave, construct), g in d.groupby(["wave", "construct"], sort=True):
        wide = g.pivot_table(index="respondent_id", columns="item_id", values="keyed",
                             aggfunc="mean")
        res = cronbach_alpha(wide, confidence=confidence)
        stage = g["stage"].dropna().iloc[0] if "stage" in g and g["stage"].notna().any() else None
        rows.append({"wave": wave, "construct": construct, "stage": stage, "k": int(res["k"]),
                     "n": int(res["n"]), "estimate": res["estimate"], "ci_low": res["ci_low"],
                     "ci_high": res["ci_high"]})
    cols = ["wave", "construct", "stage", "k", "n", "estimate", "ci_low", "ci_high"]
    t = pd.DataFrame(rows, columns=cols).assign(department=None)
    out = suppress_small_groups(t, hierarchy=("department",), size="n",
                                within=("wave", "construct"),
                                value_columns=["n", "estimate", "ci_low", "ci_high"],
                                min_group_size=min_group_size)
    return out.drop(columns="department")
