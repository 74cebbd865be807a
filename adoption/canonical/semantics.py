"""What each data source can honestly tell, and how the metrics use it.

Sources differ in what they say about activity. A daily usage log tells every active day; a
ChatGPT weekly export tells that someone was active in a week; a Microsoft 365 Copilot report
tells only the last active day; the GitHub Copilot metrics API tells daily team totals and
nothing about who. :data:`SOURCE_SEMANTICS` records this per source (a named format, keyed by
``SourceFormat.name``, or a generic kind); :func:`source_semantics` looks one up (unknown
sources get a description that says so), :func:`source_semantics_table` tabulates them, and
:func:`source_name_sql` names the source of an ``ingest_log`` row in SQL.

This is the one home of source semantics: the canonical build
(:mod:`adoption.canonical.build`) applies them when it turns staged rows into person x tool x
period activity, and every feature reads that activity rather than the rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

__all__ = [
    "SOURCE_SEMANTICS",
    "SourceSemantics",
    "describe_source_semantics",
    "source_name_sql",
    "source_semantics",
    "source_semantics_table",
    "source_use",
]


@dataclass(frozen=True)
class SourceSemantics:
    """What one source can tell.

    Attributes
    ----------
    label : str
        The source in words.
    daily_activity : bool
        Tells each day a person was active.
    distinct_users : bool
        Person-level: distinct active people can be counted.
    active_days : bool
        Tells how many days a person was active in a window.
    last_activity_only : bool
        Tells only a person's last active day.
    aggregate_only : bool
        Team or organisation totals only; no person.
    window : str
        The grain of its figures (``"day"``, ``"week"``, ``"month"``, ``"report period"``,
        ``"snapshot"``, ``"none"``).
    cadence : str or None
        ``"day"``, ``"week"`` or ``"month"`` when successive files should cover every such
        period without gaps (used by the data-quality view), else None.
    tells, cannot_tell : str
        One sentence each, for reports and ``docs/sources.md``.
    """

    label: str
    daily_activity: bool = False
    distinct_users: bool = False
    active_days: bool = False
    last_activity_only: bool = False
    aggregate_only: bool = False
    window: str = "none"
    cadence: str | None = None
    tells: str = ""
    cannot_tell: str = ""


_NO_ACTIVITY = {"window": "snapshot"}

#: Source (``SourceFormat.name`` or generic kind) -> what it can tell.
SOURCE_SEMANTICS: dict[str, SourceSemantics] = {
    "roster": SourceSemantics(
        "Roster (HR)", window="snapshot",
        tells="who is employed, in which team, from when to when",
        cannot_tell="any use of AI tools"),
    "tools": SourceSemantics(
        "Tool catalogue", window="none", tells="which tools exist, sanctioned or not, and "
        "their seat cost", cannot_tell="who uses them"),
    "seats": SourceSemantics(
        "Seats (generic)", window="snapshot", tells="who held a seat from when to when",
        cannot_tell="whether the seat was used"),
    "usage": SourceSemantics(
        "Usage events (generic)", daily_activity=True, distinct_users=True, active_days=True,
        window="day", cadence="day", tells="every day each person used a tool, with events",
        cannot_tell="use not logged by the tool"),
    "usage_person_days": SourceSemantics(
        "Usage person-days (adoption rollup)", daily_activity=True, distinct_users=True,
        active_days=True, window="day", cadence="day",
        tells="every day each person used a tool, with events (and per feature)",
        cannot_tell="use not logged by the tool"),
    "entra_users_csv": SourceSemantics(
        "Microsoft Entra ID users", window="snapshot",
        tells="who has an account of which type in which department, and which UPN belongs "
        "to which mailbox", cannot_tell="teams below the department, employment dates, or use"),
    "hr_report": SourceSemantics(
        "HR report (mapped roster)", window="snapshot",
        tells="who is employed, in which team, from when to when",
        cannot_tell="any use of AI tools"),
    "identities_mapping": SourceSemantics(
        "Identities mapping", window="none",
        tells="which identifiers of other systems belong to which person",
        cannot_tell="any use of AI tools"),
    "github_copilot_seats": SourceSemantics(
        "GitHub Copilot seats", distinct_users=True, last_activity_only=True,
        window="snapshot", tells="who holds a seat and their last active day as of the export",
        cannot_tell="any active day but the last one (a lower bound for months before the "
        "export), or seats removed before the export"),
    "github_copilot_metrics": SourceSemantics(
        "GitHub Copilot metrics API", aggregate_only=True, window="day", cadence="day",
        tells="daily active and engaged users and counts by feature, editor, language and "
        "model, per organisation or GitHub team",
        cannot_tell="who was active, so no count of distinct users over a month"),
    "github_copilot_user_metrics": SourceSemantics(
        "GitHub Copilot per-user usage reports", daily_activity=True, distinct_users=True,
        active_days=True, window="day", cadence="day",
        tells="every active day of every user, by feature",
        cannot_tell="users without IDE telemetry, or days before 10 October 2025"),
    "github_copilot_usage_aggregates": SourceSemantics(
        "GitHub Copilot organisation or enterprise usage-metrics reports", aggregate_only=True,
        window="day", cadence="day",
        tells="daily, weekly and monthly active users and counts by feature, chat mode, IDE, "
        "language, model, CLI, code review, cloud agent and pull requests, per organisation "
        "or enterprise",
        cannot_tell="who was active, so no count of distinct users over a month"),
    "github_copilot_users_28_day": SourceSemantics(
        "GitHub Copilot 28-day per-user usage reports", distinct_users=True,
        window="28 days",
        tells="who was active in a 28-day window, by feature",
        cannot_tell="on which days; a window straddling two periods counts for neither "
        "(unknown), and its users are never joined to the daily user-teams report"),
    "github_copilot_user_teams": SourceSemantics(
        "GitHub Copilot user-teams report", window="day",
        tells="GitHub team memberships of Copilot users",
        cannot_tell="any use (the roster's teams remain the truth for team figures)"),
    "m365_copilot_usage_csv": SourceSemantics(
        "Microsoft 365 Copilot usage (CSV)", distinct_users=True, last_activity_only=True,
        window="report period",
        tells="each licensed user's last active day overall and per app",
        cannot_tell="on how many days, how much, or any active day but the last (a month's "
        "count is a lower bound unless a report was refreshed at its end)"),
    "m365_copilot_usage_json": SourceSemantics(
        "Microsoft 365 Copilot usage (Graph JSON)", distinct_users=True,
        last_activity_only=True, window="report period",
        tells="each licensed user's last active day overall and per app",
        cannot_tell="on how many days, how much, or any active day but the last (a month's "
        "count is a lower bound unless a report was refreshed at its end)"),
    "m365_copilot_last_activity_csv": SourceSemantics(
        "Microsoft 365 Copilot usage, user last activity table (admin center)",
        distinct_users=True, active_days=True, last_activity_only=True,
        window="report period",
        tells="each licensed user's active days and prompts in the report's timeframe and "
        "last active day overall and per app",
        cannot_tell="which days, or use by people without a Copilot licence"),
    "m365_copilot_chat_csv": SourceSemantics(
        "Microsoft 365 Copilot Chat usage (admin center, people without a Copilot licence)",
        distinct_users=True, last_activity_only=True, window="report period",
        tells="each unlicensed user's last day of Copilot Chat use, overall and per app",
        cannot_tell="on how many days or how much, or use by licensed people (in the "
        "Microsoft 365 Copilot usage report)"),
    "m365_copilot_agents_csv": SourceSemantics(
        "Microsoft 365 Agent usage (admin center)", distinct_users=True,
        last_activity_only=True, window="report period",
        tells="each user's last day of agent use, agents used and responses received; per "
        "agent its creator type and active users",
        cannot_tell="which days, or agents other than declarative ones"),
    "viva_person_query": SourceSemantics(
        "Viva Insights person query", distinct_users=True, window="week", cadence="week",
        tells="Copilot actions per person and week (and per app)",
        cannot_tell="on which days; a week straddling a month counts for neither month"),
    "chatgpt_user_analytics": SourceSemantics(
        "ChatGPT Enterprise user analytics", distinct_users=True, window="week or month",
        tells="who was active in a week or month, messages sent, first and last active day",
        cannot_tell="activity on other days, or people who never signed in"),
    "chatgpt_gpt_analytics": SourceSemantics(
        "ChatGPT Enterprise GPT engagement", aggregate_only=True, window="week or month",
        tells="messages and distinct messagers per custom GPT in the workspace",
        cannot_tell="who used a GPT (a workspace total, never counted as people)"),
}
# Other parts' sources: not used for adoption figures, described for the data-quality view.
for _name, _label in (("qualtrics_csv", "Qualtrics survey export"),
                      ("surveymonkey_csv", "SurveyMonkey survey export"),
                      ("google_forms_csv", "Google Forms survey export"),
                      ("microsoft_forms_xlsx", "Microsoft Forms survey export"),
                      ("survey_csv", "Survey export (CSV)"), ("survey_xlsx", "Survey export (XLSX)")):
    SOURCE_SEMANTICS[_name] = SourceSemantics(
        _label, window="snapshot", tells="answers to one survey wave (see surveys/README.md)",
        cannot_tell="any use of AI tools")
for _name, _label in (("squid_access_log", "Squid proxy access log"),
                      ("proxy_csv", "Web proxy log (CSV)"), ("dns_csv", "DNS query log (CSV)"),
                      ("sso_grants_csv", "SSO / OAuth consent grants")):
    SOURCE_SEMANTICS[_name] = SourceSemantics(
        _label, window="day" if _name != "sso_grants_csv" else "snapshot",
        tells="requests to AI services per person or device and day (see docs/discovery.md)",
        cannot_tell="use of the sanctioned tools' own features; it feeds shadow-AI figures")

_UNKNOWN = SourceSemantics("(not described)", window="unknown",
                           tells="not described", cannot_tell="not described")
#: Generic formats recorded in ``ingest_log.format`` by the generic loaders.
_GENERIC_FILE_FORMATS = ("csv", "parquet", "jsonl", "json", "tsv", "xlsx")


def source_semantics(name: str) -> SourceSemantics:
    """What source ``name`` can tell; unknown sources get a description that says so."""
    if name in SOURCE_SEMANTICS:
        return SOURCE_SEMANTICS[name]
    return _UNKNOWN


def source_semantics_table(names: list[str] | None = None) -> pd.DataFrame:
    """:data:`SOURCE_SEMANTICS` as a tidy frame (one row per source), optionally some only.

    Columns ``source`` and the fields of :class:`SourceSemantics`.
    """
    names = list(SOURCE_SEMANTICS) if names is None else list(names)
    return pd.DataFrame([{"source": n, **asdict(source_semantics(n))} for n in names])


def source_use(name: str, kind: str | None = None) -> str:
    """How the report's metrics use source ``name``, in a few words."""
    s = source_semantics(name)
    kind = kind or name
    if s.aggregate_only:
        return "team totals only, never counted as people"
    if s.daily_activity:
        return "active days (team figures)"
    if s.last_activity_only:
        return "active in the month of the last active day only"
    if s.distinct_users:
        return "active people per window (by source)"
    if kind in ("roster",) or name in ("roster", "hr_report"):
        return "headcount and teams"
    if kind == "seats":
        return "seat holders"
    if kind in ("identities", "directory", "teams"):
        return "matching people across systems"
    if kind == "tools":
        return "tool catalogue"
    if kind == "survey":
        return "survey results (separate report)"
    if kind == "discovery":
        return "shadow-AI discovery (separate report)"
    if kind == "outcomes":
        return "team outcome KPIs (use cases and their impact)"
    return "not used for adoption figures"


def describe_source_semantics(name: str) -> str:
    """One plain sentence: what source ``name`` is used for in metrics, and what not."""
    s = source_semantics(name)
    if s.aggregate_only:
        use = "team totals only; never counted as distinct people"
    elif s.last_activity_only:
        use = "a person counts as active in the period of their last active day only"
    elif s.daily_activity:
        use = "active days counted exactly"
    elif s.distinct_users:
        use = ("active people per window; a window straddling two periods counts only where "
               "the active day is known")
    else:
        use = "not used for activity"
    return f"{s.label}: tells {s.tells}; cannot tell {s.cannot_tell}. Used for: {use}."


def source_name_sql(con, alias: str = "l") -> str:
    """SQL naming the source of an ``ingest_log`` row: its named format, else its kind."""
    generic = ", ".join(f"'{f}'" for f in _GENERIC_FILE_FORMATS)
    return f"CASE WHEN {alias}.format IN ({generic}) THEN {alias}.kind ELSE {alias}.format END"
