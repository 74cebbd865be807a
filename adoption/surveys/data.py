"""Survey frames from the store: the long responses frame, comments, headcount and activity.

Every loader takes an open :class:`~adoption.store.Store` or a
:class:`~adoption.workspace.Workspace` (opened read-only, then closed) and returns a tidy
DataFrame; the survey metrics (:mod:`adoption.surveys.metrics`, ``counts``, ``change``,
``activity``) take these frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from adoption.canonical.identity import identity_map_sql
from adoption.errors import InputError
from adoption.ingest.reader import sql_literal
from adoption.metrics.adoption import NO_DEPARTMENT
from adoption.store import Store
from adoption.workspace import Workspace

__all__ = [
    "NO_TEAM",
    "RESPONSE_COLUMNS",
    "load_activity",
    "load_comments",
    "load_headcount",
    "load_names",
    "load_respondents",
    "load_responses",
    "load_waves",
]

#: Team label of respondents whose team is unknown (an anonymous export without a team).
NO_TEAM = "(no team)"
#: Columns of :func:`load_responses`, in order.
RESPONSE_COLUMNS = [
    "wave", "wave_date", "anonymous", "respondent_id", "person_id", "department", "team",
    "matched", "finished", "item_id", "construct", "stage", "kind", "reverse", "scale_min",
    "scale_max", "favourable_min", "value",
]


def _query(source: Store | Workspace, sql: str) -> pd.DataFrame:
    if isinstance(source, Workspace):
        with source.store(read_only=True) as store:
            return store.query(sql)
    if isinstance(source, Store):
        return source.query(sql)
    raise InputError(
        f"expected a Workspace or a Store; found {type(source).__name__!r}. Pass "
        "adoption.open_workspace(path) or an open store."
    )


def _wave_filter(waves: Sequence[str] | str | None, column: str = "wave") -> str:
    if waves is None:
        return "true"
    if isinstance(waves, str):
        waves = [waves]
    if not waves:
        return "false"
    return f"{column} IN (" + ", ".join(sql_literal(str(w)) for w in waves) + ")"


def load_waves(source: Store | Workspace) -> pd.DataFrame:
    """The survey waves, oldest first.

    Returns
    -------
    DataFrame
        Columns ``wave, instrument, instrument_version, wave_date`` (datetime),
        ``anonymous, source_format, responses``.
    """
    out = _query(source, """SELECT wave, instrument, instrument_version, wave_date, anonymous,
        source_format, responses FROM survey_waves ORDER BY wave_date, wave""")
    out["wave_date"] = pd.to_datetime(out["wave_date"])
    return out


def load_responses(source: Store | Workspace, *, waves: Sequence[str] | str | None = None
                   ) -> pd.DataFrame:
    """The long responses frame: one row per respondent x scored item answered.

    Parameters
    ----------
    source : Store or Workspace
    waves : str or list of str, optional
        Only these waves (default all).

    Returns
    -------
    DataFrame
        Columns :data:`RESPONSE_COLUMNS`: the wave and its date, whether it was anonymous, the
        respondent (``person_id`` missing for anonymous or unmatched respondents), their
        ``department`` (missing -> "(no department)") and ``team`` (missing -> "(no team)")
        on the wave date, ``matched``, ``finished``, the item with its ``construct``,
        ``stage`` (ADKAR stage or missing), ``kind`` (likert, nps, choice, ...),
        ``reverse``, scale bounds and ``favourable_min``, and the raw ``value`` (not
        reverse-keyed). Sorted by wave, respondent and item.
    """
    frame = _query(source, f"""
        SELECT w.wave, w.wave_date, w.anonymous, r.respondent_id, r.person_id,
               coalesce(r.department, {sql_literal(NO_DEPARTMENT)}) AS department,
               coalesce(r.team, {sql_literal(NO_TEAM)}) AS team,
               r.matched, r.finished, a.item_id, i.construct, i.stage, i.kind, i.reverse,
               i.scale_min, i.scale_max, i.favourable_min, a.value
        FROM survey_answers a
        JOIN survey_respondents r ON r.wave = a.wave AND r.respondent_id = a.respondent_id
        JOIN survey_items i ON i.wave = a.wave AND i.item_id = a.item_id
        JOIN survey_waves w ON w.wave = a.wave
        WHERE {_wave_filter(waves, 'a.wave')}
        ORDER BY w.wave_date, a.wave, r.respondent_id, a.item_id""")
    frame["wave_date"] = pd.to_datetime(frame["wave_date"])
    for col in ("anonymous", "matched", "finished", "reverse"):
        frame[col] = frame[col].astype(bool)
    for col in ("scale_min", "scale_max", "favourable_min", "value"):
        frame[col] = frame[col].astype(float)
    return frame[RESPONSE_COLUMNS]


def load_comments(source: Store | Workspace, *, waves: Sequence[str] | str | None = None
                  ) -> pd.DataFrame:
    """Free-text answers, raw (redact them with :mod:`adoption.surveys.comments`).

    Returns
    -------
    DataFrame
        Columns ``wave, respondent_id, department, team, item_id, question, text``.
    """
    return _query(source, f"""
        SELECT c.wave, c.respondent_id,
               coalesce(r.department, {sql_literal(NO_DEPARTMENT)}) AS department,
               coalesce(r.team, {sql_literal(NO_TEAM)}) AS team, c.item_id,
               i.text AS question, c.text
        FROM survey_comments c
        JOIN survey_respondents r ON r.wave = c.wave AND r.respondent_id = c.respondent_id
        LEFT JOIN survey_items i ON i.wave = c.wave AND i.item_id = c.item_id
        WHERE {_wave_filter(waves, 'c.wave')} AND trim(c.text) <> ''
        ORDER BY c.wave, c.item_id, c.respondent_id""")


def load_respondents(source: Store | Workspace, *, waves: Sequence[str] | str | None = None
                     ) -> pd.DataFrame:
    """One row per wave x respondent: ``wave, respondent_id, person_id, department, team,
    matched, finished`` (department/team missing -> "(no department)"/"(no team)")."""
    return _query(source, f"""
        SELECT wave, respondent_id, person_id,
               coalesce(department, {sql_literal(NO_DEPARTMENT)}) AS department,
               coalesce(team, {sql_literal(NO_TEAM)}) AS team, matched, finished
        FROM survey_respondents WHERE {_wave_filter(waves)}
        ORDER BY wave, respondent_id""")


def load_headcount(source: Store | Workspace, on: dt.date | str | pd.Timestamp
                   ) -> pd.DataFrame:
    """People employed on a day, by department and team (from the effective-dated roster).

    Returns
    -------
    DataFrame
        Columns ``department`` (missing -> "(no department)"), ``team``, ``headcount``.
    """
    day = pd.Timestamp(on).date().isoformat()
    return _query(source, f"""
        SELECT coalesce(department, {sql_literal(NO_DEPARTMENT)}) AS department, team,
               count(DISTINCT person_id) AS headcount
        FROM people WHERE valid_from <= DATE '{day}' AND valid_to >= DATE '{day}'
        GROUP BY ALL ORDER BY 1, 2""")


def load_activity(source: Store | Workspace, *, start: dt.date | str | pd.Timestamp,
                  end: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """People with any recorded tool use between ``start`` and ``end`` (inclusive).

    Usage rows are resolved to roster persons through ``identities`` (as
    :func:`adoption.canonical.load_person_periods` does).

    Returns
    -------
    DataFrame
        Columns ``person_id``, ``active_days`` (distinct days with events), ``events``.
    """
    lo = pd.Timestamp(start).date().isoformat()
    hi = pd.Timestamp(end).date().isoformat()
    return _query(source, f"""
        SELECT coalesce(i.person_id, u.person_id) AS person_id,
               count(DISTINCT u.day) AS active_days, sum(u.events) AS events
        FROM usage u LEFT JOIN ({identity_map_sql()}) i ON i.identity_hash = u.person_id
        WHERE u.events > 0 AND u.day BETWEEN DATE '{lo}' AND DATE '{hi}'
        GROUP BY 1 ORDER BY 1""")


def load_names(source: Store | Workspace) -> list[str]:
    """Names kept in ``person_names`` (only with ``keep_names = true``; else empty)."""
    out = _query(source, "SELECT DISTINCT name FROM person_names WHERE name IS NOT NULL")
    return sorted(str(n) for n in out["name"] if str(n).strip())
