"""The demo's proxy logs (adoption.demo.discovery): claimed, ingested, and telling the story."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import adoption
from adoption.demo import DEMO_STORY
from adoption.demo import discovery as story
from adoption.demo.generate import write_demo_files
from adoption.discovery import (
    compute_shadow_ai_trend,
    compute_shadow_ai_use,
    first_seen_services,
)
from adoption.ingest.formats import detect_format

#: a stable team of the demo (no shadow-AI story), mid-size
STABLE_TEAM = "Accounting"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[adoption.Workspace, list[Path], list]:
    root = tmp_path_factory.mktemp("shadow_demo")
    files = write_demo_files(root / "inbox", people=600)
    ours = [f for f in files if f.name.startswith("proxy")]
    core = [f for f in files if f.name.startswith(("roster_", "tools", "seats.jsonl",
                                                   "usage_events"))]
    ws = adoption.init_workspace(root / "ws", adoption.Settings(time_zone="Europe/Berlin"))
    results = adoption.ingest_files(ws, core + ours)
    return ws, ours, results


def test_files_are_claimed_by_the_discovery_formats(demo):
    _, ours, _ = demo
    assert [detect_format(f).name for f in ours] == ["squid_access_log", "proxy_csv"]
    assert all(f.stat().st_size < 8e6 for f in ours)  # modest files


def test_files_ingest_cleanly(demo):
    _, ours, results = demo
    logs = [r for r in results if r.kind == "discovery"]
    assert len(logs) == 2
    for r in logs:
        assert r.rows_rejected == 0 and r.rows_duplicate == 0
        assert r.rows_read == r.rows_loaded > 1000
        assert "device-only" in r.note


def test_deterministic(tmp_path, demo):
    _, ours, _ = demo
    write_demo_files(tmp_path / "inbox", people=600)
    for f in ours:
        assert (tmp_path / "inbox" / f.name).read_bytes() == f.read_bytes()


def test_growth_team_grows_beyond_noise_and_stable_team_does_not(demo):
    ws, _, _ = demo
    months = DEMO_STORY.months
    labels = story.story_months(dt.date.fromisoformat(DEMO_STORY.first_day), len(months))
    last, before = months[-1], labels["before_growth"]
    use = compute_shadow_ai_use(ws)
    team = use[use["team"] == story.SHADOW_GROWTH_TEAM].set_index("period")
    assert team.loc[before, "share"] < 0.15 and team.loc[last, "share"] > 0.6
    # the 600-person demo team has about 20 people: compare three months apart
    lag = len(story.GROWTH_SHARES) - 1
    trend = compute_shadow_ai_trend(ws, period=last, lag=lag)
    growth = trend[trend["team"] == story.SHADOW_GROWTH_TEAM].iloc[0]
    assert growth["growing"] and growth["difference"] > 0.4
    stable = trend[trend["team"] == STABLE_TEAM].iloc[0]
    assert not stable["beyond_noise"]
    # month over month, no stable team is flagged anywhere in the year
    monthly = compute_shadow_ai_trend(ws)
    flagged = monthly[monthly["growing"].fillna(False).astype(bool)
                      & (monthly["level"] == "team")]
    assert set(flagged["team"]) <= {story.SHADOW_GROWTH_TEAM}
    shares = use[(use["level"] == "team") & (use["team"] != story.SHADOW_GROWTH_TEAM)
                 & ~use["suppressed"]]["share"]
    assert shares.mean() < 0.1  # flat low use elsewhere


def test_first_seen_service(demo):
    ws, _, _ = demo
    months = DEMO_STORY.months
    month = months[-story.FIRST_SEEN_MONTHS_BEFORE_END]
    first = first_seen_services(ws, period=month)
    assert story.FIRST_SEEN_SERVICE in set(first["service"])
    earlier = first_seen_services(ws, period=months[-story.FIRST_SEEN_MONTHS_BEFORE_END - 1])
    assert story.FIRST_SEEN_SERVICE not in set(earlier["service"])


def test_other_demo_files_are_not_claimed_by_discovery_formats(demo):
    from adoption.ingest.formats import registered_formats, sniff_file

    _, ours, _ = demo
    mine = [f for f in registered_formats().values() if f.kind == "discovery"]
    for path in sorted(ours[0].parent.iterdir()):
        if path in ours:
            continue
        sniff = sniff_file(path)
        claims = [f.name for f in mine if sniff.suffix in f.suffixes and f.sniff(sniff)]
        assert not claims, (path.name, claims)
