"""Squid's native access.log format (``logformat squid``).

Layout (one request per line, fields separated by white space; Squid's built-in format
``logformat squid %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt``, see
https://www.squid-cache.org/Doc/config/logformat/ and ``src/log/FormatSquidNative.cc``)::

    time elapsed remotehost code/status bytes method URL rfc931 peerstatus/peerhost type
    1767225600.123    245 10.0.0.12 TCP_TUNNEL/200 5123 CONNECT chatgpt.com:443 alice HIER_DIRECT/104.18.32.47 -

- ``time``: Unix epoch seconds (UTC) with milliseconds; the day is taken in the workspace
  time zone.
- ``remotehost``: the client address (IPv4 or IPv6) or host name: the device.
- ``code/status``: Squid's result code and the HTTP status (``TCP_DENIED/403``,
  ``NONE_NONE/000``, ``TCP_MISS_ABORTED/000``, ``TAG_NONE/503`` ...). Denied requests
  (``*_DENIED`` or status 403) are counted as requests and as ``blocked``; proxy
  authentication challenges (status 407) are counted, not stored as requests.
- ``URL``: ``host:port`` for ``CONNECT`` tunnels, else a URL; matched to the catalogue by host.
  Lines without a host (``error:transaction-end-before-headers``) are loaded as not AI.
- ``rfc931``: the authenticated user (``%[un``, percent-encoded), ``-`` when unknown: such
  lines are device-only.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from adoption.discovery.catalogue import normalise_host
from adoption.discovery.records import RECORD_COLUMNS, store_traffic
from adoption.errors import InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat

__all__ = ["FORMAT", "parse_squid_line", "sniff_squid"]

NAME = "squid_access_log"
SOURCE = "https://www.squid-cache.org/Doc/config/logformat/"
_LINE = re.compile(
    r"^\s*(?P<time>\d{9,11}(?:\.\d{1,6})?)\s+(?P<elapsed>-?\d+)\s+(?P<client>\S+)\s+"
    r"(?P<code>[A-Z][A-Z0-9_]*)/(?P<status>\d{1,3})\s+(?P<bytes>\d+|-)\s+(?P<method>\S+)\s+"
    r"(?P<url>\S+)(?:\s+(?P<user>\S+))?(?:\s+(?P<hier>\S+))?(?:\s+(?P<type>\S+))?\s*$")
_SNIFF = re.compile(r"^\s*\d{9,11}\.\d{3}\s+-?\d+\s+\S+\s+[A-Z][A-Z0-9_]*/\d{3}\s+(\d+|-)\s+\S+\s+\S+")


def sniff_squid(sniff: Sniff) -> bool:
    """Claim a file whose first non-blank lines are (nearly) all native Squid lines."""
    lines = [ln for ln in sniff.lines[:40] if ln.strip() and not ln.startswith("#")]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the head may be cut
    if not lines:
        return False
    hits = sum(bool(_SNIFF.match(ln)) for ln in lines)
    return hits >= max(1, 0.8 * len(lines))


def parse_squid_line(line: str) -> dict | None:
    """The fields of one native Squid line as a dict, or None if it is not one.

    >>> parse_squid_line("1767225600.123    245 10.0.0.12 TCP_TUNNEL/200 5123 CONNECT "
    ...                  "chatgpt.com:443 alice HIER_DIRECT/104.18.32.47 -")["host"]
    'chatgpt.com'
    """
    m = _LINE.match(line)
    if m is None:
        return None
    d = m.groupdict()
    status = int(d["status"])
    return {
        "time": float(d["time"]),
        "client": d["client"],
        "code": d["code"],
        "status": status,
        "bytes": None if d["bytes"] == "-" else int(d["bytes"]),
        "method": d["method"],
        "host": normalise_host(d["url"]),
        "user": None if d["user"] in (None, "-") else d["user"],
        "blocked": d["code"].endswith("_DENIED") or status == 403,
        "skip": status == 407,
    }


def _redacted(line: str) -> str | None:
    parts = line.split()
    if len(parts) < 8:
        return None
    parts[2] = "(redacted)"
    if parts[7] != "-":
        parts[7] = "(redacted)"
    return " ".join(parts)


def load_squid(ctx: FormatContext) -> LoadCounts:
    """Read a native Squid access.log into ``discovery`` (see the module docstring)."""
    rows, rejects, read = [], [], 0
    try:
        lines = [(k, ln.rstrip("\n"))
                 for k, ln in enumerate(io.StringIO(ctx.read_text(), newline=None), start=1)
                 if ln.strip() and not ln.startswith("#")]
    except OSError as e:
        raise InputError(f"{ctx.name}: cannot read the file ({e}). Check the path and "
                         "permissions.") from e
    for number, line in lines:
        read += 1
        raw = _redacted(line) if ctx.redact else line
        parsed = parse_squid_line(line)
        if parsed is None:
            rejects.append((number, "line is not in Squid's native access.log layout (time "
                            "elapsed client code/status bytes method URL user peer type)", raw))
            continue
        if not 946684800 <= parsed["time"] < 4102444800:  # 2000-01-01 .. 2100-01-01
            rejects.append((number, f"time {parsed['time']!r} is not a Unix time between 2000 "
                            "and 2100", raw))
            continue
        rows.append((number, parsed["time"], parsed["user"], parsed["client"], parsed["host"],
                     parsed["bytes"], parsed["blocked"], parsed["skip"]))
    records = pd.DataFrame(rows, columns=["row", "time", *RECORD_COLUMNS[2:]])
    records.insert(1, "at", pd.to_datetime(records.pop("time"), unit="s", utc=True))
    records["bytes"] = pd.to_numeric(records["bytes"], errors="coerce").astype(float)
    return store_traffic(ctx, records, read=read, rejects=rejects, source=NAME)


FORMAT = SourceFormat(
    name=NAME,
    kind="discovery",
    description="Squid web proxy access.log, native format (logformat squid)",
    suffixes=(".log", ".txt"),
    sniff=sniff_squid,
    load=load_squid,
    rank=60,
    source=SOURCE,
)
