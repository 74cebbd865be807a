"""Survey metrics: construct scores, summaries, NPS, response rates, change, ADKAR, activity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from adoption.errors import ColumnNotFoundError, InputError
from adoption.surveys.activity import adoption_sentiment_quadrant, sentiment_by_activity
from adoption.surveys.change import (
    ADKAR_STAGES,
    adkar_barrier,
    barrier_threshold,
    compute_wave_change,
)
from adoption.surveys.counts import compute_nps, response_rates
from adoption.surveys.data import RESPONSE_COLUMNS
from adoption.surveys.metrics import reliability, score_constructs, summarise_sentiment

#: construct -> (stage, items, reverse-keyed items)
CONSTRUCTS = {
    "awareness": ("awareness", ["aw1", "aw2"], ["aw2"]),
    "desire": ("desire", ["de1", "de2"], []),
    "knowledge": ("knowledge", ["kn1", "kn2"], []),
    "ability": ("ability", ["ab1", "ab2"], []),
    "reinforcement": ("reinforcement", ["re1", "re2"], []),
    "usefulness": (None, ["us1", "us2", "us3"], ["us3"]),
}
TEAMS = {("Eng", "Alpha"): 12, ("Eng", "Beta"): 9, ("Sales", "Gamma"): 10,
         ("Sales", "Tiny"): 3}


def make_responses(teams=None, waves=("2026-03", "2026-06"), *, seed=0, shift=None,
                   nps=True) -> pd.DataFrame:
    """A long responses frame as load_responses returns it, simulated.

    ``shift`` maps (wave, team, construct) -> added latent mean (1-5 scale).
    """
    rng = np.random.default_rng(seed)
    teams = TEAMS if teams is None else teams
    shift = shift or {}
    rows = []
    for w_i, wave in enumerate(waves):
        date = pd.Timestamp(f"{wave}-15")
        for (dept, team), n in teams.items():
            for r in range(n):
                rid = f"{wave}-{team}-{r}"
                person = f"p-{team}-{r}"
                base = {"wave": wave, "wave_date": date, "anonymous": False,
                        "respondent_id": rid, "person_id": person, "department": dept,
                        "team": team, "matched": True, "finished": True}
                for construct, (stage, items, rev) in CONSTRUCTS.items():
                    latent = 3.6 + shift.get((wave, team, construct), 0) + rng.normal(0, 0.6)
                    for item in items:
                        v = float(np.clip(np.rint(latent + rng.normal(0, 0.5)), 1, 5))
                        if item in rev:
                            v = 6 - v
                        rows.append(base | {"item_id": item, "construct": construct,
                                            "stage": stage, "kind": "likert",
                                            "reverse": item in rev, "scale_min": 1.0,
                                            "scale_max": 5.0, "favourable_min": 4.0,
                                            "value": v})
                if nps:
                    rows.append(base | {"item_id": "nps", "construct": "nps", "stage": None,
                                        "kind": "nps", "reverse": False, "scale_min": 0.0,
                                        "scale_max": 10.0, "favourable_min": 9.0,
                                        "value": float(rng.integers(0, 11))})
        del w_i
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)


def _one(frame, **where):
    sel = np.ones(len(frame), dtype=bool)
    for col, value in where.items():
        sel &= (frame[col].isna() if value is None else frame[col] == value).to_numpy()
    hit = frame[sel]
    assert len(hit) == 1, where
    return hit.iloc[0]


def _hand_rows(values, *, reverse=(), items=("x1", "x2", "x3"), construct="c"):
    """One respondent per list of values for the items (None = not answered)."""
    rows = []
    for r, vals in enumerate(values):
        for item, v in zip(items, vals, strict=True):
            if v is None:
                continue
            rows.append({"wave": "W", "wave_date": pd.Timestamp("2026-03-15"),
                         "anonymous": False, "respondent_id": f"r{r}", "person_id": f"p{r}",
                         "department": "D", "team": "T", "matched": True, "finished": True,
                         "item_id": item, "construct": construct, "stage": None,
                         "kind": "likert", "reverse": item in reverse, "scale_min": 1.0,
                         "scale_max": 5.0, "favourable_min": 4.0, "value": float(v)})
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)


# ---------------------------------------------------------------- scores


def test_scores_reverse_key_and_half_the_items_rule():
    data = _hand_rows([[5, 1, 4], [2, None, None], [4, None, 2], [None, None, None]],
                      reverse=("x2",))
    s = score_constructs(data, overall=False).set_index("respondent_id")
    # r0: 5, 6 - 1 = 5, 4 -> mean 14/3, favourable (>= 4)
    assert s.loc["r0", "score"] == pytest.approx(14 / 3) and s.loc["r0", "favourable"]
    # r1 answered 1 of 3 items (< half): no score; r2 answered 2 of 3: mean 3, not favourable
    assert "r1" not in s.index
    assert s.loc["r2", "score"] == 3 and not s.loc["r2", "favourable"]
    assert s.loc["r2", "items_answered"] == 2 and s.loc["r2", "items"] == 3


def test_scores_reject_values_outside_the_scale_and_missing_columns():
    data = _hand_rows([[6, 1, 1]])
    with pytest.raises(InputError, match="outside its scale"):
        score_constructs(data)
    with pytest.raises(ColumnNotFoundError):
        score_constructs(data.drop(columns="reverse"))


def test_overall_index_averages_construct_scores():
    r = make_responses(teams={("D", "T"): 6}, waves=("2026-03",))
    s = score_constructs(r)
    one = s[s["respondent_id"] == s["respondent_id"].iloc[0]]
    parts = one.loc[one["construct"] != "overall", "score"]
    assert one.loc[one["construct"] == "overall", "score"].iloc[0] == pytest.approx(parts.mean())
    some = score_constructs(r, overall=["desire", "usefulness"])
    one = some[some["respondent_id"] == some["respondent_id"].iloc[0]].set_index("construct")
    assert one.loc["overall", "score"] == pytest.approx(
        (one.loc["desire", "score"] + one.loc["usefulness", "score"]) / 2)
    assert "overall" not in set(score_constructs(r, overall=False)["construct"])


# ---------------------------------------------------------------- summary


def test_summary_against_scipy_statsmodels_and_hand_shrinkage():
    r = make_responses(waves=("2026-03",))
    before = r.copy()
    out = summarise_sentiment(r, min_group_size=5)
    pd.testing.assert_frame_equal(r, before)  # input not mutated
    s = score_constructs(r)
    org = _one(out, level="organisation", construct="desire")
    x = s.loc[s["construct"] == "desire", "score"]
    assert org["n"] == len(x) and org["estimate"] == pytest.approx(x.mean())
    # Student t interval on the logit of the position on the 1-5 scale (delta method), by
    # scipy: p = (mean - 1) / 4, logit(p) -+ t * sem / 4 / (p (1 - p)), mapped back
    p = (x.mean() - 1) / 4
    half = stats.t.ppf(0.975, len(x) - 1) * stats.sem(x) / 4 / (p * (1 - p))
    low, high = (1 + 4 * special.expit(special.logit(p) + h) for h in (-half, half))
    assert (org["ci_low"], org["ci_high"]) == pytest.approx((low, high))
    # with this many answers it is close to the plain t interval
    plain = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (org["ci_low"], org["ci_high"]) == pytest.approx(plain, abs=0.02)
    # Wilson by statsmodels
    fav = int(s.loc[s["construct"] == "desire", "favourable"].sum())
    assert (org["favourable_ci_low"], org["favourable_ci_high"]) == pytest.approx(
        proportion_confint(fav, len(x), method="wilson"))
    # EB by hand: pooled within-team variance over all four teams, tau2 by moments
    d = s[s["construct"] == "desire"].groupby("team")["score"].agg(["mean", "var", "count"])
    pooled = ((d["count"] - 1) * d["var"]).sum() / (d["count"] - 1).sum()
    v = pooled / d["count"]
    w = 1 / v
    ybar = (w * d["mean"]).sum() / w.sum()
    q = (w * (d["mean"] - ybar) ** 2).sum()
    tau2 = max(0.0, (q - 3) / (w.sum() - (w ** 2).sum() / w.sum()))
    b = tau2 / (tau2 + v["Alpha"])
    alpha = _one(out, level="team", team="Alpha", construct="desire")
    assert alpha["eb_estimate"] == pytest.approx(b * d.loc["Alpha", "mean"]
                                                 + (1 - b) * org["estimate"])
    # Tiny (3 respondents) hidden; Gamma hidden too so Tiny = Sales - Gamma is impossible
    tiny = _one(out, level="team", team="Tiny", construct="desire")
    gamma = _one(out, level="team", team="Gamma", construct="desire")
    assert tiny["suppressed"] and pd.isna(tiny["estimate"]) and pd.isna(tiny["n"])
    assert gamma["suppressed"] and pd.isna(gamma["eb_estimate"])
    assert not _one(out, level="department", department="Sales", construct="desire")["suppressed"]


def test_summary_by_level_and_bad_options():
    r = make_responses(waves=("2026-03",))
    assert set(summarise_sentiment(r, by="department")["level"]) == {"organisation",
                                                                     "department"}
    assert set(summarise_sentiment(r, by="organisation")["level"]) == {"organisation"}
    with pytest.raises(InputError, match="by"):
        summarise_sentiment(r, by="person")
    with pytest.raises(InputError, match="at least 3"):
        summarise_sentiment(r, min_group_size=2)
    with pytest.raises(InputError):
        summarise_sentiment("not a frame")


def test_reliability_matches_cronbach_alpha_per_construct():
    from adoption.stats import cronbach_alpha

    r = make_responses(waves=("2026-03",))
    out = reliability(r)
    row = _one(out, wave="2026-03", construct="usefulness")
    d = r[r["construct"] == "usefulness"].copy()
    d["keyed"] = np.where(d["reverse"], 6 - d["value"], d["value"])
    expected = cronbach_alpha(d.pivot(index="respondent_id", columns="item_id", values="keyed"))
    assert row["estimate"] == pytest.approx(expected["estimate"]) and row["k"] == 3
    assert not row["suppressed"]


# ---------------------------------------------------------------- NPS, response rate


def test_nps_by_team_matches_the_closed_form():
    r = make_responses(waves=("2026-03",))
    out = compute_nps(r)
    v = r[(r["kind"] == "nps") & (r["team"] == "Alpha")]["value"]
    p, d = (v >= 9).mean(), (v <= 6).mean()
    alpha = _one(out, level="team", team="Alpha")
    assert alpha["estimate"] == pytest.approx(100 * (p - d))
    # the multinomial standard error, closed form
    assert alpha["se"] == pytest.approx(100 * np.sqrt((p * (1 - p) + d * (1 - d) + 2 * p * d)
                                                      / len(v)))
    assert _one(out, level="team", team="Tiny")["suppressed"]


def test_response_rates_with_wilson_and_anonymous_team_without_department():
    respondents = pd.DataFrame({
        "wave": "W", "respondent_id": [f"r{i}" for i in range(17)],
        "department": ["Eng"] * 8 + [None] * 6 + ["Eng"] * 3,
        "team": ["Alpha"] * 8 + ["Beta"] * 6 + ["Gamma"] * 3})
    headcount = pd.DataFrame({"department": ["Eng", "Eng", "Eng"],
                              "team": ["Alpha", "Beta", "Gamma"], "headcount": [10, 12, 6]})
    out = response_rates(respondents, headcount)
    alpha = _one(out, level="team", team="Alpha")
    assert alpha["response_rate"] == pytest.approx(0.8)
    assert (alpha["ci_low"], alpha["ci_high"]) == pytest.approx(
        proportion_confint(8, 10, method="wilson"))  # statsmodels' Wilson
    # the anonymous Beta answers (no department stated) are counted in Eng, Beta's department
    assert _one(out, level="department", department="Eng")["respondents"] == 17
    assert _one(out, level="department", department="Eng")["headcount"] == 28
    assert _one(out, level="team", team="Gamma")["suppressed"]  # 3 respondents
    # Beta (6) is hidden with it: otherwise Gamma = Eng - Alpha - Beta
    assert _one(out, level="team", team="Beta")["suppressed"]
    assert pd.isna(_one(out, level="team", team="Beta")["headcount"])
    org = _one(out, level="organisation")
    assert org["respondents"] == 17 and org["headcount"] == 28


# ---------------------------------------------------------------- change


def test_wave_change_welch_and_bh_against_scipy_and_statsmodels():
    r = make_responses(shift={("2026-06", "Alpha", "desire"): -2.0}, seed=4)
    out = compute_wave_change(r, wave="2026-06", comparison_wave="2026-03")
    assert set(out["level"]) == {"team"}
    s = score_constructs(r)
    a = s[(s["team"] == "Alpha") & (s["construct"] == "desire")]
    after = a.loc[a["wave"] == "2026-06", "score"]
    before = a.loc[a["wave"] == "2026-03", "score"]
    res = stats.ttest_ind(after, before, equal_var=False)  # Welch by scipy
    row = _one(out, team="Alpha", construct="desire")
    assert row["estimate"] == pytest.approx(after.mean() - before.mean())
    assert row["p_value"] == pytest.approx(res.pvalue)
    ci = res.confidence_interval(0.95)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert (row["n_before"], row["n_after"]) == (12, 12)
    assert bool(row["beyond_noise"])
    published = out[~out["suppressed"]]
    # BH over every published team x construct p-value, by statsmodels
    expected = multipletests(published["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(published["p_adjusted"], expected)
    assert out.loc[out["team"] == "Tiny", "suppressed"].all()
    assert out.loc[out["suppressed"], "estimate"].isna().all()
    assert out.loc[out["suppressed"], "beyond_noise"].isna().all()
    with pytest.raises(InputError, match="2027-01"):
        compute_wave_change(r, wave="2027-01", comparison_wave="2026-03")


def test_wave_change_hides_team_too_small_in_the_earlier_wave():
    early = make_responses(teams={("D", "A"): 8, ("D", "B"): 3, ("D", "C"): 9},
                           waves=("2026-03",), seed=1)
    late = make_responses(teams={("D", "A"): 8, ("D", "B"): 8, ("D", "C"): 9},
                          waves=("2026-06",), seed=2)
    out = compute_wave_change(pd.concat([early, late]), wave="2026-06",
                              comparison_wave="2026-03")
    assert out.loc[out["team"] == "B", "suppressed"].all()
    # and a sibling with it, so that B's earlier figures cannot be rebuilt from D's
    assert out.loc[out["team"] == "A", "suppressed"].all()


# ---------------------------------------------------------------- ADKAR


def _stage_summary(shares, n=20, suppressed=False):
    rows = []
    for stage, share in zip(ADKAR_STAGES, shares, strict=True):
        fav = round(share * n)
        lo, hi = proportion_confint(fav, n, method="wilson")
        rows.append({"level": "team", "department": "D", "team": "T", "wave": "W",
                     "construct": stage, "stage": stage, "n": n, "favourable_share": fav / n,
                     "favourable_ci_low": lo, "favourable_ci_high": hi,
                     "suppressed": suppressed, "suppression_reason": None})
    return pd.DataFrame(rows)


def test_barrier_is_first_stage_clearly_below_threshold():
    # knowledge 20% of 20: Wilson upper bound 0.42 < 0.6 -> clear barrier; desire 50% has an
    # upper bound of 0.70 > 0.6 -> only a possible barrier before it
    out = adkar_barrier(_stage_summary([0.9, 0.5, 0.2, 0.1, 0.9])).iloc[0]
    assert out["barrier"] == "knowledge" and out["possible_barrier"] == "desire"
    assert out["barrier_share"] == pytest.approx(0.2)
    none = adkar_barrier(_stage_summary([0.9, 0.8, 0.7, 0.8, 0.9])).iloc[0]
    assert none["barrier"] == "none"
    hidden = adkar_barrier(_stage_summary([0.1] * 5, suppressed=True)).iloc[0]
    assert hidden["suppressed"] and hidden["barrier"] is None
    stricter = adkar_barrier(_stage_summary([0.9, 0.5, 0.2, 0.1, 0.9]), threshold=0.35).iloc[0]
    # Wilson upper bounds (statsmodels): 2/20 -> 0.301 < 0.35; 4/20 -> 0.416 > 0.35
    assert stricter["barrier"] == "ability" and stricter["possible_barrier"] == "knowledge"


def test_barrier_threshold_setting_is_checked():
    assert barrier_threshold({}) == 0.6
    assert barrier_threshold({"barrier_threshold": 0.5}) == 0.5
    with pytest.raises(InputError, match="barrier_threshold"):
        barrier_threshold({"barrier_threshold": 60})
    with pytest.raises(InputError):
        adkar_barrier(_stage_summary([0.5] * 5), threshold=1.5)


# ---------------------------------------------------------------- activity, quadrant


def test_sentiment_by_activity_groups_and_difference():
    r = make_responses(teams={("D", "A"): 10, ("D", "B"): 10}, waves=("2026-03",))
    active = pd.DataFrame({"wave": "2026-03", "person_id": [f"p-A-{i}" for i in range(10)]})
    out = sentiment_by_activity(r, active)
    row = _one(out, construct="desire")
    s = score_constructs(r)
    d = s[s["construct"] == "desire"]
    a = d.loc[d["team"] == "A", "score"]
    b = d.loc[d["team"] == "B", "score"]
    assert (row["n_active"], row["n_inactive"]) == (10, 10)
    assert row["mean_active"] == pytest.approx(a.mean())
    assert row["estimate_difference"] == pytest.approx(a.mean() - b.mean())
    assert row["p_value"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    few = pd.DataFrame({"person_id": ["p-A-0", "p-A-1"]})  # 2 active: both groups hidden
    hidden = _one(sentiment_by_activity(r, few), construct="desire")
    assert hidden["suppressed"] and pd.isna(hidden["mean_inactive"])
    assert pd.isna(hidden["estimate_difference"]) and hidden["n"] == 20


def test_quadrant_places_teams_relative_to_the_organisation():
    # C (3) is below the threshold and E is hidden with it, in both sources
    r = make_responses(teams={("D", "A"): 9, ("D", "B"): 8, ("D", "C"): 3, ("D", "E"): 6},
                       waves=("2026-03",), shift={("2026-03", "A", c): 1.0 for c in CONSTRUCTS})
    summary = summarise_sentiment(r)
    rows = []
    for team, n, active in (("A", 10, 9), ("B", 10, 2), ("C", 4, 1), ("E", 7, 3)):
        for i in range(n):
            rows.append({"period": "2026-03", "period_start": pd.Timestamp("2026-03-01"),
                         "days_in_period": 31, "person_id": f"{team}{i}", "team": team,
                         "department": "D", "has_seat": True, "active_days": int(i < active),
                         "events": int(i < active), "is_active": i < active,
                         "is_new": False, "was_active_prev": False})
    q = adoption_sentiment_quadrant(summary, pd.DataFrame(rows), wave="2026-03")
    q = q.set_index("team")
    assert q.loc["A", "penetration"] == pytest.approx(0.9)  # 9 of 10, by hand
    assert q.loc["A", "quadrant"] == "using it and positive"
    assert q.loc["B", "quadrant"] in ("using it, not convinced", "neither using nor positive")
    assert q.loc["B", "penetration"] < q.loc["B", "organisation_penetration"]
    assert q.loc["C", "suppressed"] and pd.isna(q.loc["C", "quadrant"])
    assert q.loc["E", "suppressed"] and pd.isna(q.loc["E", "sentiment"])
    # organisation penetration over everyone: 15 of 31 people active, by hand
    assert q.loc["A", "organisation_penetration"] == pytest.approx(15 / 31)
