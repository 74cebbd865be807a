"""Usage segments for every daily source, over periods and by team, on data counted by hand.

Rules (vivainsights ``identify_usage_segments``, see :mod:`adoption.metrics.segments`), 4-week
version: rolling mean of the last 4 weekly counts, habit = 4 of 4 weeks with >= 1; Power
(habit, mean >= 15), Habitual (habit), Novice (mean >= 1), Low (mean > 0), Non-user; fewer
than 4 rows of history: "insufficient history".
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from adoption.errors import InputError, SmallGroupWarning
from adoption.metrics import (
    compute_segment_transitions,
    compute_usage_segments,
    identify_period_segments,
)
from adoption.metrics.segments import PERIOD_SEGMENT_COLUMNS

#: six Monday weeks: four starting in January 2026, two in February
WEEKS = pd.date_range("2026-01-05", periods=6, freq="7D")
EVENTS = {  # person -> events per week (None: not employed that week)
    "A": [20, 20, 20, 20, 20, 20],
    "B": [2, 2, 2, 2, 0, 0],
    "C": [0, 0, 0, 0, 0, 0],
    "D": [0, 0, 0, 2, 0, 0],
    "E": [None, None, 5, 5, 5, 5],  # joins in week 3
}


def _marts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Person x tool x source x week activity and person x week population."""
    act, pop = [], []
    for person, values in EVENTS.items():
        for week, v in zip(WEEKS, values, strict=True):
            if v is None:
                continue
            pop.append({"period_start": week, "person_id": person, "team": "X",
                        "department": "D"})
            if v:
                act.append({"period_start": week, "person_id": person, "tool": "T",
                            "source": "usage", "events": v, "active_days": 1})
    # a weekly source (not daily) of the same tool: never read as weeks of no use
    act.append({"period_start": WEEKS[0], "person_id": "C", "tool": "T",
                "source": "viva_person_query", "events": 99, "active_days": 0})
    return pd.DataFrame(act), pd.DataFrame(pop)


def _seg(frame: pd.DataFrame, person: str, period: str) -> pd.Series:
    return frame.set_index(["person_id", "period"]).loc[(person, period)]


def test_person_segments_per_week_by_hand():
    act, pop = _marts()
    before = act.copy()
    seg = identify_period_segments(act, pop, version="4w", period_kind="week")
    pd.testing.assert_frame_equal(act, before)  # input not modified
    assert list(seg.columns) == PERIOD_SEGMENT_COLUMNS
    assert set(seg["source"]) == {"usage"}  # the weekly Viva row is not a daily source
    # A: 20 a week; week 4 has 4 of 4 active weeks and mean 20 >= 15 -> Power
    assert _seg(seg, "A", "2026-01-26")["segment"] == "Power User"
    # A week 3: 3 rows of history < 4; vivainsights itself says Novice (mean 20, no habit)
    row = _seg(seg, "A", "2026-01-19")
    assert (row["segment"], row["vivainsights_segment"]) == ("insufficient history",
                                                               "Novice User")
    # B week 4: 2,2,2,2 -> habit, mean 2 -> Habitual; week 5: 2,2,2,0 -> 3 of 4, mean 1.5
    # -> Novice; week 6: 2,2,0,0 -> mean 1 -> Novice
    assert _seg(seg, "B", "2026-01-26")["segment"] == "Habitual User"
    assert _seg(seg, "B", "2026-02-02")["rolling_mean"] == 1.5
    assert _seg(seg, "B", "2026-02-09")["segment"] == "Novice User"
    # C: no activity rows at all, employed every week -> 0 -> Non-user once history is full
    assert _seg(seg, "C", "2026-01-26")["segment"] == "Non-user"
    # D: 0,0,0,2 -> mean 0.5 -> Low
    assert _seg(seg, "D", "2026-01-26")["segment"] == "Low User"
    # E joins in week 3: weeks 3-5 are 1-3 rows of history; week 6: 5,5,5,5 -> Habitual
    assert _seg(seg, "E", "2026-02-02")["segment"] == "insufficient history"
    assert _seg(seg, "E", "2026-02-09")["segment"] == "Habitual User"
    # warm-up: the tool's first 4 - 1 = 3 weeks in the source
    warm = seg.drop_duplicates("period").set_index("period")["warm_up"]
    assert warm.tolist() == [True, True, True, False, False, False]


def test_months_take_their_last_week():
    act, pop = _marts()
    seg = identify_period_segments(act, pop, version="4w", period_kind="month")
    # January's last week starts 26 January (week 4), February's on 9 February (week 6)
    weeks = seg.drop_duplicates("period").set_index("period")["week"]
    assert weeks.to_dict() == {"2026-01": pd.Timestamp("2026-01-26"),
                               "2026-02": pd.Timestamp("2026-02-09")}
    assert _seg(seg, "B", "2026-02")["segment"] == "Novice User"  # as week 6 above
    assert len(seg) == 10  # 5 people employed in both classified weeks
    with pytest.raises(InputError, match="do not tell daily activity"):
        identify_period_segments(act, pop, sources=["viva_person_query"])
    with pytest.raises(InputError, match="metric 'actions' is unknown"):
        identify_period_segments(act, pop, metric="actions")


def _people(period: str, teams: dict[tuple[str, str], list[str]], *, start: str,
            warm_up: bool = False, prefix: str = "") -> list[dict]:
    rows = []
    for (dept, team), labels in teams.items():
        for i, label in enumerate(labels):
            rows.append({"tool": "T", "source": "usage", "version": "12w", "period": period,
                         "period_start": pd.Timestamp(start), "week": pd.Timestamp(start),
                         "warm_up": warm_up, "person_id": f"{prefix}{team}{i}",
                         "department": dept, "team": team, "metric": 0.0,
                         "rolling_mean": 0.0, "active_weeks": 0, "history_weeks": 12,
                         "is_habit": False, "vivainsights_segment": label, "segment": label})
    return rows


P, H, N, L, Z = "Power User", "Habitual User", "Novice User", "Low User", "Non-user"
MARCH = {("D", "X"): [P, H, N, N], ("D", "Y"): [Z, Z, Z], ("D", "W"): [L],
         ("E", "V"): [N, N, H, Z, Z]}


def test_shares_by_team_with_wilson_and_complementary_suppression():
    data = pd.DataFrame(_people("2026-03", MARCH, start="2026-03-01"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallGroupWarning)
        out = compute_usage_segments(data, by="team", min_group_size=3)
    rows = out.set_index(["team", "segment"])
    # X: 4 people, Novice 2 of 4 (hand count); Wilson via statsmodels
    x = rows.loc[("X", N)]
    assert (x["n"], x["count"], x["share"]) == (4, 2, 0.5)
    assert (x["share_ci_low"], x["share_ci_high"]) == pytest.approx(
        proportion_confint(2, 4, method="wilson"))
    assert rows.loc[("X", "insufficient history"), "count"] == 0
    # W has 1 person (< 3): hidden; Y (3) is hidden too, or D - X - Y would reveal W
    for team in ("W", "Y"):
        hidden = rows.loc[team]
        assert hidden["suppressed"].all() and hidden[["n", "count", "share"]].isna().all().all()
    assert not rows.loc["X", "suppressed"].any() and not rows.loc["V", "suppressed"].any()
    assert len(out) == 4 * 6  # 4 teams x (5 segments + insufficient history)
    org = compute_usage_segments(data, by="organisation", min_group_size=3)
    # organisation: 13 people, Non-user 3 (Y) + 2 (V) = 5
    assert org.set_index("segment").loc[Z, ["n", "count"]].tolist() == [13, 5]
    dept = compute_usage_segments(data, by="department", min_group_size=3).set_index(
        ["department", "segment"])
    assert dept.loc[("D", N), ["n", "count"]].tolist() == [8, 2]


def test_transitions_counted_by_hand():
    march = _people("2026-03", MARCH, start="2026-03-01")
    april = _people("2026-04", {("D", "X"): [H, N, P, N], ("D", "Y"): [Z, L, Z],
                                ("D", "W"): [L], ("E", "V"): [H, N, H, Z, Z]},
                    start="2026-04-01")
    april += _people("2026-04", {("E", "V"): [N]}, start="2026-04-01", prefix="new")
    data = pd.DataFrame(march + april)
    out = compute_segment_transitions(data, by="team", min_group_size=3)
    x = out[out["team"] == "X"].set_index(["from_segment", "to_segment"])
    # X: P->H, H->N, N->P, N->N (hand count), 4 people in both months
    assert x.loc[(P, H), ["count", "direction"]].tolist() == [1, "down"]
    assert x.loc[(N, P), ["count", "direction"]].tolist() == [1, "up"]
    assert x.loc[(N, N), ["count", "direction"]].tolist() == [1, "stayed"]
    assert x["count"].sum() == 4 and (x["n"] == 4).all()
    assert x.loc[(Z, Z), "count"] == 0  # every pair is listed, zeros included
    assert len(x) == 36  # 6 labels x 6 labels
    assert pd.isna(x.loc[("insufficient history", P), "direction"])
    # V: N->H, N->N, H->H, Z->Z twice; the newcomer is not counted (not in March)
    v = out[out["team"] == "V"].set_index(["from_segment", "to_segment"])
    assert v.loc[(N, H), "count"] == 1 and v.loc[(Z, Z), "count"] == 2
    assert (v["n"] == 5).all()
    # W (1 person) hidden, Y hidden with it (complementary)
    for team in ("W", "Y"):
        hidden = out[out["team"] == team]
        assert hidden["suppressed"].all() and hidden["count"].isna().all()
    assert set(out["period_from"]) == {"2026-03"} and set(out["period"]) == {"2026-04"}


def test_bad_segment_frames_are_refused():
    data = pd.DataFrame(_people("2026-03", MARCH, start="2026-03-01"))
    with pytest.raises(InputError, match="mix versions"):
        compute_usage_segments(data.assign(version=np.where(data.index % 2, "4w", "12w")))
    with pytest.raises(InputError, match="unknown segment labels"):
        compute_segment_transitions(data.assign(segment="Champion"))
