"""Store tables of adoption.discovery (collected by :mod:`adoption.schema`).

- ``discovery``: AI-service traffic per person or device, service, day and source.
- ``discovery_days``: what each batch covered per day (all rows, AI or not), for overlap
  detection and as the record of rows to non-AI hosts, which are counted, not stored.
- ``oauth_grants``: SSO/OAuth application grants to AI services.
"""

from __future__ import annotations

__all__ = ["TABLES"]

#: name -> (grain, DDL), created after the core tables.
TABLES: dict[str, tuple[str, str]] = {
    "discovery": (
        "one row per person-or-device x AI service x day x source x batch: requests seen in "
        "proxy, DNS or SSO logs; person_id is the keyed hash of the normalised user "
        "identifier (resolve through identities), NULL for device-only rows, whose device_id "
        "is the keyed hash of the client address or host name",
        """CREATE TABLE IF NOT EXISTS discovery (
            person_id VARCHAR,
            device_id VARCHAR,
            service VARCHAR NOT NULL,
            day DATE NOT NULL,
            requests BIGINT NOT NULL,
            blocked BIGINT NOT NULL,
            bytes BIGINT,
            source VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "discovery_days": (
        "one row per batch x source x day: the time span the batch covers that day and its "
        "rows (AI, not AI, device-only); rows to non-AI hosts are only counted here",
        """CREATE TABLE IF NOT EXISTS discovery_days (
            batch_id INTEGER NOT NULL,
            source VARCHAR NOT NULL,
            day DATE NOT NULL,
            first_at TIMESTAMPTZ NOT NULL,
            last_at TIMESTAMPTZ NOT NULL,
            rows_total BIGINT NOT NULL,
            rows_ai BIGINT NOT NULL,
            rows_not_ai BIGINT NOT NULL,
            rows_device_only BIGINT NOT NULL
        )""",
    ),
    "oauth_grants": (
        "one row per person x application x grant date from an SSO/OAuth grant export, for "
        "applications that are catalogue AI services",
        """CREATE TABLE IF NOT EXISTS oauth_grants (
            person_id VARCHAR NOT NULL,
            service VARCHAR NOT NULL,
            app VARCHAR NOT NULL,
            scopes VARCHAR,
            granted_on DATE NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
}
