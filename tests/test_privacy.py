"""Small-group suppression: primary, complementary, and that nothing hidden can be recovered."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adoption.errors import ColumnNotFoundError, InputError
from adoption.metrics.adoption import _all_levels
from adoption.privacy import check_min_group_size, suppress_small_groups

COUNTS = ["headcount", "active_users"]


def hierarchy_table(departments: dict[str, dict[str, tuple[int, int]]], period="P") -> pd.DataFrame:
    """Rows of all levels: {department: {team: (headcount, active_users)}} summed upwards."""
    rows = []
    for dept, teams in departments.items():
        for team, (n, a) in teams.items():
            rows.append((period, dept, team, n, a))
        rows.append((period, dept, None, sum(v[0] for v in teams.values()),
                     sum(v[1] for v in teams.values())))
    rows.append((period, None, None, sum(r[3] for r in rows if r[2] is None),
                 sum(r[4] for r in rows if r[2] is None)))
    return pd.DataFrame(rows, columns=["period", "department", "team", *COUNTS])


def _get(out, department, team):
    d = out["department"].isna() if department is None else out["department"] == department
    t = out["team"].isna() if team is None else out["team"] == team
    hit = out[d & t]
    assert len(hit) == 1
    return hit.iloc[0]


# ---------------------------------------------------------------- threshold


@pytest.mark.parametrize("bad", [2, 0, -5, 2.5, 5.0, True, "5", None])
def test_min_group_size_below_floor_or_not_whole_raises(bad):
    with pytest.raises(InputError, match="at least 3"):
        check_min_group_size(bad)


def test_min_group_size_at_floor_is_allowed():
    check_min_group_size(3)
    check_min_group_size(np.int64(10))


# ---------------------------------------------------------------- rules by example


def test_tiny_team_is_hidden_and_forces_one_sibling():
    table = hierarchy_table({"Sales": {"x": (3, 1), "y": (12, 4), "z": (15, 5)}})
    out = suppress_small_groups(table)
    x, y, z = (_get(out, "Sales", t) for t in "xyz")
    assert x.suppressed and x.suppression_reason == "fewer than 5 people"
    # one hidden team alone could be worked out as department - published teams: the smallest
    # published sibling (y, 12) is hidden too; hidden 3 + 12 = 15 >= 5 people over two teams
    assert y.suppressed and y.suppression_reason == (
        "hidden so that a smaller team in Sales cannot be worked out from the department total")
    assert not z.suppressed and z.headcount == 15
    assert pd.isna(x.headcount) and pd.isna(x.active_users) and pd.isna(y.active_users)
    assert not _get(out, "Sales", None).suppressed


def test_two_hidden_teams_together_below_threshold_force_a_third():
    table = hierarchy_table({"D": {"a": (1, 0), "b": (2, 1), "c": (6, 2), "d": (9, 3)}})
    out = suppress_small_groups(table)
    # a (1) and b (2) are primary; together 3 < 5 people -> c (6) hidden too; d published
    assert out.loc[out.team.notna(), "suppressed"].tolist() == [True, True, True, False]


def test_hidden_department_hides_teams_that_would_rebuild_it():
    table = hierarchy_table({"A": {"x": (12, 3), "y": (18, 4)}, "B": {"z": (3, 1)}})
    out = suppress_small_groups(table)
    # B (3) primary; alone among departments -> A hidden; A's teams would add up to A,
    # so its smallest two teams are hidden as well. Only the organisation (33) is shown.
    assert _get(out, "A", None).suppressed
    assert _get(out, "A", "x").suppression_reason == (
        "hidden so that the hidden department A total cannot be worked out from its teams")
    assert out["suppressed"].sum() == len(out) - 1
    assert _get(out, None, None).headcount == 33


def test_nothing_hidden_when_all_groups_are_large():
    table = hierarchy_table({"A": {"x": (5, 0), "y": (7, 7)}, "B": {"z": (5, 5)}})
    out = suppress_small_groups(table)
    assert not out["suppressed"].any() and out["suppression_reason"].isna().all()
    pd.testing.assert_frame_equal(out.drop(columns=["suppressed", "suppression_reason"]), table)


def test_periods_are_independent_slices():
    table = pd.concat([hierarchy_table({"A": {"x": (3, 1), "y": (9, 1)}}, "P1"),
                       hierarchy_table({"A": {"x": (8, 1), "y": (9, 1)}}, "P2")])
    out = suppress_small_groups(table)
    assert out.loc[out.period == "P1", "suppressed"].sum() == 2
    assert out.loc[out.period == "P2", "suppressed"].sum() == 0


def test_empty_groups_are_left_alone():
    table = hierarchy_table({"A": {"x": (0, 0), "y": (9, 1), "z": (9, 1)}})
    out = suppress_small_groups(table)
    assert not out["suppressed"].any()


def test_denominators_blank_only_their_columns():
    table = hierarchy_table({"A": {"x": (10, 2), "y": (10, 8), "z": (10, 9)}})
    table["share_active"] = table["active_users"] / table["headcount"]
    table["days_per_active"] = 3.0
    out = suppress_small_groups(table, value_columns=[*COUNTS, "share_active", "days_per_active"],
                                denominators={"active_users": ["days_per_active"]})
    assert not out["suppressed"].any()
    x, y, z = (_get(out, "A", t) for t in "xyz")
    # x has 2 active users (< 5): figures over active users hidden; y (8) hidden with it
    assert pd.isna(x.days_per_active) and x.active_users == 2 and x.share_active == 0.2
    assert x.suppression_reason == "figures over active users hidden: fewer than 5 active users"
    assert pd.isna(y.days_per_active) and y.suppression_reason.startswith(
        "figures over active users hidden so that a smaller team in A")
    assert z.days_per_active == 3.0 and pd.isna(z.suppression_reason)


def test_reasons_of_several_denominators_are_joined():
    table = hierarchy_table({"A": {"x": (10, 2), "y": (10, 8), "z": (10, 9)}})
    table["seats"] = table["active_users"]
    table["rate"] = 0.5
    table["mean"] = 1.0
    out = suppress_small_groups(table, denominators={"seats": ["rate"], "active_users": ["mean"]})
    x = _get(out, "A", "x")
    assert x.suppression_reason == ("figures over seats hidden: fewer than 5 seats; "
                                    "figures over active users hidden: fewer than 5 active users")


def test_default_value_columns_are_everything_but_keys():
    table = hierarchy_table({"A": {"x": (2, 1), "y": (9, 1)}})
    table["note"] = "people-derived"
    out = suppress_small_groups(table)
    x = _get(out, "A", "x")
    assert pd.isna(x.note) and pd.isna(x.headcount)
    assert x.period == "P" and x.team == "x"


def test_keeps_index_order_dtypes_and_input():
    table = hierarchy_table({"A": {"x": (2, 1), "y": (9, 1)}, "B": {"z": (20, 2)}})
    table.index = [10 * i for i in range(len(table))]
    table["flag"] = table["headcount"] > 5
    before = table.copy(deep=True)
    out = suppress_small_groups(table)
    pd.testing.assert_frame_equal(table, before)
    assert list(out.index) == list(table.index)
    assert out["headcount"].dtype == "Int64" and out["flag"].dtype == "boolean"
    assert out["suppressed"].dtype == bool


def test_row_order_does_not_matter():
    table = hierarchy_table({"A": {"x": (2, 1), "y": (9, 1), "w": (9, 3)},
                             "B": {"z": (20, 2), "v": (4, 4)}})
    out = suppress_small_groups(table)
    shuffled = table.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(suppress_small_groups(shuffled).loc[out.index], out)


@pytest.mark.parametrize(
    "change, error, match",
    [
        (lambda t: t.drop(columns="headcount"), ColumnNotFoundError, "'headcount' not found"),
        (lambda t: pd.concat([t, t.iloc[:1]]), InputError, "more than one row for the same group"),
        (lambda t: t.assign(department=None), InputError, "not the level above it"),
        (lambda t: t.assign(headcount=t.headcount.astype(float).where(t.index > 0)), InputError,
         "counts >= 0"),
        (lambda t: t.assign(suppressed=False), InputError, "already has"),
    ],
)
def test_bad_tables_raise(change, error, match):
    table = hierarchy_table({"A": {"x": (2, 1), "y": (9, 1)}})
    with pytest.raises(error, match=match):
        suppress_small_groups(change(table))


def test_not_a_frame_raises():
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        suppress_small_groups([{"department": "A", "team": "x", "headcount": 3}])


def test_threshold_below_floor_raises():
    with pytest.raises(InputError, match="at least 3"):
        suppress_small_groups(hierarchy_table({"A": {"x": (2, 1)}}), min_group_size=2)


# ---------------------------------------------------------------- no recovery: properties


def _determined(equations: list[tuple[int, list[int]]], hidden: set[int]) -> set[int]:
    """Hidden cells whose value follows from parent = sum(children) and the published cells."""
    unknown = sorted(hidden)
    col = {u: i for i, u in enumerate(unknown)}
    rows = []
    for parent, children in equations:
        row = np.zeros(len(unknown))
        if parent in col:
            row[col[parent]] += 1
        for c in children:
            if c in col:
                row[col[c]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    found = set()
    for u, i in col.items():
        e = np.zeros(len(unknown))
        e[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            found.add(u)
    return found


def check_no_recovery(out: pd.DataFrame, truth: pd.DataFrame, k: int, counts: list[str]) -> None:
    """The privacy properties, checked per period against the true (unsuppressed) figures.

    ``out`` and ``truth`` are aligned tables holding all levels; ``truth`` has a ``size``.
    """
    # 1. no row of fewer than k people shows any number; hidden rows show nothing at all,
    #    published rows show every count
    small = truth["size"].between(1, k - 1).to_numpy()
    hidden = out["suppressed"].to_numpy(dtype=bool)
    assert hidden[small].all()
    shown_counts = out[counts].notna().to_numpy()
    assert not shown_counts[hidden].any() and shown_counts[~hidden].all()

    dept = out["department"].fillna("").to_numpy(dtype=object)
    depth = out[["department", "team"]].notna().sum(axis=1).to_numpy()
    period = out["period"].to_numpy(dtype=object)
    size = truth["size"].to_numpy()
    values = {c: out[c].to_numpy(dtype=float, na_value=np.nan) for c in counts}
    true = {c: truth[c].to_numpy(dtype=float) for c in counts}
    for p in np.unique(period):
        rows = np.flatnonzero(period == p)
        equations = []
        for parent in rows[depth[rows] < 2]:
            kids = rows[(depth[rows] == depth[parent] + 1)
                        & ((depth[parent] == 0) | (dept[rows] == dept[parent]))]
            hid = kids[hidden[kids]]
            equations.append((parent, list(kids)))
            if hidden[parent]:
                # 2. a hidden parent cannot be rebuilt by adding up its published children
                assert hid.size or not kids.size
                continue
            # 3. published parent: hidden children none, or at least two covering >= k people
            assert hid.size == 0 or (hid.size >= 2 and size[hid].sum() >= k)
            # ... and parent - published children is exactly the hidden children's total
            for c in counts:
                shown = values[c][kids[~hidden[kids]]].sum()
                assert values[c][parent] - shown == true[c][hid].sum()
        # 4. no hidden figure follows exactly from the published ones (any count column)
        assert _determined(equations, set(rows[hidden[rows]])) == set()


team_sizes = st.lists(st.integers(1, 30), min_size=1, max_size=5)
roster = st.lists(team_sizes, min_size=1, max_size=4)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(periods=st.lists(roster, min_size=1, max_size=2), k=st.sampled_from([3, 5, 10]),
       seed=st.integers(0, 2**16))
def test_property_nothing_hidden_can_be_recovered(periods, k, seed):
    rng = np.random.default_rng(seed)
    frames = []
    for p, depts in enumerate(periods):
        spec = {f"D{d}": {f"T{j}": (n, int(rng.integers(0, n + 1))) for j, n in enumerate(sizes)}
                for d, sizes in enumerate(depts)}
        frames.append(hierarchy_table(spec, period=f"P{p}"))
    truth = pd.concat(frames, ignore_index=True)
    out = suppress_small_groups(truth, min_group_size=k)
    check_no_recovery(out, truth.assign(size=truth["headcount"]), k, COUNTS)


# ---------------------------------------------------------------- end to end: adoption tables


def _person_periods(depts: list[list[int]], rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for d, sizes in enumerate(depts):
        for t, n in enumerate(sizes):
            for i in range(n):
                seat = bool(rng.random() < 0.7)
                days = int(rng.integers(1, 20)) if rng.random() < 0.6 else 0
                rows.append((f"p{d}-{t}-{i}", f"D{d}", f"T{t}", seat, days, 3 * days,
                             bool(days and rng.random() < 0.3), bool(rng.random() < 0.4)))
    df = pd.DataFrame(rows, columns=["person_id", "department", "team", "has_seat",
                                     "active_days", "events", "is_new", "was_active_prev"])
    return df.assign(period="2026-03", period_start=pd.Timestamp("2026-03-01"),
                     period_end=pd.Timestamp("2026-03-31"), days_in_period=31,
                     is_active=df["active_days"] > 0, in_prev_population=True)


ADOPTION_COUNTS = ["headcount", "active_users", "unknown_users", "active_users_upper",
                   "new_users", "returning_users", "lapsed_users"]


def _true_counts(data: pd.DataFrame) -> pd.DataFrame:
    """The unsuppressed counts of every level, straight from the roster."""
    people = pd.DataFrame({
        "department": data["department"], "team": data["team"], "headcount": 1,
        "seats": data["has_seat"], "active_users": data["is_active"],
        "new_users": data["is_new"] & data["is_active"],
        "returning_users": ~data["is_new"] & data["is_active"],
        "lapsed_users": data["was_active_prev"] & ~data["is_active"],
        "unknown_users": 0, "active_users_upper": data["is_active"],
    })
    cols = [*ADOPTION_COUNTS, "seats"]
    levels = [people[cols].sum().to_frame().T,
              people.groupby("department")[cols].sum().reset_index(),
              people.groupby(["department", "team"])[cols].sum().reset_index()]
    truth = pd.concat(levels, ignore_index=True)
    return truth.assign(size=truth["headcount"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depts=roster, k=st.sampled_from([3, 5]), seed=st.integers(0, 2**16))
def test_property_adoption_tables_reveal_no_small_group(depts, k, seed):
    data = _person_periods(depts, np.random.default_rng(seed))
    # all three levels of compute_adoption_metrics as published together (one call)
    out = _all_levels(data, min_group_size=k, confidence=0.95)
    truth = out[["department", "team"]].merge(_true_counts(data), how="left",
                                              on=["department", "team"], validate="one_to_one")
    assert truth["size"].notna().all()
    check_no_recovery(out, truth, k, ADOPTION_COUNTS)
    # rates over their own small denominators are hidden too, and so is the denominator
    small_seats = truth["seats"].between(1, k - 1).to_numpy()
    assert out.loc[small_seats, ["activation_rate", "seats"]].isna().all().all()
    # ... and no hidden seat count follows from the published ones (parent = sum of children)
    hidden_seats = out["seats"].isna().to_numpy()
    depth = out[["department", "team"]].notna().sum(axis=1).to_numpy()
    dept = out["department"].fillna("").to_numpy(dtype=object)
    rows = np.arange(len(out))
    equations = [(p, list(rows[(depth == depth[p] + 1) & ((depth[p] == 0) | (dept == dept[p]))]))
                 for p in rows[depth < 2]]
    assert _determined(equations, set(rows[hidden_seats])) == set()
    assert out.loc[truth["active_users"].between(1, k - 1).to_numpy(),
                   "active_days_per_user"].isna().all()


# ---------------------------------------------------------------- the same, in the report HTML


class _Cells(HTMLParser):
    """The text of every row of an HTML table (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _number(text: str) -> float:
    """The first count a cell shows ("1,204", "12 to 14"), or NaN when it shows none."""
    m = re.match(r"^(\d[\d,]*)", text)
    return float(m.group(1).replace(",", "")) if m else np.nan


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depts=roster, k=st.sampled_from([3, 5]), seed=st.integers(0, 2**16))
def test_property_team_table_html_reveals_no_hidden_figure(depts, k, seed):
    """The report's team table, as HTML, read back cell by cell: with the department and
    organisation figures the report publishes beside it, no hidden figure can be worked out."""
    from types import SimpleNamespace

    from adoption.report.tables import format_team_table

    data = _person_periods(depts, np.random.default_rng(seed))
    out = _all_levels(data, min_group_size=k, confidence=0.95)
    teams = out[out["team"].notna()].reset_index(drop=True)
    report = SimpleNamespace(teams=teams, counted="any AI tool", comparison_period=None,
                             comparison_title=None, captions={})
    parser = _Cells()
    parser.feed(format_team_table(report).to_html())
    header, *body = parser.rows
    shown = pd.DataFrame(body, columns=header)
    assert len(shown) == len(teams)
    html = pd.DataFrame({
        "department": shown["Department"], "team": shown["Team"], "period": teams["period"],
        "headcount": shown["People"].map(_number),
        "active_users": shown["Active on any AI tool"].map(_number),
        "seats": shown["With a seat"].map(_number),
        "suppressed": shown["People"].str.startswith("hidden"),
    })
    # the HTML shows exactly the published team figures, nothing of a hidden team
    assert (html["suppressed"].to_numpy() == teams["suppressed"].astype(bool).to_numpy()).all()
    for col in ("headcount", "active_users", "seats"):
        assert html[col].equals(teams[col].astype(float)), col
    assert not shown.loc[html["suppressed"], shown.columns[3:]].apply(
        lambda c: c.str.contains(r"\d")).any().any()
    # what a reader has: the HTML's teams plus the organisation and department rows
    published = pd.concat([out[out["team"].isna()], html], ignore_index=True)
    truth = published[["department", "team"]].merge(_true_counts(data), how="left",
                                                    on=["department", "team"],
                                                    validate="one_to_one")
    check_no_recovery(published, truth, k, ["headcount", "active_users"])
    depth = published[["department", "team"]].notna().sum(axis=1).to_numpy()
    dept = published["department"].fillna("").to_numpy(dtype=object)
    rows = np.arange(len(published))
    equations = [(p, list(rows[(depth == depth[p] + 1) & ((depth[p] == 0) | (dept == dept[p]))]))
                 for p in rows[depth < 2]]
    assert _determined(equations, set(rows[published["seats"].isna().to_numpy()])) == set()
