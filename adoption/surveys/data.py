"""Survey frames from the store: the long responses frame, comments, headcount and activity.

Every loader takes an open :class:`~adoption.store.Store` or a
:class:`~adoption.workspace.Workspace` (opened read-only, then closed) and returns a tidy
DataFrame; the survey metrics (:mod:`adoption.surveys.metrics`, ``counts``, ``change``,
``activity``) take these frames.

The survey reader stages each identified respondent's keyed hash only. Who that is, whether
they are in the roster, and their team and department on the wave date are decided here, at
read time, by the canonical layer (:mod:`adoption.canonical.membership`), so that a roster or
identities mapping loaded after the survey counts too. Respondents the roster does not place
on the wave date (anonymous ones, and e-mails it does not know) keep the team their export
states (or the ``--audience-team`` the reader staged), with that team's department on the
wave date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from adoption.canonical.membership import load_active_people, load_membership, resolve_people
from adoption.ingest.reader import sql_literal
from adoption.metrics.adoption import NO_DEPARTMENT
from adoption.store import Store
from adoption.workspace import Workspace, open_store

__all__ = [
    "NO_TEAM",
    "RESPONSE_COLUMNS",
    "load_activity",
    "load_comments",
    "load_headcount",
    "load_name_tokens",
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
    with open_store(source) as store:
        return store.query(sql)


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
    with open_store(source) as store:
        frame = store.query(f"""
            SELECT w.wave, w.wave_date, w.anonymous, r.respondent_id, r.finished, a.item_id,
                   i.construct, i.stage, i.kind, i.reverse, i.scale_min, i.scale_max,
                   i.favourable_min, a.value
            FROM survey_answers a
            JOIN survey_respondents r ON r.wave = a.wave AND r.respondent_id = a.respondent_id
            JOIN survey_items i ON i.wave = a.wave AND i.item_id = a.item_id
            JOIN survey_waves w ON w.wave = a.wave
            WHERE {_wave_filter(waves, 'a.wave')}
            ORDER BY w.wave_date, a.wave, r.respondent_id, a.item_id""")
        people = _respondents(store, waves)
    frame = frame.merge(people[["wave", "respondent_id", "person_id", "department", "team",
                                "matched"]], on=["wave", "respondent_id"], how="left",
                        validate="many_to_one")
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
    with open_store(source) as store:
        frame = store.query(f"""
            SELECT c.wave, c.respondent_id, c.item_id, i.text AS question, c.text
            FROM survey_comments c
            LEFT JOIN survey_items i ON i.wave = c.wave AND i.item_id = c.item_id
            WHERE {_wave_filter(waves, 'c.wave')} AND trim(c.text) <> ''
            ORDER BY c.wave, c.item_id, c.respondent_id""")
        people = _respondents(store, waves)
    frame = frame.merge(people[["wave", "respondent_id", "department", "team"]],
                        on=["wave", "respondent_id"], how="inner", validate="many_to_one")
    return frame[["wave", "respondent_id", "department", "team", "item_id", "question",
                  "text"]]


def _respondents(store: Store, waves: Sequence[str] | str | None) -> pd.DataFrame:
    """Respondents resolved at read time (see the module docstring): ``wave, respondent_id,
    person_id, department, team, matched, finished``."""
    raw = store.query(f"""
        SELECT r.wave, w.wave_date, r.respondent_id, r.person_id AS identity_hash,
               r.team AS stated_team, r.finished
        FROM survey_respondents r JOIN survey_waves w USING (wave)
        WHERE {_wave_filter(waves, 'r.wave')}
        ORDER BY r.wave, r.respondent_id""")
    out = resolve_people(store, raw, identity="identity_hash", day="wave_date")
    identified = out["identity_hash"].notna()
    placed = out["employed"]  # the roster's team on the wave date wins
    stated = out["stated_team"].where(~placed)
    departments = {}
    for day in out.loc[stated.notna(), "wave_date"].unique():
        members = load_membership(store, day=day)
        departments[pd.Timestamp(day)] = members.groupby("team")["department"].agg(
            lambda d: d.mode().iloc[0])
    stated_dept = [departments[pd.Timestamp(d)].get(t) if isinstance(t, str) else None
                   for d, t in zip(out["wave_date"], stated, strict=True)]
    out["team"] = out["team"].where(placed, stated)
    out["department"] = out["department"].where(placed, pd.Series(
        stated_dept, index=out.index, dtype=object))
    out["matched"] = identified & out["employed"]
    out["finished"] = out["finished"].astype(bool)
    out = out.assign(department=out["department"].fillna(NO_DEPARTMENT),
                     team=out["team"].fillna(NO_TEAM))
    return out[["wave", "respondent_id", "person_id", "department", "team", "matched",
                "finished"]]


def load_respondents(source: Store | Workspace, *, waves: Sequence[str] | str | None = None
                     ) -> pd.DataFrame:
    """One row per wave x respondent: ``wave, respondent_id, person_id, department, team,
    matched, finished`` (department/team missing -> "(no department)"/"(no team)").

    ``person_id`` is the resolved person (missing for anonymous respondents); ``matched``
    says the person was in the roster on the wave date, and then ``team`` and
    ``department`` are theirs on that date; other respondents (anonymous ones, and e-mails the
    roster does not place) keep the team their export states.
    """
    with open_store(source) as store:
        return _respondents(store, waves)


def load_headcount(source: Store | Workspace, on: dt.date | str | pd.Timestamp
                   ) -> pd.DataFrame:
    """People employed on a day, by department and team (the canonical membership on that day).

    Returns
    -------
    DataFrame
        Columns ``department`` (missing -> "(no department)"), ``team``, ``headcount``.
    """
    with open_store(source) as store:
        members = load_membership(store, day=on)
    out = members.groupby(["department", "team"], as_index=False).agg(
        headcount=("person_id", "nunique"))
    return out.sort_values(["department", "team"]).reset_index(drop=True)


def load_activity(source: Store | Workspace, *, start: dt.date | str | pd.Timestamp,
                  end: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """People known to be active on any AI tool between ``start`` and ``end`` (inclusive).

    From the canonical layer (:func:`adoption.canonical.membership.load_active_people`):
    people resolved, every source used only for what it can tell.

    Returns
    -------
    DataFrame
        Columns ``person_id``, ``active_days`` (distinct days with events of daily sources),
        ``events``.
    """
    with open_store(source) as store:
        return load_active_people(store, start=start, end=end)


def load_names(source: Store | Workspace) -> list[str]:
    """Names kept in ``person_names`` (only with ``keep_names = true``; else empty)."""
    out = _query(source, "SELECT DISTINCT name FROM person_names WHERE name IS NOT NULL")
    return sorted(str(n) for n in out["name"] if str(n).strip())


def load_name_tokens(source: Store | Workspace) -> frozenset[str]:
    """Keyed hashes of the roster's name tokens (``name_tokens``), kept whatever
    ``keep_names`` says: for :class:`adoption.privacy.NameTokens`."""
    out = _query(source, "SELECT token_hash FROM name_tokens")
    return frozenset(out["token_hash"])
