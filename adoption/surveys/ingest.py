"""Load one survey export as a wave: match columns to items, apply the response rules, and
stage the survey tables (respondents as keyed hashes: the reader resolves no one).

Rules (also in ``surveys/README.md``; each shows in the batch's counts and notes):

- **Columns** match instrument items by question text, normalised (case, white space,
  punctuation; the statement of ``Matrix question - statement`` and ``Question [Row]``),
  or by item id, Qualtrics column id or ImportId. A mapping file (``mapping`` option; YAML
  ``{column: item}`` or CSV ``column,item``) maps the rest, or says ``ignore``. A question
  column that matches nothing is an error naming the column and the nearest item texts.
- **Preview, test and spam** responses (Qualtrics ``Status`` Survey Preview/Survey Test/Spam,
  ``DistributionChannel`` preview/test) are rejected with that reason.
- **Answers** map to scale values by label (case- and white-space-insensitive) or by numeric
  value; labels listed as ``missing`` (and blanks) are missing and not stored. An answer
  outside the scale rejects the whole response, naming the column and the value.
- **Partial and empty responses** (``Finished`` false or ``Progress`` below 100) are kept when
  at least one scored item is answered; a response with no scored answer is rejected.
- **Duplicates**: several submissions of the same person (same e-mail; for anonymous
  exports, the same response id) count once: the latest, by submit time, is kept; the earlier
  ones are counted as duplicates (and listed in rejects with that reason).
- **Respondents**: an e-mail is staged as ``person_id``, the workspace's keyed hash of it,
  with the team the export states (if any). Who the person is (an alias in ``identities``
  counts), whether they are in the roster and their team and department on the wave date are
  decided when the survey is read (:mod:`adoption.surveys.data`, through the canonical
  layer), so a roster loaded later counts too; people not in the roster are kept (not
  matched, team unknown). Responses without an e-mail (anonymous surveys) keep the team the
  export states (a ``Team``/``Department`` column or the instrument's team question), with
  that team's department on the wave date, person NULL.
- **Wave**: ``wave_date`` defaults to the date of the last kept response, ``wave`` to its
  ``YYYY-MM``. A wave name that already exists is refused: re-ingesting a *different* export
  for the same wave would mix two response sets; pass another ``--wave`` (the same file
  again is recognised by its hash and changes nothing).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from adoption.errors import InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext
from adoption.ingest.text import read_text
from adoption.surveys.exports import Column, Export, Response
from adoption.surveys.instrument import (
    Instrument,
    Item,
    load_instrument,
    normalise_label,
    normalise_text,
)

__all__ = ["IGNORE", "TEAM_HEADERS", "load_export", "load_mapping", "match_columns"]

#: What a mapping file says for a column to skip.
IGNORE = "ignore"
#: Column headers (normalised) that state the respondent's team in anonymous exports.
TEAM_HEADERS = ("team", "department", "your team", "which team are you in",
                "which team do you work in", "team name")
_TEAM = "__team__"


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
class _Match:
    item: Item | None  # None for the team column
    team: bool = False


def match_columns(export: Export, instrument: Instrument, mapping: Mapping[str, str],
                  *, source: str) -> tuple[dict[str, _Match], list[str]]:
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
    out: dict[str, _Match] = {}
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
                out[col.key] = _Match(None, team=True)
                continue
            if mapped not in ids:
                raise InputError(f"{source}: the mapping file maps column {col.label!r} to "
                                 f"{mapped!r}, which is not an item of {instrument.id}; known "
                                 f"items: {sorted(ids)} (or 'ignore', 'team').")
            item = ids[mapped]
        else:
            item = next((by_text[k] for k in keys if k in by_text), None)
        if item is not None and item.id == instrument.team_item:
            out[col.key] = _Match(None, team=True)
        elif item is not None:
            out[col.key] = _Match(item)
        elif any(k in TEAM_HEADERS for k in keys):
            out[col.key] = _Match(None, team=True)
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
class _Parsed:
    response: Response
    answers: list[tuple[str, float]]
    choices: list[tuple[str, str]]
    comments: list[tuple[str, str]]
    team: str | None
    reason: str | None = None


def _parse_response(resp: Response, matches: Mapping[str, _Match], instrument: Instrument,
                    export: Export, labels: Mapping[str, str]) -> _Parsed:
    out = _Parsed(resp, [], [], [], resp.meta_team)
    for key, m in matches.items():
        value = resp.values.get(key)
        if m.team:
            if value not in (None, ""):
                out.team = str(value).strip()
            continue
        item = m.item
        assert item is not None
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
                    out.choices.append((item.id, canonical.get(normalise_label(part), part)))
    return out


def _tz(ctx: FormatContext) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(ctx.workspace.settings.time_zone)


def _aware(ts: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=tz) if ts.tzinfo is None else ts


def _redacted(ctx: FormatContext, resp: Response) -> str | None:
    return None if ctx.redact else resp.raw


def load_export(ctx: FormatContext, export: Export) -> LoadCounts:
    """Store one export as a wave (inside the batch's transaction); returns its counts."""
    source = ctx.name
    instrument = load_instrument(ctx.options.get("instrument") or None)
    mapping = load_mapping(ctx.options.get("mapping") or None)
    if not export.responses:
        raise InputError(f"{source}: the export has its header rows but no responses; "
                         "nothing to ingest. Export the responses again once there are some.")
    if not export.columns:
        raise InputError(f"{source}: the export has no question columns.")
    matches, ignored = match_columns(export, instrument, mapping, source=source)
    if not any(m.item is not None and m.item.scored for m in matches.values()):
        raise InputError(f"{source}: no column matches a scored (likert or nps) item of "
                         f"{instrument.id}; is it an export of this survey?")
    labels = {c.key: c.label for c in export.columns}
    tz = _tz(ctx)
    counts = LoadCounts(read=len(export.responses))
    rejects: list[tuple[int, str, str | None]] = []
    kept: list[_Parsed] = []
    preview = partial_kept = partial_dropped = empty = outside = 0
    for resp in export.responses:
        resp.submitted_at = _aware(resp.submitted_at, tz)
        if resp.exclude:
            rejects.append((resp.row, f"{resp.exclude}: not a real response",
                            _redacted(ctx, resp)))
            preview += 1
            continue
        parsed = _parse_response(resp, matches, instrument, export, labels)
        if parsed.reason:
            rejects.append((resp.row, parsed.reason, _redacted(ctx, resp)))
            outside += 1
            continue
        if not parsed.answers:
            if resp.finished:
                rejects.append((resp.row, "no scored item answered (empty response)",
                                _redacted(ctx, resp)))
                empty += 1
            else:
                rejects.append((resp.row, "partial response with no scored item answered",
                                _redacted(ctx, resp)))
                partial_dropped += 1
            continue
        if not resp.finished:
            partial_kept += 1
        kept.append(parsed)
    if not kept:
        ctx.reject(rejects)
        counts.rejected = len(rejects)
        return counts  # the batch reports every row rejected, with the reasons

    dates = [p.response.submitted_at for p in kept if p.response.submitted_at is not None]
    option_date = ctx.options.get("wave_date")
    if option_date:
        try:
            wave_date = dt.date.fromisoformat(str(option_date))
        except ValueError as e:
            raise InputError(f"--wave-date {option_date!r} is not an ISO date (YYYY-MM-DD)."
                             ) from e
    elif dates:
        wave_date = max(d.astimezone(tz) for d in dates).date()
    elif ctx.as_of:
        wave_date = ctx.as_of
    else:
        raise InputError(f"{source}: the export has no response dates; pass --wave-date.")
    wave = str(ctx.options.get("wave") or wave_date.strftime("%Y-%m"))
    prior = ctx.con.execute("SELECT batch_id FROM survey_waves WHERE wave = ?",
                            [wave]).fetchone()
    if prior is not None:
        raise InputError(
            f"{source}: wave {wave!r} already exists (batch {prior[0]}); a different export "
            "for the same wave would mix two sets of responses. Pass --wave with another "
            "name, or remove the earlier batch first.")

    # respondents: the keyed hash of the e-mail, or the team the export states; who that is
    # and their team on the wave date are decided at read time (adoption.surveys.data)
    person_ids = ctx.workspace.pseudonymise([p.response.email for p in kept])
    records = []
    anonymous = 0
    for k, (p, person) in enumerate(zip(kept, person_ids, strict=True)):
        resp = p.response
        if person is None:  # no e-mail: anonymous, the export's team
            anonymous += 1
        rid = resp.response_id or f"row{resp.row}"
        records.append({"k": k, "person": person, "team": p.team, "rid": rid})

    # duplicates: same person (or same response id), the latest submission counts
    groups: dict[str, list[int]] = {}
    for rec in records:
        key = f"p:{rec['person']}" if rec["person"] else f"r:{rec['rid']}"
        groups.setdefault(key, []).append(rec["k"])
    duplicate_of: set[int] = set()
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    for members in groups.values():
        if len(members) < 2:
            continue
        latest = max(members, key=lambda k: (kept[k].response.submitted_at or epoch,
                                              kept[k].response.row))
        for k in members:
            if k != latest:
                duplicate_of.add(k)
                r = kept[k].response
                rejects.append((r.row, "duplicate submission: a later submission of the same "
                                "respondent counts", _redacted(ctx, r)))
    final = [rec for rec in records if rec["k"] not in duplicate_of]
    rids = ctx.workspace.pseudonymise([f"{wave}:{rec['rid']}" for rec in final])

    respondents, answers, choices, comments = [], [], [], []
    for rec, rid in zip(final, rids, strict=True):
        p = kept[rec["k"]]
        respondents.append({"wave": wave, "respondent_id": rid, "person_id": rec["person"],
                            "team": rec["team"], "department": None, "matched": False,
                            "submitted_at": p.response.submitted_at,
                            "finished": p.response.finished, "batch_id": ctx.batch_id})
        answers += [(wave, rid, i, v, ctx.batch_id) for i, v in p.answers]
        choices += [(wave, rid, i, c, ctx.batch_id) for i, c in p.choices]
        comments += [(wave, rid, i, t, ctx.batch_id) for i, t in p.comments]

    asked = {m.item.id for m in matches.values() if m.item is not None}
    items = []
    for it in instrument.items:
        if it.id not in asked:
            continue
        scale = instrument.scales.get(it.scale or "")
        items.append({"wave": wave, "item_id": it.id, "construct": it.construct,
                      "stage": it.stage, "text": it.text, "kind": it.kind, "scale": it.scale,
                      "scale_min": scale.min if scale else None,
                      "scale_max": scale.max if scale else None, "reverse": it.reverse,
                      "favourable_min": scale.favourable_min(it.kind) if scale else None,
                      "batch_id": ctx.batch_id})
    is_anonymous = all(rec["person"] is None for rec in final)
    ctx.con.execute("INSERT INTO survey_waves VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [wave, instrument.id, instrument.version, wave_date, is_anonymous,
                     export.format, len(final), ctx.batch_id])
    ctx.insert_frame("survey_items", pd.DataFrame(items))
    resp_frame = pd.DataFrame(respondents)
    resp_frame["submitted_at"] = pd.to_datetime(resp_frame["submitted_at"], utc=True)
    ctx.insert_frame("survey_respondents", resp_frame)
    cols = ["wave", "respondent_id", "item_id"]
    ctx.insert_frame("survey_answers", pd.DataFrame(answers, columns=[*cols, "value",
                                                                      "batch_id"]))
    ctx.insert_frame("survey_choices", pd.DataFrame(choices, columns=[*cols, "choice",
                                                                      "batch_id"]))
    ctx.insert_frame("survey_comments", pd.DataFrame(comments, columns=[*cols, "text",
                                                                        "batch_id"]))
    ctx.reject(rejects)

    counts.loaded = len(final)
    counts.duplicate = len(duplicate_of)
    counts.rejected = len(rejects) - len(duplicate_of)
    local = [d.astimezone(tz).date() for d in dates]
    counts.first_date = min(local) if local else wave_date
    counts.last_date = max(local) if local else wave_date
    notes = [f"wave {wave} ({wave_date}), instrument {instrument.id} {instrument.version}: "
             f"{len(final)} respondents, {len(answers)} answers, {len(comments)} comments"]
    if preview:
        notes.append(f"{preview} preview/test/spam responses rejected")
    if outside:
        notes.append(f"{outside} responses rejected for an answer outside the scale")
    if partial_kept:
        notes.append(f"{partial_kept} partial responses kept (some scored items answered)")
    if partial_dropped or empty:
        notes.append(f"{partial_dropped + empty} responses rejected with no scored answer")
    if duplicate_of:
        notes.append(f"{len(duplicate_of)} earlier duplicate submissions (the latest counts)")
    if anonymous:
        stated = sum(1 for rec in final if rec["person"] is None and rec["team"])
        notes.append(f"{anonymous} anonymous responses ({stated} with a stated team)")
    if ignored:
        notes.append(f"columns ignored: {ignored}")
    missing = [it.id for it in instrument.items if it.scored and it.id not in asked]
    if missing:
        notes.append(f"items not in this export: {missing}")
    counts.notes.extend(notes)
    return counts

