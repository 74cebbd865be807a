"""The store's schema: the core tables' DDL here, every other part's in :mod:`adoption.tables`.

Person identifiers are keyed hashes (see :meth:`adoption.workspace.Workspace.pseudonymise`);
no table holds a name or an e-mail address except ``person_names``, which is filled only when
the workspace opts in with ``keep_names = true``. ``name_tokens`` holds keyed hashes of the
roster's name tokens only, to redact names from free text (:class:`adoption.privacy.NameTokens`).
"""

from __future__ import annotations

from adoption.tables.canonical import CANONICAL_TABLES
from adoption.tables.discovery import TABLES as DISCOVERY_TABLES
from adoption.tables.drift import TABLES as DRIFT_TABLES
from adoption.tables.outcomes import TABLES as OUTCOME_TABLES
from adoption.tables.surveys import TABLES as SURVEY_TABLES
from adoption.tables.usage import TABLES as USAGE_TABLES
from adoption.tables.vendors import TABLES as VENDOR_TABLES

__all__ = ["CORE_TABLES", "SCHEMA_VERSION", "TABLES", "all_tables"]

SCHEMA_VERSION = 3

#: name -> (grain, DDL) of the core tables. Order matters: it is the creation order.
CORE_TABLES: dict[str, tuple[str, str]] = {
    "meta": (
        "one row per setting of the store itself",
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    ),
    "ingest_log": (
        "one row per loaded batch (one input file)",
        """CREATE TABLE IF NOT EXISTS ingest_log (
            batch_id INTEGER PRIMARY KEY,
            file_name VARCHAR NOT NULL,
            file_hash VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            ingested_at TIMESTAMPTZ NOT NULL,
            rows_read BIGINT NOT NULL,
            rows_loaded BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL,
            rows_duplicate BIGINT NOT NULL,
            first_date DATE,
            last_date DATE,
            note VARCHAR
        )""",
    ),
    "rejects": (
        "one row per rejected input row",
        """CREATE TABLE IF NOT EXISTS rejects (
            batch_id INTEGER NOT NULL,
            row_number BIGINT NOT NULL,
            reason VARCHAR NOT NULL,
            raw VARCHAR
        )""",
    ),
    "ingest_findings": (
        "one row per data-quality finding of a batch about rows that were loaded (rows "
        "repeated within the file, timestamps read in the workspace time zone, seats of tools "
        "outside the catalogue); rejected rows are in rejects",
        """CREATE TABLE IF NOT EXISTS ingest_findings (
            batch_id INTEGER NOT NULL,
            finding VARCHAR NOT NULL,
            rows BIGINT NOT NULL
        )""",
    ),
    "row_claims": (
        "one row per row a batch wrote to a table without batch_id (identities, person_names, "
        "name_tokens), as JSON, also when the row was there already, and whether the batch's "
        "row replaces one of the same key: taking the batch out (adoption undo) rebuilds those "
        "keys from the other batches' claims (adoption.ingest.trace)",
        """CREATE TABLE IF NOT EXISTS row_claims (
            batch_id INTEGER NOT NULL,
            table_name VARCHAR NOT NULL,
            replaces BOOLEAN NOT NULL,
            row_json VARCHAR NOT NULL
        )""",
    ),
    "superseded_rows": (
        "one row per row of an earlier batch that a later batch replaced (a snapshot copied "
        "again, a tool redefined, a seat given its removal date), as JSON, so that taking the "
        "later batch out (adoption undo) restores it",
        """CREATE TABLE IF NOT EXISTS superseded_rows (
            batch_id INTEGER NOT NULL,
            table_name VARCHAR NOT NULL,
            replaced_batch_id INTEGER NOT NULL,
            row_json VARCHAR NOT NULL
        )""",
    ),
    "roster_snapshots": (
        "one row per person per roster snapshot (as delivered, pseudonymised)",
        """CREATE TABLE IF NOT EXISTS roster_snapshots (
            batch_id INTEGER NOT NULL,
            as_of DATE NOT NULL,
            person_id VARCHAR NOT NULL,
            team VARCHAR NOT NULL,
            department VARCHAR,
            manager_id VARCHAR,
            location VARCHAR,
            role VARCHAR,
            employment_start DATE,
            employment_end DATE
        )""",
    ),
    "people": (
        "one row per person per stretch of days with unchanged attributes (effective-dated; "
        "valid_from and valid_to inclusive, clipped to employment)",
        """CREATE TABLE IF NOT EXISTS people (
            person_id VARCHAR NOT NULL,
            team VARCHAR NOT NULL,
            department VARCHAR,
            manager_id VARCHAR,
            location VARCHAR,
            role VARCHAR,
            employment_start DATE,
            employment_end DATE,
            valid_from DATE NOT NULL,
            valid_to DATE NOT NULL
        )""",
    ),
    "person_names": (
        "one row per person whose name is kept (only with keep_names = true)",
        """CREATE TABLE IF NOT EXISTS person_names (
            person_id VARCHAR PRIMARY KEY,
            name VARCHAR,
            email VARCHAR
        )""",
    ),
    "name_tokens": (
        "one row per keyed hash of a name token (a first or last name, see "
        "adoption.privacy.name_tokens) of anyone in any roster: redacts names from free text, "
        "whether or not the workspace keeps names",
        """CREATE TABLE IF NOT EXISTS name_tokens (
            token_hash VARCHAR PRIMARY KEY
        )""",
    ),
    "identities": (
        "one row per identifier hash known for a person in a source system",
        """CREATE TABLE IF NOT EXISTS identities (
            identity_hash VARCHAR NOT NULL,
            person_id VARCHAR NOT NULL,
            system VARCHAR NOT NULL,
            PRIMARY KEY (identity_hash, system)
        )""",
    ),
    "tools": (
        "one row per tool in the catalogue",
        """CREATE TABLE IF NOT EXISTS tools (
            tool VARCHAR PRIMARY KEY,
            vendor VARCHAR,
            category VARCHAR,
            is_sanctioned BOOLEAN,
            monthly_seat_cost DOUBLE,
            currency VARCHAR,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "seats": (
        "one row per seat assignment of a tool to a person (assigned_on..removed_on inclusive; "
        "removed_on NULL while held)",
        """CREATE TABLE IF NOT EXISTS seats (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            assigned_on DATE NOT NULL,
            removed_on DATE,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "usage": (
        "one row per person x tool x day with any recorded event",
        """CREATE TABLE IF NOT EXISTS usage (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            day DATE NOT NULL,
            events BIGINT NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "usage_features": (
        "one row per person x tool x day x feature, for sources that name the feature",
        """CREATE TABLE IF NOT EXISTS usage_features (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            day DATE NOT NULL,
            feature VARCHAR NOT NULL,
            events BIGINT NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "usage_rows": (
        "one row per distinct usage event of a generic usage file per batch: the event as read "
        "(person, tool, instant, feature, count) and how many times the file holds it; the "
        "roll-up of these batches in usage counts each event as often as the file holding it "
        "most often (see adoption.ingest.rollup)",
        """CREATE TABLE IF NOT EXISTS usage_rows (
            batch_id INTEGER NOT NULL,
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            day DATE NOT NULL,
            ts TIMESTAMPTZ NOT NULL,
            feature VARCHAR,
            events BIGINT NOT NULL,
            copies INTEGER NOT NULL
        )""",
    ),
    "activity_periods": (
        "one row per person x tool x source window (a week, a month, a report period) for "
        "sources that report activity per window rather than per day; active_days, events "
        "and last_active are NULL where the source does not tell them",
        """CREATE TABLE IF NOT EXISTS activity_periods (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,
            active BOOLEAN NOT NULL,
            active_days INTEGER,
            events BIGINT,
            last_active DATE,
            detail VARCHAR,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "seat_activity": (
        "one row per person x tool x export date: the last activity a vendor reports for a "
        "seat holder (e.g. GitHub's last_activity_at, Microsoft 365's last activity date)",
        """CREATE TABLE IF NOT EXISTS seat_activity (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            as_of DATE NOT NULL,
            last_active DATE,
            detail VARCHAR,
            batch_id INTEGER NOT NULL
        )""",
    ),
}


def _merge(*parts: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for part in parts:
        clash = set(out) & set(part)
        if clash:
            raise RuntimeError(f"store tables defined twice: {sorted(clash)}")
        out.update(part)
    return out


#: Every table of the store, in creation order: the core ones, then those of each part.
TABLES: dict[str, tuple[str, str]] = _merge(CORE_TABLES, VENDOR_TABLES, USAGE_TABLES,
                                            SURVEY_TABLES, DISCOVERY_TABLES, OUTCOME_TABLES,
                                            DRIFT_TABLES,
                                            CANONICAL_TABLES)


def all_tables() -> dict[str, tuple[str, str]]:
    """Every table of the store: name -> (grain, DDL), in creation order (:data:`TABLES`)."""
    return TABLES
