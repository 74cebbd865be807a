"""The canonical layer's stored tables: derived from the staged tables once per ingest batch.

Each is rebuilt whole by :func:`adoption.canonical.build.refresh_canonical` inside the
batch's transaction, so it always agrees with the staged rows it came from. Person ids in
them are resolved (one id per person, see :mod:`adoption.canonical.identity`).
"""

from __future__ import annotations

__all__ = ["CANONICAL_TABLES"]

#: name -> (grain, DDL), in creation order.
CANONICAL_TABLES: dict[str, tuple[str, str]] = {
    "identity_map": (
        "one row per identifier hash that resolves to another person id (identifiers not in "
        "it are their own person)",
        """CREATE TABLE IF NOT EXISTS identity_map (
            identity_hash VARCHAR NOT NULL,
            person_id VARCHAR NOT NULL,
            candidates INTEGER NOT NULL
        )""",
    ),
    "employment": (
        "one row per person in the roster: first and last employed day (inclusive)",
        """CREATE TABLE IF NOT EXISTS employment (
            person_id VARCHAR NOT NULL,
            employed_from DATE NOT NULL,
            employed_to DATE NOT NULL
        )""",
    ),
    "person_tool_days": (
        "one row per resolved person x tool x source x day with known activity: every active "
        "day of a daily source (evidence 'day', with events) and the last active day of a "
        "last-activity source (evidence 'last_active', events missing)",
        """CREATE TABLE IF NOT EXISTS person_tool_days (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            day DATE NOT NULL,
            events BIGINT,
            evidence VARCHAR NOT NULL
        )""",
    ),
    "person_tool_windows": (
        "one row per resolved person x tool x source x window in which a window source "
        "(a week, a month, a report period) says the person was active",
        """CREATE TABLE IF NOT EXISTS person_tool_windows (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            window_start DATE NOT NULL,
            window_end DATE NOT NULL,
            active_days INTEGER,
            events BIGINT,
            first_active DATE,
            last_active DATE
        )""",
    ),
    "period_spans": (
        "one row per period kind x period within the data's date range (first to last day "
        "with activity data of any source)",
        """CREATE TABLE IF NOT EXISTS period_spans (
            period_kind VARCHAR NOT NULL,
            period VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,
            prev_start DATE NOT NULL,
            days_in_period INTEGER NOT NULL
        )""",
    ),
    "population": (
        "one row per period kind x period x person employed at least one day of it: the team "
        "and department of the person's last employed day in the period",
        """CREATE TABLE IF NOT EXISTS population (
            period_kind VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            person_id VARCHAR NOT NULL,
            team VARCHAR NOT NULL,
            department VARCHAR NOT NULL,
            in_prev_population BOOLEAN NOT NULL
        )""",
    ),
    "seat_periods": (
        "one row per period kind x period x person x tool with a seat held at least one day "
        "of the period",
        """CREATE TABLE IF NOT EXISTS seat_periods (
            period_kind VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL
        )""",
    ),
    "seat_assignments": (
        "one row per seat assignment with its holder resolved: resolved person x tool x "
        "assigned_on (removed_on missing while held); the dates of the staged seats",
        """CREATE TABLE IF NOT EXISTS seat_assignments (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            assigned_on DATE NOT NULL,
            removed_on DATE
        )""",
    ),
    "person_unit_days": (
        "one row per resolved person x tool x unit type x day with billable units (premium "
        "requests, AI credits, ChatGPT credits, tokens) from usage_units: per source the sum "
        "over models; where several sources report the same person, tool, unit and day, the "
        "largest (they count the same units, so they are never added up) and its source",
        """CREATE TABLE IF NOT EXISTS person_unit_days (
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            unit VARCHAR NOT NULL,
            day DATE NOT NULL,
            quantity DOUBLE NOT NULL,
            source VARCHAR NOT NULL
        )""",
    ),
    "person_service_days": (
        "one row per resolved person (or device) x AI service x day x discovery source: "
        "requests and blocked requests seen in proxy, DNS or SSO logs; person_id missing for "
        "device-only rows (device_id set); seat_tools lists the tools the person held a seat "
        "of that day (so that a personal account of a seat-licensed service can be told apart)",
        """CREATE TABLE IF NOT EXISTS person_service_days (
            person_id VARCHAR,
            device_id VARCHAR,
            service VARCHAR NOT NULL,
            day DATE NOT NULL,
            source VARCHAR NOT NULL,
            requests BIGINT NOT NULL,
            blocked BIGINT NOT NULL,
            bytes BIGINT,
            seat_tools VARCHAR[] NOT NULL
        )""",
    ),
    "person_tool_periods": (
        "one row per period kind x period x resolved person x tool x source with any activity "
        "evidence, plus one row per person x tool over all its sources (source '*') and one "
        "per person over all tools (tool '*', source '*'). is_active: known to be active on "
        "an employed day of the period; is_unknown: not known active, but a window source "
        "straddling the period's boundary says active with no known day; any_evidence_active: "
        "known active, employed or not (for unmatched and out-of-employment counts). active_days "
        "and events come from daily sources only; days_known says every source that shows "
        "the person active is daily, so that active_days is complete",
        """CREATE TABLE IF NOT EXISTS person_tool_periods (
            period_kind VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            person_id VARCHAR NOT NULL,
            tool VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            is_active BOOLEAN NOT NULL,
            is_unknown BOOLEAN NOT NULL,
            any_evidence_active BOOLEAN NOT NULL,
            in_roster BOOLEAN NOT NULL,
            active_days INTEGER NOT NULL,
            events BIGINT NOT NULL,
            days_known BOOLEAN NOT NULL
        )""",
    ),
    "team_period_stats": (
        "one row per period kind x period x department x team of the population, any tool: "
        "the people counted (adoption.canonical.team_periods), for metric sets without the "
        "person x period rows; *_spread is n * sum(x^2) - sum(x)^2 over the active users "
        "whose days are known",
        """CREATE TABLE IF NOT EXISTS team_period_stats (
            period_kind VARCHAR NOT NULL,
            department VARCHAR NOT NULL,
            team VARCHAR,
            period VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            days_in_period INTEGER NOT NULL,
            headcount BIGINT NOT NULL,
            seats BIGINT NOT NULL,
            active_users BIGINT NOT NULL,
            unknown_users BIGINT NOT NULL,
            active_users_upper BIGINT NOT NULL,
            intensity_n BIGINT NOT NULL,
            seat_active BIGINT NOT NULL,
            new_users BIGINT NOT NULL,
            returning_users BIGINT NOT NULL,
            lapsed_users BIGINT NOT NULL,
            days_sum DOUBLE NOT NULL,
            days_spread DOUBLE NOT NULL,
            events_sum DOUBLE NOT NULL,
            events_spread DOUBLE NOT NULL
        )""",
    ),
    "team_period_sources": (
        "one row per period kind x period x department x team x source with evidence of "
        "activity of someone of the team, any tool",
        """CREATE TABLE IF NOT EXISTS team_period_sources (
            period_kind VARCHAR NOT NULL,
            department VARCHAR NOT NULL,
            team VARCHAR,
            period VARCHAR NOT NULL,
            source VARCHAR NOT NULL
        )""",
    ),
}
