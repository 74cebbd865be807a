"""The person-period mart against a hand count on the small fixture files (see conftest)."""

from __future__ import annotations

import pytest

from adoption.canonical import PERSON_PERIOD_COLUMNS, load_person_periods, load_sources
from adoption.errors import InputError
from adoption.ingest import ingest_files


@pytest.fixture
def loaded(workspace, files):
    ingest_files(workspace, files.values())
    return workspace


def _by_email(ws, frame):
    emails = ["ann", "bob", "cat", "dan", "eve"]
    ids = dict(zip(ws.pseudonymise([f"{e}@example.com" for e in emails]), emails, strict=True))
    return frame.assign(who=frame["person_id"].map(ids)).set_index(["period", "who"])


def test_monthly_person_periods_match_hand_count(loaded):
    with loaded.store() as store:
        pp = load_person_periods(store, period_kind="month")
    assert list(pp.columns) == PERSON_PERIOD_COLUMNS
    t = _by_email(loaded, pp)
    # Hand count. Usage runs 2026-01-05 .. 2026-02-08 (Berlin days), so January has 27 days
    # of data and February 8. January: Ann, Bob, Cat (leaves 01-31), Dan, Eve (joins 01-15);
    # February: Cat is gone, Ann has moved to Beta.
    assert sorted(t.loc["2026-01"].index) == ["ann", "bob", "cat", "dan", "eve"]
    assert sorted(t.loc["2026-02"].index) == ["ann", "bob", "dan", "eve"]
    assert t.loc[("2026-01", "ann"), "days_in_period"] == 27
    assert t.loc[("2026-02", "ann"), "days_in_period"] == 8
    # Ann: Jan 5 (3 events) and Jan 6 (23:30Z = 00:30 in Berlin, 1 event) on Copilot
    ann_jan = t.loc[("2026-01", "ann")]
    assert (ann_jan.team, ann_jan.active_days, ann_jan.events) == ("Alpha", 2, 4)
    assert ann_jan.is_active and ann_jan.is_new and not ann_jan.was_active_prev
    # Ann in February: in Beta now (moved 02-01), 2 ChatGPT events on Feb 8, not new
    ann_feb = t.loc[("2026-02", "ann")]
    assert (ann_feb.team, ann_feb.active_days, ann_feb.events) == ("Beta", 1, 2)
    assert ann_feb.was_active_prev and not ann_feb.is_new and ann_feb.in_prev_population
    # Dan: first use Feb 7 (blank count counts as 1 event)
    dan_feb = t.loc[("2026-02", "dan")]
    assert (dan_feb.active_days, dan_feb.events, dan_feb.is_new) == (1, 1, True)
    # Cat's only event had count 'abc' and was rejected
    assert t.loc[("2026-01", "cat"), "active_days"] == 0
    assert t["is_active"].sum() == 3
    assert not t["has_seat"].any()  # no seat file loaded


def test_tool_filter_and_weeks(loaded):
    with loaded.store() as store:
        copilot = _by_email(loaded, load_person_periods(store, tools=["Copilot"]))
        weeks = load_person_periods(store, period_kind="week")
        with pytest.raises(InputError, match="not found in the store; known tools"):
            load_person_periods(store, tools=["Nope"])
    assert not copilot.loc[("2026-02", "ann"), "is_active"]  # her February use was ChatGPT
    # weeks start on Monday: 2026-01-05 is a Monday
    assert weeks["period"].iloc[0] == "2026-01-05"
    assert set(weeks["period_start"].dt.day_of_week) == {0}


def test_sources_cover_dates(loaded):
    with loaded.store() as store:
        sources = load_sources(store).set_index("kind")
    assert str(sources.loc["usage", "first_date"])[:10] == "2026-01-05"
    assert sources.loc["roster", "files"] == 2
