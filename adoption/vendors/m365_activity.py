"""Microsoft 365 Copilot usage: the admin center's "User last activity table" export.

How to export
-------------
Microsoft 365 admin center > Reports > Usage > Microsoft 365 Copilot > Copilot, the *Usage*
tab; choose the timeframe (7, 30, 90 or 180 days) at the top, then, above the user table,
*Choose columns* (optional) and *Export*. The CSV has one row per user licensed for Microsoft
365 Copilot at any point in the last 180 days (also those whose licence was removed, and
those who never used it). Layout: "Microsoft 365 Copilot usage report", section *User last
activity table*, https://learn.microsoft.com/microsoft-365/admin/activity-reports/microsoft-365-copilot-usage
(:data:`SOURCE`).

Layout
------
One header row; the columns are those chosen under *Choose columns*, any subset and order of:
``User name`` (the user principal name), ``Display name``, ``Prompts submitted (any app)``,
``Copilot Chat (work) prompts submitted``, ``Copilot Chat (web) prompts submitted``,
``Active Days`` (days the user submitted prompts to Copilot Chat in the timeframe), ``Last
activity date (UTC)`` (the last message to Copilot Chat, whatever the timeframe), and
``Last activity date of <app> (UTC)`` for Teams Copilot, Word Copilot, Excel Copilot,
PowerPoint Copilot, Outlook Copilot, OneNote Copilot, Loop Copilot, Copilot Chat (work),
Copilot Chat (web), Microsoft 365 App, Microsoft Edge and any agent (whose date also
gives the feature ``agents`` on that day in ``usage_features``, for "what people use it
for"). Unlike the Graph report
(:mod:`adoption.vendors.microsoft`) it has no ``Report Refresh Date`` and no ``Report Period``
column: give them with ``--as-of DATE`` (the last day the report covers) and ``--report-period
7|30|90|180`` (option ``period``). Without ``--as-of`` the date in the file name
(``YYYY-MM-DD``) is taken, else the latest date in the file (a lower bound; the note says
so); without a period, 30 days. Dates are ``YYYY-MM-DD`` (or ``M/D/YYYY``); blank = never.

Fields used, and every column kept
----------------------------------
``User name`` (required; the person, as a UPN). The last activity of the row is the latest of
the overall and the per-app dates (the overall date counts Copilot Chat messages only, an app's
date any intentional activity there). ``Active Days`` and ``Prompts submitted (any app)``,
when chosen, become ``active_days`` and ``events`` of the window. Every other column (other
prompt counts, each per-app date, and columns added by Microsoft later) is kept in ``detail``
as JSON under its header; only ``Display name`` is not stored (a name, never needed).

What it can tell, and what not
------------------------------
Whether each licensed user was active in the window (Active Days above 0, prompts, or a last
activity inside it), on how many days they prompted Copilot Chat, and the last day per app. It
cannot tell which days, nor activity of unlicensed users.

Stored rows
-----------
``activity_periods`` (one row per user and window, source ``m365_copilot_last_activity_csv``),
``seat_activity`` (the last activity as of the window's end), ``identities`` (the UPN's hash,
system ``microsoft365``). A user and window already stored from this export or from the Graph
user-detail report are duplicates. Concealed names (32 hexadecimal characters) are kept and
counted as unmatched, as for the user-detail report.

Rejected rows: an empty user, a date that is not a date, a date after the window's end, a
count that is not a whole number of 0 or more, more Active Days than days in the window, the
same user twice with different values.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.vendors.m365_chat import add_feature_days, is_chat_header
from adoption.vendors.microsoft import (
    TOOL,
    bad_dates,
    csv_header,
    header_key,
    json_objects,
    mark_duplicates,
    parse_dates,
    period_days,
    pseudonymise_series,
    raw_json,
    read_export_csv,
    store_user_windows,
)

__all__ = ["FORMATS", "FORMAT_NAME", "SOURCE", "app_key"]

SOURCE = ("https://learn.microsoft.com/microsoft-365/admin/activity-reports/"
          "microsoft-365-copilot-usage")
FORMAT_NAME = "m365_copilot_last_activity_csv"

_USER = "username"
_NAME = "displayname"
_OVERALL = ("lastactivitydateutc", "lastactivitydateutcuniversaltimecode", "lastactivitydate")
_ACTIVE_DAYS = "activedays"
_PROMPTS = "promptssubmittedanyapp"
_APP = re.compile(r"^last activity date of (.+?)\s*\(utc\)$", re.IGNORECASE)
_NAME_DAY = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def app_key(header: str) -> str:
    """``'Last activity date of Copilot Chat (work) (UTC)'`` -> ``'copilot_chat_work'``."""
    m = _APP.match(header.strip())
    name = m.group(1) if m else header
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _columns(frame: pd.DataFrame, name: str) -> dict[str, object]:
    by_key = {header_key(c): c for c in frame.columns}
    if _USER not in by_key:
        raise ColumnNotFoundError(
            f"{name}: the user last activity table needs the column 'User name' (the user "
            f"principal name); columns found: {list(frame.columns)}. Keep 'User name' under "
            "Choose columns and export again.")
    apps = {c: app_key(c) for c in frame.columns if _APP.match(c.strip())}
    overall = next((by_key[k] for k in _OVERALL if k in by_key), None)
    counts = [c for c in frame.columns if header_key(c) == _ACTIVE_DAYS
              or "promptssubmitted" in header_key(c)]
    if overall is None and not apps and not counts:
        raise ColumnNotFoundError(
            f"{name}: no activity column: the export needs 'Last activity date (UTC)', a "
            "'Last activity date of <app> (UTC)', 'Active Days' or a 'Prompts submitted' "
            f"column; columns found: {list(frame.columns)}. Choose them under Choose columns "
            "and export again.")
    return {"user": by_key[_USER], "name": by_key.get(_NAME), "overall": overall,
            "apps": apps, "counts": counts,
            "active_days": by_key.get(_ACTIVE_DAYS), "prompts": by_key.get(_PROMPTS)}


def _whole(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers, bad): blank -> NaN; not a whole number of 0 or more -> bad."""
    num = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
    bad = values.ne("") & (num.isna() | (num < 0) | (num % 1 != 0))
    return num, bad


def _as_of(ctx: FormatContext, latest: pd.Timestamp | None, notes: list[str]) -> dt.date:
    if ctx.as_of:
        return ctx.as_of
    for m in _NAME_DAY.finditer(ctx.path.name):
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            continue
    if latest is None or pd.isna(latest):
        raise InputError(f"{ctx.name}: the export has no date of its own and no activity "
                         "date; pass --as-of DATE (the last day the report covers).")
    notes.append(f"report date taken as {latest.date()} (the latest date in the file); pass "
                 "--as-of DATE for the day the report covers up to")
    return latest.date()


def _load(ctx: FormatContext) -> LoadCounts:
    frame = read_export_csv(ctx.path)
    name = ctx.name
    cols = _columns(frame, name)
    if frame.empty:
        raise InputError(f"{name}: the file has a header but no data rows; nothing was stored.")
    counts = LoadCounts(read=len(frame))
    user = frame[cols["user"]]
    date_cols = [c for c in [cols["overall"], *cols["apps"]] if c]
    dates = {c: parse_dates(frame[c]) for c in date_cols}
    numbers = {c: _whole(frame[c]) for c in cols["counts"]}
    latest = max((d.max() for d in dates.values() if d.notna().any()), default=None)
    as_of = _as_of(ctx, latest, counts.notes)
    days = period_days(ctx.options.get("period", "")) if ctx.options else None
    if days is None:
        if ctx.options and ctx.options.get("period"):
            raise InputError(f"--report-period {ctx.options['period']!r}: give the export's "
                             "timeframe in days: 7, 30, 90 or 180.")
        days = 30
        counts.notes.append("report timeframe taken as 30 days (the admin center's default); "
                            "pass --report-period 7|30|90|180 for another")
    end = pd.Timestamp(as_of)
    start = end - pd.Timedelta(days=days - 1)
    reason = pd.Series(None, index=frame.index, dtype=object)

    def flag(mask: pd.Series, why: pd.Series | str) -> None:
        take = mask & reason.isna()
        reason[take] = why if isinstance(why, str) else why[take]

    flag(user.eq(""), f"column {cols['user']!r}: user is empty")
    for c, parsed in dates.items():
        flag(bad_dates(frame[c], parsed), f"column {c!r}: value '" + frame[c]
             + "' is not a date (YYYY-MM-DD)")
        flag(parsed > end, f"column {c!r}: activity after the report's last day {as_of} "
             "(impossible; check --as-of)")
    for c, (_num, bad) in numbers.items():
        flag(bad, f"column {c!r}: value '" + frame[c] + "' is not a whole number of 0 or more")
    if cols["active_days"]:
        flag(numbers[cols["active_days"]][0] > days,
             f"column {cols['active_days']!r}: more active days than the {days} days of the "
             "report's timeframe (impossible; check --report-period)")
    last = (pd.concat(dates.values(), axis=1).max(axis=1) if dates
            else pd.Series(pd.NaT, index=frame.index))
    kept = [c for c in frame.columns if c not in (cols["user"], cols["name"])]
    detail = json_objects(frame[kept].where(frame[kept].ne(""), None), sort_keys=True)
    norm = user.str.lower().str.replace(r"\s+", "", regex=True)
    dup = mark_duplicates(norm, detail, reason, "user")
    bad = frame.index[reason.notna().to_numpy()]
    ctx.reject([(int(i), reason[i], raw_json(frame.loc[i].to_dict(),
                                             [cols["user"], cols["name"] or ""], ctx.redact))
                for i in bad])
    counts.rejected, counts.duplicate = len(bad), int(dup.sum())
    good = frame.index[(reason.isna() & ~dup).to_numpy()]
    if len(good) == 0:
        return counts
    active_days = (numbers[cols["active_days"]][0][good] if cols["active_days"]
                   else pd.Series(float("nan"), index=good))
    prompts = (numbers[cols["prompts"]][0][good] if cols["prompts"]
               else pd.Series(float("nan"), index=good))
    in_window = last[good].between(start, end)
    rows = pd.DataFrame({
        "person_id": pseudonymise_series(ctx.workspace, user[good]),
        "tool": TOOL, "source": FORMAT_NAME,
        "period_start": start.date(), "period_end": as_of,
        "active": (in_window | active_days.gt(0) | prompts.gt(0)).to_numpy(),
        "active_days": pd.array(active_days.to_numpy(), dtype="Int32"),
        "events": pd.array(prompts.to_numpy(), dtype="Int64"),
        "last_active": last[good].dt.date.to_numpy(),
        "detail": detail[good].to_numpy(),
        "batch_id": ctx.batch_id,
    })
    store_user_windows(ctx, rows, user[good], counts)
    agent = next((c for c, k in cols["apps"].items() if k == "any_agent"), None)
    if agent is not None:  # the last day of any agent: the feature "agents" that day
        day = dates[agent][good]
        ctx_rows = pd.DataFrame({"person_id": rows["person_id"], "tool": TOOL,
                                 "day": day.dt.date.to_numpy(), "feature": "agents",
                                 "events": 0, "batch_id": ctx.batch_id})
        add_feature_days(ctx, ctx_rows[day.notna().to_numpy()])
    counts.notes.append(f"window {start.date()} to {as_of} ({days} days); columns kept: "
                        f"{len(kept)}")
    counts.first_date, counts.last_date = start.date(), as_of
    return counts


def _sniff(s: Sniff) -> bool:
    header = csv_header(s)
    keys = {header_key(c) for c in header}
    if (_USER not in keys or "reportrefreshdate" in keys or is_chat_header(header)
            or keys & {"agentid", "numberofagentsused", "agentresponsesreceived"}):
        return False  # the Copilot Chat report, the Agent usage report (adoption.vendors.m365_chat)
    return (bool(keys & set(_OVERALL)) or _ACTIVE_DAYS in keys
            or any(k.startswith("lastactivitydateof") or "promptssubmitted" in k for k in keys))


FORMATS = [
    SourceFormat(
        name=FORMAT_NAME,
        kind="activity",
        description="Microsoft 365 Copilot usage, user last activity table (admin center "
                    "export; --as-of and --report-period give its window)",
        suffixes=(".csv",),
        sniff=_sniff,
        load=_load,
        rank=31,
        source=SOURCE,
    ),
]
