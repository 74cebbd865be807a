"""Privacy of every survey output: no small group shown, nothing hidden recoverable."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sentiment_report import TEAMS, fill_store
from test_survey_metrics import make_responses

import adoption
from adoption.surveys import report as sr
from adoption.surveys import report_captions as captions
from adoption.surveys import report_figures as figures
from adoption.surveys import report_tables as tables
from adoption.surveys.activity import QUADRANTS, sentiment_by_activity
from adoption.surveys.change import adkar_barrier, compute_wave_change
from adoption.surveys.comments import count_themes, select_comments
from adoption.surveys.counts import compute_nps, response_rates
from adoption.surveys.metrics import score_constructs, summarise_sentiment


def check_table(out: pd.DataFrame, truth: dict[tuple[str, str], int], k: int, *,
                size: str, within: list[str]) -> None:
    """The privacy properties of one protected table, against the true team sizes.

    1. no published row covers fewer than ``k`` people (or shows a figure when hidden);
    2. a published parent hides either none of its children or at least two that together
       hold at least ``k`` people (parent minus published children is a sum over >= 2
       hidden groups of >= k people, never one group's figure);
    3. a hidden parent has a hidden child (it cannot be rebuilt by adding up children).
    """
    depts = sorted({d for d, _ in truth})
    for _, g in out.groupby(within, dropna=False) if within else [(None, out)]:
        hidden = g["suppressed"].astype(bool)
        shown = g[~hidden]
        assert (shown[size].isna() | (shown[size] == 0) | (shown[size] >= k)).all()
        assert g.loc[hidden, size].isna().all()
        teams = g[g["level"] == "team"] if "level" in g else g[g["team"].notna()]
        for dept in [None, *depts]:
            if dept is None:
                parent = g[g["department"].isna()]
                kids = g[g["department"].notna() & g["team"].isna()]
                true = {d: sum(n for (dd, _), n in truth.items() if dd == d)
                        for d in kids["department"]}
                kid_names = kids["department"]
            else:
                parent = g[(g["department"] == dept) & g["team"].isna()]
                kids = teams[teams["department"] == dept]
                true = {t: truth[(dept, t)] for t in kids["team"]}
                kid_names = kids["team"]
            if parent.empty or kids.empty:
                continue
            hid = [name for name, h in zip(kid_names, kids["suppressed"].astype(bool),
                                           strict=True) if h]
            if bool(parent["suppressed"].iloc[0]):
                assert hid, "a hidden parent must have a hidden child"
                continue
            assert not hid or (len(hid) >= 2 and sum(true[h] for h in hid) >= k)
            # the published parent minus its published children is the hidden total
            shown_sum = kids.loc[~kids["suppressed"].astype(bool), size].sum()
            assert parent[size].iloc[0] - shown_sum == sum(true[h] for h in hid)


sizes = st.lists(st.integers(1, 9), min_size=1, max_size=4)
org = st.lists(sizes, min_size=1, max_size=3)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(depts=org, k=st.sampled_from([3, 5]), seed=st.integers(0, 1000))
def test_property_no_small_group_in_any_survey_table(depts, k, seed):
    truth = {(f"D{d}", f"T{d}{t}"): n for d, teams in enumerate(depts)
             for t, n in enumerate(teams)}
    r = make_responses(teams=truth, waves=("2026-03", "2026-06"), seed=seed)
    now = r[r["wave"] == "2026-06"]
    scores = score_constructs(r)
    scores_now = scores[scores["wave"] == "2026-06"]
    summary = summarise_sentiment(scores_now, min_group_size=k)
    check_table(summary, truth, k, size="n", within=["wave", "construct"])
    check_table(compute_nps(now, min_group_size=k), truth, k, size="n",
                within=["wave", "item_id"])
    respondents = now.drop_duplicates("respondent_id")
    headcount = pd.DataFrame([{"department": d, "team": t, "headcount": n + 2}
                              for (d, t), n in truth.items()])
    check_table(response_rates(respondents, headcount, min_group_size=k), truth, k,
                size="respondents", within=["wave"])
    comments = respondents.assign(text="more training please")
    check_table(count_themes(comments, respondents, min_group_size=k), truth, k,
                size="respondents", within=["wave", "theme"])
    # the change table hides a team too small in either wave, with its complements
    change = compute_wave_change(scores, wave="2026-06", comparison_wave="2026-03",
                                 min_group_size=k)
    small = {t for (_, t), n in truth.items() if n < k}
    assert change.loc[change["team"].isin(small), "suppressed"].all()
    assert change.loc[change["suppressed"], ["n_after", "estimate", "p_value"]].isna().all(
        ).all()
    barrier = adkar_barrier(summary)
    assert barrier.loc[barrier["team"].isin(small), "barrier"].isna().all()
    shown = select_comments(comments, respondents, min_group_size=k)
    assert not set(shown["team"]) & small
    hidden_teams = set(summary.loc[(summary["level"] == "team") & summary["suppressed"],
                                   "team"])
    assert not set(shown["team"]) & hidden_teams
    # active versus inactive: both groups and the difference hidden if one is small
    active = pd.DataFrame({"person_id": respondents["person_id"].iloc[: len(respondents) // 3]})
    act = sentiment_by_activity(scores_now, active, min_group_size=k)
    n_active = len(active)
    n_inactive = len(respondents) - n_active
    if 0 < min(n_active, n_inactive) < k:
        assert act["suppressed"].all() and act["mean_active"].isna().all()
        assert act["mean_inactive"].isna().all() and act["estimate_difference"].isna().all()
    if len(respondents) >= k:
        assert act["estimate"].notna().all()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    ws = adoption.init_workspace(tmp_path_factory.mktemp("priv") / "ws",
                                 adoption.Settings(keep_names=True))
    fill_store(ws)
    return sr.build_sentiment_report(ws, wave="2026-06", comparison_wave="2026-03")


HIDDEN = ("Tiny", "Gamma")  # Tiny has 3 respondents; Gamma hidden to protect it


@pytest.mark.parametrize("name", [
    "format_headline_table", "format_construct_table", "format_barrier_table",
    "format_change_table", "format_activity_table", "format_reliability_table",
    "format_theme_table", "format_comments_table",
])
def test_no_hidden_team_in_any_display_table(report, name):
    html = getattr(tables, name)(report).to_html()
    for team in HIDDEN:
        assert team not in html
    assert "@example.com" not in html


def test_no_hidden_team_in_any_caption_or_figure(report):
    text = " ".join(getattr(captions, f)(report) for f in (
        "describe_headline", "describe_barriers", "describe_change", "describe_activity",
        "describe_quadrant", "describe_themes", "describe_how_to_read"))
    for team in HIDDEN:
        assert team not in text
    ax = figures.plot_sentiment_quadrant(report.quadrant)
    corners = {q[0].upper() + q[1:] for q in QUADRANTS.values()}  # the quadrants' names
    labels = {t.get_text() for t in ax.texts} - corners
    assert labels == {t for (_, t), (_, n) in TEAMS.items() if t not in HIDDEN}
    figures.plot_stage_profile(report)
    plt.close("all")
