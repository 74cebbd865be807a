"""People on given days: who an identifier is, their team on a day, and known activity in a span.

The period marts (:mod:`adoption.canonical.marts`) answer per week, month and quarter. Some
features need the same answers for an arbitrary day or span instead: a survey wave's date
(the respondent's team then, the people active in the 30 days before it), a vendor's week
(Viva Insights' Sunday weeks). They ask here, so that they write no identity, employment or
attribution SQL of their own. Everything reads the stored canonical tables (``identity_map``,
``people``, ``employment``, ``person_tool_days``, ``person_tool_windows``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from adoption.canonical.build import NO_DEPARTMENT
from adoption.canonical.marts import check_canonical, sql_literal
from adoption.errors import ColumnNotFoundError, InputError

__all__ = ["load_active_people", "load_group_labels", "load_membership", "resolve_people"]

_Day = dt.date | str | pd.Timestamp


def _iso(day: _Day, where: str) -> str:
    try:
        return pd.Timestamp(day).date().isoformat()
    except (TypeError, ValueError) as e:
        raise InputError(f"{where}: {day!r} is not a date; pass e.g. '2026-03-15'.") from e


def load_membership(store, *, day: _Day) -> pd.DataFrame:
    """Everyone employed on ``day``, with the team and department they were in that day.

    Returns
    -------
    DataFrame
        Columns ``person_id, team, department`` (a missing department reads
        ``"(no department)"``, as in the period marts), one row per person.
    """
    check_canonical(store)
    iso = _iso(day, "load_membership")
    return store.query(f"""
        SELECT person_id, team, coalesce(department, {sql_literal(NO_DEPARTMENT)}) AS department
        FROM people WHERE DATE '{iso}' BETWEEN valid_from AND valid_to
        ORDER BY person_id""")


def load_group_labels(store) -> dict[str, list[str]]:
    """Every team and department label the roster ever had: ``{"team": [...], "department":
    [...]}``, the labels :func:`adoption.privacy.publish_labels` tells look-alikes apart in."""
    check_canonical(store)
    rows = store.query("SELECT DISTINCT team, department FROM people")
    return {"team": sorted(set(rows["team"].dropna())),
            "department": sorted(set(rows["department"].dropna()) | {NO_DEPARTMENT})}


def resolve_people(store, data: pd.DataFrame, *, identity: str = "identity_hash",
                   day: str = "day") -> pd.DataFrame:
    """Resolve staged identifier hashes to people, with their team on each row's day.

    Parameters
    ----------
    store : Store
    data : DataFrame
        A keyed hash of an identifier per row (``identity``; missing allowed) and a date
        (``day``). Not modified.

    Returns
    -------
    DataFrame
        A copy of ``data`` (same index and order) with ``person_id`` (the resolved person;
        missing where ``identity`` is), ``team`` and ``department`` on ``day`` (missing
        when the person was not employed that day; a missing department of an employed
        person reads ``"(no department)"``), ``employed`` (bool: in the roster on ``day``)
        and ``in_roster`` (bool: in the roster on any day; a row of someone the roster never
        knew may be placed in a team by what its source states, e.g. a survey's self-reported
        team or a Viva Insights HR attribute).
    """
    missing = [c for c in (identity, day) if c not in data.columns]
    if missing:
        raise ColumnNotFoundError(
            f"resolve_people: column(s) {missing!r} not found; available: "
            f"{list(data.columns)!r}. Pass identity= and day= naming them.")
    check_canonical(store)
    keys = pd.DataFrame({"_k": range(len(data)),
                         "_id": data[identity].astype(object).where(data[identity].notna(),
                                                                     None).to_numpy(),
                         "_day": pd.to_datetime(data[day]).dt.date.to_numpy()})
    store.con.register("_resolve_keys", keys)
    try:
        found = store.con.execute(f"""
            WITH ids AS (
                SELECT k._k, k._day, coalesce(m.person_id, k._id) AS person_id
                FROM _resolve_keys k LEFT JOIN identity_map m ON m.identity_hash = k._id
            )
            SELECT ids._k, ids.person_id, p.team,
                   CASE WHEN p.person_id IS NOT NULL
                        THEN coalesce(p.department, {sql_literal(NO_DEPARTMENT)}) END
                       AS department,
                   p.person_id IS NOT NULL AS employed,
                   ids.person_id IN (SELECT person_id FROM people) AS in_roster
            FROM ids LEFT JOIN people p
              ON p.person_id = ids.person_id AND ids._day BETWEEN p.valid_from AND p.valid_to
            ORDER BY ids._k""").df()
    finally:
        store.con.unregister("_resolve_keys")
    out = data.drop(columns=[c for c in ("person_id", "team", "department", "employed",
                                         "in_roster")
                             if c in data.columns and c != identity])
    out = out.copy()
    out["person_id"] = found["person_id"].to_numpy()
    out["team"] = found["team"].to_numpy()
    out["department"] = found["department"].to_numpy()
    out["employed"] = found["employed"].astype(bool).to_numpy()
    out["in_roster"] = found["in_roster"].astype("boolean").fillna(False).astype(bool).to_numpy()
    return out


def load_active_people(store, *, start: _Day, end: _Day) -> pd.DataFrame:
    """People known to be active on any AI tool on a day between ``start`` and ``end``.

    The rule of the period marts, for a span of days: a daily source's active days and a
    last-activity source's last active day count when they fall in the span; a window source
    counts when its window lies wholly inside the span, or its first or last active day falls
    in it. A window only overlapping the span with no known day in it does not count.

    Returns
    -------
    DataFrame
        Columns ``person_id`` (resolved), ``active_days`` (distinct days with events of
        daily sources; 0 when known only from other sources), ``events``; one row per person.
    """
    check_canonical(store)
    lo, hi = _iso(start, "load_active_people"), _iso(end, "load_active_people")
    return store.query(f"""
        WITH known AS (
            SELECT person_id, CASE WHEN evidence = 'day' THEN day END AS day,
                   coalesce(events, 0) AS events
            FROM person_tool_days WHERE day BETWEEN DATE '{lo}' AND DATE '{hi}'
            UNION ALL
            SELECT person_id, NULL, 0 FROM person_tool_windows
            WHERE (window_start >= DATE '{lo}' AND window_end <= DATE '{hi}')
               OR coalesce(first_active BETWEEN DATE '{lo}' AND DATE '{hi}', false)
               OR coalesce(last_active BETWEEN DATE '{lo}' AND DATE '{hi}', false)
        )
        SELECT person_id, count(DISTINCT day) AS active_days, sum(events) AS events
        FROM known GROUP BY person_id ORDER BY person_id""")
