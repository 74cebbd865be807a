"""Comments: redaction of e-mails, phones and names; themes from the shipped lexicon."""

from __future__ import annotations

import pandas as pd
import pytest

from adoption.errors import ColumnNotFoundError, InputError
from adoption.surveys.comments import (
    count_themes,
    load_lexicon,
    redact_text,
    select_comments,
    tag_themes,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Write to ann.smith@example.com please", "Write to [email] please"),
    ("mail: Jörg.Müller+ai@firma.co.uk.", "mail: [email]."),
    ("Call +49 30 1234567 today", "Call [phone] today"),
    ("Call +1 (555) 123-4567", "Call [phone]"),
    ("or 0044 20 7946 0958", "or [phone]"),
    ("Handy 0171/1234567", "Handy [phone]"),
    ("Büro 030 1234567", "Büro [phone]"),
    ("US style (555) 123-4567 or 555-123-4567", "US style [phone] or [phone]"),
    ("ext. 030-123 45 67!", "ext. [phone]!"),
])
def test_emails_and_phone_numbers_are_redacted(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "We saved 30 hours in 2025 and 2026",
    "Since 2026-03-15 it works",
    "Version 1.2.3 and 15/03/2026",
    "Top 10 tools, 1234 users",
])
def test_numbers_that_are_not_phones_are_kept(text):
    assert redact_text(text) == text


def test_names_from_the_list_are_redacted_in_any_order_and_case():
    names = ["Ann Smith", "José  García"]
    text = "Ask Ann Smith, SMITH, ann or josé garcía; Annabel Smithers is fine"
    out = redact_text(text, names=names)
    assert out == "Ask [name], [name] or [name]; Annabel Smithers is fine"
    assert redact_text(None) == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("Ask Zoë Smith, she set it up", "Ask [name], she set it up"),
    ("My manager Noah van Dijk never mentions it", "My manager [name] never mentions it"),
    ("Julia and Tom Müller-Lüdenscheidt helped", "Julia and [name] helped"),
    ("Emma is great, thanks Anna I appreciate it", "Emma is great, thanks Anna I appreciate it"),
])
def test_common_first_name_with_a_surname_is_redacted_without_a_roster(text, expected):
    assert redact_text(text) == expected
    assert redact_text("Ask Zoë Smith", first_names=()) == "Ask Zoë Smith"


def test_lexicon_ships_with_the_package_and_tags_themes():
    lex = load_lexicon()
    assert {"training", "time_saved", "quality", "trust", "licence", "tool_choice"} <= set(
        lex["theme"])
    tagged = tag_themes(pd.DataFrame({"text": [
        "Need more training; it saves time",
        "It hallucinates and I worry about GDPR",
        "I have no licence",
        "",
    ]}))
    assert tagged["themes"].tolist() == [["training", "time_saved"], ["quality", "trust"],
                                         ["licence"], []]


def test_lexicon_file_errors(tmp_path):
    bad = tmp_path / "lex.csv"
    bad.write_text("theme,word\nx,y\n")
    with pytest.raises(InputError, match="stem"):
        load_lexicon(bad)
    with pytest.raises(ColumnNotFoundError):
        tag_themes(pd.DataFrame({"comment": ["x"]}))


def _respondents(sizes: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = [{"wave": "W", "respondent_id": f"{t}{i}", "department": d, "team": t}
            for (d, t), n in sizes.items() for i in range(n)]
    return pd.DataFrame(rows)


def test_theme_counts_and_comments_only_for_groups_large_enough():
    resp = _respondents({("D", "A"): 8, ("D", "B"): 7, ("D", "C"): 2, ("E", "F"): 6})
    comments = pd.DataFrame({
        "wave": "W", "respondent_id": ["A0", "A1", "B0", "C0", "F0"],
        "department": ["D", "D", "D", "D", "E"], "team": ["A", "A", "B", "C", "F"],
        "question": "Anything else?",
        "text": ["training please, mail a@b.com", "more training", "licence blocked",
                 "secret from C about training", "time saved"]})
    counts = count_themes(comments, resp)
    org = counts[(counts["level"] == "organisation") & (counts["theme"] == "training")].iloc[0]
    assert org["mentions"] == 3 and org["respondents"] == 23 and org["commenters"] == 5
    a = counts[(counts["team"] == "A") & (counts["theme"] == "training")].iloc[0]
    assert a["mentions"] == 2 and a["share"] == 1.0
    hidden = counts[counts["team"].isin(["B", "C"])]
    # C (2) is too small and B is hidden with it so that C = D - A - B is impossible
    assert hidden["suppressed"].all() and hidden["mentions"].isna().all()
    shown = select_comments(comments, resp, per_team=5)
    assert set(shown["team"]) == {"A", "F"}
    assert not shown["text"].str.contains("secret").any()
    assert "[email]" in " ".join(shown["text"])
    assert not shown["text"].str.contains("a@b.com").any()
