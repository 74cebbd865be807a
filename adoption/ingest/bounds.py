"""Plausible dates: the range a timestamp or snapshot date must fall in to be loaded.

A date outside ``[workspace start - 10 years, today + 1 day]`` is a typo or a placeholder
(2099, 9999, year 1, 1970-01-01 from an empty Unix time), never activity: its row is rejected
with the range in the reason, instead of stretching every period table to the year 9999.

- **today** is the current date in the workspace's time zone (one day of grace, for exports
  made in a time zone ahead of it);
- the **workspace start** is the earliest date the store already holds: the first roster
  snapshot's ``as_of`` or the first day of any loaded file. In an empty store it is today, so
  the first file may reach back 10 years; ingest an older roster snapshot first to go back
  further.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import duckdb

__all__ = ["YEARS_BACK", "DateBounds", "date_bounds"]

#: How many years before the workspace start a date may be.
YEARS_BACK = 10


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class DateBounds:
    """The plausible dates, inclusive at both ends."""

    low: dt.date
    high: dt.date
    start: dt.date

    def outside_sql(self, day: str) -> str:
        """SQL condition: the DATE expression ``day`` is outside the range."""
        return f"({day} < DATE '{self.low.isoformat()}' OR {day} > DATE '{self.high.isoformat()}')"

    def describe(self) -> str:
        return (f"{self.low} to {self.high} ({YEARS_BACK} years before the workspace's start "
                f"{self.start}, to tomorrow)")

    def fix(self) -> str:
        """The fix for a value outside, for reasons."""
        return (f"is outside the plausible dates {self.describe()}; correct the date (for older "
                "history, ingest an older roster snapshot first)")


def date_bounds(con: duckdb.DuckDBPyConnection, time_zone: str, *,
                today: dt.date | None = None) -> DateBounds:
    """The plausible range for a batch about to load into the store of ``con``."""
    today = today or dt.datetime.now(zoneinfo.ZoneInfo(time_zone)).date()
    earliest = con.execute("""
        SELECT least((SELECT min(as_of) FROM roster_snapshots),
                     (SELECT min(first_date) FROM ingest_log))""").fetchone()[0]
    start = min(earliest, today) if earliest is not None else today
    return DateBounds(low=_years_before(start, YEARS_BACK), high=today + dt.timedelta(days=1),
                      start=start)
