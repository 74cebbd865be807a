"""compute_adoption_change: paired change in penetration, McNemar, Newcombe, Benjamini-Hochberg."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from adoption.errors import ColumnNotFoundError, InputError, SmallGroupWarning
from adoption.metrics import compute_adoption_change, paired_difference_interval
from adoption.metrics.change import CHANGE_COLUMNS

# department, team: cells (a, b, c, d) = (active both periods, active only in February,
# active only in January, active in neither); January is the comparison period.
CELLS = {
    ("Eng", "X"): (3, 4, 1, 2),
    ("Eng", "Y"): (1, 20, 8, 1),
    ("Sales", "W"): (2, 1, 1, 4),
    ("Sales", "Z"): (2, 2, 0, 2),
}


def _people(cells=CELLS) -> pd.DataFrame:
    """Person-period rows for January and February from the paired cells, plus unpaired people."""
    rows = []
    for (dept, team), counts in cells.items():
        states = [(True, True)] * counts[0] + [(True, False)] * counts[1] + \
            [(False, True)] * counts[2] + [(False, False)] * counts[3]
        for i, (feb, jan) in enumerate(states):
            pid = f"{team}{i}"
            # Y0 moved from X in February: counted in Y, the team in the period of interest
            jan_team = "X" if pid == "Y0" else team
            rows.append(("2026-01", pid, dept, jan_team, jan))
            rows.append(("2026-02", pid, dept, team, feb))
    # a joiner (February only) and a leaver (January only) are not paired: they change nothing
    rows.append(("2026-02", "joiner", "Eng", "X", True))
    rows.append(("2026-01", "leaver", "Eng", "X", True))
    df = pd.DataFrame(rows, columns=["period", "person_id", "department", "team", "is_active"])
    df["period_start"] = pd.to_datetime(df["period"] + "-01")
    df["days_in_period"] = np.where(df["period"] == "2026-01", 31, 28)
    df["active_days"] = df["is_active"].astype(int)
    return df


@pytest.fixture
def people() -> pd.DataFrame:
    return _people()


def _row(out, team):
    return out[out["team"] == team].iloc[0]


def test_columns_and_keys(people):
    out = compute_adoption_change(people, period="2026-02", comparison_period="2026-01")
    assert list(out.columns) == ["department", "team", *CHANGE_COLUMNS]
    assert out[["department", "team"]].values.tolist() == [
        ["Eng", "X"], ["Eng", "Y"], ["Sales", "W"], ["Sales", "Z"]]
    dept = compute_adoption_change(people, by="department", period="2026-02",
                                   comparison_period="2026-01")
    assert list(dept.columns) == ["department", *CHANGE_COLUMNS]
    org = compute_adoption_change(people, by="organisation", period="2026-02",
                                  comparison_period="2026-01")
    assert list(org.columns) == CHANGE_COLUMNS and len(org) == 1


def test_team_values_by_hand(people):
    out = compute_adoption_change(people, period="2026-02", comparison_period="2026-01")
    x = _row(out, "X")
    # X: a=3, b=4, c=1, d=2 -> n 10; February (3+4)/10 = 0.7; January (3+1)/10 = 0.4
    assert (x.period, x.comparison_period, x.n_paired) == ("2026-02", "2026-01", 10)
    assert x.penetration == pytest.approx(0.7)
    assert x.comparison_penetration == pytest.approx(0.4)
    assert x.difference == pytest.approx(0.3)
    # exact McNemar, 5 discordant pairs: p = 2 * P(Bin(5, 1/2) <= 1) = 2 * (1 + 5) / 32
    assert x.p_value == pytest.approx(12 / 32)
    # Newcombe method 10 (checked against the published table in test_intervals)
    assert_allclose([x.ci_low, x.ci_high], paired_difference_interval(3, 4, 1, 2))

    y = _row(out, "Y")
    # Y (with the mover Y0): a=1, b=20, c=8, d=1 -> n 30; 28 discordant pairs >= 25 so
    # chi-square with continuity correction: (|20 - 8| - 1)² / 28 = 121/28 on 1 df
    assert y.n_paired == 30 and y.difference == pytest.approx(12 / 30)
    assert y.p_value == pytest.approx(stats.chi2.sf(121 / 28, 1))
    assert y.p_value == pytest.approx(0.037635, abs=1e-6)  # chi2.sf(4.3214, 1)
    # statsmodels mcnemar gives the same
    assert y.p_value == pytest.approx(mcnemar([[1, 20], [8, 1]], exact=False).pvalue)

    z = _row(out, "Z")
    # Z: b=2, c=0 -> exact p = 2 * P(Bin(2, 1/2) <= 0) = 2/4
    assert z.p_value == pytest.approx(0.5)
    w = _row(out, "W")
    # W: b=1, c=1 -> 2 * P(Bin(2, 1/2) <= 1) = 1.5, capped at 1
    assert w.p_value == pytest.approx(1.0)


def test_benjamini_hochberg_across_the_table(people):
    out = compute_adoption_change(people, period="2026-02", comparison_period="2026-01")
    # statsmodels multipletests(p, method="fdr_bh") on the published rows
    expected = multipletests(out["p_value"].to_numpy(dtype=float), method="fdr_bh")[1]
    assert_allclose(out["p_value_adjusted"].to_numpy(dtype=float), expected)
    # by hand: p = X .375, Y .0376, W 1, Z .5; ranked .0376 (x4/1 = .1505), .375 (x4/2 = .75),
    # .5 (x4/3 = .667), 1 (x4/4 = 1); step-up minimum from the top: .1505, .667, .667, 1
    assert_allclose(out["p_value_adjusted"], [2 / 3, 4 * stats.chi2.sf(121 / 28, 1), 1.0, 2 / 3])
    assert out["is_beyond_noise"].tolist() == [False, False, False, False]


def test_department_and_organisation_rows(people):
    dept = compute_adoption_change(people, by="department", period="2026-02",
                                   comparison_period="2026-01")
    eng = dept[dept["department"] == "Eng"].iloc[0]
    # Eng = X + Y: a=4, b=24, c=9, d=3, n=40; (|24-9|-1)²/33 = 196/33
    assert eng.n_paired == 40
    assert eng.p_value == pytest.approx(stats.chi2.sf(196 / 33, 1))
    sales = dept[dept["department"] == "Sales"].iloc[0]
    # Sales = W + Z: b=3, c=1 -> exact 2 * P(Bin(4, 1/2) <= 1) = 2 * 5/16
    assert sales.p_value == pytest.approx(10 / 16)
    # BH over two rows: Eng .0148 x 2 = .0297 < .05 -> beyond noise; Sales .625
    assert eng.p_value_adjusted == pytest.approx(2 * stats.chi2.sf(196 / 33, 1))
    assert bool(eng.is_beyond_noise) and not bool(sales.is_beyond_noise)
    org = compute_adoption_change(people, by="organisation", period="2026-02",
                                  comparison_period="2026-01").iloc[0]
    # all: a=8, b=27, c=10, d=9 (n 54); one row -> adjusted = raw
    assert org.n_paired == 54
    assert org.p_value == pytest.approx(stats.chi2.sf(16**2 / 37, 1))
    assert org.p_value_adjusted == pytest.approx(org.p_value)


def test_small_groups_suppressed_with_complement(people):
    out = compute_adoption_change(people, period="2026-02", comparison_period="2026-01",
                                  min_group_size=7)
    # Z has 6 paired people (< 7): hidden; W (8) hidden with it so that Z cannot be worked
    # out from Sales (14, published); X and Y published
    assert out["suppressed"].tolist() == [False, False, True, True]
    z = _row(out, "Z")
    assert z.suppression_reason == "fewer than 7 people"
    hidden = ["n_paired", "penetration", "comparison_penetration", "difference", "ci_low",
              "ci_high", "p_value", "p_value_adjusted", "is_beyond_noise"]
    assert out.loc[out.suppressed, hidden].isna().all().all()
    # BH only over the two published rows: X .375, Y .0376 -> Y .0753, X .375
    assert_allclose(out.loc[~out.suppressed, "p_value_adjusted"],
                    [0.375, 2 * stats.chi2.sf(121 / 28, 1)])


def test_all_hidden_warns_once(people):
    with pytest.warns(SmallGroupWarning) as record:
        compute_adoption_change(people, period="2026-02", comparison_period="2026-01",
                                min_group_size=60)
    assert len(record) == 1


def test_no_mutation_and_row_order(people):
    before = people.copy(deep=True)
    out = compute_adoption_change(people, period="2026-02", comparison_period="2026-01")
    pd.testing.assert_frame_equal(people, before)
    shuffled = people.sample(frac=1, random_state=11)
    pd.testing.assert_frame_equal(
        compute_adoption_change(shuffled, period="2026-02", comparison_period="2026-01"), out)


def test_swapping_periods_flips_the_difference(people):
    fwd = compute_adoption_change(people, by="organisation", period="2026-02",
                                  comparison_period="2026-01").iloc[0]
    back = compute_adoption_change(people, by="organisation", period="2026-01",
                                   comparison_period="2026-02").iloc[0]
    assert back.difference == pytest.approx(-fwd.difference)
    assert back.p_value == pytest.approx(fwd.p_value)
    assert_allclose([back.ci_low, back.ci_high], [-fwd.ci_high, -fwd.ci_low])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"period": "2026-03", "comparison_period": "2026-01"}, "period '2026-03' is not"),
        ({"period": "2026-02", "comparison_period": "2025-12"}, "comparison_period '2025-12'"),
        ({"period": "2026-02", "comparison_period": "2026-02"}, "both '2026-02'"),
        ({"period": "2026-02", "comparison_period": "2026-01", "by": "tribe"}, "allowed"),
        ({"period": "2026-02", "comparison_period": "2026-01", "min_group_size": 1}, "at least 3"),
    ],
)
def test_bad_arguments_raise(people, kwargs, match):
    with pytest.raises(InputError, match=match):
        compute_adoption_change(people, **kwargs)


def test_missing_column_raises(people):
    with pytest.raises(ColumnNotFoundError, match="is_active"):
        compute_adoption_change(people.drop(columns="is_active"), period="2026-02",
                                comparison_period="2026-01")


def test_beyond_noise_only_beside_an_interval_without_0(people, monkeypatch):
    # issue 12: the verdict shown beside an interval never contradicts it. McNemar's test and
    # Newcombe's interval agree on every table searched (a, d < 40, b, c < 40); should they
    # ever disagree, the interval wins: here it is forced to hold 0 for every row
    dept = compute_adoption_change(people, by="department", period="2026-02",
                                   comparison_period="2026-01")
    assert bool(dept.loc[dept["department"] == "Eng", "is_beyond_noise"].iloc[0])  # as above
    import adoption.metrics.change as change

    def holding_0(a, b, c, d, *, confidence):
        return -np.ones(len(a)), np.ones(len(a))

    monkeypatch.setattr(change, "paired_difference_interval", holding_0)
    dept = compute_adoption_change(people, by="department", period="2026-02",
                                   comparison_period="2026-01")
    eng = dept[dept["department"] == "Eng"].iloc[0]
    assert eng.p_value_adjusted < 0.05 and not bool(eng.is_beyond_noise)
