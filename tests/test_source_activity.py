"""Per-source monthly active users against a hand count on a small fixture.

The store is filled directly (one batch per source) so that every rule of
:mod:`adoption.vendors.activity` is exercised by a row whose expected effect is stated.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import refresh_store

import adoption
from adoption.canonical.semantics import (
    SOURCE_SEMANTICS,
    describe_source_semantics,
    source_semantics,
)
from adoption.errors import InputError
from adoption.ingest import ingest_file
from adoption.metrics.intervals import wilson_interval
from adoption.vendors.activity import compute_source_active_users

# Eng/Alpha: ann bob cat dan; Eng/Beta: eve fay gil; Ops/Gamma: hal ivy jon, zed (left 01-15)
ROSTER = "email,team,department,start_date,end_date,as_of\n" + "".join(
    f"{p}@example.com,{t},{d},2025-01-01,{end},2026-01-01\n" for p, t, d, end in [
        ("ann", "Alpha", "Eng", ""), ("bob", "Alpha", "Eng", ""), ("cat", "Alpha", "Eng", ""),
        ("dan", "Alpha", "Eng", ""), ("eve", "Beta", "Eng", ""), ("fay", "Beta", "Eng", ""),
        ("gil", "Beta", "Eng", ""), ("hal", "Gamma", "Ops", ""), ("ivy", "Gamma", "Ops", ""),
        ("jon", "Gamma", "Ops", ""), ("zed", "Gamma", "Ops", "2026-01-15")])

BATCHES = {  # batch_id: (kind, format, first date, last date)
    101: ("usage", "csv", "2026-01-05", "2026-02-02"),
    102: ("activity", "chatgpt_user_analytics", "2026-01-01", "2026-02-08"),
    103: ("usage", "m365_copilot_usage_csv", "2026-01-03", "2026-02-01"),
    104: ("seats", "github_copilot_seats", "2026-02-03", "2026-02-03"),
    105: ("team_usage", "github_copilot_metrics", "2026-01-05", "2026-01-06"),
}


@pytest.fixture
def filled(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(min_group_size=3))
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    ingest_file(ws, tmp_path / "roster.csv")
    pid = dict(zip(["ann", "bob", "cat", "dan", "eve", "fay", "gil", "hal", "ivy", "jon", "zed",
                    "stranger", "hal-gh"],
                   ws.pseudonymise([f"{p}@example.com" for p in
                                    ["ann", "bob", "cat", "dan", "eve", "fay", "gil", "hal", "ivy",
                                     "jon", "zed", "stranger"]] + ["hal-gh"]), strict=True))
    with ws.store() as store:
        con = store.con
        for b, (kind, fmt, first, last) in BATCHES.items():
            con.execute("INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, now(), 1, 1, 0, 0, ?, ?, "
                        "NULL)", [b, f"f{b}", f"h{b}", kind, fmt, first, last])
        con.execute("INSERT INTO identities VALUES (?, ?, 'github')", [pid["hal-gh"], pid["hal"]])
        usage = [("ann", "2026-01-05", 3), ("ann", "2026-01-20", 1), ("bob", "2026-02-02", 2),
                 ("cat", "2026-01-07", 0),  # no events: not active
                 ("zed", "2026-01-20", 1),  # after leaving on 01-15
                 ("stranger", "2026-01-09", 1)]  # not in the roster
        con.executemany("INSERT INTO usage VALUES (?, 'Copilot', ?, ?, 101)",
                        [(pid[p], d, e) for p, d, e in usage])

        def window(who, start, end, active=True, days=None, last=None, first=None, b=102,
                   tool="ChatGPT Enterprise"):
            detail = json.dumps({"first_day_active_in_period": first} if first else {})
            con.execute("INSERT INTO activity_periods VALUES (?, ?, 'x', ?, ?, ?, ?, NULL, ?, ?, ?)",
                        [pid[who], tool, start, end, active, days, last, detail, b])

        window("ann", "2026-01-05", "2026-01-11")                     # inside January
        window("bob", "2026-01-26", "2026-02-01", first="2026-02-01",
               last="2026-02-01")                                     # active day known: Feb
        window("cat", "2026-01-26", "2026-02-01")                     # straddles: ambiguous
        window("dan", "2026-01-26", "2026-02-01", days=7)             # every day: both months
        window("eve", "2026-01-01", "2026-01-31")                     # monthly window: January
        window("fay", "2026-01-05", "2026-01-11", active=False)       # inactive: nobody
        window("hal-gh", "2026-02-02", "2026-02-08")                  # login resolved to Hal
        window("ivy", "2026-01-26", "2026-02-01", days=2)             # 2 > 1 day in Feb: Jan
        # Microsoft 365 D30 report refreshed 2026-02-01: last active day only
        window("ann", "2026-01-03", "2026-02-01", last="2026-01-30", b=103,
               tool="Microsoft 365 Copilot")
        window("fay", "2026-01-03", "2026-02-01", last="2026-02-01", b=103,
               tool="Microsoft 365 Copilot")
        con.execute("INSERT INTO seat_activity VALUES (?, 'GitHub Copilot', DATE '2026-02-03', "
                    "DATE '2026-01-10', NULL, 104)", [pid["gil"]])
        for day, value in (("2026-01-05", 3), ("2026-01-06", 5)):
            con.execute("INSERT INTO team_usage VALUES ('team', 'alpha-gh', 'GitHub Copilot', ?, "
                        "'all', NULL, NULL, NULL, NULL, 'total_active_users', ?, 105)",
                        [day, value])
            con.execute("INSERT INTO team_usage VALUES ('team', 'alpha-gh', 'GitHub Copilot', ?, "
                        "'all', 'vscode', NULL, NULL, NULL, 'total_active_users', 99, 105)",
                        [day])  # a breakdown row: never the total
        refresh_store(store)
    return ws


def _cells(frame, source, period):
    f = frame[(frame["source"] == source) & (frame["period"] == period)]
    return {(r.department, r.team): int(r.active_users) for r in f.itertuples()}


def test_team_active_users_match_hand_count(filled):
    teams = compute_source_active_users(filled, by="team", min_group_size=3)
    # usage: January Ann (two days, one person); Cat had 0 events; Zed used it after leaving,
    # the stranger matches nobody. February: Bob.
    assert _cells(teams, "usage", "2026-01") == {("Eng", "Alpha"): 1, ("Eng", "Beta"): 0,
                                                 ("Ops", "Gamma"): 0}
    assert _cells(teams, "usage", "2026-02") == {("Eng", "Alpha"): 1, ("Eng", "Beta"): 0,
                                                 ("Ops", "Gamma"): 0}
    # ChatGPT windows. January: Ann (week inside), Dan (7 of 7 days), Eve (monthly), Ivy
    # (2 active days, only 1 day of the week in February); Cat ambiguous, Bob's only active
    # day is 02-01. February: Bob (known day), Dan, Hal (login resolved); Cat ambiguous.
    assert _cells(teams, "chatgpt_user_analytics", "2026-01") == {
        ("Eng", "Alpha"): 2, ("Eng", "Beta"): 1, ("Ops", "Gamma"): 1}
    assert _cells(teams, "chatgpt_user_analytics", "2026-02") == {
        ("Eng", "Alpha"): 2, ("Eng", "Beta"): 0, ("Ops", "Gamma"): 1}
    amb = teams[(teams["source"] == "chatgpt_user_analytics") & (teams["team"] == "Alpha")]
    assert amb["ambiguous_users"].tolist() == [1, 1]  # Cat, in both months
    # Microsoft 365: Ann's last day 01-30 -> January only; Fay's 02-01 -> February only
    assert _cells(teams, "m365_copilot_usage_csv", "2026-01") == {
        ("Eng", "Alpha"): 1, ("Eng", "Beta"): 0, ("Ops", "Gamma"): 0}
    assert _cells(teams, "m365_copilot_usage_csv", "2026-02") == {
        ("Eng", "Alpha"): 0, ("Eng", "Beta"): 1, ("Ops", "Gamma"): 0}
    # GitHub seats: Gil's last activity 01-10
    assert _cells(teams, "github_copilot_seats", "2026-01")[("Eng", "Beta")] == 1


def test_headcount_share_and_interval(filled):
    org = compute_source_active_users(filled, by="organisation", min_group_size=3)
    jan = org[(org["source"] == "chatgpt_user_analytics") & (org["period"] == "2026-01")].iloc[0]
    # January headcount: 11 (Zed employed until 01-15); 4 active, 1 ambiguous (Cat)
    assert (jan.headcount, jan.active_users, jan.ambiguous_users, jan.n) == (11, 4, 1, 11)
    low, high = wilson_interval(4, 11)  # the package's Wilson interval, checked in its tests
    assert jan.estimate == pytest.approx(4 / 11)
    assert (jan.ci_low, jan.ci_high) == (pytest.approx(low), pytest.approx(high))
    use = org[(org["source"] == "usage") & (org["period"] == "2026-01")].iloc[0]
    # Zed after leaving, the stranger unmatched: counted on the organisation row only
    assert (use.active_users, use.unmatched_users, use.outside_employment_users) == (1, 1, 1)
    feb = org[(org["source"] == "usage") & (org["period"] == "2026-02")].iloc[0]
    assert feb.headcount == 10


def test_aggregate_only_sources_never_count_people(filled):
    out = compute_source_active_users(filled, by="team", min_group_size=3)
    agg = out[out["source"] == "github_copilot_metrics"]
    assert len(agg) == 1 and not agg["counts_distinct_users"].any()
    row = agg.iloc[0]
    assert pd.isna(row.active_users) and pd.isna(row.estimate)
    # peak daily total_active_users of the scope in January: max(3, 5); breakdown rows ignored
    assert (row.team, row.aggregate_value) == ("team:alpha-gh", 5)
    assert "active users" in row.aggregate_metric
    assert out.loc[out["source"] != "github_copilot_metrics", "counts_distinct_users"].all()


def test_small_groups_are_suppressed(filled):
    out = compute_source_active_users(filled, by="team", min_group_size=5)
    # every team has 3 or 4 people: all hidden at 5, with a reason; nothing leaks
    person = out[out["counts_distinct_users"]]
    assert person["suppressed"].all() and person["active_users"].isna().all()
    assert person["suppression_reason"].notna().all()


def test_several_levels_in_one_call_are_the_levels_of_separate_calls(filled):
    both = compute_source_active_users(filled, by=("organisation", "team"), min_group_size=3)
    one_by_one = pd.concat([compute_source_active_users(filled, by=b, min_group_size=3)
                            for b in ("organisation", "team")], ignore_index=True)
    # aggregate-only sources' scope rows come with every level: once per call
    one_by_one = one_by_one.drop_duplicates(
        subset=["source", "tool", "period", "department", "team"])
    key = ["source", "tool", "period", "department", "team"]
    pd.testing.assert_frame_equal(
        both.sort_values(key, na_position="first").reset_index(drop=True),
        one_by_one.sort_values(key, na_position="first").reset_index(drop=True),
        check_dtype=False)


def test_bad_options_are_refused(filled):
    with pytest.raises(InputError, match="period_kind"):
        compute_source_active_users(filled, period_kind="year")
    with pytest.raises(InputError, match="by="):
        compute_source_active_users(filled, by="person")


def test_semantics_registry_is_honest():
    from adoption.ingest.formats import registered_formats

    # every registered vendor format says what it can tell
    for name, fmt in registered_formats().items():
        if fmt.kind in ("usage", "seats", "team_usage", "activity", "directory", "identities"):
            assert name in SOURCE_SEMANTICS, name
    for name, s in SOURCE_SEMANTICS.items():
        assert not (s.aggregate_only and s.distinct_users), name
        assert not (s.last_activity_only and s.daily_activity), name
    assert source_semantics("github_copilot_metrics").aggregate_only
    assert "never counted as distinct people" in describe_source_semantics(
        "github_copilot_metrics")
    assert source_semantics("no-such-source").label == "(not described)"



def test_source_report_shows_sources_side_by_side(filled):
    from adoption.vendors.report import (
        build_source_report,
        format_source_activity_table,
        format_source_team_table,
        plot_source_trend,
    )

    rep = build_source_report(filled, period="2026-01")
    table = format_source_activity_table(rep).data.set_index("Source")
    # ChatGPT, January: 4 of 11 (hand count above), Wilson interval in brackets
    low, high = wilson_interval(4, 11)
    assert table.loc["ChatGPT Enterprise user analytics", "Active people"] == (
        f"4 of 11: 36% ({100 * low:.0f}\u2013{100 * high:.0f})")
    assert table.loc["ChatGPT Enterprise user analytics", "Not attributable"] == "1"
    assert "(a total, not people)" in table.loc["GitHub Copilot metrics API", "Active people"]
    teams = format_source_team_table(rep).data
    assert list(teams["Team"]) == ["Alpha", "Beta", "Gamma"]
    assert plot_source_trend(rep).get_legend() is not None
    assert "not counted" in rep.captions["activity"]
    html = format_source_activity_table(rep).to_html() + format_source_team_table(rep).to_html()
    assert "@example.com" not in html and not any(
        h in html for h in filled.pseudonymise(["ann@example.com", "hal-gh"]))
    empty = build_source_report(filled, period="2025-06")
    assert empty.organisation.empty and empty.teams.empty
    assert empty.captions["activity"].startswith("No source has activity data for 2025-06.")
    assert format_source_activity_table(empty).data.empty


def test_report_sources_say_what_each_source_is_used_for(filled):
    from adoption.canonical import load_sources

    with filled.store(read_only=True) as store:
        src = load_sources(store).set_index("source")
    assert src.loc["github_copilot_metrics", "used_for"] == (
        "team totals only, never counted as people")
    assert src.loc["m365_copilot_usage_csv", "used_for"] == (
        "active in the month of the last active day only")
    assert src.loc["usage", "used_for"] == "active days (team figures)"
    assert src.loc["roster", "used_for"] == "headcount and teams"


def test_adoption_report_data_sources_section_is_honest(filled):
    from adoption.report import build_adoption_report, format_sources_table

    rep = build_adoption_report(filled, period="2026-01")
    text = rep.captions["sources"]
    # every person-level source feeds "active on any AI tool", each as far as it can tell
    # (issue 9): the caption says how each counts, and that aggregates never count people
    assert "**Usage events (generic)** counts every active day" in text
    assert ("**ChatGPT Enterprise user analytics** counts a window inside the period; a window "
            "straddling the period's boundary with no known active day leaves the person "
            "unknown") in text
    assert ("**Microsoft 365 Copilot usage (CSV)** counts the last active day, in its own "
            "period only") in text
    assert "**GitHub Copilot metrics API** tells" in text and "never counted as people" in text
    table = format_sources_table(rep).data.set_index("Source")
    assert table.loc["Microsoft 365 Copilot usage (CSV)", "Used for"] == (
        "active in the month of the last active day only")
