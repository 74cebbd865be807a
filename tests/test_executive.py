"""The executive page: headline tiles that agree with the sections, alerts' status."""

from __future__ import annotations

import types

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from adoption.governance.executive import (
    TILE_COLUMNS,
    ExecutiveSummary,
    _utilisation_tile,
    alert_status,
    build_executive_summary,
    describe_executive,
    format_executive_tiles,
)


def _alerts(*rows):
    cols = ["rule", "severity", "level", "department", "team", "period", "message"]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows], columns=cols)


def test_alerts_are_new_ongoing_or_resolved():
    now = _alerts(("stalled", "medium", "team", "Sales", "EMEA", "2026-02", "m1"),
                  ("idle_spend", "high", "organisation", None, None, "2026-02", "m2"))
    before = _alerts(("stalled", "medium", "team", "Sales", "EMEA", "2026-01", "m0"),
                     ("stalled", "medium", "team", "Sales", "APAC", "2026-01", "m3"))
    out = alert_status(now, before)
    # most urgent first; resolved last
    assert out[["rule", "team", "status"]].fillna("-").values.tolist() == [
        ["idle_spend", "-", "new"], ["stalled", "EMEA", "ongoing"],
        ["stalled", "APAC", "resolved"]]
    assert alert_status(now, None)["status"].tolist() == ["new", "new"]


def test_utilisation_change_uses_newcombes_interval():
    def totals(active, seats):
        return pd.DataFrame({"utilisation": [active / seats], "utilisation_ci_low": [0.0],
                             "utilisation_ci_high": [1.0], "seats": [seats],
                             "active_seats": [active]})

    gov = types.SimpleNamespace(totals=totals(56, 70))
    tile = _utilisation_tile(gov, totals(48, 80), "January 2026")
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, example (a): 56/70 vs
    # 48/80, difference 0.2000, method 10 (hybrid score) interval 0.0524 to 0.3339
    assert tile["change"] == pytest.approx(0.2)
    assert (tile["change_ci_low"], tile["change_ci_high"]) == pytest.approx(
        (0.0524, 0.3339), abs=1e-4)
    assert tile["beyond_noise"] and tile["verdict"].startswith("56 of 70 seats used. Up +20")


def test_tiles_are_escaped():
    tiles = pd.DataFrame([{**dict.fromkeys(TILE_COLUMNS), "tile": "sentiment",
                           "label": "Sentiment", "unit": "score", "estimate": 4.0,
                           "ci_low": 3.9, "ci_high": 4.1, "n": 50, "beyond_noise": False,
                           "verdict": "Survey wave <script>alert(1)</script>"}])
    html = format_executive_tiles(ExecutiveSummary("May", "April", "EUR", tiles,
                                                   _alerts().assign(status=[])))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_demo_tiles_agree_with_the_sections(demo_workspace):
    from adoption.governance import build_governance_section
    from adoption.report import build_adoption_report
    from adoption.surveys.report import build_sentiment_section

    ws = demo_workspace
    with ws.store(read_only=True) as store:
        period = store.query("SELECT max(period) AS p FROM period_spans "
                             "WHERE period_kind = 'month'")["p"][0]
    report = build_adoption_report(ws, period=period)
    gov = build_governance_section(ws, period=period)
    sentiment = build_sentiment_section(ws, period=period)
    summary = build_executive_summary(report, gov, sentiment)
    tiles = summary.tiles.set_index("tile")
    assert list(tiles.index) == ["active", "utilisation", "reclaimable", "sentiment", "shadow"]
    head = report.headline.set_index("measure").loc["penetration"]
    # the same figure as the report's headline and the governance totals, not a recount
    assert tiles.loc["active", "estimate"] == head["estimate"]
    assert tiles.loc["active", "change"] == head["difference"]
    assert tiles.loc["utilisation", "estimate"] == gov.totals["utilisation"].iloc[0]
    assert tiles.loc["reclaimable", "estimate"] == gov.totals[
        "reclaimable_monthly_spend"].iloc[0]
    assert tiles.loc["shadow", "estimate"] == gov.shadow_organisation["share"].iloc[0]
    for name, r in tiles.iterrows():  # verdict and interval from the same test
        if pd.notna(r["change_ci_low"]):
            excludes_zero = r["change_ci_low"] > 0 or r["change_ci_high"] < 0
            assert bool(r["beyond_noise"]) == excludes_zero, name
            assert r["verdict"].endswith(": beyond noise.") == excludes_zero, name
        if pd.notna(r["ci_low"]):
            assert r["ci_low"] <= r["estimate"] <= r["ci_high"], name
    assert set(summary.alerts["status"]) <= {"new", "ongoing", "resolved"}
    assert "ongoing" in describe_executive(summary)


def test_rendered_report_opens_with_the_tiles(demo_workspace):
    page = sorted(demo_workspace.reports_dir.glob("adoption_*.html"))[-1]
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    tiles = soup.select('[data-table="executive"] .exec-tile')
    assert [t["data-tile"] for t in tiles] == ["active", "utilisation", "reclaimable",
                                              "sentiment", "shadow"]
    headings = [h.get_text(strip=True) for h in soup.find_all("h2")
                if h.get_text(strip=True) != "Contents"]
    assert headings[:2] == ["At a glance", "Alerts"]
    cells = [td.get_text(strip=True) for td in soup.select(
        'table[data-table="alerts"] tbody td.col0')]
    assert cells and all(c.split(", ")[1] in {"new", "ongoing", "resolved"} for c in cells)
