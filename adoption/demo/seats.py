"""Seat (licence) assignments of the demo organisation, roll-out wave by wave."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adoption.demo.org import Org
from adoption.demo.story import (
    FULL_COVERAGE_TEAMS,
    LEADERSHIP_ROLLOUT,
    ROLLOUTS,
    STORY_TEAM_WEIGHTS,
    TOOLS,
    Rollout,
    add_months,
)

__all__ = ["Seats", "build_seats", "write_seats"]

#: leavers whose seat is never taken back (idle seats to reclaim)
FORGOTTEN_SEATS = 6
#: share of other seats handed back during the period
RETURN_RATE = 0.04
NAT = np.datetime64("NaT")


@dataclass(frozen=True)
class Seats:
    """Seat assignments: one entry per person x tool, with the roll-out that created it."""

    tool: np.ndarray
    person: np.ndarray
    assigned_on: np.ndarray
    removed_on: np.ndarray
    rollout_month: np.ndarray
    reach: np.ndarray


def _wave(rng: np.random.Generator, org: Org, rollout: Rollout, members: np.ndarray,
          start: dt.date, last_day: np.datetime64) -> tuple[np.ndarray, ...]:
    n = org.size
    full = np.isin(org.home_team, [org.teams.index(t) for t in FULL_COVERAGE_TEAMS])
    chosen = members & ((rng.random(n) < rollout.coverage) | full)
    on = np.datetime64(add_months(start, rollout.month), "D") + rng.integers(0, 14, n)
    on = np.maximum(on, org.start_date + rng.integers(3, 22, n))
    ended = ~np.isnat(org.end_date) & (on >= org.end_date)
    chosen &= (on <= last_day) & ~ended
    person = np.flatnonzero(chosen)
    return person, on[person]


def build_seats(rng: np.random.Generator, org: Org, *, start: dt.date,
                last_day: dt.date) -> Seats:
    """Hand out seats per :data:`ROLLOUTS`, then take some back (leavers, returns)."""
    last = np.datetime64(last_day, "D")
    tool_names = [t.name for t in TOOLS]
    parts: list[tuple[np.ndarray, ...]] = []
    seated = {name: np.zeros(org.size, bool) for name in tool_names}
    waves = [*ROLLOUTS, LEADERSHIP_ROLLOUT]
    for rollout in waves:  # one pass per roll-out wave
        if rollout.teams:
            members = np.isin(org.home_team, [org.teams.index(t) for t in rollout.teams])
        else:
            members = org.is_lead | org.is_head
        members &= ~seated[rollout.tool]
        person, on = _wave(rng, org, rollout, members, start, last)
        seated[rollout.tool][person] = True
        parts.append((np.full(len(person), tool_names.index(rollout.tool)), person, on,
                      np.full(len(person), rollout.month), np.full(len(person), rollout.reach)))
    tool, person, on, month, reach = (np.concatenate(x) for x in zip(*parts, strict=True))

    removed = np.full(len(person), NAT, "datetime64[D]")
    end = org.end_date[person]
    leaver = ~np.isnat(end)
    removed[leaver] = end[leaver] + rng.integers(0, 15, len(person))[leaver]
    candidates = np.flatnonzero(leaver & (end <= last - 30))
    forgotten = rng.choice(candidates, min(FORGOTTEN_SEATS, len(candidates)), replace=False)
    removed[forgotten] = NAT
    story = np.isin(org.home_team[person], [org.teams.index(t) for t in STORY_TEAM_WEIGHTS])
    returned = ~leaver & ~story & (rng.random(len(person)) < RETURN_RATE)
    back = on + rng.integers(30, 200, len(person))
    returned &= back <= last
    removed[returned] = back[returned]
    removed[removed > last] = NAT  # not known yet when the export was taken
    order = np.lexsort((person, tool, on))
    return Seats(tool[order], person[order], on[order], removed[order], month[order],
                 reach[order])


def write_seats(seats: Seats, org: Org, path: Path) -> None:
    """Write the seats as JSON Lines, one assignment per line, in assignment order."""
    tools = [t.name for t in TOOLS]
    assigned = np.datetime_as_string(seats.assigned_on, unit="D")
    removed = np.datetime_as_string(seats.removed_on, unit="D")
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for t, p, a, r in zip(seats.tool, seats.person, assigned, removed,
                              strict=True):
            f.write(json.dumps({"tool": tools[t], "email": org.emails[p], "assigned_on": a,
                                "removed_on": None if r == "NaT" else r}) + "\n")
