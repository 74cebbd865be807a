"""GitHub Copilot's 28-day per-user usage-metrics report (API version 2026-03-10).

``github_copilot_users_28_day`` (activity windows, rank 32)
    ``GET /orgs/{org}/copilot/metrics/reports/users-28-day/latest`` (and the enterprise
    one): one record per user for the 28-day window, the fields of the per-user daily
    report with ``report_start_day`` and ``report_end_day`` in place of ``day``. Each record
    becomes one ``activity_periods`` row (tool ``GitHub Copilot``): a *window* source, so a
    window straddling a period boundary makes the user *unknown* for both periods under the
    canonical rules (:mod:`adoption.canonical.build`), never active and never inactive.
    ``events`` = interactions + generations + CLI prompts; the whole record (but the login
    and user id) is kept in ``detail``. A 28-day file whose records carry ``day`` is read
    as daily records by ``github_copilot_user_metrics`` instead. GitHub's documentation says
    the 28-day user files do not match the daily user-teams files: this reader never joins
    them, and team figures come from the roster.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.vendors.github import (
    TOOL,
    _bad,
    _count,
    _first_record,
    _norm,
    _raw,
    _read_records,
    _require,
    user_activity,
)
from adoption.vendors.github_links import empty_report

__all__ = ["FORMATS", "USERS_28_DAY"]

SOURCE = "https://docs.github.com/en/copilot/reference/copilot-usage-metrics/example-schema"
USERS_28_DAY = "github_copilot_users_28_day"


# -- 28-day per-user report ------------------------------------------------------------------

def _sniff_users_28_day(s: Sniff) -> bool:
    rec = _first_record(s)
    return (rec is not None and "day" not in rec and bool({"user_login", "user_id"} & set(rec))
            and {"report_start_day", "report_end_day"} <= set(rec)
            and "day_totals" not in rec)


def _user_window(ctx: FormatContext, rec: Any) -> tuple[dict, str | None]:
    if not isinstance(rec, dict):
        return {}, "record is not a JSON object"
    login = rec.get("user_login")
    if not isinstance(login, str) or not login.strip():
        return {}, "field user_login: empty; a user_id alone cannot be matched to a person"
    span = []
    for field in ("report_start_day", "report_end_day"):
        try:
            span.append(dt.date.fromisoformat(str(rec.get(field)).strip()[:10]))
        except ValueError:
            return {}, _bad(field, rec.get(field), "is not a date (YYYY-MM-DD)")
    if span[1] < span[0]:
        return {}, f"report_end_day {span[1]} is before report_start_day {span[0]}"
    total, features, why = user_activity(rec)
    if why:
        return {}, why
    flags = any(v is True for k, v in rec.items() if k.startswith("used_"))
    days, why = _count(rec, "active_days") if "active_days" in rec else (None, None)
    if why:
        return {}, why
    detail = {k: v for k, v in rec.items() if k not in ("user_login", "user_id")}
    return {"login": _norm(login), "start": span[0], "end": span[1], "events": total,
            "active": bool(total or features or flags), "active_days": days,
            "detail": json.dumps(detail, sort_keys=True)}, None


def _load_users_28_day(ctx: FormatContext) -> LoadCounts:
    records = _read_records(ctx.path)
    if not records:
        return empty_report(ctx, "28-day per-user usage-metrics report")
    found = {k for _, r, _ in records if isinstance(r, dict) for k in r}
    _require(ctx.name, "Copilot 28-day per-user usage-metrics report", found,
             ("user_login", "report_start_day", "report_end_day"),
             ("user_login", "report_start_day", "report_end_day"))
    counts = LoadCounts(read=len(records))
    rejects, good = [], {}
    for line, rec, error in records:
        row, why = ({}, error) if error else _user_window(ctx, rec)
        if why:
            rejects.append((line, why, None if error else _raw(ctx, rec)))
        elif (row["login"], row["start"], row["end"]) in good:
            counts.duplicate += 1
        else:
            good[(row["login"], row["start"], row["end"])] = row
    counts.rejected = ctx.reject(rejects)
    if not good:
        return counts
    rows = list(good.values())
    ids = dict(zip(sorted({r["login"] for r in rows}),
                   ctx.workspace.pseudonymise(sorted({r["login"] for r in rows})), strict=True))
    frame = pd.DataFrame({
        "person_id": [ids[r["login"]] for r in rows], "tool": TOOL, "source": USERS_28_DAY,
        "period_start": [r["start"] for r in rows], "period_end": [r["end"] for r in rows],
        "active": [r["active"] for r in rows],
        "active_days": pd.array([r["active_days"] for r in rows], dtype="Int32"),
        "events": pd.array([r["events"] for r in rows], dtype="Int64"),
        "last_active": pd.Series([None] * len(rows), dtype="object"),
        "detail": [r["detail"] for r in rows], "batch_id": ctx.batch_id})
    ctx.con.register("_gh28", frame)
    try:
        new = ctx.con.execute("""INSERT INTO activity_periods
            SELECT person_id, tool, source, CAST(period_start AS DATE), CAST(period_end AS DATE),
                   active, active_days, events, CAST(last_active AS DATE), detail, batch_id
            FROM _gh28 g WHERE NOT EXISTS (
                SELECT 1 FROM activity_periods a WHERE a.person_id = g.person_id
                  AND a.tool = g.tool AND a.source = g.source
                  AND a.period_start = CAST(g.period_start AS DATE)
                  AND a.period_end = CAST(g.period_end AS DATE))""").fetchone()[0]
    finally:
        ctx.con.unregister("_gh28")
    counts.loaded = int(new)
    counts.duplicate += len(rows) - counts.loaded
    counts.first_date = min(r["start"] for r in rows)
    counts.last_date = max(r["end"] for r in rows)
    counts.notes.append("28-day windows: a person is counted in a period only when the window "
                        "lies inside it (a window straddling two periods is unknown for both)")
    return counts


FORMATS: list[SourceFormat] = [
    SourceFormat(
        USERS_28_DAY, "activity",
        "GitHub Copilot 28-day per-user usage-metrics report (NDJSON, one window per user)",
        (".ndjson", ".jsonl", ".json"), _sniff_users_28_day, _load_users_28_day, rank=32,
        source=SOURCE),
]
