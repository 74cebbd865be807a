"""People on given days (adoption.canonical.membership) against a hand count.

conftest's roster: Ann moves Alpha -> Beta on 2026-02-01, Bob leaves on 2026-02-20, Cat left
on 2026-01-31, Eve joins on 2026-01-15; Dan is in Beta throughout. Usage: Ann on 01-05, 01-06
and 02-08, Dan on 02-07 (see conftest.USAGE). An identities mapping file makes ``ann-gh`` Ann; a
ChatGPT weekly window of Dan (01-26 .. 02-01) and one of Eve with a known active day (02-01)
are staged directly.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import refresh_store

from adoption.canonical.membership import (
    load_active_people,
    load_group_labels,
    load_membership,
    resolve_people,
)
from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest import ingest_files


@pytest.fixture
def ws(workspace, files, tmp_path):
    ids = tmp_path / "ids.csv"
    ids.write_text("email,identifier,system\nann@example.com,ann-gh,github\n", encoding="utf-8")
    ingest_files(workspace, [files["roster_jan"], files["roster_feb"], files["usage"], ids])
    dan, eve = workspace.pseudonymise(["dan@example.com", "eve@example.com"])
    with workspace.store() as store:
        store.con.execute("INSERT INTO ingest_log VALUES (90, 'f', 'h90', 'activity', "
                          "'chatgpt_user_analytics', now(), 2, 2, 0, 0, DATE '2026-01-26', "
                          "DATE '2026-02-01', NULL)")
        for who, detail, last in ((dan, {}, None),
                                  (eve, {"first_day_active_in_period": "2026-02-01"},
                                   "2026-02-01")):
            store.con.execute("INSERT INTO activity_periods VALUES (?, 'ChatGPT', 'x', "
                              "DATE '2026-01-26', DATE '2026-02-01', true, NULL, 3, ?, ?, 90)",
                              [who, last, json.dumps(detail)])
        refresh_store(store)
    return workspace


def _ids(ws, *emails):
    return dict(zip(emails, ws.pseudonymise(list(emails)), strict=True))


def test_membership_on_a_day(ws):
    p = _ids(ws, "ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com",
             "eve@example.com")
    with ws.store(read_only=True) as store:
        jan = load_membership(store, day="2026-01-20").set_index("person_id")["team"]
        feb = load_membership(store, day=pd.Timestamp("2026-02-25")).set_index("person_id")
    # 20 January: all five, Ann still in Alpha; 25 February: Cat and Bob have left
    assert jan.to_dict() == {p["ann@example.com"]: "Alpha", p["bob@example.com"]: "Alpha",
                             p["cat@example.com"]: "Beta", p["dan@example.com"]: "Beta",
                             p["eve@example.com"]: "Alpha"}
    assert feb["team"].to_dict() == {p["ann@example.com"]: "Beta", p["dan@example.com"]: "Beta",
                                     p["eve@example.com"]: "Alpha"}
    assert set(feb["department"]) == {"Eng"}
    with ws.store(read_only=True) as store, pytest.raises(InputError, match="not a date"):
        load_membership(store, day="yesterday")


def test_identifiers_resolve_to_people_and_their_team_that_day(ws):
    p = _ids(ws, "ann@example.com", "ann-gh", "stranger@example.com", "cat@example.com")
    data = pd.DataFrame({
        "h": [p["ann-gh"], p["ann@example.com"], p["stranger@example.com"], None,
              p["cat@example.com"]],
        "day": ["2026-01-20", "2026-02-10", "2026-01-20", "2026-01-20", "2026-02-10"],
        "team": ["stated"] * 5})
    before = data.copy()
    with ws.store(read_only=True) as store:
        out = resolve_people(store, data, identity="h", day="day")
    pd.testing.assert_frame_equal(data, before)  # not modified
    ann = p["ann@example.com"]
    # ann-gh is Ann (mapping file), in Alpha on 01-20; Ann in Beta on 02-10; the stranger is
    # their own id, in no team; no identifier, no person; Cat had left by 02-10
    assert out["person_id"].tolist()[:3] == [ann, ann, p["stranger@example.com"]]
    assert pd.isna(out["person_id"].iloc[3])
    assert out["team"].tolist()[:2] == ["Alpha", "Beta"]
    assert out["team"].iloc[2:].isna().all()
    assert out["employed"].tolist() == [True, True, False, False, False]
    # Cat left but is in the roster; the stranger and the row without an identifier are not
    assert out["in_roster"].tolist() == [True, True, False, False, True]
    with ws.store(read_only=True) as store, pytest.raises(ColumnNotFoundError):
        resolve_people(store, data, identity="email", day="day")


def test_known_activity_in_a_span_of_days(ws):
    p = _ids(ws, "ann@example.com", "dan@example.com", "eve@example.com")
    with ws.store(read_only=True) as store:
        jan = load_active_people(store, start="2026-01-01", end="2026-01-31")
        feb = load_active_people(store, start="2026-02-01", end="2026-02-28")
        both = load_active_people(store, start="2026-01-20", end="2026-02-05")
    # January: Ann (3 events on 01-05, 1 on 01-06: 23:30 UTC is past midnight in Berlin);
    # Dan's week straddles the month with no known day (not counted); Eve's only known day
    # is 02-01
    assert jan.set_index("person_id")[["active_days", "events"]].to_dict("index") == {
        p["ann@example.com"]: {"active_days": 2, "events": 4}}
    # February: Ann (ChatGPT 02-08: 2 events), Dan (Copilot 02-07, count blank = 1), Eve (02-01
    # from her window: a known active day, no daily events)
    assert feb.set_index("person_id")[["active_days", "events"]].to_dict("index") == {
        p["ann@example.com"]: {"active_days": 1, "events": 2},
        p["dan@example.com"]: {"active_days": 1, "events": 1},
        p["eve@example.com"]: {"active_days": 0, "events": 0}}
    # 01-20 .. 02-05 holds both windows whole: Dan and Eve; no day of Ann's
    assert set(both["person_id"]) == {p["dan@example.com"], p["eve@example.com"]}


def test_group_labels_are_every_team_the_roster_had(ws):
    with ws.store(read_only=True) as store:
        labels = load_group_labels(store)
    assert labels["team"] == ["Alpha", "Beta"]
    assert labels["department"] == ["(no department)", "Eng"]
