"""Sentiment by team from survey answers: construct scores, favourability, NPS, change, ADKAR.

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
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from adoption.errors import ColumnNotFoundError, InputError, SmallGroupWarning
from adoption.metrics.adoption import compute_adoption_metrics
from adoption.metrics.intervals import (
    check_confidence,
    mean_interval_from_summary,
    wilson_interval,
)
from adoption.privacy import check_min_group_size, suppress_small_groups
from adoption.stats import adjust_pvalues, cronbach_alpha, nps_from_counts, shrink_estimates

__all__ = [
    "ADKAR_STAGES",
    "BARRIER_THRESHOLD",
    "OVERALL",
    "QUADRANTS",
    "adkar_barrier",
    "adoption_sentiment_quadrant",
    "barrier_threshold",
    "compute_nps",
    "compute_wave_change",
    "reliability",
    "response_rates",
    "score_constructs",
    "sentiment_by_activity",
    "summarise_sentiment",
]

#: The ADKAR stages in order.
ADKAR_STAGES = ("awareness", "desire", "knowledge", "ability", "reinforcement")
#: Default favourable-share threshold of the ADKAR barrier (``[surveys] barrier_threshold``).
BARRIER_THRESHOLD = 0.6
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
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Columns ``level`` (organisation, department, team), ``department, team, wave,
        wave_date`` (if known), ``construct, stage, scale_min, scale_max, favourable_min``,
        then ``n`` (respondents with a score), ``estimate`` (mean score), ``sd``, ``ci_low,
        ci_high`` (Student t), ``favourable`` (respondents at or above the threshold),
        ``favourable_share`` with Wilson ``favourable_ci_low/high``, ``eb_estimate,
        eb_ci_low, eb_ci_high, eb_weight`` (empirical-Bayes mean shrunk toward the
        organisation mean, see :mod:`adoption.stats.shrinkage`; each team's sampling variance
        is the pooled within-team variance / n; departments likewise; the organisation row
        is its own mean and t interval), ``suppressed, suppression_reason``.

    Notes
    -----
    All levels are protected together with ``size = n`` within each wave x construct.
    """
    where = "summarise_sentiment"
    depth = _check_common(where, by, min_group_size, confidence)
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
    t["ci_low"], t["ci_high"] = mean_interval_from_summary(t["estimate"], t["sd"], t["n"],
                                                           confidence=confidence)
    t["favourable_share"] = t["favourable"] / t["n"]
    t["favourable_ci_low"], t["favourable_ci_high"] = wilson_interval(
        t["favourable"], t["n"], confidence=confidence)
    t = _add_shrinkage(t, confidence)
    out = suppress_small_groups(t[cols[:-2]], hierarchy=("department", "team"), size="n",
                                within=("wave", "construct"), value_columns=_SUMMARY_VALUES,
                                min_group_size=min_group_size)
    return _keep_levels(out, depth)


def _add_shrinkage(t: pd.DataFrame, confidence: float) -> pd.DataFrame:
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
                                   prior_mean=org_mean.get((wave, construct)),
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

    Items are reverse-keyed first; covariances use pairwise-complete answers (as
    ``psych::alpha``). Constructs with fewer than two items get no alpha.

    Returns
    -------
    pandas.DataFrame
        Columns ``wave, construct, stage, k`` (items), ``n`` (respondents with >= 2
        answers), ``estimate, ci_low, ci_high, suppressed, suppression_reason`` (fewer than
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


# ----------------------------------------------------------------- NPS

_NPS_VALUES = ["n", "promoters", "passives", "detractors", "promoter_share", "detractor_share",
               "estimate", "se", "ci_low", "ci_high"]


def compute_nps(responses: pd.DataFrame, *, by: str = "team", min_group_size: int = 5,
                confidence: float = 0.95) -> pd.DataFrame:
    """Net Promoter Score per group x wave x NPS item, with its multinomial interval.

    Promoters answer 9-10 (the item's ``favourable_min``, default 9), detractors 0-6.

    Returns
    -------
    pandas.DataFrame
        Columns ``level, department, team, wave, item_id``, then ``n`` (answers),
        ``promoters, passives, detractors`` (counts), ``promoter_share, detractor_share``,
        ``estimate`` (NPS in points, -100..100), ``se`` (points), ``ci_low, ci_high``
        (normal interval, see :mod:`adoption.stats.nps`), ``suppressed,
        suppression_reason`` (protected with ``size = n`` per wave and item).
    """
    where = "compute_nps"
    depth = _check_common(where, by, min_group_size, confidence)
    data = _check_frame(responses, _RESPONSE_REQUIRED, where)
    d = data[(data["kind"] == "nps") & data["value"].notna()].copy()
    cols = ["level", "department", "team", "wave", "item_id", *_NPS_VALUES]
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in
                             [*cols, "suppressed", "suppression_reason"]})
    bad = (d["value"] < 0) | (d["value"] > 10)
    if bad.any():
        raise InputError(
            f"{where}: NPS item {d.loc[bad, 'item_id'].iloc[0]!r} has value "
            f"{d.loc[bad, 'value'].iloc[0]!r}; NPS answers must lie in 0..10."
        )
    d = d.assign(department=_text(d["department"]), team=_text(d["team"]))
    promoter_min = d["favourable_min"].fillna(9)
    d["p"] = d["value"] >= promoter_min
    d["d"] = d["value"] <= 6
    d["q"] = ~d["p"] & ~d["d"]

    def aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        return frame.groupby(keys, dropna=False, sort=True).agg(
            promoters=("p", "sum"), passives=("q", "sum"), detractors=("d", "sum")
        ).reset_index()

    t = _levels(d, ["wave", "item_id"], aggregate)
    res = nps_from_counts(t["promoters"].to_numpy(), t["passives"].to_numpy(),
                          t["detractors"].to_numpy(), confidence=confidence)
    t["n"] = res["n"].astype("int64")
    t["promoter_share"], t["detractor_share"] = res["promoters"], res["detractors"]
    for c in ("estimate", "se", "ci_low", "ci_high"):
        t[c] = res[c]
    out = suppress_small_groups(t[cols], hierarchy=("department", "team"), size="n",
                                within=("wave", "item_id"), value_columns=_NPS_VALUES,
                                min_group_size=min_group_size)
    return _keep_levels(out, depth)


# ----------------------------------------------------------------- response rates


def response_rates(respondents: pd.DataFrame, headcount: pd.DataFrame, *, by: str = "team",
                   min_group_size: int = 5, confidence: float = 0.95) -> pd.DataFrame:
    """Respondents over headcount per group and wave, with Wilson intervals.

    Parameters
    ----------
    respondents : pandas.DataFrame
        One row per wave x respondent with ``wave, respondent_id, department, team`` (e.g.
        :func:`adoption.surveys.data.load_respondents`), or the long responses frame.
    headcount : pandas.DataFrame
        ``department, team, headcount`` on the wave date, with a ``wave`` column when it
        differs between waves (:func:`adoption.surveys.data.load_headcount`).

    Returns
    -------
    pandas.DataFrame
        Columns ``level, department, team, wave, respondents, headcount, response_rate,
        ci_low, ci_high, suppressed, suppression_reason``. Anonymous respondents count in the
        team they stated; a stated team without a department takes the department the roster
        gives that team name (when unique). The rate is missing where a group has more
        respondents than headcount (a team name the roster does not know). Protected with
        ``size = respondents`` and again over ``headcount`` for the headcount and rate.
    """
    where = "response_rates"
    depth = _check_common(where, by, min_group_size, confidence)
    r = _check_frame(respondents, ["wave", "respondent_id", "department", "team"], where)
    h = _check_frame(headcount, ["department", "team", "headcount"], where)
    r = r.drop_duplicates(["wave", "respondent_id"])[["wave", "respondent_id", "department",
                                                      "team"]].copy()
    r["department"], r["team"] = _text(r["department"]), _text(r["team"])
    from adoption.metrics.adoption import NO_DEPARTMENT

    unique_dept = h.groupby("team")["department"].nunique()
    dept_of = h.drop_duplicates("team").set_index("team")["department"]
    fix = (r["department"].isna() | (r["department"] == NO_DEPARTMENT)) & r["team"].map(
        unique_dept).eq(1)
    r.loc[fix, "department"] = r.loc[fix, "team"].map(dept_of)
    waves = sorted(r["wave"].unique())
    if "wave" in h.columns:
        hc = h[h["wave"].isin(waves)][["wave", "department", "team", "headcount"]]
    else:
        hc = pd.concat([h[["department", "team", "headcount"]].assign(wave=w) for w in waves],
                       ignore_index=True)
    counts = r.groupby(["wave", "department", "team"], dropna=False).size().rename(
        "respondents").reset_index()
    team = counts.merge(hc, on=["wave", "department", "team"], how="outer")
    team["respondents"] = team["respondents"].fillna(0).astype("int64")
    team["headcount"] = team["headcount"].fillna(0).astype("int64")
    team["department"], team["team"] = _text(team["department"]), _text(team["team"])

    def aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        return frame.groupby(keys, dropna=False, sort=True)[["respondents", "headcount"]].sum(
        ).reset_index()

    t = _levels(team, ["wave"], aggregate)
    ok = (t["headcount"] > 0) & (t["respondents"] <= t["headcount"])
    t["response_rate"] = np.where(ok, t["respondents"] / t["headcount"].where(ok, 1), np.nan)
    lo, hi = wilson_interval(t["respondents"].where(ok, 0), t["headcount"].where(ok, 0),
                             confidence=confidence)
    t["ci_low"], t["ci_high"] = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
    values = ["respondents", "headcount", "response_rate", "ci_low", "ci_high"]
    out = suppress_small_groups(t[["level", "department", "team", "wave", *values]],
                                hierarchy=("department", "team"), size="respondents",
                                within=("wave",), value_columns=values,
                                denominators={"headcount": ["headcount", "response_rate",
                                                            "ci_low", "ci_high"]},
                                min_group_size=min_group_size)
    return _keep_levels(out, depth)


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


# ----------------------------------------------------------------- activity


def sentiment_by_activity(responses: pd.DataFrame, activity: pd.DataFrame, *,
                          min_group_size: int = 5, confidence: float = 0.95) -> pd.DataFrame:
    """Sentiment of people who used the tools before the wave versus those who did not.

    Only matched respondents (with a ``person_id``) count. ``activity`` lists the people
    active in the window before each wave: columns ``wave, person_id`` (or only
    ``person_id`` for every wave); :func:`adoption.surveys.report.load_wave_activity`
    builds it for the 30 days before each wave date.

    Returns
    -------
    pandas.DataFrame
        One row per wave x construct: ``n`` and ``estimate`` (mean of all matched
        respondents), ``n_active, mean_active, ci_low_active, ci_high_active,
        favourable_share_active``, the same for ``_inactive``, then the difference
        ``estimate_difference`` (active - inactive), ``ci_low, ci_high`` (Welch),
        ``p_value``, ``suppressed, suppression_reason``. The two groups are protected as
        children of all matched respondents: when one is too small both are hidden (so
        neither can be worked out from the total) and so is the difference.
    """
    where = "sentiment_by_activity"
    _check_common(where, "team", min_group_size, confidence)
    s = _scores(responses, where)
    if "person_id" not in s.columns:
        raise ColumnNotFoundError(f"{where}: responses need a 'person_id' column.")
    act = _check_frame(activity, ["person_id"], where)
    s = s[s["person_id"].notna()]
    if "matched" in s.columns:
        s = s[s["matched"].astype(bool)]
    if "wave" in act.columns:
        keys = set(zip(act["wave"].astype(str), act["person_id"].astype(str), strict=True))
        active = [(w, p) in keys for w, p in zip(s["wave"].astype(str),
                                                 s["person_id"].astype(str), strict=True)]
    else:
        active = s["person_id"].astype(str).isin(set(act["person_id"].astype(str)))
    s = s.assign(group=np.where(active, "active", "inactive"))
    rows = []
    for (wave, construct), g in s.groupby(["wave", "construct"], sort=True):
        for group in (None, "active", "inactive"):
            x = g["score"] if group is None else g.loc[g["group"] == group, "score"]
            fav = g["favourable"] if group is None else g.loc[g["group"] == group, "favourable"]
            lo, hi = mean_interval_from_summary(x.mean(), x.std(), len(x), confidence=confidence)
            rows.append({"wave": wave, "construct": construct, "group": group, "n": len(x),
                         "mean": x.mean() if len(x) else np.nan, "ci_low": lo, "ci_high": hi,
                         "favourable_share": fav.mean() if len(x) else np.nan})
    long = pd.DataFrame(rows, columns=["wave", "construct", "group", "n", "mean", "ci_low",
                                       "ci_high", "favourable_share"])
    long = suppress_small_groups(long, hierarchy=("group",), size="n",
                                 within=("wave", "construct"),
                                 value_columns=["n", "mean", "ci_low", "ci_high",
                                                "favourable_share"],
                                 min_group_size=min_group_size)
    out = []
    for (wave, construct), g in long.groupby(["wave", "construct"], sort=True):
        g = g.set_index(g["group"].fillna("all"))
        row = {"wave": wave, "construct": construct, "n": g.at["all", "n"],
               "estimate": g.at["all", "mean"]}
        hidden = False
        for group in ("active", "inactive"):
            if group in g.index:
                r = g.loc[group]
                hidden |= bool(r["suppressed"])
                row |= {f"n_{group}": r["n"], f"mean_{group}": r["mean"],
                        f"ci_low_{group}": r["ci_low"], f"ci_high_{group}": r["ci_high"],
                        f"favourable_share_{group}": r["favourable_share"]}
        hidden |= bool(g.at["all", "suppressed"])
        sub = s[(s["wave"] == wave) & (s["construct"] == construct)]
        diff = _welch(sub.loc[sub["group"] == "active", "score"].to_numpy(),
                      sub.loc[sub["group"] == "inactive", "score"].to_numpy(), confidence)
        row |= {"estimate_difference": diff["estimate"], "ci_low": diff["ci_low"],
                "ci_high": diff["ci_high"], "p_value": diff["p_value"]}
        if hidden:
            row |= {"estimate_difference": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                    "p_value": np.nan}
        reasons = g["suppression_reason"].dropna()
        row |= {"suppressed": hidden, "suppression_reason": reasons.iloc[0] if len(reasons)
                else None}
        out.append(row)
    cols = ["wave", "construct", "n", "estimate"]
    for group in ("active", "inactive"):
        cols += [f"n_{group}", f"mean_{group}", f"ci_low_{group}", f"ci_high_{group}",
                 f"favourable_share_{group}"]
    cols += ["estimate_difference", "ci_low", "ci_high", "p_value", "suppressed",
             "suppression_reason"]
    return pd.DataFrame(out).reindex(columns=cols)


# ----------------------------------------------------------------- quadrant

#: Quadrant labels by (adoption above the organisation, sentiment above the organisation).
QUADRANTS = {
    (True, True): "using it and positive",
    (True, False): "using it, not convinced",
    (False, True): "positive, not yet using",
    (False, False): "neither using nor positive",
}


def adoption_sentiment_quadrant(summary: pd.DataFrame, person_periods: pd.DataFrame, *,
                                wave: str, construct: str = OVERALL, min_group_size: int = 5,
                                confidence: float = 0.95) -> pd.DataFrame:
    """Teams placed by adoption (penetration) against sentiment, relative to the organisation.

    Adoption is the penetration (people who used any tool / headcount) from
    :func:`adoption.metrics.compute_adoption_metrics` on the monthly person-period frame, for
    the wave's month (or the latest month with data before it). Sentiment is the team's mean
    score of ``construct`` (default the overall index) from :func:`summarise_sentiment`. A
    team is above the organisation on an axis when its point estimate is higher than the
    organisation's value; ``clear_adoption`` / ``clear_sentiment`` say whether the team's
    interval excludes the organisation value.

    Returns
    -------
    pandas.DataFrame
        One row per team: ``department, team, wave, period, headcount, penetration,
        penetration_ci_low, penetration_ci_high, n, sentiment, sentiment_ci_low,
        sentiment_ci_high, organisation_penetration, organisation_sentiment, quadrant,
        clear_adoption, clear_sentiment, suppressed`` (hidden in either source: no figures and
        no quadrant).
    """
    where = "adoption_sentiment_quadrant"
    _check_common(where, "team", min_group_size, confidence)
    s = _check_frame(summary, ["level", "department", "team", "wave", "construct", "n",
                               "estimate", "ci_low", "ci_high", "suppressed"], where)
    s = s[(s["wave"].astype(str) == str(wave)) & (s["construct"] == construct)]
    cols = ["department", "team", "wave", "period", "headcount", "penetration",
            "penetration_ci_low", "penetration_ci_high", "n", "sentiment", "sentiment_ci_low",
            "sentiment_ci_high", "organisation_penetration", "organisation_sentiment",
            "quadrant", "clear_adoption", "clear_sentiment", "suppressed"]
    if s.empty or person_periods is None or len(person_periods) == 0:
        return pd.DataFrame(columns=cols)
    date = s["wave_date"].dropna().iloc[0] if "wave_date" in s and s["wave_date"].notna().any() \
        else None
    periods = sorted(person_periods["period"].astype(str).unique())
    month = pd.Timestamp(date).strftime("%Y-%m") if date is not None else periods[-1]
    eligible = [p for p in periods if p <= month]
    if not eligible:
        return pd.DataFrame(columns=cols)
    period = eligible[-1]
    pp = person_periods[person_periods["period"].astype(str) == period]
    with warnings.catch_warnings():  # hidden teams are marked in the output instead
        warnings.simplefilter("ignore", SmallGroupWarning)
        team = compute_adoption_metrics(pp, by="team", min_group_size=min_group_size,
                                        confidence=confidence)
        org = compute_adoption_metrics(pp, by="organisation", min_group_size=min_group_size,
                                       confidence=confidence)
    org_pen = float(org["penetration"].iloc[0]) if len(org) else np.nan
    org_row = s[s["level"] == "organisation"]
    org_sent = float(org_row["estimate"].iloc[0]) if len(org_row) else np.nan
    teams = s[s["level"] == "team"][["department", "team", "n", "estimate", "ci_low", "ci_high",
                                     "suppressed"]]
    adopt = team[["department", "team", "headcount", "penetration", "penetration_ci_low",
                  "penetration_ci_high", "suppressed"]].astype({"department": object,
                                                                "team": object})
    m = teams.merge(adopt, on=["department", "team"], how="left", suffixes=("", "_adoption"))
    m = m.rename(columns={"estimate": "sentiment", "ci_low": "sentiment_ci_low",
                          "ci_high": "sentiment_ci_high"})
    hidden = m["suppressed"].astype(bool) | m["suppressed_adoption"].fillna(True).astype(bool)
    m["suppressed"] = hidden
    m.loc[hidden, ["headcount", "penetration", "penetration_ci_low", "penetration_ci_high", "n",
                   "sentiment", "sentiment_ci_low", "sentiment_ci_high"]] = np.nan
    m["wave"], m["period"] = str(wave), period
    m["organisation_penetration"], m["organisation_sentiment"] = org_pen, org_sent
    up_a = m["penetration"].astype(float) > org_pen
    up_s = m["sentiment"].astype(float) > org_sent
    m["quadrant"] = [None if h else QUADRANTS[(bool(a), bool(b))]
                     for h, a, b in zip(hidden, up_a, up_s, strict=True)]
    m["clear_adoption"] = ~hidden & ((m["penetration_ci_low"] > org_pen) |
                                     (m["penetration_ci_high"] < org_pen))
    m["clear_sentiment"] = ~hidden & ((m["sentiment_ci_low"] > org_sent) |
                                      (m["sentiment_ci_high"] < org_sent))
    return m[cols].sort_values(["department", "team"]).reset_index(drop=True)
