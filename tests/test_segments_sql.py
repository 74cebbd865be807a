"""The SQL usage segments against Microsoft's vivainsights package itself.

vivainsights (Python, 0.4.3 when these tests were written; a dev dependency, skipped without
it) computes both versions in one call: ``UsageSegments_12w`` and ``UsageSegments_4w``, with
``target_metric_l12w`` / ``target_metric_l4w`` (rolling means) and ``IsHabit12w`` /
``IsHabit4w``. Every expected value here is the package's own output on the same rows:
its sample person query (``load_pq_data()``: 300 people x 35 weeks, no gaps) and random
person-week tables with missing weeks, zeros and short histories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adoption.metrics.segments import identify_period_segments, identify_usage_segments

vi = pytest.importorskip("vivainsights")
vi_segments = pytest.importorskip("vivainsights.identify_usage_segments").identify_usage_segments

WEEKS = pd.date_range("2025-01-05", periods=20, freq="7D")  # Sundays, as Viva's MetricDate
#: values at and around every threshold: 1 (a qualifying week, Novice), 15 (Power), 0 (Low)
VALUES = [0, 0, 0, 0.5, 1, 2, 5, 14, 15, 16, 30]


def theirs(data: pd.DataFrame, metric: str) -> pd.DataFrame:
    """vivainsights' classification (both versions), sorted by person and week."""
    got = vi_segments(data.copy(), metric=metric, version="12w")  # it writes into its input
    return got.sort_values(["PersonId", "MetricDate"]).reset_index(drop=True)


def assert_same(data: pd.DataFrame, metric: str) -> None:
    ref = theirs(data, metric)
    for version in ("12w", "4w"):
        ours = identify_usage_segments(data, version=version, metric=metric,
                                       person="PersonId", week="MetricDate")
        assert ours["vivainsights_segment"].astype(str).tolist() == \
            ref[f"UsageSegments_{version}"].tolist()
        assert ours["is_habit"].tolist() == ref[f"IsHabit{version}"].tolist()
        # rolling means: the same sums divided by the same counts (exact for counts)
        np.testing.assert_allclose(ours["rolling_mean"], ref[f"target_metric_l{version}"],
                                   rtol=1e-12, atol=0)


@pytest.mark.parametrize("metric", ["copilot_actions", "Emails_sent", "Collaboration_hours"])
def test_same_segments_as_vivainsights_on_its_sample_person_query(metric):
    data = vi.load_pq_data()
    # Copilot actions over the apps, as identify_usage_segments(metric_str=[...]) adds them
    apps = [c for c in data.columns if c.startswith("Copilot_actions_taken_in_")]
    assert len(apps) == 6  # Teams, Copilot chat (work), Excel, Outlook, Powerpoint, Word
    data["copilot_actions"] = data[apps].sum(axis=1)
    before = data.copy()
    assert_same(data, metric)  # a count; a fractional count (0.02% of rows); hours
    pd.testing.assert_frame_equal(data, before)  # ours does not write into its input


@st.composite
def person_weeks(draw) -> pd.DataFrame:
    """A few people, each with some of the weeks (gaps and late starts), random values."""
    rows = []
    for person in range(draw(st.integers(1, 6))):
        weeks = draw(st.lists(st.sampled_from(range(len(WEEKS))), min_size=1, max_size=20,
                              unique=True))
        for w in weeks:
            rows.append({"PersonId": f"p{person}", "MetricDate": WEEKS[w],
                         "actions": float(draw(st.sampled_from(VALUES)))})
    return pd.DataFrame(rows)


prop = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@prop
@given(data=person_weeks(), seed=st.integers(0, 2**16))
@example(data=pd.DataFrame({  # p misses week 3: the window counts rows, not weeks;
    "PersonId": ["p"] * 4 + ["q"] * 5,  # q's mean is exactly 15 (>= 15: Power, 4w)
    "MetricDate": [*WEEKS[[0, 1, 3, 4]], *WEEKS[:5]], "actions": [20.0] * 4 + [15.0] * 5}),
    seed=0)
def test_same_segments_as_vivainsights_with_gaps_and_short_histories(data, seed):
    shuffled = data.sample(frac=1, random_state=seed)  # row order must not matter
    assert_same(shuffled, "actions")


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("tool", "source", "version", "period", "person_id", "department", "team",
                "vivainsights_segment", "segment"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


@pytest.mark.slow
@pytest.mark.parametrize("version", ["12w", "4w"])
def test_segments_from_the_store_equal_those_of_the_loaded_marts(demo_workspace, version):
    from adoption.canonical import load_person_tool_periods, load_population
    from adoption.metrics.segments import load_period_segments

    with demo_workspace.store(read_only=True) as store:
        activity = load_person_tool_periods(store, period_kind="week")
        population = load_population(store, period_kind="week")
        stored = load_period_segments(store, version=version, period_kind="month")
        until = pd.Timestamp("2026-06-30")  # as a report of June 2026 sees the store
        cut = load_period_segments(store, version=version, until=until.date())
    loaded = identify_period_segments(activity, population, version=version)
    assert len(stored) > 1000 and stored["source"].nunique() >= 2
    pd.testing.assert_frame_equal(_text(stored), _text(loaded))
    early = identify_period_segments(activity[activity["period_start"] <= until],
                                     population[population["period_start"] <= until],
                                     version=version)
    assert cut["period"].max() == "2026-06"
    pd.testing.assert_frame_equal(_text(cut), _text(early))
