"""Store tables of the vendor readers, :mod:`adoption.vendors` (collected by :mod:`adoption.schema`)."""

from __future__ import annotations

__all__ = ["TABLES"]

#: name -> (grain, DDL), created after the core tables.
TABLES: dict[str, tuple[str, str]] = {
    # identities mapping file (adoption.vendors.identity)
    "identity_mappings": (
        "one row per identifier mapped to a person by an identities mapping file (the same "
        "rows are in identities; this table says which came from a mapping file)",
        """CREATE TABLE IF NOT EXISTS identity_mappings (
            identity_hash VARCHAR NOT NULL,
            person_id VARCHAR NOT NULL,
            system VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    # adoption.vendors.directory
    "directory_accounts": (
        "one row per directory account per snapshot (included in headcount or not, and why)",
        """CREATE TABLE IF NOT EXISTS directory_accounts (
            batch_id INTEGER NOT NULL,
            as_of DATE NOT NULL,
            identity_hash VARCHAR NOT NULL,
            person_id VARCHAR,
            account_type VARCHAR NOT NULL,
            included BOOLEAN NOT NULL,
            reason VARCHAR,
            department VARCHAR,
            job_title VARCHAR
        )""",
    ),
    # adoption.vendors.github
    "team_usage": (
        "one row per scope (organisation, team or enterprise) x tool x day x breakdown "
        "(feature, editor, language, model, repository) x metric, for sources that publish "
        "only aggregates; never summed into distinct users",
        """CREATE TABLE IF NOT EXISTS team_usage (
            scope_type VARCHAR NOT NULL,
            scope VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            day DATE NOT NULL,
            feature VARCHAR NOT NULL,
            editor VARCHAR,
            language VARCHAR,
            model VARCHAR,
            repository VARCHAR,
            metric VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "vendor_user_teams": (
        "one row per person x vendor scope x vendor team x day, from a vendor's team "
        "membership report (e.g. GitHub's user-teams report)",
        """CREATE TABLE IF NOT EXISTS vendor_user_teams (
            person_id VARCHAR NOT NULL,
            scope VARCHAR NOT NULL,
            team VARCHAR NOT NULL,
            day DATE NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "vendor_records": (
        "one row per record of a vendor export kept whole (every field, as JSON, identifiers "
        "pseudonymised or left out): a GitHub usage-metrics day of an organisation, enterprise "
        "or user, a Microsoft 365 agent or Copilot Chat row, a ChatGPT GPT; person_id is NULL "
        "for workspace-level aggregates",
        """CREATE TABLE IF NOT EXISTS vendor_records (
            source VARCHAR NOT NULL,
            scope_type VARCHAR NOT NULL,
            scope VARCHAR NOT NULL,
            person_id VARCHAR,
            tool VARCHAR NOT NULL,
            day DATE,
            window_start DATE,
            window_end DATE,
            detail VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    # adoption.vendors.viva
    "viva_person_weeks": (
        "one row per person x week of a Viva Insights person query (Copilot actions, team "
        "and HR attributes)",
        """CREATE TABLE IF NOT EXISTS viva_person_weeks (
            person_id VARCHAR NOT NULL,
            week DATE NOT NULL,
            organization VARCHAR,
            attributes VARCHAR,
            copilot_actions DOUBLE NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
}
