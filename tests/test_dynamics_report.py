"""The report's "Adoption over time" part: shown in the demo's rendered report, and no figure
of a group under the threshold in its tables or their HTML."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from adoption.report.dynamics import compute_dynamics_section
from adoption.report.dynamics_tables import (
    describe_first_use,
    describe_forecast,
    describe_retention,
    describe_segment_trend,
    describe_team_moves,
    describe_transitions,
    format_first_use_table,
    format_forecast_table,
    format_retention_table,
    format_segment_mix_table,
    format_team_moves_table,
    format_transition_table,
)
from adoption.report.figures import plot_segment_trend

TABLES = ("first_use", "retention", "dynamics_segments", "transitions", "team_moves",
          "forecast")
FORMATS = (format_first_use_table, format_retention_table, format_segment_mix_table,
           format_transition_table, format_team_moves_table, format_forecast_table)
DESCRIBE = (describe_first_use, describe_retention, describe_segment_trend,
            describe_transitions, describe_team_moves, describe_forecast)


@pytest.mark.slow
def test_demo_report_shows_adoption_over_time(demo_workspace):
    # the demo builds its latest monthly report with the report notebook (adoption.demo)
    pages = sorted(demo_workspace.reports_dir.glob("adoption_*.html"))
    assert pages
    soup = BeautifulSoup(pages[-1].read_text(encoding="utf-8"), "html.parser")
    headings = [h.get_text(" ", strip=True) for h in soup.find_all(["h2", "h3"])]
    assert "Adoption over time" in headings
    for name in TABLES:
        table = soup.find("table", attrs={"data-table": name})
        assert table is not None, name
        assert len(table.find_all("tr")) >= 2, name  # header and at least one row
    # the forecast names every department of the demo (all above the threshold)
    forecast = soup.find("table", attrs={"data-table": "forecast"}).get_text(" ")
    assert "Engineering" in forecast and "Sales" in forecast
    text = soup.get_text(" ")
    assert "Time from getting a seat" in text and "Bass diffusion curve" in text


# ---------------------------------------------------------------- privacy, synthetic data

MONTHS = pd.period_range("2025-01", periods=8, freq="M")


def _frames(tiny: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Monthly person-periods and weekly activity/population: department "Big" (two teams of
    20) and department "Tiny" of ``tiny`` people, each person starting in a random month."""
    rng = np.random.default_rng(seed)
    people = [(f"b{i}", "Big", f"Team{i % 2}") for i in range(40)]
    people += [(f"t{i}", "Tiny", "Solo") for i in range(tiny)]
    months, weeks, pop = [], [], []
    for pid, dept, team in people:
        start = int(rng.integers(0, 6))
        seen = False
        for m, month in enumerate(MONTHS):
            active = m >= start and rng.random() < 0.8
            months.append({"period": str(month), "period_start": month.start_time,
                           "period_end": month.end_time.normalize(),
                           "days_in_period": month.days_in_month, "person_id": pid,
                           "team": team, "department": dept, "has_seat": m >= 1,
                           "is_active": active, "is_unknown": False,
                           "is_new": active and not seen, "was_active_prev": False})
            seen |= active
        for week in pd.date_range("2025-01-06", "2025-08-25", freq="W-MON"):
            pop.append({"period_start": week, "person_id": pid, "team": team,
                        "department": dept})
            if rng.random() < 0.5:
                weeks.append({"period_start": week, "person_id": pid, "tool": "Copilot",
                              "source": "usage", "events": int(rng.integers(1, 30))})
    pp = pd.DataFrame(months)
    pp["was_active_prev"] = pp.groupby("person_id")["is_active"].shift(1, fill_value=False)
    return pp, pd.DataFrame(weeks), pd.DataFrame(pop)


@pytest.mark.filterwarnings("ignore::adoption.errors.SmallGroupWarning")
@pytest.mark.parametrize("seed", [0, 1])
def test_no_figure_of_a_small_department_in_the_tables_or_html(seed):
    pp, activity, population = _frames(tiny=3, seed=seed)  # "Tiny": 3 people, under 5
    section = compute_dynamics_section(pp, activity, population, period="2025-08",
                                       month="2025-08", min_group_size=5)
    # the tables: every row of the small department is suppressed and shows no figure
    for frame, values in ((section.first_use, ["n", "started", "median_days", "started_30d"]),
                          (section.forecast, ["headcount", "adopters", "m", "target"]),
                          (section.segments, ["n", "count", "share"])):
        tiny = frame[frame["department"] == "Tiny"]
        assert len(tiny) and tiny["suppressed"].all()
        assert tiny[values].isna().all().all()
    # and the HTML of every table shows no digit in a row that names it
    named = 0
    for fmt in FORMATS:
        soup = BeautifulSoup(fmt(section).to_html(), "html.parser")
        for tr in soup.find_all("tr"):
            cells = [c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])]
            if "Tiny" in cells:
                named += 1
                figures = [c for c in cells if c != "Tiny" and re.search(r"\d", c)
                           and "hidden" not in c]
                assert not figures, (fmt.__name__, cells)
    assert named >= 3  # first use, segment mix and forecast list it, as hidden
    # the small department's only team is hidden in the team moves and never listed
    solo = section.team_moves[section.team_moves["team"] == "Solo"]
    assert len(solo) and solo["suppressed"].all()
    assert solo[["n", "moved_up", "moved_down"]].isna().all().all()
    assert "Solo" not in format_team_moves_table(section).to_html()
    for describe in DESCRIBE:  # captions name no hidden department with a figure
        assert "Tiny" not in describe(section)
    plot_segment_trend(section.segments)


def test_names_from_files_are_escaped():
    pp, activity, population = _frames(tiny=6, seed=3)
    evil = "<img src=x onerror=alert(1)>"
    pp["department"] = pp["department"].replace("Big", evil)
    population["department"] = population["department"].replace("Big", evil)
    activity["tool"] = "<b>Tool</b>"
    section = compute_dynamics_section(pp, activity, population, period="2025-08",
                                       month="2025-08", min_group_size=5)
    for fmt in FORMATS:
        html = fmt(section).to_html()
        assert "<img" not in html and "<b>Tool" not in html, fmt.__name__
    assert "<img" not in describe_forecast(section) + describe_first_use(section)


def test_segment_chart_keeps_a_hidden_month_in_its_place():
    # a month whose organisation shares are all hidden (missing) used to drop out of the
    # pivot and leave one tick label too many (ValueError in the report of a small workspace)
    rows = []
    for i, month in enumerate(["2026-01", "2026-02", "2026-03"]):
        for segment, share in (("Habitual user", 0.4), ("Non-user", 0.6)):
            rows.append({"level": "organisation", "tool": "Copilot", "source": "usage",
                         "period": month, "period_start": pd.Timestamp(f"{month}-01"),
                         "warm_up": i == 0, "segment": segment,
                         "share": None if month == "2026-02" else share})
    ax = plot_segment_trend(pd.DataFrame(rows))
    assert [t.get_text() for t in ax.get_xticklabels()] == [  # period_axis_label's form
        "Jan 2026", "Feb 2026", "Mar 2026"]
    plt.close(ax.figure)
