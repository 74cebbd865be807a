"""Store tables of usage-based charges: units a person consumed that a vendor bills by use.

Filled by the GitHub premium request usage report (:mod:`adoption.vendors.github_billing`),
the GitHub per-user usage metrics report (its ``ai_credits_used``) and the ChatGPT Enterprise
user engagement export (its ``credits_used``); priced by :mod:`adoption.governance.usage`.
"""

from __future__ import annotations

__all__ = ["TABLES", "UNITS"]

#: Unit types of ``usage_units.unit``.
UNITS = ("premium_request", "ai_credit", "chatgpt_credit", "token")

#: name -> (grain, DDL), created after the core tables.
TABLES: dict[str, tuple[str, str]] = {
    "usage_units": (
        "one row per person (identifier hash, resolved through identity_map when read) x tool "
        "x day x unit type x model x source: the quantity of billable units consumed (premium "
        "requests, AI credits, ChatGPT credits, tokens); model missing where the source does "
        "not break usage down by model",
        """CREATE TABLE IF NOT EXISTS usage_units (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            day DATE NOT NULL,
            unit VARCHAR NOT NULL,
            quantity DOUBLE NOT NULL,
            model VARCHAR,
            source VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
}
