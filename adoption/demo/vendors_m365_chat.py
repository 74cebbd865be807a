"""The demo's Microsoft 365 Copilot Chat usage export: Copilot Chat without a licence.

``m365_copilot_chat_usage_<last day>.csv``: the admin center's Copilot Chat usage user table
(``Username, Display name, Last activity date (UTC)`` and the per-app dates of the Microsoft
365 Copilot app and Edge; UTF-8 with BOM, CRLF; see :mod:`adoption.vendors.m365_chat`) as of
the last day: in one department (the one with most people without a Microsoft 365 Copilot
seat, leaving out the plateau department and those of the story's stalling, fading, tiny and
shadow-growth teams), about 40% of
the people employed on the last day and holding no Microsoft 365 Copilot seat used Copilot
Chat, last on a day of the last 30. These people's use is not in any other demo export. The
demo workspace lists the tool under ``[governance] sanctioned`` (it comes with Microsoft 365).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from adoption.demo.discovery import SHADOW_GROWTH_TEAM
from adoption.demo.story import DEMO_STORY, TOOLS
from adoption.demo.world import DemoWorld

__all__ = ["CHAT_TOOL", "write_copilot_chat"]

TOOL = "Microsoft 365 Copilot"
#: the tool of the export (adoption.vendors.m365_chat.CHAT_TOOL; sanctioned in the demo)
CHAT_TOOL = "Microsoft 365 Copilot Chat"
SHARE_IN_DEPARTMENT = 0.4


def write_copilot_chat(world: DemoWorld) -> Path:
    """Write the Copilot Chat usage export; returns its path."""
    rng = world.rng("vendors_m365_chat")
    org, seats = world.org, world.seats
    last = np.datetime64(world.last_day, "D")
    t = [x.name for x in TOOLS].index(TOOL)
    held = np.zeros(len(org.emails), dtype=bool)
    on = ((seats.tool == t) & (seats.assigned_on <= last)
          & (np.isnat(seats.removed_on) | (seats.removed_on > last)))
    held[seats.person[on]] = True
    employed = np.isnat(org.end_date) | (org.end_date >= last)
    department = org.team_department[org.home_team]
    free = employed & ~held
    counts = np.bincount(department[free], minlength=len(org.departments)).astype(float)
    # not the departments of the story's teams (stalling, fading, tiny, shadow growth) nor the
    # plateau department: their figures tell the story of the licensed tools
    story = {DEMO_STORY.stalling_team, DEMO_STORY.fading_team, DEMO_STORY.tiny_team,
             SHADOW_GROWTH_TEAM}
    for team in story & set(org.teams):
        counts[org.team_department[org.teams.index(team)]] = -1
    if DEMO_STORY.plateau_department in org.departments:
        counts[org.departments.index(DEMO_STORY.plateau_department)] = -1
    chosen = int(np.argmax(counts))
    users = np.flatnonzero(free & (department == chosen)
                           & (rng.random(len(org.emails)) < SHARE_IN_DEPARTMENT))
    lag = rng.integers(0, 30, len(users))
    days = [(world.last_day - dt.timedelta(days=int(k))).isoformat() for k in lag]
    edge = rng.random(len(users)) < 0.3
    frame = pd.DataFrame({
        "Username": org.emails[users], "Display name": org.names[users],
        "Last activity date (UTC)": days,
        "Last activity date of Microsoft 365 Copilot (app) (UTC)":
            np.where(edge, "", np.array(days, dtype=object)),
        "Last activity date of Edge (UTC)": np.where(edge, np.array(days, dtype=object), ""),
    })
    path = world.out / f"m365_copilot_chat_usage_{world.last_day.isoformat()}.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path
