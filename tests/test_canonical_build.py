"""The canonical build: one attribution rule, stored once per batch, stale stores detected."""

from __future__ import annotations

import subprocess

import pytest
from conftest import refresh_store

import adoption
from adoption.canonical import (
    ANY_TOOL,
    canonical_is_current,
    load_person_periods,
    load_person_tool_periods,
)
from adoption.errors import WorkspaceError
from adoption.ingest import ingest_file

ROSTER = """email,team,department,start_date,end_date
ann@example.com,Alpha,Eng,2025-01-01,
bob@example.com,Alpha,Eng,2025-01-01,
cat@example.com,Alpha,Eng,2025-01-01,
dan@example.com,Beta,Eng,2025-01-01,
eve@example.com,Beta,Eng,2025-01-01,
zed@example.com,Beta,Eng,2025-01-01,2026-01-15
"""


@pytest.fixture
def store_ws(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(min_group_size=3))
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    ingest_file(ws, tmp_path / "roster.csv", as_of=adoption.parse_period("2026-01").start)
    ids = dict(zip(["ann", "bob", "cat", "dan", "eve", "zed", "stranger"],
                   ws.pseudonymise([f"{p}@example.com" for p in
                                    ["ann", "bob", "cat", "dan", "eve", "zed", "stranger"]]),
                   strict=True))
    with ws.store() as store:
        con = store.con
        for b, kind, fmt in ((101, "usage", "csv"), (102, "activity", "chatgpt_user_analytics"),
                             (103, "activity", "m365_copilot_usage_csv")):
            con.execute("INSERT INTO ingest_log VALUES (?, 'f', 'h', ?, ?, now(), 1, 1, 0, 0, "
                        "NULL, NULL, NULL)", [b, kind, fmt])
        # daily source: Ann on 2 January days; Zed after leaving; a stranger
        for who, day in (("ann", "2026-01-05"), ("ann", "2026-01-06"), ("zed", "2026-01-20"),
                         ("stranger", "2026-01-09")):
            con.execute("INSERT INTO usage VALUES (?, 'Copilot', ?, 2, 101)", [ids[who], day])

        def window(who, start, end, *, tool="ChatGPT Enterprise", batch=102, last=None):
            con.execute("INSERT INTO activity_periods VALUES (?, ?, 'x', ?, ?, true, NULL, NULL, "
                        "?, NULL, ?)", [ids[who], tool, start, end, last, batch])

        window("bob", "2026-01-05", "2026-01-11")  # weekly window inside January
        window("cat", "2026-01-26", "2026-02-01")  # straddles January/February: unknown
        window("dan", "2026-01-01", "2026-01-31")  # monthly window: January
        # last-activity source: Eve's last active day falls in February only
        window("eve", "2026-01-03", "2026-02-01", tool="Microsoft 365 Copilot", batch=103,
               last="2026-02-01")
        refresh_store(store)
    return ws, ids


def test_every_rule_once(store_ws):
    ws, ids = store_ws
    who = {v: k for k, v in ids.items()}
    with ws.store(read_only=True) as store:
        pp = load_person_periods(store, period_kind="month")
        per_tool = load_person_tool_periods(store, period_kind="month", by_source=False)
    pp = pp.assign(who=pp["person_id"].map(who)).set_index(["period", "who"])
    jan = pp.loc["2026-01"]
    # Hand count, January (any tool): Ann (daily), Bob (week inside), Dan (month window)
    # active; Cat unknown (straddling week, no known day); Eve not (her last active day is in
    # February); Zed not (active after leaving on 01-15).
    assert sorted(jan.index[jan["is_active"]]) == ["ann", "bob", "dan"]
    assert sorted(jan.index[jan["is_unknown"]]) == ["cat"]
    assert not jan.loc["eve", "is_active"] and not jan.loc["zed", "is_active"]
    # February: Cat unknown again, Eve active (last-activity date counts in its own period)
    feb = pp.loc["2026-02"]
    assert sorted(feb.index[feb["is_active"]]) == ["eve"]
    assert sorted(feb.index[feb["is_unknown"]]) == ["cat"]
    # sources named per person; active days only from the daily source
    assert jan.loc["ann", "sources"] == "usage" and jan.loc["ann", "active_days"] == 2
    assert jan.loc["dan", "sources"] == "chatgpt_user_analytics"
    assert not jan.loc["dan", "days_known"] and jan.loc["ann", "days_known"]
    # the stranger is kept, matched to nobody
    stranger = per_tool[per_tool["person_id"] == ids["stranger"]]
    assert len(stranger) == 1 and not stranger["in_roster"].iloc[0]
    assert stranger["any_evidence_active"].iloc[0] and not stranger["is_active"].iloc[0]
    assert ANY_TOOL not in set(per_tool["tool"])


def test_one_tool(store_ws):
    ws, ids = store_ws
    with ws.store(read_only=True) as store:
        chatgpt = load_person_periods(store, period_kind="month", tools=["ChatGPT Enterprise"])
        both = load_person_periods(store, period_kind="month",
                                   tools=["ChatGPT Enterprise", "Copilot"])
    jan = chatgpt[chatgpt["period"] == "2026-01"]
    assert set(jan.loc[jan["is_active"], "person_id"]) == {ids["bob"], ids["dan"]}
    jan2 = both[both["period"] == "2026-01"]
    assert set(jan2.loc[jan2["is_active"], "person_id"]) == {ids["ann"], ids["bob"], ids["dan"]}
    assert int(jan2.loc[jan2["person_id"] == ids["ann"], "active_days"].iloc[0]) == 2


def test_stale_store_is_detected_and_rebuilt(store_ws):
    ws, _ = store_ws
    with ws.store() as store:
        assert canonical_is_current(store.con)
        # an older version wrote a batch without rebuilding
        store.con.execute("INSERT INTO ingest_log VALUES (200, 'g', 'h2', 'usage', 'csv', now(), "
                          "1, 1, 0, 0, NULL, NULL, NULL)")
        before = store.fingerprint()
    with ws.store(read_only=True) as store, pytest.raises(WorkspaceError,
                                                          match="adoption rebuild"):
        load_person_periods(store)
    out = subprocess.run(["adoption", "rebuild", "--workspace", str(ws.root)],
                         capture_output=True, text=True, check=True).stdout
    assert "person_tool_periods" in out and "rebuilt" in out
    with ws.store(read_only=True) as store:
        assert canonical_is_current(store.con)
        assert len(load_person_periods(store)) > 0
        after = store.fingerprint()
    # the rebuild changes canonical tables and meta only, never a staged row
    staged = ("ingest_log", "rejects", "people", "usage", "activity_periods", "identities")
    assert all(before[t] == after[t] for t in staged)


def test_rebuild_is_idempotent(store_ws):
    ws, _ = store_ws
    with ws.store() as store:
        first = store.fingerprint()
        refresh_store(store)
        assert store.fingerprint() == first
