"""Generic CSV discovery logs: web proxy, DNS queries and SSO/OAuth application grants.

Each is a table with a header row (comma, semicolon, tab or pipe; text decoded by
:mod:`adoption.ingest.text`); headers are matched case- and punctuation-insensitively against the synonyms in
:data:`PROXY_COLUMNS`, :data:`DNS_COLUMNS` and :data:`GRANT_COLUMNS`. Timestamps are ISO 8601
(with an offset, or local time in the workspace time zone) or Unix epoch seconds.

- **Proxy CSV** (``proxy_csv``): ``timestamp``, ``user`` and/or ``device``, ``host`` (a host,
  ``host:port`` or URL); optional ``action`` (``block``/``deny``/``drop``... counts as
  blocked) and ``bytes``. E.g. exports of Zscaler, Netskope, Palo Alto URL logs reduced to
  these columns.
- **DNS CSV** (``dns_csv``): ``timestamp``, ``device`` (client address or host name) and/or
  ``user``, ``query`` (the queried name); optional ``rcode`` (``NXDOMAIN``/``REFUSED``, 3 or 5
  count as blocked). E.g. Windows DNS analytical logs, Pi-hole, Infoblox exports.
- **SSO grants CSV** (``sso_grants_csv``): ``user``, ``app`` (application / client name, or
  its URL), ``scopes``; optional ``client_id`` and ``granted_on`` (without it, every grant is
  dated ``--as-of``). E.g. the Google Workspace OAuth token audit log or Entra ID user consent
  to enterprise applications.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Callable

import pandas as pd

from adoption.discovery.catalogue import ServiceMatcher, load_catalogue
from adoption.discovery.records import (
    RECORD_COLUMNS,
    normalise_user,
    parse_timestamps,
    store_traffic,
)
from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest.columns import normalise_header
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat

__all__ = ["DNS_COLUMNS", "FORMATS", "GRANT_COLUMNS", "PROXY_COLUMNS", "map_header"]

_TIME = ("timestamp", "time", "datetime", "date_time", "event_time", "ts", "date", "_time",
         "receive_time", "generated_time", "request_time", "log_time", "time_generated")
_USER = ("user", "username", "user_name", "email", "upn", "user_principal_name", "login",
         "account", "src_user", "cs_username", "user_email", "user_id", "userid", "principal",
         "actor_email")
_DEVICE = ("device", "client", "client_ip", "src_ip", "source_ip", "source_address", "c_ip",
           "ip", "ip_address", "client_address", "device_name", "client_hostname", "computer",
           "computer_name", "workstation", "device_id", "client_host", "src")

PROXY_COLUMNS: dict[str, tuple[str, ...]] = {
    "timestamp": _TIME,
    "user": _USER,
    "device": _DEVICE,
    "host": ("host", "url", "domain", "destination", "dest_host", "dst_host",
             "destination_host", "cs_host", "fqdn", "site", "request_url", "uri",
             "destination_url", "server_name", "sni", "hostname", "url_host"),
    "action": ("action", "disposition", "verdict", "decision", "policy_action"),
    "bytes": ("bytes", "bytes_out", "bytes_sent", "sent_bytes", "bytes_total", "total_bytes",
              "size", "sc_bytes", "cs_bytes", "response_size"),
}
DNS_COLUMNS: dict[str, tuple[str, ...]] = {
    "timestamp": _TIME,
    "user": _USER,
    "device": _DEVICE,
    "query": ("query", "query_name", "qname", "question", "question_name", "dns_query",
              "queried_domain", "domain_name", "name_queried", "query_domain"),
    "rcode": ("rcode", "response_code", "reply_code", "dns_response_code", "response",
              "status"),
}
GRANT_COLUMNS: dict[str, tuple[str, ...]] = {
    "user": _USER,
    "app": ("app", "app_name", "application", "application_name", "app_display_name",
            "client_name", "oauth_app", "service_principal", "service_principal_name",
            "resource_display_name"),
    "client_id": ("client_id", "app_id", "application_id", "appid", "oauth_client_id"),
    "scopes": ("scopes", "scope", "permissions", "permission", "granted_scopes",
               "consent_scopes", "oauth_scopes"),
    "granted_on": ("granted_on", "granted", "granted_date", "grant_date", "consent_date",
                   "consented_on", "date", "timestamp", "time", "created", "created_at",
                   "created_date_time", "event_time"),
}
_BLOCK_ACTIONS = {"block", "blocked", "deny", "denied", "drop", "dropped", "reject",
                  "rejected", "forbidden", "isolate", "quarantine"}
_BLOCK_RCODES = {"nxdomain", "refused", "3", "5", "blocked"}


def map_header(found: list[str], spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical column -> the file's header, for the columns of ``spec`` that are present."""
    by_norm: dict[str, str] = {}
    for col in found:
        by_norm.setdefault(normalise_header(col), col)
    out: dict[str, str] = {}
    for canonical, spellings in spec.items():
        for s in spellings:
            if s in by_norm and by_norm[s] not in out.values():
                out[canonical] = by_norm[s]
                break
    return out


def _require(found: list[str], spec: dict[str, tuple[str, ...]], groups: list[tuple[str, ...]],
             *, what: str, source: str) -> dict[str, str]:
    """:func:`map_header`, raising a clear error when a required group has no column."""
    mapping = map_header(found, spec)
    missing = [g for g in groups if not any(c in mapping for c in g)]
    if missing:
        norms = [normalise_header(c) for c in found]
        hints = []
        for group in missing:
            spellings = [s for c in group for s in spec[c]]
            near = max(((difflib.SequenceMatcher(None, s, n).ratio(), found[i])
                        for s in spellings for i, n in enumerate(norms)), default=(0.0, ""))
            hint = f"nearest found: {near[1]!r}" if near[0] >= 0.6 else "no similar column"
            hints.append(f"{' or '.join(repr(c) for c in group)} (accepted: {spellings[:8]}...; "
                         f"{hint})")
        raise ColumnNotFoundError(
            f"{source}: a {what} needs column(s) {'; '.join(hints)}. Columns found: {found}. "
            "Rename the column in a copy of the file (see docs/discovery.md).")
    return mapping


def _has(sniff: Sniff, spec: dict[str, tuple[str, ...]], *canonical: str) -> bool:
    mapping = map_header(sniff.header, {c: spec[c] for c in canonical})
    return len(mapping) == len(canonical)


def _sniff_proxy(sniff: Sniff) -> bool:
    if len(sniff.header) < 3 or _has(sniff, DNS_COLUMNS, "query") or _has(
            sniff, GRANT_COLUMNS, "scopes"):
        return False
    return _has(sniff, PROXY_COLUMNS, "timestamp", "host") and (
        _has(sniff, PROXY_COLUMNS, "user") or _has(sniff, PROXY_COLUMNS, "device"))


def _sniff_dns(sniff: Sniff) -> bool:
    if len(sniff.header) < 3 or _has(sniff, GRANT_COLUMNS, "scopes"):
        return False
    return _has(sniff, DNS_COLUMNS, "timestamp", "query") and (
        _has(sniff, DNS_COLUMNS, "user") or _has(sniff, DNS_COLUMNS, "device"))


def _sniff_grants(sniff: Sniff) -> bool:
    if len(sniff.header) < 3:
        return False
    return _has(sniff, GRANT_COLUMNS, "user", "scopes") and (
        _has(sniff, GRANT_COLUMNS, "app") or _has(sniff, GRANT_COLUMNS, "client_id"))


def _read_table(ctx: FormatContext) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a delimited text file, all as text."""
    try:
        text = ctx.read_text()
    except OSError as e:
        raise InputError(f"{ctx.name}: cannot read the file ({e}). Check the path and "
                         "permissions.") from e
    first = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise InputError(f"{ctx.name}: the file is empty.")
    return [c.strip() for c in rows[0]], rows[1:]


def _frame(ctx: FormatContext, header: list[str], rows: list[list[str]], mapping: dict[str, str],
           identifying: tuple[str, ...]) -> tuple[pd.DataFrame, list, int]:
    """Rows with the right number of fields as a frame of canonical columns; bad ones rejected."""
    rejects, good, numbers = [], [], []
    hidden = {header.index(mapping[c]) for c in identifying if c in mapping} if ctx.redact else set()
    read = 0
    for k, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        read += 1
        if len(row) != len(header):
            rejects.append((k, f"row has {len(row)} fields but the header has {len(header)}",
                            None if ctx.redact else str(row)))
            continue
        good.append(row)
        numbers.append(k)
    data = pd.DataFrame(good, columns=range(len(header)), dtype="string")
    frame = pd.DataFrame({"row": numbers}, dtype="int64")
    for canonical, col in mapping.items():
        frame[canonical] = data[header.index(col)].str.strip().replace("", pd.NA).to_numpy()
    frame.attrs["raw"] = [
        ",".join("(redacted)" if i in hidden and cell.strip() else cell
                 for i, cell in enumerate(row)) for row in good]
    return frame, rejects, read


def _traffic_loader(spec: dict[str, tuple[str, ...]], host_col: str, what: str, name: str,
                    blocked: Callable[[pd.Series], pd.Series]) -> Callable[[FormatContext],
                                                                           LoadCounts]:
    def load(ctx: FormatContext) -> LoadCounts:
        header, rows = _read_table(ctx)
        mapping = _require(header, spec, [("timestamp",), (host_col,), ("user", "device")],
                           what=what, source=ctx.name)
        frame, rejects, read = _frame(ctx, header, rows, mapping, ("user", "device"))
        at = parse_timestamps(frame["timestamp"], ctx.workspace.settings.time_zone)
        who = frame.get("user", pd.Series(pd.NA, index=frame.index)).map(normalise_user)
        dev = frame.get("device", pd.Series(pd.NA, index=frame.index))
        bytes_text = frame.get("bytes", pd.Series(pd.NA, index=frame.index, dtype="string"))
        nbytes = pd.to_numeric(bytes_text, errors="coerce")
        reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
        checks = [
            (frame["timestamp"].isna(), f"column {mapping['timestamp']}: timestamp is empty"),
            (at.isna(), f"column {mapping['timestamp']}: value is not an ISO 8601 timestamp or "
             "Unix time; use e.g. 2026-01-05T09:30:00+01:00"),
            (frame[host_col].isna(), f"column {mapping[host_col]}: host is empty"),
            (who.isna() & dev.isna(), "neither a user nor a device is given"),
            (bytes_text.notna() & (nbytes.isna() | (nbytes < 0)),
             f"column {mapping.get('bytes', 'bytes')}: value is not a whole number >= 0"),
        ]
        for bad, why in checks:
            reasons = reasons.mask(reasons.isna() & bad.fillna(False).astype(bool), why)
        raw = frame.attrs["raw"]
        for i in range(len(frame)):
            if pd.notna(reasons.iloc[i]):
                rejects.append((int(frame["row"].iloc[i]), str(reasons.iloc[i]), raw[i]))
        ok = reasons.isna().to_numpy()
        records = pd.DataFrame({
            "row": frame["row"], "at": at, "user": frame.get("user"),
            "device": dev, "host": frame[host_col],
            "bytes": nbytes.astype(float), "blocked": blocked(frame).fillna(False).astype(bool),
            "skip": False}, columns=RECORD_COLUMNS).loc[ok]
        records = records.astype({"user": object, "device": object, "host": object})
        records = records.where(records.notna(), None).astype({"at": "datetime64[ns, UTC]"})
        return store_traffic(ctx, records, read=read, rejects=sorted(rejects), source=name)

    return load


def _proxy_blocked(frame: pd.DataFrame) -> pd.Series:
    if "action" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["action"].str.lower().isin(_BLOCK_ACTIONS)


def _dns_blocked(frame: pd.DataFrame) -> pd.Series:
    if "rcode" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["rcode"].str.lower().isin(_BLOCK_RCODES)


def load_grants(ctx: FormatContext) -> LoadCounts:
    """Read an SSO/OAuth grant export into ``oauth_grants`` and ``discovery``."""
    header, rows = _read_table(ctx)
    mapping = _require(header, GRANT_COLUMNS, [("user",), ("app", "client_id"), ("scopes",)],
                       what="SSO/OAuth grant export", source=ctx.name)
    frame, rejects, read = _frame(ctx, header, rows, mapping, ("user",))
    tz = ctx.workspace.settings.time_zone
    if "granted_on" in frame:
        at = parse_timestamps(frame["granted_on"], tz)
        date_missing = frame["granted_on"].isna()
    elif ctx.as_of is not None:
        at = pd.Series(pd.Timestamp(ctx.as_of).tz_localize(tz).tz_convert("UTC"),
                       index=frame.index)
        date_missing = pd.Series(False, index=frame.index)
    else:
        raise ColumnNotFoundError(
            f"{ctx.name}: the grant export has no date column (accepted: "
            f"{list(GRANT_COLUMNS['granted_on'][:6])}...); columns found: {header}. Pass "
            "--as-of DATE (the export date) to date every grant, or add the column.")
    app = frame["app"] if "app" in frame else frame["client_id"]
    who = frame["user"].map(normalise_user)
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    for bad, why in [
        (who.isna(), f"column {mapping['user']}: user is empty"),
        (app.isna(), "the application name is empty"),
        (date_missing, f"column {mapping.get('granted_on')}: grant date is empty"),
        (at.isna(), f"column {mapping.get('granted_on')}: value is not a date; use YYYY-MM-DD"),
    ]:
        reasons = reasons.mask(reasons.isna() & bad.fillna(False).astype(bool), why)
    raw = frame.attrs["raw"]
    for i in range(len(frame)):
        if pd.notna(reasons.iloc[i]):
            rejects.append((int(frame["row"].iloc[i]), str(reasons.iloc[i]), raw[i]))
    ok = reasons.isna().to_numpy()
    counts = LoadCounts(read=read)
    counts.rejected = ctx.reject(sorted(rejects))
    good = frame.loc[ok].assign(at=at[ok], user_norm=who[ok], app=app[ok]).reset_index(drop=True)
    if good.empty:
        return counts
    matcher = ServiceMatcher(load_catalogue(ctx.workspace))
    good["service"] = good["app"].map(matcher.match_app)
    if "client_id" in good and "app" in frame:
        by_id = good["client_id"].map(lambda v: matcher.match_app(v) if pd.notna(v) else None)
        good["service"] = good["service"].where(good["service"].notna(), by_id)
    good["day"] = good["at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d")
    hashed = dict(zip(pd.unique(good["user_norm"]),
                      ctx.workspace.pseudonymise(list(pd.unique(good["user_norm"]))),
                      strict=True))
    good["person_id"] = good["user_norm"].map(hashed)
    # one grant per person, application and day; grants already stored are duplicates
    repeat = good.duplicated(["person_id", "app", "day"]).to_numpy()
    stored = ctx.con.execute("SELECT person_id, app, strftime(granted_on, '%Y-%m-%d') AS day "
                             "FROM oauth_grants").df()
    seen = good.merge(stored.assign(_seen=True), on=["person_id", "app", "day"],
                      how="left")["_seen"].fillna(False).to_numpy(dtype=bool)
    dup = repeat | seen
    counts.duplicate = int(dup.sum())
    keep = good.loc[~dup]
    ai = keep[keep["service"].notna()]
    ctx.insert_frame("oauth_grants", pd.DataFrame({
        "person_id": ai["person_id"].astype("string"), "service": ai["service"].astype("string"),
        "app": ai["app"].astype("string"),
        "scopes": ai["scopes"].astype("string") if "scopes" in ai else None,
        "granted_on": pd.to_datetime(ai["day"]), "batch_id": ctx.batch_id}))
    records = pd.DataFrame({"row": keep["row"], "at": keep["at"], "user": keep["user_norm"],
                            "device": None, "host": None, "bytes": float("nan"),
                            "blocked": False, "skip": False}, columns=RECORD_COLUMNS)
    services = keep["service"]
    sub = store_traffic(ctx, records, read=len(keep), rejects=[], source=GRANTS,
                        services=services, check_overlap=False)
    counts.loaded = sub.loaded
    counts.first_date, counts.last_date = sub.first_date, sub.last_date
    counts.notes = [n.replace("row(s) to", "grant(s) of").replace("other hosts", "other apps")
                    for n in sub.notes]
    if counts.duplicate:
        counts.notes.append(f"{counts.duplicate:,} grant(s) already stored or repeated in the "
                            "file: counted as duplicates")
    return counts


PROXY, DNS, GRANTS = "proxy_csv", "dns_csv", "sso_grants_csv"

FORMATS: list[SourceFormat] = [
    SourceFormat(
        name=PROXY, kind="discovery",
        description="web proxy log as CSV (timestamp, user or device, host or URL)",
        suffixes=(".csv", ".tsv", ".txt"), sniff=_sniff_proxy,
        load=_traffic_loader(PROXY_COLUMNS, "host", "proxy log", PROXY, _proxy_blocked),
        rank=60, source="docs/discovery.md#proxy-csv"),
    SourceFormat(
        name=DNS, kind="discovery",
        description="DNS query log as CSV (timestamp, client or user, query name)",
        suffixes=(".csv", ".tsv", ".txt"), sniff=_sniff_dns,
        load=_traffic_loader(DNS_COLUMNS, "query", "DNS query log", DNS, _dns_blocked),
        rank=60, source="docs/discovery.md#dns-csv"),
    SourceFormat(
        name=GRANTS, kind="discovery",
        description="SSO/OAuth application grants as CSV (user, app, scopes, granted date)",
        suffixes=(".csv", ".tsv", ".txt"), sniff=_sniff_grants, load=load_grants,
        rank=60, source="docs/discovery.md#sso-grants-csv"),
]
