"""Metric sets counted in the store equal compute_adoption_metrics on the person-period frame.

:func:`adoption.metrics.metric_sets` never brings the person-period rows into pandas; its tables
must be those of :func:`adoption.metrics.compute_adoption_metrics` (the pandas path, kept as the
reference): counts exactly, every float to 1e-12 (the sums of squared deviations are summed in
another order; everything else is the same code).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adoption.canonical import (
    load_person_periods,
    load_tool_names,
    person_period_sources_sql,
    person_periods_sql,
)
from adoption.canonical.membership import load_group_labels
from adoption.errors import InputError
from adoption.metrics import compute_adoption_metrics, metric_sets
from adoption.metrics.adoption import level_rows, protect_levels
from adoption.metrics.sets import _stored_team_stats, _team_stats_sql
from adoption.privacy import publish_labels

LEVELS = ("team", "department", "organisation")


def assert_same_table(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same columns, rows and dtypes; counts and text equal, floats equal to 1e-12."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for col in want.columns:
        if want[col].dtype.kind == "f":
            np.testing.assert_allclose(got[col].to_numpy(), want[col].to_numpy(),
                                       rtol=1e-12, atol=1e-12, err_msg=col)
        else:
            pd.testing.assert_series_equal(got[col], want[col], obj=col)


def reference(store, kind, *, k, tools=None, periods=None):
    """The pandas path, as the command line and report computed it before metric_sets."""
    people = publish_labels(load_person_periods(store, period_kind=kind, tools=tools),
                            store.settings, labels=load_group_labels(store))
    if periods is not None:
        people = people[people["period"].isin(periods)]
    return {by: compute_adoption_metrics(people, by=by, min_group_size=k) for by in LEVELS}


@pytest.mark.filterwarnings("ignore::adoption.errors.SmallGroupWarning")
def test_metric_sets_equal_the_pandas_path_on_the_governance_workspace(
        tmp_path, governance_workspace):
    # seats, several tools and sources, a roster change
    ws = governance_workspace(tmp_path / "ws")
    with ws.store(read_only=True) as store:
        tools = load_tool_names(store)
        assert len(tools) >= 2
        for kind in ("month", "week"):
            for chosen in (None, tools[:1], tools[:2]):
                want = reference(store, kind, k=3, tools=chosen)
                got = metric_sets(store, kind, tools=chosen, min_group_size=3)
                assert set(got) == set(LEVELS)
                for by in LEVELS:
                    assert_same_table(got[by], want[by])
        # the data has what the comparison must cover (unknown people: the demo and the
        # property test below)
        org = reference(store, "week", k=3)["organisation"]
        assert (org[["seats", "new_users", "returning_users", "lapsed_users"]].sum() > 0).all()
        org = metric_sets(store, "month", by="organisation", min_group_size=3)["organisation"]
        # one period: the same rows as the whole table's, new and lapsed users included
        last = org["period"].iloc[-1]
        want = reference(store, "month", k=3, periods=[last])
        got = metric_sets(store, "month", periods=[last], min_group_size=3)
        for by in LEVELS:
            assert_same_table(got[by], want[by])


def test_the_team_mart_stored_at_ingest_equals_counting_on_the_fly(tmp_path,
                                                                   governance_workspace):
    # metric sets of any tool read team_period_stats (built in the ingest's transaction);
    # it must hold what counting the person-period rows now gives, for every period kind
    ws = governance_workspace(tmp_path / "ws")
    with ws.store(read_only=True) as store:
        kinds = store.con.execute(
            "SELECT DISTINCT period_kind FROM team_period_stats ORDER BY 1").fetchall()
        assert [k for (k,) in kinds] == ["month", "quarter", "week"]
        for kind in ("month", "quarter", "week"):
            stored = _stored_team_stats(store, kind, None)
            counted = _team_stats_sql(
                store.con, person_periods_sql(store, period_kind=kind, with_sources=False,
                                              ordered=False),
                person_period_sources_sql(store, period_kind=kind))
            assert len(stored) > 0
            assert_same_table(stored, counted)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::adoption.errors.SmallGroupWarning")
def test_metric_sets_equal_the_pandas_path_on_the_demo(demo_workspace):
    with demo_workspace.store(read_only=True) as store:
        k = store.settings.min_group_size
        tools = load_tool_names(store)
        for kind, chosen in (("month", None), ("week", None), ("month", tools[:2])):
            want = reference(store, kind, k=k, tools=chosen)
            got = metric_sets(store, kind, tools=chosen)
            for by in LEVELS:
                assert_same_table(got[by], want[by])


def test_metric_sets_checks_its_options(tmp_path, governance_workspace):
    ws = governance_workspace(tmp_path / "ws")
    with ws.store(read_only=True) as store:
        with pytest.raises(InputError, match="allowed levels"):
            metric_sets(store, by=("teams",))
        with pytest.raises(InputError, match="period kind"):
            metric_sets(store, "fortnight")
        with pytest.raises(InputError, match="not found in the store"):
            metric_sets(store, tools=["Nope"])
        # never below the workspace's threshold (3): 2 is raised to it, not accepted
        low = metric_sets(store, by="team", min_group_size=2)["team"]
        assert_same_table(low, metric_sets(store, by="team", min_group_size=3)["team"])


# ---------------------------------------------------------------- the SQL counting, any frame

PERIODS = {"2026-01": ("2026-01-01", 31), "2026-02": ("2026-02-01", 28)}
SOURCES = ["usage", "GitHub Copilot seats", "Viva Insights"]


@st.composite
def person_periods(draw) -> pd.DataFrame:
    """A small person-period frame: 1-40 people in up to 3 departments (one may be missing)
    and 4 teams, one or two periods, any mix of flags, days, events and sources."""
    n = draw(st.integers(1, 40))
    rows = []
    for i in range(n):
        for period in draw(st.lists(st.sampled_from(list(PERIODS)), min_size=1, max_size=2,
                                    unique=True)):
            active = draw(st.booleans())
            known = draw(st.booleans())
            days = draw(st.integers(1, PERIODS[period][1])) if active and known else 0
            rows.append({
                "period": period, "period_start": pd.Timestamp(PERIODS[period][0]),
                "days_in_period": PERIODS[period][1], "person_id": f"p{i}",
                "team": draw(st.sampled_from(["A", "B", "C (Jane Doe)", "D"])),
                "department": draw(st.sampled_from(["Eng", "Sales", None])),
                "has_seat": draw(st.booleans()), "active_days": days,
                "events": draw(st.integers(0, 10_000)) if days else 0,
                "is_active": active, "is_new": active and draw(st.booleans()),
                "was_active_prev": draw(st.booleans()),
                "is_unknown": not active and draw(st.booleans()),
                "days_known": known,
                "sources": ", ".join(draw(st.lists(st.sampled_from(SOURCES), unique=True))),
            })
    return pd.DataFrame(rows)


@pytest.mark.filterwarnings("ignore::adoption.errors.SmallGroupWarning")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=person_periods(), k=st.sampled_from([3, 5]))
def test_counting_in_sql_equals_counting_in_pandas(frame, k):
    con = duckdb.connect()
    con.register("pp", frame)
    sources = ("SELECT period, team, department, unnest(string_split(sources, ', ')) AS source "
               "FROM pp WHERE sources <> ''")
    team = _team_stats_sql(con, "SELECT * FROM pp", sources)
    protected = protect_levels(team, min_group_size=k, confidence=0.95)
    for by in LEVELS:
        assert_same_table(level_rows(protected, by),
                          compute_adoption_metrics(frame, by=by, min_group_size=k))
