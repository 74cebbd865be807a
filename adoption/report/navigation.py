"""A rendered report's navigation: its title, its contents bar, its previous/next links.

The report template leaves :data:`NAV_PLACEHOLDER` where the navigation goes;
:func:`insert_navigation` gives every section heading (``<h2>``) an id and puts there the
links to the previous and next report of the same kind (only to files in the reports
folder), to the index, and a contents bar of the sections. The previous/next links sit
between :data:`PAGER_START` and :data:`PAGER_END`, so that :func:`refresh_navigation` can
renew them in every report when a report is added or removed. No script: the page's policy
allows none, and the navigation needs none.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from adoption.report.catalogue import (
    INDEX_NAME,
    ReportEntry,
    read_report_entries,
    write_text_atomic,
)
from adoption.report.escape import escape_html

__all__ = [
    "NAV_PLACEHOLDER",
    "PAGER_END",
    "PAGER_START",
    "add_section_ids",
    "insert_navigation",
    "page_title",
    "pager_html",
    "refresh_navigation",
]

#: Where the report template wants the navigation.
NAV_PLACEHOLDER = "<!--adoption:nav-->"
PAGER_START, PAGER_END = "<!--adoption:pager-->", "<!--/adoption:pager-->"
_PAGER = re.compile(re.escape(PAGER_START) + ".*?" + re.escape(PAGER_END), re.DOTALL)
#: a section heading as nbconvert's Markdown renderer writes it (no attributes: the anchor
#: links are excluded); values from users' files never make one (they are escaped)
_SECTION = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def page_title(entry: ReportEntry, organisation: str | None = None) -> str:
    """A report's ``<title>``: kind, period and organisation, e.g. ``AI adoption report ·
    October 2026 · Example Corp`` (a survey wave: ``... · September 2026 survey · ...``)."""
    when = entry.when + (" survey" if entry.period_kind == "survey wave" and entry.period_start
                         else "")
    return " · ".join(x for x in (entry.title, when, organisation) if x)


def _slug(text: str, taken: set[str]) -> str:
    base = "s-" + (re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section")
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def add_section_ids(page: str) -> tuple[str, list[tuple[str, str]]]:
    """Give each section heading (``<h2>``) of ``page`` an id.

    Returns
    -------
    tuple
        The page, and its sections as ``(id, heading text)`` in order.
    """
    sections: list[tuple[str, str]] = []
    taken: set[str] = set()

    def named(m: re.Match[str]) -> str:
        text = " ".join(html.unescape(_TAG.sub("", m[1])).split())
        slug = _slug(text, taken)
        sections.append((slug, text))
        return f'<h2 id="{slug}">{m[1]}</h2>'

    return _SECTION.sub(named, page), sections


def _neighbours(entries: Sequence[ReportEntry], current: ReportEntry
                ) -> tuple[ReportEntry | None, ReportEntry | None]:
    """The nearest earlier and later report of ``current``'s kind in ``entries``."""
    if current.period_start is None:
        return None, None
    same = [e for e in entries if e.group == current.group and e.file != current.file
            and e.period_start is not None]
    earlier = [e for e in same if e.period_start < current.period_start]
    later = [e for e in same if e.period_start > current.period_start]
    key = lambda e: (e.period_start, e.rendered_at)  # noqa: E731
    return (max(earlier, key=key) if earlier else None, min(later, key=key) if later else None)


def _link(entry: ReportEntry | None, *, rel: str, arrow: str, none: str) -> str:
    if entry is None:
        return f'<span class="pager-{rel} pager-off" aria-disabled="true">{none}</span>'
    text = escape_html(entry.when)
    label = f"{arrow} {text}" if rel == "prev" else f"{text} {arrow}"
    return (f'<a class="pager-{rel}" rel="{rel}" href="{escape_html(quote(entry.file))}" '
            f'title="{escape_html(entry.title)}, {text}">{label}</a>')


def pager_html(entries: Sequence[ReportEntry], current: ReportEntry, *,
               index: bool = True) -> str:
    """The previous/next links of ``current`` among ``entries`` (the reports folder), and the
    link to the index when ``index``; a missing neighbour is shown disabled, never linked."""
    prev, nxt = _neighbours(entries, current)
    home = (f'<a class="pager-index" href="{INDEX_NAME}">All reports</a>' if index else "")
    return (f'{PAGER_START}<nav class="pager" aria-label="Other reports">'
            f'{_link(prev, rel="prev", arrow="←", none="No earlier report")}{home}'
            f'{_link(nxt, rel="next", arrow="→", none="No later report")}</nav>{PAGER_END}')


def _contents_html(sections: Sequence[tuple[str, str]]) -> str:
    if not sections:
        return ""
    items = "".join(f'<li><a href="#{slug}">{escape_html(text)}</a></li>'
                    for slug, text in sections)
    return (f'<nav class="contents" aria-label="Contents"><h2 class="nav-title">Contents</h2>'
            f"<ol>{items}</ol></nav>")


def insert_navigation(page: str, *, current: ReportEntry,
                      folder: str | os.PathLike[str]) -> str:
    """``page`` with section ids, and its navigation at :data:`NAV_PLACEHOLDER`.

    Parameters
    ----------
    page : str
        The exported report.
    current : ReportEntry
        The report itself (from the meta tags it is rendered with).
    folder : path-like
        The reports folder it is written to: previous/next link only to reports found there.
    """
    page, sections = add_section_ids(page)
    folder = Path(folder)
    entries = read_report_entries(folder) if folder.is_dir() else []
    pager = pager_html(entries, current, index=(folder / INDEX_NAME).is_file())
    nav = (f'<header class="report-nav">{pager}{_contents_html(sections)}</header>')
    return page.replace(NAV_PLACEHOLDER, nav, 1)


def refresh_navigation(reports_dir: str | os.PathLike[str]) -> list[Path]:
    """Renew the previous/next and index links of every report in ``reports_dir``.

    Reports rendered before the folder gained a neighbour (or lost one) link to what is
    there now. A file without the navigation markers is left alone.

    Returns
    -------
    list of Path
        The reports rewritten.
    """
    folder = Path(reports_dir)
    entries = read_report_entries(folder)
    index = (folder / INDEX_NAME).is_file()
    changed = []
    for entry in entries:
        path = folder / entry.file
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # not one of ours; it has no markers either
            continue
        new = _PAGER.sub(lambda _, e=entry: pager_html(entries, e, index=index), text, count=1)
        if new != text:
            write_text_atomic(path, new)
            changed.append(path)
    return changed
