"""Demo files for money and governance: a team that buys a second coding assistant.

Writes into the demo inbox, in the generic formats (kinds told from the columns; ingest loads
them after the core catalogue and seats by their rank):

- ``tools_cursor.csv``: one more catalogue row, :data:`SECOND_TOOL` (a coding assistant, like
  GitHub Copilot, at :data:`SECOND_TOOL_COST` a month);
- ``seats_cursor.csv``: seats of it for :data:`OVERLAP_TEAM`, an engineering team that also
  holds GitHub Copilot seats (so its people hold two tools of one category), handed out in
  month :data:`SECOND_TOOL_MONTH`; leavers' seats are taken back a few days after they leave,
  except :data:`FORGOTTEN_SECOND_SEATS` of them, which are never removed;
- ``usage_cursor.csv``: usage events of those seats: about :data:`SECOND_TOOL_ACTIVE` of the
  holders use it on a few days a month, the rest never (idle seats).

The rest of the governance story is already in the core demo: the tool catalogue carries seat
costs (``tools.csv``), :data:`adoption.demo.seats.FORGOTTEN_SEATS` leavers keep their seats,
and every seat holder who does not use a tool holds an idle seat (the stalling team, DACH
Sales, holds many). With the default thresholds the alerts of :mod:`adoption.governance.alerts`
fire on idle spend (organisation), on the stalling team (and the fading one), on
:data:`adoption.demo.discovery.SHADOW_GROWTH_TEAM` and on
:data:`adoption.demo.surveys.SENTIMENT_DROP_TEAM`, and on none of the fast teams.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from adoption.demo.story import add_months
from adoption.demo.world import DemoWorld

__all__ = [
    "FORGOTTEN_SECOND_SEATS",
    "OVERLAP_TEAM",
    "SECOND_TOOL",
    "SECOND_TOOL_ACTIVE",
    "SECOND_TOOL_COST",
    "SECOND_TOOL_MONTH",
    "write",
]

#: the engineering team that buys a second coding assistant on top of GitHub Copilot
OVERLAP_TEAM = "Web Frontend"
SECOND_TOOL = "Cursor"
SECOND_TOOL_COST = 40.0
#: month of the demo (0 = first) in which the team gets its seats
SECOND_TOOL_MONTH = 3
#: share of the team given a seat, and share of holders who use it
SECOND_TOOL_COVERAGE = 0.8
SECOND_TOOL_ACTIVE = 0.55
#: leavers of the team whose second-tool seat is never taken back
FORGOTTEN_SECOND_SEATS = 1
_FEATURES = ("tab", "chat", "agent")


def write(world: DemoWorld) -> list[Path]:
    """Write the second coding assistant's catalogue row, seats and usage; return the paths."""
    rng = world.rng("governance")
    org = world.org
    team = org.teams.index(OVERLAP_TEAM)
    start = np.datetime64(add_months(world.first, SECOND_TOOL_MONTH), "D")
    last = np.datetime64(world.last_day, "D")
    # members of the team at the snapshot before the seats arrive, still employed then
    snap = max(k for k, d in enumerate(org.snapshot_dates)
               if np.datetime64(d, "D") <= start)
    members = np.flatnonzero(org.team_at[snap] == team)
    employed = np.isnat(org.end_date[members]) | (org.end_date[members] > start + 14)
    members = members[employed]
    chosen = members[rng.random(len(members)) < SECOND_TOOL_COVERAGE]
    assigned = start + rng.integers(0, 14, len(chosen))
    removed = np.full(len(chosen), np.datetime64("NaT"), "datetime64[D]")
    ends = org.end_date[chosen]
    leaver = ~np.isnat(ends) & (ends <= last)
    removed[leaver] = ends[leaver] + rng.integers(1, 10, len(chosen))[leaver]
    forgotten = np.flatnonzero(leaver & (ends <= last - 45))[:FORGOTTEN_SECOND_SEATS]
    removed[forgotten] = np.datetime64("NaT")
    removed[removed > last] = np.datetime64("NaT")

    out = world.out
    tools = out / "tools_cursor.csv"
    with tools.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["tool", "vendor", "category", "sanctioned", "monthly_seat_cost", "currency"])
        w.writerow([SECOND_TOOL, "Anysphere", "coding assistant", "true",
                    f"{SECOND_TOOL_COST:.2f}", "EUR"])
    seats = out / "seats_cursor.csv"
    with seats.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["tool", "email", "assigned_on", "removed_on"])
        for p, a, r in zip(chosen, assigned, removed, strict=True):
            w.writerow([SECOND_TOOL, org.emails[p], str(a),
                        "" if np.isnat(r) else str(r)])
    usage = out / "usage_cursor.csv"
    active = rng.random(len(chosen)) < SECOND_TOOL_ACTIVE
    with usage.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["timestamp", "email", "tool", "feature", "count"])
        for i in np.flatnonzero(active):
            end = min(last, (removed[i] if not np.isnat(removed[i]) else last),
                      org.end_date[chosen[i]] if not np.isnat(org.end_date[chosen[i]])
                      else last)
            day = assigned[i] + int(rng.integers(0, 4))
            while day <= end:
                date = dt.date.fromisoformat(str(day))
                if date.weekday() < 5:
                    hour = int(rng.integers(8, 18))
                    feature = _FEATURES[int(rng.integers(0, len(_FEATURES)))]
                    w.writerow([f"{date.isoformat()}T{hour:02d}:{int(rng.integers(0, 60)):02d}"
                                ":00+01:00", org.emails[chosen[i]], SECOND_TOOL, feature,
                                int(rng.integers(1, 12))])
                day = day + int(rng.integers(1, 6))
    return [tools, seats, usage]
