"""Reporting periods: months, quarters and weeks, their labels and their SQL."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from adoption.errors import PeriodError

__all__ = [
    "PERIOD_KINDS",
    "PERIOD_STEP_SQL",
    "Period",
    "format_day",
    "label_period",
    "parse_period",
    "period_end_sql",
    "period_freq",
    "period_label_series",
    "period_label_sql",
    "period_axis_label",
    "period_start_sql",
    "period_title",
]

PERIOD_KINDS = ("week", "month", "quarter")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period.

    Attributes
    ----------
    start, end : datetime.date
        First and last day (inclusive).
    kind : str
        ``"week"``, ``"month"`` or ``"quarter"``.
    week_start : int
        First weekday of a week (0 = Monday); only used by weeks.
    """

    start: dt.date
    end: dt.date
    kind: str
    week_start: int = 0

    @property
    def label(self) -> str:
        """``2026-01`` for a month, ``2026-Q1`` for a quarter, the first day for a week."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return self.start.isoformat()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shift(self, n: int) -> Period:
        """The period ``n`` periods later (negative: earlier)."""
        if self.kind == "week":
            start = self.start + dt.timedelta(days=7 * n)
            return Period(start, start + dt.timedelta(days=6), "week", self.week_start)
        months = 1 if self.kind == "month" else 3
        total = self.start.year * 12 + self.start.month - 1 + n * months
        start = dt.date(total // 12, total % 12 + 1, 1)
        return _month_span(start, months, self.kind)

    def previous(self) -> Period:
        return self.shift(-1)

    @property
    def title(self) -> str:
        """The period in words: ``January 2026``, ``Q1 2026``, ``the week of 5 January 2026``."""
        return period_title(self)

    def __str__(self) -> str:
        return self.label


def _month_span(start: dt.date, months: int, kind: str) -> Period:
    total = start.year * 12 + start.month - 1 + months
    end = dt.date(total // 12, total % 12 + 1, 1) - dt.timedelta(days=1)
    return Period(start, end, kind)


def _week_containing(day: dt.date, week_start: int) -> Period:
    start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    return Period(start, start + dt.timedelta(days=6), "week", week_start)


def parse_period(label: str | Period, kind: str | None = None, *, week_start: int = 0) -> Period:
    """Parse a period label.

    Accepts ``2026-01`` (month), ``2026-Q1`` (quarter), ``2026-W03`` (ISO week, aligned to
    ``week_start``) and a date ``2026-01-14`` (the week, month or quarter containing it, as
    ``kind`` says; a week by default).

    Raises
    ------
    PeriodError
        If the label cannot be parsed or contradicts ``kind``.
    """
    if isinstance(label, Period):
        return label
    if kind is not None and kind not in PERIOD_KINDS:
        raise PeriodError(f"Period kind {kind!r} is unknown; use one of {list(PERIOD_KINDS)}.")
    text = str(label).strip()
    found: Period | None = None
    try:
        if m := _MONTH.match(text):
            found = _month_span(dt.date(int(m[1]), int(m[2]), 1), 1, "month")
            if kind == "quarter":
                q = (found.start.month - 1) // 3
                found = _month_span(dt.date(found.start.year, 3 * q + 1, 1), 3, "quarter")
            elif kind == "week":
                found = _week_containing(found.start, week_start)
        elif m := _QUARTER.match(text):
            found = _month_span(dt.date(int(m[1]), 3 * int(m[2]) - 2, 1), 3, "quarter")
        elif m := _ISO_WEEK.match(text):
            monday = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            found = _week_containing(monday, week_start)
        elif _DATE.match(text):
            day = dt.date.fromisoformat(text)
            if kind in (None, "week"):
                found = _week_containing(day, week_start)
            else:
                found = parse_period(f"{day:%Y-%m}", kind, week_start=week_start)
    except ValueError as e:
        raise PeriodError(f"Period {text!r} is not a valid date: {e}.") from e
    if found is None:
        raise PeriodError(
            f"Period {text!r} is not understood. Use a month '2026-01', a quarter '2026-Q1', "
            "an ISO week '2026-W03' or a date '2026-01-12'."
        )
    if kind is not None and found.kind != kind:
        raise PeriodError(
            f"Period {text!r} is a {found.kind} but the period kind is {kind!r}; "
            f"pass a {kind} label or change the period kind."
        )
    return found


def period_start_sql(column: str, kind: str, *, week_start: int = 0) -> str:
    """A DuckDB expression giving the first day of the period containing date ``column``."""
    if kind == "month":
        return f"CAST(date_trunc('month', {column}) AS DATE)"
    if kind == "quarter":
        return f"CAST(date_trunc('quarter', {column}) AS DATE)"
    if kind == "week":
        return f"CAST({column} - CAST((isodow({column}) - 1 - {int(week_start)} + 7) % 7 AS INTEGER) AS DATE)"
    raise PeriodError(f"Period kind {kind!r} is unknown; use one of {list(PERIOD_KINDS)}.")


#: One period's length as a DuckDB interval, per kind.
PERIOD_STEP_SQL = {"week": "INTERVAL 7 DAY", "month": "INTERVAL 1 MONTH",
                   "quarter": "INTERVAL 3 MONTH"}
_FREQ = {"week": "7D", "month": "MS", "quarter": "QS"}


def _check_kind(kind: str) -> None:
    if kind not in PERIOD_KINDS:
        raise PeriodError(f"Period kind {kind!r} is unknown; use one of {list(PERIOD_KINDS)}.")


def period_end_sql(start: str, kind: str) -> str:
    """A DuckDB expression: the last day of the period starting on date ``start``."""
    _check_kind(kind)
    return f"CAST({start} + {PERIOD_STEP_SQL[kind]} - INTERVAL 1 DAY AS DATE)"


def period_label_sql(start: str, kind: str) -> str:
    """A DuckDB expression: the label of the period starting on date ``start`` (see
    :attr:`Period.label`)."""
    _check_kind(kind)
    if kind == "month":
        return f"strftime({start}, '%Y-%m')"
    if kind == "quarter":
        return f"CAST(year({start}) AS VARCHAR) || '-Q' || CAST(quarter({start}) AS VARCHAR)"
    return f"strftime({start}, '%Y-%m-%d')"


def period_label_series(starts, kind: str):
    """Labels of the periods starting on the dates of a pandas Series (see :attr:`Period.label`)."""
    import pandas as pd

    _check_kind(kind)
    starts = pd.to_datetime(pd.Series(starts))
    if kind == "month":
        return starts.dt.strftime("%Y-%m")
    if kind == "quarter":
        return starts.dt.year.astype(str) + "-Q" + starts.dt.quarter.astype(str)
    return starts.dt.strftime("%Y-%m-%d")


def period_freq(kind: str) -> str:
    """The pandas frequency of consecutive period starts (for ``pandas.date_range``).

    Weeks step by seven days from the first start, whatever weekday the week starts on.
    """
    _check_kind(kind)
    return _FREQ[kind]


def format_day(day: dt.date) -> str:
    """A day in words, one style everywhere: ``5 January 2026``."""
    return f"{day.day} {day:%B %Y}"


def period_title(period: Period) -> str:
    """The period in words: ``January 2026``, ``Q1 2026``, ``the week of 5 January 2026``."""
    if period.kind == "month":
        return f"{period.start:%B %Y}"
    if period.kind == "quarter":
        return f"Q{(period.start.month - 1) // 3 + 1} {period.start.year}"
    return f"the week of {format_day(period.start)}"


def period_axis_label(period: Period | str) -> str:
    """The period on a chart's time axis, one short style for every chart.

    ``Jan 2026`` for a month, ``Q1 2026`` for a quarter, a week's first day ``5 Jan 2026``;
    a stored label (``"2026-01"``) is read with :func:`label_period`.

    Examples
    --------
    >>> period_axis_label("2026-01"), period_axis_label("2026-Q1")
    ('Jan 2026', 'Q1 2026')
    >>> period_axis_label("2026-01-05")
    '5 Jan 2026'
    """
    p = period if isinstance(period, Period) else label_period(str(period))
    if p.kind == "month":
        return f"{p.start:%b %Y}"
    if p.kind == "quarter":
        return period_title(p)
    return f"{p.start.day} {p.start:%b %Y}"


def label_period(label: str, kind: str | None = None) -> Period:
    """The period a stored label names; a week's label is its first day, whatever the week start."""
    if kind in (None, "week"):
        try:
            day = dt.date.fromisoformat(label)
        except ValueError:
            day = None
        if day is not None:
            return parse_period(label, "week", week_start=day.weekday())
    return parse_period(label, kind)
