"""Names from users' files are text, never markup: hostile team, department, tool and
organisation names in the rendered reports, checked in the HTML and in Chromium.

Each hostile name would run script (a dialog and a window flag) if it reached the page as
markup; every one must instead show up as its literal text. The browser checks run each report
twice: as rendered (Content-Security-Policy and escaping) and with the policy tag taken out
(escaping alone); a third check plants a script in a copy to see that the policy blocks it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from test_sentiment_report import fill_store

import adoption
from adoption.ingest import ingest_files
from adoption.report import render_adoption_report, render_index
from adoption.report.escape import (
    CONTENT_SECURITY_POLICY,
    escape_html,
    escape_markdown,
    escape_styler,
    markdown_to_html,
)
from adoption.surveys.report import render_sentiment_report

# each payload sets a window flag and opens a dialog if it is ever parsed as HTML or Markdown
DEPT_SCRIPT = "<script>window.__xss=1;alert(1)</script>"
TEAM_IMG = "<img src=x onerror=\"window.__xss=2;alert(2)\">"
TEAM_SVG = "\"><svg onload=\"window.__xss=3;alert(3)\">"
TEAM_LINK = "[click](javascript:window.__xss=4;alert(4))"
DEPT_PLAIN = "Ops & <Support>"
TOOL = "<b onmouseover=alert(5)>Copilot</b> **bold** `code`"
ORGANISATION = "<iframe src=\"javascript:alert(6)\"></iframe>Acme"
TITLE = "Report <script>alert(7)</script>"
#: department -> team -> headcount (every team at or above the threshold of 5, so it is shown)
TEAMS = {DEPT_SCRIPT: {TEAM_IMG: 8, TEAM_SVG: 7}, DEPT_PLAIN: {TEAM_LINK: 6}}
#: the policy tag as nbconvert writes it (attributes in any order)
POLICY_TAG = r'<meta[^>]*http-equiv="Content-Security-Policy"[^>]*>'
HOSTILE = [DEPT_SCRIPT, TEAM_IMG, TEAM_SVG, TEAM_LINK, DEPT_PLAIN, TOOL]

def _hostile_adoption_workspace(root: Path) -> adoption.Workspace:
    """21 people in three hostile teams ingested from CSV files, as a user would drop them:
    person ``i`` holds a seat of the hostile tool and used it on 5 and 12 January 2026
    unless ``i % 3 == 2``."""
    ws = adoption.init_workspace(root / "ws", adoption.Settings(organisation=ORGANISATION))
    src = root / "src"
    src.mkdir()
    people = [(f"p{d}{t}{i}@example.com", dept, team, i)
              for d, (dept, teams) in enumerate(TEAMS.items())
              for t, (team, n) in enumerate(teams.items()) for i in range(n)]
    rows = {
        "roster.csv": [["email", "team", "department", "start_date", "as_of"],
                       *([e, team, dept, "2024-01-01", "2025-11-01"]
                         for e, dept, team, _ in people)],
        "tools.csv": [["tool", "vendor", "category", "sanctioned", "monthly_seat_cost",
                       "currency"], [TOOL, "<i>Vendor</i>", "<u>coding</u>", "true", "19",
                                     "EUR"]],
        "seats.csv": [["tool", "email", "assigned_on", "removed_on"],
                      *([TOOL, e, "2025-11-01", ""] for e, *_ in people)],
        "usage.csv": [["timestamp", "email", "tool", "feature", "count"],
                      *([f"2026-01-{day:02d}T10:00:00Z", e, TOOL, "chat", 2]
                        for e, *_, i in people if i % 3 != 2 for day in (5, 12))],
    }
    for name, lines in rows.items():
        with (src / name).open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(lines)
    ingest_files(ws, sorted(src.glob("*.csv")))
    return ws


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The adoption report of the hostile workspace and the sentiment report of a survey
    store whose teams and departments carry the hostile names."""
    root = tmp_path_factory.mktemp("hostile")
    ws = _hostile_adoption_workspace(root)
    adoption_report = render_adoption_report(ws, period="2026-01", title=TITLE)
    survey_ws = adoption.init_workspace(root / "survey",
                                        adoption.Settings(organisation=ORGANISATION))
    fill_store(survey_ws, teams={(DEPT_SCRIPT, TEAM_IMG): (14, 12),
                                 (DEPT_SCRIPT, TEAM_SVG): (10, 9),
                                 (DEPT_PLAIN, TEAM_LINK): (12, 10)})
    sentiment_report = render_sentiment_report(survey_ws, wave="2026-06",
                                               comparison_wave="2026-03", title=TITLE)
    return {"adoption": adoption_report, "adoption_index": ws.reports_dir / "index.html",
            "sentiment": sentiment_report,
            "sentiment_index": survey_ws.reports_dir / "index.html"}


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# -- the escaping helpers ---------------------------------------------------------------------
def _markdown_text(markdown: str) -> str:
    """What a reader sees of ``markdown`` rendered as nbconvert renders report captions."""
    return " ".join(BeautifulSoup(markdown2html_mistune(markdown), "html.parser")
                    .get_text().split())


#: names made of markup pieces (and a few letters), so that most examples would be markup
_PIECES = [*"*_`[]()<>&!$|~:#+=-.\\\"' ab1", "<b>", "</b>", "&lt;", "http://x.y", "1. ",
           "\\(", "$$", "**", "![", "](", "<!--", "www.", "a@b.c", "\n", "\t", "é"]
_TEXT = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=10).map("".join).filter(
    lambda v: v.strip() == v)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_escaped_markdown_renders_as_the_literal_text(value: str) -> None:
    # in every position a caption puts a name: inline, in bold list items, in a heading
    for template in ("{}", "In {} (x)", "- **{}**: hidden", "# {}", "A\n\n{}"):
        seen = _markdown_text(template.format(escape_markdown(value)))
        expected = " ".join(_markdown_text(template.format("QQ")).replace(
            "QQ", value).split())  # line breaks and tabs become spaces
        assert seen == expected


@pytest.mark.parametrize("name", [*HOSTILE, ORGANISATION, "1. item", "# h", "- x", "a\nb",
                                  "$x$ and $$y$$", "&lt;b&gt;", "a|b|c", "x<!--"])
def test_hostile_names_make_no_markup_in_markdown(name: str) -> None:
    html = markdown2html_mistune(f"Team **{escape_markdown(name)}** grew.")
    soup = BeautifulSoup(html, "html.parser")
    assert [t.name for t in soup.find_all(True)] == ["p", "strong"]
    assert soup.strong.get_text() == name.replace("\n", " ")


def test_escape_html_leaves_no_tag_or_attribute() -> None:
    soup = BeautifulSoup(f'<p title="{escape_html(TEAM_SVG)}">{escape_html(TEAM_IMG)}</p>',
                         "html.parser")
    assert [t.name for t in soup.find_all(True)] == ["p"]
    assert soup.p["title"] == TEAM_SVG and soup.p.get_text() == TEAM_IMG


def test_styler_escapes_cells_labels_and_caption() -> None:
    import pandas as pd

    frame = pd.DataFrame({TEAM_SVG: [TEAM_IMG]}, index=[DEPT_SCRIPT])
    html = escape_styler(frame.style).set_caption(markdown_to_html(
        f"Caption {escape_markdown(TEAM_LINK)} **{escape_markdown(DEPT_PLAIN)}**")).to_html()
    soup = BeautifulSoup(html, "html.parser")
    assert {t.name for t in soup.find_all(True)} <= {"style", "table", "caption", "thead",
                                                     "tbody", "tr", "th", "td", "strong"}
    text = soup.get_text()
    assert TEAM_SVG in text and TEAM_IMG in text and DEPT_SCRIPT in text
    assert f"Caption {TEAM_LINK} {DEPT_PLAIN}" in text


def test_markdown_caption_neutralises_raw_html_and_script_links() -> None:
    # mistune escapes raw HTML and rewrites harmful link targets, on top of escape_markdown
    soup = BeautifulSoup(markdown_to_html("[a](javascript:alert(1)) <b>x</b>"), "html.parser")
    assert soup.a["href"] == "#harmful-link" and soup.b is None


def test_index_escapes_titles_and_file_names(tmp_path: Path) -> None:
    name = "javascript:alert(1)<x>.html"  # a legal file name on Linux
    (tmp_path / name).write_text(
        f'<html><head><meta name="adoption:title" content="{escape_html(TEAM_IMG)}">'
        '</head></html>', encoding="utf-8")
    soup = _soup(render_index(tmp_path, organisation=ORGANISATION))
    (link,) = soup.find_all("a")
    assert link["href"] == "javascript%3Aalert%281%29%3Cx%3E.html"  # a relative path
    assert link.get_text() == TEAM_IMG
    assert ORGANISATION in soup.get_text() and soup.iframe is None
    assert soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})[
        "content"] == CONTENT_SECURITY_POLICY


# -- the rendered reports ---------------------------------------------------------------------
@pytest.mark.parametrize("which", ["adoption", "adoption_index", "sentiment",
                                   "sentiment_index"])
def test_every_rendered_page_carries_the_strict_policy(rendered, which: str) -> None:
    head = _soup(rendered[which]).head
    (tag,) = head.find_all("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert tag["content"] == CONTENT_SECURITY_POLICY
    # it comes before anything the page loads: only charset, viewport and title precede it
    before = [t.name for t in tag.find_all_previous(True) if t.name not in ("html", "head")]
    assert set(before) <= {"meta", "title"}
    assert "script-src 'none'" in CONTENT_SECURITY_POLICY
    assert "object-src 'none'" in CONTENT_SECURITY_POLICY
    assert "base-uri 'none'" in CONTENT_SECURITY_POLICY
    assert "img-src data:;" in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("which", ["adoption", "sentiment"])
def test_rendered_report_shows_hostile_names_as_text_only(rendered, which: str) -> None:
    soup = _soup(rendered[which])
    assert soup.find_all(["script", "iframe", "svg", "object", "embed", "b", "i", "u"]) == []
    handlers = [(t.name, a) for t in soup.find_all(True) for a in t.attrs
                if a.lower().startswith("on")]
    assert handlers == []
    # links: to sections of the page, and the navigation's to the index and other reports
    # in the same folder (relative file names, no scheme)
    files = {p.name for p in rendered[which].parent.iterdir()}
    assert [a["href"] for a in soup.find_all("a", href=True)
            if not a["href"].startswith("#") and a["href"] not in files] == []
    assert soup.find("a", href="index.html") is not None
    # charts are SVG in <img> (no script runs in an image), percent-encoded
    imgs = [i["src"][:25] for i in soup.find_all("img")]
    assert imgs and set(imgs) == {"data:image/svg+xml,%3Csvg"}
    text = soup.body.get_text()
    names = [DEPT_SCRIPT, TEAM_IMG, TEAM_SVG, TEAM_LINK, DEPT_PLAIN, ORGANISATION]
    names += [TOOL] if which == "adoption" else []  # the survey store has no tool catalogue
    missing = [n for n in names if n not in text]
    assert missing == []
    # the title names the report, its period and the organisation, all as text
    assert soup.title.get_text().startswith(f"{TITLE} · ")
    assert soup.title.get_text().endswith(f" · {ORGANISATION}")


# -- in Chromium ------------------------------------------------------------------------------
def _visit(context, path: Path) -> dict[str, object]:
    """Open ``path``, hover over the elements a payload could hide in, and report dialogs,
    the window flag, page errors, refusals by the policy and the body text."""
    page = context.new_page()
    seen: dict[str, list[str]] = {"dialogs": [], "errors": [], "violations": []}
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: "Content Security Policy" in m.text
            and seen["violations"].append(m.text))
    page.goto(path.as_uri(), wait_until="load")
    # every element a payload could hide in gets the mouse events a reader's pointer would
    # send (dispatched in the page: hovering each one in turn times out on a busy machine)
    page.evaluate("""() => {
        for (const el of document.querySelectorAll("td, th, caption, strong, li, a, img")) {
            for (const type of ["mouseover", "mouseenter", "mousemove", "focus"]) {
                el.dispatchEvent(new MouseEvent(type, {bubbles: true}));
            }
        }
    }""")
    page.wait_for_timeout(300)
    flag = page.evaluate("() => window.__xss ?? null")
    text = page.inner_text("body")
    page.close()
    return {**seen, "flag": flag, "text": text}


@pytest.mark.slow
@pytest.mark.parametrize("which", ["adoption", "sentiment"])
def test_no_script_runs_in_chromium_with_or_without_the_policy(browser_context, rendered,
                                                               which: str,
                                                               tmp_path: Path) -> None:
    path = rendered[which]
    html = path.read_text(encoding="utf-8")
    bare = tmp_path / f"no_policy_{path.name}"  # escaping alone must already be enough
    policy = re.compile(POLICY_TAG)
    bare.write_text(policy.sub("", html), encoding="utf-8")
    assert policy.search(html) and not policy.search(bare.read_text(encoding="utf-8"))
    for page_path in (path, bare):
        result = _visit(browser_context, page_path)
        assert result["dialogs"] == [] and result["flag"] is None, page_path.name
        assert result["errors"] == [] and result["violations"] == [], page_path.name
        for name in (DEPT_SCRIPT, TEAM_IMG, TEAM_SVG, TEAM_LINK, DEPT_PLAIN):
            assert name in result["text"], (page_path.name, name)


@pytest.mark.slow
def test_the_policy_blocks_a_planted_script_in_chromium(browser_context, rendered,
                                                       tmp_path: Path) -> None:
    # the same page with a script and an event handler planted in its body: the policy
    # refuses both; without the policy both run (so the checks above can see a script run)
    planted = ("<script>window.__xss='planted';alert('planted')</script>"
               "<img src=x onerror=\"window.__xss='img';alert('img')\">")
    html = rendered["adoption"].read_text(encoding="utf-8").replace("<main>",
                                                                     "<main>" + planted, 1)
    with_policy, without = tmp_path / "planted.html", tmp_path / "planted_no_policy.html"
    with_policy.write_text(html, encoding="utf-8")
    without.write_text(re.sub(POLICY_TAG, "", html), encoding="utf-8")
    result = _visit(browser_context, with_policy)
    assert result["dialogs"] == [] and result["flag"] is None
    assert len(result["violations"]) >= 2  # Chromium reports both refusals on the console
    result = _visit(browser_context, without)
    assert result["dialogs"] == ["planted", "img"] and result["flag"] == "img"


@pytest.mark.slow
@pytest.mark.parametrize("which", ["adoption_index", "sentiment_index"])
def test_index_pages_run_no_script_in_chromium(browser_context, rendered, which: str) -> None:
    result = _visit(browser_context, rendered[which])
    assert result["dialogs"] == [] and result["flag"] is None and result["errors"] == []
    assert TITLE in result["text"] and ORGANISATION in result["text"]
