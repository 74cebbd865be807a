"""Open a rendered adoption report in a real browser (Chromium, offline) and check it works.

The report is the one `adoption demo` renders for the synthetic demo organisation; every request
that is not a local file is blocked and recorded, so a report that needs the network fails here.
The browser is conftest's ``browser_context`` (Debian's chromium, offline, a fresh profile).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import adoption

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report_path(demo_workspace: adoption.Workspace) -> Path:
    """The report `adoption demo` rendered (the demo's latest month)."""
    reports = sorted(demo_workspace.reports_dir.glob("adoption_*.html"))
    assert len(reports) == 1, reports
    return reports[0]


def _open(context, url: str):
    """A page at ``url`` with every console error, page error and non-file request recorded."""
    seen: dict[str, list[str]] = {"console": [], "network": [], "failed": []}

    def route(r) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            seen["network"].append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and seen["console"].append(m.text))
    page.on("pageerror", lambda e: seen["console"].append(str(e)))
    page.on("request", lambda r: r.url.split(":")[0] not in ("file", "data")
            and seen["network"].append(r.url))
    page.on("requestfailed", lambda r: seen["failed"].append(f"{r.url}: {r.failure}"))
    page.goto(url, wait_until="load")
    return page, seen


def test_report_works_offline_in_chromium(browser_context, report_path: Path) -> None:
    page, seen = _open(browser_context, report_path.as_uri())
    page.wait_for_load_state("networkidle")
    assert seen == {"console": [], "network": [], "failed": []}
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => ({ok: e.complete, width: e.naturalWidth, "
        "src: e.getAttribute('src').slice(0, 25)}))"
    )
    assert len(images) == 9  # the report's nine charts (see test_report_render)
    assert all(i["ok"] and i["width"] > 0 and i["src"] == "data:image/svg+xml,%3Csvg"
               for i in images)
    table = page.locator('table[data-table="teams"]')
    assert table.count() == 1 and table.is_visible()
    assert table.locator("tbody tr").count() >= 30
    assert "Treasury" in table.inner_text()
    # kind, period and organisation (adoption.report.navigation.page_title)
    assert page.title().startswith("AI adoption report · ")
    assert page.title().endswith(" · Example Corp (synthetic demo)")


def test_index_links_to_the_report(browser_context, report_path: Path) -> None:
    page, seen = _open(browser_context, (report_path.parent / "index.html").as_uri())
    page.click(f'a[href="{report_path.name}"]')
    page.wait_for_load_state("load")
    assert page.url == report_path.as_uri()
    assert page.locator('table[data-table="teams"]').count() == 1
    assert seen == {"console": [], "network": [], "failed": []}
