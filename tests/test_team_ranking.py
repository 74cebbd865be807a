"""Raw and shrunk team penetration side by side: a small perfect team no longer tops the list."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoption.metrics import compute_team_ranking
from adoption.stats import shrink_rates

TEAMS = {"Tiny": (6, 6), "A": (36, 50), "B": (30, 50), "C": (27, 50), "D": (25, 50),
         "E": (33, 50), "Hidden": (2, 3), "Hidden too": (1, 3)}  # team: (active, headcount)


def month_frame() -> pd.DataFrame:
    rows = []
    for team, (active, heads) in TEAMS.items():
        for i in range(heads):
            rows.append({"period": "2026-01", "period_start": pd.Timestamp("2026-01-01"),
                         "days_in_period": 31, "person_id": f"{team}-{i}", "team": team,
                         "department": "Ops" if team.startswith("Hidden") else "Eng", "has_seat": True, "active_days": int(i < active),
                         "events": int(i < active), "is_active": i < active, "is_new": False,
                         "was_active_prev": False})
    return pd.DataFrame(rows)


def test_small_team_is_shrunk_and_ranked_on_evidence():
    out = compute_team_ranking(month_frame()).set_index("team")
    # raw: Tiny 6/6 = 1.0 ranks first
    assert out.loc["Tiny", "penetration"] == 1.0 and out.loc["Tiny", "rank_raw"] == 1
    # shrunk with the beta prior fitted to the six published teams (shrink_rates on the same
    # counts: prior mean 0.617, a + b = 97); Tiny (n = 6, weight 0.06 on its own rate) moves
    # most and drops below A (36 of 50)
    shown = ["A", "B", "C", "D", "E", "Tiny"]
    ref = shrink_rates([TEAMS[t][0] for t in shown], [TEAMS[t][1] for t in shown])
    np.testing.assert_allclose(out.loc[shown, "shrunk_penetration"], ref["estimate"])
    assert out.loc["Tiny", "shrunk_penetration"] < out.loc["A", "shrunk_penetration"]
    assert out.loc["Tiny", "rank_shrunk"] == 2 and out.loc["A", "rank_shrunk"] == 1
    assert out.loc["A", "rank_raw"] == 2
    assert out.loc["Tiny", "shrinkage_weight"] < out.loc["A", "shrinkage_weight"]
    # the 3-person teams (in Ops) are hidden and take no part
    assert out.loc["Hidden", "suppressed"] and pd.isna(out.loc["Hidden", "rank_raw"])
    assert pd.isna(out.loc["Hidden", "shrunk_penetration"])
    inside = (out["shrunk_ci_low"] <= out["shrunk_penetration"]) & (
        out["shrunk_penetration"] <= out["shrunk_ci_high"])
    assert inside[out["shrunk_penetration"].notna()].all()
