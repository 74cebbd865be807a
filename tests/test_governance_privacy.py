"""The privacy gate of the governance and shadow-AI tables, as properties over random rosters.

For random organisations (departments of teams of 1 to 30 people), seats of one to three
tools and random use, idle seats, leavers and shadow-AI evidence, the tables are built as the
report builds them and checked against the true figures:

1. every team hidden in the adoption team table is hidden in each governance and shadow table,
   and no other (one headcount, one pattern);
2. within each table, for the figures over seats and over the seats held at the end (a
   governance table shows them beside their rate), no hidden figure follows from the published
   ones: :func:`test_privacy.check_no_recovery` per tool, and one linear system over all
   tools and their total (a tool's figures = the total minus the other tools);
3. an amount is shown only where the count it is computed from is;
4. an overlap row is published only where every tool it names has its seats published in the
   same group (holders - one tool + several would give the other back);
5. with one tool, the figures over seats are hidden exactly where the adoption table hides its
   seats and activation, so that neither table gives the other's hidden figures away. With
   several tools the adoption table's seats count people with any seat, which no linear
   combination of the per-tool tables gives without the overlaps (themselves gated by 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_privacy import _determined, check_no_recovery

from adoption.discovery.metrics import _levels as shadow_levels
from adoption.discovery.metrics import _protect as shadow_protect
from adoption.governance.data import SEAT_PERIOD_COLUMNS
from adoption.governance.overlaps import protected_overlap_levels
from adoption.governance.seats import FAMILIES, protected_seat_levels
from adoption.metrics.adoption import _all_levels

PERIOD, START = "2026-03", pd.Timestamp("2026-03-01")
TOOLS = ["Alpha AI", "Beta AI", "Gamma AI"]
FAMILY_COUNTS = {"seats": ["seats", "active_seats", "unknown_seats"],
                 "seats_at_end": ["seats_at_end", "idle_seats", "leaver_seats",
                                  "reclaimable_seats"]}
FAMILY_MONEY = {"seats": ["spend"], "seats_at_end": ["monthly_cost_at_end",
                                                     "reclaimable_monthly_spend"]}


def _people(depts: list[list[int]]) -> pd.DataFrame:
    rows = [(f"p{d}-{t}-{i}", f"D{d}", f"T{t}") for d, sizes in enumerate(depts)
            for t, n in enumerate(sizes) for i in range(n)]
    return pd.DataFrame(rows, columns=["person_id", "department", "team"])


def _seat_periods(people: pd.DataFrame, n_tools: int, rng: np.random.Generator
                  ) -> pd.DataFrame:
    frames = []
    for j, tool in enumerate(TOOLS[:n_tools]):
        holders = people[rng.random(len(people)) < rng.uniform(0.2, 0.9)]
        n = len(holders)
        end = rng.random(n) < 0.85
        idle = end & (rng.random(n) < 0.3)
        leaver = end & (rng.random(n) < 0.1)
        cost = np.nan if j == 2 else 10.0 * (j + 1)  # the third tool's cost is unknown
        frames.append(pd.DataFrame({
            "period": PERIOD, "period_start": START, "period_end": pd.Timestamp("2026-03-31"),
            "as_of": pd.Timestamp("2026-03-31"), "person_id": holders["person_id"].to_numpy(),
            "department": holders["department"].to_numpy(),
            "team": holders["team"].to_numpy(), "tool": tool,
            "category": "assistant", "is_sanctioned": True, "monthly_seat_cost": cost,
            "held_days": 31, "cost_months": 1.0, "spend": cost, "held_at_end": end,
            "held_since": START, "is_active": rng.random(n) < 0.6,
            "is_unknown": rng.random(n) < 0.05, "last_use": pd.NaT, "employed_to": pd.NaT,
            "is_idle": idle, "is_leaver": leaver, "is_reclaimable": idle | leaver,
            "reclaim_reason": None}))
    return pd.concat(frames, ignore_index=True)[SEAT_PERIOD_COLUMNS]


def _headcounts(people: pd.DataFrame) -> pd.DataFrame:
    hc = people.groupby(["department", "team"]).size().rename("headcount").reset_index()
    return hc.assign(period=PERIOD, period_start=START)


def _adoption(people: pd.DataFrame, sp: pd.DataFrame, k: int) -> pd.DataFrame:
    seat = people["person_id"].isin(sp["person_id"])
    active = people["person_id"].isin(sp.loc[sp["is_active"], "person_id"])
    data = people.assign(
        period=PERIOD, period_start=START, period_end=pd.Timestamp("2026-03-31"),
        days_in_period=31, has_seat=seat, active_days=np.where(active, 3, 0),
        events=np.where(active, 9, 0), is_active=active, is_new=False, was_active_prev=False,
        in_prev_population=True)
    return _all_levels(data, min_group_size=k, confidence=0.95)


def _heads(people: pd.DataFrame) -> pd.DataFrame:
    """True headcounts of every level."""
    team = people.groupby(["department", "team"]).size().rename("headcount").reset_index()
    dept = team.groupby("department")["headcount"].sum().reset_index().assign(team=np.nan)
    org = pd.DataFrame({"department": [np.nan], "team": [np.nan],
                        "headcount": [team["headcount"].sum()]})
    return pd.concat([team, dept, org], ignore_index=True).astype({"headcount": float})


def _key(frame: pd.DataFrame) -> pd.Series:
    return frame["department"].fillna("") + "/" + frame["team"].fillna("")


def _truth(sp: pd.DataFrame, people: pd.DataFrame, tool: str) -> pd.DataFrame:
    """The unsuppressed counts of one tool at every level, straight from the seat rows."""
    d = sp[sp["tool"] == tool]
    seat = pd.DataFrame({
        "department": d["department"], "team": d["team"], "seats": 1,
        "active_seats": d["is_active"].astype(int), "unknown_seats": d["is_unknown"].astype(int),
        "seats_at_end": d["held_at_end"].astype(int), "idle_seats": d["is_idle"].astype(int),
        "leaver_seats": d["is_leaver"].astype(int),
        "reclaimable_seats": d["is_reclaimable"].astype(int)})
    cols = [c for cs in FAMILY_COUNTS.values() for c in cs]
    teams = people[["department", "team"]].drop_duplicates()
    team = teams.merge(seat.groupby(["department", "team"])[cols].sum().reset_index(),
                       how="left").fillna(0)
    dept = team.groupby("department")[cols].sum().reset_index().assign(team=np.nan)
    org = team[cols].sum().to_frame().T.assign(department=np.nan, team=np.nan)
    return pd.concat([team, dept, org], ignore_index=True)


def _n(value: object) -> object:
    """A key part: missing (the level above) as None."""
    return None if pd.isna(value) else value


def _family_view(out: pd.DataFrame, truth: pd.DataFrame, heads: pd.Series, family: str):
    """The table as seen through one family: hidden where its count is. The group behind a
    hidden cell is the team's people where the team is hidden for its size, its seat holders
    where only the figures over seats are hidden (what a worked-out sum would cover)."""
    view = out.assign(suppressed=out[family].isna())
    size = np.where(out["suppressed"].to_numpy(bool), heads.to_numpy(float),
                    truth[family].to_numpy(float))
    return view, truth.assign(size=size)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depts=st.lists(st.lists(st.integers(1, 30), min_size=1, max_size=4), min_size=1,
                      max_size=4),
       n_tools=st.integers(1, 3), k=st.sampled_from([3, 5]), seed=st.integers(0, 2**16))
def test_property_seat_tables_reveal_no_hidden_figure(depts, n_tools, k, seed):
    rng = np.random.default_rng(seed)
    people = _people(depts)
    sp = _seat_periods(people, n_tools, rng)
    if sp.empty:
        return
    hc = _headcounts(people)
    levels = protected_seat_levels(sp, hc, min_group_size=k, confidence=0.95)
    adoption = _adoption(people, sp, k)
    hidden_in_adoption = dict(zip(_key(adoption), adoption["suppressed"], strict=True))
    tools = sorted(sp["tool"].unique())
    unknowns, equations, index = set(), [], {}
    for family, counts in FAMILY_COUNTS.items():
        for tool in tools:
            out = levels[levels["tool"] == tool].reset_index(drop=True)
            # 1. the same groups hidden as in the adoption team table
            assert dict(zip(_key(out), out["suppressed"], strict=True)) == hidden_in_adoption
            truth = _truth(sp, people, tool)
            truth = out[["department", "team"]].merge(truth, how="left",
                                                      on=["department", "team"])
            heads = out[["department", "team"]].merge(_heads(people), how="left",
                                                      on=["department", "team"])["headcount"]
            # 2. within the tool's table
            view, t = _family_view(out, truth, heads, family)
            check_no_recovery(view, t, k, counts)
            # 3. money only beside its count
            for col in FAMILY_MONEY[family]:
                assert out.loc[out[family].isna(), col].isna().all()
            # the tool's cells, for the system over all tools below
            for r in out.itertuples():
                cell = (family, tool, _n(r.department), _n(r.team))
                index[cell] = len(index)
                if pd.isna(getattr(r, family)):
                    unknowns.add(index[cell])
        total = levels[levels["tool"].isna()].iloc[0]
        index[(family, "*", None, None)] = len(index)
        if pd.isna(total[family]):
            unknowns.add(index[(family, "*", None, None)])
        equations.append((index[(family, "*", None, None)],
                          [index[(family, t_, None, None)] for t_ in tools]))
        for tool in tools:
            out = levels[levels["tool"] == tool]
            depth = out[["department", "team"]].notna().sum(axis=1)
            org = index[(family, tool, None, None)]
            equations.append((org, [index[(family, tool, d, None)]
                                    for d in out.loc[depth == 1, "department"]]))
            for d in out.loc[depth == 1, "department"]:
                teams = out[(depth == 2) & (out["department"] == d)]["team"]
                equations.append((index[(family, tool, d, None)],
                                  [index[(family, tool, d, t_)] for t_ in teams]))
    # 2. no hidden cell of any tool follows from the others and the total over all tools
    assert _determined(equations, unknowns) == set()
    # 5. one tool: hidden exactly where the adoption table hides its seats
    if n_tools == 1:
        mine = dict(zip(_key(levels[levels["tool"].notna()]),
                        levels.loc[levels["tool"].notna(), "seats"].isna(), strict=True))
        theirs = dict(zip(_key(adoption), adoption["seats"].isna(), strict=True))
        assert mine == theirs


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depts=st.lists(st.lists(st.integers(1, 20), min_size=1, max_size=4), min_size=1,
                      max_size=3),
       k=st.sampled_from([3, 5]), seed=st.integers(0, 2**16))
def test_property_overlaps_never_give_a_seat_count_away(depts, k, seed):
    rng = np.random.default_rng(seed)
    people = _people(depts)
    sp = _seat_periods(people, 2, rng)
    if not sp["held_at_end"].any():
        return
    hc = _headcounts(people)
    seats = protected_seat_levels(sp, hc, min_group_size=k, confidence=0.95)
    overlaps = protected_overlap_levels(sp, hc, min_group_size=k, confidence=0.95)
    # 4. a published overlap names only tools whose seats at the end are published there
    shown = {(_n(r.department), _n(r.team), r.tool): not pd.isna(r.seats_at_end)
             for r in seats[seats["tool"].notna()].itertuples()}
    for r in overlaps[overlaps["holders"].notna()].itertuples():
        for tool in r.tools.split("; "):
            assert shown[(_n(r.department), _n(r.team), tool)], (r, tool)
    # and the team table shows the same groups as the adoption table
    adoption = _adoption(people, sp, k)
    hidden = dict(zip(_key(adoption), adoption["suppressed"], strict=True))
    for r in overlaps.itertuples():
        assert r.suppressed == hidden[(r.department if isinstance(r.department, str) else "")
                                      + "/" + (r.team if isinstance(r.team, str) else "")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depts=st.lists(st.lists(st.integers(1, 30), min_size=1, max_size=5), min_size=1,
                      max_size=4),
       k=st.sampled_from([3, 5, 10]), seed=st.integers(0, 2**16), has_data=st.booleans())
def test_property_shadow_table_reveals_no_hidden_figure(depts, k, seed, has_data):
    rng = np.random.default_rng(seed)
    people = _people(depts)
    n = len(people)
    logs = rng.random(n) < 0.2
    exports = rng.random(n) < 0.15
    requests = np.where(logs, rng.integers(1, 9, n), 0)
    frame = people.assign(period=PERIOD, period_start=START, by_logs=logs, by_exports=exports,
                          is_user=logs | exports,
                          is_unknown=~(logs | exports) & (rng.random(n) < 0.05),
                          requests=requests, blocked=(requests * rng.random(n) // 2).astype(int),
                          has_data=has_data)
    disc = pd.DataFrame({"person_id": pd.Series(dtype=object), "device_id": [],
                         "service": [], "period": [], "requests": [],
                         "unsanctioned": pd.Series(dtype="boolean")})
    table = shadow_levels(frame, disc, 0.95)
    for col in ("device_requests", "devices", "unmatched_requests", "unmatched_export_users"):
        table[col] = np.where(table["level"] == "organisation", 0.0, np.nan)
    coverage = pd.DataFrame({"period": [PERIOD], "has_data": [has_data],
                             "evidence": ["rests on test data" if has_data else "no data"]})
    out = shadow_protect(table, coverage, k).reset_index(drop=True)
    # 1. the same groups hidden as in the adoption team table
    adoption = _adoption(people, pd.DataFrame(columns=SEAT_PERIOD_COLUMNS), k)
    hidden = dict(zip(_key(adoption), adoption["suppressed"], strict=True))
    assert dict(zip(_key(out.assign(department=out["department"].astype(object),
                                    team=out["team"].astype(object))),
                    out["suppressed"], strict=True)) == hidden
    if not has_data:  # no data: nothing but the headcount, never a 0
        assert out[["users", "share", "users_logs", "users_exports", "requests"]].isna().all().all()
        return
    truth = out[["department", "team"]].merge(
        table[["department", "team", "headcount", "users", "users_logs", "users_exports",
               "unknown_users", "requests", "blocked"]], how="left", on=["department", "team"])
    # 2. within the table, every count (people and requests)
    check_no_recovery(out, truth.assign(size=truth["headcount"]), k,
                      ["headcount", "users", "users_logs", "users_exports", "unknown_users",
                       "requests", "blocked"])


def test_families_cover_every_seat_figure():
    # every figure of the seat tables is over the roster headcount, seats, seats at the end
    # or the people with usage units (usage spend, and the totals it is part of)
    from adoption.governance.seats import _VALUES

    assert set(FAMILIES) == {"seats", "seats_at_end", "usage_users"}
    covered = {"headcount", *FAMILIES["seats"], *FAMILIES["seats_at_end"],
               *FAMILIES["usage_users"]}
    assert set(_VALUES) == covered
    # the total spend is hidden with either of its parts
    assert "spend" in FAMILIES["seats"] and "spend" in FAMILIES["usage_users"]
