"""Viva Insights person query (CSV): Copilot actions per person and week.

How to export
-------------
In the Viva Insights analyst workbench: Analysis > Person query, "Weekly" granularity, add the
Copilot metrics (e.g. "Total Copilot actions taken" and the "Copilot actions taken in <app>"
metrics) and the HR attributes you want (Organization, FunctionType, LevelDesignation,
SupervisorIndicator ...). To join people across sources, add an HR attribute holding the
person's e-mail or UPN (uploaded with the organisational data), because ``PersonId`` is a
hashed id. Download the result as CSV and ingest it unchanged.

Layout (sources: the export steps at
https://microsoft.github.io/viva-insights-sample-code/copilot-causal-toolkit-data/ (:data:`SOURCE`);
the person-query contract at https://microsoft.github.io/vivainsights-py/analyst-guide.html;
the sample data ``pq_data`` at https://microsoft.github.io/vivainsights/reference/pq_data.html
and https://microsoft.github.io/vivainsights/reference/identify_usage_segments.html): one row
per person and week; ``PersonId``; ``MetricDate``
(the week's first day, a Sunday by default; ``M/D/YYYY`` as Viva writes it, or ISO
``YYYY-MM-DD`` after the vivainsights package's ``import_query``); HR attributes (text); metric
columns (numbers). Metric headers come in two spellings: with spaces as downloaded
("Total Copilot actions taken", "Copilot actions taken in Teams") and with underscores as the
vivainsights R/Python packages show them after ``import_query()`` (which replaces spaces
and special characters) and in their sample data ``pq_data``
("Total_Copilot_actions_taken", "Copilot_actions_taken_in_Teams"); both are read (headers are
compared without case, spaces or underscores).

Fields used
-----------
``PersonId``; ``MetricDate``; the total Copilot actions (``Total Copilot actions taken``, or
``Total Copilot actions``; when the export has no total column, the sum of the
``Copilot actions taken in <app>`` columns, as ``identify_usage_segments(metric_str=...)``
does); the per-app columns (kept in ``detail``); ``Organization`` (the team used for team
figures, NULL when absent); every other text column is kept as the person-week's HR
attributes (JSON). Other metrics (collaboration hours ...) are not used.

Identity: a ``PersonId`` that is an e-mail address is used as such. Otherwise the person is
resolved through an HR attribute holding e-mail addresses: the column named by
``viva_email_attribute`` in ``[identities]`` of ``adoption.toml``, else a column called
Email/Mail/UPN/UserPrincipalName/PrimaryEmail (any spelling), else any text column whose every
value is an e-mail address. Without one, rows are keyed by the hashed ``PersonId``: kept and
counted, but unmatched to the roster; their HR attributes stay usable as team: the usage
segments by team (:mod:`adoption.vendors.segment_report`) group them by ``Organization``, or
by the attribute ``viva_team_attribute`` in ``[identities]`` names. Each PersonId is recorded
in ``identities`` (system ``"viva"``) with the person it resolved to.

What it can tell, and what not
------------------------------
It tells how many Copilot actions each person took per week (and per app): weekly active
users, intensity, and the habit-based usage segments of :mod:`adoption.vendors.segments`. It
does not tell on which days (``active_days`` NULL), and a week can straddle a month boundary:
monthly figures from it are by week start. It covers the people in the Viva Insights
population only.

Stored rows
-----------
- ``activity_periods``: person x week (``period_start`` = MetricDate, ``period_end`` = +6 days,
  ``events`` = total Copilot actions, ``active`` = actions > 0, ``detail`` = per-app actions).
- ``viva_person_weeks``: person x week with the Organization, the HR attributes and the
  total actions, for usage segments by team.

Blank Copilot values (a person not enabled for Copilot that week) count as 0 actions: the
person is in the population and not active (the batch's note says how many).

Rejected rows (data-quality findings): an empty PersonId, a MetricDate that is not a date, a
Copilot value that is not a number or is negative, a per-app count above the total, the same
person and week twice with different values.
"""

from __future__ import annotations

import re

import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.ingest.trace import claim_rows
from adoption.vendors.microsoft import (
    TOOL,
    csv_header,
    header_key,
    json_objects,
    mark_duplicates,
    parse_dates,
    pseudonymise_series,
    raw_json,
    read_export_csv,
    resolve_columns,
)

__all__ = ["FORMATS", "SOURCE", "load_person_weeks"]

SOURCE = "https://microsoft.github.io/viva-insights-sample-code/copilot-causal-toolkit-data/"

FORMAT_NAME = "viva_person_query"

_TOTAL = ("Total Copilot actions taken", "Total Copilot actions")
_APP_PREFIX = "copilotactionstakenin"
_EMAIL_HEADERS = {"email", "mail", "emailaddress", "upn", "userprincipalname", "primaryemail",
                  "workemail", "hremail", "personemail"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _is_email(values: pd.Series) -> pd.Series:
    return values.str.match(_EMAIL)


def _numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers, bad): blank -> NaN (not bad); text that is not a number -> bad."""
    num = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
    return num, values.ne("") & num.isna()


def _email_column(frame: pd.DataFrame, text_cols: list[str], ctx: FormatContext) -> str | None:
    wanted = ctx.workspace.settings.section("identities").get("viva_email_attribute")
    if wanted is not None:
        if not isinstance(wanted, str):
            raise InputError("adoption.toml [identities] viva_email_attribute must be a column "
                             f"name (text); found {wanted!r}.")
        cols = resolve_columns(list(frame.columns), {"email": (wanted,)}, source=ctx.name,
                               what="Viva Insights person query (viva_email_attribute)")
        return cols["email"]
    for c in text_cols:
        if header_key(c) in _EMAIL_HEADERS:
            return c
    for c in text_cols:
        filled = frame[c][frame[c].ne("")]
        if len(filled) and _is_email(filled).all():
            return c
    return None


def _load(ctx: FormatContext) -> LoadCounts:
    frame = read_export_csv(ctx.path)
    name = ctx.name
    cols = resolve_columns(list(frame.columns), {"person": ("PersonId",),
                                                 "date": ("MetricDate", "Date")},
                           {"org": ("Organization",)}, source=name,
                           what="Viva Insights person query")
    if frame.empty:
        raise InputError(f"{name}: the file has a header but no data rows; nothing was stored.")
    keys = {header_key(c): c for c in frame.columns}
    total_col = next((keys[header_key(t)] for t in _TOTAL if header_key(t) in keys), None)
    app_cols = {c: re.sub(r"(?i)^copilot[_ ]actions[_ ]taken[_ ]in[_ ]", "", c)
                for c in frame.columns if header_key(c).startswith(_APP_PREFIX)}
    if total_col is None and not app_cols:
        copilot = [c for c in frame.columns if "copilot" in header_key(c)]
        raise ColumnNotFoundError(
            f"{name}: a Viva Insights person query needs the Copilot actions: the column "
            f"'Total Copilot actions taken' (or 'Total_Copilot_actions_taken') or columns "
            f"'Copilot actions taken in <app>'. Copilot columns found: {copilot or 'none'}; "
            f"all columns: {list(frame.columns)}. Add the Copilot metrics to the query and "
            "download it again.")
    counts = LoadCounts()
    counts.read = len(frame)
    person_raw = frame[cols["person"]]
    week = parse_dates(frame[cols["date"]])
    reason = pd.Series(None, index=frame.index, dtype=object)

    def flag(mask: pd.Series, why: pd.Series | str) -> None:
        take = mask & reason.isna()
        reason[take] = why if isinstance(why, str) else why[take]

    flag(person_raw.eq(""), f"column {cols['person']!r}: PersonId is empty")
    flag(week.isna(), f"column {cols['date']!r}: value '" + frame[cols["date"]]
         + "' is not a date (M/D/YYYY or YYYY-MM-DD)")
    apps: dict[str, pd.Series] = {}
    for c in app_cols:
        num, bad = _numbers(frame[c])
        flag(bad, f"column {c!r}: value '" + frame[c] + "' is not a number")
        flag(num < 0, f"column {c!r}: value '" + frame[c] + "' is negative (impossible)")
        apps[c] = num
    app_sum = (pd.concat(apps.values(), axis=1).sum(axis=1, min_count=1) if apps
               else pd.Series(float("nan"), index=frame.index))
    if total_col is not None:
        total, bad = _numbers(frame[total_col])
        flag(bad, f"column {total_col!r}: value '" + frame[total_col] + "' is not a number")
        flag(total < 0, f"column {total_col!r}: value '" + frame[total_col]
             + "' is negative (impossible)")
        for c, num in apps.items():
            flag(num > total, f"column {c!r}: more actions in one app than the total in "
                 f"{total_col!r} (impossible)")
        total = total.where(total.notna() | bad, app_sum)
    else:
        total = app_sum
        counts.notes.append("no total column: Copilot actions are the sum of the "
                            f"{len(apps)} per-app columns")
    # blank Copilot metrics: the person was in the population but not enabled for Copilot
    # that week (Viva leaves them empty); counted as 0 actions, i.e. not active
    blank = total.isna() & reason.isna()
    total = total.fillna(0.0)
    if blank.any():
        counts.notes.append(f"{int(blank.sum())} person-week(s) without Copilot values (not "
                            "enabled for Copilot): counted as 0 actions")
    # columns of text are HR attributes; numbers are metrics
    numeric = {c for c in frame.columns if c in app_cols or c == total_col
               or (frame[c].ne("").any() and not _numbers(frame[c])[1].any())}
    text_cols = [c for c in frame.columns if c not in numeric and c not in
                 (cols["person"], cols["date"]) and c not in app_cols and c != total_col]
    email_col = None
    if not _is_email(person_raw[person_raw.ne("")]).all():
        email_col = _email_column(frame, text_cols, ctx)
    ident = frame[email_col].where(frame[email_col].ne(""), person_raw) if email_col \
        else person_raw
    detail = json_objects(pd.DataFrame({label: apps[c].astype(float)
                                        for c, label in app_cols.items()}, index=frame.index),
                          sort_keys=True)
    attrs = json_objects(frame[[c for c in text_cols if c != email_col]])
    key = person_raw.str.lower() + "|" + week.astype(str)
    sig = total.astype(str) + "|" + detail + "|" + attrs
    dup = mark_duplicates(key, sig, reason, "person and week")
    bad_rows = frame.index[reason.notna().to_numpy()]
    identifying = [cols["person"], *([email_col] if email_col else [])]
    ctx.reject([(int(i), reason[i], raw_json(frame.loc[i].to_dict(), identifying, ctx.redact))
                for i in bad_rows])
    counts.rejected = len(bad_rows)
    counts.duplicate = int(dup.sum())
    good = frame.index[(reason.isna() & ~dup).to_numpy()]
    if len(good) == 0:
        return counts
    person_id = pseudonymise_series(ctx.workspace, ident[good])
    rows = pd.DataFrame({
        "person_id": person_id,
        "person_hash": pseudonymise_series(ctx.workspace, person_raw[good]),
        "week": week[good].dt.date.to_numpy(),
        "organization": (frame.loc[good, cols["org"]].where(
            frame.loc[good, cols["org"]].ne(""), None).to_numpy() if "org" in cols else None),
        "attributes": attrs[good].to_numpy(),
        "copilot_actions": total[good].astype(float).to_numpy(),
        "detail": detail[good].to_numpy(),
    })
    con = ctx.con
    con.register("_viva_rows", rows)
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE _viva_new AS
            SELECT r.* FROM _viva_rows r WHERE NOT EXISTS (
                SELECT 1 FROM viva_person_weeks v
                WHERE v.person_id = r.person_id AND v.week = r.week)""")
    finally:
        con.unregister("_viva_rows")
    new = con.execute("SELECT count(*) FROM _viva_new").fetchone()[0]
    counts.duplicate += len(rows) - int(new)
    counts.loaded = int(new)
    con.execute(f"""INSERT INTO viva_person_weeks
        SELECT person_id, week, organization, attributes, copilot_actions, {ctx.batch_id}
        FROM _viva_new""")
    con.execute(f"""INSERT INTO activity_periods
        SELECT person_id, '{TOOL}', '{FORMAT_NAME}', week, week + 6, copilot_actions > 0,
               NULL, CAST(round(copilot_actions) AS BIGINT), NULL, detail, {ctx.batch_id}
        FROM _viva_new""")
    claim_rows(con, ctx.batch_id, "identities",
               "SELECT DISTINCT person_hash, person_id, 'viva' FROM _viva_new", replace=True)
    con.execute("DROP TABLE _viva_new")
    if email_col:
        counts.notes.append(f"people resolved through the HR attribute {email_col!r}")
    elif not _is_email(person_raw[good]).all():
        counts.notes.append("PersonId is a hashed id and no e-mail attribute was found: rows "
                            "are kept but cannot be matched to the roster (add an e-mail HR "
                            "attribute to the query); the usage segments group them by the "
                            "query's HR attribute Organization (or [identities] "
                            "viva_team_attribute) instead")
    if "org" not in cols:
        counts.notes.append("no Organization column: team figures need the roster")
    counts.first_date = week[good].min().date()
    counts.last_date = (week[good].max() + pd.Timedelta(days=6)).date()
    return counts


def _sniff(s: Sniff) -> bool:
    # PersonId with MetricDate, or with Copilot metrics (so that a renamed MetricDate is
    # still claimed and loading names the missing column)
    keys = {header_key(c) for c in csv_header(s)}
    return "personid" in keys and ("metricdate" in keys
                                   or any(k.startswith(("totalcopilot", _APP_PREFIX))
                                          for k in keys))


def load_person_weeks(workspace) -> pd.DataFrame:
    """The stored Viva person-weeks: ``person_id, week, organization, copilot_actions``.

    Pass the result to :func:`adoption.vendors.segments.identify_usage_segments`.
    """
    with workspace.store() as store:
        return store.con.execute(
            "SELECT person_id, week, organization, copilot_actions FROM viva_person_weeks "
            "ORDER BY person_id, week").df()


FORMATS = [
    SourceFormat(
        name=FORMAT_NAME,
        kind="activity",
        description="Viva Insights person query (CSV): Copilot actions per person and week",
        suffixes=(".csv",),
        sniff=_sniff,
        load=_load,
        rank=32,
        source=SOURCE,
    ),
]
