"""Usage-based spend (premium requests beyond the seats' allowance) and monthly budgets.

The organisation is the governance fixture (tests/fixtures/governance; Copilot seats at 19 a
month, EUR; January 2026 has 31 days; K = 3) with premium requests added for January:

    Alpha: a1 500, a2 100, a3 350 (all three hold a Copilot seat)
    Beta:  b1 300, b2 1000, b3 10 (all three hold a Copilot seat)
    Gamma: g1 40, g2 20, g3 10 (no Copilot seat: no allowance)

priced ``premium_request = 0.04`` with ``included_per_seat = 300`` (per person and month, as
GitHub counts the allowance).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import refresh_store

import adoption
from adoption.errors import InputError
from adoption.governance import (
    build_alerts,
    compute_spend,
    governance_settings,
    load_headcounts,
    load_seat_periods,
    load_usage_periods,
    summarise_spend,
)

K = 3
PRICES = {"Copilot": {"premium_request": 0.04, "included_per_seat": 300}}
JANUARY = {"a1": 500, "a2": 100, "a3": 350, "b1": 300, "b2": 1000, "b3": 10, "g1": 40,
           "g2": 20, "g3": 10}
FIXTURE = Path(__file__).parent / "fixtures" / "vendors" / "github" / "premium_request_usage.csv"


def add_units(ws: adoption.Workspace, rows: list[tuple[str, str, str, float]],
              *, tool: str = "Copilot", unit: str = "premium_request") -> None:
    """Stage usage_units rows (email, day, quantity) as a reader would, and rebuild."""
    ids = ws.pseudonymise([r[0] for r in rows])
    frame = pd.DataFrame({"person_id": ids, "tool": tool,
                          "day": [pd.Timestamp(r[1]).date() for r in rows], "unit": unit,
                          "quantity": [float(r[2]) for r in rows], "model": None,
                          "source": "test", "batch_id": 1})
    with ws.store() as store:
        store.con.register("_units", frame)
        store.con.execute("INSERT INTO usage_units SELECT person_id, tool, day, unit, "
                          "quantity, model, source, batch_id FROM _units")
        store.con.unregister("_units")
        refresh_store(store)


#: Alpha's budget: its seats (Copilot 76, Cursor 54.19) alone run above it.
ALPHA_BUDGET = [{"team": "Alpha", "amount": 50.0}]


def usage_workspace(root: Path, governance_workspace, people: dict[str, float]):
    ws = governance_workspace(root, sections={"governance": {"usage_prices": PRICES,
                                                             "budgets": ALPHA_BUDGET}})
    add_units(ws, [(f"{p}@example.com", "2026-01-12", q) for p, q in people.items()])
    return ws


def january_spend(ws, *, by: str = "team") -> pd.DataFrame:
    sp = load_seat_periods(ws, period="2026-01")
    hc = load_headcounts(ws, period="2026-01")
    up = load_usage_periods(ws, period="2026-01")
    return compute_spend(sp, headcounts=hc, usage=up, by=by, min_group_size=K)


@pytest.fixture(scope="module")
def ws(tmp_path_factory, governance_workspace) -> adoption.Workspace:
    return usage_workspace(tmp_path_factory.mktemp("usage") / "ws", governance_workspace,
                           JANUARY)


@pytest.fixture(scope="module")
def spend(ws) -> pd.DataFrame:
    return january_spend(ws)


def one(frame: pd.DataFrame, **keys) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for k, v in keys.items():
        mask &= frame[k].astype(object) == v
    assert mask.sum() == 1, (keys, frame)
    return frame[mask].iloc[0]


def test_usage_per_person_follows_the_allowance(ws):
    up = load_usage_periods(ws, period="2026-01").set_index("person_id")
    (a1, b1, g1) = ws.pseudonymise(["a1@example.com", "b1@example.com", "g1@example.com"])
    # a1: 500 - 300 included = 200 billable x 0.04
    assert up.loc[a1, "billable"] == 200 and up.loc[a1, "usage_spend"] == pytest.approx(8.0)
    # b1: exactly the allowance, nothing billed
    assert up.loc[b1, "billable"] == 0 and up.loc[b1, "usage_spend"] == 0
    # g1 holds no Copilot seat: no allowance, 40 x 0.04
    assert up.loc[g1, "included"] == 0 and up.loc[g1, "usage_spend"] == pytest.approx(1.6)


def test_spend_by_team_and_tool_equals_a_hand_count(spend):
    alpha = one(spend, team="Alpha", tool="Copilot")
    # seats: a1..a4 held all January at 19 = 76 (a4 left on 01-10 but kept the seat)
    assert alpha.seat_spend == pytest.approx(4 * 19.0)
    # usage: a1 (500-300) + a2 0 + a3 (350-300) = 250 requests x 0.04 = 10.00
    assert alpha.usage_spend == pytest.approx(10.0)
    assert alpha.spend == pytest.approx(86.0)
    assert alpha.usage_users == 3
    beta = one(spend, team="Beta", tool="Copilot")
    # seats: b1..b3 all month = 57, b4 from 01-20 = 12 of 31 days x 19
    assert beta.seat_spend == pytest.approx(57 + 19 * 12 / 31)
    # usage: b2 (1000-300) = 700 x 0.04 = 28.00; b1 and b3 within the allowance
    assert beta.usage_spend == pytest.approx(28.0)
    assert beta.spend == pytest.approx(57 + 19 * 12 / 31 + 28.0)


    gamma = one(spend, team="Gamma", tool="Copilot")
    # no Copilot seat in Gamma: g1 40 + g2 20 + g3 10 = 70 requests x 0.04, all billed
    assert (gamma.seats, gamma.usage_users) == (0, 3)
    assert gamma.usage_spend == pytest.approx(2.8) and gamma.spend == pytest.approx(2.8)


def test_a_small_teams_usage_spend_is_hidden(tmp_path, governance_workspace):
    # only g1 of Gamma uses Copilot: one person behind Gamma's usage spend, fewer than K = 3
    people = {p: q for p, q in JANUARY.items() if p not in ("g2", "g3")}
    ws = usage_workspace(tmp_path / "ws", governance_workspace, people)
    teams = january_spend(ws)
    gamma = one(teams, team="Gamma", tool="Copilot")
    assert pd.isna(gamma.usage_spend) and pd.isna(gamma.spend) and pd.isna(gamma.usage_users)
    assert "fewer than 3 usage users" in gamma.suppression_reason
    # Sales (Gamma alone) is hidden too, and Eng with it, so that Sales is not the
    # organisation minus Eng
    depts = january_spend(ws, by="department")
    assert depts.loc[depts["tool"] == "Copilot", "usage_spend"].isna().all()
    # the organisation's amount is shown: 8 + 2 + 28 + 1.60 (g1: 40 x 0.04)
    org = january_spend(ws, by="organisation")
    assert one(org, tool="Copilot").usage_spend == pytest.approx(39.6)
    # Alpha's spend is hidden (to protect Gamma), so its budget alert is not raised: its
    # projection would give the hidden amount back
    assert budget_alerts(ws).empty


def test_a_published_teams_budget_alert(ws):
    # the same budget where Alpha's spend is shown: 76 + 54.19 + 10 = 140.19 a month
    alerts = budget_alerts(ws)
    assert list(alerts["team"]) == ["Alpha"]
    assert alerts["estimate"].iloc[0] == pytest.approx(76 + 40 * 42 / 31 + 10)
    assert alerts["severity"].iloc[0] == "high"  # above 1.25 x 50


def test_organisation_totals_put_seats_and_usage_side_by_side(ws):
    sp = load_seat_periods(ws, period="2026-01")
    totals = summarise_spend(sp, headcounts=load_headcounts(ws, period="2026-01"),
                             usage=load_usage_periods(ws, period="2026-01"), min_group_size=K)
    row = totals.iloc[0]
    assert row.usage_spend == pytest.approx(40.8)  # 8 + 2 + 28 + 2.80 (hand count above)
    assert row.spend == pytest.approx(row.seat_spend + row.usage_spend)


def test_pooled_ai_credits_follow_githubs_rule(tmp_path, governance_workspace):
    # AI credits are pooled at the billing entity (GitHub's usage-based billing): 8 people
    # hold a Copilot seat in January (a1..a4, b1..b4), so the pool is 8 x 100 = 800 credits.
    # a1 uses 500 on 01-10 (pool 300 left), b2 600 on 01-20 (300 beyond the pool: billed to
    # b2), g1 100 on 01-25 (all beyond it). 400 credits x 0.01 = 4.00 in all.
    prices = {"Copilot": {"ai_credit": 0.01, "included_per_seat": 100}}
    ws = governance_workspace(tmp_path / "ws",
                              sections={"governance": {"usage_prices": prices}})
    add_units(ws, [("a1@example.com", "2026-01-10", 500), ("b2@example.com", "2026-01-20", 600),
                   ("g1@example.com", "2026-01-25", 100)], unit="ai_credit")
    up = load_usage_periods(ws, period="2026-01").set_index("person_id")
    a1, b2, g1 = ws.pseudonymise(["a1@example.com", "b2@example.com", "g1@example.com"])
    assert up["included"].eq(800).all()  # the organisation's pool
    assert up.loc[a1, "usage_spend"] == 0
    assert up.loc[b2, "usage_spend"] == pytest.approx(3.0)
    assert up.loc[g1, "usage_spend"] == pytest.approx(1.0)
    # the same units counted per person would cost 400 + 500 + 100 (g1 holds no seat) = 10.00
    per_person = {"Copilot": {**prices["Copilot"], "pooling": "person"}}
    ws2 = governance_workspace(tmp_path / "ws2",
                               sections={"governance": {"usage_prices": per_person}})
    add_units(ws2, [("a1@example.com", "2026-01-10", 500), ("b2@example.com", "2026-01-20", 600),
                    ("g1@example.com", "2026-01-25", 100)], unit="ai_credit")
    assert load_usage_periods(ws2, period="2026-01")["usage_spend"].sum() == pytest.approx(10.0)


def test_the_day_a_pool_runs_dry_is_shared_by_that_days_units(tmp_path, governance_workspace):
    # pool 800 (as above); a1 500 and b2 600 on the same day: 300 beyond the pool, shared
    # 500:600, i.e. a1 300 x 5/11 and b2 300 x 6/11 credits at 0.01
    prices = {"Copilot": {"ai_credit": 0.01, "included_per_seat": 100}}
    ws = governance_workspace(tmp_path / "ws",
                              sections={"governance": {"usage_prices": prices}})
    add_units(ws, [("a1@example.com", "2026-01-10", 500), ("b2@example.com", "2026-01-10", 600)],
              unit="ai_credit")
    up = load_usage_periods(ws, period="2026-01").set_index("person_id")
    a1, b2 = ws.pseudonymise(["a1@example.com", "b2@example.com"])
    assert up.loc[a1, "usage_spend"] == pytest.approx(3.0 * 5 / 11)
    assert up.loc[b2, "usage_spend"] == pytest.approx(3.0 * 6 / 11)


def test_unknown_price_gets_a_clear_message(ws):
    add_units(ws, [("a1@example.com", "2026-01-13", 5)], unit="ai_credit")
    with pytest.raises(InputError, match=r"no price .*'Copilot' ai_credit: 5 units.*"
                                         r"usage_prices\.\"Copilot\"\] ai_credit"):
        load_usage_periods(ws, period="2026-01", missing_prices="raise")
    # the default leaves it out (missing), the priced premium requests stay
    up = load_usage_periods(ws, period="2026-01")
    assert up.loc[up["unit"] == "ai_credit", "usage_spend"].isna().all()


def test_price_settings_are_checked(tmp_path):
    bad = [({"Copilot": {"premium_requests": 0.04}}, r"unknown key\(s\) \['premium_requests'\]"),
           ({"Copilot": {"premium_request": -1}}, r"premium_request: found -1"),
           ({"Copilot": {"premium_request": 0.04, "ai_credit": 0.01,
                         "included_per_seat": 300}}, "say which unit"),
           ({"Copilot": {"included_per_seat": {"token": 5}}}, r"\['token'\] have no price"),
           ({"Copilot": {"ai_credit": 0.01, "pooling": "team"}},
            r"pooling: found 'team' for ai_credit; use one of \['person', 'organisation'\]")]
    for prices, message in bad:
        settings = adoption.Settings(sections={"governance": {"usage_prices": prices}})
        with pytest.raises(InputError, match=message):
            governance_settings(settings)
    budget = adoption.Settings(sections={"governance": {"budgets": [{"team": "Beta"}]}})
    with pytest.raises(InputError, match="no amount"):
        governance_settings(budget)


def budget_workspace(root: Path, last_day: int) -> adoption.Workspace:
    """The governance fixture's roster with Copilot seats for b1..b3 (Beta) only and a budget
    of 120 a month for Beta; b2 uses 100 premium requests a day from 2026-01-01 to
    2026-01-``last_day``, b1 and b3 one each on 01-01 (within the allowance; three people
    behind Beta's usage spend, so that it may be shown)."""
    folder = Path(__file__).parent / "fixtures" / "governance"
    settings = adoption.Settings(time_zone="Europe/Berlin", min_group_size=K, sections={
        "governance": {"usage_prices": PRICES, "budgets": [{"team": "Beta", "amount": 120.0}]}})
    ws = adoption.init_workspace(root, settings)
    adoption.ingest_files(ws, [folder / "roster.csv", folder / "tools.csv"])
    seats = root / "beta_seats.csv"
    seats.write_text("tool,email,assigned_on,removed_on\n" + "".join(
        f"Copilot,b{i}@example.com,2025-11-01,\n" for i in (1, 2, 3)), encoding="utf-8")
    adoption.ingest_files(ws, [seats])
    add_units(ws, [("b2@example.com", f"2026-01-{d:02d}", 100) for d in range(1, last_day + 1)]
              + [("b1@example.com", "2026-01-01", 1), ("b3@example.com", "2026-01-01", 1)])
    return ws


def budget_alerts(ws) -> pd.DataFrame:
    alerts = build_alerts(ws, period="2026-01", min_group_size=K)
    return alerts[alerts["rule"] == "budget"]


def test_budget_alert_fires_on_the_first_day_the_run_rate_exceeds_it(tmp_path):
    # Beta's three seats cost 57 a month, so their run rate is 57 on any day d; b2's
    # overage so far is (100 d - 300) x 0.04 = 4 d - 12, whose run rate is (4 d - 12) / d x 31.
    # Projection P(d) = 57 + 124 - 372 / d: P(6) = 119.0 <= 120, P(7) = 127.86 > 120.
    assert budget_alerts(budget_workspace(tmp_path / "d6", 6)).empty
    alerts = budget_alerts(budget_workspace(tmp_path / "d7", 7))
    assert len(alerts) == 1
    alert = alerts.iloc[0]
    assert alert.team == "Beta" and alert.severity == "medium"  # 127.86 < 1.25 x 120
    assert alert.estimate == pytest.approx(181 - 372 / 7)
    assert "EUR 128" in alert.message and "EUR 120" in alert.message
    assert "since 2026-01-07" in alert.message
    assert "first 7 of 31 days up to 2026-01-07" in alert.evidence


def test_a_misspelt_budget_gets_a_clear_message(tmp_path, governance_workspace):
    ws = governance_workspace(tmp_path / "ws", sections={"governance": {
        "usage_prices": PRICES, "budgets": [{"team": "Bta", "amount": 100.0}]}})
    with pytest.raises(InputError, match=r"budget 1\) team: found 'Bta'.*Did you mean 'Beta'"):
        build_alerts(ws, period="2026-01", min_group_size=K)


def test_premium_request_report_is_read(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings())
    (result,) = adoption.ingest_files(ws, [FIXTURE])
    assert result.format == "github_premium_request_usage"
    # 11 rows: 4 rejected (no username, negative quantity, an Actions SKU, a bad date),
    # 1 repeated verbatim, 6 loaded into 5 rows (two SKUs of one model and day are summed)
    assert (result.rows_read, result.rows_rejected, result.rows_duplicate,
            result.rows_loaded) == (11, 4, 1, 6)
    ann, bob = ws.pseudonymise(["octo-ann", "octo-bob"])
    with ws.store(read_only=True) as store:
        rows = store.query("SELECT * FROM usage_units ORDER BY day, person_id, unit, model")
    got = {(r.person_id, str(r.day)[:10], r.unit, r.model): r.quantity
           for r in rows.itertuples()}
    assert got == {
        (ann, "2026-01-05", "premium_request", "Claude Sonnet 4.5"): 150.0,  # 120 + 30
        (ann, "2026-01-05", "premium_request", "GPT-5.2"): 50.0,
        (ann, "2026-01-06", "premium_request", "Claude Sonnet 4.5"): 200.0,
        (bob, "2026-01-06", "premium_request", "GPT-5.2"): 12.5,  # login "Octo-Bob"
        (bob, "2026-01-06", "ai_credit", "Claude Sonnet 4.5"): 7.0,
    }
    assert set(rows["tool"]) == {"GitHub Copilot"}
    assert (result.first_date, result.last_date) == (dt.date(2026, 1, 5), dt.date(2026, 1, 6))


VENDORS = Path(__file__).parent / "fixtures" / "vendors"


def test_copilot_user_metrics_ai_credits_are_staged(tmp_path):
    # the per-user report fixture with ai_credits_used added to four records: ann-gh on
    # 01-05 2.5 (and again 2.5 on the record repeated on line 4, a duplicate: not counted
    # twice), bob-b on 01-05 "x" (impossible: not counted, a note), cat-dev on 01-06 4,
    # ANN-GH on 02-03 1
    lines = (VENDORS / "github" / "copilot_users_report.ndjson").read_text(
        encoding="utf-8").splitlines()
    credits = {0: 2.5, 1: "x", 2: 4, 3: 2.5, 7: 1}
    out = []
    for i, line in enumerate(lines):
        if i in credits:
            rec = json.loads(line)
            rec["ai_credits_used"] = credits[i]
            line = json.dumps(rec)
        out.append(line)
    path = tmp_path / "copilot_users_report_credits.ndjson"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings())
    (result,) = adoption.ingest_files(ws, [path])
    assert "1 row(s) with an ai_credits_used" in (result.note or "")
    ann, cat = ws.pseudonymise(["ann-gh", "cat-dev"])
    assert staged(ws) == {(ann, "2026-01-05", "ai_credit"): 2.5,
                          (cat, "2026-01-06", "ai_credit"): 4.0,
                          (ann, "2026-02-03", "ai_credit"): 1.0}


def test_chatgpt_credits_are_staged_on_the_windows_last_day(tmp_path):
    # the monthly export fixture with a credits_used column: ann 12.5, Bob 3, cat empty,
    # dan 7 (row rejected: last active day 02-03 outside the window), ext.person 1, eve 5
    # (rejected: negative messages), ann's repeated row 99 (a duplicate: not counted), the
    # row without e-mail 2 (rejected), dan's inactive row with messages 4 (rejected)
    text = (VENDORS / "chatgpt" / "chatgpt_users_monthly_2026-01.csv").read_text(
        encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    values = ["credits_used", "12.5", "3", "", "7", "1", "5", "99", "2", "4"]
    path = tmp_path / "chatgpt_users_credits.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[*r, v] for r, v in zip(rows, values, strict=True)])
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings())
    adoption.ingest_files(ws, [path])
    ann, bob, ext = ws.pseudonymise(["ann@example.com", "bob@example.com",
                                     "ext.person@gmail.com"])
    assert staged(ws) == {(p, "2026-01-31", "chatgpt_credit"): q
                          for p, q in ((ann, 12.5), (bob, 3.0), (ext, 1.0))}


def staged(ws) -> dict:
    with ws.store(read_only=True) as store:
        rows = store.query("SELECT person_id, day, unit, quantity FROM usage_units")
    return {(r.person_id, str(r.day)[:10], r.unit): r.quantity for r in rows.itertuples()}


def test_report_section_and_executive_page_read_the_same_figures(tmp_path,
                                                                  governance_workspace):
    from adoption.governance import (
        build_executive_summary,
        build_governance_section,
        format_tools_table,
    )
    from adoption.report import build_adoption_report

    ws = governance_workspace(tmp_path / "ws", sections={"governance": {
        "usage_prices": PRICES, "budgets": [{"tool": "Copilot", "amount": 100.0}]}})
    add_units(ws, [(f"{p}@example.com", "2026-01-12", q) for p, q in JANUARY.items()])
    gov = build_governance_section(ws, period="2026-01", min_group_size=K)
    total = gov.totals.iloc[0]
    # 8 + 2 + 28 + 2.80 (the hand count of test_spend_by_team_and_tool_equals_a_hand_count)
    assert total.usage_spend == pytest.approx(40.8)
    assert total.spend == pytest.approx(total.seat_spend + 40.8)
    copilot = one(gov.tools, tool="Copilot")
    assert copilot.usage_spend == pytest.approx(40.8)
    # the tools table and the caption show the same amounts
    table = format_tools_table(gov).data.set_index("Tool")
    assert table.loc["Copilot", "Of it, usage"] == "EUR 41"
    assert table.loc["All tools", "Spend"] == f"EUR {total.spend:,.0f}"
    assert f"EUR {total.spend:,.0f}" in gov.captions["spend"]
    assert "usage beyond what the seats include" in gov.captions["spend"]
    # the budget: Copilot seats (76 + 64.35) and usage (40.80) run at EUR 181 a month, above
    # 100 from the first day (seats alone run at about 150)
    budget = gov.alerts[gov.alerts["rule"] == "budget"]
    assert len(budget) == 1 and "EUR 181" in budget["message"].iloc[0]
    assert "since 2026-01-01" in budget["message"].iloc[0]
    summary = build_executive_summary(build_adoption_report(ws, period="2026-01"), gov)
    assert "budget" in set(summary.alerts["rule"])
    verdict = summary.tiles.set_index("tile").loc["reclaimable", "verdict"]
    assert f"Spend this period EUR {total.spend:,.0f}" in verdict and "EUR 41" in verdict
