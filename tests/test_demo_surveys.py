"""Tests of the demo's survey waves (``adoption.demo.surveys``): files, counts and story.

A small demo organisation (600 people) is written and its rosters and survey exports are
ingested through the normal path, without options; the story must show in raw means.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

import adoption
from adoption.demo import write_demo_files
from adoption.demo.surveys import (
    KNOWLEDGE_STUCK_TEAM,
    SENTIMENT_DROP_TEAM,
    TINY_TEAM,
    WAVE_DATES,
)
from adoption.ingest import ingest_files
from adoption.surveys.data import load_headcount, load_respondents, load_responses

# default wave names: the month of the median response and the instrument
WAVES = ("2026-03_ai_adoption_pulse", "2026-06_ai_adoption_pulse", "2026-09_ai_adoption_pulse")
SURVEY_FILES = ("survey_2026-03_qualtrics.csv", "survey_2026-06_surveymonkey.csv",
                "survey_2026-09_forms.xlsx")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo_surveys")
    files = write_demo_files(root / "inbox", people=600)
    ws = adoption.init_workspace(root / "ws", adoption.Settings(time_zone="Europe/Berlin"))
    keep = [f for f in files if f.name.startswith(("roster_", "survey_"))]
    results = ingest_files(ws, keep)
    return files, ws, results


@pytest.fixture(scope="module")
def scores(demo) -> pd.DataFrame:
    """One row per answer with team, construct and the favourable-direction value.

    Teams come from load_responses: the reader stages keyed hashes only, and a respondent's
    team on the wave date is taken from the canonical layer when the survey is read.
    """
    _, ws, _ = demo
    r = load_responses(ws)
    score = r["value"].where(~r["reverse"], r["scale_min"] + r["scale_max"] - r["value"])
    return r.assign(score=score)[["wave", "team", "person_id", "respondent_id", "construct",
                                  "kind", "score"]]


def _means(scores: pd.DataFrame, team: str) -> pd.DataFrame:
    sub = scores[scores["team"] == team]
    return sub.groupby(["construct", "wave"])["score"].mean().unstack()


def test_three_waves_in_two_or_more_formats_ingest_without_options(demo):
    files, ws, results = demo
    names = [f.name for f in files]
    for name in SURVEY_FILES:
        assert name in names
    surveys = [r for r in results if r.kind == "survey"]
    assert [r.format for r in surveys] == ["qualtrics_csv", "surveymonkey_csv",
                                           "microsoft_forms_xlsx"]
    for r in surveys:
        assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_duplicate
    q, sm, forms = surveys
    # Qualtrics: a preview, a test and an empty partial rejected, one earlier duplicate
    assert (q.rows_rejected, q.rows_duplicate) == (3, 1)
    assert "1 partial responses kept" in q.note
    assert (sm.rows_rejected, sm.rows_duplicate) == (0, 1)
    # (whether respondents are in the roster is decided when read: see below)
    assert (forms.rows_rejected, forms.rows_duplicate) == (0, 0)
    with ws.store(read_only=True) as store:
        waves = store.con.execute(
            "SELECT wave, wave_date, responses FROM survey_waves ORDER BY wave").fetchall()
        assert [w for w, _, _ in waves] == list(WAVES)
        assert [d for _, d, _ in waves] == list(WAVE_DATES)
        assert [n for _, _, n in waves] == [r.rows_loaded for r in surveys]
        # every respondent resolves to a person in a team on the wave date, but for the
        # contractor who answered wave 2 (kept, unmatched, no team); resolved when read
        respondents = load_respondents(store)
        unmatched = respondents[~respondents["matched"]]
        assert list(zip(unmatched["wave"], unmatched["team"], strict=True)) == [
            (WAVES[1], "(no team)")]
        for wave, day in zip(WAVES, WAVE_DATES, strict=True):
            employed = int(load_headcount(store, day)["headcount"].sum())
            answered = store.con.execute(
                "SELECT count(*) FROM survey_respondents WHERE wave = ?", [wave]).fetchone()[0]
            assert 0.55 <= answered / employed <= 0.65, (wave, answered, employed)


def test_knowledge_stuck_team(scores):
    m = _means(scores, KNOWLEDGE_STUCK_TEAM)
    for wave in WAVES:
        assert m.loc["awareness", wave] >= 3.9 and m.loc["desire", wave] >= 3.9
        assert m.loc["knowledge", wave] <= 2.7
        assert m.loc["awareness", wave] - m.loc["knowledge", wave] >= 1.2


def test_sentiment_drop_team(scores):
    m = _means(scores, SENTIMENT_DROP_TEAM)
    assert m.loc["usefulness", WAVES[1]] - m.loc["usefulness", WAVES[2]] >= 1.0
    assert m.loc["nps", WAVES[1]] - m.loc["nps", WAVES[2]] >= 2.0
    org = scores[scores["team"] != SENTIMENT_DROP_TEAM]
    org_m = org.groupby(["construct", "wave"])["score"].mean().unstack()
    # the rest of the organisation does not drop
    assert org_m.loc["usefulness", WAVES[2]] >= org_m.loc["usefulness", WAVES[1]] - 0.15


def test_tiny_team_answers_but_stays_small(scores):
    tiny = scores[scores["team"] == TINY_TEAM]
    per_wave = tiny.groupby("wave")["respondent_id"].nunique()
    assert per_wave.reindex(list(WAVES)).tolist() == [3, 3, 3]
    assert tiny["score"].notna().all() and len(tiny) > 3 * 3 * 10


def test_active_users_feel_somewhat_better(demo, scores):
    files, ws, _ = demo
    csv_path = next(f for f in files if f.name.startswith("usage_") and f.suffix == ".csv")
    pq_path = next(f for f in files if f.suffix == ".parquet")
    events = pd.concat([pd.read_csv(csv_path, sep=";", dtype=str, keep_default_na=False),
                        pd.read_parquet(pq_path, columns=["timestamp", "email"])])
    instant = pd.to_datetime(events["timestamp"], errors="coerce", utc=True, format="ISO8601")
    events = events.assign(day=instant.dt.tz_convert("Europe/Berlin").dt.date,
                           email=events["email"].str.strip().str.lower())
    likert = scores[scores["kind"] == "likert"]
    gaps = []
    for wave, day in zip(WAVES, WAVE_DATES, strict=True):
        window = events[(events["day"] < day)
                        & (events["day"] >= day - pd.Timedelta(days=30))]
        active_ids = set(ws.pseudonymise(sorted(set(window["email"]) - {""})))
        sub = likert[likert["wave"] == wave]
        is_active = sub["person_id"].isin(active_ids)
        assert sub.loc[is_active, "respondent_id"].nunique() >= 30
        gaps.append(sub.loc[is_active, "score"].mean() - sub.loc[~is_active, "score"].mean())
    assert all(0.15 <= g <= 1.0 for g in gaps), gaps


def test_comments_carry_identifiers_and_non_ascii_for_redaction(demo):
    files, ws, _ = demo
    with ws.store(read_only=True) as store:
        texts = [t for (t,) in store.con.execute("SELECT text FROM survey_comments").fetchall()]
        names = [n for (n,) in store.con.execute(
            "SELECT DISTINCT item_id FROM survey_comments").fetchall()]
    assert set(names) == {"cm_change", "cm_helps"}
    joined = "\n".join(texts)
    assert "@" in joined and "+49 30" in joined and "+44 20" in joined  # e-mails, phones
    assert any(ch in joined for ch in "ëãü")
    roster = pd.read_csv(next(f for f in files if f.name.startswith("roster_")), dtype=str)
    assert sum(name in joined for name in roster["name"]) >= 5  # roster names embedded


def test_colleagues_named_alone_are_redacted_from_the_reports_comments(demo):
    """The demo's comments name colleagues by first name alone ("Zoë's lunch-and-learn
    sessions") or last name alone ("Müller's cheat sheet"). The report said no one is named
    but printed them: only full names (when names are kept) and first-name-and-surname pairs
    were redacted. The roster's name tokens (keyed hashes, kept though this workspace keeps
    no names) now redact them."""
    from adoption.privacy import NameTokens, name_tokens
    from adoption.surveys.comments import select_comments
    from adoption.surveys.data import load_comments, load_name_tokens
    from adoption.surveys.report import build_sentiment_report

    files, ws, _ = demo
    assert not ws.settings.keep_names
    roster = pd.concat([pd.read_csv(f, dtype=str) for f in files
                        if f.name.startswith("roster_")])
    names = {t for n in roster["name"] for t in name_tokens(n)}
    with ws.store(read_only=True) as store:
        comments = load_comments(store)
        respondents = load_respondents(store)
        tokens = NameTokens(load_name_tokens(store), ws.pseudonymise)
    raw = comments[comments["text"].str.contains("lunch-and-learn|cheat sheet")]
    assert len(raw) >= 10  # hand check of the demo's comment pool: 2 of 10 "helps" texts

    def named(text: str) -> set[str]:  # roster name tokens written with a capital
        return {w.casefold() for w in re.findall(r"[^\W\d_]+", text)
                if w[0].isupper()} & names

    assert all(named(t) for t in raw["text"])  # each names a colleague of the roster
    # every comment of every published team, as the report redacts them
    shown = select_comments(comments, respondents, name_tokens=tokens, min_group_size=5,
                            per_team=10_000)
    picked = shown[shown["text"].str.contains("lunch-and-learn|cheat sheet")]
    assert len(picked) >= 10
    assert picked["text"].str.contains(r"\[name\]'s (?:lunch-and-learn|cheat sheet)").all()
    assert not any(named(t) for t in shown["text"])
    # and the sentiment report itself
    report = build_sentiment_report(ws)
    assert not any(named(t) for t in report.comments["text"])


def test_survey_files_are_deterministic(demo, tmp_path):
    files, _, _ = demo
    again = write_demo_files(tmp_path / "again", people=600)

    def digest(paths: list[Path], name: str) -> str:
        return hashlib.sha256(next(p for p in paths if p.name == name).read_bytes()).hexdigest()

    for name in SURVEY_FILES[:2]:  # (the workbook embeds its creation time)
        assert digest(files, name) == digest(again, name), name
    old = pd.read_excel(next(p for p in files if p.name == SURVEY_FILES[2]))
    new = pd.read_excel(next(p for p in again if p.name == SURVEY_FILES[2]))
    pd.testing.assert_frame_equal(old, new)
