"""Read the stored outcome KPIs (:func:`load_outcomes`) and the teams they name that the roster
does not know (:func:`find_unknown_outcome_teams`).

Outcome KPIs are team figures the business reports (resolution time, CSAT, cost per case),
not derived from people's records here, so they are returned as stored; whoever shows them
per team applies the privacy gate with the team's headcount (the portfolio does).
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from adoption.errors import InputError, suggestion
from adoption.workspace import open_store

__all__ = ["OUTCOME_COLUMNS", "OUTCOME_PERIOD_KINDS", "find_unknown_outcome_teams",
           "load_outcomes"]

#: The columns of :func:`load_outcomes`.
OUTCOME_COLUMNS = ["team", "period_kind", "period_start", "kpi", "value", "unit", "n"]
#: The period kinds of outcome values: the product's periods and single days.
OUTCOME_PERIOD_KINDS = ("day", "week", "month", "quarter")


def load_outcomes(workspace: Any | str | os.PathLike[str] | None, *, kpi: str | None = None,
                  period_kind: str | None = None) -> pd.DataFrame:
    """The stored outcome KPI values, one row per team x period x KPI.

    Parameters
    ----------
    workspace : Workspace, Store or workspace path
    kpi : str, optional
        Only this KPI (an unknown name raises, with the known ones).
    period_kind : {"day", "week", "month", "quarter"}, optional
        Only values of this kind of period.

    Returns
    -------
    pandas.DataFrame
        Columns ``team, period_kind, period_start`` (the period's first day, datetime64),
        ``kpi, value`` (float), ``unit`` (as the file gave it; may be missing) and ``n``
        (nullable integer: the cases behind the value, when the file gives it), sorted by
        KPI, team, period kind and start.

    Raises
    ------
    InputError
        An unknown period kind, or a KPI with no stored values.
    """
    if period_kind is not None and period_kind not in OUTCOME_PERIOD_KINDS:
        raise InputError(f"load_outcomes: period_kind {period_kind!r} is unknown; use one of "
                         f"{list(OUTCOME_PERIOD_KINDS)}.")
    where, params = [], []
    if kpi is not None:
        where.append("kpi = ?")
        params.append(kpi)
    if period_kind is not None:
        where.append("period_kind = ?")
        params.append(period_kind)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    with open_store(workspace) as store:
        frame = store.query(f"""SELECT team, period_kind, period_start, kpi, value, unit, n
            FROM outcomes {clause} ORDER BY kpi, team, period_kind, period_start""", params)
        if kpi is not None and frame.empty:  # none of this kind, or none at all?
            known = [r[0] for r in store.con.execute(
                "SELECT DISTINCT kpi FROM outcomes ORDER BY 1").fetchall()]
            if kpi not in known:
                close = suggestion(kpi, known)
                raise InputError(
                    f"load_outcomes: no values of KPI {kpi!r} in the store"
                    + (f"; did you mean {close!r}?" if close else ".")
                    + (f" Stored KPIs: {known}." if known else
                       " Ingest an outcome KPI file first (adoption ingest FILE)."))
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["value"] = frame["value"].astype("float64")
    frame["n"] = frame["n"].astype("Int64")
    return frame[OUTCOME_COLUMNS].reset_index(drop=True)


def find_unknown_outcome_teams(workspace: Any | str | os.PathLike[str] | None
                               ) -> list[str]:
    """Teams of the stored outcome KPIs that no roster loaded so far has, sorted.

    Their values are kept (the roster may arrive later, or name the team differently);
    ``adoption usecases check`` lists them. Before any roster every outcome team is listed.
    """
    from adoption.canonical.membership import load_group_labels

    with open_store(workspace) as store:
        teams = [r[0] for r in store.con.execute(
            "SELECT DISTINCT team FROM outcomes ORDER BY 1").fetchall()]
        if not teams:
            return []
        known = set(load_group_labels(store)["team"])
    return [t for t in teams if t not in known]
