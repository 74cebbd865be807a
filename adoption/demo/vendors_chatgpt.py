"""Demo export of ChatGPT Enterprise's monthly user analytics CSVs (see
:mod:`adoption.vendors.chatgpt`).

Writes ``chatgpt_users_monthly_YYYY-MM.csv`` for the last three months of the demo period:
one row per person who held a ChatGPT Enterprise seat in the month or used it, with the
export's columns (``is_active``, first and last active day in the month, ``messages``, the
GPT / tool message counts, ``model_to_messages`` ...). The events are *not* claimed: the
generic usage files stay the daily source, and the vendor export is a second view of the
same people that the report can compare with it. Messages are the month's event counts;
GPT messages are the ``gpts`` feature, tool messages the file upload, data analysis, canvas
and image generation features; ``model_to_messages`` splits messages 3:1 between two models.

The last month's export comes back with its :data:`BLANK_METRIC` column blank in every row, as
an export does after a vendor renames or drops a metric on its side: the file loads (its other
columns are right), and the data-quality appendix says the column went blank
(:mod:`adoption.ingest.drift`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from adoption.demo.story import CONTRACTOR_EMAILS, TOOLS, add_months
from adoption.demo.world import DemoWorld

__all__ = ["BLANK_METRIC", "EXPORT_MONTHS", "HEADER", "write"]

TOOL = "ChatGPT Enterprise"
EXPORT_MONTHS = 3
#: the metric column the last month's export leaves blank (a silent vendor change)
BLANK_METRIC = "tool_messages"
ACCOUNT_ID = "5f0c1e2d3b4a49c8a7e6d5c4b3a29180"
HEADER = ["cadence", "period_start", "period_end", "account_id", "public_id", "name", "email",
          "role", "user_role", "department", "groups", "user_status",
          "created_or_invited_date", "is_active", "first_day_active_in_period",
          "last_day_active_in_period", "messages", "messages_rank", "model_to_messages",
          "gpt_messages", "gpts_messaged", "gpt_to_messages", "tool_messages",
          "tools_messaged", "tool_to_messages", "project_messages", "projects_messaged",
          "project_to_messages", "projects_created", "last_day_active"]
TOOL_FEATURES = ("file_upload", "data_analysis", "canvas", "image_generation")


def write(world: DemoWorld) -> list[Path]:
    """Write the monthly user analytics CSVs; returns their paths."""
    tool = [t.name for t in TOOLS].index(TOOL)
    spec = TOOLS[tool]
    offset = sum(len(t.features) for t in TOOLS[:tool])
    org = world.org
    emails = np.concatenate([org.emails, np.array(CONTRACTOR_EMAILS, dtype=object)])
    names = np.concatenate([org.names, np.array(
        [e.split("@")[0].replace(".", " ").title() for e in CONTRACTOR_EMAILS], dtype=object)])
    ev = world.events
    mine = ev.tool == tool
    feature = np.array(spec.features)[ev.feature[mine] - offset]
    frame = pd.DataFrame({"person": ev.person[mine], "day": ev.day[mine],
                          "count": ev.count[mine],
                          "gpt": np.where(feature == "gpts", ev.count[mine], 0),
                          "tool": np.where(np.isin(feature, TOOL_FEATURES), ev.count[mine], 0)})
    first = np.datetime64(world.first, "D")
    s = world.seats
    seat = s.tool == tool
    paths = []
    for k in range(world.months - EXPORT_MONTHS, world.months):
        start, end = add_months(world.first, k), add_months(world.first, k + 1)
        lo, hi = (np.datetime64(start, "D") - first).astype(int), \
            (np.datetime64(end, "D") - first).astype(int) - 1
        month = frame[(frame["day"] >= lo) & (frame["day"] <= hi)]
        stats = month.groupby("person").agg(messages=("count", "sum"), gpt=("gpt", "sum"),
                                            tools=("tool", "sum"), first=("day", "min"),
                                            last=("day", "max"))
        ever = frame[frame["day"] <= hi].groupby("person")["day"].agg(["min", "max"])
        held = seat & (s.assigned_on <= np.datetime64(end, "D") - 1) & (
            np.isnat(s.removed_on) | (s.removed_on >= np.datetime64(start, "D")))
        invited = dict(zip(s.person[held].tolist(), s.assigned_on[held], strict=True))
        people = sorted(set(invited) | set(stats.index.tolist()))
        stats["rank"] = stats["messages"].rank(method="first", ascending=False).astype(int)
        by_person = stats.to_dict("index")
        ever_min, ever_max = ever["min"].to_dict(), ever["max"].to_dict()
        rows = []
        for p in people:
            st = by_person.get(p)
            active = st is not None
            msgs = int(st["messages"]) if active else 0
            since = invited.get(p)
            if since is None:
                since = first + int(ever_min[p])
            rows.append({
                "cadence": "Monthly", "period_start": start.isoformat(),
                "period_end": str(np.datetime64(end, "D") - 1),
                "account_id": ACCOUNT_ID, "public_id": f"user-{int(p):06d}",
                "name": names[p], "email": emails[p], "role": "", "user_role": "standard-user",
                "department": "[]", "groups": "", "user_status": "enabled",
                "created_or_invited_date": str(since), "is_active": int(active),
                "first_day_active_in_period": str(first + int(st["first"])) if active else "",
                "last_day_active_in_period": str(first + int(st["last"])) if active else "",
                "messages": msgs, "messages_rank": int(st["rank"]) if active else "",
                "model_to_messages": json.dumps({"gpt-4o": msgs - msgs // 4, "o3": msgs // 4})
                if active else "",
                "gpt_messages": int(st["gpt"]) if active else 0,
                "gpts_messaged": int(st["gpt"] > 0) if active else 0, "gpt_to_messages": "",
                "tool_messages": int(st["tools"]) if active else 0,
                "tools_messaged": int(st["tools"] > 0) if active else 0,
                "tool_to_messages": "", "project_messages": 0, "projects_messaged": 0,
                "project_to_messages": "", "projects_created": 0,
                "last_day_active": str(first + int(ever_max[p])) if p in ever_max else "",
            })
        path = world.out / f"chatgpt_users_monthly_{start.isoformat()[:7]}.csv"
        table = pd.DataFrame(rows, columns=HEADER)
        if k == world.months - 1:
            table[BLANK_METRIC] = ""
        table.to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    return paths
