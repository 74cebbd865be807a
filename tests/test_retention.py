"""Retention of first-use cohorts and user flows, counted by hand on a small monthly frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adoption.errors import SmallGroupWarning
from adoption.metrics import compute_retention, compute_user_flows
from adoption.stats.intervals import wilson_interval

MONTHS = pd.date_range("2026-01-01", periods=8, freq="MS")

# one character per month: '1' active, '0' employed and not active, '-' not employed
PEOPLE = {
    "p1": "11100000",  # Jan cohort; active Feb, Mar; gone quiet from Apr
    "p2": "10100000",  # Jan cohort; skips Feb, back in Mar (resurrected)
    "p3": "10------",  # Jan cohort; quiet in Feb, then leaves
    "p4": "01111111",  # Feb cohort; stays
    "p5": "00000000",  # never
    "p6": "11111111",  # Jan cohort; always
    "p7": "1101-111",  # Jan cohort; away in May (not employed), back active Jun
}


def month_frame(people=PEOPLE, team_of=lambda p: "T") -> pd.DataFrame:
    rows = []
    for person, months in people.items():
        seen = False
        for i, start in enumerate(MONTHS):
            if months[i] == "-":
                continue
            active = months[i] == "1"
            rows.append({"period": f"{start:%Y-%m}", "period_start": start, "person_id": person,
                         "team": team_of(person), "department": "D", "is_active": active,
                         "is_new": active and not seen,
                         "was_active_prev": i > 0 and months[i - 1] == "1"})
            seen |= active
    return pd.DataFrame(rows)


def test_retention_of_the_january_cohort_by_hand():
    out = compute_retention(month_frame(), min_group_size=3).set_index(["cohort", "periods_after"])
    jan = out.loc["2026-01"]
    # Jan cohort: p1, p2, p3, p6, p7 (5 people)
    assert (jan["cohort_size"] == 5).all()
    # 1 month later (Feb): all 5 employed; active p1, p6, p7 -> 3 of 5
    assert (jan.loc[1, "at_risk"], jan.loc[1, "retained"]) == (5, 3)
    lo, hi = wilson_interval(3, 5)
    assert (jan.loc[1, "retention_ci_low"], jan.loc[1, "retention_ci_high"]) == pytest.approx(
        (lo, hi))
    # 2 months (Mar): p3 gone; p1, p2, p6 active of p1, p2, p6, p7 -> 3 of 4
    assert (jan.loc[2, "at_risk"], jan.loc[2, "retained"]) == (4, 3)
    # 3 months (Apr): p1, p2 quiet, p6, p7 active -> 2 of 4
    assert (jan.loc[3, "at_risk"], jan.loc[3, "retained"]) == (4, 2)
    # 6 months (Jul): p1, p2 quiet, p6, p7 active -> 2 of 4
    assert (jan.loc[6, "at_risk"], jan.loc[6, "retained"]) == (4, 2)
    # the Feb cohort (p4 alone) is below the threshold: hidden
    assert out.loc[("2026-02", 1), "suppressed"]
    # Aug is the last month: a Jul cohort would have no horizon; the Jan cohort has no
    # 8-month row and horizons beyond the data are not listed
    assert set(jan.index) == {1, 2, 3, 6}


def test_user_flows_by_hand():
    out = compute_user_flows(month_frame(), by="organisation", min_group_size=3)
    mar = out.set_index("period").loc["2026-03"]
    # Mar: active p1, p4, p6 (all active in Feb: returning) and p2 (quiet in Feb:
    # resurrected); p7 active in Feb, quiet in Mar: lapsed
    assert mar["active_users"] == 4
    assert (mar["new_users"], mar["returning_users"], mar["resurrected_users"]) == (0, 3, 1)
    assert mar["lapsed_users"] == 1
    assert mar["headcount"] == 6  # p3 has left
    feb = out.set_index("period").loc["2026-02"]
    # Feb: new p4; returning p1, p6, p7; lapsed p2, p3 (active in Jan, quiet in Feb)
    assert (feb["new_users"], feb["returning_users"], feb["lapsed_users"]) == (1, 3, 2)
    flows = out[["new_users", "returning_users", "resurrected_users"]].sum(axis=1)
    assert (flows == out["active_users"]).all()


def test_teams_are_protected_and_input_is_checked():
    data = month_frame(team_of=lambda p: "Small" if p in ("p6", "p7") else (
        "Other" if p in ("p4", "p5") else "Big"))
    before = data.copy()
    # every cohort slice has a team of fewer than 3 at risk, and hiding it takes its
    # sibling along: every row hidden, and a warning says so
    with pytest.warns(SmallGroupWarning, match="Every team row is hidden"):
        out = compute_retention(data, by="team", min_group_size=3)
    pd.testing.assert_frame_equal(data, before)
    small = out[out["team"] == "Small"]
    assert small["suppressed"].all() and small["retention"].isna().all()
    flows = compute_user_flows(data, by="team", min_group_size=3)
    assert flows.loc[flows["team"] == "Small", "active_users"].isna().all()
    # Big is p1, p2, p3 in January and February (shown), two people after p3 leaves (hidden)
    big = flows.loc[flows["team"] == "Big", "headcount"]
    assert big.iloc[:2].tolist() == [3, 3] and big.iloc[2:].isna().all()
    shown = compute_retention(data, by="department", min_group_size=3)
    shown = shown[~shown["suppressed"]]
    assert len(shown) and ((shown["retention_ci_low"] <= shown["retention"])
                           & (shown["retention"] <= shown["retention_ci_high"])).all()
    with pytest.raises(ValueError, match="horizons"):
        compute_retention(data, horizons=(0,))
    with pytest.raises(KeyError, match="is_new"):
        compute_retention(data.drop(columns="is_new"))
    assert np.isin(out["periods_after"], [1, 2, 3, 6]).all()
