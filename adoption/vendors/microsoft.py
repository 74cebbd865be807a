"""Microsoft 365 Copilot usage, user detail: the admin center export and Microsoft Graph.

How to export
-------------
- **Microsoft 365 admin center**: Reports > Usage > Microsoft 365 Copilot > Usage tab, choose
  the period (7, 30, 90 or 180 days), then "Export" under the user table. The CSV is UTF-8
  with a byte-order mark.
- **Microsoft Graph** (permission ``Reports.Read.All``):
  ``GET /reports/getMicrosoft365CopilotUsageUserDetail(period='D30')`` (beta; also under the
  ``/copilot/reports`` path). The default answer is the same CSV; with ``$format=application/json``
  it is ``{"value": [{...}, ...]}`` (pages linked by ``@odata.nextLink``; save each page, or
  one JSON array of the pages, and ingest them all).

Layout (sources: https://learn.microsoft.com/graph/api/reportroot-getmicrosoft365copilotusageuserdetail
(:data:`SOURCE`),
https://learn.microsoft.com/microsoft-365/copilot/extensibility/api/admin-settings/reports/copilotreportroot-getmicrosoft365copilotusageuserdetail
and https://learn.microsoft.com/microsoft-365/admin/activity-reports/microsoft-365-copilot-usage):
CSV header ``Report Refresh Date, User Principal Name, Display Name, Last Activity Date,
Copilot Chat Last Activity Date, Microsoft Teams Copilot Last Activity Date, Word Copilot Last
Activity Date, Excel Copilot Last Activity Date, PowerPoint Copilot Last Activity Date,
Outlook Copilot Last Activity Date, OneNote Copilot Last Activity Date, Loop Copilot Last
Activity Date, Report Period`` (newer versions add prompt counts, "Active Usage Days" and more
per-app dates: read when present, ignored otherwise). JSON fields are the same in camelCase
(``reportRefreshDate``, ``userPrincipalName``, ``lastActivityDate``,
``microsoftTeamsCopilotLastActivityDate`` ...) with the period in
``copilotActivityUserDetailsByPeriod: [{"reportPeriod": 30}]`` or ``reportPeriod``. Dates are
``YYYY-MM-DD``; ``M/D/YYYY`` is accepted too (a file re-saved by Excel).

Fields used
-----------
User principal name (the person; see below), report refresh date and period (the window
``refresh - period + 1 .. refresh``), the overall and per-app last activity dates.

What it can tell, and what not
------------------------------
It tells, per licensed user, the **last** day with Copilot activity overall and per app. So a
user is known to be active in the report window (last activity inside it) or not; it does not
tell on how many days, nor how much: ``active_days`` and ``events`` stay NULL. A month's active
users can be counted from a 30-day report refreshed on the month's last day (window = month,
give or take a day). It covers licensed users only (unlicensed Copilot Chat use is not in it).

Stored rows
-----------
- ``activity_periods``: one row per user and report window (tool "Microsoft 365 Copilot",
  source = the format name), ``active`` = last activity within the window, ``last_active`` =
  overall last activity, ``detail`` = JSON of the per-app last activity dates.
- ``seat_activity``: one row per user and refresh date with the last activity.
- ``identities``: the UPN's hash, system ``"microsoft365"``.

Concealed names
---------------
When the tenant's setting "Display concealed user, group, and site names in all reports" is
on, user names are replaced by hashed identifiers (32 hexadecimal characters). Such rows are
kept: their keyed hash can never match the roster, so they are counted as unmatched identities
(the batch's note says how many); they are never dropped.

Rejected rows (data-quality findings)
-------------------------------------
An empty user, a refresh date or period that is missing or not a date/number, a date that is
not a date, any activity date after the refresh date, a per-app date after the overall last
activity date, the same user twice with different values. A last activity *before* the window
is valid (the user was not active in it).

This module also holds the small CSV helpers the other Microsoft readers use
(:mod:`adoption.vendors.viva`, :mod:`adoption.vendors.directory`).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.ingest.text import read_text
from adoption.ingest.trace import claim_rows

__all__ = [
    "APP_COLUMNS",
    "FORMATS",
    "SAME_FACT_SOURCES",
    "SOURCE",
    "TOOL",
    "header_key",
    "json_objects",
    "mark_duplicates",
    "pseudonymise_series",
    "parse_dates",
    "read_export_csv",
    "resolve_columns",
    "store_user_windows",
]

#: Tool name of these rows (as in the demo's catalogue).
TOOL = "Microsoft 365 Copilot"

#: Where the layout is documented.
SOURCE = "https://learn.microsoft.com/graph/api/reportroot-getmicrosoft365copilotusageuserdetail"

#: App name in ``detail`` -> header of its last-activity column (CSV spelling).
APP_COLUMNS: dict[str, str] = {
    "copilot_chat": "Copilot Chat Last Activity Date",
    "teams": "Microsoft Teams Copilot Last Activity Date",
    "word": "Word Copilot Last Activity Date",
    "excel": "Excel Copilot Last Activity Date",
    "powerpoint": "PowerPoint Copilot Last Activity Date",
    "outlook": "Outlook Copilot Last Activity Date",
    "onenote": "OneNote Copilot Last Activity Date",
    "loop": "Loop Copilot Last Activity Date",
    # version 2 of the report (read when present)
    "microsoft_365_copilot_app": "Microsoft 365 Copilot Last Activity Date",
    "copilot_chat_work": "Copilot Chat (work) Last Activity Date",
    "copilot_chat_web": "Copilot Chat (web) Last Activity Date",
}

_REQUIRED = {
    "refresh": ("Report Refresh Date",),
    "upn": ("User Principal Name",),
    "last": ("Last Activity Date",),
}
_OPTIONAL = {
    "name": ("Display Name",),
    "period": ("Report Period",),
    **{f"app:{k}": (v,) for k, v in APP_COLUMNS.items()},
}
#: identifiers that look like the concealed-names hash (32 hex characters, no '@')
CONCEALED = re.compile(r"^[0-9A-Fa-f]{32}$")


# ---------------------------------------------------------------- shared CSV helpers


def header_key(name: str) -> str:
    """Spelling-free key of a header: ``'Total_Copilot actions'`` -> ``'totalcopilotactions'``."""
    return re.sub(r"[^0-9a-z]+", "", str(name).lstrip("\ufeff").lower())


def csv_header(sniff: Sniff) -> list[str]:
    """The header of a CSV head, skipping an Excel ``sep=,`` first line (for sniffers)."""
    lines = sniff.lines
    if lines and lines[0].strip().lower().startswith("sep="):
        lines = lines[1:]
    if not lines:
        return []
    try:
        row = next(csv.reader([lines[0]]))
    except (csv.Error, StopIteration):
        return []
    return [c.strip() for c in row]


def read_export_csv(path: Path) -> pd.DataFrame:
    """A vendor's CSV export as text columns (BOM, UTF-16 and a ``sep=`` first line handled).

    Blank cells are empty strings; the frame's index is the file's data row number
    (1 = the first row after the header).

    Raises
    ------
    InputError
        The file is empty or not a readable CSV.
    """
    text = read_text(path)
    sep = ","
    first, _, rest = text.partition("\n")
    if first.strip().lower().startswith("sep="):
        sep = first.strip()[4:5] or ","
        text = rest
    if not text.strip():
        raise InputError(f"{Path(path).name}: the file is empty. Export it again.")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skipinitialspace=False)
    except (pd.errors.ParserError, ValueError) as e:
        raise InputError(f"{Path(path).name}: cannot be read as CSV ({str(e).splitlines()[0]})."
                         " Check that it is the unedited export.") from e
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame.apply(lambda s: s.str.strip())


def resolve_columns(found: Sequence[str], required: Mapping[str, Sequence[str]],
                    optional: Mapping[str, Sequence[str]] | None = None, *, source: str,
                    what: str) -> dict[str, str]:
    """Map each wanted field to the file's header, whatever its spacing, case or underscores.

    Raises
    ------
    ColumnNotFoundError
        A required column is missing: the message names the columns found and, for each
        missing one, the nearest header in the file (difflib).
    """
    by_key: dict[str, str] = {}
    for col in found:
        by_key.setdefault(header_key(col), col)
    out: dict[str, str] = {}
    missing = []
    for fields, must in ((required, True), (optional or {}, False)):
        for name, spellings in fields.items():
            hit = next((by_key[header_key(s)] for s in spellings if header_key(s) in by_key),
                       None)
            if hit is not None:
                out[name] = hit
            elif must:
                missing.append(spellings[0])
    if missing:
        hints = []
        for want in missing:
            near = difflib.get_close_matches(header_key(want), list(by_key), n=1, cutoff=0.6)
            hints.append(f"{want!r} (nearest found: {by_key[near[0]]!r})" if near
                         else f"{want!r} (no similar column)")
        raise ColumnNotFoundError(
            f"{source}: a {what} needs the column(s) {', '.join(hints)}. Columns found: "
            f"{list(found)}. Ingest the unedited export, or pass the right --format.")
    return out


_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates from ``YYYY-MM-DD`` (optionally with a time) or US ``M/D/YYYY`` text.

    Blank stays NaT; text that is not such a date is NaT too (tell them apart with
    :func:`bad_dates`).
    """
    text = values.fillna("").astype(str).str.strip()
    iso = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    mdy = pd.to_datetime(text.where(text.str.match(_MDY)), format="%m/%d/%Y", errors="coerce")
    return iso.fillna(mdy).dt.normalize()


def bad_dates(values: pd.Series, parsed: pd.Series) -> pd.Series:
    """Cells that hold text but no date."""
    return values.fillna("").astype(str).str.strip().ne("") & parsed.isna()


def _day(value: Any) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def raw_json(row: Mapping[str, Any], identifying: Iterable[str], redact: bool) -> str:
    """A rejected row as JSON, identifying cells replaced by ``(redacted)`` when asked."""
    hide = set(identifying) if redact else set()
    return json.dumps({k: ("(redacted)" if k in hide and str(v).strip() else v)
                       for k, v in row.items()}, default=str)


def mark_duplicates(key: pd.Series, sig: pd.Series, reason: pd.Series, what: str
                    ) -> pd.Series:
    """Repeated keys among the rows without a ``reason`` yet.

    A repeat with the same ``sig`` as the key's first row is a duplicate (returned mask); a
    repeat with another ``sig`` gets a reason naming the first row (``reason`` is updated).
    """
    ok = reason.isna()
    k, g = key[ok], sig[ok]
    repeat = k.duplicated(keep="first")
    first_sig = g.groupby(k, sort=False).transform("first")
    first_row = pd.Series(k.index, index=k.index).groupby(k, sort=False).transform("first")
    dup = pd.Series(False, index=key.index)
    dup[k.index[(repeat & (g == first_sig)).to_numpy()]] = True
    clash = k.index[(repeat & (g != first_sig)).to_numpy()]
    reason[clash] = [f"{what} listed again with different values (first at row {r}); keep one "
                     f"row per {what}" for r in first_row[clash]]
    return dup


def json_objects(frame: pd.DataFrame, *, sort_keys: bool = False) -> pd.Series:
    """Each row as a JSON object text (missing values as null), built column-wise.

    Values are encoded once per distinct value, so long exports with few distinct values
    (weekly rows of the same people) stay fast.
    """
    cols = sorted(frame.columns) if sort_keys else list(frame.columns)
    if not cols:
        return pd.Series("{}", index=frame.index)
    out = pd.Series("{", index=frame.index)
    for n, c in enumerate(cols):
        values = frame[c].astype(object)
        codes = {v: json.dumps(None if pd.isna(v) else v) for v in pd.unique(values)}
        encoded = values.map(codes).fillna("null")
        out = out + ("" if n == 0 else ", ") + json.dumps(str(c)) + ": " + encoded
    return out + "}"


def pseudonymise_series(workspace: Any, values: pd.Series) -> list[str | None]:
    """:meth:`Workspace.pseudonymise` of each value, hashing each distinct value once."""
    uniq = pd.unique(values)
    codes = dict(zip(uniq, workspace.pseudonymise([str(v) for v in uniq]), strict=True))
    return [codes[v] for v in values]


def period_days(value: Any) -> int | None:
    """``30``, ``'30'``, ``'D30'`` -> 30; None when it is not a positive whole number."""
    text = str(value).strip().upper().removeprefix("D")
    return int(text) if text.isdigit() and int(text) > 0 else None


#: Microsoft 365 Copilot formats whose rows of one user and window are the same fact.
SAME_FACT_SOURCES = ("m365_copilot_usage_csv", "m365_copilot_usage_json",
                     "m365_copilot_last_activity_csv")


def store_user_windows(ctx: FormatContext, rows: pd.DataFrame, users: pd.Series,
                       counts: LoadCounts) -> None:
    """Store per-user report windows of a Microsoft 365 Copilot report, counting them.

    ``rows`` has the columns of ``activity_periods``; ``users`` the users' identifiers as in
    the file (for the note on concealed names). ``counts.loaded`` becomes the rows stored;
    the others are added to ``counts.duplicate``. A user and window already stored from
    any of :data:`SAME_FACT_SOURCES` (the CSV and the JSON of one report, or the admin center's
    last activity table of the same window) is left out. Each stored row also gives the
    user's ``seat_activity`` as of the window's end and the UPN's ``identities`` row (system
    ``microsoft365``).
    """
    con = ctx.con
    same = ", ".join(f"'{s}'" for s in SAME_FACT_SOURCES)
    con.register("_m365_rows", rows)
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _m365_new AS
            SELECT r.* FROM _m365_rows r WHERE NOT EXISTS (
                SELECT 1 FROM activity_periods a
                WHERE a.person_id = r.person_id AND a.tool = r.tool
                  AND a.period_start = r.period_start AND a.period_end = r.period_end
                  AND a.source IN ({same}))""")
    finally:
        con.unregister("_m365_rows")
    con.execute("INSERT INTO activity_periods SELECT person_id, tool, source, period_start, "
                "period_end, active, active_days, events, last_active, detail, batch_id "
                "FROM _m365_new")
    con.execute("""INSERT INTO seat_activity
        SELECT n.person_id, n.tool, n.period_end, n.last_active, n.detail, n.batch_id
        FROM _m365_new n WHERE NOT EXISTS (
            SELECT 1 FROM seat_activity s WHERE s.person_id = n.person_id AND s.tool = n.tool
              AND s.as_of = n.period_end)""")
    claim_rows(con, ctx.batch_id, "identities",
               "SELECT DISTINCT person_id, person_id, 'microsoft365' FROM _m365_new",
               replace=False)
    counts.loaded = int(con.execute("SELECT count(*) FROM _m365_new").fetchone()[0])
    counts.duplicate += len(rows) - counts.loaded
    con.execute("DROP TABLE _m365_new")
    note = _concealed_note(users)
    if note:
        counts.notes.append(note)


def _concealed_note(users: pd.Series) -> str | None:
    """The batch's note on users with concealed names (hashed identifiers), if any."""
    concealed = int(users.str.match(CONCEALED).sum())
    if not concealed:
        return None
    return (f"{concealed} user(s) with concealed names (hashed identifiers): kept, but they "
            "cannot be matched to the roster (turn off 'Display concealed user, group, and site "
            "names in all reports' in the admin center to match them)")


# ---------------------------------------------------------------- the reader


def _frame_from_json(data: Any, name: str) -> pd.DataFrame:
    pages = data if isinstance(data, list) else [data]
    rows: list[dict[str, Any]] = []
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise InputError(f"{name}: expected the Graph answer {{\"value\": [...]}} (or a list "
                             "of such pages); found something else. Save the response body as is.")
        rows.extend(page["value"])
    records = []
    for r in rows:
        if not isinstance(r, dict):
            raise InputError(f"{name}: an entry of \"value\" is not an object: {str(r)[:80]!r}.")
        rec = {k: ("" if v is None else v) for k, v in r.items()
               if not isinstance(v, list | dict)}
        periods = r.get("copilotActivityUserDetailsByPeriod")
        if isinstance(periods, list) and periods and isinstance(periods[0], dict):
            rec.setdefault("reportPeriod", periods[0].get("reportPeriod", ""))
        records.append(rec)
    frame = pd.DataFrame(records, dtype=object).fillna("").astype(str)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def _json_columns() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The same fields in Graph's camelCase spelling (header_key makes case irrelevant)."""
    req = {"refresh": ("Report Refresh Date", "reportRefreshDate"),
           "upn": ("User Principal Name", "userPrincipalName"),
           "last": ("Last Activity Date", "lastActivityDate")}
    opt: dict[str, tuple[str, ...]] = {"name": ("Display Name",), "period": ("Report Period",)}
    for k, v in APP_COLUMNS.items():
        opt[f"app:{k}"] = (v,)
    return req, opt


def _load(ctx: FormatContext, frame: pd.DataFrame, fmt: str) -> LoadCounts:
    name = ctx.name
    if frame.empty:
        raise InputError(f"{name}: the file has a header but no data rows; nothing was stored.")
    req, opt = _json_columns()
    cols = resolve_columns(list(frame.columns), req, opt, source=name,
                           what="Microsoft 365 Copilot usage user-detail report")
    apps = {k.split(":", 1)[1]: v for k, v in cols.items() if k.startswith("app:")}
    counts = LoadCounts()
    counts.read = len(frame)
    upn = frame[cols["upn"]]
    refresh = parse_dates(frame[cols["refresh"]])
    last = parse_dates(frame[cols["last"]])
    app_dates = {k: parse_dates(frame[c]) for k, c in apps.items()}
    default_period = period_days(ctx.options.get("period", "")) if ctx.options else None
    if "period" in cols:
        period = frame[cols["period"]].map(period_days)
    else:
        period = pd.Series(default_period or 30, index=frame.index, dtype=object)
        counts.notes.append(
            f"no Report Period column: window taken as {default_period or 30} days "
            f"({'--period' if default_period else 'the admin center default'})")
    reason = pd.Series(None, index=frame.index, dtype=object)

    def flag(mask: pd.Series, why: pd.Series | str) -> None:
        take = mask & reason.isna()
        reason[take] = why if isinstance(why, str) else why[take]

    flag(upn.eq(""), f"column {cols['upn']!r}: user is empty")
    flag(bad_dates(frame[cols["refresh"]], refresh) | refresh.isna(),
         "column " + repr(cols["refresh"]) + ": value '" + frame[cols["refresh"]]
         + "' is not a date (YYYY-MM-DD)")
    flag(period.isna(), "column 'Report Period': value '"
         + (frame[cols["period"]] if "period" in cols else "") + "' is not a number of days")
    for label, raw, parsed in [(cols["last"], frame[cols["last"]], last),
                               *((apps[k], frame[apps[k]], v) for k, v in app_dates.items())]:
        flag(bad_dates(raw, parsed), f"column {label!r}: value '" + raw + "' is not a date")
    for label, parsed in [(cols["last"], last), *((apps[k], v) for k, v in app_dates.items())]:
        flag(parsed > refresh, f"column {label!r}: activity after the report refresh date "
             "(impossible)")
    for k, parsed in app_dates.items():
        flag(parsed.notna() & (last.isna() | (parsed > last)),
             f"column {apps[k]!r}: per-app activity after the overall Last Activity Date "
             "(impossible)")
    ok = reason.isna()
    period_num = pd.to_numeric(period.where(ok), errors="coerce")
    start = refresh - pd.to_timedelta(period_num.fillna(1) - 1, unit="D")
    # the same user twice in one window: identical rows are duplicates, others rejected
    sig = pd.Series(
        [json.dumps(v, default=str) for v in zip(
            last.astype(str), *(d.astype(str) for d in app_dates.values()), strict=True)],
        index=frame.index)
    norm = upn.str.lower().str.replace(r"\s+", "", regex=True)
    key = norm + "|" + refresh.astype(str) + "|" + period_num.astype(str)
    dup = mark_duplicates(key, sig, reason, "user")
    ok = reason.isna() & ~dup
    rejected = frame.index[reason.notna().to_numpy()]
    ctx.reject([(int(i), reason[i],
                 raw_json(frame.loc[i].to_dict(), [cols["upn"], cols.get("name", "")],
                          ctx.redact)) for i in rejected])
    counts.rejected = len(rejected)
    counts.duplicate = int(dup.sum())
    good = frame.index[ok.to_numpy()]
    if len(good) == 0:
        counts.loaded = 0
        return counts
    person = pd.Series(pseudonymise_series(ctx.workspace, upn[good]), index=good)
    detail = [json.dumps({k: (None if pd.isna(v[i]) else v[i].date().isoformat())
                          for k, v in app_dates.items()}, sort_keys=True) for i in good]
    rows = pd.DataFrame({
        "person_id": person.to_numpy(),
        "tool": TOOL,
        "source": fmt,
        "period_start": start[good].dt.date.to_numpy(),
        "period_end": refresh[good].dt.date.to_numpy(),
        "active": (last[good].notna() & (last[good] >= start[good])
                   & (last[good] <= refresh[good])).to_numpy(),
        "active_days": pd.array([pd.NA] * len(good), dtype="Int32"),
        "events": pd.array([pd.NA] * len(good), dtype="Int64"),
        "last_active": last[good].dt.date.to_numpy(),
        "detail": detail,
        "batch_id": ctx.batch_id,
    })
    # the same user and window already stored (e.g. the CSV and the JSON of one report)
    store_user_windows(ctx, rows, upn[good], counts)
    counts.first_date = _day(start[good].min())
    counts.last_date = _day(refresh[good].max())
    return counts


def _load_csv(ctx: FormatContext) -> LoadCounts:
    return _load(ctx, read_export_csv(ctx.path), "m365_copilot_usage_csv")


def _load_json(ctx: FormatContext) -> LoadCounts:
    try:
        data = json.loads(ctx.read_text())
    except ValueError as e:
        raise InputError(f"{ctx.name}: not valid JSON ({e}). Save the Graph response body "
                         "unchanged.") from e
    return _load(ctx, _frame_from_json(data, ctx.name), "m365_copilot_usage_json")


def _sniff_keys(keys: Iterable[str]) -> bool:
    # loose on purpose: a file with a renamed column is still claimed, so that loading it
    # names the missing column instead of a generic "unknown kind of file"
    k = {header_key(c) for c in keys}
    return "reportrefreshdate" in k and any(c.endswith("copilotlastactivitydate") for c in k)


def _sniff_csv(s: Sniff) -> bool:
    return _sniff_keys(csv_header(s))


def _sniff_json(s: Sniff) -> bool:
    data = s.json
    if data is None:  # a big file: look at the head's text only
        head = s.text[:4096]
        return '"value"' in head and '"reportRefreshDate"' in head and "CopilotLastActivity" in head
    page = data[0] if isinstance(data, list) and data else data
    if not isinstance(page, dict) or not isinstance(page.get("value"), list):
        return False
    first = next((r for r in page["value"] if isinstance(r, dict)), None)
    return first is not None and _sniff_keys(first)


FORMATS = [
    SourceFormat(
        name="m365_copilot_usage_csv",
        kind="activity",
        description="Microsoft 365 Copilot usage, user detail (admin center export or Graph CSV)",
        suffixes=(".csv",),
        sniff=_sniff_csv,
        load=_load_csv,
        rank=31,
        source=SOURCE,
    ),
    SourceFormat(
        name="m365_copilot_usage_json",
        kind="activity",
        description="Microsoft 365 Copilot usage, user detail (Microsoft Graph JSON)",
        suffixes=(".json",),
        sniff=_sniff_json,
        load=_load_json,
        rank=31,
        source=SOURCE,
    ),
]
