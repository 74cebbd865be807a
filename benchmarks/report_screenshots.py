"""Screenshots of a rendered reports folder, for reviewing the report layout by eye.

    python benchmarks/report_screenshots.py WORKSPACE/reports OUT_DIR

Writes into OUT_DIR: ``desktop_top.png`` (the top of the latest adoption report at 1440 px),
``phone_teams.png`` (its team table at 390 px), ``report.pdf`` (the report printed to A4) and
``pdf_page1.png`` (the PDF's first page, by ``pdftoppm`` when installed, else the page in
print emulation at the printable width). Uses Debian's ``chromium`` through Playwright,
offline, with a fresh profile; prints the size of every report in the folder.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
#: A4 minus report.css's 14 mm side margins, in CSS px (see tests/test_report_layout_browser)
PRINTABLE_PX = round((210 - 2 * 14) * 96 / 25.4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path, help="a workspace's reports/ folder")
    parser.add_argument("out", type=Path, help="folder for the screenshots")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian's chromium is not installed (no `chromium` on PATH).")
    reports = sorted(args.reports.glob("adoption_*.html"))
    if not reports:
        sys.exit(f"No adoption_*.html in {args.reports}; render a report first.")
    for path in sorted(args.reports.glob("*.html")):
        print(f"{path.name}: {path.stat().st_size / 1024:.0f} KB")
    report, out = reports[-1], args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=ARGS, offline=True)
        page = context.new_page()
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(report.as_uri(), wait_until="load")
        page.screenshot(path=out / "desktop_top.png")
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#s-teams").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -8)")
        page.screenshot(path=out / "phone_teams.png")
        page.emulate_media(media="print")
        page.pdf(path=out / "report.pdf", format="A4", prefer_css_page_size=True)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1",
                            "-singlefile", str(out / "report.pdf"), str(out / "pdf_page1")],
                           check=True)
        else:
            page.set_viewport_size({"width": PRINTABLE_PX, "height": 1040})
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=out / "pdf_page1.png")
        context.close()
    for name in ("desktop_top.png", "phone_teams.png", "report.pdf", "pdf_page1.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
