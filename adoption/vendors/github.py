"""GitHub Copilot exports: seat assignments, the Copilot metrics API and the usage reports.

Four readers, each detected from the file's own structure (never from its name):

``github_copilot_seats`` (seats, rank 25)
    The REST response of ``GET /orgs/{org}/copilot/billing/seats`` ("List all Copilot seat
    assignments for an organization", https://docs.github.com/en/rest/copilot/copilot-user-management):
    a JSON object ``{"total_seats": N, "seats": [...]}``. The endpoint is paginated
    (``per_page`` up to 100); save one page per file, or several pages concatenated as a
    JSON array of page objects ``[{"total_seats": .., "seats": [..]}, ...]``; a folder of page
    files is one batch per file. Fields used per seat: ``assignee.login`` (the person; a seat
    whose ``assignee`` is a team or has no login is rejected), ``assignee.type``,
    ``created_at`` (ISO 8601, "when the assignee was last granted access": the seat's
    ``assigned_on``, as a day in the workspace time zone), ``pending_cancellation_date``
    (``YYYY-MM-DD``, null unless cancelled in the current billing cycle; the start of the next
    billing cycle, stored as ``removed_on``), ``last_activity_at`` (the user's last Copilot
    activity; needs IDE telemetry), ``last_activity_editor``, ``plan_type``,
    ``last_authenticated_at`` and ``updated_at``. Rows go to ``seats`` (person id = keyed
    hash of the login, tool ``GitHub Copilot``) and ``seat_activity`` (``as_of`` = the
    ``--as-of`` date, else the latest ``updated_at`` / ``last_activity_at`` /
    ``last_authenticated_at`` / ``created_at`` day in the file; ``last_active`` = the day of
    ``last_activity_at``; ``detail`` = JSON of editor, plan type and the assigning team's
    slug). What it can tell: who holds a seat and their last active day as of the export.
    What it cannot: any day of activity other than the last one, and seats removed before
    the export (the API lists only seats currently billed). A seat listed twice in one
    export (overlapping pages) counts once; the others are duplicates. A seat already loaded
    from an earlier file (same person, tool and ``assigned_on``) is not inserted again; the
    row is a duplicate unless it brings a new removal date or a new activity snapshot. The
    same holds for a seat loaded under another identifier of the person, when the identities
    table already maps the login to it (system ``github``; an identities mapping file ranks
    before seats): a generic seats file keyed by e-mail and this export then give one seat.

``github_copilot_metrics`` (team aggregates, rank 36)
    The Copilot metrics API, https://docs.github.com/en/rest/copilot/copilot-metrics:
    ``GET /orgs/{org}/copilot/metrics``, ``GET /orgs/{org}/team/{team_slug}/copilot/metrics``
    (and ``GET /enterprises/{enterprise}/copilot/metrics``): a JSON array of days, each
    ``{"date", "total_active_users", "total_engaged_users", "copilot_ide_code_completions",
    "copilot_ide_chat", "copilot_dotcom_chat", "copilot_dotcom_pull_requests"}``, nested by
    ``editors`` / ``models`` / ``languages`` / ``repositories`` (each with ``name``) down to
    counts such as ``total_code_suggestions``, ``total_code_acceptances``,
    ``total_code_lines_suggested``, ``total_code_lines_accepted``, ``total_chats``,
    ``total_chat_insertion_events``, ``total_chat_copy_events``,
    ``total_pr_summaries_created`` and ``total_engaged_users``. Every number becomes one row
    of ``team_usage`` (scope x day x feature x editor x language x model x repository x
    metric). GitHub returns a day only when the scope had five or more licensed members,
    counts only users with IDE telemetry, and announced that these endpoints close on
    2 April 2026 in favour of the usage metrics reports below. The file does not say which
    organisation or team it covers: pass the option ``scope`` (``team:SLUG``,
    ``organization:NAME``, ``enterprise:SLUG``, or a bare team slug), or name the file
    ``copilot_metrics_team_<slug>.json`` / ``copilot_metrics_org_<name>.json`` /
    ``copilot_metrics_enterprise_<slug>.json``; otherwise the scope is ``organization``.
    What it can tell: daily aggregates by feature, editor, language and model. What it
    cannot: who was active, so it never yields a count of distinct users over a period
    (engaged users of two days cannot be added up). A day already loaded for the same scope
    is a duplicate. A file that is an empty list ``[]`` (GitHub's answer for a team with
    fewer than five members, or for days without data) loads as zero rows, with a note.

``github_copilot_user_metrics`` (usage, rank 31)
    The per-user Copilot usage metrics reports (NDJSON, one object per user per day), from
    ``GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=YYYY-MM-DD`` or
    ``.../users-28-day/latest`` (and the enterprise equivalents), which return signed
    ``download_links`` to the files; see
    https://docs.github.com/en/rest/copilot/copilot-usage-metrics and the field reference
    https://docs.github.com/en/copilot/reference/copilot-usage-metrics/example-schema.
    Fields used: ``day``, ``user_login`` (the person; ``user_id`` alone cannot be matched and
    is rejected), ``user_initiated_interaction_count`` (prompts, chat and agent requests),
    ``code_generation_activity_count`` (suggestions and generated code blocks),
    ``totals_by_cli.prompt_count``, ``totals_by_feature`` (``feature`` with its own
    counts) and ``ai_credits_used`` (AI credits consumed that day, staged into
    ``usage_units`` as unit ``ai_credit``, :mod:`adoption.vendors.credits`). ``events`` of a person-day = interactions + generations + CLI prompts, so the
    generic usage table counts the person active that day; ``usage_features`` holds the
    same sum per feature (``code_completion``, ``chat_panel_agent_mode`` ...; a feature with
    lines only, ``agent_edit``, has 0 events; :func:`user_features` adds ``cli``,
    ``cloud_agent`` and ``code_review`` from the day's flags) and ``vendor_records`` keeps
    the whole record (but the login and user id) as JSON. A JSON array
    of such objects (as in GitHub's schema example) is read too. What it can tell: every
    active day of every user, by feature. What it cannot: activity of users without IDE
    telemetry, or before 10 October 2025 (the reports' first day). A (tool, day) already
    loaded by an earlier file is not loaded again (as for generic usage); a user-day listed
    twice in one file counts once. A 28-day report whose records carry ``report_start_day``
    and ``report_end_day`` covers that window, days without activity included. Read as this
    format too (zero rows, a note; :mod:`adoption.vendors.github_links`): the API's answer
    with the ``download_links`` (download and ingest the linked files; without links, GitHub
    had no activity to report and the days count as covered), and a report file without a
    record (a day without activity, covering the ``--as-of`` day or the date in its name).

``github_copilot_user_teams`` (team memberships, rank 8)
    The user-teams report, ``GET /orgs/{org}/copilot/metrics/reports/user-teams-1-day?day=``
    (https://docs.github.com/en/copilot/reference/copilot-usage-metrics/team-level-metrics):
    NDJSON, one row per user and GitHub team on a day, with ``user_id``, ``user_login``,
    ``day``, ``organization_id`` or ``enterprise_id``, ``team_id`` and ``slug``. Stored in
    ``vendor_user_teams`` (person, scope, team slug, day). GitHub leaves out teams with fewer
    than five seated Copilot users; GitHub teams are not the roster's teams, which stay the
    truth for team figures. Forced with ``--format``, a file without a record loads as zero
    rows (a note).

Unedited files whose fields were renamed get an :class:`~adoption.errors.InputError` naming
the fields found and the nearest expected ones; nothing of such a file is loaded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from adoption.errors import InputError, missing_names
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.ingest.text import read_text
from adoption.vendors.credits import stage_credits
from adoption.vendors.github_links import (
    empty_report,
    is_report_links,
    load_report_links,
    read_report_links,
    sniff_empty_report,
)

__all__ = [
    "FLAG_FEATURES",
    "FORMATS",
    "FORMAT_USERS",
    "METRICS_FEATURES",
    "SEAT_FIELDS",
    "TOOL",
    "USER_METRIC_FIELDS",
    "metric_rows",
    "user_activity",
    "user_features",
]

TOOL = "GitHub Copilot"

SEATS_URL = "https://docs.github.com/en/rest/copilot/copilot-user-management"
METRICS_URL = "https://docs.github.com/en/rest/copilot/copilot-metrics"
USER_METRICS_URL = "https://docs.github.com/en/copilot/reference/copilot-usage-metrics/example-schema"
USER_TEAMS_URL = ("https://docs.github.com/en/copilot/reference/copilot-usage-metrics/"
                  "team-level-metrics")

#: Fields of one seat object of the seats API.
SEAT_FIELDS = ("created_at", "updated_at", "pending_cancellation_date", "last_activity_at",
               "last_activity_editor", "last_authenticated_at", "plan_type", "assignee",
               "assigning_team", "organization")
#: Top-level fields of one day of the Copilot metrics API.
METRICS_FEATURES = ("copilot_ide_code_completions", "copilot_ide_chat", "copilot_dotcom_chat",
                    "copilot_dotcom_pull_requests")
METRICS_FIELDS = ("date", "total_active_users", "total_engaged_users", *METRICS_FEATURES)
#: Nested lists of the metrics API and the breakdown each names.
BREAKDOWNS = {"editors": "editor", "models": "model", "languages": "language",
              "repositories": "repository"}
#: Fields of one record of the per-user usage metrics report.
USER_METRIC_FIELDS = ("day", "user_id", "user_login", "enterprise_id", "organization_id",
                      "user_initiated_interaction_count", "code_generation_activity_count",
                      "code_acceptance_activity_count", "loc_added_sum", "loc_deleted_sum",
                      "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum", "used_agent",
                      "used_chat", "used_cli", "totals_by_ide", "totals_by_feature",
                      "totals_by_language_feature", "totals_by_language_model",
                      "totals_by_model_feature", "totals_by_cli")
USER_TEAM_FIELDS = ("user_id", "user_login", "day", "organization_id", "enterprise_id",
                    "team_id", "slug")
SCOPE_TYPES = ("organization", "team", "enterprise")
FORMAT_USERS = "github_copilot_user_metrics"


# -- shared helpers --------------------------------------------------------------------------

def _nearest(found: Iterable[str], expected: Iterable[str], missing: Iterable[str]) -> str:
    """'fields found [...]; nearest expected ...' for error messages."""
    found = sorted({str(f) for f in found})
    return (f"fields found: {found}; expected {missing_names(missing, found)}; known fields: "
            f"{list(expected)}")


def _require(name: str, what: str, found: set[str], expected: Iterable[str],
             required: Iterable[str]) -> None:
    """Raise when none of ``found`` carries a required field (the file's layout changed)."""
    missing = [r for r in required if r not in found]
    if missing:
        raise InputError(
            f"{name}: this does not look like an unedited {what}: "
            f"{_nearest(found, expected, missing)}. Export the file again from GitHub "
            "without editing it, or pass the right --format.")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except ValueError as e:
        raise InputError(f"{path.name}: not valid JSON ({e}). Save the API response as it "
                         "came, without editing it.") from e


def _read_records(path: Path) -> list[tuple[int, Any, str | None]]:
    """(line number, object or None, parse error) of an NDJSON file or a JSON array."""
    text = read_text(path)
    if text.lstrip().startswith("["):
        data = _read_json(path)
        return [(i, rec, None) for i, rec in enumerate(data, 1)]
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((i, json.loads(line), None))
        except ValueError as e:
            out.append((i, None, f"line {i} is not valid JSON ({e.msg})"))
    return out


def _tz(ctx: FormatContext) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(ctx.workspace.settings.time_zone)


def _day(value: Any, tz: zoneinfo.ZoneInfo) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` or an ISO 8601 timestamp (as a day in ``tz``); None if not."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        return stamp.date()
    return stamp.astimezone(tz).date()


def _bad(field: str, value: Any, hint: str) -> str:
    return f"field {field}: {value!r} {hint}"


def _count(rec: dict, field: str) -> tuple[int, str | None]:
    """A count field: (value, reason if impossible); missing or null is 0."""
    value = rec.get(field)
    if value is None:
        return 0, None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return 0, _bad(field, value, "is not a whole number")
    if value < 0:
        return 0, _bad(field, value, "is negative; counts must be 0 or more")
    return int(value), None


def _raw(ctx: FormatContext, rec: Any) -> str | None:
    return None if ctx.redact else json.dumps(rec, ensure_ascii=False)[:2000]


def _norm(login: str) -> str:
    return "".join(login.split()).lower()


# -- seats -----------------------------------------------------------------------------------

def _seat_pages(data: Any) -> list[dict] | None:
    """The page objects of a seats export, or None if it is not one."""
    pages = [data] if isinstance(data, dict) else data
    if not isinstance(pages, list) or not pages:
        return None
    if not all(isinstance(p, dict) and isinstance(p.get("seats"), list) for p in pages):
        return None
    return pages


def _sniff_seats(s: Sniff) -> bool:
    pages = _seat_pages(s.json)
    if pages is None:
        return False
    seats = [x for p in pages for x in p["seats"] if isinstance(x, dict)]
    return any("total_seats" in p for p in pages) or any("assignee" in x for x in seats)


def _load_seats(ctx: FormatContext) -> LoadCounts:
    pages = _seat_pages(_read_json(ctx.path))
    if pages is None:
        raise InputError(f"{ctx.name}: expected the seats API response, an object "
                         '{"total_seats": N, "seats": [...]}, or an array of such pages.')
    seats = [x for p in pages for x in p["seats"]]
    found = {k for x in seats if isinstance(x, dict) for k in x}
    if seats:
        _require(ctx.name, "GitHub Copilot seats export", found, SEAT_FIELDS,
                 ("created_at", "assignee"))
    tz = _tz(ctx)
    counts = LoadCounts(read=len(seats))
    rejects: list[tuple[int, str, str | None]] = []
    good: dict[tuple[str, dt.date], dict] = {}
    for i, seat in enumerate(seats, 1):
        row, why = _seat_row(seat, tz, ctx.as_of)
        if why:
            rejects.append((i, why, _raw(ctx, seat)))
        elif (row["login"], row["assigned_on"]) in good:
            counts.duplicate += 1
        else:
            good[(row["login"], row["assigned_on"])] = row
    counts.rejected = ctx.reject(rejects)
    if not good:
        return counts
    frame = pd.DataFrame(list(good.values()))
    as_of = ctx.as_of or max(frame["latest"])
    frame["person_id"] = ctx.workspace.pseudonymise(frame["login"].tolist())
    frame["tool"] = TOOL
    frame["as_of"] = as_of
    frame["_row"] = range(len(frame))
    con = ctx.con
    con.register("_gh_seats", frame[["_row", "person_id", "tool", "assigned_on", "removed_on",
                                     "as_of", "last_active", "detail"]])
    try:
        # a seat already held by the same person, under this login or under an identifier
        # the identities table maps the login to (e.g. a generic seats file keyed by e-mail)
        con.execute("""CREATE OR REPLACE TEMP TABLE gh_s AS
            SELECT g.*, CAST(g.assigned_on AS DATE) AS a_on, CAST(g.removed_on AS DATE) AS r_on,
                   s.person_id AS seat_person,
                   s.person_id IS NOT NULL AS seat_known,
                   s.person_id IS NOT NULL
                       AND s.removed_on IS DISTINCT FROM CAST(g.removed_on AS DATE) AS changed,
                   EXISTS (SELECT 1 FROM seat_activity x WHERE x.person_id = g.person_id
                           AND x.tool = g.tool AND x.as_of = CAST(g.as_of AS DATE))
                       AS activity_known
            FROM _gh_seats g
            LEFT JOIN (SELECT DISTINCT person_id, tool, assigned_on, removed_on FROM seats) s
              ON s.tool = g.tool AND s.assigned_on = CAST(g.assigned_on AS DATE)
             AND (s.person_id = g.person_id OR s.person_id IN (
                  SELECT i.person_id FROM identities i
                  WHERE i.identity_hash = g.person_id AND i.system = 'github'))
            QUALIFY row_number() OVER (PARTITION BY g._row
                                       ORDER BY s.person_id = g.person_id DESC NULLS LAST,
                                                s.person_id) = 1""")
    finally:
        con.unregister("_gh_seats")
    changed = con.execute("""UPDATE seats SET removed_on = gh_s.r_on FROM gh_s
        WHERE gh_s.changed AND seats.person_id = gh_s.seat_person AND seats.tool = gh_s.tool
          AND seats.assigned_on = gh_s.a_on""").fetchone()[0]
    if changed:
        counts.notes.append(f"{changed} seat assignment(s) got a new removal date "
                            "(pending_cancellation_date)")
    con.execute(f"""INSERT INTO seats SELECT person_id, tool, a_on, r_on, {ctx.batch_id}
        FROM gh_s WHERE NOT seat_known""")
    con.execute(f"""INSERT INTO seat_activity
        SELECT person_id, tool, CAST(as_of AS DATE), CAST(last_active AS DATE), detail,
               {ctx.batch_id}
        FROM gh_s WHERE NOT activity_known""")
    new = con.execute("""SELECT count(*) FILTER (WHERE NOT seat_known OR changed
                                                 OR NOT activity_known),
                                min(a_on) FROM gh_s""").fetchone()
    counts.loaded = int(new[0])
    counts.duplicate += len(frame) - counts.loaded
    counts.first_date, counts.last_date = new[1], as_of
    if not ctx.as_of:
        counts.notes.append(f"export date taken as {as_of} (latest date in the file); pass "
                            "--as-of DATE for the day the export was taken")
    return counts


def _seat_row(seat: Any, tz: zoneinfo.ZoneInfo,
              as_of: dt.date | None) -> tuple[dict, str | None]:
    if not isinstance(seat, dict):
        return {}, "seat is not a JSON object"
    assignee = seat.get("assignee")
    if not isinstance(assignee, dict):
        return {}, "field assignee: missing or not an object; a seat needs its user"
    kind = str(assignee.get("type") or "")
    if kind.lower() == "team" or ("slug" in assignee and not assignee.get("login")):
        return {}, (f"field assignee: a team ({assignee.get('slug') or assignee.get('name')!r}), "
                    "not a person; team seats cannot be counted per person")
    login = assignee.get("login")
    if not isinstance(login, str) or not login.strip():
        return {}, "field assignee.login: empty; the seat cannot be matched to a person"
    assigned = _day(seat.get("created_at"), tz)
    if assigned is None:
        return {}, _bad("created_at", seat.get("created_at"), "is not an ISO 8601 timestamp")
    removed = None
    if seat.get("pending_cancellation_date") is not None:
        removed = _day(seat.get("pending_cancellation_date"), tz)
        if removed is None:
            return {}, _bad("pending_cancellation_date", seat.get("pending_cancellation_date"),
                            "is not a date (YYYY-MM-DD)")
        if removed < assigned:
            return {}, "pending_cancellation_date is before created_at"
    stamps = {}
    for field in ("last_activity_at", "updated_at", "last_authenticated_at"):
        value = seat.get(field)
        stamps[field] = _day(value, tz) if value is not None else None
        if value is not None and stamps[field] is None:
            return {}, _bad(field, value, "is not an ISO 8601 timestamp")
    last = stamps["last_activity_at"]
    if as_of is not None and last is not None and last > as_of:
        return {}, f"last_activity_at {last} is after the export date {as_of} (--as-of)"
    team = seat.get("assigning_team")
    detail = {"editor": seat.get("last_activity_editor"), "plan_type": seat.get("plan_type"),
              "assigning_team": team.get("slug") if isinstance(team, dict) else None}
    latest = max(d for d in (assigned, *stamps.values()) if d is not None)
    return {"login": _norm(login), "assigned_on": assigned, "removed_on": removed,
            "last_active": last, "latest": latest,
            "detail": json.dumps(detail, sort_keys=True)}, None


# -- metrics API (aggregates) ----------------------------------------------------------------

def _is_metrics(data: Any) -> bool:
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return False
    keys = set(data[0])
    return bool(keys & {"total_active_users", "total_engaged_users", *METRICS_FEATURES}) \
        and not keys & {"seats", "user_login", "user_id"}


def _sniff_metrics(s: Sniff) -> bool:
    # an empty list too: GitHub's answer for a team under five members (no other export
    # read here is a bare empty JSON array)
    return s.json == [] or _is_metrics(s.json)


def metric_rows(day: dict) -> list[tuple[str, str | None, str | None, str | None, str | None,
                                         str, float]]:
    """Flatten one day of the Copilot metrics API into breakdown rows.

    Returns
    -------
    list of tuple
        ``(feature, editor, language, model, repository, metric, value)``; the day's own
        totals have feature ``all``. Booleans and texts (``is_custom_model``,
        ``custom_model_training_date``) are not metrics and are left out.
    """
    rows: list[tuple] = []

    def emit(feature: str, dims: dict, metric: str, value: Any) -> None:
        rows.append((feature, dims.get("editor"), dims.get("language"), dims.get("model"),
                     dims.get("repository"), metric, float(value)))

    def walk(node: dict, feature: str, dims: dict) -> None:
        for key, value in node.items():
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float):
                emit(feature, dims, key, value)
            elif isinstance(value, list) and key in BREAKDOWNS:
                for item in value:
                    if isinstance(item, dict):
                        walk(item, feature, {**dims, BREAKDOWNS[key]: item.get("name")})

    for key, value in day.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            emit("all", {}, key, value)
        elif isinstance(value, dict):
            walk(value, key, {})
    return rows


def _scope(ctx: FormatContext) -> tuple[str, str]:
    """(scope_type, scope) from the ``scope`` option or the file name."""
    option = (ctx.options.get("scope") or "").strip()
    if option:
        kind, sep, name = option.partition(":")
        if not sep:
            kind, name = (ctx.options.get("scope_type") or "team"), option
        kind = {"org": "organization"}.get(kind.strip().lower(), kind.strip().lower())
        if kind not in SCOPE_TYPES or not name.strip():
            raise InputError(f"option scope {option!r}: use TYPE:NAME with TYPE one of "
                             f"{list(SCOPE_TYPES)}, e.g. team:platform-devs.")
        return kind, name.strip()
    m = re.search(r"copilot[_-]metrics[_-](team|org|organization|enterprise)[_-](.+)$",
                  ctx.path.stem, re.IGNORECASE)
    if m:
        return {"org": "organization"}.get(m[1].lower(), m[1].lower()), m[2]
    return "organization", "organization"


def _load_metrics(ctx: FormatContext) -> LoadCounts:
    data = _read_json(ctx.path)
    if not isinstance(data, list):
        raise InputError(f"{ctx.name}: expected the Copilot metrics API response, a JSON array "
                         "of days.")
    if not data:
        scope_type, scope = _scope(ctx)
        return LoadCounts(empty_ok=True, notes=[
            f"{scope_type} {scope!r}: an empty list, nothing to load (GitHub returns [] for a "
            "team with fewer than five members holding a Copilot licence, and for days "
            "without data)"])
    found = {k for d in data if isinstance(d, dict) for k in d}
    _require(ctx.name, "Copilot metrics API response", found, METRICS_FIELDS, ("date",))
    scope_type, scope = _scope(ctx)
    tz = _tz(ctx)
    counts = LoadCounts(read=len(data))
    rejects, rows, days = [], [], set()
    known = {r[0] for r in ctx.con.execute(
        "SELECT DISTINCT day FROM team_usage WHERE scope_type = ? AND scope = ? AND tool = ?",
        [scope_type, scope, TOOL]).fetchall()}
    for i, day_obj in enumerate(data, 1):
        if not isinstance(day_obj, dict):
            rejects.append((i, "day is not a JSON object", None))
            continue
        day = _day(day_obj.get("date"), tz)
        if day is None:
            rejects.append((i, _bad("date", day_obj.get("date"), "is not a date (YYYY-MM-DD)"),
                            _raw(ctx, day_obj)))
            continue
        flat = metric_rows(day_obj)
        negative = [r[5] for r in flat if r[6] < 0]
        if negative:
            rejects.append((i, f"day {day}: negative value of {negative[0]}; counts must be 0 "
                            "or more", None))
            continue
        if day in known or day in days:
            counts.duplicate += 1
            continue
        days.add(day)
        rows.extend((scope_type, scope, TOOL, day, *r, ctx.batch_id) for r in flat)
    counts.rejected = ctx.reject(rejects)
    columns = ["scope_type", "scope", "tool", "day", "feature", "editor", "language", "model",
               "repository", "metric", "value", "batch_id"]
    frame = pd.DataFrame(rows, columns=columns)
    for c in ("editor", "language", "model", "repository"):
        frame[c] = frame[c].astype("string")
    ctx.insert_frame("team_usage", frame)
    counts.loaded = len(days)
    if days:
        counts.first_date, counts.last_date = min(days), max(days)
    counts.notes.append(f"aggregates of {scope_type} {scope!r}: no distinct users can be "
                        "counted from them")
    return counts


# -- per-user usage metrics reports ----------------------------------------------------------

def _first_record(s: Sniff) -> Any:
    rec = s.first_json_line
    if isinstance(rec, list):
        return None
    if rec is None and s.text.lstrip().startswith("["):
        data = s.json
        rec = data[0] if isinstance(data, list) and data else None
    return rec if isinstance(rec, dict) else None


def _sniff_user_metrics(s: Sniff) -> bool:
    if is_report_links(s.json) or sniff_empty_report(s):
        return True  # the API's answer linking to reports, or a report without a record
    rec = _first_record(s)
    return (rec is not None and "day" in rec and bool({"user_login", "user_id"} & set(rec))
            and bool({"user_initiated_interaction_count", "code_generation_activity_count",
                      "totals_by_feature", "totals_by_ide"} & set(rec)))


def _user_metric_row(rec: Any, tz: zoneinfo.ZoneInfo) -> tuple[dict, str | None]:
    if not isinstance(rec, dict):
        return {}, "record is not a JSON object"
    login = rec.get("user_login")
    if not isinstance(login, str) or not login.strip():
        return {}, "field user_login: empty; a user_id alone cannot be matched to a person"
    day = _day(rec.get("day"), tz)
    if day is None:
        return {}, _bad("day", rec.get("day"), "is not a date (YYYY-MM-DD)")
    total, features, why = user_activity(rec)
    if why:
        return {}, why
    detail = {k: v for k, v in rec.items() if k not in ("user_login", "user_id")}
    return {"login": _norm(login), "day": day, "events": total, "features": features,
            "detail": json.dumps(detail, sort_keys=True)}, None


def user_activity(rec: dict) -> tuple[int, dict[str, int], str | None]:
    """One per-user record's events and features (1-day and 28-day reports alike).

    Events are the user-initiated interactions, the code generations and the CLI prompts
    (``totals_by_cli.prompt_count``); features are :func:`user_features`'. Returns
    ``(events, features, None)``, or ``(0, {}, reason)`` for a record to reject.
    """
    total = 0
    for field in ("user_initiated_interaction_count", "code_generation_activity_count"):
        n, why = _count(rec, field)
        if why:
            return 0, {}, why
        total += n
    cli = rec.get("totals_by_cli")
    if isinstance(cli, dict):
        n, why = _count(cli, "prompt_count")
        if why:
            return 0, {}, "totals_by_cli." + why
        total += n
    features, why = user_features(rec)
    if why:
        return 0, {}, why
    return total, features, None


#: Counts of a ``totals_by_feature`` entry that tell the feature was used.
_FEATURE_COUNTS = ("user_initiated_interaction_count", "code_generation_activity_count",
                   "code_acceptance_activity_count", "loc_added_sum", "loc_deleted_sum",
                   "loc_suggested_to_add_sum", "loc_suggested_to_delete_sum")
#: Day-level flags of the per-user report that name a use of their own -> feature.
FLAG_FEATURES = {"used_cli": "cli", "used_copilot_coding_agent": "cloud_agent",
                 "used_copilot_code_review_active": "code_review"}


def user_features(rec: dict) -> tuple[dict[str, int], str | None]:
    """Features a user used in one per-user record, with their events; (features, reason).

    Every ``totals_by_feature`` entry with any count above 0 (``code_completion``,
    ``agent_edit`` whose only counts are lines, ``chat_panel_agent_mode`` ...): events =
    interactions + generations (0 for ``agent_edit``). The flags of :data:`FLAG_FEATURES`
    add ``cli`` (events = CLI prompts), ``cloud_agent`` and ``code_review`` (events 0): the
    report says they were used that day, not how much. A passive code review (Copilot
    assigned automatically) is not a use by the person; it stays in the kept record.
    """
    features: dict[str, int] = {}
    for item in rec.get("totals_by_feature") or []:
        if not isinstance(item, dict) or not item.get("feature"):
            return {}, "totals_by_feature: an entry without a feature name"
        n, used = 0, False
        for field in _FEATURE_COUNTS:
            k, why = _count(item, field)
            if why:
                return {}, f"totals_by_feature[{item['feature']}].{why}"
            used = used or k > 0
            if field in ("user_initiated_interaction_count", "code_generation_activity_count"):
                n += k
        if used:
            name = str(item["feature"])
            features[name] = features.get(name, 0) + n
    for key, value in rec.items():  # chat modes as day-level counts, and agent edits
        if key.startswith("chat_panel_") and _number(value) and value > 0:
            features.setdefault(key, int(value))
        elif key == "agent_edit" and isinstance(value, dict) and any(
                _number(v) and v > 0 for v in value.values()):
            features.setdefault(key, 0)
    cli = rec.get("totals_by_cli")
    prompts = cli.get("prompt_count") if isinstance(cli, dict) else None
    for flag, name in FLAG_FEATURES.items():
        if rec.get(flag) is True or (name == "cli" and _number(prompts) and prompts > 0):
            features.setdefault(name, int(prompts) if name == "cli" and _number(prompts)
                                else 0)
    return features, None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _load_user_metrics(ctx: FormatContext) -> LoadCounts:
    links = read_report_links(ctx)
    if links is not None:
        return load_report_links(ctx, links)
    records = _read_records(ctx.path)
    if not records:
        return empty_report(ctx, "per-user usage metrics report")
    found = {k for _, r, _ in records if isinstance(r, dict) for k in r}
    _require(ctx.name, "Copilot per-user usage metrics report", found, USER_METRIC_FIELDS,
             ("day", "user_login"))
    tz = _tz(ctx)
    counts = LoadCounts(read=len(records))
    rejects, good = [], {}
    for line, rec, error in records:
        row, why = ({}, error) if error else _user_metric_row(rec, tz)
        if why:
            rejects.append((line, why, None if error else _raw(ctx, rec)))
        elif (row["login"], row["day"]) in good:
            counts.duplicate += 1
        else:
            good[(row["login"], row["day"])] = row
    counts.rejected = ctx.reject(rejects)
    days = {d for _, d in good}
    known = set()
    if days:
        known = {r[0] for r in ctx.con.execute(
            "SELECT DISTINCT day FROM usage WHERE tool = ? AND day BETWEEN ? AND ?",
            [TOOL, min(days), max(days)]).fetchall()}
    rows = [r for r in good.values() if r["day"] not in known]
    counts.duplicate += len(good) - len(rows)
    if known & days:
        counts.notes.append(f"{len(known & days)} tool-day(s) were already loaded by an earlier "
                            "file; their rows were counted as duplicates and not loaded again")
    if rows:
        ids = dict(zip(sorted({r["login"] for r in rows}),
                       ctx.workspace.pseudonymise(sorted({r["login"] for r in rows})),
                       strict=True))
        usage = pd.DataFrame({"person_id": [ids[r["login"]] for r in rows], "tool": TOOL,
                              "day": [r["day"] for r in rows],
                              "events": [r["events"] for r in rows],
                              "batch_id": ctx.batch_id})
        feats = pd.DataFrame(
            [(ids[r["login"]], TOOL, r["day"], f, n, ctx.batch_id)
             for r in rows for f, n in r["features"].items()],
            columns=["person_id", "tool", "day", "feature", "events", "batch_id"])
        ctx.insert_frame("usage", usage)
        ctx.insert_frame("usage_features", feats)
        stage_credits(ctx, counts, _credit_rows(records, rows, ids, tz), tool=TOOL,
                      unit="ai_credit", source="github_copilot_user_metrics",
                      field="ai_credits_used")
        kept = pd.DataFrame({"source": FORMAT_USERS, "scope_type": "user",
                             "scope": [ids[r["login"]] for r in rows],
                             "person_id": [ids[r["login"]] for r in rows], "tool": TOOL,
                             "day": [r["day"] for r in rows], "window_start": None,
                             "window_end": None, "detail": [r["detail"] for r in rows],
                             "batch_id": ctx.batch_id})
        ctx.con.register("_gh_kept", kept)
        try:
            ctx.con.execute("INSERT INTO vendor_records SELECT source, scope_type, scope, "
                            "person_id, tool, CAST(day AS DATE), CAST(window_start AS DATE), "
                            "CAST(window_end AS DATE), detail, batch_id FROM _gh_kept")
        finally:
            ctx.con.unregister("_gh_kept")
        counts.first_date = min(r["day"] for r in rows)
        counts.last_date = max(r["day"] for r in rows)
    counts.loaded = len(rows)
    _window(records, counts)
    return counts


def _credit_rows(records: list[tuple[int, Any, str | None]], rows: list[dict],
                 ids: dict[str, str], tz: zoneinfo.ZoneInfo) -> list[tuple[str, dt.date, Any]]:
    """(person id, day, ``ai_credits_used``) of the loaded user-days (the first record of each)."""
    loaded, out = {(r["login"], r["day"]) for r in rows}, []
    for _, rec, _ in records:
        if isinstance(rec, dict) and "ai_credits_used" in rec \
                and isinstance(rec.get("user_login"), str):
            key = (_norm(rec["user_login"]), _day(rec.get("day"), tz))
            if key in loaded:
                loaded.discard(key)
                out.append((ids[key[0]], key[1], rec["ai_credits_used"]))
    return out


def _window(records: list[tuple[int, Any, str | None]], counts: LoadCounts) -> None:
    """A 28-day report covers its whole window (``report_start_day`` to ``report_end_day`` in
    its records), days without activity included."""
    spans = [(r.get("report_start_day"), r.get("report_end_day")) for _, r, _ in records
             if isinstance(r, dict)]
    days = []
    for start, end in spans:
        try:
            days.append((dt.date.fromisoformat(str(start)), dt.date.fromisoformat(str(end))))
        except ValueError:
            continue
    if not days:
        return
    first, last = min(d[0] for d in days), max(d[1] for d in days)
    counts.first_date = min(first, counts.first_date or first)
    counts.last_date = max(last, counts.last_date or last)


# -- user-teams report -----------------------------------------------------------------------

def _sniff_user_teams(s: Sniff) -> bool:
    rec = _first_record(s)
    return (rec is not None and "day" in rec and "team_id" in rec
            and bool({"user_login", "user_id"} & set(rec))
            and "user_initiated_interaction_count" not in rec)


def _load_user_teams(ctx: FormatContext) -> LoadCounts:
    records = _read_records(ctx.path)
    if not records:
        return empty_report(ctx, "user-teams report")
    found = {k for _, r, _ in records if isinstance(r, dict) for k in r}
    _require(ctx.name, "Copilot user-teams report", found, USER_TEAM_FIELDS,
             ("day", "user_login"))
    tz = _tz(ctx)
    counts = LoadCounts(read=len(records))
    rejects, good = [], {}
    for line, rec, error in records:
        if error:
            rejects.append((line, error, None))
            continue
        login = rec.get("user_login") if isinstance(rec, dict) else None
        day = _day(rec.get("day"), tz) if isinstance(rec, dict) else None
        team = (rec.get("slug") or rec.get("team_slug") or rec.get("team_id")) \
            if isinstance(rec, dict) else None
        if not isinstance(login, str) or not login.strip():
            rejects.append((line, "field user_login: empty; the row cannot be matched to a "
                            "person", _raw(ctx, rec)))
        elif day is None:
            rejects.append((line, _bad("day", rec.get("day"), "is not a date (YYYY-MM-DD)"),
                            _raw(ctx, rec)))
        elif team is None or str(team).strip() == "":
            rejects.append((line, "fields slug and team_id: both empty", _raw(ctx, rec)))
        else:
            scope = str(rec.get("organization_id") or rec.get("enterprise_id") or "")
            key = (_norm(login), scope, str(team), day)
            if key in good:
                counts.duplicate += 1
            else:
                good[key] = key
    counts.rejected = ctx.reject(rejects)
    if good:
        frame = pd.DataFrame(list(good), columns=["login", "scope", "team", "day"])
        frame["person_id"] = ctx.workspace.pseudonymise(frame["login"].tolist())
        ctx.con.register("_gh_teams", frame.drop(columns="login"))
        try:
            new = ctx.con.execute(f"""INSERT INTO vendor_user_teams
                SELECT g.person_id, g.scope, g.team, CAST(g.day AS DATE), {ctx.batch_id}
                FROM _gh_teams g WHERE NOT EXISTS (
                    SELECT 1 FROM vendor_user_teams v WHERE v.person_id = g.person_id
                      AND v.scope = g.scope AND v.team = g.team
                      AND v.day = CAST(g.day AS DATE))""").fetchone()[0]
        finally:
            ctx.con.unregister("_gh_teams")
        counts.loaded = int(new)
        counts.duplicate += len(frame) - counts.loaded
        counts.first_date, counts.last_date = min(frame["day"]), max(frame["day"])
    return counts


FORMATS: list[SourceFormat] = [
    SourceFormat(
        "github_copilot_seats", "seats",
        "GitHub Copilot seat assignments (REST /orgs/{org}/copilot/billing/seats, JSON pages)",
        (".json",), _sniff_seats, _load_seats, rank=25, source=SEATS_URL),
    SourceFormat(
        "github_copilot_metrics", "team_usage",
        "GitHub Copilot metrics API (org, team or enterprise daily aggregates, JSON)",
        (".json",), _sniff_metrics, _load_metrics, rank=36, source=METRICS_URL),
    SourceFormat(
        "github_copilot_user_metrics", "usage",
        "GitHub Copilot per-user daily usage metrics report (NDJSON)",
        (".ndjson", ".jsonl", ".json"), _sniff_user_metrics, _load_user_metrics, rank=31,
        source=USER_METRICS_URL),
    SourceFormat(
        "github_copilot_user_teams", "teams",
        "GitHub Copilot user-teams report (NDJSON, user x GitHub team x day)",
        (".ndjson", ".jsonl", ".json"), _sniff_user_teams, _load_user_teams, rank=8,
        source=USER_TEAMS_URL),
]
