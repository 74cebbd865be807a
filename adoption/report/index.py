"""The reports index: one self-contained page linking every rendered report, newest first."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from adoption.errors import PeriodError, ReportError
from adoption.periods import label_period, period_title
from adoption.report.escape import csp_meta_tag, escape_html

__all__ = [
    "INDEX_NAME",
    "META_PREFIX",
    "ReportEntry",
    "read_report_entries",
    "read_report_meta",
    "render_index",
    "write_text_atomic",
]

INDEX_NAME = "index.html"
#: Rendered reports carry ``<meta name="adoption:KEY" content="VALUE">`` tags in their head.
META_PREFIX = "adoption:"
_HEAD_BYTES = 65536

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{csp}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 900px; margin: 0 auto; padding: 32px; line-height: 1.5; }}
h1 {{ font-size: 26px; margin-bottom: 4px; }}
p.sub {{ color: #555; margin-top: 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; margin-top: 16px; }}
th, td {{ text-align: left; padding: 6px 10px; border-bottom: 1px solid #e2e2e2; }}
th {{ border-bottom: 1px solid #999; }}
a {{ color: #0b5cad; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="sub">{subtitle}</p>
{body}
</body>
</html>
"""


@dataclass(frozen=True)
class ReportEntry:
    """One rendered report as listed in the index."""

    file: str
    title: str
    period: str
    period_kind: str
    period_start: dt.date | None
    rendered_at: dt.datetime


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class _MetaReader(HTMLParser):
    """Collects ``<meta name="adoption:KEY" content="VALUE">`` tags, in any attribute order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            a = dict(attrs)
            name = a.get("name") or ""
            if name.startswith(META_PREFIX) and a.get("content") is not None:
                self.meta[name.removeprefix(META_PREFIX)] = str(a["content"])


def read_report_meta(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``adoption:`` meta tags of a rendered report (read from the start of the file)."""
    with Path(path).open("r", encoding="utf-8", errors="replace") as fh:
        head = fh.read(_HEAD_BYTES)
    reader = _MetaReader()
    reader.feed(head.split("</head>")[0])
    return reader.meta


_WAVE_MONTH = re.compile(r"^\d{4}-\d{2}")


def _entry(path: Path) -> ReportEntry:
    meta = read_report_meta(path)
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    try:
        rendered = dt.datetime.fromisoformat(meta["rendered_at"])
    except (KeyError, ValueError):
        rendered = mtime
    start = None
    # a survey report is listed under its wave, dated by the month its name starts with
    # (2026-09_ai_adoption_pulse, or an older 2026-09)
    label = meta.get("period") or meta.get("wave") or ""
    kind = meta.get("period_kind", "") if meta.get("period") else ("survey wave" if label else "")
    when = label if meta.get("period") else (_WAVE_MONTH.match(label) or [""])[0]
    if when:
        try:
            start = label_period(when, meta.get("period_kind") or None).start
        except PeriodError:
            start = None
    return ReportEntry(file=path.name, title=meta.get("title") or path.stem,
                       period=label, period_kind=kind, period_start=start,
                       rendered_at=rendered)


def read_report_entries(reports_dir: str | os.PathLike[str]) -> list[ReportEntry]:
    """The HTML reports in ``reports_dir`` (not the index), newest period first."""
    folder = Path(reports_dir)
    entries = [_entry(p) for p in folder.glob("*.html")
               if p.name != INDEX_NAME and not p.name.startswith(".")]
    return sorted(entries, key=lambda e: (e.period_start or dt.date.min, e.rendered_at),
                  reverse=True)


def render_index(reports_dir: str | os.PathLike[str], *, organisation: str | None = None) -> Path:
    """Write ``index.html`` in ``reports_dir``: a page linking every report, newest first.

    Parameters
    ----------
    reports_dir : path-like
        Folder with the rendered reports.
    organisation : str, optional
        Shown under the page title.

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
    rows = []
    for e in read_report_entries(folder):
        when = e.period
        if e.period:
            with contextlib.suppress(PeriodError):
                when = period_title(label_period(e.period, e.period_kind or None))
        rows.append(
            f'<tr><td>{escape_html(when[:1].upper() + when[1:] if when else "–")}</td>'
            f'<td><a href="{escape_html(quote(e.file))}">{escape_html(e.title)}</a></td>'
            f"<td>{e.rendered_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC</td></tr>"
        )
    body = ("<table><thead><tr><th>Period</th><th>Report</th><th>Rendered</th></tr></thead>"
            "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>") if rows else (
        "<p>No reports yet. Render one with <code>adoption report --period 2026-01</code>.</p>")
    n = len(rows)
    subtitle = " · ".join(x for x in (organisation, f"{n} report{'s' if n != 1 else ''}") if x)
    page = _PAGE.format(title="AI adoption reports", subtitle=escape_html(subtitle), body=body,
                        csp=csp_meta_tag())
    return write_text_atomic(folder / INDEX_NAME, page)
