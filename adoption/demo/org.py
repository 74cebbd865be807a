"""The demo organisation's people and its three roster snapshots.

People are numbered ``0..n-1``; every attribute is a numpy array indexed by that number.
Joiners are appended after the people present at the first snapshot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from adoption.demo.story import (
    DEPARTMENTS,
    FAST_TEAMS,
    SMALL_TEAMS,
    STORY_TEAM_WEIGHTS,
    TINY_TEAM,
    TINY_TEAM_SIZE,
    add_months,
)
from adoption.errors import InputError

__all__ = ["MIN_PEOPLE", "Org", "build_org", "roster_frame"]

MIN_PEOPLE = 500
ROSTER_COLUMNS = ["email", "name", "team", "department", "manager_email", "location", "role",
                  "start_date", "end_date", "as_of"]
LEAVE_RATE, MOVE_RATE, JOIN_RATE, NOTICE_RATE = 0.03, 0.035, 0.04, 0.015

FIRST_NAMES = (
    "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Laura", "Paul", "Lea", "Maximilian",
    "Julia", "Jürgen", "Zoë", "José", "Łukasz", "Søren", "Emma", "Noah", "Mia", "Elias", "Hannah",
    "Ben", "Clara", "David", "Sara", "Tomás", "Inês", "Mateo", "Olivia", "Liam", "Chloé",
    "Lucas", "Eva", "Jakub", "Zofia", "Ahmed", "Fatima", "Yusuf", "Aylin", "Ravi", "Priya",
    "Chen", "Mei", "Kenji", "Aiko", "Oliver", "Amelia", "Henrik", "Ingrid", "Björn", "Astrid",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Schäfer", "Koch", "Richter", "Klein", "Wolf", "García", "Martínez", "Rossi", "Bianchi",
    "Dubois", "Lefèvre", "Jansen", "de Vries", "van Dijk", "Nowak", "Kowalski", "Wiśniewska",
    "Novák", "Svoboda", "Silva", "Santos", "Ferreira", "O'Brien", "Murphy", "Smith", "Jones",
    "Taylor", "Brown", "Andersson", "Johansson", "Nielsen", "Hansen", "Yılmaz", "Kaya", "Sharma",
    "Patel", "Wang", "Li", "Tanaka", "Sato", "Kim", "Ivanova", "Horvat",
)
CITIES = ("Berlin", "Munich", "Hamburg", "Amsterdam", "London", "Lisbon", "Warsaw")
CITY_WEIGHTS = (0.32, 0.16, 0.1, 0.14, 0.12, 0.07, 0.09)
ROLES = {
    "Engineering": ("Software Engineer", "Senior Software Engineer", "Staff Engineer",
                    "Software Engineer II", "Principal Engineer"),
    "Sales": ("Account Executive", "Senior Account Executive", "Sales Development Representative",
              "Account Manager"),
    "Marketing": ("Marketing Specialist", "Content Strategist", "Marketing Analyst",
                  "Campaign Manager"),
    "Finance": ("Accountant", "Financial Analyst", "Senior Financial Analyst", "Controller"),
    "Operations": ("Operations Specialist", "Support Agent", "Senior Support Agent",
                   "Coordinator"),
    "People & Legal": ("HR Business Partner", "Recruiter", "Legal Counsel", "Paralegal",
                       "People Specialist"),
}
TEAM_ROLES = {
    "Data Science": ("Data Scientist", "Senior Data Scientist", "Data Analyst"),
    "Machine Learning": ("Machine Learning Engineer", "Senior Machine Learning Engineer"),
    "Site Reliability": ("Site Reliability Engineer", "Senior Site Reliability Engineer"),
}
LEAD_ROLES = {"Engineering": "Engineering Manager", "Sales": "Sales Manager"}

_ASCII = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ë": "e", "é": "e", "è": "e",
                        "á": "a", "í": "i", "ê": "e", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O",
                        "ś": "s", "ı": "i", "ç": "c", "'": "", " ": ""})


def _ascii(name: str) -> str:
    return name.translate(_ASCII).lower()


@dataclass(frozen=True)
class Org:
    """People and their team at each roster snapshot.

    ``team_at[k, i]`` is person ``i``'s team index in snapshot ``k`` (-1: not listed);
    ``end_shown_from[i]`` is the first snapshot that shows their end date.
    """

    teams: tuple[str, ...]
    team_department: np.ndarray
    departments: tuple[str, ...]
    snapshot_dates: tuple[dt.date, ...]
    names: np.ndarray
    emails: np.ndarray
    locations: np.ndarray
    roles: np.ndarray
    start_date: np.ndarray
    end_date: np.ndarray
    end_shown_from: np.ndarray
    team_at: np.ndarray
    home_team: np.ndarray
    is_lead: np.ndarray
    is_head: np.ndarray
    lead_of_team: np.ndarray
    head_of_department: np.ndarray

    @property
    def size(self) -> int:
        """Number of people ever listed."""
        return len(self.emails)


def _team_sizes(rng: np.random.Generator, teams: tuple[str, ...], people: int) -> np.ndarray:
    fixed = {TINY_TEAM: TINY_TEAM_SIZE, **SMALL_TEAMS}
    weights = rng.uniform(48.0, 120.0, len(teams))
    for team, weight in STORY_TEAM_WEIGHTS.items():
        weights[teams.index(team)] = weight
    free = np.array([t not in fixed for t in teams])
    weights[~free] = 0.0
    share = weights / weights.sum() * (people - sum(fixed.values()))
    sizes = np.floor(share).astype(int)
    short = people - sum(fixed.values()) - sizes.sum()
    sizes[np.argsort(-(share - sizes), kind="stable")[:short]] += 1
    for team, size in fixed.items():
        sizes[teams.index(team)] = size
    return sizes


def _names_and_emails(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    occurrence = pd.Series(np.zeros(n)).groupby([first, last]).cumcount().to_numpy() + 1
    first_ascii = [_ascii(x) for x in FIRST_NAMES]
    last_ascii = [_ascii(x) for x in LAST_NAMES]
    pairs = list(zip(first, last, strict=True))
    names = np.array([f"{FIRST_NAMES[f]} {LAST_NAMES[s]}" for f, s in pairs], dtype=object)
    emails = np.array([f"{first_ascii[f]}.{last_ascii[s]}{k}@example.com"
                       for f, s, k in zip(first, last, occurrence, strict=True)], dtype=object)
    return names, emails


def build_org(rng: np.random.Generator, *, people: int, start: dt.date) -> Org:
    """Draw the organisation: ``people`` at the first snapshot, then moves, joiners, leavers."""
    if not isinstance(people, int) or people < MIN_PEOPLE:
        raise InputError(f"demo: people is {people!r}; the demo organisation needs at least "
                         f"{MIN_PEOPLE} people to fill its teams. Use e.g. people=2400.")
    departments = tuple(DEPARTMENTS)
    teams = tuple(t for d in departments for t in DEPARTMENTS[d])
    team_dept = np.array([departments.index(d) for d in departments for _ in DEPARTMENTS[d]])
    sizes = _team_sizes(rng, teams, people)
    snapshots = tuple(add_months(start, 4 * k) for k in range(3))
    n_join = round(JOIN_RATE * people)
    n = people + 2 * n_join
    day0 = np.datetime64(start, "D")

    team0 = np.repeat(np.arange(len(teams)), sizes)
    block_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    is_lead = np.zeros(n, bool)
    is_lead[block_start] = True
    is_head = np.zeros(n, bool)
    first_team_of_dept = [teams.index(DEPARTMENTS[d][0]) for d in departments]
    is_head[block_start[first_team_of_dept] + 1] = True
    # shuffle the people present at the start so that numbering does not follow teams
    order = rng.permutation(people)
    team0, is_lead[:people], is_head[:people] = team0[order], is_lead[order], is_head[order]
    lead_of_team = np.flatnonzero(is_lead[:people])[np.argsort(team0[is_lead[:people]])]
    head_of_dept = np.flatnonzero(is_head[:people])[np.argsort(team_dept[team0[is_head[:people]]])]

    team_at = np.full((3, n), -1)
    team_at[0, :people] = team0
    tenure = np.where(is_lead[:people] | is_head[:people], rng.uniform(400, 4000, people),
                      np.minimum(rng.exponential(1100, people) + 14, 6000))
    start_date = np.empty(n, "datetime64[D]")
    start_date[:people] = day0 - tenure.astype(int)
    end_date = np.full(n, np.datetime64("NaT"), "datetime64[D]")
    end_shown = np.full(n, 99)
    fixed = np.isin(np.arange(len(teams)), [teams.index(t) for t in (TINY_TEAM, *SMALL_TEAMS)])
    movable = ~fixed & ~np.isin(np.arange(len(teams)),
                                [teams.index(t) for t in (*FAST_TEAMS, *STORY_TEAM_WEIGHTS)])
    alive = np.zeros(n, bool)
    alive[:people] = True
    for k in range(2):
        span = (snapshots[k + 1] - snapshots[k]).days
        sk = np.datetime64(snapshots[k], "D")
        cur = team_at[k]
        churnable = alive & ~is_lead & ~is_head & (cur >= 0) & ~fixed[np.maximum(cur, 0)]
        leaving = churnable & (rng.random(n) < LEAVE_RATE)
        end_date[leaving] = sk + rng.integers(1, span + 1, n)[leaving]
        end_shown[leaving] = k + 1
        nxt = np.where(alive, cur, -1)
        moving = np.flatnonzero(churnable & ~leaving & movable[np.maximum(cur, 0)]
                                & (rng.random(n) < MOVE_RATE))
        for i in moving:  # one small loop per mover (~3 % of people)
            same = team_dept == team_dept[cur[i]]
            weights = movable * np.where(same, 3.0, 1.0) * (np.arange(len(teams)) != cur[i])
            nxt[i] = rng.choice(len(teams), p=weights / weights.sum())
        joiners = np.arange(people + k * n_join, people + (k + 1) * n_join)
        weights = sizes * ~fixed
        nxt[joiners] = rng.choice(len(teams), n_join, p=weights / weights.sum())
        start_date[joiners] = sk + rng.integers(1, span + 1, n_join)
        team_at[k + 1] = nxt
        alive[joiners] = True
        alive &= ~leaving
    # people under notice at the last snapshot: shown there with a future end date
    last = np.datetime64(snapshots[2], "D")
    cur = team_at[2]
    churnable = alive & ~is_lead & ~is_head & (cur >= 0) & ~fixed[np.maximum(cur, 0)]
    notice = churnable & (rng.random(n) < NOTICE_RATE)
    end_date[notice] = last + rng.integers(1, 28, n)[notice]
    end_shown[notice] = 2

    home = np.where(team_at[0] >= 0, team_at[0], np.where(team_at[1] >= 0, team_at[1], team_at[2]))
    names, emails = _names_and_emails(rng, n)
    return Org(
        teams=teams, team_department=team_dept, departments=departments,
        snapshot_dates=snapshots, names=names, emails=emails,
        locations=_locations(rng, home, len(teams)), roles=_roles(rng, home, is_lead, is_head,
                                                                  teams, team_dept, departments),
        start_date=start_date, end_date=end_date, end_shown_from=end_shown, team_at=team_at,
        home_team=home, is_lead=is_lead, is_head=is_head, lead_of_team=lead_of_team,
        head_of_department=head_of_dept,
    )


def _locations(rng: np.random.Generator, home: np.ndarray, n_teams: int) -> np.ndarray:
    team_city = rng.choice(len(CITIES), n_teams, p=CITY_WEIGHTS)
    other = rng.choice(len(CITIES), len(home), p=CITY_WEIGHTS)
    city = np.where(rng.random(len(home)) < 0.7, team_city[home], other)
    return np.array(CITIES, dtype=object)[city]


def _roles(rng, home, is_lead, is_head, teams, team_dept, departments) -> np.ndarray:
    roles = np.empty(len(home), dtype=object)
    pick = rng.random(len(home))
    for t, team in enumerate(teams):  # one pass per team
        dept = departments[team_dept[t]]
        options = TEAM_ROLES.get(team, ROLES[dept])
        members = home == t
        roles[members] = np.array(options, dtype=object)[(pick[members] * len(options)).astype(int)]
        roles[members & is_lead] = LEAD_ROLES.get(dept, "Team Lead")
        roles[members & is_head] = f"Head of {dept}"
    return roles


def roster_frame(org: Org, k: int) -> pd.DataFrame:
    """Snapshot ``k`` of the roster as the HR system would export it (all columns as text)."""
    listed = np.flatnonzero(org.team_at[k] >= 0)
    team = org.team_at[k, listed]
    dept = org.team_department[team]
    manager = org.lead_of_team[team]
    manager = np.where(org.is_lead[listed], org.head_of_department[dept], manager)
    manager = np.where(org.is_head[listed], -1, manager)
    end = np.datetime_as_string(org.end_date[listed], unit="D").astype(object)
    end[(org.end_shown_from[listed] > k) | (end == "NaT")] = ""
    return pd.DataFrame({
        "email": org.emails[listed],
        "name": org.names[listed],
        "team": np.array(org.teams, dtype=object)[team],
        "department": np.array(org.departments, dtype=object)[dept],
        "manager_email": np.where(manager >= 0, org.emails[np.maximum(manager, 0)], ""),
        "location": org.locations[listed],
        "role": org.roles[listed],
        "start_date": np.datetime_as_string(org.start_date[listed], unit="D"),
        "end_date": end,
        "as_of": org.snapshot_dates[k].isoformat(),
    }, columns=ROSTER_COLUMNS)
