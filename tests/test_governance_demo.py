"""The demo's governance story, read back through the metrics (shared ``demo_workspace``).

adoption.demo.governance gives Web Frontend a second coding assistant (Cursor) on top of
GitHub Copilot; the core demo keeps a few leavers' seats and many idle ones.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from adoption.demo import story
from adoption.demo.governance import (
    OVERLAP_TEAM,
    SECOND_TOOL,
    SECOND_TOOL_COST,
    SECOND_TOOL_MONTH,
    write,
)
from adoption.governance import (
    build_governance_section,
    compute_overlaps,
    compute_seat_metrics,
    compute_team_overlaps,
    format_overlaps_table,
    format_tools_table,
    load_headcounts,
    load_seat_periods,
)

LAST = story.DEMO_STORY.months[-1]


@pytest.fixture(scope="module")
def sp(demo_workspace) -> pd.DataFrame:
    return load_seat_periods(demo_workspace, period=LAST)


@pytest.fixture(scope="module")
def hc(demo_workspace) -> pd.DataFrame:
    return load_headcounts(demo_workspace, period=LAST)


def test_second_coding_assistant_overlaps_in_one_team(demo_workspace, sp, hc):
    k = demo_workspace.settings.min_group_size
    org = compute_overlaps(sp, headcounts=hc, by="organisation", min_group_size=k)
    coding = org[org["category"] == "coding assistant"].iloc[0]
    assert coding["tools"] == f"{SECOND_TOOL}; GitHub Copilot"
    assert coding["people_with_several"] >= 20
    # each overlapping person pays Copilot (19) beyond the dearer Cursor seat
    assert coding["duplicate_monthly_spend"] == pytest.approx(
        19.0 * coding["people_with_several"])
    # The team itself is no longer shown (it was before): people who moved out of it kept
    # their Cursor seat, so another Engineering team holds a single Cursor seat; the team's
    # Cursor count is hidden to protect it (the department total minus it would give the
    # single seat), and its overlap, which gives that count back, is hidden with it
    cursor = sp[sp["tool"] == SECOND_TOOL].groupby("team", observed=True).size()
    assert cursor.drop(OVERLAP_TEAM).between(1, k - 1).any()
    teams = compute_overlaps(sp, headcounts=hc, by="team", min_group_size=k).set_index("team")
    assert pd.isna(teams.loc[OVERLAP_TEAM].query("category == 'coding assistant'")[
        "holders"]).all()
    assert compute_team_overlaps(sp, headcounts=hc, min_group_size=k).query(
        "category == 'coding assistant'").empty


def test_cursor_seats_cost_and_idle(demo_workspace, sp, hc):
    org = compute_seat_metrics(sp, headcounts=hc, by="organisation",
                               min_group_size=demo_workspace.settings.min_group_size)
    cursor = org[org["tool"] == SECOND_TOOL].iloc[0]
    assert cursor["monthly_seat_cost"] == SECOND_TOOL_COST
    assert cursor["category"] == "coding assistant"
    assert 0 < cursor["idle_seats"] < cursor["seats_at_end"]  # about 45 % never use it
    assert 0.3 < cursor["utilisation"] < 0.85


def test_leavers_still_hold_seats(sp):
    from adoption.demo.seats import FORGOTTEN_SEATS

    leavers = sp[sp["is_leaver"]]
    assert len(leavers) >= FORGOTTEN_SEATS
    assert (leavers["employed_to"] < leavers["as_of"]).all()
    # the stalling team holds seats nobody uses: it alone has dozens of idle seats
    assert sp[(sp["team"] == story.STALLING_TEAM) & sp["is_idle"]].shape[0] > 30


def test_governance_section_on_the_demo(demo_workspace):
    section = build_governance_section(demo_workspace, period=LAST)
    assert set(section.tools["tool"]) == {*story.DEMO_STORY.tools, SECOND_TOOL}
    assert section.shadow is not None and not section.shadow.empty
    # the overlap shows at organisation level (see the test above for why not by team)
    assert f"{SECOND_TOOL}; GitHub Copilot" in section.captions["overlaps"]
    assert "a month" in section.captions["reclaimable"]
    assert SECOND_TOOL in format_tools_table(section).data["Tool"].tolist()
    assert "Organisation" in format_overlaps_table(section).data["Team"].tolist()
    assert section.alerts["rule"].str.fullmatch(
        "idle_spend|stalled|shadow_growth|sentiment_drop|export_drift").all()


def test_exporter_is_deterministic(tmp_path):
    """Writing the governance files twice from the same world gives the same bytes."""
    from adoption.demo.events import build_events
    from adoption.demo.org import build_org
    from adoption.demo.seats import build_seats
    from adoption.demo.world import DemoWorld

    outs = []
    first, last = dt.date(2025, 11, 1), dt.date(2026, 7, 31)
    for name in ("a", "b"):
        rng = np.random.default_rng(2026)
        org = build_org(rng, people=600, start=first)
        seats = build_seats(rng, org, start=first, last_day=last)
        events = build_events(rng, org, seats, start=first, months=9)
        out = tmp_path / name
        out.mkdir()
        paths = write(DemoWorld(org, seats, events, first, last, 9, out, 2026))
        outs.append([p.read_bytes() for p in paths])
        assert [p.name for p in paths] == ["tools_cursor.csv", "seats_cursor.csv",
                                           "usage_cursor.csv"]
    assert outs[0] == outs[1]
    seats = pd.read_csv(tmp_path / "a" / "seats_cursor.csv")
    assert (seats["assigned_on"] >= f"{story.add_months(first, SECOND_TOOL_MONTH)}").all()
