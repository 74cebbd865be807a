"""Sentiment and tool use: users versus non-users, and the adoption-sentiment quadrant.

:func:`sentiment_by_activity` compares matched respondents who used the tools before the wave
with those who did not; :func:`adoption_sentiment_quadrant` places teams by adoption
(penetration) against sentiment, relative to the organisation. Both protect small groups.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from adoption.errors import ColumnNotFoundError, SmallGroupWarning
from adoption.metrics.adoption import compute_adoption_metrics
from adoption.metrics.intervals import mean_interval_from_summary
from adoption.periods import parse_period
from adoption.privacy import suppress_small_groups
from adoption.surveys.change import _welch
from adoption.surveys.metrics import OVERALL, _check_common, _check_frame, _scores

__all__ = [
    "QUADRANTS",
    "adoption_sentiment_quadrant",
    "sentiment_by_activity",
]


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

    Adoption is the penetration (people active on any AI tool, from every source / headcount)
    from :func:`adoption.metrics.compute_adoption_metrics` on the monthly person-period frame
    of :func:`adoption.canonical.load_person_periods` (any AI tool by default), for the
    wave's month (or the latest month with data before it): the same figure as the adoption
    report's team table for that month. Sentiment is the team's mean
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
    month = (parse_period(f"{pd.Timestamp(date):%Y-%m-%d}", "month").label if date is not None
             else periods[-1])
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
