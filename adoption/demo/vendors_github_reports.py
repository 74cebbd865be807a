"""The demo's GitHub Copilot usage-metrics reports of API version 2026-03-10 beyond the per-user
daily ones (see :mod:`adoption.vendors.github_reports`).

- :func:`grow_agent_mode`: in one team (the one with most Copilot users in the report months)
  a growing set of its people chat in agent mode month by month (15%, 45%, then 80% of them;
  the others' agent-mode requests are in ask mode), so "what people use it for" shows agent
  mode spreading there; only feature names change, never events;
- :func:`write_organization_report`: ``github_copilot_organization-28-day_latest.ndjson``, the
  ``organization-28-day/latest`` report of the organisation (``organization_id`` 9001) over the
  last 28 days: active users, counts by feature, and a ``pull_requests`` block per day in which
  Copilot's share of the created and reviewed pull requests grows over the window.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from adoption.demo.world import DemoWorld

__all__ = ["AGENT_SHARES", "grow_agent_mode", "write_organization_report"]

#: share of the chosen team's ask-mode requests moved to agent mode, per report month
AGENT_SHARES = (0.15, 0.45, 0.8)
DAYS = 28


def grow_agent_mode(world: DemoWorld, frame: pd.DataFrame, start_index: int) -> pd.DataFrame:
    """``frame`` (person, day, name, ...) with agent mode growing in one team (a copy).

    Each person of the team (the one with most Copilot users in the report months) draws a
    number u; in report month k they chat in agent mode when u < :data:`AGENT_SHARES` [k] (their
    ask-mode requests become agent mode) and in ask mode otherwise (agent becomes ask): the set
    grows month by month. Only feature names change, never events.
    """
    rng = world.rng("vendors_github_agent_mode")
    frame = frame.copy()
    org = world.org
    people = frame["person"].to_numpy()
    inside = people < len(org.emails)  # contractors have no team
    window = inside & (frame["day"].to_numpy() >= start_index)
    if not window.any():
        return frame
    team_of = np.where(inside, org.home_team[np.minimum(people, len(org.emails) - 1)], -1)
    team = int(pd.Series(team_of[window]).value_counts().index[0])
    first = np.datetime64(world.first, "D")
    month = (first + frame["day"].to_numpy().astype(int)).astype("datetime64[M]")
    months = sorted(set(month[window]))[-len(AGENT_SHARES):]
    share = np.zeros(len(frame))
    for k, m in enumerate(months):
        share[month == m] = AGENT_SHARES[k]
    u = rng.random(len(org.emails))
    mine = window & (team_of == team) & (share > 0)
    agent = mine & (u[np.minimum(people, len(org.emails) - 1)] < share)
    names = frame["name"].to_numpy()
    frame.loc[agent & (names == "chat_panel_ask_mode"), "name"] = "chat_panel_agent_mode"
    frame.loc[mine & ~agent & (names == "chat_panel_agent_mode"), "name"] = "chat_panel_ask_mode"
    return frame


def write_organization_report(world: DemoWorld, frame: pd.DataFrame,
                              first: np.datetime64) -> Path:
    """The organisation's 28-day usage-metrics report (one NDJSON record)."""
    rng = world.rng("vendors_github_org_report")
    last = int((np.datetime64(world.last_day, "D") - first).astype(int))
    lo = last - DAYS + 1
    f = frame[frame["day"] >= lo]
    totals = []
    for day in range(lo, last + 1):
        g = f[f["day"] == day]
        progress = (day - lo) / max(DAYS - 1, 1)
        active = int(g["person"].nunique())
        created = int(rng.poisson(0.4 * active)) if active else 0
        merged = int(rng.binomial(created, 0.8)) if created else 0
        reviewed = int(rng.binomial(created, 0.9)) if created else 0
        features = [{"feature": name,
                     "user_initiated_interaction_count": 0 if gen else int(x["count"].sum()),
                     "code_generation_activity_count": int(x["count"].sum()) if gen else 0,
                     "code_acceptance_activity_count": int(x["count"].sum()) * 3 // 10
                     if gen else 0}
                    for (name, gen), x in g.groupby(["name", "generation"], sort=True)]
        interactions = sum(x["user_initiated_interaction_count"] for x in features)
        generations = sum(x["code_generation_activity_count"] for x in features)
        month = f[(f["day"] > day - 28) & (f["day"] <= day)]
        totals.append({
            "day": str(first + day), "organization_id": "9001", "enterprise_id": "4242",
            "daily_active_users": active,
            "weekly_active_users": int(f.loc[(f["day"] > day - 7) & (f["day"] <= day),
                                             "person"].nunique()),
            "monthly_active_users": int(month["person"].nunique()),
            "monthly_active_agent_users": int(month.loc[month["name"] == "chat_panel_agent_mode",
                                                        "person"].nunique()),
            "monthly_active_chat_users": int(month.loc[month["name"].str.startswith("chat"),
                                                       "person"].nunique()),
            "user_initiated_interaction_count": interactions,
            "code_generation_activity_count": generations,
            "code_acceptance_activity_count": generations * 3 // 10,
            "totals_by_feature": features,
            "pull_requests": {
                "total_created": created, "total_reviewed": reviewed, "total_merged": merged,
                "median_minutes_to_merge": round(float(rng.uniform(90, 240)), 1)
                if merged else None,
                "total_created_by_copilot": int(rng.binomial(created, 0.05 + 0.2 * progress))
                if created else 0,
                "total_reviewed_by_copilot": int(rng.binomial(reviewed, 0.2 + 0.4 * progress))
                if reviewed else 0},
        })
    record = {"organization_id": "9001", "report_start_day": str(first + lo),
              "report_end_day": str(first + last), "day_totals": totals}
    path = world.out / "github_copilot_organization-28-day_latest.ndjson"
    path.write_text(json.dumps(record, separators=(",", ":")) + "\n", encoding="utf-8")
    return path
