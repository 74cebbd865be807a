"""Shadow-AI metrics against hand-computed values on the small fixture organisation.

The fixture (tests/fixtures/discovery): 19 people; Eng = Alpha (a1-a6) + Beta (b1-b6), Ops =
Gamma (g1, g2: below the threshold of 5) + Delta (d1-d5). ChatGPT Enterprise is sanctioned,
with seats for a1 and a2. January comes from the Squid log, February from the proxy CSV:

- January: a1 ChatGPT (seat: sanctioned), a3 ChatGPT (no seat), a4 Claude x3, b1 Gemini x2
  (one denied), g1 api.anthropic.com, a device Perplexity x2, zed (not in the roster) Claude;
- February: a3 ChatGPT, a4 and a5 Claude, a6 DeepSeek x2 (one blocked), b1 and b2 Gemini, d1
  Claude, a device Midjourney, a1 ChatGPT (seat), a2 wikipedia (not AI).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import level_row, refresh_store

import adoption
from adoption.cli import main
from adoption.discovery import (
    compute_shadow_ai_by_service,
    compute_shadow_ai_trend,
    compute_shadow_ai_use,
    first_seen_services,
    service_status,
)
from adoption.metrics.intervals import paired_difference_interval

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
CORE = ["roster.csv", "tools.csv", "seats.csv", "usage.csv"]
LOGS = ["access_2026-01.log", "proxy_2026-02.csv"]


def _build(root: Path, names: list[str], toml: str = "") -> adoption.Workspace:
    ws = adoption.init_workspace(root, adoption.Settings(time_zone="Europe/Berlin"))
    if toml:
        ws.config_path.write_text(ws.settings.to_toml() + toml, encoding="utf-8")
        ws = adoption.open_workspace(root)
    adoption.ingest_files(ws, [FIXTURES / n for n in names])
    return ws


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> adoption.Workspace:
    return _build(tmp_path_factory.mktemp("shadow") / "ws", CORE + LOGS)


@pytest.fixture(scope="module")
def use(ws) -> pd.DataFrame:
    return compute_shadow_ai_use(ws)


def test_service_status(ws):
    status = service_status(ws).set_index("service")["status"]
    # ChatGPT is linked to the sanctioned ChatGPT Enterprise, which has seats
    assert status["ChatGPT"] == "seat"
    assert status["Claude"] == "unsanctioned"


@pytest.mark.parametrize(("period", "dept", "team", "expected"), [
    # (headcount, users, requests, blocked, services), counted by hand from the fixture
    ("2026-01", None, None, (19, 4, 7, 1, 4)),      # a3, a4, b1, g1; ChatGPT/Claude/Gemini/API
    ("2026-01", "Eng", None, (12, 3, 6, 1, 3)),
    ("2026-01", "Ops", None, (7, 1, 1, 0, 1)),
    ("2026-01", "Eng", "Alpha", (6, 2, 4, 0, 2)),   # a3 ChatGPT x1, a4 Claude x3
    ("2026-01", "Eng", "Beta", (6, 1, 2, 1, 1)),    # b1 Gemini x2, one TCP_DENIED/403
    ("2026-02", None, None, (19, 7, 8, 1, 4)),
    ("2026-02", "Eng", "Alpha", (6, 4, 5, 1, 3)),   # a3, a4, a5, a6 (DeepSeek x2, 1 blocked)
    ("2026-02", "Eng", "Beta", (6, 2, 2, 0, 1)),
    ("2026-02", "Ops", None, (7, 1, 1, 0, 1)),      # d1
])
def test_shadow_use_by_hand(use, period, dept, team, expected):
    row = level_row(use, period, dept, team)
    assert not row["suppressed"]
    got = tuple(int(row[c]) for c in ("headcount", "users", "requests", "blocked", "services"))
    assert got == expected
    assert row["share"] == pytest.approx(expected[1] / expected[0])


def test_wilson_intervals(use):
    alpha = level_row(use, "2026-01", "Eng", "Alpha")
    # statsmodels proportion_confint(2, 6, method="wilson")
    assert (alpha["ci_low"], alpha["ci_high"]) == pytest.approx((0.0967714111, 0.7000066849))
    org = level_row(use, "2026-01")
    # statsmodels proportion_confint(4, 19, method="wilson")
    assert (org["ci_low"], org["ci_high"]) == pytest.approx((0.0850767663, 0.4333427844))


def test_devices_and_unmatched_only_on_organisation_rows(use):
    org = level_row(use, "2026-01")
    # January: a device x Perplexity (200 and 503; the 407 is no request); zed is unknown
    assert (org["device_requests"], org["devices"], org["unmatched_requests"]) == (2, 1, 1)
    feb = level_row(use, "2026-02")
    assert (feb["device_requests"], feb["devices"], feb["unmatched_requests"]) == (1, 1, 0)
    assert use.loc[use["level"] != "organisation", "device_requests"].isna().all()


def test_small_teams_show_no_figure(use, ws):
    k = ws.settings.min_group_size
    figures = ["headcount", "users", "share", "ci_low", "ci_high", "requests", "blocked",
               "services"]
    for _, row in use.iterrows():
        if row["suppressed"]:
            assert all(pd.isna(row[c]) for c in figures)
    gamma = use[use["team"] == "Gamma"]  # 2 people
    assert gamma["suppressed"].all()
    # Delta (5 people) is hidden too, or Gamma = Ops - Delta could be worked out
    assert use.loc[use["team"] == "Delta", "suppressed"].all()
    shown = use[~use["suppressed"]]
    assert (shown["headcount"] >= k).all()


def test_by_levels(ws):
    dept = compute_shadow_ai_use(ws, by="department")
    assert set(dept["level"]) == {"organisation", "department"}
    org = compute_shadow_ai_use(ws, by="organisation")
    assert org["level"].tolist() == ["organisation", "organisation"]


def test_trend_by_hand(ws):
    trend = compute_shadow_ai_trend(ws)
    alpha = trend[(trend["team"] == "Alpha")].iloc[0]
    # paired: both {a3, a4}, February only {a5, a6}, January only none, neither 2
    assert (alpha["period"], alpha["comparison_period"]) == ("2026-02", "2026-01")
    assert alpha["n_paired"] == 6
    assert alpha["difference"] == pytest.approx(2 / 6)
    # statsmodels mcnemar([[0, 2], [0, 0]], exact=True).pvalue
    assert alpha["p_value"] == pytest.approx(0.5)
    # BH over Alpha (0.5) and Beta (1.0): min(0.5 * 2 / 1, 1.0 * 2 / 2) = 1.0
    assert alpha["p_value_adjusted"] == pytest.approx(1.0)
    assert not alpha["beyond_noise"] and not alpha["growing"]
    org = trend[trend["level"] == "organisation"].iloc[0]
    # both {a3, a4, b1}, February only {a5, a6, b2, d1}, January only {g1}, neither 11
    assert org["difference"] == pytest.approx(3 / 19)
    assert org["p_value"] == pytest.approx(0.375)  # mcnemar([[0, 4], [1, 0]], exact=True)
    low, high = paired_difference_interval(3, 4, 1, 11)  # Newcombe (1998) method 10
    assert (org["ci_low"], org["ci_high"]) == pytest.approx((low, high))
    assert trend.loc[trend["team"] == "Gamma", "suppressed"].all()
    assert trend.loc[trend["team"] == "Gamma", "growing"].isna().all()


def test_trend_one_period_and_lag(ws):
    one = compute_shadow_ai_trend(ws, period="2026-02", by="organisation")
    assert one["period"].tolist() == ["2026-02"]
    assert compute_shadow_ai_trend(ws, lag=2).empty  # only two months of data


def test_first_seen(ws):
    first = first_seen_services(ws, period="2026-02")
    assert first["service"].tolist() == ["DeepSeek", "Midjourney"]
    deepseek = first.iloc[0]
    assert str(deepseek["first_day"])[:10] == "2026-02-10"
    assert pd.isna(deepseek["users"]) and deepseek["users_suppressed"]  # 1 person < 5
    # a6's 2 requests would describe that one person: hidden with the count (they were shown)
    assert pd.isna(deepseek["requests"])
    mj = first.iloc[1]
    assert (mj["users"], mj["device_requests"]) == (0, 1)  # device-only
    jan = first_seen_services(ws, period="2026-01")
    assert set(jan["service"]) == {"ChatGPT", "Claude", "Gemini", "Anthropic API", "Perplexity"}


def test_by_service(ws):
    table = compute_shadow_ai_by_service(ws)
    jan = table[table["period"] == "2026-01"].set_index("service")
    # Claude: a4 x3 + zed x1 (people, even if not in the roster); 2 people < 5: their number
    # and their requests are hidden (the requests were shown before; they describe 2 people)
    assert pd.isna(jan.loc["Claude", "users"]) and pd.isna(jan.loc["Claude", "requests"])
    assert jan.loc["ChatGPT", "status"] == "seat" and jan.loc["ChatGPT", "users_suppressed"]
    assert jan.loc["Perplexity", "device_requests"] == 2  # devices: no person behind them
    # sorted by the true requests, hidden or not: Claude (4) before ChatGPT (1)
    assert list(jan.index).index("Claude") < list(jan.index).index("ChatGPT")


def test_governance_list_sanctions_a_service(tmp_path):
    ws = _build(tmp_path / "ws", CORE + LOGS, '\n[governance]\nsanctioned = ["Claude"]\n')
    use = compute_shadow_ai_use(ws)
    # January without Claude: a3 (ChatGPT) in Alpha; a3, b1, g1 in the organisation
    assert int(level_row(use, "2026-01", "Eng", "Alpha")["users"]) == 1
    assert int(level_row(use, "2026-01")["users"]) == 3


def test_sanctioned_tool_without_seats_sanctions_all_use(tmp_path):
    ws = _build(tmp_path / "ws", ["roster.csv", "tools.csv", "usage.csv", *LOGS])
    assert service_status(ws).set_index("service").loc["ChatGPT", "status"] == "sanctioned"
    # January: a3's ChatGPT no longer counts; Alpha keeps a4
    assert int(level_row(compute_shadow_ai_use(ws), "2026-01", "Eng", "Alpha")["users"]) == 1


def test_short_logins_resolve_through_identities(tmp_path):
    ws = _build(tmp_path / "ws", CORE)
    log = tmp_path / "access.log"
    log.write_text("1768219200.000 5 10.0.0.9 TCP_TUNNEL/200 10 CONNECT claude.ai:443 "
                   "EXAMPLE%5Cbeta3 HIER_DIRECT/1.2.3.4 -\n")  # 2026-01-12, user EXAMPLE\beta3
    adoption.ingest_file(ws, log)
    use = compute_shadow_ai_use(ws)
    assert int(level_row(use, "2026-01", "Eng", "Beta")["users"]) == 0  # not resolved yet
    assert int(level_row(use, "2026-01")["unmatched_requests"]) == 1
    login, person = ws.pseudonymise(["beta3", "b3@example.com"])
    with ws.store() as store:  # as an identities mapping would (resolved by the canonical
        store.con.execute("INSERT INTO identities VALUES (?, ?, 'proxy')", [login, person])
        refresh_store(store)   # layer when the batch lands)
    use = compute_shadow_ai_use(ws)
    assert int(level_row(use, "2026-01", "Eng", "Beta")["users"]) == 1


def test_cli_shadow_ai_and_services(ws, capsys):
    assert main(["shadow-ai", "--workspace", str(ws.root), "--period", "2026-02",
                 "--format", "csv"]) == 0
    out = capsys.readouterr().out
    from io import StringIO

    table = pd.read_csv(StringIO(out))
    alpha = table[table["team"] == "Alpha"].iloc[0]
    assert alpha["users"] == 4
    assert math.isnan(table.loc[table["team"] == "Gamma", "users"].iloc[0])
    assert main(["shadow-ai", "--workspace", str(ws.root), "--period", "2026-02"]) == 0
    out = capsys.readouterr().out
    assert "DeepSeek" in out and "first time" in out
    assert main(["services", "--workspace", str(ws.root), "--format", "csv"]) == 0
    services = pd.read_csv(StringIO(capsys.readouterr().out)).set_index("service")
    assert services.loc["ChatGPT", "status"] == "seat"
    assert main(["shadow-ai", "--workspace", str(ws.root), "--period", "2025-06"]) == 2


def test_inputs_not_modified_and_types(use):
    assert use["users"].dtype == "Int64"
    assert np.issubdtype(use["share"].dtype, np.floating)


def test_store_argument_gives_the_same(ws, use):
    with ws.store(read_only=True) as store:
        from_store = compute_shadow_ai_use(store)
    pd.testing.assert_frame_equal(from_store, use)


def test_no_discovery_data(tmp_path):
    ws = _build(tmp_path / "ws", CORE)
    use = compute_shadow_ai_use(ws)
    # no logs and only sanctioned tools: no data, so the figures are missing, not 0 (they were
    # 0 before); see tests/test_shadow_evidence.py
    assert not use["has_data"].any() and use["users"].isna().all()
    assert first_seen_services(ws, period="2026-01").empty
    assert compute_shadow_ai_by_service(ws).empty
    assert compute_shadow_ai_trend(ws).empty  # nothing to compare


def test_bad_options(ws):
    with pytest.raises(adoption.InputError, match="by is"):
        compute_shadow_ai_use(ws, by="squad")
    with pytest.raises(adoption.InputError, match="lag"):
        compute_shadow_ai_trend(ws, lag=0)
    with pytest.raises(adoption.InputError, match="no data"):
        compute_shadow_ai_trend(ws, period="2025-01")
    with pytest.raises(adoption.InputError, match="min_group_size"):
        compute_shadow_ai_use(ws, min_group_size=2)


def test_logs_without_usage_data_still_give_periods(tmp_path):
    # a roster, the catalogue and the logs, but no usage export: the periods come from the
    # logs' days; the January figures are the same hand counts as with usage loaded
    ws = _build(tmp_path / "ws", ["roster.csv", "tools.csv", "seats.csv"] + LOGS)
    use = compute_shadow_ai_use(ws)
    assert {"2026-01", "2026-02"} <= set(use["period"])
    row = level_row(use, "2026-01")
    assert (row["headcount"], row["users"]) == (19, 4)  # as in test_shadow_use_by_hand above
