"""Load one survey export as a wave: match columns to items, apply the response rules, and
stage the survey tables (respondents as keyed hashes: the reader resolves no one).

Rules (also in ``surveys/README.md``; each shows in the batch's counts and notes):

- **Columns and answers**: see :mod:`adoption.surveys.answers` (matching by question text or
  a mapping file; choice answers by label, or by code when the export writes numbers).
- **Preview, test and spam** responses (Qualtrics ``Status`` Survey Preview/Survey Test/Spam,
  ``DistributionChannel`` preview/test) are rejected with that reason.
- **Answers** map to scale values by label (case- and white-space-insensitive) or by numeric
  value; labels listed as ``missing`` (and blanks) are missing and not stored. An answer
  outside the scale rejects the whole response, naming the column and the value.
- **Partial and empty responses** (``Finished`` false or ``Progress`` below 100) are kept when
  at least one scored item is answered; a response with no scored answer is rejected. With
  the option ``completed_only`` (``--completed-only``) every partial response is rejected,
  with that reason.
- **Duplicates**: several submissions of the same person (same e-mail; for anonymous
  exports, the same response id) count once: the latest, by submit time, is kept; the earlier
  ones are counted as duplicates (and listed in rejects with that reason).
- **Respondents**: an e-mail is staged as ``person_id``, the workspace's keyed hash of it,
  with the team the response states (a ``Team``/``Department`` column or the instrument's team
  question), else the option ``audience_team`` (``--audience-team TEAM``: everyone an
  anonymous web-link collector was sent to is in that team). Who the person is (an alias in
  ``identities`` counts), whether they are in the roster and their team and department on the
  wave date are decided when the survey is read (:mod:`adoption.surveys.data`, through the
  canonical layer), so a roster loaded later counts too: the roster's team on the wave date
  first, else the staged team (self-reported, or the audience team). People not in the roster
  are kept (not matched). Responses without an e-mail (anonymous surveys) keep the staged
  team, with that team's department on the wave date, person NULL.
- **Wave**: ``wave_date`` defaults to the date of the last kept response, ``wave`` to the
  month of the median response date and the instrument, ``2025-11_ai_adoption_pulse``
  (:mod:`adoption.surveys.waves`). A wave name that already exists is refused:
  re-ingesting a *different* export for the same wave would mix two response sets; pass
  another ``--wave`` (the same file again is recognised by its hash and changes nothing).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

import pandas as pd

from adoption.errors import InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext
from adoption.surveys.answers import (
    ParsedResponse,
    choice_codes,
    load_mapping,
    match_columns,
    parse_response,
)
from adoption.surveys.exports import Export, Response
from adoption.surveys.instrument import Instrument, load_instrument
from adoption.surveys.waves import default_wave_name

__all__ = ["load_export"]

_TRUE = {"1", "true", "yes", "y", "on"}


def _tz(ctx: FormatContext) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(ctx.workspace.settings.time_zone)


def _aware(ts: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=tz) if ts.tzinfo is None else ts


def _redacted(ctx: FormatContext, resp: Response) -> str | None:
    return None if ctx.redact else resp.raw


@dataclass
class _Screened:
    """Responses kept for the wave, the rejected rows, and counts for the note."""

    kept: list[ParsedResponse] = field(default_factory=list)
    rejects: list[tuple[int, str, str | None]] = field(default_factory=list)
    preview: int = 0
    outside: int = 0
    partial_kept: int = 0
    partial_dropped: int = 0
    incomplete: int = 0
    empty: int = 0
    coded: int = 0
    unknown_codes: int = 0


def _screen(ctx: FormatContext, export: Export, instrument: Instrument, matches: dict,
            completed_only: bool) -> _Screened:
    """Apply the response rules (module docstring) to every response of the export."""
    labels = {c.key: c.label for c in export.columns}
    codes = choice_codes(export)
    tz = _tz(ctx)
    out = _Screened()
    for resp in export.responses:
        resp.submitted_at = _aware(resp.submitted_at, tz)
        if resp.exclude:
            out.rejects.append((resp.row, f"{resp.exclude}: not a real response",
                                _redacted(ctx, resp)))
            out.preview += 1
            continue
        if completed_only and not resp.finished:
            progress = "" if resp.progress is None else f", Progress {resp.progress:g}%"
            out.rejects.append((resp.row, f"partial response (Finished false{progress}): "
                                "left out by --completed-only", _redacted(ctx, resp)))
            out.incomplete += 1
            continue
        parsed = parse_response(resp, matches, instrument, export, labels, codes)
        if parsed.reason:
            out.rejects.append((resp.row, parsed.reason, _redacted(ctx, resp)))
            out.outside += 1
            continue
        if not parsed.answers:
            if resp.finished:
                out.rejects.append((resp.row, "no scored item answered (empty response)",
                                    _redacted(ctx, resp)))
                out.empty += 1
            else:
                out.rejects.append((resp.row, "partial response with no scored item answered",
                                    _redacted(ctx, resp)))
                out.partial_dropped += 1
            continue
        out.partial_kept += not resp.finished
        out.coded += parsed.coded
        out.unknown_codes += parsed.unknown_codes
        out.kept.append(parsed)
    return out


def _wave(ctx: FormatContext, kept: list[ParsedResponse], instrument: Instrument
          ) -> tuple[str, dt.date, list[dt.date]]:
    """(wave name, wave date, local response days) of the kept responses."""
    tz = _tz(ctx)
    days = [p.response.submitted_at.astimezone(tz).date() for p in kept
            if p.response.submitted_at is not None]
    option_date = ctx.options.get("wave_date")
    if option_date:
        try:
            wave_date = dt.date.fromisoformat(str(option_date))
        except ValueError as e:
            raise InputError(f"--wave-date {option_date!r} is not an ISO date (YYYY-MM-DD)."
                             ) from e
    elif days:
        wave_date = max(days)
    elif ctx.as_of:
        wave_date = ctx.as_of
    else:
        raise InputError(f"{ctx.name}: the export has no response dates; pass --wave-date.")
    wave = str(ctx.options.get("wave") or default_wave_name(days, instrument.id, wave_date))
    prior = ctx.con.execute("SELECT batch_id, source_format FROM survey_waves WHERE wave = ?",
                            [wave]).fetchone()
    if prior is not None:
        raise InputError(
            f"{ctx.name}: wave {wave!r} already exists (batch {prior[0]}, {prior[1]}); a "
            "different export for the same wave would mix two sets of responses. Pass --wave "
            "with another name, or remove the earlier batch first.")
    return wave, wave_date, days


def _teams(ctx: FormatContext, kept: list[ParsedResponse], notes: list[str]) -> list[dict]:
    """Per kept response: the keyed hash of the e-mail and the staged team (rules: module
    docstring); who that is and their team on the wave date are decided at read time."""
    person_ids = ctx.workspace.pseudonymise([p.response.email for p in kept])
    audience = (ctx.options.get("audience_team") or "").strip() or None
    records = []
    anonymous = stated = self_reported = by_audience = 0
    for k, (p, person) in enumerate(zip(kept, person_ids, strict=True)):
        anonymous += person is None
        team = p.team or None
        if team is not None:  # the team the response states
            stated += person is None
            self_reported += person is not None
        elif audience:
            team = audience
            by_audience += 1
        rid = p.response.response_id or f"row{p.response.row}"
        records.append({"k": k, "person": person, "team": team, "rid": rid})
    if anonymous:
        notes.append(f"{anonymous} anonymous responses ({stated} with a stated team)")
    if self_reported:
        notes.append(f"{self_reported} respondents with an e-mail state a team: it counts "
                     "when the roster does not place them on the wave date")
    if by_audience:
        known = {t for (t,) in ctx.con.execute(
            "SELECT DISTINCT team FROM roster_snapshots WHERE team IS NOT NULL").fetchall()}
        warn = "" if audience in known else (f"; {audience!r} is not a team of any roster "
                                             "loaded so far")
        notes.append(f"{by_audience} responses without a stated team put in the audience team "
                     f"{audience!r} (--audience-team; the roster's team wins for a respondent "
                     f"it places){warn}")
    return records


def _duplicates(ctx: FormatContext, kept: list[ParsedResponse], records: list[dict],
                rejects: list[tuple[int, str, str | None]]) -> set[int]:
    """Earlier submissions of one respondent (same person, or same response id): rejected
    as duplicates; the latest by submit time counts."""
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
    return duplicate_of


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
    completed_only = str(ctx.options.get("completed_only", "")).strip().lower() in _TRUE
    counts = LoadCounts(read=len(export.responses))
    screened = _screen(ctx, export, instrument, matches, completed_only)
    kept, rejects = screened.kept, screened.rejects
    if not kept:
        counts.rejected = ctx.reject(rejects)
        return counts  # the batch reports every row rejected, with the reasons

    wave, wave_date, days = _wave(ctx, kept, instrument)
    team_notes: list[str] = []
    records = _teams(ctx, kept, team_notes)
    duplicate_of = _duplicates(ctx, kept, records, rejects)
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
    counts.first_date = min(days) if days else wave_date
    counts.last_date = max(days) if days else wave_date
    notes = [f"wave {wave} ({wave_date}), instrument {instrument.id} {instrument.version}: "
             f"{len(final)} respondents, {len(answers)} answers, {len(comments)} comments"]
    s = screened
    for n, text in ((s.preview, "preview/test/spam responses rejected"),
                    (s.incomplete, "partial responses (Finished false) rejected: "
                                   "--completed-only"),
                    (s.outside, "responses rejected for an answer outside the scale"),
                    (s.partial_kept, "partial responses kept (some scored items answered)"),
                    (s.partial_dropped + s.empty, "responses rejected with no scored answer"),
                    (len(duplicate_of), "earlier duplicate submissions (the latest counts)"),
                    (s.coded, "choice answers given as codes, read as their options' labels"),
                    (s.unknown_codes, "choice codes that name no option (kept as given)")):
        if n:
            notes.append(f"{n} {text}")
    notes.extend(team_notes)
    if ignored:
        notes.append(f"columns ignored: {ignored}")
    missing = [it.id for it in instrument.items if it.scored and it.id not in asked]
    if missing:
        notes.append(f"items not in this export: {missing}")
    counts.notes.extend(notes)
    return counts
