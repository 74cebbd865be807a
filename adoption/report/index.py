"""The reports index: one self-contained page linking every rendered report, grouped by kind
(monthly adoption reports, sentiment reports by survey wave, ...), newest period first, with
the period in one style for every kind (``October 2026``, as :mod:`adoption.periods` words it).
Writing it also renews every report's previous/next links (:mod:`adoption.report.navigation`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from adoption.errors import ReportError
from adoption.report.catalogue import (
    INDEX_NAME,
    read_report_entries,
    report_kind_title,
    write_text_atomic,
)
from adoption.report.escape import csp_meta_tag, escape_html
from adoption.report.navigation import refresh_navigation

__all__ = ["INDEX_NAME", "render_index"]

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{csp}
<style>
{css}
</style>
</head>
<body>
<div class="page index-page">
<main>
<h1>{heading}</h1>
<p class="sub">{subtitle}</p>
{body}
</main>
</div>
</body>
</html>
"""


@cache
def _report_css() -> str:
    """The stylesheet the reports and the index share (``templates/report/report.css``)."""
    return (resources.files("adoption.report") / "templates" / "report" / "report.css"
            ).read_text(encoding="utf-8")


def _table(entries) -> str:
    rows = "\n".join(
        f"<tr><td>{escape_html(e.when or '–')}</td>"
        f'<td><a href="{escape_html(quote(e.file))}">{escape_html(e.title)}</a>'
        + (f" <span class=\"sub\">(wave {escape_html(e.period)})</span>"
           if e.period_kind == "survey wave" else "")
        + f"</td><td>{e.rendered_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC</td></tr>"
        for e in entries)
    return ('<div class="scroll-x" tabindex="0"><table class="reports"><thead><tr>'
            "<th>Period</th><th>Report</th><th>Rendered</th></tr></thead>"
            f"<tbody>\n{rows}\n</tbody></table></div>")


def render_index(reports_dir: str | os.PathLike[str], *, organisation: str | None = None) -> Path:
    """Write ``index.html`` in ``reports_dir``: every report, grouped by kind, newest first.

    Also renews every report's previous/next and index links
    (:func:`adoption.report.navigation.refresh_navigation`), so that they link to what the
    folder holds now.

    Parameters
    ----------
    reports_dir : path-like
        Folder with the rendered reports.
    organisation : str, optional
        Shown under the page title and in the page's title.

    Returns
    -------
    Path
        The index file.

    Raises
    ------
    ReportError
        If ``reports_dir`` is not a folder.
    """
    folder = Path(reports_dir)
    if not folder.is_dir():
        raise ReportError(
            f"Reports folder {str(folder)!r} does not exist. Render a report first, or pass "
            "the workspace's reports/ folder."
        )
    entries = read_report_entries(folder)
    sections = [f"<section><h2>{escape_html(report_kind_title(group))}</h2>\n"
                f"{_table(list(group_entries))}</section>"
                for group, group_entries in itertools.groupby(entries, key=lambda e: e.group)]
    body = "\n".join(sections) or (
        "<p>No reports yet. Render one with <code>adoption report --period 2026-01</code>.</p>")
    n = len(entries)
    subtitle = " · ".join(x for x in (organisation, f"{n} report{'s' if n != 1 else ''}") if x)
    heading = "AI adoption reports"
    title = " · ".join(x for x in (heading, organisation) if x)
    page = _PAGE.format(title=escape_html(title), heading=heading,
                        subtitle=escape_html(subtitle), body=body, csp=csp_meta_tag(),
                        css=_report_css())
    out = write_text_atomic(folder / INDEX_NAME, page)
    refresh_navigation(folder)
    return out
