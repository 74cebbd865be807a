"""Named source formats of adoption.discovery (see :mod:`adoption.ingest.formats`).

``squid_access_log`` (:mod:`adoption.discovery.squid`), ``proxy_csv``, ``dns_csv`` and
``sso_grants_csv`` (:mod:`adoption.discovery.logs`).
"""

from __future__ import annotations

from adoption.discovery.logs import FORMATS as LOG_FORMATS
from adoption.discovery.squid import FORMAT as SQUID
from adoption.ingest.formats import SourceFormat

__all__ = ["FORMATS"]

FORMATS: list[SourceFormat] = [SQUID, *LOG_FORMATS]
