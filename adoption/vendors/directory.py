"""Directories: the Microsoft Entra ID "Download users" CSV, and any HR report via a column mapping.

Entra ID users (format ``entra_users_csv``)
-------------------------------------------
How to export: Microsoft Entra admin center > Identity > Users > All users > "Download users"
> Start; download the CSV from "Bulk operation results" (documented at :data:`ENTRA_SOURCE`).
The file is named like ``exportUsers_2026-1-31.csv``. Attributes (documented list):
userPrincipalName, displayName, surname, mail, givenName, objectId (``id`` in newer
downloads), userType, jobTitle, department, accountEnabled, usageLocation, streetAddress,
state, country, physicalDeliveryOfficeName (officeLocation), city, postalCode,
telephoneNumber, mobile (mobilePhone), authenticationPhoneNumber,
authenticationAlternativePhoneNumber, authenticationEmail, alternateEmailAddress, ageGroup,
consentProvidedForMinor, legalAgeGroupClassification (and, in newer downloads, companyName,
creationType, directorySynced, invitationState, identityIssuer, createdDateTime). Headers are
matched without case, spaces or underscores ("User principal name" works too), a first line
``sep=,`` (Excel) and a byte-order mark are skipped.

Fields used: userPrincipalName, mail, userType, accountEnabled, givenName, surname,
displayName, department, jobTitle. The snapshot date is ``--as-of``, else the date in the file
name (``exportUsers_2026-1-31.csv``), else the day of ingest (said in the batch's note).

What it can tell, and what not: who has an account on the snapshot date, of which type, in
which department, and which UPN belongs to which mailbox (identity resolution). It does not
tell teams below the department, managers or employment dates: the HR roster stays the source
of teams; the directory is for headcount cross-checks and identities.

Accounts kept out of headcount (``included = false``, ``reason`` says why), in this order:

- **guest**: ``userType`` Guest, or ``#EXT#`` in the UPN (B2B guests);
- **disabled**: ``accountEnabled`` false (leavers, blocked accounts);
- **resource**: room and equipment mailboxes: no given name and no surname, and the display
  name or UPN matches a resource pattern (default: room, meeting room, conference, boardroom,
  equipment, projector, pool car, resource);
- **service**: no department and the UPN's local part or the display name matches a service
  pattern (default: ``svc``/``service``/``admin``/``sa``/``app``/``bot``/``sync``/``test``
  followed by ``-``, ``_`` or ``.``; ``noreply``/``no-reply``/``donotreply``; ``scanner``;
  ``mailbox``).

The patterns are regular expressions (case-insensitive) set in ``adoption.toml``::

    [identities]
    service_account_patterns = ['^svc[-_.]', '^noreply']
    resource_account_patterns = ['\\broom\\b', '^equipment']
    entra_as_roster = false

Everything else is a **member** (included). Each account is recorded in
``directory_accounts`` (``identity_hash`` = keyed hash of the UPN, ``person_id`` = keyed hash
of the mail, or of the UPN when there is no mail); members also become ``identities`` (system ``"entra"``): the hash of
their mail and of their UPN, both pointing to the person id = the hash of the mail (the
roster's person id is the hash of the e-mail; the UPN when there is no mail), so the UPN used
by Microsoft 365 reports joins the roster person.

With ``entra_as_roster = true`` (or the option ``as_roster=true``), included members with a
department also become a roster snapshot (team = department, role = job title, location =
office or city), loaded by :func:`adoption.ingest.roster.load_roster` with its effective
dating; use it only when there is no HR roster. Off by default.

The HR report read through a mapping file (format ``hr_report``) is in
:mod:`adoption.vendors.hr_report`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from adoption.errors import InputError
from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.ingest.reader import SourceFile, sql_ident
from adoption.ingest.roster import load_roster
from adoption.ingest.sql import Fields
from adoption.ingest.trace import claim_rows
from adoption.vendors.microsoft import (
    csv_header,
    header_key,
    mark_duplicates,
    raw_json,
    read_export_csv,
    resolve_columns,
)

__all__ = [
    "DEFAULT_RESOURCE_PATTERNS",
    "DEFAULT_SERVICE_PATTERNS",
    "ENTRA_SOURCE",
    "FORMATS",
    "classify_accounts",
]

ENTRA_SOURCE = "https://learn.microsoft.com/entra/identity/users/users-bulk-download"

DEFAULT_SERVICE_PATTERNS = (
    r"^(svc|service|admin|sa|app|bot|sync|test)[-_.]", r"^(no-?reply|donotreply)",
    r"scanner", r"mailbox",
)
DEFAULT_RESOURCE_PATTERNS = (
    r"\broom\b", r"meeting ?room", r"conference", r"boardroom", r"^equipment", r"projector",
    r"pool ?car", r"^resource",
)

_REQUIRED = {
    "upn": ("userPrincipalName", "User principal name"),
    "display": ("displayName", "Display name"),
    "type": ("userType", "User type"),
    "enabled": ("accountEnabled", "Account enabled"),
}
_OPTIONAL = {
    "mail": ("mail", "Email"),
    "given": ("givenName", "First name"),
    "surname": ("surname", "Last name"),
    "department": ("department",),
    "title": ("jobTitle", "Job title"),
    "office": ("physicalDeliveryOfficeName", "officeLocation", "Office location", "Office"),
    "city": ("city",),
    "id": ("objectId", "id", "Object Id"),
}
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def _patterns(settings_section: dict[str, Any], key: str, default: tuple[str, ...]
              ) -> list[re.Pattern[str]]:
    value = settings_section.get(key, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"adoption.toml [identities] {key} must be a list of regular "
                         f"expressions (text); found {value!r}.")
    out = []
    for v in value:
        try:
            out.append(re.compile(v, re.IGNORECASE))
        except re.error as e:
            raise InputError(f"adoption.toml [identities] {key}: {v!r} is not a valid regular "
                             f"expression ({e}).") from e
    return out


def classify_accounts(accounts: pd.DataFrame, *, service_patterns=DEFAULT_SERVICE_PATTERNS,
                      resource_patterns=DEFAULT_RESOURCE_PATTERNS) -> pd.DataFrame:
    """Tell members from guests, disabled, resource and service accounts.

    Parameters
    ----------
    accounts : pandas.DataFrame
        Text columns ``upn, display_name, user_type, enabled`` (bool), and ``given_name,
        surname, department`` (empty string when unknown).
    service_patterns, resource_patterns : sequence of str or compiled patterns

    Returns
    -------
    pandas.DataFrame
        ``account_type`` (member, guest, disabled, resource, service), ``included`` and
        ``reason`` (None for members), on the same index.
    """
    svc = [p if isinstance(p, re.Pattern) else re.compile(p, re.IGNORECASE)
           for p in service_patterns]
    res = [p if isinstance(p, re.Pattern) else re.compile(p, re.IGNORECASE)
           for p in resource_patterns]
    upn = accounts["upn"].fillna("")
    local = upn.str.split("@").str[0]
    display = accounts["display_name"].fillna("")

    def matches(patterns, *cols: pd.Series) -> pd.Series:
        hit = pd.Series(False, index=accounts.index)
        for p in patterns:
            for c in cols:
                hit |= c.map(lambda v, p=p: bool(p.search(v))).astype(bool)
        return hit

    no_person_name = accounts["given_name"].fillna("").eq("") & \
        accounts["surname"].fillna("").eq("")
    guest = accounts["user_type"].str.lower().eq("guest") | upn.str.upper().str.contains(
        "#EXT#", regex=False)
    disabled = ~accounts["enabled"].astype(bool)
    resource = no_person_name & matches(res, display, local)
    service = accounts["department"].fillna("").eq("") & matches(svc, local, display)
    kind = pd.Series("member", index=accounts.index, dtype=object)
    reason = pd.Series(None, index=accounts.index, dtype=object)
    for mask, name, why in (
        (service, "service", "service account (no department, name matches a service "
                             "pattern)"),
        (resource, "resource", "room or equipment mailbox (no person name, name matches a "
                               "resource pattern)"),
        (disabled, "disabled", "account disabled (accountEnabled false)"),
        (guest, "guest", "guest account (userType Guest or #EXT# in the UPN)"),
    ):  # the last assignment wins: guest > disabled > resource > service
        kind[mask] = name
        reason[mask] = why
    return pd.DataFrame({"account_type": kind, "included": kind.eq("member"),
                         "reason": reason}, index=accounts.index)


def _as_of(ctx: FormatContext, notes: list[str]) -> dt.date:
    if ctx.as_of:
        return ctx.as_of
    m = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", ctx.path.name)
    if m:
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            pass
    today = dt.datetime.now(dt.UTC).date()
    notes.append(f"no --as-of and no date in the file name: snapshot taken as of today ({today})")
    return today


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in _TRUE


def _load_entra(ctx: FormatContext) -> LoadCounts:
    frame = read_export_csv(ctx.path)
    cols = resolve_columns(list(frame.columns), _REQUIRED, _OPTIONAL, source=ctx.name,
                           what='Microsoft Entra ID "Download users" file')
    if frame.empty:
        raise InputError(f"{ctx.name}: the file has a header but no data rows; nothing was stored.")
    counts = LoadCounts()
    counts.read = len(frame)
    section = ctx.workspace.settings.section("identities")
    svc = _patterns(section, "service_account_patterns", DEFAULT_SERVICE_PATTERNS)
    res = _patterns(section, "resource_account_patterns", DEFAULT_RESOURCE_PATTERNS)
    as_of = _as_of(ctx, counts.notes)

    def col(name: str) -> pd.Series:
        return frame[cols[name]] if name in cols else pd.Series("", index=frame.index)

    enabled_raw = col("enabled").str.lower()
    reason = pd.Series(None, index=frame.index, dtype=object)
    reason[col("upn").eq("")] = f"column {cols['upn']!r}: user principal name is empty"
    bad_flag = ~enabled_raw.isin(_TRUE | _FALSE) & reason.isna()
    reason[bad_flag] = (f"column {cols['enabled']!r}: value '" + col("enabled")[bad_flag]
                        + "' is not true or false")
    enabled = enabled_raw.isin(_TRUE)
    accounts = pd.DataFrame({
        "upn": col("upn"), "display_name": col("display"), "user_type": col("type"),
        "enabled": enabled, "given_name": col("given"), "surname": col("surname"),
        "department": col("department")})
    kinds = classify_accounts(accounts, service_patterns=svc, resource_patterns=res)
    norm = col("upn").str.lower().str.replace(r"\s+", "", regex=True)
    sig = pd.Series(pd.util.hash_pandas_object(frame, index=False), index=frame.index)
    dup = mark_duplicates(norm, sig, reason, "user")
    bad = frame.index[reason.notna().to_numpy()]
    identifying = [cols[c] for c in ("upn", "display", "mail", "given", "surname") if c in cols]
    ctx.reject([(int(i), reason[i], raw_json(frame.loc[i].to_dict(), identifying, ctx.redact))
                for i in bad])
    counts.rejected = len(bad)
    counts.duplicate = int(dup.sum())
    good = frame.index[(reason.isna() & ~dup).to_numpy()]
    if len(good) == 0:
        return counts
    mail = col("mail")[good]
    key = mail.where(mail.ne(""), col("upn")[good])
    ws = ctx.workspace
    rows = pd.DataFrame({
        "batch_id": ctx.batch_id,
        "as_of": as_of,
        "identity_hash": ws.pseudonymise(col("upn")[good].tolist()),
        "mail_hash": ws.pseudonymise(mail.tolist()),
        "person_id": ws.pseudonymise(key.tolist()),
        "account_type": kinds.loc[good, "account_type"].to_numpy(),
        "included": kinds.loc[good, "included"].to_numpy(),
        "reason": kinds.loc[good, "reason"].to_numpy(),
        "department": col("department")[good].where(col("department")[good].ne(""), None)
                      .to_numpy(),
        "job_title": col("title")[good].where(col("title")[good].ne(""), None).to_numpy(),
    })
    con = ctx.con
    con.register("_entra_rows", rows)
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE _entra_new AS
            SELECT r.* FROM _entra_rows r WHERE NOT EXISTS (
                SELECT 1 FROM directory_accounts d
                WHERE d.as_of = r.as_of AND d.identity_hash = r.identity_hash
                  AND d.account_type = r.account_type
                  AND d.department IS NOT DISTINCT FROM r.department
                  AND d.job_title IS NOT DISTINCT FROM r.job_title)""")
    finally:
        con.unregister("_entra_rows")
    new = int(con.execute("SELECT count(*) FROM _entra_new").fetchone()[0])
    counts.duplicate += len(rows) - new
    counts.loaded = new
    # a changed account in a snapshot already loaded replaces the earlier row
    replaced = ctx.replace_rows("directory_accounts", """EXISTS (SELECT 1 FROM _entra_new n
        WHERE n.as_of = t.as_of AND n.identity_hash = t.identity_hash)""")
    if replaced:
        counts.notes.append(f"{replaced} account(s) of an earlier copy of this snapshot replaced")
    con.execute("""INSERT INTO directory_accounts
        SELECT batch_id, as_of, identity_hash, person_id, account_type, included, reason,
               department, job_title FROM _entra_new""")
    claim_rows(con, ctx.batch_id, "identities", """
        SELECT identity_hash, person_id, 'entra' FROM _entra_new WHERE included
        UNION
        SELECT mail_hash, person_id, 'entra' FROM _entra_new
        WHERE included AND mail_hash IS NOT NULL""", replace=True)
    con.execute("DROP TABLE _entra_new")
    summary = kinds.loc[good, "account_type"].value_counts()
    counts.notes.append("accounts: " + ", ".join(f"{k} {v}" for k, v in summary.items())
                        + " (only members count in headcount)")
    counts.first_date = counts.last_date = as_of
    as_roster = ctx.options.get("as_roster") if ctx.options else None
    if as_roster is None:
        as_roster = section.get("entra_as_roster", False)
    if _truthy(as_roster):
        _entra_roster(ctx, frame.loc[good], cols, kinds.loc[good], as_of, counts)
    return counts


def _entra_roster(ctx: FormatContext, frame: pd.DataFrame, cols: dict[str, str],
                  kinds: pd.DataFrame, as_of: dt.date, counts: LoadCounts) -> None:
    """Load the included members with a department as a roster snapshot (roster loader)."""
    dept = frame[cols["department"]] if "department" in cols else pd.Series("", frame.index)
    members = kinds["included"].to_numpy() & dept.ne("").to_numpy()
    sub = frame[members]
    if sub.empty:
        counts.notes.append("as_roster: no member with a department; no roster snapshot made")
        return

    def col(name: str) -> pd.Series:
        return sub[cols[name]] if name in cols else pd.Series("", index=sub.index)

    office = col("office").where(col("office").ne(""), col("city"))
    roster = pd.DataFrame({
        "_row": sub.index.astype("int64"),
        "email": col("mail").where(col("mail").ne(""), col("upn")),
        "team": col("department"), "department": col("department"),
        "role": col("title"), "location": office, "name": col("display"),
        "as_of": as_of.isoformat()})
    con = ctx.con
    con.register("_entra_roster_frame", roster)
    con.execute("CREATE OR REPLACE TEMP TABLE _entra_roster AS SELECT * FROM _entra_roster_frame")
    con.unregister("_entra_roster_frame")
    columns = [c for c in roster.columns if c != "_row"]
    casts = ", ".join(f"CAST({sql_ident(c)} AS VARCHAR) AS {sql_ident(c)}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT _row, {casts} FROM _entra_roster "
                "ORDER BY _row")
    try:
        fields = Fields({c: c for c in columns}, columns, redact=ctx.redact)
        lctx = LoadContext(con, SourceFile(ctx.path, "csv", columns), fields, ctx.batch_id,
                           ctx.workspace, as_of)
        roster_counts = load_roster(lctx)
    finally:
        con.execute("DROP VIEW IF EXISTS src")
        con.execute("DROP TABLE IF EXISTS _entra_roster")
    counts.notes.append(f"as_roster: {roster_counts.loaded} member(s) loaded as the roster "
                        f"snapshot of {as_of} (team = department)")


def _sniff_entra(s: Sniff) -> bool:
    keys = {header_key(c) for c in csv_header(s)}
    return {"userprincipalname", "usertype", "accountenabled"} <= keys or (
        "userprincipalname" in keys and "usertype" in keys and "displayname" in keys)


FORMATS = [
    SourceFormat(
        name="entra_users_csv",
        kind="directory",
        description='Microsoft Entra ID "Download users" CSV (accounts, guests, identities)',
        suffixes=(".csv",),
        sniff=_sniff_entra,
        load=_load_entra,
        rank=1,
        source=ENTRA_SOURCE,
    ),
]
