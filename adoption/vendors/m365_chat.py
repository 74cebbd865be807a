"""Microsoft 365 admin center: the Copilot Chat usage report and the Agent usage report.

``m365_copilot_chat_csv`` (activity, rank 31)
    *Reports > Usage > Microsoft 365 Copilot Chat*, user table, *Export* ("Microsoft 365
    reports in the admin center - Microsoft 365 Copilot Chat usage",
    https://learn.microsoft.com/microsoft-365/admin/activity-reports/microsoft-copilot-usage,
    :data:`CHAT_SOURCE`). Copilot Chat use by people **without** a Microsoft 365 Copilot
    licence: ``Username`` (the UPN), ``Display name`` (not stored), ``Last activity date
    (UTC)`` (the last message to Copilot Chat in Edge or the Microsoft 365 Copilot app,
    whatever the timeframe) and any per-app columns (``Last activity date of <app> (UTC)``),
    kept in ``detail``. A last-activity source of its own tool, :data:`CHAT_TOOL`: the person
    counts as a user of it in the period of their last active day only; whether the tool is
    sanctioned is the workspace's call (:mod:`adoption.discovery.sanctioning`: list it under
    ``[governance] sanctioned`` or in the tools catalogue). Told apart from the licensed user
    last activity table (:mod:`adoption.vendors.m365_activity`, header ``User name``) by its
    ``Username`` header and by having none of the licensed table's columns
    (:func:`is_chat_header`); force either with ``--format``.

``m365_copilot_agents_csv`` (activity, rank 33)
    *Reports > Usage > Microsoft 365 Copilot > Agents*, one of its three tables ("Microsoft
    365 reports in the admin center - Agent usage",
    https://learn.microsoft.com/microsoft-365/admin/activity-reports/microsoft-365-copilot-agents-new,
    :data:`AGENTS_SOURCE`):

    - *User details*: ``Username, Display name, Number of agents used, Agent responses
      received, Last activity date (UTC)`` (the user's last use of any agent);
    - *Agent details*: ``Agent ID, Agent name, Creator type, Active users (licensed), Active
      users (unlicensed), Responses sent to users, Last activity date (UTC)``;
    - *Users and agent details*: ``Agent ID, Agent name, Creator type, Username, Responses
      sent to users, Last activity date (UTC)`` (the documentation gives the agent's last use
      by anyone, not the user's).

    Every row is kept in ``vendor_records`` (scope ``user``, ``agent`` or ``user_agent``,
    the UPN pseudonymised, display names dropped). A *User details* row is also evidence: a
    last-activity window of :data:`CHAT_TOOL` (agents run in Copilot Chat, for licensed and
    unlicensed people alike) and the feature ``agents`` on the last active day
    (``usage_features``, events 0: the report does not say how many that day).

Both reports have no date of their own: give ``--as-of DATE`` (else a date in the file name,
else the latest date in the file, with a note) and ``--report-period`` (7, 30, 90 or 180 days;
default 30). Rejected rows: an empty user or agent id, a date that is not a date or after the
report's end, a count that is not a whole number of 0 or more.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.ingest.trace import claim_rows
from adoption.vendors.microsoft import (
    bad_dates,
    csv_header,
    header_key,
    json_objects,
    parse_dates,
    period_days,
    pseudonymise_series,
    raw_json,
    read_export_csv,
)

__all__ = ["AGENTS_FORMAT", "CHAT_FORMAT", "CHAT_TOOL", "FORMATS", "add_feature_days", "is_chat_header"]

CHAT_SOURCE = ("https://learn.microsoft.com/microsoft-365/admin/activity-reports/"
               "microsoft-copilot-usage")
AGENTS_SOURCE = ("https://learn.microsoft.com/microsoft-365/admin/activity-reports/"
                 "microsoft-365-copilot-agents-new")
CHAT_FORMAT = "m365_copilot_chat_csv"
AGENTS_FORMAT = "m365_copilot_agents_csv"
CHAT_TOOL = "Microsoft 365 Copilot Chat"
_LAST = "lastactivitydateutc"
#: Columns only the licensed user last activity table has (adoption.vendors.m365_activity).
_LICENSED = re.compile(r"^(activedays|promptssubmitted.*|.*promptssubmitted|lastactivitydateof"
                       r"(teams|word|excel|powerpoint|outlook|onenote|loop|copilotchat|anyagent)"
                       r".*)$")
_AGENT_KEYS = {"agentid", "numberofagentsused", "agentresponsesreceived"}
_NAME_DAY = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def is_chat_header(header: list[str]) -> bool:
    """Whether a CSV header is the Copilot Chat usage user table (see the module docstring)."""
    if not header or header[0].lstrip("\ufeff").strip().lower() != "username":
        return False
    keys = {header_key(c) for c in header}
    return (_LAST in keys and not keys & _AGENT_KEYS and "reportrefreshdate" not in keys
            and not any(_LICENSED.match(k) for k in keys))


def _layout(header: list[str]) -> str | None:
    keys = {header_key(c) for c in header}
    if "agentid" in keys:
        return "user_agent" if "username" in keys else "agent"
    if "username" in keys and keys & {"numberofagentsused", "agentresponsesreceived"}:
        return "user"
    return None


def _window(ctx: FormatContext, latest: pd.Timestamp | None,
            counts: LoadCounts) -> tuple[dt.date, dt.date]:
    as_of = ctx.as_of
    if as_of is None:
        for m in _NAME_DAY.finditer(ctx.path.name):
            try:
                as_of = dt.date(*map(int, m.groups()))
                break
            except ValueError:
                continue
    if as_of is None:
        if latest is None or pd.isna(latest):
            raise InputError(f"{ctx.name}: the export has no date of its own and no activity "
                             "date; pass --as-of DATE (the last day the report covers).")
        as_of = latest.date()
        counts.notes.append(f"report date taken as {as_of} (the latest date in the file); "
                            "pass --as-of DATE for the day the report covers up to")
    option = (ctx.options or {}).get("period", "")
    days = period_days(option) if option else 30
    if days is None:
        raise InputError(f"--report-period {option!r}: give the export's timeframe in days: "
                         "7, 30, 90 or 180.")
    if not option:
        counts.notes.append("report timeframe taken as 30 days; pass --report-period 7|30|90|180 "
                            "for another")
    return as_of - dt.timedelta(days=days - 1), as_of


def _column(frame: pd.DataFrame, key: str) -> str | None:
    return next((c for c in frame.columns if header_key(c) == key), None)


def _read(ctx: FormatContext, required: tuple[str, ...], what: str) -> pd.DataFrame:
    frame = read_export_csv(ctx.path)
    missing = [k for k in required if _column(frame, k) is None]
    if missing:
        raise ColumnNotFoundError(
            f"{ctx.name}: the {what} needs the column(s) {missing} (spelling-free); columns "
            f"found: {list(frame.columns)}. Export the table again from the admin center.")
    if frame.empty:
        raise InputError(f"{ctx.name}: the file has a header but no data rows; nothing was "
                         "stored.")
    return frame


def _checks(ctx: FormatContext, frame: pd.DataFrame,
            key_cols: list[str]) -> tuple[pd.Series, pd.Series, LoadCounts,
                                          tuple[dt.date, dt.date]]:
    """(reason per row, last activity per row, counts, window)."""
    counts = LoadCounts(read=len(frame))
    last_col = _column(frame, _LAST)
    last = parse_dates(frame[last_col]) if last_col else pd.Series(pd.NaT, index=frame.index)
    start, end = _window(ctx, last.max(), counts)
    reason = pd.Series(None, index=frame.index, dtype=object)

    def flag(mask: pd.Series, why: pd.Series | str) -> None:
        take = mask & reason.isna()
        reason[take] = why if isinstance(why, str) else why[take]

    for c in key_cols:
        flag(frame[c].eq(""), f"column {c!r}: empty")
    if last_col:
        flag(bad_dates(frame[last_col], last), f"column {last_col!r}: value '"
             + frame[last_col] + "' is not a date (YYYY-MM-DD)")
        flag(last > pd.Timestamp(end), f"column {last_col!r}: activity after the report's last "
             f"day {end} (impossible; check --as-of)")
    for c in frame.columns:
        k = header_key(c)
        if k.startswith(("numberof", "activeusers")) or k.endswith(("received", "sent",
                                                                    "tousers")):
            num = pd.to_numeric(frame[c].str.replace(",", "", regex=False), errors="coerce")
            flag(frame[c].ne("") & (num.isna() | (num < 0) | (num % 1 != 0)),
                 f"column {c!r}: value '" + frame[c] + "' is not a whole number of 0 or more")
    return reason, last, counts, (start, end)


def _reject(ctx: FormatContext, frame: pd.DataFrame, reason: pd.Series,
            identifying: list[str]) -> pd.Index:
    bad = frame.index[reason.notna().to_numpy()]
    ctx.reject([(int(i), reason[i], raw_json(frame.loc[i].to_dict(), identifying, ctx.redact))
                for i in bad])
    return frame.index[reason.isna().to_numpy()]


def _store_windows(ctx: FormatContext, rows: pd.DataFrame) -> int:
    """activity_periods rows not stored yet (same person, tool, source, window) and the
    UPNs' identities; returns how many were new."""
    con = ctx.con
    con.register("_m365c", rows)
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE _m365c_new AS
            SELECT r.* FROM _m365c r WHERE NOT EXISTS (
                SELECT 1 FROM activity_periods a WHERE a.person_id = r.person_id
                  AND a.tool = r.tool AND a.source = r.source
                  AND a.period_start = r.period_start AND a.period_end = r.period_end)""")
    finally:
        con.unregister("_m365c")
    con.execute("INSERT INTO activity_periods SELECT person_id, tool, source, period_start, "
                "period_end, active, active_days, events, last_active, detail, batch_id "
                "FROM _m365c_new")
    claim_rows(con, ctx.batch_id, "identities",
               "SELECT DISTINCT person_id, person_id, 'microsoft365' FROM _m365c_new",
               replace=False)
    new = int(con.execute("SELECT count(*) FROM _m365c_new").fetchone()[0])
    con.execute("DROP TABLE _m365c_new")
    return new


def _windows_frame(ctx: FormatContext, people: list[str | None], last: pd.Series,
                   window: tuple[dt.date, dt.date], detail: pd.Series, source: str,
                   events: pd.Series | None = None) -> pd.DataFrame:
    start, end = window
    return pd.DataFrame({
        "person_id": people, "tool": CHAT_TOOL, "source": source,
        "period_start": start, "period_end": end,
        "active": last.between(pd.Timestamp(start), pd.Timestamp(end)).to_numpy(),
        "active_days": pd.array([None] * len(people), dtype="Int32"),
        "events": (pd.array([None] * len(people), dtype="Int64") if events is None
                   else pd.array(events.to_numpy(), dtype="Int64")),
        "last_active": last.dt.date.to_numpy(), "detail": detail.to_numpy(),
        "batch_id": ctx.batch_id})


def _load_chat(ctx: FormatContext) -> LoadCounts:
    frame = _read(ctx, ("username", _LAST), "Copilot Chat usage user table")
    user, name = _column(frame, "username"), _column(frame, "displayname")
    reason, last, counts, window = _checks(ctx, frame, [user])
    good = _reject(ctx, frame, reason, [user, name or ""])
    counts.rejected = len(frame) - len(good)
    kept = [c for c in frame.columns if c not in (user, name)]
    detail = json_objects(frame.loc[good, kept].where(frame.loc[good, kept].ne(""), None),
                          sort_keys=True)
    rows = _windows_frame(ctx, pseudonymise_series(ctx.workspace, frame.loc[good, user]),
                          last[good], window, detail, CHAT_FORMAT)
    rows = rows.drop_duplicates(subset=["person_id"])
    counts.loaded = _store_windows(ctx, rows)
    counts.duplicate = len(good) - counts.loaded
    counts.first_date, counts.last_date = window
    counts.notes.append(f"{CHAT_TOOL}: people without a Microsoft 365 Copilot licence, counted "
                        "in the period of their last active day only")
    return counts


def _load_agents(ctx: FormatContext) -> LoadCounts:
    frame = read_export_csv(ctx.path)
    layout = _layout(list(frame.columns))
    if layout is None:
        raise ColumnNotFoundError(
            f"{ctx.name}: not one of the Agent usage report's tables (User details: Username "
            "and Number of agents used; Agent details: Agent ID; Users and agent details: Agent "
            f"ID and Username); columns found: {list(frame.columns)}.")
    if frame.empty:
        raise InputError(f"{ctx.name}: the file has a header but no data rows.")
    user, name = _column(frame, "username"), _column(frame, "displayname")
    agent = _column(frame, "agentid")
    keys = [c for c in (user, agent) if c]
    reason, last, counts, window = _checks(ctx, frame, keys)
    good = _reject(ctx, frame, reason, [c for c in (user, name) if c])
    counts.rejected = len(frame) - len(good)
    kept = [c for c in frame.columns if c not in (user, name)]
    detail = json_objects(frame.loc[good, kept].where(frame.loc[good, kept].ne(""), None),
                          sort_keys=True)
    people = (pseudonymise_series(ctx.workspace, frame.loc[good, user]) if user
              else [None] * len(good))
    scope = frame.loc[good, agent].to_numpy() if agent else people
    records = pd.DataFrame({
        "source": AGENTS_FORMAT, "scope_type": layout, "scope": scope,
        "person_id": pd.array(people, dtype="string"), "tool": CHAT_TOOL,
        "day": last[good].dt.date.to_numpy() if layout != "user_agent" else None,
        "window_start": window[0], "window_end": window[1], "detail": detail.to_numpy(),
        "batch_id": ctx.batch_id})
    con = ctx.con
    con.register("_m365a", records)
    try:
        new = con.execute("""INSERT INTO vendor_records
            SELECT source, scope_type, scope, person_id, tool, CAST(day AS DATE),
                   CAST(window_start AS DATE), CAST(window_end AS DATE), detail, batch_id
            FROM _m365a r WHERE NOT EXISTS (
                SELECT 1 FROM vendor_records v WHERE v.source = r.source
                  AND v.scope_type = r.scope_type AND v.scope = r.scope
                  AND v.person_id IS NOT DISTINCT FROM r.person_id
                  AND v.window_end = CAST(r.window_end AS DATE))""").fetchone()[0]
    finally:
        con.unregister("_m365a")
    counts.loaded, counts.duplicate = int(new), len(good) - int(new)
    counts.first_date, counts.last_date = window
    if layout == "user":
        responses = _column(frame, "agentresponsesreceived")
        events = (pd.to_numeric(frame.loc[good, responses], errors="coerce") if responses
                  else None)
        rows = _windows_frame(ctx, people, last[good], window, detail, AGENTS_FORMAT, events)
        _store_windows(ctx, rows.drop_duplicates(subset=["person_id"]))
        feats = rows[rows["last_active"].notna()]
        feats = pd.DataFrame({"person_id": feats["person_id"], "tool": CHAT_TOOL,
                              "day": feats["last_active"], "feature": "agents", "events": 0,
                              "batch_id": ctx.batch_id})
        add_feature_days(ctx, feats)
    counts.notes.append(f"agent usage, {layout.replace('_', ' and ')} table: every row kept")
    return counts


def add_feature_days(ctx: FormatContext, feats: pd.DataFrame) -> None:
    """Insert ``usage_features`` rows (person, tool, day, feature) not stored yet."""
    if feats.empty:
        return
    ctx.con.register("_feat", feats.drop_duplicates(["person_id", "tool", "day", "feature"]))
    try:
        ctx.con.execute("""INSERT INTO usage_features
            SELECT person_id, tool, CAST(day AS DATE), feature, events, batch_id FROM _feat f
            WHERE NOT EXISTS (SELECT 1 FROM usage_features u WHERE u.person_id = f.person_id
              AND u.tool = f.tool AND u.day = CAST(f.day AS DATE) AND u.feature = f.feature)""")
    finally:
        ctx.con.unregister("_feat")


def _sniff_chat(s: Sniff) -> bool:
    return is_chat_header(csv_header(s))


def _sniff_agents(s: Sniff) -> bool:
    return _layout(csv_header(s)) is not None


FORMATS = [
    SourceFormat(CHAT_FORMAT, "activity",
                 "Microsoft 365 Copilot Chat usage, user table (admin center export; people "
                 "without a Copilot licence)", (".csv",), _sniff_chat, _load_chat, rank=31,
                 source=CHAT_SOURCE),
    SourceFormat(AGENTS_FORMAT, "activity",
                 "Microsoft 365 Agent usage report (admin center export: per user, per agent, "
                 "or per user and agent)", (".csv",), _sniff_agents, _load_agents, rank=33,
                 source=AGENTS_SOURCE),
]
