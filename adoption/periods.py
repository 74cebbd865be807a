"""Reporting periods: months, quarters and weeks, their labels and their SQL."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from adoption.errors import PeriodError

__all__ = ["PERIOD_KINDS", "Period", "parse_period", "period_start_sql"]

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
