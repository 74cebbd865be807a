"""The generic input kinds, their columns, and telling a file's kind from its header."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from adoption.errors import ColumnNotFoundError, FormatDetectionError

__all__ = ["KINDS", "Kind", "detect_kind", "map_columns", "normalise_header"]


@dataclass(frozen=True)
class Kind:
    """One generic input kind: canonical columns, accepted header spellings, required ones."""

    name: str
    description: str
    synonyms: dict[str, tuple[str, ...]]
    required: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.synonyms)


_PERSON = ("email", "person", "user", "upn", "user_principal_name", "mail", "employee_email",
           "person_id", "user_email", "login")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "roster",
            "HR roster snapshot: one row per person",
            {
                "email": _PERSON,
                "team": ("team", "team_name", "group", "squad"),
                "department": ("department", "dept", "division", "org_unit", "organisation_unit"),
                "manager_email": ("manager_email", "manager", "manager_upn", "line_manager"),
                "location": ("location", "office", "site", "city", "country"),
                "role": ("role", "title", "job_title", "position"),
                "start_date": ("start_date", "hire_date", "employment_start", "joined", "start"),
                "end_date": ("end_date", "termination_date", "leave_date", "employment_end",
                             "left", "end"),
                "name": ("name", "display_name", "full_name", "employee_name"),
                "as_of": ("as_of", "snapshot_date", "report_date", "extract_date"),
            },
            ("email", "team"),
        ),
        Kind(
            "usage",
            "tool usage events: one row per event (or per event count)",
            {
                "timestamp": ("timestamp", "ts", "time", "event_time", "datetime", "occurred_at",
                              "created_at", "event_timestamp"),
                "email": _PERSON,
                "tool": ("tool", "product", "application", "app", "service"),
                "feature": ("feature", "action", "event", "event_type", "activity", "surface"),
                "count": ("count", "events", "quantity", "n", "event_count"),
                "timezone": ("timezone", "time_zone", "tz", "zone", "timezone_name",
                             "iana_time_zone"),
            },
            ("timestamp", "email", "tool"),
        ),
        Kind(
            "seats",
            "seat (licence) assignments: one row per person and tool",
            {
                "tool": ("tool", "product", "license", "licence", "sku", "application"),
                "email": _PERSON,
                "assigned_on": ("assigned_on", "assigned_at", "assigned", "assigned_date",
                                "start_date", "created_at", "granted_on"),
                "removed_on": ("removed_on", "removed_at", "removed", "unassigned_on",
                               "end_date", "revoked_on", "pending_cancellation_date"),
            },
            ("tool", "email", "assigned_on"),
        ),
        Kind(
            "tools",
            "tool catalogue: one row per tool",
            {
                "tool": ("tool", "product", "name", "application"),
                "vendor": ("vendor", "publisher", "supplier", "provider"),
                "category": ("category", "type", "kind"),
                "sanctioned": ("sanctioned", "is_sanctioned", "approved", "is_approved"),
                "monthly_seat_cost": ("monthly_seat_cost", "seat_cost", "monthly_cost",
                                      "cost_per_seat", "price"),
                "currency": ("currency", "currency_code"),
            },
            ("tool", "vendor"),
        ),
    )
}


def normalise_header(name: str) -> str:
    """``'Start Date '`` -> ``'start_date'``: lower case, runs of non-alphanumerics to ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")


def map_columns(found: list[str], kind: str, *, source: str) -> dict[str, str]:
    """Map canonical column -> the file's own header for ``kind``.

    Raises
    ------
    ColumnNotFoundError
        If a required column is missing; the message lists the columns found, the accepted
        spellings and the nearest match.
    """
    spec = KINDS[kind]
    by_norm: dict[str, str] = {}
    for col in found:
        by_norm.setdefault(normalise_header(col), col)
    mapping: dict[str, str] = {}
    for canonical, spellings in spec.synonyms.items():
        for s in spellings:
            if s in by_norm and by_norm[s] not in mapping.values():
                mapping[canonical] = by_norm[s]
                break
    missing = [c for c in spec.required if c not in mapping]
    if missing:
        hints = []
        for c in missing:
            near = max(((difflib.SequenceMatcher(None, s, n).ratio(), n)
                        for s in spec.synonyms[c] for n in by_norm), default=(0.0, ""))
            hint = (f"nearest found: {by_norm[near[1]]!r}" if near[0] >= 0.6
                    else "no similar column")
            hints.append(f"{c!r} (accepted: {list(spec.synonyms[c])}; {hint})")
        raise ColumnNotFoundError(
            f"{source}: a {kind} file needs column(s) {', '.join(hints)}. Columns found: "
            f"{found}. Rename the column in a copy of the file, or pass the right --kind."
        )
    return mapping


def detect_kind(found: list[str], *, source: str) -> str:
    """Tell the kind of a file from its header.

    Raises
    ------
    FormatDetectionError
        If no kind, or more than one, has all its required columns.
    """
    scores: dict[str, int] = {}
    for name in KINDS:
        try:
            mapping = map_columns(found, name, source=source)
        except ColumnNotFoundError:
            continue
        scores[name] = len(mapping)
    # a tool catalogue has no person column; a roster has no tool; usage has a timestamp
    if "tools" in scores and "email" in map_columns_safe(found, "usage"):
        scores.pop("tools")
    if len(scores) == 1:
        return next(iter(scores))
    if scores:
        best = max(scores.values())
        top = [k for k, v in scores.items() if v == best]
        if len(top) == 1:
            return top[0]
        raise FormatDetectionError(
            f"{source}: the columns {found} fit several kinds {sorted(top)}. "
            f"Pass --kind with one of {sorted(KINDS)}."
        )
    wanted = "; ".join(f"{k}: {list(v.required)}" for k, v in KINDS.items())
    raise FormatDetectionError(
        f"{source}: cannot tell what kind of file this is from its columns {found}. "
        f"Each kind needs these columns: {wanted}. Rename the columns or pass --kind."
    )


def map_columns_safe(found: list[str], kind: str) -> dict[str, str]:
    """Like :func:`map_columns` but returns what matched instead of raising."""
    spec = KINDS[kind]
    norms = {normalise_header(c) for c in found}
    return {c: c for c, spellings in spec.synonyms.items() if any(s in norms for s in spellings)}
