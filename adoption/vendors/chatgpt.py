"""ChatGPT Enterprise workspace user analytics exports (monthly and weekly CSVs).

Reader ``chatgpt_user_analytics`` (activity windows, rank 32). How to export: in ChatGPT
Enterprise or Edu, *Workspace settings > Workspace analytics* (formerly the *Analytics* tab of
the admin console), button *Export* at the top right, choose the monthly or weekly *User
engagement* report; one CSV per window. Documented by OpenAI's help center,
https://help.openai.com/en/articles/10875114-user-analytics-for-chatgpt-enterprise-and-edu ,
which describes the export but not its columns. The header below is taken from exports
reproduced in public code (column spellings vary slightly between export versions, e.g.
``message_rank`` / ``messages_rank``; unknown extra columns are ignored)::

    cadence, period_start, period_end, account_id, public_id, name, email, role, user_role,
    department, groups, user_status, created_or_invited_date, is_active,
    first_day_active_in_period, last_day_active_in_period, messages, messages_rank,
    model_to_messages, gpt_messages, gpts_messaged, gpt_to_messages, tool_messages,
    tools_messaged, tool_to_messages, project_messages, projects_messaged,
    project_to_messages, projects_created, last_day_active

Fields used: ``email`` (the person: the keyed hash of the e-mail is the roster's person id),
``period_start`` and ``period_end`` (the window, inclusive, ``YYYY-MM-DD``), ``is_active``
(1/0 or true/false; when the column is absent a person is active when ``messages`` > 0),
``messages`` (stored as ``events``), ``last_day_active_in_period`` (stored as
``last_active``; when absent, ``last_day_active`` is used if it lies in the window),
``first_day_active_in_period``, ``credits_used`` (credits consumed in the window, staged into
``usage_units`` as unit ``chatgpt_credit`` on the window's last day,
:mod:`adoption.vendors.credits`), ``cadence`` and the per-kind counts ``gpt_messages``,
``tool_messages``, ``project_messages`` and the maps ``model_to_messages``,
``tool_to_messages``, ``gpt_to_messages``, ``project_to_messages`` (JSON or Python-dict
text), kept as JSON in ``detail`` together with ``user_status``, ``user_role``, ``groups``
(the workspace groups, a list), ``projects_created`` and any column of a newer export this
reader does not know (under its own name; ``credits_used`` and other credit columns are left
to the usage-based spend reader). Names, ``public_id``, ``account_id`` and ``department``
are not stored (the roster is the source of teams).

Each row becomes one ``activity_periods`` row (tool ``ChatGPT Enterprise``, source
``chatgpt_user_analytics``). A weekly file whose window straddles a month boundary keeps its
own window: it is never split, because the export does not say on which days the messages
fell. ``active_days`` stays NULL: the export does not give the number of active days (an
``active_days`` column, if a future export has one, is read and checked).

What it can tell: who was active in a week or a month and how many messages they sent, with
the first and last active day of the window. What it cannot: activity on any particular day
(so no daily or weekly figures from a monthly file), people who never signed in (they may be
absent from the export), or usage outside the workspace.

Impossible values become rejected rows with their reason (listed in the data-quality view):
an end before the start, first or last active day outside the window or in the wrong order,
more active days than days in the window, negative or non-numeric counts, a row marked
inactive with messages, and a ``last_day_active`` before the window's last active day. A row
already loaded (same person, tool, source and window) counts as a duplicate, as does a
repeat within the file. A file without the required columns (``email``, ``period_start``,
``period_end`` and ``is_active`` or ``messages``) gets an error naming the columns found and
the nearest expected ones; nothing of it is loaded.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
from typing import Any

import pandas as pd

from adoption.errors import InputError, missing_names
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.vendors.credits import stage_window_credits

__all__ = ["COLUMNS", "FORMATS", "REQUIRED", "SOURCE", "TOOL"]

TOOL = "ChatGPT Enterprise"
SOURCE = "chatgpt_user_analytics"
URL = "https://help.openai.com/en/articles/10875114-user-analytics-for-chatgpt-enterprise-and-edu"

#: Columns of the user engagement export, in the order found in exports.
COLUMNS = ("cadence", "period_start", "period_end", "account_id", "public_id", "name", "email",
           "role", "user_role", "department", "groups", "user_status",
           "created_or_invited_date", "is_active", "first_day_active_in_period",
           "last_day_active_in_period", "messages", "messages_rank", "message_rank",
           "model_to_messages", "gpt_messages", "gpts_messaged", "gpt_to_messages",
           "tool_messages", "tools_messaged", "tool_to_messages", "project_messages",
           "projects_messaged", "project_to_messages", "projects_created", "last_day_active")
REQUIRED = ("email", "period_start", "period_end")
#: Columns that only this export has; a file must have two of them to be claimed.
MARKERS = ("cadence", "public_id", "account_id", "user_status", "created_or_invited_date",
           "first_day_active_in_period", "last_day_active_in_period", "model_to_messages",
           "gpt_messages", "tool_messages")
COUNTS = ("messages", "gpt_messages", "gpts_messaged", "tool_messages", "tools_messaged",
          "project_messages", "projects_messaged", "projects_created")
MAPS = ("model_to_messages", "tool_to_messages", "gpt_to_messages", "project_to_messages")
#: Columns never kept in ``detail``: identifiers, names and the fields stored as columns.
_NOT_KEPT = {"email", "name", "public_id", "account_id", "department", "active_days"}
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f", ""}


def _sniff(s: Sniff) -> bool:
    header = {c.lower() for c in s.header}
    return set(REQUIRED) <= header and sum(m in header for m in MARKERS) >= 2


def _read(ctx: FormatContext) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.StringIO(ctx.read_text()), dtype=str, keep_default_na=False,
                            sep=None, engine="python")
    except (ValueError, pd.errors.ParserError) as e:
        raise InputError(f"{ctx.name}: cannot be read as CSV ({e}). Use the file exactly as "
                         "downloaded from ChatGPT's workspace analytics.") from e
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if not {"is_active", "messages"} & set(frame.columns):
        missing.append("is_active")
    if missing:
        raise InputError(
            f"{ctx.name}: not an unedited ChatGPT Enterprise user analytics export: columns "
            f"found {list(frame.columns)}; missing {missing_names(missing, frame.columns)}. "
            "Export the monthly or "
            "weekly user report again from Workspace analytics without editing it.")
    return frame


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _whole(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == int(value) else None


def _map(text: str) -> Any:
    """A ``model_to_messages``-style cell as a dict (JSON or Python-literal text)."""
    text = text.strip()
    if not text:
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError):
            continue
    return text


def _row(rec: dict[str, str], columns: set[str]) -> tuple[dict, str | None]:
    email = rec.get("email", "").strip()
    if not email:
        return {}, "column email: empty; the row cannot be matched to a person"
    start, end = _date(rec["period_start"]), _date(rec["period_end"])
    for name, value in (("period_start", start), ("period_end", end)):
        if value is None:
            return {}, f"column {name}: {rec[name]!r} is not a date (YYYY-MM-DD)"
    if end < start:
        return {}, f"period_end {end} is before period_start {start}"
    counts: dict[str, int] = {}
    for name in COUNTS:
        text = rec.get(name, "").strip()
        if not text:
            continue
        value = _whole(text)
        if value is None:
            return {}, f"column {name}: {text!r} is not a whole number"
        if value < 0:
            return {}, f"column {name}: {text!r} is negative; counts must be 0 or more"
        counts[name] = int(value)
    messages = counts.get("messages")
    if "is_active" in columns:
        flag = rec["is_active"].strip().lower()
        if flag not in TRUE | FALSE:
            return {}, f"column is_active: {rec['is_active']!r} is not 1/0 or true/false"
        active = flag in TRUE
        if not active and messages:
            return {}, (f"is_active is {rec['is_active']!r} but messages is {messages}; one of "
                        "them is wrong")
    else:
        active = bool(messages)
    days = (end - start).days + 1
    found = {}
    for name in ("first_day_active_in_period", "last_day_active_in_period", "last_day_active"):
        text = rec.get(name, "").strip()
        found[name] = _date(text)
        if text and found[name] is None:
            return {}, f"column {name}: {text!r} is not a date (YYYY-MM-DD)"
    first, last = found["first_day_active_in_period"], found["last_day_active_in_period"]
    overall = found["last_day_active"]
    for name, value in (("first_day_active_in_period", first),
                        ("last_day_active_in_period", last)):
        if value is not None and not start <= value <= end:
            return {}, f"{name} {value} is outside the window {start} to {end}"
    if first and last and first > last:
        return {}, f"first_day_active_in_period {first} is after last_day_active_in_period {last}"
    if last and overall and overall < last:
        return {}, f"last_day_active {overall} is before last_day_active_in_period {last}"
    if last is None and "last_day_active_in_period" not in columns and overall is not None:
        if active and overall < start:
            return {}, f"last_day_active {overall} is before the window {start} to {end} of " \
                       "an active row"
        last = overall if start <= overall <= end else None
    if (first or last) and not active:
        return {}, "the row has active days but is_active says inactive"
    active_days = None
    text = rec.get("active_days", "").strip()
    if text:
        value = _whole(text)
        if value is None or value < 0:
            return {}, f"column active_days: {text!r} is not a whole number 0 or more"
        if value > days:
            return {}, f"active_days {int(value)} is more than the {days} days of the window"
        active_days = int(value)
    detail = {k: v for k, v in counts.items() if k != "messages"}
    for name in ("cadence", "user_status", "user_role"):
        if rec.get(name, "").strip():
            detail[name] = rec[name].strip()
    for name in (*MAPS, "groups"):
        value = _map(rec.get(name, ""))
        if value is not None:
            detail[name] = value
    for name in sorted(columns - set(COLUMNS) - _NOT_KEPT):
        text = str(rec.get(name, "")).strip()
        if text and "credit" not in name:  # credits: usage-based spend, read elsewhere
            detail[name] = _map(text) if text[:1] in "[{" else text
    if first:
        detail["first_day_active_in_period"] = first.isoformat()
    return {"email": email, "period_start": start, "period_end": end, "active": active,
            "active_days": active_days, "events": messages, "last_active": last,
            "detail": json.dumps(detail, sort_keys=True, default=str)}, None


def _load(ctx: FormatContext) -> LoadCounts:
    frame = _read(ctx)
    columns = set(frame.columns)
    counts = LoadCounts(read=len(frame))
    rejects, good = [], {}
    ids = ctx.workspace.pseudonymise(frame["email"].tolist())
    for i, rec in enumerate(frame.to_dict("records")):
        row, why = _row(rec, columns)
        if why:
            raw = None if ctx.redact else json.dumps(rec, ensure_ascii=False)[:2000]
            rejects.append((i + 2, why, raw))  # the header is line 1
            continue
        key = (ids[i], row["period_start"], row["period_end"])
        if key in good:
            counts.duplicate += 1
        else:
            good[key] = {**row, "person_id": ids[i]}
    counts.rejected = ctx.reject(rejects)
    if not good:
        return counts
    out = pd.DataFrame(list(good.values())).drop(columns="email")
    out["tool"], out["source"], out["batch_id"] = TOOL, SOURCE, ctx.batch_id
    out["active_days"] = out["active_days"].astype("Int64")
    out["events"] = out["events"].astype("Int64")
    con = ctx.con
    con.register("_cg_rows", out)
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE cg_new AS
            SELECT * FROM _cg_rows r WHERE NOT EXISTS (
                SELECT 1 FROM activity_periods a WHERE a.person_id = r.person_id
                  AND a.tool = r.tool AND a.source = r.source
                  AND a.period_start = CAST(r.period_start AS DATE)
                  AND a.period_end = CAST(r.period_end AS DATE))""")
    finally:
        con.unregister("_cg_rows")
    con.execute("""INSERT INTO activity_periods
        SELECT person_id, tool, source, CAST(period_start AS DATE), CAST(period_end AS DATE),
               active, active_days, events, CAST(last_active AS DATE), detail, batch_id
        FROM cg_new""")
    stage_window_credits(ctx, counts, frame, ids, con.execute(
        "SELECT person_id, period_start, period_end FROM cg_new").df(), tool=TOOL, source=SOURCE)
    new = con.execute("SELECT count(*), min(period_start), max(period_end) FROM cg_new"
                      ).fetchone()
    counts.loaded = int(new[0])
    counts.duplicate += len(out) - counts.loaded
    counts.first_date = min(r["period_start"] for r in good.values())
    counts.last_date = max(r["period_end"] for r in good.values())
    windows = {(r["period_start"], r["period_end"]) for r in good.values()}
    straddling = [w for w in windows if (w[0].year, w[0].month) != (w[1].year, w[1].month)]
    if straddling:
        counts.notes.append(f"{len(straddling)} window(s) straddle a month boundary and are "
                            "kept whole (not split between months)")
    return counts


FORMATS: list[SourceFormat] = [
    SourceFormat(
        SOURCE, "activity",
        "ChatGPT Enterprise workspace user analytics export (monthly or weekly CSV)",
        (".csv",), _sniff, _load, rank=32, source=URL),
]
