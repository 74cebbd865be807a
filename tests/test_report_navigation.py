"""Reports' navigation and the index, on a reports folder of hand-made pages: previous/next
links only to files that are there (renewed when one is added or removed), contents from the
section headings, one title per report, the index grouped by kind and ordered by period."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from adoption.report import render_index
from adoption.report.catalogue import read_report_entries, report_entry
from adoption.report.navigation import (
    NAV_PLACEHOLDER,
    PAGER_END,
    PAGER_START,
    add_section_ids,
    insert_navigation,
    page_title,
)

STAMP = "2026-11-02T09:00:00+00:00"


def _page(meta: dict[str, str]) -> str:
    tags = "".join(f'<meta name="adoption:{k}" content="{v}">' for k, v in meta.items())
    return (f"<html><head>{tags}</head><body>{NAV_PLACEHOLDER}<main><h1>T</h1>"
            "<h2>Summary</h2><p>x</p><h2>Teams &amp; tools</h2><h2>Summary</h2>"
            "</main></body></html>")


def _write(folder: Path, name: str, **meta: str) -> Path:
    """A report as render_notebook writes it: meta tags, then the navigation at render time."""
    meta = {"rendered_at": STAMP, **meta}
    html = insert_navigation(_page(meta), current=report_entry(name, meta), folder=folder)
    path = folder / name
    path.write_text(html, encoding="utf-8")
    return path


def _adoption(folder: Path, month: str) -> Path:
    return _write(folder, f"adoption_{month}.html", title="AI adoption report", period=month,
                  period_kind="month", notebook="adoption_report.ipynb")


def _sentiment(folder: Path, wave: str) -> Path:
    return _write(folder, f"sentiment_{wave}.html", title="How people feel", wave=wave,
                  notebook="sentiment_report.ipynb")


def _pager(path: Path) -> dict[str, str | None]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    pager = soup.select_one("nav.pager")
    return {rel: (el.get("href") if el.name == "a" else None)
            for rel in ("prev", "index", "next")
            for el in [pager.select_one(f".pager-{rel}")] if el is not None}


def test_section_headings_get_ids_and_make_the_contents() -> None:
    page, sections = add_section_ids(_page({}))
    # duplicate headings get distinct ids; entities are read as text
    assert sections == [("s-summary", "Summary"), ("s-teams-tools", "Teams & tools"),
                        ("s-summary-2", "Summary")]
    assert '<h2 id="s-teams-tools">Teams &amp; tools</h2>' in page


def test_previous_and_next_link_only_to_reports_that_exist(tmp_path: Path) -> None:
    sep = _adoption(tmp_path, "2026-09")
    assert _pager(sep) == {"prev": None, "next": None}  # alone, and no index yet
    octo = _adoption(tmp_path, "2026-10")
    # rendered after September: links back to it; September does not know October yet
    assert _pager(octo) == {"prev": "adoption_2026-09.html", "next": None}
    assert _pager(sep) == {"prev": None, "next": None}
    render_index(tmp_path, organisation="Org")  # renews every report's links
    assert _pager(sep) == {"prev": None, "index": "index.html", "next": "adoption_2026-10.html"}
    assert _pager(octo) == {"prev": "adoption_2026-09.html", "index": "index.html",
                            "next": None}
    # a gap: July's next is September (the nearest report there is), and a sentiment
    # report is never an adoption report's neighbour
    jul = _adoption(tmp_path, "2026-07")
    _sentiment(tmp_path, "2026-08_pulse")
    render_index(tmp_path)
    assert _pager(jul)["next"] == "adoption_2026-09.html"
    assert _pager(sep)["prev"] == "adoption_2026-07.html"
    # a removed report is no longer linked once the index is written again
    sep.unlink()
    render_index(tmp_path)
    assert _pager(jul)["next"] == "adoption_2026-10.html"
    assert _pager(octo)["prev"] == "adoption_2026-07.html"
    # disabled links are text, not links
    soup = BeautifulSoup(octo.read_text(encoding="utf-8"), "html.parser")
    off = soup.select_one(".pager-next")
    assert off.name == "span" and off["aria-disabled"] == "true" and not off.get("href")


def test_survey_waves_follow_each_other(tmp_path: Path) -> None:
    june, sept = _sentiment(tmp_path, "2026-06_pulse"), _sentiment(tmp_path, "2026-09_pulse")
    render_index(tmp_path)
    assert _pager(june)["next"] == sept.name and _pager(sept)["prev"] == june.name


def test_a_page_without_markers_is_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "notes.html"
    other.write_text("<html><head></head><body>hand-made</body></html>", encoding="utf-8")
    _adoption(tmp_path, "2026-10")
    render_index(tmp_path)
    assert other.read_text(encoding="utf-8") == (
        "<html><head></head><body>hand-made</body></html>")
    html = (tmp_path / "adoption_2026-10.html").read_text(encoding="utf-8")
    assert html.count(PAGER_START) == 1 and html.count(PAGER_END) == 1


def test_titles_name_kind_period_and_organisation() -> None:
    month = report_entry("a.html", {"title": "AI adoption report", "period": "2026-10",
                                    "period_kind": "month"})
    week = report_entry("b.html", {"title": "AI adoption report", "period": "2026-10-05",
                                   "period_kind": "week"})
    wave = report_entry("c.html", {"title": "How people feel", "wave": "2026-09_pulse"})
    # the period in words as adoption.periods words it
    assert page_title(month, "Org") == "AI adoption report · October 2026 · Org"
    assert page_title(week, "Org") == "AI adoption report · The week of 5 October 2026 · Org"
    assert page_title(wave, None) == "How people feel · September 2026 survey"


def test_index_groups_by_kind_newest_period_first(tmp_path: Path) -> None:
    for month in ("2026-08", "2026-10", "2026-09"):
        _adoption(tmp_path, month)
    _sentiment(tmp_path, "2026-06_pulse")
    _sentiment(tmp_path, "2026-09_pulse")
    soup = BeautifulSoup(render_index(tmp_path, organisation="Org").read_text(
        encoding="utf-8"), "html.parser")
    groups = [(s.h2.get_text(), [td.get_text() for td in s.select("tbody td:first-child")])
              for s in soup.select("section")]
    assert groups == [
        ("Monthly adoption reports", ["October 2026", "September 2026", "August 2026"]),
        ("Sentiment reports, by survey wave", ["September 2026", "June 2026"]),
    ]
    assert soup.title.get_text() == "AI adoption reports · Org"
    assert [e.kind for e in read_report_entries(tmp_path)] == ["adoption"] * 3 + [
        "sentiment"] * 2
