"""Survey export columns and answers: matching columns to instrument items, and reading each
response's answers (scale values, choices, comments, the stated team).

Rules (see :mod:`adoption.surveys.ingest` for how a wave uses them):

- **Columns** match instrument items by question text, normalised (case, white space,
  punctuation; the statement of ``Matrix question - statement`` and ``Question [Row]``),
  or by item id, Qualtrics column id or ImportId. A mapping file (``mapping`` option; YAML
  ``{column: item}`` or CSV ``column,item``) maps the rest, or says ``ignore``.
- **Choice answers** are stored as the item's option labels, matched without case or
  spacing. An answer that is a number (as a Qualtrics export "Use numeric values" writes
  choices, ``1,3`` for a multi-select) is the choice with that code: the code the export
  itself names (Qualtrics names an "other, please specify" column ``Q4_5_TEXT`` after its
  choice's code, with the choice's text in the header), else the option in that position of
  the instrument's list (Qualtrics' default recode values number the choices 1, 2, 3 ... in
  order: https://www.qualtrics.com/support/survey-platform/survey-module/question-options/recode-values/).
  A code that names no option is kept as it is and counted.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from adoption.errors import InputError
from adoption.ingest.text import read_text
from adoption.surveys.exports import Column, Export, Response
from adoption.surveys.instrument import Instrument, Item, normalise_label, normalise_text

__all__ = [
    "IGNORE",
    "TEAM_HEADERS",
    "ColumnMatch",
    "ParsedResponse",
    "choice_codes",
    "load_mapping",
    "match_columns",
    "parse_response",
]

#: What a mapping file says for a column to skip.
IGNORE = "ignore"
#: Column headers (normalised) that state the respondent's team in anonymous exports.
TEAM_HEADERS = ("team", "department", "your team", "which team are you in",
                "which team do you work in", "team name")


def load_mapping(path: str | Path | None) -> dict[str, str]:
    """A column mapping file: column header (or column id) -> item id or ``ignore``.

    YAML: a mapping ``{column: item}`` (or a list of ``{column:, item:}``); CSV: a header
    ``column,item`` and one row per column. Keys are compared normalised.
    """
    if not path:
        return {}
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such mapping file. Check the --mapping path.")
    text = read_text(path)
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if not rows or not {"column", "item"} <= set(rows[0]):
            raise InputError(f"{path.name}: a CSV mapping file needs the header 'column,item'.")
        pairs = [(r["column"], r["item"]) for r in rows if r.get("column")]
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise InputError(f"{path.name}: not valid YAML ({e}).") from e
        if isinstance(data, dict):
            pairs = [(str(k), str(v)) for k, v in data.items()]
        elif isinstance(data, list) and all(isinstance(d, dict) and "column" in d and "item" in d
                                            for d in data):
            pairs = [(str(d["column"]), str(d["item"])) for d in data]
        else:
            raise InputError(f"{path.name}: a YAML mapping file is {{column: item}} or a list "
                             "of {column: ..., item: ...}.")
    return {normalise_text(c): str(i).strip() for c, i in pairs}


@dataclass(frozen=True)
class ColumnMatch:
    item: Item | None  # None for the team column
    team: bool = False


def match_columns(export: Export, instrument: Instrument, mapping: Mapping[str, str],
                  *, source: str) -> tuple[dict[str, ColumnMatch], list[str]]:
    """Column key -> matched item (or team); also the labels of ignored columns.

    Raises
    ------
    InputError
        A column matches no item (with the nearest item texts), a mapping names an unknown
        item, or two columns match the same single-answer item.
    """
    by_text: dict[str, Item] = {}
    for it in instrument.items:
        for t in (it.text, *it.aliases, it.id):
            by_text.setdefault(normalise_text(t), it)
    ids = {it.id: it for it in instrument.items}
    out: dict[str, ColumnMatch] = {}
    ignored: list[str] = []
    unmatched: list[Column] = []
    for col in export.columns:
        keys = [normalise_text(t) for t in (col.key, *col.texts) if t]
        mapped = next((mapping[k] for k in keys if k in mapping), None)
        if mapped is not None:
            if mapped.casefold() == IGNORE:
                ignored.append(col.label)
                continue
            if mapped.casefold() == "team":
                out[col.key] = ColumnMatch(None, team=True)
                continue
            if mapped not in ids:
                raise InputError(f"{source}: the mapping file maps column {col.label!r} to "
                                 f"{mapped!r}, which is not an item of {instrument.id}; known "
                                 f"items: {sorted(ids)} (or 'ignore', 'team').")
            item = ids[mapped]
        else:
            item = next((by_text[k] for k in keys if k in by_text), None)
        if item is not None and item.id == instrument.team_item:
            out[col.key] = ColumnMatch(None, team=True)
        elif item is not None:
            out[col.key] = ColumnMatch(item)
        elif any(k in TEAM_HEADERS for k in keys):
            out[col.key] = ColumnMatch(None, team=True)
        elif col.key.upper().endswith("_TEXT") and export.format == "qualtrics_csv":
            ignored.append(col.label)  # "Other, please specify" text of a choice question
        else:
            unmatched.append(col)
    if unmatched:
        texts = {normalise_text(it.text): it.text for it in instrument.items}
        lines = []
        for col in unmatched[:5]:
            near = difflib.get_close_matches(normalise_text(col.texts[0]), list(texts), n=3,
                                             cutoff=0.4)
            hint = "; nearest items: " + " | ".join(repr(texts[n]) for n in near) if near else ""
            lines.append(f"  - column {col.label!r}{hint}")
        more = f"\n  ... and {len(unmatched) - 5} more" if len(unmatched) > 5 else ""
        raise InputError(
            f"{source}: {len(unmatched)} question column(s) match no item of instrument "
            f"{instrument.id} {instrument.version}:\n" + "\n".join(lines) + more +
            "\nPass --mapping FILE (YAML 'column: item_id' or CSV 'column,item'; use 'ignore' "
            "to skip a column) or --instrument with the survey's own instrument.")
    seen: dict[str, str] = {}
    for col in export.columns:
        m = out.get(col.key)
        if m is None or m.item is None or m.item.kind == "multi":
            continue
        if m.item.id in seen:
            raise InputError(f"{source}: columns {seen[m.item.id]!r} and {col.label!r} both "
                             f"match item {m.item.id!r}; map one of them in a --mapping file.")
        seen[m.item.id] = col.label
    return out, ignored


@dataclass
class ParsedResponse:
    """One response's answers (item, value), choices (item, label), comments (item, text),
    its stated team, and why it is rejected (None when it is not). ``coded`` counts choices
    read from a numeric code, ``unknown_codes`` the codes that name no option."""

    response: Response
    answers: list[tuple[str, float]]
    choices: list[tuple[str, str]]
    comments: list[tuple[str, str]]
    team: str | None
    reason: str | None = None
    coded: int = 0
    unknown_codes: int = 0


_CODE = re.compile(r"^(\d+)(?:\.0+)?$")
_TEXT_COLUMN = re.compile(r"^(.+)_(\d+)_TEXT$", re.IGNORECASE)


def choice_codes(export: Export) -> dict[str, dict[str, str]]:
    """Codes the export itself names: column key -> {code: choice label}.

    Qualtrics names the text column of an "other, please specify" choice after the question
    and the choice's code (``Q4_5_TEXT``), with ``Question - Choice - Text`` as its header
    text; that gives the code of that choice.
    """
    out: dict[str, dict[str, str]] = {}
    for col in export.columns:
        m = _TEXT_COLUMN.match(col.key)
        parts = [p.strip() for p in col.label.split(" - ")]
        if m and len(parts) >= 3 and parts[-1].casefold() == "text":
            out.setdefault(m.group(1), {})[m.group(2)] = parts[-2]
    return out


def _choice(part: str, item: Item, canonical: Mapping[str, str],
            codes: Mapping[str, str]) -> tuple[str, int]:
    """(label, how) of one answer part: 0 a label, 1 a known code, 2 a code of no option."""
    label = canonical.get(normalise_label(part))
    if label is not None:
        return label, 0
    m = _CODE.match(part)
    if m is None or not item.options:
        return part, 0
    code = m.group(1)
    if code in codes:
        named = canonical.get(normalise_label(codes[code]), codes[code])
        return named, 1
    k = int(code)
    if 1 <= k <= len(item.options):
        return item.options[k - 1], 1
    return part, 2


def parse_response(resp: Response, matches: Mapping[str, ColumnMatch], instrument: Instrument,
                   export: Export, labels: Mapping[str, str],
                   codes: Mapping[str, Mapping[str, str]] | None = None) -> ParsedResponse:
    """Read one response's answers through the matched columns (rules: module docstring).

    ``codes`` is :func:`choice_codes` of the export (computed when not given).
    """
    codes = choice_codes(export) if codes is None else codes
    out = ParsedResponse(resp, [], [], [], resp.meta_team)
    for key, m in matches.items():
        value = resp.values.get(key)
        if m.team:
            if value not in (None, ""):
                out.team = str(value).strip()
            continue
        item = m.item
        if item is None:
            continue
        if item.scored:
            scale = instrument.scales[item.scale or ""]
            ok, number = scale.parse(value)
            if not ok:
                out.reason = (f"column {labels[key]!r}: answer {value!r} is not on scale "
                              f"{scale.id} (labels {[lab for lab, _ in scale.labels]} or values "
                              f"{scale.min:g}-{scale.max:g})")
                return out
            if number is not None:
                out.answers.append((item.id, number))
        elif value in (None, ""):
            continue
        elif item.kind == "text":
            text = str(value).strip()
            if text and normalise_label(text) not in ("n/a", "na", "-", "none", "no"):
                out.comments.append((item.id, text))
        else:
            sep = export.multi_separator if item.kind == "multi" else None
            parts = str(value).split(sep) if sep else [str(value)]
            canonical = {normalise_label(o): o for o in item.options}
            for part in parts:
                part = part.strip()
                if part:
                    label, how = _choice(part, item, canonical, codes.get(key, {}))
                    out.coded += how == 1
                    out.unknown_codes += how == 2
                    out.choices.append((item.id, label))
    return out
