"""Every kind of page `adoption demo` renders (adoption report, sentiment report, index), laid
out in Chromium: nothing wider than a phone's or a desktop's viewport unless it scrolls in a
container that shows it does, nothing wider than an A4 page in print, every link going to a
file or a section that is there, no console error, and the strict Content-Security-Policy.

The pages are the demo's (conftest's ``demo_workspace``, rendered once per session); the
browser is conftest's offline ``browser_context``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from test_report_browser import _open

import adoption
from adoption.report.escape import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.slow

CSS = Path(adoption.__file__).parent / "report" / "templates" / "report" / "report.css"
VIEWPORTS = (390, 1440)  # a phone (iPhone 12-15 width) and a desktop
PAGES = ("adoption", "sentiment", "index")
#: the policy of issue 7, directive by directive: a page may run no script, load nothing from
#: the network, embed no plug-in and submit no form (adoption/report/escape.py)
STRICT_POLICY = {
    "default-src": "'none'", "script-src": "'none'", "object-src": "'none'",
    "base-uri": "'none'", "form-action": "'none'", "img-src": "data:",
    "style-src": "'unsafe-inline'", "font-src": "data:",
}


def printable_width_px() -> float:
    """A4's width minus the left and right margins of report.css's ``@page``, in CSS px
    (96 px to the inch, 25.4 mm to the inch): with 14 mm margins, 182 mm = 687.9 px."""
    m = re.search(r"@page\s*\{\s*size:\s*A4;\s*margin:\s*(\d+)mm\s+(\d+)mm;\s*\}",
                  CSS.read_text(encoding="utf-8"))
    assert m, "report.css must set @page { size: A4; margin: Vmm Hmm; }"
    return (210 - 2 * int(m[2])) * 96 / 25.4


@pytest.fixture(scope="module")
def pages(demo_workspace: adoption.Workspace) -> dict[str, Path]:
    folder = demo_workspace.reports_dir
    (report,) = sorted(folder.glob("adoption_*.html"))
    (sentiment,) = sorted(folder.glob("sentiment_*.html"))
    return {"adoption": report, "sentiment": sentiment, "index": folder / "index.html"}


#: every visible element that reaches past the viewport, unless it is inside a horizontal
#: scroll container that fits the viewport and shows the scroll cue (report.css's .scroll-x:
#: shadows drawn by radial gradients that stay put while light covers scroll with the
#: content, so a shadow shows exactly on the side where there is more)
_OVERFLOW = """(width) => {
    const scroller = (el) => {
        for (let a = el; a && a !== document.body; a = a.parentElement) {
            if (["auto", "scroll"].includes(getComputedStyle(a).overflowX)) return a;
        }
        return null;
    };
    const cue = (s) => {
        const cs = getComputedStyle(s);
        return (cs.backgroundImage.match(/radial-gradient/g) || []).length === 2
            && cs.backgroundAttachment.includes("local")
            && cs.backgroundAttachment.includes("scroll");
    };
    const fits = (r) => r.left >= -0.5 && r.right <= width + 0.5;
    const bad = [];
    let scrolled = 0;
    for (const el of document.querySelectorAll("body *")) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (fits(r)) continue;
        const s = scroller(el.parentElement);
        if (s && cue(s) && fits(s.getBoundingClientRect()) && s.scrollWidth > s.clientWidth) {
            scrolled += 1;
            continue;
        }
        bad.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${
            Math.round(r.right)}: ${(el.textContent || "").trim().slice(0, 40)}`);
    }
    return {bad: bad.slice(0, 10), scrolled,
            page: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("which", PAGES)
@pytest.mark.parametrize("width", VIEWPORTS)
def test_nothing_is_wider_than_the_viewport(browser_context, pages, which: str,
                                            width: int) -> None:
    page, seen = _open(browser_context, pages[which].as_uri())
    page.set_viewport_size({"width": width, "height": 900})
    result = page.evaluate(_OVERFLOW, width)
    assert result["bad"] == [], (which, width)
    assert result["page"] <= width  # the page itself never scrolls sideways
    if which == "adoption" and width == 390:
        # the team table is wider than a phone: it scrolls in its container, with the cue
        team = page.locator('table[data-table="teams"]').bounding_box()
        assert team["width"] > width and result["scrolled"] > 0
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.getBoundingClientRect().width, e.complete])")
    assert all(w <= width and complete for w, complete in images)
    assert seen == {"console": [], "network": [], "failed": []}


@pytest.mark.parametrize("which", PAGES)
def test_print_fits_a4_and_hides_navigation(browser_context, pages, which: str,
                                            tmp_path: Path) -> None:
    page, seen = _open(browser_context, pages[which].as_uri())
    printable = printable_width_px()
    page.set_viewport_size({"width": int(printable), "height": 1100})
    page.emulate_media(media="print")
    wide = page.evaluate("""(width) => [...document.querySelectorAll("table, img, figure")]
        .map(e => [e.tagName, e.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.left < -0.5 || r.right > width + 0.5))
        .map(([t, r]) => `${t} ${Math.round(r.left)}..${Math.round(r.right)}`)""",
                         int(printable))
    assert wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= int(printable)
    nav = page.locator(".report-nav")
    assert nav.count() == (0 if which == "index" else 1)
    assert not nav.is_visible() if nav.count() else True
    heading_breaks = page.eval_on_selector_all(
        "h1, h2, h3", "els => els.map(e => getComputedStyle(e).breakAfter)")
    assert heading_breaks and set(heading_breaks) == {"avoid"}
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and re.search(rb"/Type\s*/Page\b", pdf)
    assert seen == {"console": [], "network": [], "failed": []}


@pytest.mark.parametrize("which", PAGES)
def test_every_link_resolves(browser_context, pages, which: str) -> None:
    page, seen = _open(browser_context, pages[which].as_uri())
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    here = pages[which]
    assert links
    for link in links:
        url = urlparse(link)
        assert url.scheme == "file", link  # relative links only: the folder moves as one
        target = Path(unquote(url.path))
        assert target.is_file(), link
        assert target.parent == here.parent, link
        if url.fragment:
            assert target == here, link
            assert page.locator(f'[id="{url.fragment}"]').count() == 1, link
    if which != "index":
        sections = page.eval_on_selector_all("main h2", "els => els.map(e => e.id)")
        contents = page.eval_on_selector_all(".contents a", "els => els.map(e => e.hash)")
        assert contents == [f"#{s}" for s in sections] and len(sections) >= 5
        assert page.locator(".pager-index").get_attribute("href") == "index.html"
    assert seen == {"console": [], "network": [], "failed": []}


@pytest.mark.parametrize("which", PAGES)
def test_strict_policy_and_a_distinct_title(browser_context, pages, which: str,
                                            demo_workspace: adoption.Workspace) -> None:
    page, seen = _open(browser_context, pages[which].as_uri())
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]')
    assert policy.count() == 1
    content = policy.get_attribute("content")
    assert content == CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in content.split(";") if d.strip())
    assert directives == STRICT_POLICY
    assert page.locator("script").count() == 0
    organisation = demo_workspace.settings.organisation
    title = page.title()
    assert organisation in title
    if which == "adoption":
        # kind, period and organisation (the demo's report is its latest month's)
        month = pages[which].stem.removeprefix("adoption_")
        period = adoption.parse_period(month, "month").title
        assert title == f"AI adoption report · {period} · {organisation}"
    elif which == "sentiment":
        assert title.startswith("AI adoption: how people feel · ") and " survey · " in title
    assert seen == {"console": [], "network": [], "failed": []}


def test_demo_reports_stay_under_half_a_megabyte(pages) -> None:
    # issue 12's budget for a monthly report that travels by e-mail: 500 KB (measured on the
    # demo at the time: 426 KB for the adoption report, 93 KB for the sentiment report)
    sizes = {which: path.stat().st_size for which, path in pages.items()}
    assert sizes["adoption"] < 500 * 1024 and sizes["sentiment"] < 500 * 1024, sizes
