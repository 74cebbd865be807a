"""The person x period mart: everyone employed in a period, with their activity in it.

:func:`load_person_periods` brings it into pandas (one row per person x period);
:func:`person_periods_sql` and :func:`person_period_sources_sql` give the same rows as SQL,
so that features which only need figures per group aggregate them inside the store.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from adoption.canonical.marts import _check_kind, _check_tools, check_canonical
from adoption.canonical.period_sql import person_period_sources_query, person_periods_query

__all__ = [
    "PERSON_PERIOD_COLUMNS",
    "load_person_periods",
    "person_period_sources_query",
    "person_period_sources_sql",
    "person_periods_query",
    "person_periods_sql",
]

PERSON_PERIOD_COLUMNS = [
    "period", "period_start", "period_end", "days_in_period", "person_id", "team", "department",
    "has_seat", "active_days", "events", "is_active", "is_new", "was_active_prev",
    "in_prev_population", "is_unknown", "days_known", "sources",
]


def load_person_periods(
    store,
    *,
    period_kind: str = "month",
    tools: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per person x period for everyone employed at least one day of the period.

    Activity is that of any AI tool (default) or of ``tools``, from every source, each used
    only for what it can tell (see :mod:`adoption.canonical.build` for the rule). Periods run
    from the first to the last day with activity data of any source. A person's team and
    department are those of their last employed day within the period.

    Parameters
    ----------
    store : Store
    period_kind : {"week", "month", "quarter"}
    tools : list of str, optional
        Count only these tools (default: any tool).
    periods : list of str, optional
        Only the rows of these period labels (default: every period); ``is_new`` and
        ``was_active_prev`` still look at every period.

    Returns
    -------
    DataFrame
        Columns :data:`PERSON_PERIOD_COLUMNS`:

        - ``period, period_start, period_end, days_in_period`` (days of the period within
          the data's date range), ``person_id, team, department`` (categories);
        - ``has_seat``: held a seat of a counted tool at least one day of the period;
        - ``is_active``: known active on an employed day of the period;
        - ``is_unknown``: not known active, but a window source straddling the period's
          boundary says active with no known day (neither active nor inactive);
        - ``active_days, events``: from daily sources only (distinct days across tools);
          ``days_known``: every source showing the person active is daily, so
          ``active_days`` is complete;
        - ``is_new`` (first known activity falls in this period), ``was_active_prev``,
          ``in_prev_population``;
        - ``sources``: the sources with evidence for the person in the period, comma-joined
          (empty when none).
    """
    sql = person_periods_sql(store, period_kind=period_kind, tools=tools, periods=periods)
    # through Arrow, with text as categories: millions of person-weeks stay small and fast
    frame = store.con.sql(sql).to_arrow_table().to_pandas(strings_to_categorical=True)
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col])
    for col in ("active_days", "events", "days_in_period"):
        frame[col] = frame[col].astype("int64")
    for col in ("has_seat", "is_active", "is_new", "was_active_prev", "in_prev_population",
                "is_unknown", "days_known"):
        frame[col] = frame[col].astype(bool)
    return frame[PERSON_PERIOD_COLUMNS]


def person_periods_sql(store, *, period_kind: str = "month",
                       tools: Sequence[str] | None = None,
                       periods: Sequence[str] | None = None,
                       with_sources: bool = True, ordered: bool = True) -> str:
    """The SQL query of :func:`load_person_periods`, for aggregating it inside the store.

    Features that need figures per group rather than per person wrap this query in their own
    ``GROUP BY`` so that the person-period rows never leave the database.

    Parameters
    ----------
    store : Store
    period_kind : {"week", "month", "quarter"}
    tools : list of str, optional
        Count only these tools (default: any tool).
    periods : list of str, optional
        Return only the rows of these period labels (default: every period). Whether a person
        is new or was active the period before still looks at every period.
    with_sources : bool, default True
        Include the ``sources`` column (leave it out when grouping: the sources of a group
        come from :func:`person_period_sources_sql` at a fraction of the cost).
    ordered : bool, default True
        Order the rows by ``period_start`` (not needed when grouping).

    Returns
    -------
    str
        A ``SELECT`` with the columns of :data:`PERSON_PERIOD_COLUMNS` (dates as DATE,
        ``department`` possibly missing).
    """
    _check_kind(period_kind, "person_periods_sql")
    check_canonical(store)
    tools = _check_tools(store, tools)
    week_start = store.settings.week_start_index if tools and len(tools) > 1 else 0
    return person_periods_query(period_kind, tools=tools, periods=periods,
                                with_sources=with_sources, ordered=ordered,
                                week_start=week_start)


def person_period_sources_sql(store, *, period_kind: str = "month",
                              tools: Sequence[str] | None = None,
                              periods: Sequence[str] | None = None) -> str:
    """The sources with evidence of each person x period of the population, in SQL.

    The long form of :func:`load_person_periods`' ``sources`` column (same people, periods,
    tools and rule: a source whose evidence says active or unknown), so that the sources of a
    group are a ``SELECT DISTINCT`` inside the store.

    Returns
    -------
    str
        A ``SELECT`` with the columns ``period, person_id, team, department, source``: one
        row per tool a source has evidence of, so a person x period x source can repeat
        (select the distinct rows of what you need; leaving that to the end is faster).
    """
    _check_kind(period_kind, "person_period_sources_sql")
    check_canonical(store)
    return person_period_sources_query(period_kind, tools=_check_tools(store, tools),
                                       periods=periods)
