"""The KPI panel of a use case: who is treated from when, who compares, who is left out."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from adoption.portfolio import build_kpi_panel


def _outcomes(teams, months=8, kpi="resolution_hours"):
    rows = [{"team": team, "period_kind": "month",
             "period_start": pd.Timestamp(2026, 1, 1) + pd.DateOffset(months=m), "kpi": kpi,
             "value": 30.0 + m, "unit": "hours", "n": 100}
            for team in teams for m in range(months)]
    return pd.DataFrame(rows)


def test_treated_comparison_and_left_out_teams():
    data = _outcomes(["A", "B", "C", "D", "Tiny", "Ghost"])
    panel = build_kpi_panel(
        data, kpi="resolution_hours", teams=["A", "B", "Tiny", "E"],
        rollout={"A": dt.date(2026, 4, 1), "B": dt.date(2026, 6, 15), "Tiny": dt.date(2026, 4, 1)},
        headcounts={"A": 20, "B": 12, "C": 30, "D": 9, "Tiny": 3}, min_group_size=5)
    assert panel.treated_teams == ("A", "B")
    assert panel.comparison_teams == ("C", "D")
    assert panel.excluded == {"Tiny": "fewer than 5 people",
                              "Ghost": "not in the roster, so its size cannot be checked"}
    assert "Tiny" not in set(panel.frame["team"]) and "Ghost" not in set(panel.frame["team"])
    f = panel.frame.set_index(["team", "period_start"])
    # A starts in April (4th month of the data), B in June (a mid-month date: June counts)
    assert f.loc[("A", pd.Timestamp(2026, 3, 1)), "treated"] == False  # noqa: E712
    assert f.loc[("A", pd.Timestamp(2026, 4, 1)), "treated"] == True  # noqa: E712
    assert f.loc[("B", pd.Timestamp(2026, 6, 1)), "treated"] == True  # noqa: E712
    assert panel.cohorts == 2
    # first rollout April: January to March before it, April to August from it on
    assert (panel.pre_periods, panel.post_periods) == (3, 5)
    assert panel.missing == []


def test_rollout_after_the_data_is_not_yet_treated_and_until_cuts():
    data = _outcomes(["A", "C", "D", "E"])
    panel = build_kpi_panel(data, kpi="resolution_hours", teams=["A"],
                            rollout={"A": dt.date(2027, 1, 1)},
                            headcounts=dict.fromkeys("ACDE", 10), min_group_size=5,
                            until=dt.date(2026, 5, 31))
    assert panel.treated_teams == () and set(panel.comparison_teams) == {"A", "C", "D", "E"}
    assert panel.frame["period_start"].max() == pd.Timestamp(2026, 5, 1)
    assert panel.missing and "started" in panel.missing[0]


def test_missing_history_time_and_teams():
    data = _outcomes(["A", "C"], months=6)
    short = build_kpi_panel(data, kpi="resolution_hours", teams=["A"],
                            rollout={"A": dt.date(2026, 2, 1)},
                            headcounts={"A": 10, "C": 10}, min_group_size=5)
    assert any("longer history" in m for m in short.missing)
    assert any("more teams" in m for m in short.missing)
    late = build_kpi_panel(data, kpi="resolution_hours", teams=["A"],
                           rollout={"A": dt.date(2026, 6, 1)},
                           headcounts={"A": 10, "C": 10}, min_group_size=5)
    assert any(m.startswith("time: 1 period") for m in late.missing)
    none = build_kpi_panel(data, kpi="other_kpi", teams=["A"], rollout={},
                           headcounts={"A": 10}, min_group_size=5)
    assert none.missing == ["KPI data for the use case's teams"]


def test_n_weighted_monthly_means_of_daily_values():
    rows = pd.DataFrame({"team": ["A", "A", "A"], "period_kind": "day",
                         "period_start": pd.to_datetime(["2026-01-05", "2026-01-20",
                                                         "2026-02-03"]),
                         "kpi": "csat", "value": [4.0, 5.0, 3.0], "unit": "points",
                         "n": [10, 30, 5]})
    panel = build_kpi_panel(rows, kpi="csat", teams=[], rollout={}, headcounts={"A": 10},
                            min_group_size=5)
    # January: (4 x 10 + 5 x 30) / 40 = 4.75
    assert panel.period_kind == "month"
    assert panel.frame["value"].tolist() == [4.75, 3.0]


def test_organisation_wide_rows_belong_only_to_a_use_case_of_every_team():
    # GitHub's pull-request figures come as "(organisation)" rows
    # (adoption.vendors.github_pr.load_github_pr_kpis)
    data = _outcomes(["(organisation)"], kpi="pr_median_minutes_to_merge")
    heads = {"A": 10, "B": 12}
    rollout = {"A": dt.date(2026, 5, 1), "B": dt.date(2026, 4, 1)}
    every = build_kpi_panel(data, kpi="pr_median_minutes_to_merge", teams=["A", "B"],
                            rollout=rollout, headcounts=heads, min_group_size=5, all_teams=True)
    # one unit, started with the first team (April, the 4th month), no comparison unit
    assert every.treated_teams == ("(organisation)",) and every.comparison_teams == ()
    assert every.frame.loc[every.frame["treated"], "period_start"].min() == pd.Timestamp(2026, 4, 1)
    assert every.missing == []
    some = build_kpi_panel(data, kpi="pr_median_minutes_to_merge", teams=["A"],
                           rollout=rollout, headcounts=heads, min_group_size=5)
    assert some.frame.empty and "(organisation)" in some.excluded
    mixed = build_kpi_panel(pd.concat([data, _outcomes(["A", "B"], kpi="pr_median_minutes_to_merge")]),
                            kpi="pr_median_minutes_to_merge", teams=["A", "B"], rollout=rollout,
                            headcounts=heads, min_group_size=5, all_teams=True)
    assert "(organisation)" in mixed.excluded and set(mixed.treated_teams) == {"A", "B"}
