"""Property tests of the adoption-over-time tables (issue 13) on random person-period frames:
no published group below the threshold, hidden rows show nothing, complementary suppression
among teams, and every interval ordered inside its parameter's range."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adoption.errors import SmallGroupWarning
from adoption.metrics import (
    compute_diffusion_forecast,
    compute_first_use_spans,
    compute_retention,
    compute_segment_transitions,
    compute_team_ranking,
    compute_time_to_first_use,
    compute_usage_segments,
    compute_user_flows,
)
from adoption.metrics.segment_trends import SEGMENT_LABELS
from adoption.report.dynamics import compute_team_moves

MONTHS = pd.date_range("2025-01-01", periods=8, freq="MS")
EPS = 1e-9

team_sizes = st.lists(st.integers(1, 9), min_size=1, max_size=3)
roster = st.lists(team_sizes, min_size=1, max_size=3)


def person_months(depts: list[list[int]], rng: np.random.Generator) -> pd.DataFrame:
    """People who join, get a seat, start using, stop and leave at random months."""
    rows = []
    for d, sizes in enumerate(depts):
        for t, n in enumerate(sizes):
            for i in range(n):
                join = int(rng.integers(0, 4))
                leave = int(rng.integers(join + 1, len(MONTHS) + 1))
                seat_from = join + int(rng.integers(0, 3))
                rate = rng.choice([0.0, 0.3, 0.8, 1.0])
                seen = prev = False
                for m in range(join, leave):
                    active = bool(rng.random() < rate)
                    start = MONTHS[m]
                    rows.append({
                        "period": f"{start:%Y-%m}", "period_start": start,
                        "period_end": start + pd.offsets.MonthEnd(0),
                        "days_in_period": start.days_in_month,
                        "person_id": f"p{d}-{t}-{i}", "team": f"T{t}", "department": f"D{d}",
                        "has_seat": m >= seat_from, "active_days": int(active),
                        "events": int(active), "is_active": active,
                        "is_new": active and not seen, "was_active_prev": prev})
                    seen |= active
                    prev = active
    return pd.DataFrame(rows)


def ordered(frame: pd.DataFrame, est: str, low: str, high: str, lo: float, hi: float) -> None:
    e, a, b = (frame[c].to_numpy(dtype=float, na_value=np.nan) for c in (est, low, high))
    known = np.isfinite(e)
    assert np.all(np.where(known & np.isfinite(a), a <= e + EPS, True))
    assert np.all(np.where(known & np.isfinite(b), e <= b + EPS, True))
    assert not np.any(np.isfinite(a) & np.isfinite(b) & (a > b + EPS))
    for v in (e, a, b):
        assert np.all(np.where(np.isnan(v), True, (v >= lo - EPS) & (v <= hi + EPS)))


def protected(out: pd.DataFrame, sizes: pd.Series, k: int, values: list[str],
              within: list[str]) -> None:
    """Team rows: true size < k hidden; hidden rows blank; hidden siblings >= 2 and >= k."""
    out = out.set_index(["department", "team", *within])
    size = sizes.reindex(out.index).fillna(0).to_numpy()
    hidden = out["suppressed"].to_numpy(dtype=bool)
    assert hidden[(size > 0) & (size < k)].all()
    assert out.loc[hidden, values].isna().all().all()
    slices = out.assign(size=size, hidden=hidden).reset_index()
    for _, g in slices.groupby(["department", *within]):
        hid = g[g["hidden"] & (g["size"] > 0)]
        if len(hid) and (~g["hidden"] & (g["size"] > 0)).any():
            assert len(hid) >= 2 and hid["size"].sum() >= k


prop = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def on_rosters(test):
    """Run ``test(depts, k, seed)`` on random rosters and thresholds, and on the edge cases."""
    for edge in (dict(depts=[[1]], k=5, seed=0),  # one group, below the threshold
                 dict(depts=[[9]], k=3, seed=1),  # one group above it
                 dict(depts=[[2, 9, 9]], k=3, seed=2)):  # one small team among larger ones
        test = example(**edge)(test)
    return prop(given(depts=roster, k=st.sampled_from([3, 5]),
                      seed=st.integers(0, 2**16))(test))


@on_rosters
def test_time_to_first_use_and_ranking_tables(depts, k, seed):
    data = person_months(depts, np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        ttfu = compute_time_to_first_use(data, by="team", min_group_size=k)
        ranking = compute_team_ranking(data, min_group_size=k)
    spans = compute_first_use_spans(data)
    n = spans.groupby(["department", "team"]).size()
    protected(ttfu, n, k, ["n", "started", "median_days", "started_30d"], [])
    for d in (30, 60, 90):
        ordered(ttfu, f"started_{d}d", f"started_{d}d_ci_low", f"started_{d}d_ci_high", 0, 1)
    ordered(ttfu, "median_days", "median_ci_low", "median_ci_high", 0, np.inf)
    ordered(ttfu, "p_value", "p_value", "p_adjusted", 0, 1)  # BH never lowers a p-value
    heads = data.groupby(["department", "team", "period"]).size()
    protected(ranking, heads, k, ["headcount", "penetration", "shrunk_penetration"], ["period"])
    ordered(ranking, "penetration", "penetration_ci_low", "penetration_ci_high", 0, 1)
    ordered(ranking, "shrunk_penetration", "shrunk_ci_low", "shrunk_ci_high", 0, 1)


@on_rosters
def test_retention_and_flow_tables(depts, k, seed):
    data = person_months(depts, np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        retention = compute_retention(data, by="team", min_group_size=k)
        flows = compute_user_flows(data, by="team", min_group_size=k)
    shown = retention[~retention["suppressed"].astype(bool)]
    assert (shown["at_risk"] >= k).all() and (shown["retained"] <= shown["at_risk"]).all()
    assert retention.loc[retention["suppressed"], ["retained", "retention"]].isna().all().all()
    ordered(retention, "retention", "retention_ci_low", "retention_ci_high", 0, 1)
    heads = data.groupby(["department", "team", "period"]).size()
    protected(flows, heads, k, ["headcount", "active_users", "lapsed_users"], ["period"])
    published = flows[~flows["suppressed"].astype(bool)]
    parts = published[["new_users", "returning_users", "resurrected_users"]].sum(axis=1)
    assert (parts == published["active_users"]).all()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depts=roster, seed=st.integers(0, 2**16))
@example(depts=[[1]], seed=0)  # one small group
@example(depts=[[9, 9]], seed=3)  # one department
def test_diffusion_forecast_table(depts, seed):
    data = person_months(depts, np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        out = compute_diffusion_forecast(data, by="department", min_group_size=3)
    heads = (data[data["period"] == data["period"].max()]
             .groupby("department").size())
    hidden = out["suppressed"].to_numpy(dtype=bool)
    size = heads.reindex(out["department"]).fillna(0).to_numpy()
    assert hidden[(size > 0) & (size < 3)].all()
    assert out.loc[hidden, ["headcount", "m", "target"]].isna().all().all()
    assert set(out.loc[~hidden, "status"]) <= {"forecast", "refused"}
    for term in ("m", "p", "q"):
        ordered(out, term, f"{term}_ci_low", f"{term}_ci_high", 0, np.inf)
    fits = out[out["status"] == "forecast"]
    assert (fits["m_ci_high"] <= data.groupby("department")["person_id"].nunique()
            .reindex(fits["department"]).to_numpy() + EPS).all()


def person_segments(depts: list[list[int]], rng: np.random.Generator) -> pd.DataFrame:
    """Segments of people present in some of four months, who may move team in between."""
    rows = []
    for d, sizes in enumerate(depts):
        for t, n in enumerate(sizes):
            for i in range(n):
                for m in range(4):
                    if rng.random() < 0.2:
                        continue  # not employed in that month's last week
                    team = t if rng.random() < 0.9 else int(rng.integers(0, len(sizes)))
                    label = SEGMENT_LABELS[int(rng.integers(0, len(SEGMENT_LABELS)))]
                    start = MONTHS[m]
                    rows.append({
                        "tool": "T", "source": "usage", "version": "12w",
                        "period": f"{start:%Y-%m}", "period_start": start, "week": start,
                        "warm_up": m == 0, "person_id": f"p{d}-{t}-{i}",
                        "department": f"D{d}", "team": f"T{team}", "metric": 0.0,
                        "rolling_mean": 0.0, "active_weeks": 0, "history_weeks": 12,
                        "is_habit": False, "vivainsights_segment": label, "segment": label})
    return pd.DataFrame(rows, columns=list(rows[0]) if rows else None)


@on_rosters
def test_segment_share_and_transition_tables(depts, k, seed):
    data = person_segments(depts, np.random.default_rng(seed))
    if data.empty:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        shares = compute_usage_segments(data, by="team", min_group_size=k)
        moves = compute_segment_transitions(data, by="team", min_group_size=k)
    labels = pd.DataFrame({"segment": SEGMENT_LABELS})
    heads = (data.groupby(["department", "team", "period"]).size().rename("size")
             .reset_index().merge(labels, how="cross")
             .set_index(["department", "team", "period", "segment"])["size"])
    protected(shares, heads, k, ["n", "count", "share"], ["period", "segment"])
    ordered(shares, "share", "share_ci_low", "share_ci_high", 0, 1)
    shown = shares[~shares["suppressed"].astype(bool)]
    assert (shown["n"] >= k).all()
    assert (shown.groupby(["department", "team", "period"])["count"].sum()
            == shown.groupby(["department", "team", "period"])["n"].first()).all()
    months = sorted(data["period"].unique())
    prev = dict(zip(months[1:], months[:-1], strict=False))
    later = data.assign(period_from=data["period"].map(prev)).dropna(subset=["period_from"])
    both = later.merge(data[["person_id", "period"]].rename(columns={"period": "period_from"}),
                       on=["person_id", "period_from"])
    pairs = pd.DataFrame([(a, b) for a in SEGMENT_LABELS for b in SEGMENT_LABELS],
                         columns=["from_segment", "to_segment"])
    sizes = (both.groupby(["department", "team", "period"]).size().rename("size")
             .reset_index().merge(pairs, how="cross")
             .set_index(["department", "team", "period", "from_segment", "to_segment"])["size"])
    protected(moves, sizes, k, ["n", "count"], ["period", "from_segment", "to_segment"])
    shown = moves[~moves["suppressed"].astype(bool)]
    assert (shown["n"] >= k).all() and (shown["count"] <= shown["n"]).all()


@on_rosters
def test_team_moves_table(depts, k, seed):
    # the report's team view of moves (issue 13): a team's size is its people classified in
    # both the first month after warm-up and the last month, counted in the last month's team
    data = person_segments(depts, np.random.default_rng(seed))
    if data.empty:
        return
    months = sorted(data["period"].unique())
    last = months[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        out = compute_team_moves(data, month=last, min_group_size=k)
    ready = [m for m in months if m != "2025-01"]  # person_segments: month 0 is warm-up
    if len(ready) < 2:
        assert out.empty
        return
    first = ready[0]
    before = data.loc[data["period"] == first, ["person_id"]]
    both = data[data["period"] == last].merge(before, on="person_id")
    sizes = both.groupby(["department", "team"]).size()
    protected(out, sizes, k, ["n", "moved_up", "moved_down"], [])
    assert set(out["period_from"]) <= {first} and set(out["period"]) <= {last}
    shown = out[~out["suppressed"].astype(bool)]
    assert (shown["n"] >= k).all()
    assert (shown["moved_up"] + shown["moved_down"] <= shown["n"]).all()
    # every published count is the people who moved, by hand
    pairs = both.merge(data.loc[data["period"] == first, ["person_id", "segment"]]
                       .rename(columns={"segment": "from_segment"}), on="person_id")
    up = (pairs["from_segment"].isin(["Novice User", "Low User"])
          & pairs["segment"].isin(["Habitual User", "Power User"]))
    by_hand = pairs[up].groupby(["department", "team"]).size()
    for r in shown.itertuples():
        assert r.moved_up == by_hand.get((r.department, r.team), 0)
