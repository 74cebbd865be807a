"""Usage segments by roster team for the periodic report, on a small hand-built store.

Team Alpha: 12 people with 20 Copilot actions every week for 12 weeks (habit in 12 of 12
weeks, mean 20 >= 15: Power User); team Beta: 6 people with none (Non-user); team Gamma: 2
people (below the minimum group size of 5), also Power Users.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import refresh_store

import adoption
from adoption.vendors.segment_report import (
    build_segment_table,
    describe_segments,
    format_segment_table,
)

FIRST_WEEK = dt.date(2026, 1, 4)  # Sundays, as Viva's MetricDate
TEAMS = {"Alpha": (12, 20.0), "Beta": (6, 0.0), "Gamma": (2, 20.0)}


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> adoption.Workspace:
    ws = adoption.init_workspace(tmp_path_factory.mktemp("seg") / "ws")
    people, weeks = [], []
    for team, (size, actions) in TEAMS.items():
        for i in range(size):
            pid = ws.pseudonymise([f"{team.lower()}{i}@example.com"])[0]
            people.append((pid, team, "Eng", dt.date(2025, 1, 1), dt.date(2025, 1, 1)))
            weeks += [(pid, FIRST_WEEK + dt.timedelta(weeks=k), actions) for k in range(12)]
    with ws.store() as store:
        # a roster snapshot (people and employment are derived from it by the canonical build)
        store.con.executemany(
            "INSERT INTO roster_snapshots (batch_id, person_id, team, department, "
            "employment_start, as_of) VALUES (1, ?, ?, ?, ?, ?)", people)
        store.con.executemany(
            "INSERT INTO viva_person_weeks (person_id, week, copilot_actions, batch_id) "
            "VALUES (?, ?, ?, 1)", weeks)
        refresh_store(store)
    return ws


def test_segments_by_roster_team(ws):
    # the last of the 12 weeks starts on 2026-03-22, inside March
    table = build_segment_table(ws, period="2026-03")
    assert pd.Timestamp(table["week"].iloc[0]) == pd.Timestamp("2026-03-22")
    org = table[table["team"].isna()].set_index("segment")
    # 12 + 2 Power Users and 6 Non-users of 20 people, by hand
    assert org.loc["Power User", "count"] == 14 and org.loc["Non-user", "count"] == 6
    assert org.loc["Power User", "estimate"] == pytest.approx(14 / 20)
    alpha = table[table["team"] == "Alpha"].set_index("segment")
    assert alpha.loc["Power User", "estimate"] == 1.0 and alpha.loc["Power User", "n"] == 12
    # Gamma is below 5; Beta, the smallest other team, is hidden with it so that Gamma cannot
    # be worked out from the organisation total
    for team in ("Gamma", "Beta"):
        assert table.loc[table["team"] == team, "suppressed"].all()
        assert table.loc[table["team"] == team, "count"].isna().all()


def test_table_and_caption_show_no_small_team_figure(ws):
    table = build_segment_table(ws, period="2026-03")
    shown = format_segment_table(table).data.set_index("Team")
    assert shown.loc["Organisation", "Power User"].startswith("70%")
    assert shown.loc["Gamma", "Power User"].startswith("hidden")
    assert shown.loc["Beta", "Non-user"].startswith("hidden")
    assert "n = 20 people" in describe_segments(table)


def test_no_viva_data_in_the_period(ws):
    assert build_segment_table(ws, period="2025-06").empty
    assert "No Viva Insights" in describe_segments(pd.DataFrame())


def test_workspace_given_as_a_path(ws):
    # the report notebook passes the workspace folder as text
    assert build_segment_table(str(ws.root), period="2026-03").equals(
        build_segment_table(ws, period="2026-03"))
