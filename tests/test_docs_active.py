"""README and docs/sources.md say what "active" means for each source, as the code applies it.

The table in both files is checked against :data:`adoption.canonical.SOURCE_SEMANTICS` (the
flags the canonical build applies, see :mod:`adoption.canonical.build`): a source whose
semantics change must have its documented rule changed too. Print the expected table with
``python tests/test_docs_active.py``.
"""

from __future__ import annotations

from pathlib import Path

from adoption.canonical import SOURCE_SEMANTICS

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- active-by-source:start -->", "<!-- active-by-source:end -->"


def _rule(s) -> tuple[str, str] | None:
    """(what the source tells, when a person counts as active in a period) or None."""
    if s.aggregate_only:
        return ("daily totals per organisation or vendor team",
                "never: totals are shown as totals, never counted or added up as people")
    if s.daily_activity:
        return ("every active day", "they were active on a day of the period")
    if s.last_activity_only:
        return ("the last active day only",
                "their last active day falls in the period; for other periods the figure is "
                "a lower bound (an earlier active day is not known)")
    if s.distinct_users:
        return (f"active in a {s.window}",
                "the window lies inside the period; a window straddling periods counts for a "
                "period an active day is known to fall in (its first or last active day, or "
                "more active days than the window has outside the period), otherwise the "
                "person is *unknown* there: not counted as active, reported apart (a lower "
                "and an upper count)")
    return None


def expected_table() -> str:
    rows = ["| Source | Format | Tells | A person counts as active in a week, month or quarter "
            "when |", "|---|---|---|---|"]
    for name, s in SOURCE_SEMANTICS.items():
        rule = _rule(s)
        if rule is not None:
            rows.append(f"| {s.label} | `{name}` | {rule[0]} | {rule[1]} |")
    rows.append("| Roster, HR report, Entra ID users, seats, tool catalogue, identities, "
                "surveys, proxy/DNS/SSO logs | | who, which team, which seat, which "
                "identifiers, what people say, requests to AI services | never: they count "
                "no one as active (discovery logs feed the shadow-AI figures) |")
    return "\n".join(rows)


def _block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert START in text and END in text, f"{path.name}: the markers {START} .. {END} are missing"
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def test_readme_and_sources_doc_say_what_active_means_per_source():
    table = expected_table()
    for path in (ROOT / "README.md", ROOT / "docs" / "sources.md"):
        assert _block(path) == table, (
            f"{path.name}: the table of what 'active' means per source differs from "
            "SOURCE_SEMANTICS; paste the output of `python tests/test_docs_active.py`")


def test_every_activity_source_has_a_row():
    table = expected_table()
    for name, s in SOURCE_SEMANTICS.items():
        if s.daily_activity or s.distinct_users or s.last_activity_only or s.aggregate_only:
            assert f"`{name}`" in table, name


if __name__ == "__main__":
    print(expected_table())
