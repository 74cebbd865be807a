"""Usage events of the demo organisation: who used which tool's feature on which day.

Adoption is drawn month by month for all seats at once. Each person has a latent
propensity ``u`` (stratified within their team, so a team's active share follows its curve
closely) plus a little month-to-month noise; a seat is active in a month when that propensity
falls below the team's adoption curve for the tool. Active seats then use the tool on a number
of working days set by the person's intensity (power, habitual, occasional), and each day on
one or more features. One event row is one person x day x feature. People of the habit team
(:data:`adoption.demo.story.HABIT_TEAM`) use a tool on a few days a month in their first
active months (novices) and then with their own intensity, never only occasionally
(habitual or power users).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from adoption.demo.org import Org
from adoption.demo.seats import Seats
from adoption.demo.story import (
    CONTRACTOR_EMAILS,
    DEPARTMENTS,
    FULL_COVERAGE_TEAMS,
    HABIT_TEAM,
    NOVICE_DAYS,
    NOVICE_MONTHS,
    TOOLS,
    add_months,
    curve_share,
    draw_curves,
)

__all__ = ["EVENT_COLUMNS", "EventFormatter", "Events", "bad_rows_table", "build_events"]

EVENT_COLUMNS = ["timestamp", "email", "tool", "feature", "count"]
TIME_ZONE = "Europe/Berlin"
#: share of people per intensity segment and their active days per month (low, high)
SEGMENT_SHARES = (0.4, 0.42, 0.18)
SEGMENT_DAYS = ((16, 20), (10, 16), (2, 6))
SEGMENT_COUNT_FACTOR = np.array([1.5, 1.0, 0.6])
MONTH_NOISE = 0.03
#: people who use ChatGPT Enterprise without a seat
UNSEATED_USERS = 10
#: e-mail spellings: as listed, First letter upper, ALL UPPER, padded with spaces
EMAIL_VARIANT_P = (0.975, 0.015, 0.004, 0.006)
UTC_SHARE = 0.003


@dataclass(frozen=True)
class Events:
    """Event rows as parallel arrays (person ``>= org.size`` is a contractor)."""

    person: np.ndarray
    day: np.ndarray
    second: np.ndarray
    tool: np.ndarray
    feature: np.ndarray
    count: np.ndarray


def _day_index(dates: np.ndarray, first: np.datetime64, missing: int) -> np.ndarray:
    """Days since ``first``; ``missing`` where the date is NaT."""
    return np.where(np.isnat(dates), missing, (dates - first).astype(int))


def _stratified_propensity(rng: np.random.Generator, team: np.ndarray) -> np.ndarray:
    """Uniform(0, 1) per person, evenly spread within each team."""
    order = np.lexsort((rng.random(len(team)), team))
    sorted_team = team[order]
    first = np.searchsorted(sorted_team, sorted_team, side="left")
    size = np.searchsorted(sorted_team, sorted_team, side="right") - first
    u = np.empty(len(team))
    u[order] = (np.arange(len(team)) - first + rng.random(len(team))) / size
    return u


def _unseated(rng: np.random.Generator, org: Org, seats: Seats, tool: int,
              first: np.datetime64) -> np.ndarray:
    """A few engineers, employed all period, without a seat of ``tool``."""
    engineering = [org.teams.index(t) for t in DEPARTMENTS["Engineering"]
                   if t not in FULL_COVERAGE_TEAMS]
    seated = np.zeros(org.size, bool)
    seated[seats.person[seats.tool == tool]] = True
    pool = np.flatnonzero(np.isin(org.home_team, engineering) & np.isnat(org.end_date)
                          & (org.start_date < first) & ~seated)
    return np.sort(rng.choice(pool, UNSEATED_USERS, replace=False))


def build_events(rng: np.random.Generator, org: Org, seats: Seats, *, start: dt.date,
                 months: int) -> Events:
    """Draw every event of the period; rows sorted by day, time and person."""
    first = np.datetime64(start, "D")
    bounds = [(np.datetime64(add_months(start, m), "D") - first).astype(int)
              for m in range(months + 1)]
    n_days = bounds[-1]
    weekday = (np.arange(n_days) + start.weekday()) % 7 < 5
    n = org.size
    u = _stratified_propensity(rng, org.home_team)
    segment = rng.choice(3, n, p=SEGMENT_SHARES)
    noise = rng.normal(0.0, MONTH_NOISE, (n, months))
    curves = draw_curves(rng, org.teams)
    params = [np.array([getattr(c, f) for c in curves])
              for f in ("cap", "rate", "midpoint", "fade_after", "fade_rate")]

    # seats, plus ChatGPT use without a seat by a few engineers
    chat = [t.name for t in TOOLS].index("ChatGPT Enterprise")
    extra = _unseated(rng, org, seats, chat, first)
    person = np.concatenate([seats.person, extra])
    tool = np.concatenate([seats.tool, np.full(len(extra), chat)])
    begin = np.concatenate([(seats.assigned_on - first).astype(int), np.full(len(extra), 20)])
    stop = np.minimum(_day_index(seats.removed_on - 1, first, n_days),
                      _day_index(org.end_date[seats.person], first, n_days))
    stop = np.concatenate([stop, np.full(len(extra), n_days)])
    rollout = np.concatenate([seats.rollout_month, np.ones(len(extra), int)])
    reach = np.concatenate([seats.reach, np.full(len(extra), 0.5)])
    seat_segment = np.concatenate([segment[seats.person], np.full(len(extra), 2)])
    team = org.home_team[person]
    habit = team == org.teams.index(HABIT_TEAM)
    seat_segment[habit & (seat_segment == 2)] = 1  # the habit team ends habitual or power
    novice_months = np.where(habit, np.array(NOVICE_MONTHS)[person % len(NOVICE_MONTHS)], 0)
    months_active = np.zeros(len(person), int)
    days_factor = np.array([t.days_factor for t in TOOLS])[tool]
    own_lo = np.array([d[0] for d in SEGMENT_DAYS])[seat_segment]
    own_hi = np.array([d[1] for d in SEGMENT_DAYS])[seat_segment]

    seat_parts, day_parts = [], []
    for m in range(months):  # one pass per month, all seats at once
        d0, d1 = bounds[m], bounds[m + 1] - 1
        share = reach * curve_share(m - rollout, *(p[team] for p in params))
        active = np.flatnonzero((begin <= d1) & (stop >= d0)
                                & (u[person] + noise[person, m] < share))
        novice = months_active[active] < novice_months[active]
        lo = np.where(novice, NOVICE_DAYS[0], own_lo[active])
        hi = np.where(novice, NOVICE_DAYS[1], own_hi[active])
        months_active[active] += 1
        workdays = np.flatnonzero(weekday[d0:d1 + 1]) + d0
        allowed = ((workdays[None, :] >= begin[active, None])
                   & (workdays[None, :] <= stop[active, None]))
        target = rng.integers(lo, hi + 1) * days_factor[active]
        use = (rng.random(allowed.shape) < (target / len(workdays))[:, None]) & allowed
        missing = np.flatnonzero(~use.any(axis=1) & allowed.any(axis=1))
        pick = np.argmax(rng.random((len(missing), len(workdays))) * allowed[missing], axis=1)
        use[missing, pick] = True
        rows, cols = np.nonzero(use)
        seat_parts.append(active[rows])
        day_parts.append(workdays[cols])
    seat_day = np.concatenate(seat_parts)
    day = np.concatenate(day_parts)

    parts = []
    offset = np.cumsum([0] + [len(t.features) for t in TOOLS])
    for t, spec in enumerate(TOOLS):  # one pass per tool
        idx = np.flatnonzero(tool[seat_day] == t)
        used = rng.random((len(idx), len(spec.features))) < np.array(spec.feature_probs)
        used[~used.any(axis=1), 0] = True
        rows, cols = np.nonzero(used)
        factor = SEGMENT_COUNT_FACTOR[seat_segment[seat_day[idx[rows]]]]
        mean = np.array(spec.feature_means)[cols] * factor
        count = np.clip(1 + rng.poisson(np.maximum(mean - 1, 0.2)), 1, 30)
        parts.append((person[seat_day[idx[rows]]], day[idx[rows]], np.full(len(rows), t),
                      offset[t] + cols, count))
    parts.append(_contractor_events(rng, n, np.flatnonzero(weekday), offset))
    p, d, t, f, c = (np.concatenate(x) for x in zip(*parts, strict=True))
    hours = np.where(rng.random(len(p)) < 0.55, rng.normal(10.25, 1.3, len(p)),
                     rng.normal(14.5, 1.6, len(p)))
    late_or_early = (hours < 7.5) | (hours > 19.5)
    hours[late_or_early] = rng.uniform(8.0, 18.0, late_or_early.sum())
    second = (hours * 3600).astype(int)
    order = np.lexsort((f, p, second, d))
    return Events(p[order], d[order], second[order], t[order], f[order], c[order])


def _contractor_events(rng, n_people, workdays, offset) -> tuple[np.ndarray, ...]:
    size = 5 * len(CONTRACTOR_EMAILS)
    person = n_people + np.repeat(np.arange(len(CONTRACTOR_EMAILS)), 5)
    tool = rng.integers(0, 2, size)  # GitHub Copilot or ChatGPT Enterprise
    return (person, np.sort(rng.choice(workdays, size, replace=False)), tool, offset[tool],
            rng.integers(1, 9, size))


def _email_variants(emails: np.ndarray) -> np.ndarray:
    """Flat array: index ``4 * person + variant``."""
    variants = [[e, e[:1].upper() + e[1:], e.upper(), f" {e} "] for e in emails]
    return np.array(variants, dtype=object).ravel()


def _offsets(start: dt.date, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Per day: ISO date and the UTC offset of local noon in :data:`TIME_ZONE`, in seconds."""
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    days = [start + dt.timedelta(days=i) for i in range(n_days)]
    offset = [dt.datetime(d.year, d.month, d.day, 12, tzinfo=zone).utcoffset() for d in days]
    return (np.array([d.isoformat() for d in days], dtype=object),
            np.array([int(o.total_seconds()) for o in offset]))


class EventFormatter:
    """Turns :class:`Events` rows into the text columns an export would hold."""

    def __init__(self, rng: np.random.Generator, org: Org, events: Events, start: dt.date):
        n_days = int(events.day.max()) + 1 if len(events.day) else 1
        self.events = events
        self.dates, self.offsets = _offsets(start, n_days)
        emails = np.concatenate([org.emails, np.array(CONTRACTOR_EMAILS, dtype=object)])
        self.emails = pa.array(_email_variants(emails), pa.string())
        self.variant = rng.choice(4, len(events.person), p=EMAIL_VARIANT_P)
        self.utc = rng.random(len(events.person)) < UTC_SHARE
        clock = np.arange(86400)
        hms = zip(clock // 3600, clock // 60 % 60, clock % 60, strict=True)
        self.clock = pa.array([f"T{h:02d}:{m:02d}:{s:02d}" for h, m, s in hms], pa.string())
        self.tools = pa.array([t.name for t in TOOLS], pa.string())
        self.features = pa.array([f for t in TOOLS for f in t.features], pa.string())

    def table(self, rows: np.ndarray, *, count_as_text: bool) -> pa.Table:
        """The rows ``rows`` (indices) as a table with :data:`EVENT_COLUMNS`."""
        ev = self.events
        day, utc = ev.day[rows], self.utc[rows]
        offset = self.offsets[day]
        second = np.where(utc, ev.second[rows] - offset, ev.second[rows])
        suffix = np.where(utc, "Z", np.where(offset == 3600, "+01:00", "+02:00")).astype(object)
        timestamp = pc.binary_join_element_wise(
            pa.array(self.dates[day], pa.string()), self.clock.take(pa.array(second)),
            pa.array(suffix, pa.string()), "")
        count = pa.array(ev.count[rows], pa.int64())
        return pa.table({
            "timestamp": timestamp,
            "email": self.emails.take(pa.array(4 * ev.person[rows] + self.variant[rows])),
            "tool": self.tools.take(pa.array(ev.tool[rows])),
            "feature": self.features.take(pa.array(ev.feature[rows])),
            "count": count.cast(pa.string()) if count_as_text else count,
        })


def bad_rows_table(rng: np.random.Generator, good: pa.Table, first_month: str) -> pa.Table:
    """``good`` (all text columns) with malformed rows inserted at random places."""
    broken = [
        {"timestamp": "yesterday"},
        {"timestamp": ""},
        {"timestamp": f"{first_month}-32T10:00:00+01:00"},
        {"email": ""},
        {"count": "-3"},
        {"count": "abc"},
        {"count": "2.5"},
    ]
    at = np.sort(rng.choice(np.arange(1, good.num_rows), len(broken), replace=False))
    sample = good.take(pa.array(at)).to_pylist()  # a broken copy of the row that follows
    rows = [{**s, **b} for s, b in zip(sample, broken, strict=True)]
    bad = pa.Table.from_pylist(rows, schema=good.schema)
    order = np.insert(np.arange(good.num_rows), at, good.num_rows + np.arange(len(broken)))
    return pa.concat_tables([good, bad]).take(pa.array(order))
