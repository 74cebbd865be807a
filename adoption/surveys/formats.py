"""Named source formats of adoption.surveys (see :mod:`adoption.ingest.formats`).

Five survey export layouts, each loaded as a wave by :func:`adoption.surveys.ingest.load_export`:

==========================  =====================================================================
``qualtrics_csv``           Qualtrics CSV, three header rows (ids, texts, ImportId JSON)
``surveymonkey_csv``        SurveyMonkey CSV, two header rows (questions, sub-labels)
``google_forms_csv``        Google Forms CSV, ``Timestamp`` then question texts
``microsoft_forms_xlsx``    Microsoft Forms workbook, ``Id``, ``Start time``, ``Completion time``
``survey_csv`` / ``_xlsx``  any table whose header is mostly question texts of the default
                            instrument (or forced with ``--format survey_csv``)
==========================  =====================================================================

Format options (``ctx.options``): ``instrument`` (YAML path; default the shipped
``ai_adoption_pulse``), ``wave`` (default the median response month and the instrument,
``2026-02_ai_adoption_pulse``), ``wave_date`` (ISO date; default the last response's date),
``mapping`` (column mapping file), ``completed_only`` (``true``: partial responses rejected)
and ``audience_team`` (the team of responses that state none).

Sniffers claim only their own layouts: each checks its vendor's fixed metadata columns; the
generic survey table is claimed only when most of its non-metadata columns are question texts
of the default instrument, so roster, usage, seats and tools CSVs are never taken.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Callable

from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.surveys import exports

__all__ = ["FORMATS"]


def _loader(reader: Callable) -> Callable[[FormatContext], LoadCounts]:
    def load(ctx: FormatContext) -> LoadCounts:
        from adoption.surveys.ingest import load_export

        return load_export(ctx, reader(ctx.path))

    return load


def _norm(cells: list) -> list[str]:
    return [" ".join(str(c or "").split()).casefold() for c in cells]


def _csv_rows(s: Sniff) -> list[list[str]]:
    """The first rows, parsed with the standard CSV quoting (doubled quotes inside quotes).

    ``Sniff.csv_rows`` sniffs its dialect from the first line alone, which for a Qualtrics
    header (no quotes) loses the doubled-quote rule its ImportId row needs.
    """
    text = s.text[:64 * 1024]
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    try:
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) >= 20:
                break
        return rows
    except csv.Error:
        return []


def _sniff_qualtrics(s: Sniff) -> bool:
    rows = _csv_rows(s)
    if len(rows) < 3:
        return False
    ids = set(_norm(rows[0]))
    if not ({"responseid", "startdate"} <= ids or {"responseid", "recordeddate"} <= ids):
        return False
    for cell in rows[2]:
        try:
            if isinstance(json.loads(cell), dict) and "ImportId" in json.loads(cell):
                return True
        except ValueError:
            continue
    return False


def _sniff_surveymonkey(s: Sniff) -> bool:
    rows = _csv_rows(s)
    if len(rows) < 2:
        return False
    head = _norm(rows[0])
    return head[:2] == ["respondent id", "collector id"] and "start date" in head


_GOOGLE_TS = re.compile(r"^(\d{4}/\d{1,2}/\d{1,2}|\d{1,2}/\d{1,2}/\d{4}) \d{1,2}:\d{2}:\d{2}")


def _sniff_google(s: Sniff) -> bool:
    rows = _csv_rows(s)
    if len(rows) < 1 or not rows[0] or rows[0][0].strip() != "Timestamp":
        return False
    rest = [h for h in rows[0][1:] if h.strip() and h.strip().casefold() not in
            ("email address", "score")]
    questions = [h for h in rest if len(h.split()) >= 3]
    if len(rest) < 2 or len(questions) < max(2, len(rest) // 2):
        return False  # a usage log with a Timestamp column, not a form
    return len(rows) < 2 or bool(_GOOGLE_TS.match(rows[1][0].strip()))


def _sniff_ms_forms(s: Sniff) -> bool:
    rows = s.xlsx_rows
    if not rows:
        return False
    head = _norm(rows[0])
    return head[:4] == ["id", "start time", "completion time", "email"]


@functools.cache
def _item_texts() -> frozenset[str]:
    from adoption.surveys.instrument import load_instrument, normalise_text

    inst = load_instrument()
    return frozenset(normalise_text(t) for it in inst.items for t in (it.text, *it.aliases, it.id))


def _looks_like_survey(headers: list) -> bool:
    from adoption.surveys.instrument import normalise_text

    texts = _item_texts()
    meta = set(exports._GENERIC_META)
    rest = [h for h in headers if h not in (None, "") and _norm([h])[0] not in meta]
    hits = sum(any(normalise_text(c) in texts for c in exports._text_candidates(str(h)))
               for h in rest)
    return hits >= 2 and hits >= 0.5 * len(rest)


def _sniff_generic_csv(s: Sniff) -> bool:
    if _sniff_qualtrics(s) or _sniff_surveymonkey(s) or _sniff_google(s):
        return False
    rows = _csv_rows(s)
    return bool(rows) and _looks_like_survey(rows[0])


def _sniff_generic_xlsx(s: Sniff) -> bool:
    rows = s.xlsx_rows
    if not rows or _sniff_ms_forms(s):
        return False
    return _looks_like_survey(rows[0])


FORMATS: list[SourceFormat] = [
    SourceFormat(
        name="qualtrics_csv", kind="survey",
        description="Qualtrics survey export CSV (three header rows), loaded as a survey wave",
        suffixes=(".csv", ".tsv"), sniff=_sniff_qualtrics, load=_loader(exports.read_qualtrics),
        rank=60, source=exports.QUALTRICS_SOURCE),
    SourceFormat(
        name="surveymonkey_csv", kind="survey",
        description="SurveyMonkey all-responses CSV (two header rows), loaded as a survey wave",
        suffixes=(".csv",), sniff=_sniff_surveymonkey, load=_loader(exports.read_surveymonkey),
        rank=60, source=exports.SURVEYMONKEY_SOURCE),
    SourceFormat(
        name="google_forms_csv", kind="survey",
        description="Google Forms responses CSV (Timestamp, question texts), a survey wave",
        suffixes=(".csv",), sniff=_sniff_google, load=_loader(exports.read_google_forms),
        rank=60, source=exports.GOOGLE_FORMS_SOURCE),
    SourceFormat(
        name="microsoft_forms_xlsx", kind="survey",
        description="Microsoft Forms results workbook (Id, Start time, Completion time ...)",
        suffixes=(".xlsx",), sniff=_sniff_ms_forms, load=_loader(exports.read_microsoft_forms),
        rank=60, source=exports.MS_FORMS_SOURCE),
    SourceFormat(
        name="survey_csv", kind="survey",
        description="generic survey CSV: one header row of question texts or item ids",
        suffixes=(".csv", ".txt"), sniff=_sniff_generic_csv, load=_loader(exports.read_generic),
        rank=61, source="surveys/README.md"),
    SourceFormat(
        name="survey_xlsx", kind="survey",
        description="generic survey workbook: one header row of question texts or item ids",
        suffixes=(".xlsx",), sniff=_sniff_generic_xlsx, load=_loader(exports.read_generic),
        rank=61, source="surveys/README.md"),
]
