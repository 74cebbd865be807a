"""The privacy gate for text: team labels that carry a person's name, and names in free text.

Some HR systems export a team as ``"Platform (Jane Doe)"``: the manager's name must never be
published (:func:`adoption.privacy.publish_labels`, the ``team_label_pattern`` setting). Free
text must not name people of the roster even when the workspace keeps no names
(:class:`adoption.privacy.NameTokens`, fed by the keyed hashes of name tokens the roster
ingest stores).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import adoption
from adoption.cli import main
from adoption.config import DEFAULT_TEAM_LABEL_PATTERN
from adoption.errors import InputError
from adoption.ingest import ingest_files
from adoption.privacy import NameTokens, clean_label, name_token_keys, name_tokens, publish_labels

# The managers' names in the HR export's labels; none may appear in any output.
MANAGERS = ("Quintessa", "Vandermeer", "Bartholomew", "Okonkwo", "Ottoline", "Brackenbury")
TEAM_A, TEAM_B = "Platform (Quintessa Vandermeer)", "Platform (Bartholomew Okonkwo)"
DEPT = "Engineering (Ottoline Brackenbury)"
FIRST = ["Zoë", "Noah", "Mia", "Elias", "Hannah", "Ben", "Clara", "David", "Sara", "Tomás",
         "Inês", "Mateo"]
LAST = ["Müller", "Schmidt", "Weber", "Meyer", "Wagner", "Becker", "Koch", "Wolf", "Rossi",
        "Dubois", "Jansen", "Nowak"]


# ------------------------------------------------------------------ labels


def test_clean_label_strips_a_trailing_parenthesised_part_only():
    p = DEFAULT_TEAM_LABEL_PATTERN
    assert clean_label("Platform (Jane Doe)", pattern=p) == "Platform"
    assert clean_label("Platform  (Jane Doe) ", pattern=p) == "Platform"
    assert clean_label("(no team)", pattern=p) == "(no team)"  # nothing would be left
    assert clean_label("R&D (Berlin) Ops", pattern=p) == "R&D (Berlin) Ops"  # not trailing
    assert clean_label("Platform (Jane Doe)", pattern="") == "Platform (Jane Doe)"  # off
    assert clean_label(None, pattern=p) is None


def test_publish_labels_tells_look_alikes_apart_the_same_way_in_every_table():
    settings = adoption.Settings()
    data = pd.DataFrame({"department": [DEPT, DEPT, DEPT], "team": [TEAM_B, "Ops", None],
                         "n": [1, 2, 3]})
    before = data.copy()
    out = publish_labels(data, settings, labels={"team": [TEAM_A, TEAM_B, "Ops"]})
    pd.testing.assert_frame_equal(data, before)  # the input is not modified
    # in the order of the original labels: "... (Bartholomew ...)" < "... (Quintessa ...)"
    assert out["team"].tolist()[:2] == ["Platform #1", "Ops"] and pd.isna(out["team"].iloc[2])
    assert set(out["department"]) == {"Engineering"}
    # the same numbering from a table that holds only the other team, and for categories
    other = publish_labels(pd.DataFrame({"team": [TEAM_A]}).astype("category"), settings,
                           labels={"team": [TEAM_A, TEAM_B, "Ops"]})
    assert other["team"].tolist() == ["Platform #2"]
    # without the universe, a lone label is simply cleaned
    assert publish_labels(pd.DataFrame({"team": [TEAM_A]}), settings)["team"].tolist() == [
        "Platform"]
    # turned off
    off = adoption.Settings(team_label_pattern="")
    assert publish_labels(data, off)["team"].tolist()[0] == TEAM_B


def test_team_label_pattern_is_a_checked_setting(tmp_path):
    with pytest.raises(InputError, match="team_label_pattern"):
        adoption.Settings(team_label_pattern="(unclosed")
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(
        team_label_pattern=r"\s+-\s+.*$"))
    again = adoption.open_workspace(ws.root)  # written to and read from adoption.toml
    assert again.settings.team_label_pattern == r"\s+-\s+.*$"
    assert "[privacy]" in (ws.root / "adoption.toml").read_text(encoding="utf-8")


# ------------------------------------------------------------------ names in free text


class _FakeKey:
    """A stand-in for Workspace.pseudonymise: any deterministic function of the text."""

    def __call__(self, values):
        return [None if v is None else f"h:{v.lower()}" for v in values]


def test_name_tokens_are_first_and_last_names_of_two_letters_or_more():
    assert name_tokens("Jean-Luc O'Neil") == ["jean", "luc", "neil"]
    assert name_tokens("Noah van Dijk") == ["noah", "dijk"]  # particles are not names
    assert name_tokens("ZOË Müller") == ["zoë", "müller"]
    assert name_tokens(None) == []


def test_capitalised_roster_names_are_redacted_alone_and_in_the_possessive():
    key = _FakeKey()
    tokens = NameTokens(frozenset(key(name_token_keys(["zoë", "müller"]))), key)
    out = tokens.redact(["Zoë's lunch-and-learn sessions",
                         "Examples from São Paulo and Müller's cheat sheet.",
                         "a müller is a miller", None])
    assert out == ["[name]'s lunch-and-learn sessions",
                   "Examples from São Paulo and [name]'s cheat sheet.",
                   "a müller is a miller",  # lower case: a word, not a name
                   ""]
    assert NameTokens(frozenset(), key).redact(["Zoë"]) == ["Zoë"]  # no roster names


def test_roster_ingest_keeps_hashed_name_tokens_and_never_the_names(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws")  # keep_names off (the default)
    path = _write_roster(tmp_path)
    ingest_files(ws, [path])
    with ws.store(read_only=True) as store:
        hashes = set(store.query("SELECT token_hash FROM name_tokens")["token_hash"])
        assert store.scalar("SELECT count(*) FROM person_names") == 0
        dump = "\n".join(store.query(f"SELECT * FROM {t}").to_csv()
                         for t in ("name_tokens", "roster_snapshots", "people"))
    # 12 first and 12 last names, all different: 24 hashes
    assert len(hashes) == 24
    assert hashes == set(ws.pseudonymise(name_token_keys(
        sorted({t for f, s in zip(FIRST, LAST, strict=True) for t in name_tokens(f"{f} {s}")}))))
    assert not any(n in dump for n in (*FIRST, *LAST))


# ------------------------------------------------------------------ end to end


def _write_roster(folder: Path) -> Path:
    rows = ["email,name,team,department,start_date,end_date,as_of"]
    for i, (first, last) in enumerate(zip(FIRST, LAST, strict=True)):
        team = TEAM_A if i < 6 else TEAM_B
        rows.append(f"p{i}@example.com,{first} {last},\"{team}\",\"{DEPT}\",2025-01-01,,"
                    "2026-01-01")
    path = folder / "roster.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> adoption.Workspace:
    """12 people in two teams whose labels carry their managers' names; January usage of
    eight of them and a survey wave with comments naming colleagues."""
    root = tmp_path_factory.mktemp("labels")
    ws = adoption.init_workspace(root / "ws", adoption.Settings(min_group_size=3))
    usage = ["timestamp,email,tool,count"] + [
        f"2026-01-{d:02d}T10:00:00Z,p{i}@example.com,Copilot,2"
        for i in (0, 1, 2, 3, 6, 7, 8, 9) for d in (5, 12)]
    (root / "usage.csv").write_text("\n".join(usage) + "\n", encoding="utf-8")
    survey = ["Response ID;Email;Submitted at;aw_why;de_want;pu_faster;nps;cm_helps"]
    for i in range(12):
        comment = ("Zoë's lunch-and-learn sessions" if i < 6 else
                   "Examples from Müller's cheat sheet, or ask Mateo")
        survey.append(f"r{i};p{i}@example.com;2026-01-20T09:00:00+01:00;{4 + i % 2};4;5;9;"
                      f"{comment}")
    (root / "survey.csv").write_text("\n".join(survey) + "\n", encoding="utf-8")
    ingest_files(ws, [_write_roster(root), root / "usage.csv", root / "survey.csv"])
    return ws


def _clean(text: str) -> None:
    for name in MANAGERS:
        assert name not in text, name


def test_cli_output_never_prints_a_managers_name(labelled, capsys):
    out = ""
    for by in ("team", "department"):
        for fmt in ("csv", "table"):
            assert main(["metrics", "-w", str(labelled.root), "--period", "2026-01", "--by", by,
                         "--format", fmt]) == 0
            out += capsys.readouterr().out
    for command in ("alerts", "shadow-ai"):
        for fmt in ("csv", "table"):
            assert main([command, "-w", str(labelled.root), "--period", "2026-01",
                         "--format", fmt]) == 0
            out += capsys.readouterr().out
    _clean(out)
    assert "Platform #1" in out and "Platform #2" in out and "Engineering" in out


def test_report_sections_never_show_a_managers_name(labelled):
    from adoption.surveys.report import build_sentiment_report
    from adoption.surveys.report_captions import describe_headline
    from adoption.surveys.report_tables import format_comments_table, format_construct_table
    from adoption.vendors.report import (
        build_source_report,
        format_source_activity_table,
        format_source_team_table,
    )

    src = build_source_report(labelled, period="2026-01")
    text = (format_source_activity_table(src).to_html() + format_source_team_table(src).to_html()
            + " ".join(src.captions.values()) + src.teams.to_csv())
    _clean(text)
    assert "Platform #1" in text
    rep = build_sentiment_report(labelled)
    text = (format_construct_table(rep).to_html() + format_comments_table(rep).to_html()
            + describe_headline(rep) + rep.summary.to_csv() + rep.quadrant.to_csv())
    _clean(text)
    # colleagues named alone in comments are redacted though the workspace keeps no names
    comments = " ".join(rep.comments["text"])
    assert "[name]'s lunch-and-learn" in comments and "[name]'s cheat sheet, or ask [name]" in (
        comments)
    assert not any(re.search(rf"\b{n}\b", comments) for n in (*FIRST, *LAST))


def test_rendered_reports_never_show_a_managers_name(labelled):
    from adoption.report import render_adoption_report
    from adoption.surveys.report import render_sentiment_report

    html = render_adoption_report(labelled, period="2026-01").read_text(encoding="utf-8")
    # the default wave name: the responses' month (20 January) and the instrument
    html += render_sentiment_report(labelled, wave="2026-01_ai_adoption_pulse").read_text(
        encoding="utf-8")
    _clean(html)
    assert "Platform #1" in html
    assert not any(re.search(rf"\b{n}\b", html) for n in ("Zoë", "Müller", "Mateo", "Nowak"))
