"""Governance metrics against hand-computed values on a tiny organisation.

The fixture (tests/fixtures/governance/) has three teams and three tools; the period is
January 2026 (31 days), its as-of date 2026-01-31 (the last usage day), idle_days = 30, so a
seat is idle when last used on or before 2026-01-01 and held since then or earlier.

Copilot (19/month): Alpha a1 (used 01-20), a2 (last 12-20: idle), a3 (01-05), a4 (left 01-10,
seat kept: leaver, never used); Beta b1 (01-02), b2 (01-01: idle, the boundary), b3 (no usage
but GitHub reports last activity 01-15: active), b4 (seat from 01-20: too new to be idle).
Cursor (40/month, same category): Alpha a1, a2 from 01-16, a3 from 01-16 to 01-25; a1 used it.
ChatGPT (60 USD: unknown in an EUR workspace unless [governance] seat_costs sets it): Gamma
g1 (used), g2, g3 (never: idle).

Group sizes are the roster headcounts of January (Alpha 4: a4 left on 01-10; Beta 4; Gamma 3;
Eng 8, Sales 3, organisation 11), as in the adoption tables; figures over seats and over seats
held at the end are hidden with their own count (fewer than K of them) and complemented.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import refresh_store
from statsmodels.stats.proportion import proportion_confint

import adoption
from adoption.errors import ColumnNotFoundError, InputError
from adoption.governance import (
    alert_settings,
    compute_cost_per_active_user,
    compute_idle_seats,
    compute_leavers_with_seats,
    compute_overlaps,
    compute_reclaimable_spend,
    compute_seat_metrics,
    compute_seat_totals,
    compute_seat_utilisation,
    compute_team_overlaps,
    governance_settings,
    load_headcounts,
    load_seat_periods,
    summarise_spend,
)
from adoption.governance.config import GovernanceSettings

FIXTURES = Path(__file__).parent / "fixtures" / "governance"
K = 3  # the fixture's teams have 3 or 4 seat holders


@pytest.fixture(scope="module")
def ws(tmp_path_factory, governance_workspace) -> adoption.Workspace:
    return governance_workspace(tmp_path_factory.mktemp("gov") / "ws")


@pytest.fixture(scope="module")
def sp(ws) -> pd.DataFrame:
    return load_seat_periods(ws, period="2026-01")


@pytest.fixture(scope="module")
def hc(ws) -> pd.DataFrame:
    return load_headcounts(ws, period="2026-01")


def row(frame: pd.DataFrame, **keys) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for k, v in keys.items():
        mask &= frame[k].astype(object) == v
    assert mask.sum() == 1, (keys, frame.loc[mask])
    return frame[mask].iloc[0]


def person(ws, sp, email: str, tool: str) -> pd.Series:
    (pid,) = ws.pseudonymise([email])
    return row(sp, person_id=pid, tool=tool)


def wilson(x, n):
    # reference: statsmodels' Wilson interval (Newcombe 1998 method 3)
    return proportion_confint(x, n, alpha=0.05, method="wilson")


def test_seat_period_flags_per_person(ws, sp):
    assert len(sp) == 14  # 8 Copilot + 3 Cursor + 3 ChatGPT seats overlap January
    assert (sp["as_of"] == pd.Timestamp("2026-01-31")).all()
    expect = {  # email, tool: (active, idle, leaver, reason) by the definitions above
        ("a1@example.com", "Copilot"): (True, False, False, None),
        ("a2@example.com", "Copilot"): (False, True, False, "idle"),
        ("a3@example.com", "Copilot"): (True, False, False, None),
        ("a4@example.com", "Copilot"): (False, True, True, "leaver"),
        ("b1@example.com", "Copilot"): (True, False, False, None),
        ("b2@example.com", "Copilot"): (True, True, False, "idle"),  # last use 01-01 = 30 days
        ("b3@example.com", "Copilot"): (True, False, False, None),   # seat_activity 01-15
        ("b4@example.com", "Copilot"): (False, False, False, None),  # new seat: grace
        ("a2@example.com", "Cursor"): (False, False, False, None),   # held 16 days only
        ("g2@example.com", "ChatGPT"): (False, True, False, "idle"),
    }
    for (email, tool), (active, idle, leaver, reason) in expect.items():
        r = person(ws, sp, email, tool)
        assert (r.is_active, r.is_idle, r.is_leaver) == (active, idle, leaver), (email, tool)
        assert (r.reclaim_reason if isinstance(r.reclaim_reason, str) else None) == reason
    a4 = person(ws, sp, "a4@example.com", "Copilot")
    assert a4.team == "Alpha"  # the team they left
    assert a4.employed_to == pd.Timestamp("2026-01-10")
    assert pd.isna(a4.last_use)
    assert person(ws, sp, "b3@example.com", "Copilot").last_use == pd.Timestamp("2026-01-15")


def test_spend_is_pro_rated_by_day(ws, sp):
    # Cursor from 01-16 to 01-31 is 16 of 31 days: 40 * 16 / 31
    assert person(ws, sp, "a1@example.com", "Cursor").spend == pytest.approx(40 * 16 / 31)
    # a3 held Cursor 01-16 to 01-25 inclusive: 10 days
    assert person(ws, sp, "a3@example.com", "Cursor").held_days == 10
    assert person(ws, sp, "a3@example.com", "Cursor").spend == pytest.approx(40 * 10 / 31)
    assert person(ws, sp, "a1@example.com", "Copilot").spend == pytest.approx(19.0)
    # ChatGPT's catalogue cost is in USD in an EUR workspace: unknown
    assert math.isnan(person(ws, sp, "g1@example.com", "ChatGPT").monthly_seat_cost)


def test_quarter_spend_is_three_months(ws):
    q = load_seat_periods(ws, period="2026-Q1", period_kind="quarter")
    # a1's Copilot seat is held all quarter; data end 01-31 but the seat has no removal date
    assert person(ws, q, "a1@example.com", "Copilot").spend == pytest.approx(3 * 19.0)


def test_utilisation_by_team_and_organisation(sp, hc):
    teams = compute_seat_utilisation(sp, headcounts=hc, by="team", min_group_size=K)
    alpha = row(teams, team="Alpha", tool="Copilot")
    # Alpha Copilot: a1, a3 active of a1..a4
    assert (alpha.seats, alpha.active_seats) == (4, 2)
    assert alpha.utilisation == pytest.approx(0.5)
    lo, hi = wilson(2, 4)
    assert (alpha.utilisation_ci_low, alpha.utilisation_ci_high) == pytest.approx((lo, hi))
    beta = row(teams, team="Beta", tool="Copilot")
    assert (beta.seats, beta.active_seats) == (4, 3)  # b1, b2, b3
    org = compute_seat_utilisation(sp, headcounts=hc, by="organisation", min_group_size=K)
    copilot = row(org, tool="Copilot")
    assert (copilot.seats, copilot.active_seats) == (8, 5)
    assert copilot.utilisation_ci_low == pytest.approx(wilson(5, 8)[0])


def test_idle_seats_and_leavers(sp, hc):
    idle = compute_idle_seats(sp, headcounts=hc, by="team", min_group_size=K)
    alpha = row(idle, team="Alpha", tool="Copilot")
    assert (alpha.seats_at_end, alpha.idle_seats) == (4, 2)  # a2 and the leaver a4
    assert alpha.idle_share_ci_high == pytest.approx(wilson(2, 4)[1])
    assert row(idle, team="Beta", tool="Copilot").idle_seats == 1  # b2
    # Alpha holds 2 Cursor seats at the end (a3's ended 01-25): fewer than K = 3, so the
    # idle figures over them are hidden, not shown as "0 of 2" (they were before)
    cursor = row(idle, team="Alpha", tool="Cursor")
    assert pd.isna(cursor.idle_seats) and pd.isna(cursor.seats_at_end)
    assert "fewer than 3 seats at end" in cursor.suppression_reason
    leavers = compute_leavers_with_seats(sp, headcounts=hc, by="organisation", min_group_size=K)
    assert row(leavers, tool="Copilot").leaver_seats == 1
    assert row(leavers, tool="Copilot").leaver_monthly_spend == pytest.approx(19.0)


def test_reclaimable_spend_and_idle_days_option(ws, sp, hc):
    org = compute_reclaimable_spend(sp, headcounts=hc, min_group_size=K)
    # Copilot: a2, a4, b2 -> 3 x 19
    assert row(org, tool="Copilot").reclaimable_monthly_spend == pytest.approx(57.0)
    assert row(org, tool="Copilot").reclaimable_seats == 3
    assert pd.isna(row(org, tool="ChatGPT").reclaimable_monthly_spend)  # cost unknown
    # with 10 idle days, a1 (last use 01-20: 11 days) and a3 (01-05) become idle too;
    # b4's seat (from 01-20, 11 days) and the Cursor seats (from 01-16) as well
    short = load_seat_periods(ws, period="2026-01", idle_days=10)
    org10 = compute_reclaimable_spend(short, headcounts=hc, min_group_size=K)
    # Copilot: a1, a2, a3, a4, b1, b2, b4 (b3 last active 01-15 is 16 days ago: idle too)
    assert row(org10, tool="Copilot").reclaimable_seats == 8
    # Cursor's 2 seats at the end (a1, a2) are fewer than K: its amount is hidden, and so is
    # ChatGPT's (3 seats), or Cursor's would be the total minus the other tools; the total
    # over all tools keeps it: Copilot 8 x 19 + Cursor 2 x 40 (ChatGPT's cost is unknown)
    assert pd.isna(row(org10, tool="Cursor").reclaimable_monthly_spend)
    assert pd.isna(row(org10, tool="ChatGPT").seats_at_end)
    total = compute_seat_totals(short, headcounts=hc, min_group_size=K).iloc[0]
    assert total.reclaimable_monthly_spend == pytest.approx(8 * 19 + 2 * 40)
    assert (total.seats_at_end, total.reclaimable_seats) == (13, 12)  # 8 + 2 + 3; + g2, g3


def test_seat_costs_setting_overrides_catalogue(ws, hc):
    gov = GovernanceSettings(seat_costs={"ChatGPT": 50.0, "Copilot": 21.0})
    sp = load_seat_periods(ws, period="2026-01", settings=gov)
    assert (sp.loc[sp["tool"] == "ChatGPT", "monthly_seat_cost"] == 50.0).all()
    org = compute_reclaimable_spend(sp, headcounts=hc, min_group_size=K)
    assert row(org, tool="Copilot").reclaimable_monthly_spend == pytest.approx(3 * 21.0)
    # ChatGPT's own amount is hidden with Cursor's (see above); the total holds it:
    # Copilot a2, a4, b2 at 21 + ChatGPT g2, g3 at 50
    total = compute_seat_totals(sp, headcounts=hc, min_group_size=K).iloc[0]
    assert total.reclaimable_monthly_spend == pytest.approx(3 * 21.0 + 100.0)


def test_cost_per_active_user(sp, hc):
    teams = compute_cost_per_active_user(sp, headcounts=hc, by="team", min_group_size=K)
    beta = row(teams, team="Beta", tool="Copilot")
    # b1..b3 full month (57) + b4 12 of 31 days: 19 * 12 / 31; 3 active users
    spend = 57 + 19 * 12 / 31
    assert beta.spend == pytest.approx(spend)
    assert beta.cost_per_active_user == pytest.approx(spend / 3)
    lo, hi = wilson(3, 4)
    # the utilisation interval carried over: spend / (seats x bound)
    assert beta.cost_per_active_user_ci_low == pytest.approx(spend / (4 * hi))
    assert beta.cost_per_active_user_ci_high == pytest.approx(spend / (4 * lo))


def test_overlaps_hide_what_would_give_a_hidden_seat_count_away(sp, hc):
    teams = compute_overlaps(sp, headcounts=hc, by="team", min_group_size=K)
    alpha = row(teams, team="Alpha", category="coding assistant")
    # at 01-31: a1 and a2 hold Copilot and Cursor, a3 Copilot only (Cursor removed 01-25), a4
    # Copilot: holders 4, with several 2. Alpha's 2 Cursor seats at the end are hidden (< K),
    # and holders - Copilot + several = 4 - 4 + 2 would give them back: hidden too
    assert not alpha.suppressed and pd.isna(alpha.holders) and pd.isna(alpha.tools)
    assert "give them away" in alpha.suppression_reason
    assert compute_team_overlaps(sp, headcounts=hc, min_group_size=K).empty


def test_overlaps_by_hand(tmp_path, governance_workspace):
    ws = governance_workspace(tmp_path / "ws")
    extra = tmp_path / "seats_more.csv"  # b1 takes Cursor too: 3 Cursor seats at the end
    extra.write_text("tool,email,assigned_on,removed_on\nCursor,b1@example.com,2026-01-16,\n",
                     encoding="utf-8")
    adoption.ingest_files(ws, [extra])
    sp = load_seat_periods(ws, period="2026-01")
    hc = load_headcounts(ws, period="2026-01")
    dept = compute_overlaps(sp, headcounts=hc, by="department", min_group_size=K)
    eng = row(dept, department="Eng", category="coding assistant")
    # Eng at 01-31: a1, a2, b1 hold Copilot and Cursor; a3, a4, b2, b3, b4 Copilot only
    assert eng.tools == "Copilot; Cursor"
    assert (eng.holders, eng.people_with_several) == (8, 3)
    assert eng.overlap_share_ci_low == pytest.approx(wilson(3, 8)[0])
    # each of a1, a2, b1 pays 19 + 40 beyond the dearest (40): 19 each
    assert eng.duplicate_monthly_spend == pytest.approx(57.0)
    # the teams stay hidden: Alpha's 2 and Beta's 1 Cursor seats at the end are fewer than K
    teams = compute_overlaps(sp, headcounts=hc, by="team", min_group_size=K)
    assert teams.loc[teams["category"] == "coding assistant", "holders"].isna().all()


def test_small_groups_hide_counts_and_the_money_they_give(sp, hc):
    # with a threshold of 5 every team (4, 4 and 3 people) is hidden ...
    teams = compute_seat_metrics(sp, headcounts=hc, by="team", min_group_size=5)
    assert teams["suppressed"].all()
    assert teams["utilisation"].isna().all() and teams["reclaimable_monthly_spend"].isna().all()
    # ... and Cursor's 3 holders hide the organisation's Cursor figures, money too (a seat
    # cost times a hidden count gives the count back); ChatGPT's 3 are hidden as well
    org = compute_seat_metrics(sp, headcounts=hc, by="organisation", min_group_size=5)
    cursor = row(org, tool="Cursor")
    assert pd.isna(cursor.seats) and pd.isna(cursor.utilisation) and pd.isna(cursor.spend)
    assert row(org, tool="Copilot").seats == 8
    # the total over all tools (14 seats) is shown: 8 Copilot seats (4 x 19 + 57 + b4's
    # 12 of 31 days) + Cursor's 16 + 16 + 10 days; ChatGPT's cost is unknown
    total = compute_seat_totals(sp, headcounts=hc, min_group_size=5).iloc[0]
    assert total.seats == 14
    assert total.spend == pytest.approx(4 * 19 + 57 + 19 * 12 / 31 + 40 * 42 / 31)


def test_no_count_beside_a_hidden_rate(sp, hc):
    # threshold 4: Alpha's 3 Cursor seat holders (a1, a2, a3) are too few; the team row is
    # published (4 people) but no seat count stands beside the hidden utilisation
    teams = compute_seat_metrics(sp, headcounts=hc, by="team", min_group_size=4)
    for r in teams.itertuples():
        if pd.isna(r.utilisation):
            assert pd.isna(r.seats) and pd.isna(r.active_seats) and pd.isna(r.spend), r
        if pd.isna(r.idle_share):
            assert pd.isna(r.seats_at_end) and pd.isna(r.idle_seats), r
            assert pd.isna(r.reclaimable_monthly_spend), r


def test_summarise_spend(sp, hc):
    s = summarise_spend(sp, headcounts=hc, min_group_size=K)
    r = row(s, period="2026-01")
    assert r.spend == pytest.approx(4 * 19 + 57 + 19 * 12 / 31 + 40 * 42 / 31)
    assert r.reclaimable_monthly_spend == pytest.approx(57.0)
    assert r.leaver_monthly_spend == pytest.approx(19.0)
    assert r.tools_without_cost == 1  # ChatGPT


def test_bad_input_is_named(sp, hc):
    with pytest.raises(ColumnNotFoundError, match="load_seat_periods"):
        compute_seat_metrics(sp.drop(columns="is_idle"), headcounts=hc)
    with pytest.raises(InputError, match="by is 'tool'"):
        compute_seat_metrics(sp, headcounts=hc, by="tool")
    with pytest.raises(InputError, match="min_group_size"):
        compute_seat_metrics(sp, headcounts=hc, min_group_size=2)
    with pytest.raises(InputError, match="load_headcounts"):  # no group sizes, no figures
        compute_seat_metrics(sp, min_group_size=K)


def test_input_not_modified(sp, hc):
    before = sp.copy()
    compute_seat_metrics(sp, headcounts=hc, min_group_size=K)
    compute_overlaps(sp, headcounts=hc, min_group_size=K)
    pd.testing.assert_frame_equal(sp, before)


def test_settings_sections_are_checked(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(sections={
        "governance": {"sanctioned": ["Cursor"], "seat_costs": {"Cursor": 35}, "idle_days": 14},
        "alerts": {"idle_spend_above": 100, "stalled_periods": 4}}))
    ws = adoption.open_workspace(ws.root)  # read back from adoption.toml
    gov = governance_settings(ws)
    assert gov == GovernanceSettings(("Cursor",), {"Cursor": 35.0}, 14)
    rules = alert_settings(ws)
    assert (rules.idle_spend_above, rules.stalled_periods, rules.shadow_growth) == (100.0, 4,
                                                                                     True)
    bad = [("governance", {"idle_days": -3}, r"adoption.toml \[governance\] idle_days: found -3"),
           ("governance", {"seat_costs": {"X": "cheap"}}, "seat_costs"),
           ("governance", {"sanctioned": "Copilot"}, "list of tool names"),
           ("governance", {"idel_days": 3}, r"unknown key\(s\) \['idel_days'\]"),
           ("alerts", {"stalled_periods": 1}, "stalled_periods: found 1"),
           ("alerts", {"shadow_growth": "yes"}, "true or false"),
           ("alerts", {"stalled_below": 2}, "at most 1")]
    for section, values, message in bad:
        settings = adoption.Settings(sections={section: values})
        with pytest.raises(InputError, match=message):
            (governance_settings if section == "governance" else alert_settings)(settings)


def test_sanctioned_setting_extends_catalogue(ws):
    sp = load_seat_periods(ws, period="2026-01",
                           settings=GovernanceSettings(sanctioned=("Cursor",)))
    assert sp.loc[sp["tool"] == "Cursor", "is_sanctioned"].all()
    plain = load_seat_periods(ws, period="2026-01")
    assert not plain.loc[plain["tool"] == "Cursor", "is_sanctioned"].any()


def test_seats_resolve_through_identities(tmp_path, governance_workspace):
    ws = governance_workspace(tmp_path / "ws2")
    (b1,) = ws.pseudonymise(["b1@example.com"])
    (login,) = ws.pseudonymise(["ben-beta"])
    with ws.store() as store:  # a seat exported under b1's GitHub login
        store.con.execute("INSERT INTO identities VALUES (?, ?, 'github')", [login, b1])
        store.con.execute("INSERT INTO seats VALUES (?, 'Cursor', DATE '2025-11-01', NULL, 998)",
                          [login])
        refresh_store(store)
    sp = load_seat_periods(ws, period="2026-01")
    r = row(sp, person_id=b1, tool="Cursor")
    assert r.team == "Beta" and r.is_idle  # never used, held since November


def test_a_period_without_seat_data_gives_empty_tables_not_an_error(governance_workspace,
                                                                     tmp_path):
    """A month before any data: no seat periods and no alerts, instead of DuckDB's "Cannot
    compare values of type DATE and type INTEGER" (an empty pandas frame has no column types)."""
    from adoption.governance.alerts import build_alerts
    from adoption.governance.data import load_seat_periods

    ws = governance_workspace(tmp_path / "ws")
    assert load_seat_periods(ws, period="2025-06").empty
    assert len(load_seat_periods(ws)) > 0
    assert build_alerts(ws, period="2025-06", period_kind="month", min_group_size=3).empty
