"""The reports folder as a catalogue: which reports it holds, of which kind and period.

Every rendered report carries ``<meta name="adoption:KEY" content="VALUE">`` tags in its head
(title, period or survey wave, notebook, rendering time); :func:`read_report_entries` reads
them back. The index page and each report's previous/next links are built from these entries,
so both only ever link to files that are there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from adoption.errors import PeriodError
from adoption.periods import label_period, period_title

__all__ = [
    "INDEX_NAME",
    "META_PREFIX",
    "ReportEntry",
    "read_report_entries",
    "read_report_meta",
    "report_entry",
    "report_kind_title",
    "write_text_atomic",
]

INDEX_NAME = "index.html"
#: Rendered reports carry ``<meta name="adoption:KEY" content="VALUE">`` tags in their head.
META_PREFIX = "adoption:"
_HEAD_BYTES = 65536
#: notebook file -> the kind of report it renders (the index's groups, the previous/next links)
_KINDS = {"adoption_report.ipynb": "adoption", "sentiment_report.ipynb": "sentiment"}
#: (kind, period kind) -> the index's heading for the group; the first ones come first
_KIND_TITLES = {
    ("adoption", "month"): "Monthly adoption reports",
    ("adoption", "quarter"): "Quarterly adoption reports",
    ("adoption", "week"): "Weekly adoption reports",
    ("sentiment", "survey wave"): "Sentiment reports, by survey wave",
}
_WAVE_MONTH = re.compile(r"^\d{4}-\d{2}")


@dataclass(frozen=True)
class ReportEntry:
    """One rendered report as the index and the previous/next links see it.

    Attributes
    ----------
    file : str
        File name in the reports folder.
    title : str
        The report's title (e.g. "AI adoption report").
    period : str
        Period label (``2026-01``) or survey wave name.
    period_kind : str
        ``month``, ``quarter``, ``week``, ``survey wave`` or empty.
    period_start : datetime.date or None
        First day of the period (of the wave's month for a survey wave).
    rendered_at : datetime.datetime
    kind : str
        ``adoption``, ``sentiment`` or the notebook's name for another notebook.
    """

    file: str
    title: str
    period: str
    period_kind: str
    period_start: dt.date | None
    rendered_at: dt.datetime
    kind: str = ""

    @property
    def group(self) -> tuple[str, str]:
        """Reports of one group follow one another: same kind, same kind of period."""
        return (self.kind, self.period_kind)

    @property
    def when(self) -> str:
        """The period in words, one style for every kind: ``January 2026``, ``Q1 2026``,
        ``The week of 5 January 2026``; a survey wave by its month (its name when undated)."""
        text = self.period
        if self.period and self.period_kind != "survey wave":
            with contextlib.suppress(PeriodError):
                text = period_title(label_period(self.period, self.period_kind or None))
        elif self.period_start is not None:
            text = period_title(label_period(f"{self.period_start:%Y-%m}", "month"))
        return text[:1].upper() + text[1:]


def report_kind_title(group: tuple[str, str]) -> str:
    """The heading of a group of reports in the index (``Monthly adoption reports``)."""
    kind, period_kind = group
    if group in _KIND_TITLES:
        return _KIND_TITLES[group]
    name = (kind or "other").replace("_", " ")
    return f"{name[:1].upper()}{name[1:]} reports" + (f", by {period_kind}" if period_kind else "")


def _group_order(group: tuple[str, str]) -> tuple[int, str, str]:
    known = list(_KIND_TITLES)
    return (known.index(group) if group in known else len(known), *group)


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


def _entry(path: Path) -> ReportEntry:
    return report_entry(path.name, read_report_meta(path),
                        modified=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC))


def report_entry(file: str, meta: Mapping[str, str], *,
                 modified: dt.datetime | None = None) -> ReportEntry:
    """The catalogue entry of report ``file`` from its ``adoption:`` meta tags.

    Parameters
    ----------
    file : str
        The report's file name.
    meta : mapping
        Its meta tags without the prefix (``title``, ``period``, ``period_kind``, ``wave``,
        ``notebook``, ``rendered_at``).
    modified : datetime, optional
        The rendering time when ``meta`` has none (the file's modification time).
    """
    path = Path(file)
    try:
        rendered = dt.datetime.fromisoformat(meta["rendered_at"])
    except (KeyError, ValueError):
        rendered = modified or dt.datetime.now(dt.UTC)
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
    notebook = meta.get("notebook", "")
    prefix = path.stem.split("_")[0]  # adoption_2026-01.html from before the notebook tag
    report_kind = _KINDS.get(notebook) or notebook.removesuffix(".ipynb") or (
        prefix if prefix in _KINDS.values() else "other")
    return ReportEntry(file=path.name, title=meta.get("title") or path.stem,
                       period=label, period_kind=kind, period_start=start,
                       rendered_at=rendered, kind=report_kind)


def read_report_entries(reports_dir: str | os.PathLike[str]) -> list[ReportEntry]:
    """The HTML reports in ``reports_dir`` (not the index), grouped by kind (adoption reports
    first, then sentiment reports, then any other), newest period first within a group."""
    folder = Path(reports_dir)
    entries = [_entry(p) for p in folder.glob("*.html")
               if p.name != INDEX_NAME and not p.name.startswith(".")]
    entries.sort(key=lambda e: (e.period_start or dt.date.min, e.rendered_at), reverse=True)
    return sorted(entries, key=lambda e: _group_order(e.group))  # stable: newest first kept
