"""Count-based survey figures by team: Net Promoter Score and response rates.

Both take the frames of :mod:`adoption.surveys.data` and return tidy DataFrames protected by
:func:`adoption.privacy.suppress_small_groups` at organisation, department and team level
together (checks and level helpers shared with :mod:`adoption.surveys.metrics`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.errors import InputError
from adoption.metrics.intervals import wilson_interval
from adoption.privacy import suppress_small_groups
from adoption.stats import nps_from_counts
from adoption.surveys.metrics import (
    _RESPONSE_REQUIRED,
    _check_common,
    _check_frame,
    _keep_levels,
    _levels,
    _text,
)

__all__ = [
    "compute_nps",
    "response_rates",
]


# ----------------------------------------------------------------- NPS

_NPS_VALUES = ["n", "promoters", "passives", "detractors", "promoter_share", "detractor_share",
               "estimate", "se", "ci_low", "ci_high", "is_degenerate"]


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
        (normal interval, see :mod:`adoption.stats.nps`), ``is_degenerate`` (every answer
        in one category: the standard error is 0 and the interval is the conservative
        Wilson-based one), ``suppressed,
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
    for c in ("estimate", "se", "ci_low", "ci_high", "is_degenerate"):
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
