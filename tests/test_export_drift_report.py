"""Export drift in the rendered adoption report (no browser: the HTML is parsed).

A small organisation (60 people in three teams of 20, all with a ChatGPT Enterprise seat) whose
Copilot usage holds steady while ChatGPT's weekly export shows its active people falling from
50 to 11 overnight: the report's alerts and its data-quality appendix both show the finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_export_drift import WEEK1, WEEK2, _chatgpt, _seats, _usage

import adoption
from adoption.ingest import ingest_files
from adoption.report import render_adoption_report

TEAMS = ("Alpha", "Beta", "Gamma")


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> BeautifulSoup:
    root = tmp_path_factory.mktemp("drift_report")
    ws = adoption.init_workspace(root / "ws", adoption.Settings(organisation="Testorg"))
    src = root / "src"
    src.mkdir()
    lines = ["email,team,department,start_date,as_of"]
    lines += [f"p{i}@example.com,{TEAMS[i % 3]},Eng,2024-01-01,2025-12-01" for i in range(60)]
    (src / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _seats(src / "seats.csv", 60)
    _usage(src / "copilot_usage.csv", WEEK1, people=40, days=14)
    _chatgpt(src / "chatgpt_week_1.csv", WEEK1, people=60, active=50)
    _chatgpt(src / "chatgpt_week_2.csv", WEEK2, people=60, active=11)
    ingest_files(ws, sorted(src.glob("*.csv")))
    path = render_adoption_report(ws, period="2026-01")
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")


def _table_text(soup: BeautifulSoup, name: str) -> str:
    tables = soup.select(f'table[data-table="{name}"]')
    assert tables, f"no table {name!r} in the report"
    return " ".join(" ".join(t.get_text(" ").split()) for t in tables)


def test_the_report_alerts_show_the_fall_with_both_figures(html):
    text = _table_text(html, "alerts")
    assert "chatgpt_week_2.csv" in text
    # 50 -> 11 active people (the weekly exports written above): 11 / 50 - 1 = -78%
    assert "Before: 50 active people in 2026-01-05 to 2026-01-11" in text
    assert "After: 11 active people in 2026-01-12 to 2026-01-18 (-78%)" in text


def test_the_data_quality_appendix_lists_the_finding(html):
    text = _table_text(html, "data-findings")
    assert "chatgpt_week_2.csv (chatgpt_user_analytics): ChatGPT Enterprise active people fell" in text
    assert "usage Copilot active people 40 -> 40 (+0%)" in text
    assert "what to check" in text

