"""GitHub's usage-metrics reports without rows: the API's answer that links to them, and
reports of days without activity.

The usage-metrics endpoints (``GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=``,
``.../users-28-day/latest``, ``.../user-teams-1-day?day=`` and the enterprise equivalents,
https://docs.github.com/en/rest/copilot/copilot-usage-metrics, :data:`SOURCE`) do not return
the report: they return an *envelope* with signed ``download_links`` to the report files and
the day or days the report covers, as in the REST reference's example responses::

    {"download_links": ["https://example.com/copilot-usage-report-1.ndjson", ...],
     "report_day": "2025-07-01"}
    {"download_links": [...], "report_start_day": "2025-07-01", "report_end_day": "2025-07-28"}

A user who saves that answer instead of the linked files gets:

- **with links**: refused with an :class:`~adoption.errors.InputError` that lists the links:
  the answer only names the files to download, and this tool makes no network calls;
  download each linked file (the links are signed and expire after a short time) and ingest
  the downloaded NDJSON files;
- **without links**: GitHub published no report for those days (no Copilot activity was
  recorded); the days count as covered, with no activity, so that ``adoption status`` does not
  list them as missing.

A downloaded report file without a record (an empty ``.ndjson`` file, or blank lines) is a
day without activity: zero rows, covering the day given by ``--as-of``, else by a date
(``YYYY-MM-DD``) in the file name; without either, its coverage is unknown and the note says
how to give it.

The envelope does not say which report it links to; it is read as the per-user report
(:data:`FORMAT`), whose days it covers when it has no links. Nothing here reads a person.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from adoption.errors import InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff

__all__ = ["FORMAT", "SOURCE", "empty_report", "is_report_links", "load_report_links",
           "read_report_links", "sniff_empty_report"]

SOURCE = "https://docs.github.com/en/rest/copilot/copilot-usage-metrics"
#: The format that reads an envelope (see the module docstring).
FORMAT = "github_copilot_user_metrics"
_DAY_FIELDS = ("report_day", "report_start_day", "report_end_day")
_NAME_DAY = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def is_report_links(data: Any) -> bool:
    """Whether parsed JSON is the usage-metrics API's answer (``download_links`` and a day)."""
    return (isinstance(data, dict) and isinstance(data.get("download_links"), list)
            and any(k in data for k in _DAY_FIELDS))


def read_report_links(ctx: FormatContext) -> dict | None:
    """The envelope in ``ctx.path``, or None when the file is not one (e.g. NDJSON rows)."""
    try:
        text = ctx.read_text()  # decoded as every reader decodes (adoption.ingest.text)
    except (OSError, InputError):
        return None
    if not text.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None  # NDJSON: one object per line
    return data if is_report_links(data) else None


def _date(ctx: FormatContext, data: dict, field: str) -> dt.date:
    value = data.get(field)
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as e:
        raise InputError(f"{ctx.name}: field {field}: {value!r} is not a date (YYYY-MM-DD). "
                         "Save the API's answer unedited.") from e


def _span(first: dt.date, last: dt.date) -> str:
    return str(first) if first == last else f"{first} to {last}"


def load_report_links(ctx: FormatContext, data: dict) -> LoadCounts:
    """Zero rows for the API's answer without links; an error listing the links otherwise
    (see the module docstring)."""
    if "report_day" in data:
        first = last = _date(ctx, data, "report_day")
    else:
        first = _date(ctx, data, "report_start_day")
        last = _date(ctx, data, "report_end_day") if "report_end_day" in data else first
    if last < first:
        raise InputError(f"{ctx.name}: report_end_day {last} is before report_start_day "
                         f"{first}. Save the API's answer unedited.")
    links = [x for x in data["download_links"] if isinstance(x, str) and x.strip()]
    counts = LoadCounts(empty_ok=True)
    if links:
        listed = "\n".join(f"  - {x}" for x in links)
        raise InputError(
            f"{ctx.name}: this is GitHub's API answer for {_span(first, last)}, not a report: "
            f"it only names the {len(links)} report file(s) to download:\n{listed}\n"
            "This tool makes no network calls. Download each file (the links are signed and "
            "expire after a short time) and ingest the downloaded NDJSON files instead.")
    counts.first_date, counts.last_date = first, last
    counts.notes.append(f"GitHub published no report for {_span(first, last)} (no Copilot "
                        "activity recorded): the days count as covered, with no activity")
    return counts


def empty_report(ctx: FormatContext, what: str) -> LoadCounts:
    """Zero rows for a report file without a record: a day without activity."""
    counts = LoadCounts(empty_ok=True)
    day, how = ctx.as_of, "--as-of"
    if day is None:
        for m in _NAME_DAY.finditer(ctx.path.name):
            try:
                day, how = dt.date(*map(int, m.groups())), "the date in the file name"
                break
            except ValueError:
                continue
    if day is None:
        counts.notes.append(
            f"a {what} without a record (no activity): nothing to load; its day is unknown, so "
            "it covers no day (pass --as-of DAY, or keep the day, YYYY-MM-DD, in the file "
            "name)")
        return counts
    counts.first_date = counts.last_date = day
    counts.notes.append(f"a {what} without a record: no activity on {day} ({how}); the day "
                        "counts as covered")
    return counts


def sniff_empty_report(s: Sniff) -> bool:
    """An ``.ndjson`` file of blank lines only: an empty report download (GitHub's reports
    are ``.ndjson``; an empty ``.jsonl`` or ``.json`` is not claimed, as it may be anything)."""
    return s.suffix == ".ndjson" and not s.text.strip()
