"""The AI service catalogue: which web domains belong to which AI service, and host matching.

A catalogue row is one service (``service, vendor, category, domains, tools``); ``domains``
and ``tools`` are ``;``-separated. The shipped file ``ai_services.csv`` lists common
services; a workspace extends or overrides it in its ``[discovery]`` settings section::

    [discovery]
    extra_services_file = "services.csv"   # same columns, relative to the workspace folder
    # or inline, one table per service:
    [[discovery.services]]
    service = "Acme GPT"
    vendor = "Acme"
    category = "chat assistant"
    domains = ["gpt.acme.internal"]
    tools = ["Acme GPT"]
    # link catalogue services to tools of the workspace's ``tools`` table
    [discovery.tools]
    "ChatGPT" = ["ChatGPT Enterprise"]

A workspace row with the name of a shipped service replaces it. Host matching
(:class:`ServiceMatcher`): a host matches a domain when it is the domain itself or any
subdomain of it (``api.openai.com`` matches ``openai.com``; ``notopenai.com`` does not),
compared case-insensitively after stripping scheme, user info, port, path and a trailing dot;
when several domains match, the longest (most specific) one wins.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from adoption.errors import InputError
from adoption.ingest.text import read_text

__all__ = [
    "CATALOGUE_COLUMNS",
    "CATEGORIES",
    "ServiceMatcher",
    "discovery_settings",
    "load_catalogue",
    "normalise_host",
]

#: Columns of a catalogue frame (``domains`` and ``tools`` are tuples of str).
CATALOGUE_COLUMNS = ["service", "vendor", "category", "domains", "tools"]
#: Categories of the shipped catalogue (a workspace may add its own).
CATEGORIES = (
    "chat assistant", "coding assistant", "meeting assistant", "image generation",
    "writing assistant", "search assistant", "voice/video generation", "model platform",
)
_KNOWN_KEYS = {"extra_services_file", "services", "tools"}
_HOST_OK = re.compile(r"^[a-z0-9_\-.:]+$")


def normalise_host(value: object) -> str | None:
    """The bare host name of a host, ``host:port`` or URL, lower-cased; None if there is none.

    >>> normalise_host("HTTPS://User@API.OpenAI.com.:443/v1/chat?q=1")
    'api.openai.com'
    >>> normalise_host("chatgpt.com:443")
    'chatgpt.com'
    >>> normalise_host("[2001:db8::1]:443")
    '2001:db8::1'
    """
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text or text == "-":
        return None
    if "://" in text:
        text = text.split("://", 1)[1]
    text = re.split(r"[/?#\s]", text, maxsplit=1)[0]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    if text.startswith("["):  # [IPv6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text, port = text.split(":", 1)
        if port and not port.isdigit():  # "error:transaction-end-before-headers"
            return None
    text = text.rstrip(".")
    if not text or not _HOST_OK.match(text):
        return None
    return text


def discovery_settings(settings: Any) -> dict[str, Any]:
    """The ``[discovery]`` section, checked: unknown keys raise :class:`InputError`."""
    section = settings.section("discovery") if settings is not None else {}
    unknown = sorted(set(section) - _KNOWN_KEYS)
    if unknown:
        raise InputError(
            f"adoption.toml [discovery]: unknown key(s) {unknown}; known keys: "
            f"{sorted(_KNOWN_KEYS)}. See docs/discovery.md.")
    return section


def _split(value: object) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ()
    if isinstance(value, list | tuple):
        items: Iterable[object] = value
    else:
        items = str(value).split(";")
    return tuple(s for s in (str(x).strip() for x in items) if s)


def _rows_from_csv(text: str, source: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("service", "domains") if c not in header]
    if missing:
        raise InputError(
            f"{source}: a service catalogue needs the columns {CATALOGUE_COLUMNS} (service and "
            f"domains required); missing {missing}, found {reader.fieldnames}. Fix the header.")
    rows = []
    for k, raw in enumerate(reader, start=2):
        row = {str(key).strip().lower(): (v or "").strip() for key, v in raw.items() if key}
        if not row.get("service"):
            raise InputError(f"{source}, line {k}: the service name is empty; fill it in.")
        rows.append(row)
    return rows


def _check_row(row: dict[str, Any], source: str) -> dict[str, Any]:
    domains = tuple(normalise_host(d) for d in _split(row.get("domains")))
    if not domains or None in domains:
        raise InputError(
            f"{source}: service {row.get('service')!r} has domains {row.get('domains')!r}; give "
            "one or more host names separated by ';' (e.g. 'chatgpt.com;chat.openai.com').")
    return {"service": str(row["service"]).strip(), "vendor": row.get("vendor") or None,
            "category": row.get("category") or None, "domains": domains,
            "tools": _split(row.get("tools"))}


@functools.cache
def _shipped() -> tuple[dict[str, Any], ...]:
    text = resources.files("adoption.discovery").joinpath("ai_services.csv").read_text("utf-8")
    return tuple(_check_row(r, "ai_services.csv") for r in _rows_from_csv(text, "ai_services.csv"))


def load_catalogue(workspace: Any = None) -> pd.DataFrame:
    """The AI service catalogue: the shipped services plus the workspace's own.

    Parameters
    ----------
    workspace : Workspace, optional
        Its ``[discovery]`` section adds services (``extra_services_file``, ``services``) and
        links services to tools (``tools``); without it, the shipped catalogue.

    Returns
    -------
    pandas.DataFrame
        One row per service, columns :data:`CATALOGUE_COLUMNS`, sorted by service;
        ``domains`` and ``tools`` hold tuples of str.

    Raises
    ------
    InputError
        A malformed workspace catalogue (the message names the file and service).
    """
    rows = {r["service"].lower(): dict(r) for r in _shipped()}
    if workspace is not None:
        section = discovery_settings(workspace.settings)
        extra = section.get("extra_services_file")
        if extra:
            path = Path(workspace.root) / str(extra)
            try:
                text = read_text(path)
            except OSError as e:
                raise InputError(
                    f"adoption.toml [discovery] extra_services_file = {extra!r}: cannot read "
                    f"{path} ({e}). Put the file in the workspace folder or fix the name.") from e
            for r in _rows_from_csv(text, path.name):
                checked = _check_row(r, path.name)
                rows[checked["service"].lower()] = checked
        inline = section.get("services", [])
        if not isinstance(inline, list) or not all(isinstance(x, dict) for x in inline):
            raise InputError(
                "adoption.toml [discovery] services must be an array of tables "
                "([[discovery.services]] with service, vendor, category, domains, tools).")
        for r in inline:
            if not r.get("service"):
                raise InputError("adoption.toml [[discovery.services]]: a service has no name; "
                                 "add service = \"...\".")
            checked = _check_row(r, "adoption.toml [[discovery.services]]")
            rows[checked["service"].lower()] = checked
        links = section.get("tools", {})
        if not isinstance(links, dict):
            raise InputError("adoption.toml [discovery] tools must be a table of service = "
                             "[tool names], e.g. \"ChatGPT\" = [\"ChatGPT Enterprise\"].")
        for service, tools in links.items():
            key = str(service).lower()
            if key not in rows:
                raise InputError(
                    f"adoption.toml [discovery.tools]: service {service!r} is not in the "
                    "catalogue; run `adoption services` to list the names.")
            rows[key]["tools"] = tuple(dict.fromkeys((*rows[key]["tools"], *_split(tools))))
    frame = pd.DataFrame(list(rows.values()), columns=CATALOGUE_COLUMNS)
    return frame.sort_values("service", key=lambda s: s.str.lower()).reset_index(drop=True)


@dataclass
class ServiceMatcher:
    """Match hosts to catalogue services (exact domain or subdomain; most specific wins).

    Examples
    --------
    >>> m = ServiceMatcher(load_catalogue())
    >>> m.match("api.openai.com"), m.match("notopenai.com"), m.match("labs.openai.com")
    ('OpenAI API', None, 'DALL-E')
    """

    catalogue: pd.DataFrame

    def __post_init__(self) -> None:
        self._domains: dict[str, str] = {}
        for service, domains in zip(self.catalogue["service"], self.catalogue["domains"],
                                    strict=True):
            for d in domains:
                self._domains[d] = service  # a later (workspace) service wins a shared domain
        self._cache: dict[str, str | None] = {}

    def match(self, host: object) -> str | None:
        """The service of ``host`` (a host, ``host:port`` or URL), or None when not AI."""
        h = normalise_host(host)
        if h is None:
            return None
        if h in self._cache:
            return self._cache[h]
        found = None
        labels = h.split(".")
        for i in range(len(labels)):  # longest suffix first: the most specific domain
            candidate = ".".join(labels[i:])
            if candidate in self._domains:
                found = self._domains[candidate]
                break
        self._cache[h] = found
        return found

    def match_many(self, hosts: Iterable[object]) -> list[str | None]:
        """:meth:`match` for each host."""
        return [self.match(h) for h in hosts]

    def match_app(self, name: object) -> str | None:
        """The service of an SSO/OAuth application name, client name or redirect URL.

        A name equal to a service name (case-insensitive), or starting with it followed by a
        space or punctuation ("ChatGPT Connector"), matches; so does a value holding a
        catalogue host ("https://claude.ai/oauth"). The longest service name wins.
        """
        if name is None:
            return None
        text = str(name).strip()
        if not text:
            return None
        lowered = text.lower()
        names = sorted(self.catalogue["service"], key=len, reverse=True)
        for service in names:
            s = service.lower()
            if lowered == s or (lowered.startswith(s) and not lowered[len(s)].isalnum()):
                return service
        if "." in lowered and " " not in lowered:
            return self.match(lowered)
        return None
