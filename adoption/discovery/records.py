"""Storing parsed discovery records: host matching, identities, overlap rule, aggregation.

Every reader (:mod:`adoption.discovery.squid`, :mod:`adoption.discovery.logs`) turns its file
into a frame of *records*, one per input row it could parse, and hands it to
:func:`store_traffic`, which runs inside the batch's transaction.

Accounting (``read = loaded + rejected + duplicate``):

- **rejected**: rows that cannot be parsed (kept with their reason);
- **duplicate**: rows whose instant falls inside a time span that an earlier batch of the same
  source already covered that day (see ``discovery_days``): overlapping exports are loaded
  once, while rotated logs that continue where the last file ended lose nothing;
- **loaded**: every other row. Rows to AI services are aggregated into ``discovery``; rows to
  other hosts (and proxy-authentication challenges, status 407) are not stored one by one but
  counted per day in ``discovery_days`` (``rows_not_ai``; ``rows_total`` counts all).
"""

from __future__ import annotations

import urllib.parse

import numpy as np
import pandas as pd

from adoption.discovery.catalogue import ServiceMatcher, load_catalogue
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext

__all__ = ["RECORD_COLUMNS", "normalise_user", "parse_timestamps", "store_traffic"]

#: Columns of a records frame: data row number, instant (UTC), user, device, host, bytes,
#: blocked by the proxy or resolver, and skip (a handshake that is no request of its own).
RECORD_COLUMNS = ["row", "at", "user", "device", "host", "bytes", "blocked", "skip"]


def normalise_user(value: object) -> str | None:
    """A user identifier as logged, ready to hash; None when there is none.

    Percent-encoding (Squid logs ``DOMAIN%5Cuser``) is decoded and a Windows domain prefix
    dropped (``EXAMPLE\\alice`` -> ``alice``, resolved like any short login through the
    ``identities`` table); e-mail addresses and UPNs stay as they are. Case and white space
    are normalised by the hash (:meth:`adoption.workspace.Workspace.pseudonymise`).
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = urllib.parse.unquote(str(value)).strip()
    if not text or text == "-":
        return None
    if "\\" in text:
        text = text.rsplit("\\", 1)[1].strip()
    return text or None


def parse_timestamps(values: pd.Series, time_zone: str) -> pd.Series:
    """Text timestamps -> UTC instants (NaT where unreadable).

    ISO 8601 with an offset or ``Z`` is taken as given; without one as local time in
    ``time_zone``; a plain number of 9 or more digits as Unix epoch seconds.
    """
    text = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    epoch = text.str.fullmatch(r"\d{9,10}(\.\d+)?").fillna(False).astype(bool)
    if epoch.any():
        out[epoch] = pd.to_datetime(text[epoch].astype(float), unit="s", utc=True)
    aware = ~epoch & text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False)
    aware = aware.astype(bool)
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], utc=True, errors="coerce", format="ISO8601")
    naive = ~epoch & ~aware & text.notna() & (text != "")
    if naive.any():
        local = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
        out[naive] = local.dt.tz_localize(time_zone, ambiguous="NaT",
                                          nonexistent="shift_forward").dt.tz_convert("UTC")
    return out


def _hash(ctx: FormatContext, values: pd.Series, prefix: str = "") -> pd.Series:
    unique = pd.unique(values.dropna())
    hashed = dict(zip(unique, ctx.workspace.pseudonymise([prefix + str(u) for u in unique]),
                      strict=True))
    return values.map(hashed)


def _covered(ctx: FormatContext, rec: pd.DataFrame, source: str) -> np.ndarray:
    """Rows whose instant lies in a span an earlier batch of ``source`` covered that day."""
    spans = ctx.con.execute(
        "SELECT strftime(day, '%Y-%m-%d') AS day, first_at, last_at FROM discovery_days "
        "WHERE source = ?", [source]).df()
    if spans.empty or rec.empty:
        return np.zeros(len(rec), dtype=bool)
    spans["first_at"] = pd.to_datetime(spans["first_at"], utc=True)
    spans["last_at"] = pd.to_datetime(spans["last_at"], utc=True)
    left = pd.DataFrame({"i": np.arange(len(rec)), "day": rec["day_text"].to_numpy(),
                         "at": rec["at"].to_numpy()})
    left["at"] = pd.to_datetime(left["at"], utc=True)
    both = left.merge(spans, on="day")
    hit = both.loc[(both["at"] >= both["first_at"]) & (both["at"] <= both["last_at"]), "i"]
    out = np.zeros(len(rec), dtype=bool)
    out[hit.to_numpy()] = True
    return out


def store_traffic(ctx: FormatContext, records: pd.DataFrame, *, read: int,
                  rejects: list[tuple[int, str, str | None]], source: str,
                  services: pd.Series | None = None, check_overlap: bool = True
                  ) -> LoadCounts:
    """Match, resolve, de-duplicate and aggregate parsed records into the store.

    Parameters
    ----------
    ctx : FormatContext
    records : pandas.DataFrame
        Columns :data:`RECORD_COLUMNS`; ``at`` holds UTC instants.
    read : int
        Data rows in the file (parsed + rejected).
    rejects : list of (row, reason, raw)
    source : str
        The format's name, stored in ``discovery.source`` and ``discovery_days.source``.
    services : pandas.Series, optional
        Services already known per record (SSO grants); default: matched from ``host``.
    check_overlap : bool, default True
        Count rows in spans loaded before as duplicates (off for SSO grants, which are
        de-duplicated by person, application and date instead).
    """
    counts = LoadCounts(read=read)
    counts.rejected = ctx.reject(rejects)
    rec = records.reset_index(drop=True).copy()
    if rec.empty:
        return counts
    local = rec["at"].dt.tz_convert(ctx.workspace.settings.time_zone)
    rec["day_text"] = local.dt.strftime("%Y-%m-%d")
    dup = _covered(ctx, rec, source) if check_overlap else np.zeros(len(rec), dtype=bool)
    counts.duplicate = int(dup.sum())
    keep = rec.loc[~dup].copy()
    if services is None:
        matcher = ServiceMatcher(load_catalogue(ctx.workspace))
        keep["service"] = keep["host"].map(lambda h: matcher.match(h) if h is not None else None)
    else:
        keep["service"] = services.reset_index(drop=True).loc[~dup].to_numpy()
    keep.loc[keep["skip"].astype(bool), "service"] = None
    keep["user_norm"] = keep["user"].map(normalise_user)
    keep["device_norm"] = keep["device"].map(
        lambda d: None if d is None or d is pd.NA or (isinstance(d, float) and np.isnan(d))
        or str(d).strip() in ("", "-") else str(d).strip().lower())
    ai = keep[keep["service"].notna() & (keep["user_norm"].notna() | keep["device_norm"].notna())]
    ai = ai.assign(person_id=_hash(ctx, ai["user_norm"]),
                   device_id=_hash(ctx, ai["device_norm"].where(ai["user_norm"].isna()),
                                   prefix="device:"))
    if not ai.empty:
        grouped = (ai.assign(requests=1, blocked=ai["blocked"].astype(int))
                   .groupby(["person_id", "device_id", "service", "day_text"], dropna=False)
                   .agg(requests=("requests", "sum"), blocked=("blocked", "sum"),
                        bytes=("bytes", lambda b: b.sum(min_count=1)))
                   .reset_index())
        frame = pd.DataFrame({
            "person_id": grouped["person_id"].astype("string"),
            "device_id": grouped["device_id"].astype("string"),
            "service": grouped["service"].astype("string"),
            "day": pd.to_datetime(grouped["day_text"]),
            "requests": grouped["requests"].astype("int64"),
            "blocked": grouped["blocked"].astype("int64"),
            "bytes": pd.array(grouped["bytes"].round(), dtype="Int64"),
            "source": source,
            "batch_id": ctx.batch_id,
        })
        ctx.insert_frame("discovery", frame)
    is_ai = keep["service"].notna()
    days = (keep.assign(ai=is_ai, not_ai=~is_ai & ~keep["skip"].astype(bool),
                        device_only=is_ai & keep["user_norm"].isna())
            .groupby("day_text")
            .agg(first_at=("at", "min"), last_at=("at", "max"), rows_total=("at", "size"),
                 rows_ai=("ai", "sum"), rows_not_ai=("not_ai", "sum"),
                 rows_device_only=("device_only", "sum"))
            .reset_index())
    if not days.empty:
        ctx.insert_frame("discovery_days", pd.DataFrame({
            "batch_id": ctx.batch_id, "source": source,
            "day": pd.to_datetime(days["day_text"]),
            "first_at": days["first_at"], "last_at": days["last_at"],
            **{c: days[c].astype("int64") for c in ("rows_total", "rows_ai", "rows_not_ai",
                                                    "rows_device_only")}}))
        counts.first_date = pd.Timestamp(days["day_text"].min()).date()
        counts.last_date = pd.Timestamp(days["day_text"].max()).date()
    counts.loaded = len(keep)
    n_ai, n_not = int(is_ai.sum()), int((~is_ai & ~keep["skip"].astype(bool)).sum())
    counts.notes.append(
        f"{n_ai:,} row(s) to {keep.loc[is_ai, 'service'].nunique()} AI service(s) stored "
        f"per person or device and day; {n_not:,} row(s) to other hosts counted as not AI, "
        "not stored")
    n_dev = int((is_ai & keep["user_norm"].isna()).sum())
    if n_dev:
        counts.notes.append(f"{n_dev:,} AI row(s) name no user: stored as device-only")
    n_skip = int(keep["skip"].astype(bool).sum())
    if n_skip:
        counts.notes.append(f"{n_skip:,} proxy-authentication challenge(s) (status 407) "
                            "counted, not stored as requests")
    if counts.duplicate:
        counts.notes.append(
            f"{counts.duplicate:,} row(s) fall in time spans an earlier {source} file already "
            "covered: counted as duplicates, not loaded again")
    return counts
