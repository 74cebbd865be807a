"""Usage segments with vivainsights' definitions, on person-weeks worked out by hand.

Rules (vivainsights ``identify_usage_segments`` / ``identify_habit``, see the module
docstring): rolling mean over the last ``window`` rows (fewer at the start); habit =
at least ``width`` of those rows with actions >= 1 (12w: 9 of 12; 4w: 4 of 4); then
Power (habit and mean >= 15), Habitual (habit), Novice (mean >= 1), Low (mean > 0),
Non-user. ``segment`` is "insufficient history" while fewer than ``window`` rows exist.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from adoption.errors import InputError
from adoption.vendors.segments import identify_usage_segments, summarise_segments

WEEK0 = dt.date(2026, 1, 4)  # a Sunday, as Viva's MetricDate


def _frame(actions: dict[str, list[float]], first_week: dict[str, int] | None = None
           ) -> pd.DataFrame:
    rows = []
    for person, values in actions.items():
        start = (first_week or {}).get(person, 0)
        for k, v in enumerate(values):
            rows.append({"person_id": person,
                         "week": WEEK0 + dt.timedelta(weeks=start + k),
                         "copilot_actions": v})
    return pd.DataFrame(rows)


FOUR_WEEK = {
    "P": [20, 20, 20, 20, 20],
    "H": [2, 3, 1, 4, 0],
    "N": [0, 0, 8, 0, 0],
    "L": [0, 0, 0, 2, 0],
    "T": [0.5, 0.5, 0.5, 0.5, 0.5],
    "Z": [0, 0, 0, 0, 0],
    "Q": [30, 30, 0, 30, 30],
    "J": [5, 5, 5],  # joins in week 3
}


def _at(seg: pd.DataFrame, person: str, week: int, column: str = "segment") -> str:
    day = pd.Timestamp(WEEK0 + dt.timedelta(weeks=week - 1))
    return seg.loc[(seg["person_id"] == person) & (seg["week"] == day), column].item()


def test_four_week_segments_by_hand():
    seg = identify_usage_segments(_frame(FOUR_WEEK, {"J": 2}), version="4w")
    # P week 1: one row of history < 4 -> insufficient; the package itself says Novice
    # (mean 20 >= 1 but 1 active week < 4, so no habit)
    assert _at(seg, "P", 1) == "insufficient history"
    assert _at(seg, "P", 1, "vivainsights_segment") == "Novice User"
    # P week 4: 4 of 4 weeks >= 1 -> habit; mean 20 >= 15 -> Power
    assert _at(seg, "P", 4) == "Power User"
    assert _at(seg, "P", 5) == "Power User"
    # H week 4: 2,3,1,4 all >= 1 -> habit; mean 2.5 < 15 -> Habitual
    assert _at(seg, "H", 4) == "Habitual User"
    # H week 5: 3,1,4,0 -> 3 active weeks, no habit; mean 2 >= 1 -> Novice
    assert _at(seg, "H", 5) == "Novice User"
    # N week 4: 0,0,8,0 -> mean 2 >= 1, no habit -> Novice; week 5 0,8,0,0 the same
    assert _at(seg, "N", 4) == "Novice User"
    assert _at(seg, "N", 5) == "Novice User"
    # L week 4: 0,0,0,2 -> mean 0.5: > 0 but < 1 -> Low
    assert _at(seg, "L", 4) == "Low User"
    # T: 0.5 a week never reaches the threshold of 1 -> no habit; mean 0.5 -> Low
    assert _at(seg, "T", 5) == "Low User"
    assert _at(seg, "T", 5, "active_weeks") == 0
    # Z: nothing -> Non-user
    assert _at(seg, "Z", 4) == "Non-user"
    # Q week 5: 30,0,30,30 -> mean 22.5 but only 3 active weeks: not habitual -> Novice
    assert _at(seg, "Q", 5) == "Novice User"
    # J joined in week 3: three rows at week 5 < 4 -> insufficient; the package: Novice
    assert _at(seg, "J", 5) == "insufficient history"
    assert _at(seg, "J", 5, "vivainsights_segment") == "Novice User"
    assert _at(seg, "J", 5, "history_weeks") == 3


def test_twelve_week_segments_by_hand():
    data = _frame({
        "A": [1] * 9 + [0] * 3,   # 9 of 12 active -> habit; mean 0.75 -> Habitual
        "B": [1] * 8 + [0] * 4,   # 8 of 12 -> no habit; mean 0.667 (> 0, < 1) -> Low
        "C": [16] * 12,           # habit, mean 16 >= 15 -> Power
        "D": [15] * 12,           # habit, mean exactly 15 (>= 15) -> Power
        "E": [14] * 12,           # habit, mean 14 < 15 -> Habitual
        "F": [0] * 11 + [12],     # 1 of 12 -> no habit; mean 1.0 (>= 1) -> Novice
    })
    seg = identify_usage_segments(data, version="12w")
    expected = {"A": "Habitual User", "B": "Low User", "C": "Power User", "D": "Power User",
                "E": "Habitual User", "F": "Novice User"}
    assert {p: _at(seg, p, 12) for p in expected} == expected
    # C week 11: 11 rows < 12 -> insufficient, though the package already says Power
    # (11 active weeks >= 9, mean 16)
    assert _at(seg, "C", 11) == "insufficient history"
    assert _at(seg, "C", 11, "vivainsights_segment") == "Power User"
    # the custom power threshold of the package (power_thres)
    high = identify_usage_segments(data, version="12w", power_threshold=20)
    assert _at(high, "C", 12) == "Habitual User"


def test_bad_input_is_refused():
    data = _frame({"X": [1, -1]})
    with pytest.raises(InputError, match="negative"):
        identify_usage_segments(data)
    with pytest.raises(InputError, match="version"):
        identify_usage_segments(_frame({"X": [1]}), version="8w")
    twice = pd.concat([_frame({"X": [1]})] * 2)
    with pytest.raises(InputError, match="more than once"):
        identify_usage_segments(twice)


def _week5_by_team() -> pd.DataFrame:
    actions = {**FOUR_WEEK, "Z2": [0] * 5, "Z3": [0] * 5, "Z4": [0] * 5}
    seg = identify_usage_segments(_frame(actions, {"J": 2}), version="4w")
    team = {p: "Alpha" for p in ("P", "H", "N", "L", "T")}
    team.update({p: "Beta" for p in ("Z", "Q", "J", "Z2", "Z3", "Z4")})
    seg["organization"] = seg["person_id"].map(team)
    return seg[seg["week"] == pd.Timestamp(WEEK0 + dt.timedelta(weeks=4))]


def test_summary_by_team_with_wilson_intervals():
    table = summarise_segments(_week5_by_team(), by="organization", min_group_size=5)
    # week 5 (4w): Alpha = P Power, H Novice, N Novice, L Low, T Low (n = 5);
    # Beta = Z, Z2, Z3, Z4 Non-user, Q Novice, J insufficient history (n = 6)
    alpha = table[table["organization"] == "Alpha"].set_index("segment")
    assert alpha["n"].unique().tolist() == [5]
    assert alpha["count"].to_dict() == {"Power User": 1, "Habitual User": 0, "Novice User": 2,
                                        "Low User": 2, "Non-user": 0,
                                        "insufficient history": 0}
    assert alpha.loc["Novice User", "estimate"] == pytest.approx(0.4)
    low, high = proportion_confint(2, 5, method="wilson")  # statsmodels' Wilson interval
    assert alpha.loc["Novice User", "ci_low"] == pytest.approx(low)
    assert alpha.loc["Novice User", "ci_high"] == pytest.approx(high)
    org = table[table["organization"].isna()].set_index("segment")
    # organisation: 11 people; Novice = H, N, Q
    assert org.loc["Novice User", "n"] == 11 and org.loc["Novice User", "count"] == 3
    assert not table["suppressed"].any()


def test_summary_suppresses_small_teams():
    table = summarise_segments(_week5_by_team(), by="organization", min_group_size=6)
    # Alpha (5 < 6) is hidden; Beta (6) is then hidden too, else Beta = organisation - Alpha
    teams = table[table["organization"].notna()]
    assert teams["suppressed"].all()
    assert teams["count"].isna().all() and teams["estimate"].isna().all()
    assert not table.loc[table["organization"].isna(), "suppressed"].any()


def test_same_labels_as_the_vivainsights_package_when_installed():
    """Cross-check with Microsoft's package itself (a dev dependency; skipped without it).

    Checked by hand with vivainsights 0.4.3 (Python) on both fixtures of this file.
    """
    ius = pytest.importorskip("vivainsights.identify_usage_segments")
    twelve = {"A": [1] * 9 + [0] * 3, "C": [16] * 12, "F": [0] * 11 + [12]}
    for data in (_frame(FOUR_WEEK, {"J": 2}), _frame(twelve)):
        pq = data.rename(columns={"person_id": "PersonId", "week": "MetricDate"})
        pq["MetricDate"] = pd.to_datetime(pq["MetricDate"])
        theirs = ius.identify_usage_segments(pq, metric="copilot_actions", version="12w")
        theirs = theirs.sort_values(["PersonId", "MetricDate"]).reset_index(drop=True)
        for version in ("12w", "4w"):
            ours = identify_usage_segments(data, version=version)
            assert theirs[f"UsageSegments_{version}"].tolist() == \
                ours["vivainsights_segment"].tolist()
