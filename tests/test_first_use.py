"""Time to first use from the person-period frame: hand-counted spans, medians and shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import survdiff

from adoption.errors import ColumnNotFoundError, InputError
from adoption.metrics import compute_first_use_spans, compute_time_to_first_use

WEEKS = pd.date_range("2026-01-05", periods=8, freq="7D")  # Mondays; 8 weeks of data


def person_weeks(people: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    """A weekly person-period frame: (person, team, seat weeks, active weeks, employed weeks)
    with one character per week ('1' yes, '0' no; '-' in employed = not employed)."""
    rows = []
    for person, team, seat, active, employed in people:
        for i, start in enumerate(WEEKS):
            if employed[i] == "-":
                continue
            rows.append({"period": f"2026-W{i + 2:02d}", "period_start": start,
                         "period_end": start + pd.Timedelta(days=6), "days_in_period": 7,
                         "person_id": person, "team": team, "department": "Eng",
                         "has_seat": seat[i] == "1", "is_active": active[i] == "1"})
    return pd.DataFrame(rows)


ALL = "11111111"
# Fast: seated from week 0, active first in weeks 0, 0, 1, 1, 2 -> 7, 7, 14, 14, 21 days.
# Slow: seated from week 0, active first in weeks 3, 4, 5 -> 28, 35, 42 days; two never
# (censored at the data's end: 8 weeks = 56 days).
FAST = [(f"f{i}", "Fast", ALL, "0" * w + "1" + "0" * (7 - w), ALL)
        for i, w in enumerate([0, 0, 1, 1, 2])]
SLOW = [(f"s{i}", "Slow", ALL, "0" * w + "1" + "0" * (7 - w), ALL)
        for i, w in enumerate([3, 4, 5])] + [(f"s{i}", "Slow", ALL, "0" * 8, ALL)
                                             for i in (3, 4)]


def test_spans_are_counted_from_the_periods():
    people = [
        ("a", "T", "01111111", "00010000", ALL),   # seat in week 1, active week 3
        ("b", "T", "00111100", "00000010", ALL),   # seat lost after week 5, active week 6
        ("c", "T", "00011111", "00000000", "0001111-"),  # leaves after week 6
        ("d", "T", "00000000", "11111111", ALL),   # never seated
        ("e", "T", "00111111", "11000100", ALL),   # active before the seat, then week 5
    ]
    spans = compute_first_use_spans(person_weeks(people)).set_index("person_id")
    assert list(spans.index) == ["a", "b", "c", "e"]  # d has no seat
    # by hand: a from Mon 12 Jan (week 1) to Sun 1 Feb (end of week 3) = 21 days, started
    assert spans.loc["a", "duration_days"] == 21 and spans.loc["a", "started"]
    # b: at risk weeks 2-5 (seat), activity in week 6 comes after the seat: censored, 28 days
    assert spans.loc["b", "duration_days"] == 28 and not spans.loc["b", "started"]
    # c: weeks 3-6 then gone: censored at the end of week 6, 4 weeks = 28 days
    assert spans.loc["c", "duration_days"] == 28 and not spans.loc["c", "started"]
    # e: seat from week 2, first use at or after it in week 5: 4 weeks = 28 days
    assert spans.loc["e", "duration_days"] == 28 and spans.loc["e", "active_before_start"]
    assert spans.loc["a", "start_day"] == pd.Timestamp("2026-01-12")
    assert not spans["starts_at_data_start"].any()
    joining = compute_first_use_spans(person_weeks(people), start="joining")
    # from joining everyone starts in week 0 (c in week 0 too); d is active at once: 7 days
    assert joining.set_index("person_id").loc["d", "duration_days"] == 7
    assert joining["starts_at_data_start"].all()


def test_medians_shares_and_tests_by_team():
    data = person_weeks(FAST + SLOW)
    out = compute_time_to_first_use(data, by="team").set_index("team")
    # by hand, Fast: S(7) = 3/5, S(14) = 1/5 -> median 14; everyone started by day 21
    assert out.loc["Fast", "median_days"] == 14
    assert out.loc["Fast", "started_30d"] == pytest.approx(1.0)
    # Slow: S(28) = 4/5, S(35) = 3/5, S(42) = 2/5 -> median 42; by day 30: 1 of 5 started
    assert out.loc["Slow", "median_days"] == 42
    assert out.loc["Slow", "started_30d"] == pytest.approx(0.2)
    # 60 days lies beyond the longest follow-up (56 days, two still waiting): not estimable
    assert np.isnan(out.loc["Slow", "started_60d"])
    assert (out.loc["Slow", "n"], out.loc["Slow", "started"], out.loc["Slow", "censored"]) == (
        5, 3, 2)
    for d in (30, 60, 90):
        lo, est, hi = (out[f"started_{d}d{s}"] for s in ("_ci_low", "", "_ci_high"))
        known = est.notna()
        assert ((lo <= est + 1e-12) & (est <= hi + 1e-12))[known].all()
    # each team against the rest (here: the other team): statsmodels survdiff on the spans
    spans = compute_first_use_spans(data)
    chi2, p = survdiff(spans["duration_days"].to_numpy(float), spans["started"].to_numpy(float),
                       (spans["team"] == "Fast").to_numpy(float))
    assert out.loc["Fast", "logrank_statistic"] == pytest.approx(chi2)
    assert out.loc["Fast", "p_value"] == pytest.approx(p)
    # Benjamini-Hochberg over two equal p-values leaves them as they are
    assert out.loc["Slow", "p_adjusted"] == pytest.approx(p)
    org = compute_time_to_first_use(data, by="organisation")
    # organisation, 10 people: S(7) = 8/10, S(14) = 6/10, S(21) = 5/10 -> median 21
    assert org["median_days"].iloc[0] == 21
    assert np.isnan(org["p_value"].iloc[0])


def test_small_team_is_hidden_with_a_sibling_and_left_out_of_the_tests():
    tiny = [(f"t{i}", "Tiny", ALL, "1" + "0" * 7, ALL) for i in range(2)]
    out = compute_time_to_first_use(person_weeks(FAST + SLOW + tiny), by="team")
    out = out.set_index("team")
    assert out.loc["Tiny", "suppressed"] and pd.isna(out.loc["Tiny", "median_days"])
    assert pd.isna(out.loc["Tiny", "n"])
    # complementary suppression: one of the five-person teams goes too (ties by name: Fast)
    assert out["suppressed"].sum() == 2
    assert np.isnan(out.loc[out["suppressed"], "p_value"]).all()
    dept = compute_time_to_first_use(person_weeks(FAST + SLOW + tiny), by="department")
    assert dept["n"].iloc[0] == 12 and not dept["suppressed"].iloc[0]


def test_input_is_checked_and_not_modified():
    data = person_weeks(FAST)
    before = data.copy()
    compute_time_to_first_use(data, by="organisation")
    pd.testing.assert_frame_equal(data, before)
    with pytest.raises(ColumnNotFoundError, match="has_seat"):
        compute_time_to_first_use(data.drop(columns="has_seat"))
    with pytest.raises(InputError, match="start"):
        compute_first_use_spans(data, start="hire")
    with pytest.raises(InputError, match="days"):
        compute_time_to_first_use(data, days=(0,))
    with pytest.raises(InputError, match="by"):
        compute_time_to_first_use(data, by="person")
