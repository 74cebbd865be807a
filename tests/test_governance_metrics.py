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
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
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
    compute_seat_utilisation,
    compute_team_overlaps,
    governance_settings,
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


def test_utilisation_by_team_and_organisation(sp):
    teams = compute_seat_utilisation(sp, by="team", min_group_size=K)
    alpha = row(teams, team="Alpha", tool="Copilot")
    # Alpha Copilot: a1, a3 active of a1..a4
    assert (alpha.seats, alpha.active_seats) == (4, 2)
    assert alpha.utilisation == pytest.approx(0.5)
    lo, hi = wilson(2, 4)
    assert (alpha.utilisation_ci_low, alpha.utilisation_ci_high) == pytest.approx((lo, hi))
    beta = row(teams, team="Beta", tool="Copilot")
    assert (beta.seats, beta.active_seats) == (4, 3)  # b1, b2, b3
    org = compute_seat_utilisation(sp, by="organisation", min_group_size=K)
    copilot = row(org, tool="Copilot")
    assert (copilot.seats, copilot.active_seats) == (8, 5)
    assert copilot.utilisation_ci_low == pytest.approx(wilson(5, 8)[0])


def test_idle_seats_and_leavers(sp):
    idle = compute_idle_seats(sp, by="team", min_group_size=K)
    alpha = row(idle, team="Alpha", tool="Copilot")
    assert (alpha.seats_at_end, alpha.idle_seats) == (4, 2)  # a2 and the leaver a4
    assert alpha.idle_share_ci_high == pytest.approx(wilson(2, 4)[1])
    assert row(idle, team="Beta", tool="Copilot").idle_seats == 1  # b2
    assert row(idle, team="Alpha", tool="Cursor").idle_seats == 0  # new seats: grace
    leavers = compute_leavers_with_seats(sp, by="organisation", min_group_size=K)
    assert row(leavers, tool="Copilot").leaver_seats == 1
    assert row(leavers, tool="Copilot").leaver_monthly_spend == pytest.approx(19.0)


def test_reclaimable_spend_and_idle_days_option(ws, sp):
    org = compute_reclaimable_spend(sp, min_group_size=K)
    # Copilot: a2, a4, b2 -> 3 x 19
    assert row(org, tool="Copilot").reclaimable_monthly_spend == pytest.approx(57.0)
    assert row(org, tool="Copilot").reclaimable_seats == 3
    assert pd.isna(row(org, tool="ChatGPT").reclaimable_monthly_spend)  # cost unknown
    # with 10 idle days, a1 (last use 01-20: 11 days) and a3 (01-05) become idle too;
    # b4's seat (from 01-20, 11 days) and the Cursor seats (from 01-16) as well
    short = load_seat_periods(ws, period="2026-01", idle_days=10)
    org10 = compute_reclaimable_spend(short, min_group_size=K)
    # Copilot: a1, a2, a3, a4, b1, b2, b4 (b3 last active 01-15 is 16 days ago: idle too)
    assert row(org10, tool="Copilot").reclaimable_seats == 8
    assert row(org10, tool="Cursor").reclaimable_monthly_spend == pytest.approx(80.0)


def test_seat_costs_setting_overrides_catalogue(ws):
    gov = GovernanceSettings(seat_costs={"ChatGPT": 50.0, "Copilot": 21.0})
    sp = load_seat_periods(ws, period="2026-01", settings=gov)
    org = compute_reclaimable_spend(sp, min_group_size=K)
    assert row(org, tool="ChatGPT").reclaimable_monthly_spend == pytest.approx(100.0)  # g2, g3
    assert row(org, tool="Copilot").reclaimable_monthly_spend == pytest.approx(3 * 21.0)


def test_cost_per_active_user(sp):
    teams = compute_cost_per_active_user(sp, by="team", min_group_size=K)
    beta = row(teams, team="Beta", tool="Copilot")
    # b1..b3 full month (57) + b4 12 of 31 days: 19 * 12 / 31; 3 active users
    spend = 57 + 19 * 12 / 31
    assert beta.spend == pytest.approx(spend)
    assert beta.cost_per_active_user == pytest.approx(spend / 3)
    lo, hi = wilson(3, 4)
    # the utilisation interval carried over: spend / (seats x bound)
    assert beta.cost_per_active_user_ci_low == pytest.approx(spend / (4 * hi))
    assert beta.cost_per_active_user_ci_high == pytest.approx(spend / (4 * lo))


def test_overlaps(sp):
    teams = compute_overlaps(sp, by="team", min_group_size=K)
    alpha = row(teams, team="Alpha", category="coding assistant")
    # at 01-31: a1 and a2 hold Copilot and Cursor, a3 Copilot only (Cursor removed 01-25), a4
    assert alpha.tools == "Copilot; Cursor"
    assert (alpha.holders, alpha.people_with_several) == (4, 2)
    assert alpha.overlap_share_ci_low == pytest.approx(wilson(2, 4)[0])
    # each of a1, a2 pays 19 + 40 beyond the dearest (40): 19 each
    assert alpha.duplicate_monthly_spend == pytest.approx(38.0)
    assert row(teams, team="Beta", category="coding assistant").people_with_several == 0
    several = compute_team_overlaps(sp, min_group_size=K)
    assert several["team"].tolist() == ["Alpha"]


def test_small_groups_are_suppressed_but_org_money_shown(sp):
    # with a threshold of 5 every team (3-4 seat holders) is hidden ...
    teams = compute_seat_metrics(sp, by="team", min_group_size=5)
    assert teams["suppressed"].all()
    assert teams["utilisation"].isna().all() and teams["reclaimable_monthly_spend"].isna().all()
    # ... and Cursor's 3 holders hide the organisation's counts, but not its money
    org = compute_seat_metrics(sp, by="organisation", min_group_size=5)
    cursor = row(org, tool="Cursor")
    assert cursor.suppressed and pd.isna(cursor.utilisation)
    assert cursor.spend == pytest.approx(40 * 42 / 31)  # 16 + 16 + 10 days


def test_summarise_spend(sp):
    s = summarise_spend(sp)
    r = row(s, period="2026-01")
    assert r.spend == pytest.approx(4 * 19 + 57 + 19 * 12 / 31 + 40 * 42 / 31)
    assert r.reclaimable_monthly_spend == pytest.approx(57.0)
    assert r.leaver_monthly_spend == pytest.approx(19.0)
    assert r.tools_without_cost == 1  # ChatGPT


def test_bad_input_is_named(sp):
    with pytest.raises(ColumnNotFoundError, match="load_seat_periods"):
        compute_seat_metrics(sp.drop(columns="is_idle"))
    with pytest.raises(InputError, match="by is 'tool'"):
        compute_seat_metrics(sp, by="tool")
    with pytest.raises(InputError, match="min_group_size"):
        compute_seat_metrics(sp, min_group_size=2)


def test_input_not_modified(sp):
    before = sp.copy()
    compute_seat_metrics(sp, min_group_size=K)
    compute_overlaps(sp, min_group_size=K)
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
    sp = load_seat_periods(ws, period="2026-01")
    r = row(sp, person_id=b1, tool="Cursor")
    assert r.team == "Beta" and r.is_idle  # never used, held since November
