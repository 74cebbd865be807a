"""GitHub Copilot usage-metrics reports beyond the daily per-user one (API version 2026-03-10).

The usage-metrics endpoints (https://docs.github.com/en/rest/copilot/copilot-usage-metrics)
answer with signed ``download_links`` to NDJSON files (:mod:`adoption.vendors.github_links`
refuses that answer); this module reads the organisation and enterprise reports:

``github_copilot_usage_aggregates`` (team_usage, rank 36)
    ``GET /orgs/{org}/copilot/metrics/reports/organization-1-day?day=``,
    ``.../organization-28-day/latest`` and the enterprise equivalents
    (``/enterprises/{enterprise}/copilot/metrics/reports/enterprise-1-day`` and
    ``enterprise-28-day/latest``). One record per organisation or enterprise,
    ``{"organization_id" or "enterprise_id", "report_start_day", "report_end_day",
    "day_totals": [...]}`` ("Enterprise-level schema example",
    https://docs.github.com/en/copilot/reference/copilot-usage-metrics/example-schema);
    each day total has ``day``, the active-user counts (``daily_active_users``,
    ``weekly_active_users``, ``monthly_active_users``, ``monthly_active_agent_users``,
    ``monthly_active_chat_users``, ``daily_active_cli_users``, the Copilot code review and
    cloud agent user counts), the activity counts, ``totals_by_ide``, ``totals_by_feature``
    (features and chat modes: ``code_completion``, ``agent_edit``, ``chat_panel_agent_mode``
    ...), ``totals_by_language_feature``, ``totals_by_language_model``,
    ``totals_by_model_feature``, ``totals_by_cli`` (sessions, requests, prompts, tokens),
    ``pull_requests`` (created, reviewed, merged, median minutes to merge, Copilot-authored
    and Copilot-reviewed, suggestions by comment type) and ``totals_by_ai_adoption_phase``.
    Every number becomes one ``team_usage`` row (scope x day x feature x editor x language x
    model x metric; :func:`flatten_day_total` says how nested blocks are named), and every
    day total is kept whole in ``vendor_records`` (AI credits too, as raw detail only). A day
    already loaded for the same scope (a 1-day file and a 28-day file overlap) is a
    duplicate. Aggregates: no person, never a count of distinct users over a period.

The 28-day per-user report is read by :mod:`adoption.vendors.github_users_28_day`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from adoption.errors import InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.vendors.github import (
    TOOL,
    _bad,
    _day,
    _first_record,
    _read_records,
    _require,
    _tz,
)
from adoption.vendors.github_links import empty_report

__all__ = ["AGGREGATES", "FORMATS", "flatten_day_total"]

SOURCE = "https://docs.github.com/en/copilot/reference/copilot-usage-metrics/example-schema"
AGGREGATES = "github_copilot_usage_aggregates"
#: List entries: the field naming the breakdown -> the team_usage column it goes to.
_DIMS = {"feature": "feature", "ide": "editor", "language": "language", "model": "model"}
#: List entries named by another field: list key -> (name field, feature prefix).
_NAMED = {"totals_by_ai_adoption_phase": ("label", "ai_adoption_phase"),
          "totals_by_3rd_party_agent": ("agent_name", "3rd_party_agent"),
          "copilot_suggestions_by_comment_type": ("comment_type", "comment_type")}
#: Top-level blocks (objects) -> feature.
_BLOCKS = {"totals_by_cli": "cli", "pull_requests": "pull_requests",
           "totals_by_copilot_app": "copilot_app", "agent_edit": "agent_edit"}
_RAW_ONLY = ("credits",)  # usage-based spend: kept in detail, read by its own feature
_AGG_FIELDS = ("day_totals", "organization_id", "enterprise_id", "report_start_day",
               "report_end_day")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def flatten_day_total(total: dict) -> list[tuple[str, str | None, str | None, str | None,
                                                 str, float]]:
    """Every number of one day total as ``(feature, editor, language, model, metric, value)``.

    Top-level numbers have feature ``all``; ``totals_by_feature`` and the other lists give
    their entry's ``feature`` / ``ide`` (editor) / ``language`` / ``model``; the blocks
    ``totals_by_cli``, ``pull_requests``, ``totals_by_copilot_app`` and ``agent_edit`` are
    features of their own (``cli``, ``pull_requests`` ...), nested objects joined with a dot
    (``token_usage.output_tokens_sum``); AI-adoption phases, third-party agents and comment
    types are features ``ai_adoption_phase:<label>``, ``3rd_party_agent:<name>`` and
    ``pull_requests`` with metric ``<comment type>.<count>``. Texts, booleans and any
    ``*credits*`` field (kept as raw detail only) are left out.
    """
    rows: list[tuple] = []

    def walk(node: dict, feature: str, dims: dict, prefix: str) -> None:
        for key, value in node.items():
            if (any(w in key for w in _RAW_ONLY) or key in _DIMS or key.endswith("_id")
                    or "_id_" in key):
                continue
            if _number(value):
                rows.append((dims.get("feature", feature), dims.get("editor"),
                             dims.get("language"), dims.get("model"), prefix + key,
                             float(value)))
            elif isinstance(value, dict):
                walk(value, _BLOCKS.get(key, feature) if not prefix else feature, dims,
                     "" if key in _BLOCKS and not prefix else f"{prefix}{key}.")
            elif isinstance(value, list):
                for item in value:
                    if not isinstance(item, dict):
                        continue
                    if key in _NAMED:
                        field, name = _NAMED[key]
                        label = str(item.get(field) or item.get("phase") or "unknown")
                        if name == "comment_type":
                            walk({k: v for k, v in item.items() if k != field}, feature, dims,
                                 f"{prefix}{label}.")
                        else:
                            walk({k: v for k, v in item.items() if k != field},
                                 f"{name}:{label}", dims, prefix)
                        continue
                    sub = {**dims, **{_DIMS[k]: str(item[k]) for k in _DIMS if item.get(k)}}
                    walk(item, feature, sub, prefix)

    walk(total, "all", {}, "")
    return rows


# -- organisation and enterprise reports -----------------------------------------------------

def _sniff_aggregates(s: Sniff) -> bool:
    rec = _first_record(s)
    return (rec is not None and isinstance(rec.get("day_totals"), list)
            and "user_login" not in rec)


def _scope(ctx: FormatContext, rec: dict) -> tuple[str, str]:
    option = (ctx.options.get("scope") or "").strip() if ctx.options else ""
    kind = "organization" if rec.get("organization_id") not in (None, "") else "enterprise"
    ident = rec.get("organization_id") if kind == "organization" else rec.get("enterprise_id")
    if option:
        return kind, option.partition(":")[2].strip() or option
    return kind, str(ident if ident not in (None, "") else kind)


def _window(ctx: FormatContext, rec: dict, line: int) -> tuple[dt.date | None, dt.date | None]:
    out = []
    for field in ("report_start_day", "report_end_day"):
        value = rec.get(field)
        if value is None:
            out.append(None)
            continue
        try:
            out.append(dt.date.fromisoformat(str(value).strip()[:10]))
        except ValueError as e:
            raise InputError(f"{ctx.name}: line {line}: field {field}: {value!r} is not a date "
                             "(YYYY-MM-DD). Download the report again without editing it.") from e
    return out[0], out[1]


def _load_aggregates(ctx: FormatContext) -> LoadCounts:
    records = _read_records(ctx.path)
    if not records:
        return empty_report(ctx, "organisation or enterprise usage-metrics report")
    found = {k for _, r, _ in records if isinstance(r, dict) for k in r}
    _require(ctx.name, "Copilot organisation or enterprise usage-metrics report", found,
             _AGG_FIELDS, ("day_totals",))
    tz = _tz(ctx)
    rejects, rows, kept, seen = [], [], [], set()
    counts = LoadCounts(read=0)
    windows: list[tuple[dt.date, dt.date]] = []
    for line, rec, error in records:
        if error or not isinstance(rec, dict):
            counts.read += 1
            rejects.append((line, error or "record is not a JSON object", None))
            continue
        scope_type, scope = _scope(ctx, rec)
        start, end = _window(ctx, rec, line)
        if start and end:
            if end < start:
                raise InputError(f"{ctx.name}: line {line}: report_end_day {end} is before "
                                 f"report_start_day {start}. Download the report again.")
            windows.append((start, end))
        known = {r[0] for r in ctx.con.execute(
            "SELECT DISTINCT day FROM team_usage WHERE scope_type = ? AND scope = ? "
            "AND tool = ?", [scope_type, scope, TOOL]).fetchall()}
        for i, total in enumerate(rec.get("day_totals") or [], 1):
            counts.read += 1
            where = f"line {line}, day_totals[{i}]"
            day = _day(total.get("day"), tz) if isinstance(total, dict) else None
            if day is None:
                rejects.append((line, f"{where}: " + _bad("day", total.get("day") if isinstance(
                    total, dict) else total, "is not a date (YYYY-MM-DD)"), None))
                continue
            flat = flatten_day_total(total)
            negative = [r[4] for r in flat if r[5] < 0]
            if negative:
                rejects.append((line, f"{where}: day {day}: negative value of {negative[0]}; "
                                "counts must be 0 or more", None))
                continue
            if day in known or (scope_type, scope, day) in seen:
                counts.duplicate += 1
                continue
            seen.add((scope_type, scope, day))
            rows.extend((scope_type, scope, TOOL, day, f, e, lang, m, None, metric, v,
                         ctx.batch_id) for f, e, lang, m, metric, v in flat)
            kept.append((AGGREGATES, scope_type, scope, None, TOOL, day, start, end,
                         json.dumps(total, sort_keys=True), ctx.batch_id))
    counts.rejected = ctx.reject(rejects)
    frame = pd.DataFrame(rows, columns=["scope_type", "scope", "tool", "day", "feature",
                                        "editor", "language", "model", "repository", "metric",
                                        "value", "batch_id"])
    for c in ("editor", "language", "model", "repository"):
        frame[c] = frame[c].astype("string")
    ctx.insert_frame("team_usage", frame)
    ctx.insert_frame("vendor_records", _records_frame(kept))
    counts.loaded = len(kept)
    days = [k[5] for k in kept] + [d for w in windows for d in w]
    if days:
        counts.first_date, counts.last_date = min(days), max(days)
    counts.notes.append("aggregates of an organisation or enterprise: no distinct users can "
                        "be counted from them")
    return counts


_RECORD_COLUMNS = ["source", "scope_type", "scope", "person_id", "tool", "day", "window_start",
                   "window_end", "detail", "batch_id"]


def _records_frame(kept: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(kept, columns=_RECORD_COLUMNS)
    for c in ("day", "window_start", "window_end"):
        frame[c] = pd.to_datetime(frame[c]).dt.date
    frame["person_id"] = frame["person_id"].astype("string")
    return frame


FORMATS: list[SourceFormat] = [
    SourceFormat(
        AGGREGATES, "team_usage",
        "GitHub Copilot organisation or enterprise usage-metrics report, 1-day or 28-day "
        "(NDJSON with day_totals)",
        (".ndjson", ".jsonl", ".json"), _sniff_aggregates, _load_aggregates, rank=36,
        source=SOURCE),
]
