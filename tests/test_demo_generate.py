"""Tests of the synthetic demo organisation (``adoption.demo``)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import zoneinfo
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adoption.demo import DEMO_STORY, demo_story, write_demo_files
from adoption.errors import InputError

STORY = DEMO_STORY


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> list[Path]:
    return write_demo_files(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def rosters(demo_files) -> list[pd.DataFrame]:
    return [pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            for p in demo_files if p.name.startswith("roster_")]


@pytest.fixture(scope="module")
def seats(demo_files) -> pd.DataFrame:
    lines = (demo_files[0].parent / "seats.jsonl").read_text(encoding="utf-8").splitlines()
    return pd.DataFrame([json.loads(line) for line in lines])


@pytest.fixture(scope="module")
def raw_events(demo_files) -> pd.DataFrame:
    """Both usage files as text, exactly as written."""
    csv = next(p for p in demo_files if p.suffix == ".csv" and p.name.startswith("usage"))
    parquet = next(p for p in demo_files if p.suffix == ".parquet")
    first = pd.read_csv(csv, sep=";", dtype=str, keep_default_na=False)
    second = pd.read_parquet(parquet).astype({"count": str})
    return pd.concat([first, second], ignore_index=True)


@pytest.fixture(scope="module")
def events(raw_events) -> pd.DataFrame:
    """Valid events with a normalised e-mail, an instant and a local day and month."""
    instant = pd.to_datetime(raw_events["timestamp"], errors="coerce", utc=True,
                             format="ISO8601")
    count = pd.to_numeric(raw_events["count"], errors="coerce")
    email = raw_events["email"].str.strip().str.lower()
    ok = instant.notna() & (email != "") & (count >= 0) & (count == count.round())
    local = instant[ok].dt.tz_convert("Europe/Berlin").dt.tz_localize(None)
    day = pd.Series(local.to_numpy().astype("datetime64[D]").astype(str), index=local.index)
    return raw_events[ok].assign(email=email[ok], count=count[ok].astype(int),
                                 instant=instant[ok], day=day, month=day.str[:7])


@pytest.fixture(scope="module")
def active(events) -> dict[str, set[str]]:
    """month -> e-mails with any valid event in that month."""
    return {m: set(g) for m, g in events.groupby("month")["email"]}


def active_share(rosters: list[pd.DataFrame], active: dict[str, set[str]], team: str
                 ) -> pd.Series:
    """Share of a team's employed people with any event, per month (team from the latest
    roster snapshot at the start of the month)."""
    snapshot_months = [r["as_of"].iloc[0][:7] for r in rosters]
    shares = {}
    for month in STORY.months:
        k = max(i for i, m in enumerate(snapshot_months) if m <= month)
        r = rosters[k]
        month_end = (pd.Period(month).end_time).strftime("%Y-%m-%d")
        employed = r[(r["team"] == team) & ((r["end_date"] == "") | (r["end_date"] >= month))
                     & (r["start_date"] <= month_end)]
        shares[month] = employed["email"].isin(active.get(month, set())).mean()
    return pd.Series(shares)


def test_files_in_ingest_order(demo_files):
    names = [p.name for p in demo_files]
    # the core files first; the product parts' exporters (vendor formats, surveys, logs) follow
    assert names[:7] == [
        "roster_2025-11-01.csv", "roster_2026-03-01.csv", "roster_2026-07-01.csv",
        "tools.csv", "seats.jsonl",
        "usage_events_2025-11_2026-04.csv", "usage_events_2026-05_2026-10.parquet",
    ]
    assert len(names) == len(set(names))
    assert all(p.exists() for p in demo_files)
    assert sum(p.stat().st_size for p in demo_files) < 80e6


def test_same_seed_same_bytes_other_seed_other_bytes(demo_files, tmp_path):
    again = write_demo_files(tmp_path / "again")
    assert [p.name for p in again] == [p.name for p in demo_files]
    for a, b in zip(demo_files, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = write_demo_files(tmp_path / "other", seed=7, people=600, months=9)
    small = write_demo_files(tmp_path / "small", seed=8, people=600, months=9)
    assert other[0].read_bytes() != small[0].read_bytes()


def test_organisation_size(rosters):
    everyone = pd.concat(rosters)
    assert everyone["email"].nunique() >= 2000
    assert len(rosters[0]) == 2400
    assert everyone["team"].nunique() >= 30
    assert everyone["department"].nunique() >= 5
    assert set(STORY.departments) == set(everyone["department"])
    for r in rosters:
        assert r["email"].is_unique
        assert r["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.com").all()
        assert set(r["manager_email"]) - {""} <= set(r["email"])
        assert (r["manager_email"] != r["email"]).all()
        assert r["as_of"].nunique() == 1


def test_team_sizes(rosters):
    for r in rosters:
        sizes = r[r["end_date"].isin(["", *r["end_date"][r["end_date"] > r["as_of"]]])] \
            .groupby("team").size()
        assert sizes[STORY.tiny_team] == STORY.tiny_team_size == 3
        assert all(6 <= sizes[t] <= 9 for t in STORY.small_teams)
        others = sizes.drop([STORY.tiny_team, *STORY.small_teams])
        assert others.min() >= 30
        assert others.between(40, 120).mean() >= 0.8
        assert (sizes < 5).sum() == 1


def test_roster_changes_between_snapshots(rosters):
    for before, after in itertools.pairwise(rosters):
        both = before.merge(after, on="email", suffixes=("_before", "_after"))
        moved = (both["team_before"] != both["team_after"]).mean()
        assert 0.015 <= moved <= 0.05
        joiners = after[~after["email"].isin(before["email"])]
        assert len(joiners) > 20
        assert (joiners["start_date"] > before["as_of"].iloc[0]).all()
        leavers = after[(after["end_date"] != "") & (after["end_date"] <= after["as_of"])]
        assert len(leavers) > 20
        assert (leavers["end_date"] > before["as_of"].iloc[0]).all()
    # a leaver is shown with an end date once, then is absent from later snapshots
    left = rosters[1][(rosters[1]["end_date"] != "")
                      & (rosters[1]["end_date"] <= rosters[1]["as_of"])]
    assert not left["email"].isin(rosters[2]["email"]).any()
    notice = rosters[2][rosters[2]["end_date"] > rosters[2]["as_of"]]
    assert len(notice) > 5


def test_exactly_one_roster_has_a_bom(demo_files):
    boms = [p.read_bytes().startswith(b"\xef\xbb\xbf") for p in demo_files
            if p.name.startswith("roster_")]
    assert sum(boms) == 1


def test_tools(demo_files):
    tools = pd.read_csv(demo_files[3], dtype=str)
    assert list(tools.columns) == ["tool", "vendor", "category", "sanctioned",
                                   "monthly_seat_cost", "currency"]
    assert tuple(tools["tool"]) == STORY.tools
    assert set(tools["sanctioned"]) == {"true"}
    assert set(tools["currency"]) == {"EUR"}
    assert tools["monthly_seat_cost"].astype(float).tolist() == [19.0, 55.0, 28.1]


def test_seats(seats, rosters):
    assert list(seats.columns) == ["tool", "email", "assigned_on", "removed_on"]
    assert set(seats["tool"]) == set(STORY.tools)
    assert not seats.duplicated(["tool", "email"]).any()
    assert seats["removed_on"].notna().sum() > 50
    removed = seats.dropna(subset=["removed_on"])
    assert (removed["removed_on"] > removed["assigned_on"]).all()
    last = pd.concat(rosters).drop_duplicates("email", keep="last")
    leavers = last.loc[(last["end_date"] != "") & (last["end_date"] < STORY.last_day), "email"]
    still_held = seats[seats["email"].isin(leavers) & seats["removed_on"].isna()]
    assert 1 <= len(still_held) <= 12


def test_bad_rows(raw_events, events):
    assert len(raw_events) - len(events) == STORY.bad_rows
    assert (raw_events["timestamp"] == "yesterday").sum() == 1
    assert (raw_events["email"] == "").sum() == 1
    assert set(raw_events["count"]) >= {"-3", "abc"}


def test_row_count_and_period(events):
    assert 500_000 <= len(events) <= 1_500_000
    assert tuple(sorted(events["month"].unique())) == STORY.months
    assert len(STORY.months) == 12
    assert events["day"].min() >= STORY.first_day
    assert events["day"].max() <= STORY.last_day
    assert events["count"].between(1, 30).all()
    assert not events.duplicated(["email", "tool", "feature", "day"]).any()


def test_timestamps_are_berlin_working_hours(raw_events, events):
    ts = raw_events["timestamp"]
    utc = ts.str.endswith("Z")
    assert 0 < utc.mean() < 0.01
    offset = ts[~utc & ts.str.match(r"\d{4}-\d\d-\d\dT")].str[-6:]
    assert set(offset) <= {"+01:00", "+02:00"}
    sample = raw_events.loc[offset.index[::97]]
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    for stamp in sample["timestamp"]:
        parsed = dt.datetime.fromisoformat(stamp)
        assert parsed.utcoffset() == parsed.replace(tzinfo=zone).utcoffset(), stamp
    hour = events["instant"].dt.tz_convert("Europe/Berlin").dt.hour
    assert hour.between(7, 19).all()
    assert (events["instant"].dt.tz_convert("Europe/Berlin").dt.day_of_week < 5).all()


def test_emails_vary_and_contractors_are_unmatched(raw_events, events, rosters):
    varied = raw_events["email"] != raw_events["email"].str.strip().str.lower()
    assert 0.005 < varied.mean() < 0.05
    assert events["email"].str.endswith("@example.com").all()
    known = set(pd.concat(rosters)["email"])
    unmatched = events[~events["email"].isin(known)]
    assert set(unmatched["email"]) == set(STORY.contractor_emails)
    assert 10 <= len(unmatched) <= 30


def test_only_seat_holders_use_seated_tools(events, seats):
    used = events[~events["email"].isin(STORY.contractor_emails)]
    used = used.merge(seats, on=["email", "tool"], how="left")
    unseated = used[used["assigned_on"].isna()]
    assert set(unseated["tool"]) <= {"ChatGPT Enterprise"}
    assert unseated["email"].nunique() <= 15
    seated = used.dropna(subset=["assigned_on"])
    assert (seated["day"] >= seated["assigned_on"]).all()
    removed = seated.dropna(subset=["removed_on"])
    assert (removed["day"] < removed["removed_on"]).all()


def test_fast_teams_adopt_fast(rosters, active):
    for team in STORY.fast_teams:
        share = active_share(rosters, active, team)
        assert share.iloc[3] >= 0.65, (team, share.round(2).tolist())


def test_stalling_team_stalls(rosters, active):
    share = active_share(rosters, active, STORY.stalling_team)
    assert share.iloc[0] < 0.1
    plateau = share.iloc[3:]
    assert plateau.between(0.18, 0.36).all(), share.round(2).tolist()
    assert plateau.max() - plateau.min() <= 0.1
    assert abs(plateau.iloc[-3:].mean() - plateau.iloc[:3].mean()) <= 0.06


def test_fading_team_fades(rosters, active):
    share = active_share(rosters, active, STORY.fading_team)
    peak_month = int(np.argmax(share.to_numpy()))
    assert 3 <= peak_month <= 6, share.round(2).tolist()
    assert 0.5 <= share.max() <= 0.75
    assert share.iloc[-1] <= 0.3
    assert (np.diff(share.iloc[peak_month:].to_numpy()) < 0.03).all()


def test_tiny_team_has_some_usage(rosters, active):
    assert active_share(rosters, active, STORY.tiny_team).max() > 0


def test_story_of_another_period():
    story = demo_story(start="2026-01-01", months=10)
    assert story.months[0] == "2026-01" and story.months[-1] == "2026-10"
    assert story.snapshot_dates == ("2026-01-01", "2026-05-01", "2026-09-01")
    assert story.last_day == "2026-10-31"
    assert story.as_dict()["stalling_team"] == STORY.stalling_team


@pytest.mark.parametrize("kwargs", [
    {"start": "2025-11-15"},
    {"start": "November"},
    {"months": 6},
    {"people": 100},
])
def test_bad_arguments_raise(tmp_path, kwargs):
    with pytest.raises(InputError):
        write_demo_files(tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())
