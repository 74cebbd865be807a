"""Readers of survey exports, unedited: generic CSV/XLSX, Qualtrics, Microsoft Forms, Google
Forms and SurveyMonkey.

Each reader turns one file into an :class:`Export`: its question columns (with every text they
may match an instrument item by) and its responses (row number, response id, e-mail, submit
time, finished/progress, a preview/test/spam flag, and the raw cells). Matching the columns to
an instrument and storing the wave is :mod:`adoption.surveys.ingest`'s job.

Every reader checks the file is text (or a workbook) first: a PDF, a PNG or a workbook renamed
``.csv`` gives an :class:`~adoption.errors.InputError` that says what the file really is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adoption.errors import InputError
from adoption.ingest.text import binary_kind, read_text

__all__ = [
    "Column",
    "Export",
    "Response",
    "read_csv_rows",
    "read_generic",
    "read_google_forms",
    "read_microsoft_forms",
    "read_qualtrics",
    "read_surveymonkey",
    "read_xlsx_rows",
]

QUALTRICS_SOURCE = ("https://www.qualtrics.com/support/survey-platform/data-and-analysis-module/"
                    "data/download-data/understanding-your-dataset/")
MS_FORMS_SOURCE = ("https://support.microsoft.com/en-us/office/"
                   "check-your-form-results-02859ba4-8a6e-4b5e-9b89-0d6e6cf3b3b2")
GOOGLE_FORMS_SOURCE = "https://support.google.com/docs/answer/139706"
GOOGLE_GRID_SOURCE = "https://developers.google.com/apps-script/reference/forms/checkbox-grid-item"
SURVEYMONKEY_SOURCE = ("https://help.surveymonkey.com/en/surveymonkey/analyze/"
                       "exporting-individual-responses/")


@dataclass
class Column:
    """One question column of an export.

    Attributes
    ----------
    key : str
        Unique key of the column within the export (its header, or Qualtrics' column id).
    label : str
        How messages name the column (header text).
    texts : tuple of str
        Every text it may match an item by, most specific first (full question text, the
        statement of a matrix row, the column id, Qualtrics' ImportId).
    option : str or None
        For one-column-per-option layouts (SurveyMonkey multiple choice): the option.
    """

    key: str
    label: str
    texts: tuple[str, ...]
    option: str | None = None


@dataclass
class Response:
    """One row of an export (one submission)."""

    row: int
    values: dict[str, Any]
    response_id: str | None = None
    email: str | None = None
    submitted_at: dt.datetime | None = None
    finished: bool = True
    progress: float | None = None
    exclude: str | None = None
    meta_team: str | None = None
    raw: str | None = None


@dataclass
class Export:
    """A survey export read into columns and responses."""

    format: str
    columns: list[Column]
    responses: list[Response]
    multi_separator: str | None = ","
    has_email_column: bool = False
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# reading files


def read_csv_rows(path: Path) -> list[list[str]]:
    """Every record of a CSV (comma, semicolon or tab separated), quotes and newlines kept."""
    text = read_text(path)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise InputError(f"{path.name}: not a readable CSV file ({e}).") from e
    return [r for r in rows if any(c.strip() for c in r)] if rows else []


def read_xlsx_rows(path: Path) -> list[list[Any]]:
    """Every row of the first sheet of a workbook (cells as openpyxl gives them)."""
    head = path.read_bytes()[:8]
    if not head.startswith(b"PK"):
        what = binary_kind(path.read_bytes()[:8192]) or "a text file"
        raise InputError(f"{path.name}: this is {what}, not an Excel workbook (.xlsx).")
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any failure means: not a workbook we can read
        raise InputError(f"{path.name}: not a readable Excel workbook ({e}).") from e
    try:
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()
    return [r for r in rows if any(c not in (None, "") for c in r)]


def _raw_line(cells: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(["" if c is None else str(c) for c in cells])
    return buf.getvalue().rstrip("\r\n")


def _cell(row: list[Any], i: int | None) -> Any:
    if i is None or i >= len(row):
        return None
    value = row[i]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _text_candidates(text: str) -> tuple[str, ...]:
    """A header's full text, plus the statement of ``Q - statement`` and ``Q [statement]``."""
    text = " ".join(str(text).split())
    out = [text]
    m = re.match(r"^(.*\S)\s*\[([^\]]+)\]\s*$", text)
    if m:
        out.append(m.group(2).strip())
    if " - " in text:
        out.append(text.rsplit(" - ", 1)[1].strip())
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------------------------
# dates

_GOOGLE_TS = re.compile(
    r"^(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})\s*([AP]M)?\s*"
    r"(?:GMT([+-]\d{1,2})(?::?(\d{2}))?)?$", re.IGNORECASE)
_US_TS = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?$",
                    re.IGNORECASE)


def _hour(h: int, ampm: str | None) -> int:
    if not ampm:
        return h
    ampm = ampm.upper()
    if ampm == "AM":
        return 0 if h == 12 else h
    return h if h == 12 else h + 12


def parse_datetime(value: Any) -> dt.datetime | None:
    """A submit time from any of the export layouts (naive = the workspace's time zone).

    Accepts datetimes (Excel cells), Excel serial numbers, ISO 8601, Google Forms'
    ``2026/03/15 10:12:45 AM GMT+1`` and US-style ``3/15/2026 10:12:45 [AM]`` (month first,
    unless the first number is above 12).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # Excel serial day number (1900 system)
            return dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value))
        return None
    text = str(value).strip()
    m = _GOOGLE_TS.match(text)
    if m:
        y, mo, d, h, mi, s, ampm, tzh, tzm = m.groups()
        out = dt.datetime(int(y), int(mo), int(d), _hour(int(h), ampm), int(mi), int(s))
        if tzh is not None:
            sign = -1 if tzh.startswith("-") else 1
            offset = dt.timedelta(hours=abs(int(tzh)), minutes=int(tzm or 0))
            out = out.replace(tzinfo=dt.timezone(sign * offset))
        return out
    m = _US_TS.match(text)
    if m:
        a, b, y, h, mi, s, ampm = m.groups()
        month, day = (int(a), int(b)) if int(a) <= 12 else (int(b), int(a))
        return dt.datetime(int(y), month, day, _hour(int(h), ampm), int(mi), int(s or 0))
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _truthy(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("true", "1", "yes", "y", "1.0"):
        return True
    if text in ("false", "0", "no", "n", "0.0"):
        return False
    return None


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip().rstrip("%"))
    except (TypeError, ValueError):
        return None


def _email(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text if "@" in text else None  # Forms writes "anonymous" for anonymous responses


# --------------------------------------------------------------------------------------------
# metadata columns per format (header -> role); every other column is a question

Roles = dict[str, str]
_GENERIC_META: Roles = {
    "responseid": "id", "response id": "id", "respondent id": "id", "id": "id",
    "submission id": "id", "email": "email", "e-mail": "email", "email address": "email",
    "recipientemail": "email", "work email": "email", "timestamp": "submitted",
    "submitted at": "submitted", "submitted_at": "submitted", "completion time": "submitted",
    "enddate": "submitted", "end date": "submitted", "recordeddate": "submitted",
    "date": "submitted", "startdate": "ignore", "start date": "ignore", "start time": "ignore",
    "finished": "finished", "progress": "progress", "status": "status", "name": "ignore",
    "first name": "ignore", "last name": "ignore", "ipaddress": "ignore",
    "ip address": "ignore", "duration (in seconds)": "ignore", "last modified time": "ignore",
    "distributionchannel": "channel", "userlanguage": "ignore", "collector id": "ignore",
}
_QUALTRICS_META: Roles = {
    "startdate": "ignore", "enddate": "ignore", "status": "status", "ipaddress": "ignore",
    "progress": "progress", "duration (in seconds)": "ignore", "finished": "finished",
    "recordeddate": "submitted", "responseid": "id", "recipientlastname": "ignore",
    "recipientfirstname": "ignore", "recipientemail": "email", "externalreference": "ignore",
    "externaldatareference": "ignore", "locationlatitude": "ignore",
    "locationlongitude": "ignore", "distributionchannel": "channel", "userlanguage": "ignore",
    "q_recaptchascore": "ignore", "q_relevantidduplicate": "ignore",
    "q_relevantidduplicatescore": "ignore", "q_relevantidfraudscore": "ignore",
    "q_relevantidlaststartdate": "ignore", "q_ballotboxstuffing": "ignore",
    "q_totalduration": "ignore", "q_url": "ignore",
}
_MS_FORMS_META: Roles = {
    "id": "id", "start time": "ignore", "completion time": "submitted", "email": "email",
    "name": "ignore", "last modified time": "ignore", "total points": "ignore",
    "quiz feedback": "ignore",
}
_GOOGLE_META: Roles = {"timestamp": "submitted", "email address": "email", "score": "ignore"}
_SURVEYMONKEY_META: Roles = {
    "respondent id": "id", "collector id": "ignore", "start date": "ignore",
    "end date": "submitted", "ip address": "ignore", "email address": "email",
    "first name": "ignore", "last name": "ignore",
}
_SM_CUSTOM = re.compile(r"^custom data \d+$")

#: Qualtrics' Status codes and texts that are not real responses.
_QUALTRICS_STATUS = {"1": "survey preview", "2": "survey test", "8": "spam",
                     "9": "preview spam", "12": "imported spam",
                     "survey preview": "survey preview", "survey test": "survey test",
                     "spam": "spam", "preview spam": "preview spam"}
_EXCLUDED_CHANNELS = {"preview": "preview", "test": "test"}


def _roles(headers: list[str], table: Roles, extra: Callable[[str], bool] | None = None
           ) -> dict[int, str]:
    out = {}
    for i, h in enumerate(headers):
        key = " ".join(str(h or "").split()).casefold()
        if key in table:
            out[i] = table[key]
        elif extra is not None and extra(key):
            out[i] = "ignore"
    return out


def _responses(rows: list[list[Any]], first_row: int, roles: dict[int, str],
               columns: dict[int, Column]) -> list[Response]:
    """Responses of data rows, using each metadata role where the export has it."""
    out = []
    by_role = {role: i for i, role in sorted(roles.items(), reverse=True)}
    for n, row in enumerate(rows, start=first_row):
        resp = Response(row=n, values={c.key: _cell(row, i) for i, c in columns.items()},
                        raw=_raw_line(row))
        rid = _cell(row, by_role.get("id"))
        resp.response_id = None if rid is None else str(rid).strip()
        resp.email = _email(_cell(row, by_role.get("email")))
        resp.submitted_at = parse_datetime(_cell(row, by_role.get("submitted")))
        finished = _truthy(_cell(row, by_role.get("finished")))
        resp.progress = _number(_cell(row, by_role.get("progress")))
        resp.finished = (finished is not False) and (resp.progress is None
                                                    or resp.progress >= 100)
        status = _cell(row, by_role.get("status"))
        if status is not None:
            key = str(status).strip().casefold()
            key = key[:-2] if key.endswith(".0") else key
            if key in _QUALTRICS_STATUS:
                resp.exclude = f"{_QUALTRICS_STATUS[key]} response (Status {status})"
        channel = _cell(row, by_role.get("channel"))
        if resp.exclude is None and channel is not None:
            key = str(channel).strip().casefold()
            if key in _EXCLUDED_CHANNELS:
                resp.exclude = f"{_EXCLUDED_CHANNELS[key]} response (DistributionChannel {key})"
        out.append(resp)
    return out


def _check_rows(path: Path, rows: list[list[Any]], headers: int) -> None:
    if len(rows) < headers:
        raise InputError(f"{path.name}: the file has no header row; it is not a survey export.")


# --------------------------------------------------------------------------------------------
# readers


def read_generic(path: Path) -> Export:
    """A plain table: one header row of question texts (or item ids), one row per response.

    CSV (any delimiter, UTF-8 with or without BOM) or XLSX (first sheet). Recognised metadata
    columns (case-insensitive): a response id (``ResponseId``, ``Response ID``, ``Id``), an
    e-mail (``Email``, ``Email Address``, ``RecipientEmail``), a submit time (``Timestamp``,
    ``Submitted at``, ``Completion time``, ``EndDate``, ``Date``), ``Finished``,
    ``Progress``, ``Status``; names, IP addresses and start times are ignored.
    """
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    rows = read_xlsx_rows(path) if xlsx else read_csv_rows(path)
    _check_rows(path, rows, 1)
    headers = ["" if h is None else str(h).strip() for h in rows[0]]
    roles = _roles(headers, _GENERIC_META)
    columns = {i: Column(h, h, _text_candidates(h)) for i, h in enumerate(headers)
               if i not in roles and h}
    return Export("survey_xlsx" if xlsx else "survey_csv", list(columns.values()),
                  _responses(rows[1:], 2, roles, columns), multi_separator=";" if xlsx else ",",
                  has_email_column="email" in roles.values())


def read_qualtrics(path: Path) -> Export:
    """Qualtrics "Export data" CSV: three header rows, one row per response.

    Row 1 holds column ids (``StartDate`` ... ``UserLanguage``, then ``Q1``, ``Q5_1`` for
    matrix rows, embedded data by name), row 2 the question text (``Matrix question -
    statement`` for matrix rows), row 3 ``{"ImportId":"QID5_1"}``. Values are choice text or
    numeric recodes; multi-select answers are comma-joined. ``Status`` 1/2/8 (or "Survey
    Preview", "Survey Test", "Spam") and ``DistributionChannel`` preview/test mark responses
    that are not real; ``Finished`` and ``Progress`` mark partial ones. ``_DO`` (display
    order) columns are ignored. Layout: Qualtrics, "Understanding your dataset",
    https://www.qualtrics.com/support/survey-platform/data-and-analysis-module/data/download-data/understanding-your-dataset/
    """
    rows = read_csv_rows(path)
    _check_rows(path, rows, 3)
    ids = [str(h).strip() for h in rows[0]]
    texts = [str(t).strip() for t in rows[1]] + [""] * len(ids)
    imports = []
    for cell in list(rows[2]) + [""] * len(ids):
        try:
            imports.append(str(json.loads(cell).get("ImportId", "")))
        except (ValueError, AttributeError):
            imports.append("")
    roles = _roles(ids, _QUALTRICS_META, lambda k: k.endswith("_do"))
    columns = {i: Column(h, texts[i] or h, (*_text_candidates(texts[i] or h), h, imports[i]))
               for i, h in enumerate(ids) if i not in roles and h}
    return Export("qualtrics_csv", list(columns.values()),
                  _responses(rows[3:], 4, roles, columns), multi_separator=",",
                  has_email_column=True)


def read_microsoft_forms(path: Path) -> Export:
    """Microsoft Forms "Open results in Excel" workbook.

    Columns ``Id``, ``Start time``, ``Completion time``, ``Email``, ``Name``, optionally
    ``Last modified time`` (and ``Total points``/``Quiz feedback`` for quizzes), then one
    column per question (one per statement for Likert questions). Times are Excel dates;
    anonymous responses have ``anonymous`` as Email and Name; multi-select answers are joined
    by ``;`` (with a trailing ``;``). Layout: Microsoft Support, "Check your form results",
    https://support.microsoft.com/en-us/office/check-your-form-results-02859ba4-8a6e-4b5e-9b89-0d6e6cf3b3b2
    (the page describes "Open results in Excel"; the column details above are as observed in
    exported workbooks).
    """
    rows = read_xlsx_rows(path)
    _check_rows(path, rows, 1)
    headers = ["" if h is None else str(h).strip() for h in rows[0]]
    roles = _roles(headers, _MS_FORMS_META, lambda k: k.startswith(("points -", "feedback -")))
    columns = {i: Column(h, h, _text_candidates(h)) for i, h in enumerate(headers)
               if i not in roles and h}
    return Export("microsoft_forms_xlsx", list(columns.values()),
                  _responses(rows[1:], 2, roles, columns), multi_separator=";",
                  has_email_column=True)


def read_google_forms(path: Path) -> Export:
    """Google Forms "Download responses (.csv)" (or the linked Sheet saved as CSV).

    ``Timestamp`` (``2026/03/15 10:12:45 AM GMT+1`` or ``3/15/2026 10:12:45``), optionally
    ``Email Address`` (or ``Email address``) and ``Score``, then one column per question
    text; grid questions have one column per row, ``Question [Row]``; checkbox answers are
    joined by ``", "``. There is no response id: the row number stands in. Layout: Google
    Docs Editors Help, https://support.google.com/docs/answer/139706, and the grid items of
    https://developers.google.com/apps-script/reference/forms/checkbox-grid-item
    """
    rows = read_csv_rows(path)
    _check_rows(path, rows, 1)
    headers = [str(h).strip() for h in rows[0]]
    roles = _roles(headers, _GOOGLE_META)
    columns = {i: Column(h, h, _text_candidates(h)) for i, h in enumerate(headers)
               if i not in roles and h}
    out = _responses(rows[1:], 2, roles, columns)
    for r in out:
        r.response_id = f"row{r.row}"
    return Export("google_forms_csv", list(columns.values()), out, multi_separator=",",
                  has_email_column="email" in roles.values())


def read_surveymonkey(path: Path) -> Export:
    """SurveyMonkey "All responses data" CSV (expanded layout): two header rows.

    Row 1: ``Respondent ID``, ``Collector ID``, ``Start Date``, ``End Date``, ``IP Address``,
    ``Email Address``, ``First Name``, ``Last Name``, ``Custom Data 1``, then each question
    text with blank cells continuing it over its sub-columns. Row 2: ``Response`` or
    ``Open-Ended Response`` for single columns, the row statement of a matrix, or the option
    of a multiple-choice question (whose cells then hold the option text when chosen).
    Dates are ``MM/DD/YYYY HH:MM:SS AM``. Layout: SurveyMonkey Help, "Exporting individual
    responses",
    https://help.surveymonkey.com/en/surveymonkey/analyze/exporting-individual-responses/
    (column details as observed in "All responses data" CSV exports; the condensed layout,
    one column per question, reads as a generic survey CSV after removing its second row).
    """
    rows = read_csv_rows(path)
    _check_rows(path, rows, 2)
    top = [str(h).strip() for h in rows[0]]
    sub = [str(s).strip() for s in rows[1]] + [""] * len(top)
    roles = _roles(top, _SURVEYMONKEY_META, lambda k: bool(_SM_CUSTOM.match(k)))
    columns: dict[int, Column] = {}
    question = ""
    for i, h in enumerate(top):
        if i in roles:
            question = ""
            continue
        question = h or question
        if not question:
            continue
        s = sub[i]
        if s.casefold() in ("", "response", "open-ended response"):
            columns[i] = Column(f"{question}#{i}", question, _text_candidates(question))
        else:
            columns[i] = Column(f"{question}#{i}", f"{question} - {s}",
                                (f"{question} - {s}", s, question), option=s)
    return Export("surveymonkey_csv", list(columns.values()),
                  _responses(rows[2:], 3, roles, columns), multi_separator=None,
                  has_email_column="email" in roles.values())
