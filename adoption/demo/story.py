"""The cast and plot of the demo organisation: teams, tools, roll-outs and adoption curves.

Everything the generator needs to know that is *not* random lives here, so that tests and
reports can name the teams with a story (fast, stalling, fading, tiny) from one place, and
the three stories of the report's "Adoption over time" part: a department that starts late
after getting its seats (time to first use), a team whose novices become habitual users (usage
segments) and a department that levels off below the forecast's target share (Bass forecast).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np

from adoption.errors import InputError

__all__ = [
    "DEMO_STORY",
    "DEPARTMENTS",
    "HABIT_TEAM",
    "LATE_START_DEPARTMENT",
    "NOVICE_MONTHS",
    "PLATEAU_DEPARTMENT",
    "ROLLOUTS",
    "TOOLS",
    "Curve",
    "DemoStory",
    "Rollout",
    "ToolSpec",
    "add_months",
    "demo_story",
]

#: department -> its teams, in a fixed order (the first team hosts the department head).
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "Engineering": (
        "Platform", "Data Science", "Mobile", "Web Frontend", "Backend Services",
        "Site Reliability", "Security Engineering", "QA Automation", "Developer Experience",
        "Machine Learning",
    ),
    "Sales": (
        "EMEA Sales", "DACH Sales", "North America Sales", "APAC Sales", "Sales Operations",
        "Customer Success", "Solutions Engineering",
    ),
    "Marketing": (
        "Brand", "Growth Marketing", "Product Marketing", "Content & Communications",
        "Marketing Analytics",
    ),
    "Finance": ("Accounting", "FP&A", "Procurement", "Treasury", "Internal Audit"),
    "Operations": (
        "Customer Support", "Logistics", "Facilities", "IT Service Desk", "Supply Chain",
    ),
    "People & Legal": (
        "Talent Acquisition", "People Partners", "Learning & Development", "Legal",
        "Compliance",
    ),
}

FAST_TEAMS = ("Platform", "Data Science", "Growth Marketing")
STALLING_TEAM = "DACH Sales"
FADING_TEAM = "Mobile"
TINY_TEAM = "Treasury"
TINY_TEAM_SIZE = 3
#: department whose people start using their seats months later than the rest (time to first use)
LATE_START_DEPARTMENT = "Finance"
#: team whose people start as novices and become habitual users (usage segments)
HABIT_TEAM = "Customer Success"
#: months a person of :data:`HABIT_TEAM` uses the tool only now and then before the habit
#: forms (by person number, in turn), and the working days a month they use it meanwhile
NOVICE_MONTHS = (1, 2, 3, 4)
NOVICE_DAYS = (2, 4)
#: department whose adoption levels off below the 60 % the forecast aims at (Bass forecast)
PLATEAU_DEPARTMENT = "Operations"
#: small teams that are still above the default privacy threshold of 5
SMALL_TEAMS: dict[str, int] = {"Internal Audit": 7, "Compliance": 8}
#: relative size of the teams with a story, so that their shares are not noise
STORY_TEAM_WEIGHTS: dict[str, float] = {STALLING_TEAM: 115.0, FADING_TEAM: 105.0}
CONTRACTOR_EMAILS = (
    "ext.maria.gonzalez@example.com",
    "ext.tom.baker@example.com",
    "ext.priya.nair@example.com",
    "ext.lars.eriksen@example.com",
)
#: number of deliberately malformed rows in the CSV usage file
BAD_ROWS = 7


@dataclass(frozen=True)
class ToolSpec:
    """One tool of the catalogue and how its features are used.

    ``feature_probs`` is the chance that a feature is used on a day the tool is used;
    ``feature_means`` the mean number of uses of that feature on such a day.
    """

    name: str
    vendor: str
    category: str
    monthly_seat_cost: float
    features: tuple[str, ...]
    feature_probs: tuple[float, ...]
    feature_means: tuple[float, ...]
    days_factor: float = 1.0
    sanctioned: bool = True
    currency: str = "EUR"


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("GitHub Copilot", "GitHub", "coding assistant", 19.0,
             ("completions", "chat", "review", "agent", "next_edit"),
             (0.95, 0.75, 0.4, 0.25, 0.4), (9.0, 3.0, 1.5, 1.5, 4.0)),
    ToolSpec("ChatGPT Enterprise", "OpenAI", "chat assistant", 55.0,
             ("chat", "gpts", "file_upload", "data_analysis", "canvas", "image_generation"),
             (0.97, 0.55, 0.45, 0.3, 0.25, 0.12), (4.0, 2.0, 1.0, 1.0, 1.5, 1.0)),
    ToolSpec("Microsoft 365 Copilot", "Microsoft", "productivity assistant", 28.1,
             ("word", "excel", "teams", "outlook", "powerpoint", "copilot_chat"),
             (0.5, 0.4, 0.75, 0.7, 0.3, 0.6), (2.0, 2.0, 3.0, 3.0, 1.0, 2.0)),
)


@dataclass(frozen=True)
class Rollout:
    """Seats of one tool handed to some teams in one month of the demo period.

    ``coverage`` is the share of a team's people who get a seat; ``reach`` scales the
    team's adoption curve for this tool (1 for the team's main tool).
    """

    tool: str
    month: int
    teams: tuple[str, ...]
    coverage: float
    reach: float = 1.0


def _teams(*departments: str) -> tuple[str, ...]:
    return tuple(t for d in departments for t in DEPARTMENTS[d])


ROLLOUTS: tuple[Rollout, ...] = (
    Rollout("GitHub Copilot", 0, _teams("Engineering"), 0.92),
    Rollout("GitHub Copilot", 3, ("Marketing Analytics", "IT Service Desk"), 0.45, 0.8),
    Rollout("ChatGPT Enterprise", 0, _teams("Sales", "Marketing"), 0.9),
    Rollout("ChatGPT Enterprise", 2, _teams("Operations", "People & Legal"), 0.85),
    Rollout("ChatGPT Enterprise", 2,
            tuple(t for t in _teams("Engineering") if t != FADING_TEAM), 0.7, 0.8),
    Rollout("ChatGPT Enterprise", 4, _teams("Finance"), 0.85, 0.8),
    Rollout("Microsoft 365 Copilot", 1, _teams("Finance") + ("Sales Operations",), 0.7),
    Rollout("Microsoft 365 Copilot", 2, _teams("People & Legal"), 0.5, 0.8),
    Rollout("Microsoft 365 Copilot", 5, _teams("Marketing"), 0.5, 0.8),
)
#: team leads and department heads everywhere get this tool in this month
LEADERSHIP_ROLLOUT = Rollout("Microsoft 365 Copilot", 1, (), 1.0, 0.8)
#: teams whose every member gets a seat of their main tool, so the story shows cleanly
FULL_COVERAGE_TEAMS = (STALLING_TEAM, FADING_TEAM, TINY_TEAM)


@dataclass(frozen=True)
class Curve:
    """Share of a team active in a month, ``x`` months after its tool arrived.

    A logistic rise to ``cap`` with slope ``rate`` and midpoint ``midpoint``, multiplied by an
    exponential decline at ``fade_rate`` per month after month ``fade_after``.
    """

    cap: float
    rate: float
    midpoint: float
    fade_after: float = 1e9
    fade_rate: float = 0.0


STALL_CURVE = Curve(cap=0.285, rate=1.8, midpoint=1.3)
FADE_CURVE = Curve(cap=0.66, rate=1.3, midpoint=2.2, fade_after=5.0, fade_rate=0.2)
#: (low, high) of cap, rate and midpoint drawn for the teams of a story department or team;
#: late start: a slow, steady rise that reaches half the seat holders only after 7-8 months;
#: plateau: a quick rise that levels off with about half the people ever active;
#: habit team: most people active within three months (then novices become habitual)
LATE_START_RANGES = ((0.82, 0.9), (0.45, 0.55), (6.0, 7.0))
PLATEAU_RANGES = ((0.56, 0.61), (1.3, 1.7), (1.0, 1.6))
HABIT_RANGES = ((0.85, 0.9), (1.3, 1.7), (0.8, 1.3))


def curve_share(x: np.ndarray, cap, rate, midpoint, fade_after, fade_rate) -> np.ndarray:
    """Evaluate :class:`Curve` parameters (scalars or arrays) at months ``x``; 0 before 0."""
    x = np.asarray(x, dtype=float)
    rise = cap / (1.0 + np.exp(-rate * (x - midpoint)))
    fade = np.exp(-fade_rate * np.maximum(0.0, x - fade_after))
    return np.where(x < 0, 0.0, rise * fade)


def draw_curves(rng: np.random.Generator, teams: tuple[str, ...]) -> list[Curve]:
    """One adoption curve per team: fixed for the story teams, drawn for the others.

    Teams of the late-start and plateau departments and the habit team take the same three
    draws as any other team, moved into their story's ranges, so that adding a story does not
    change the curves of the other teams.
    """
    ranges = {team: r for department, r in ((LATE_START_DEPARTMENT, LATE_START_RANGES),
                                             (PLATEAU_DEPARTMENT, PLATEAU_RANGES))
              for team in DEPARTMENTS[department]} | {HABIT_TEAM: HABIT_RANGES}
    curves = []
    for team in teams:
        if team in ranges:
            draws = rng.uniform(0.0, 1.0, 3)  # as many draws as an ordinary team's
            curves.append(Curve(*(lo + d * (hi - lo)
                                  for d, (lo, hi) in zip(draws, ranges[team], strict=True))))
        elif team == STALLING_TEAM:
            curves.append(STALL_CURVE)
        elif team == FADING_TEAM:
            curves.append(FADE_CURVE)
        elif team in FAST_TEAMS:
            curves.append(Curve(rng.uniform(0.9, 0.96), rng.uniform(1.3, 1.7),
                                rng.uniform(0.8, 1.3)))
        else:
            curves.append(Curve(rng.uniform(0.55, 0.8), rng.uniform(0.5, 0.9),
                                rng.uniform(1.2, 4.0)))
    return curves


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months (``day`` is the first of a month)."""
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, day.day)


@dataclass(frozen=True)
class DemoStory:
    """What the demo organisation is designed to show, for tests and report captions.

    Attributes
    ----------
    fast_teams : tuple of str
        Teams that adopt fast (most of the team active within about three months).
    stalling_team : str
        Team that rises to about 25-30 % of its people active by month 4, then stays flat.
    fading_team : str
        Team that rises to about 60 % by month 5, then declines to about 20 %.
    tiny_team : str
        Team of exactly ``tiny_team_size`` people, below the privacy threshold.
    tiny_team_size : int
    small_teams : tuple of str
        Teams of 6-9 people: small but above the threshold of 5.
    late_start_department : str
        Department whose people start late after getting a seat: its Kaplan-Meier median time
        to first use is months longer than the organisation's, intervals apart.
    habit_team : str
        Team whose active people start as novice users and become habitual (or power) users
        after one to four months: its habitual share rises and its novice share falls.
    plateau_department : str
        Department whose adoption levels off with about half its people ever active, so that
        its Bass forecast does not reach the target share of 60 % within the horizon.
    tools : tuple of str
        Tool names, as written in ``tools.csv`` and the usage files.
    departments : tuple of str
    first_day, last_day : str
        First and last day of the usage period (ISO dates, inclusive).
    months : tuple of str
        The months of the period as ``YYYY-MM``.
    snapshot_dates : tuple of str
        ``as_of`` dates of the three roster snapshots.
    bad_rows : int
        Deliberately malformed rows in the CSV usage file.
    contractor_emails : tuple of str
        Addresses in the usage files that are not in any roster.
    """

    fast_teams: tuple[str, ...]
    stalling_team: str
    fading_team: str
    tiny_team: str
    tiny_team_size: int
    small_teams: tuple[str, ...]
    late_start_department: str
    habit_team: str
    plateau_department: str
    tools: tuple[str, ...]
    departments: tuple[str, ...]
    first_day: str
    last_day: str
    months: tuple[str, ...]
    snapshot_dates: tuple[str, ...]
    bad_rows: int
    contractor_emails: tuple[str, ...]

    def as_dict(self) -> dict:
        """The story as a plain dictionary (tuples kept)."""
        return asdict(self)


def check_period(start: str | dt.date, months: int) -> dt.date:
    """Parse ``start`` and raise :class:`InputError` if the period cannot carry the story."""
    try:
        first = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    except ValueError as e:
        raise InputError(f"demo: start {start!r} is not a date; use YYYY-MM-DD, e.g. "
                         "'2025-11-01'.") from e
    if first.day != 1:
        raise InputError(f"demo: start {start!r} is not the first day of a month; the demo "
                         f"period runs in whole months. Use e.g. '{first:%Y-%m}-01'.")
    if not isinstance(months, int) or not 9 <= months <= 36:
        raise InputError(f"demo: months is {months!r}; the story needs 9 to 36 whole months "
                         "(three roster snapshots four months apart). Use e.g. months=12.")
    return first


def demo_story(*, start: str | dt.date = "2025-11-01", months: int = 12) -> DemoStory:
    """The :class:`DemoStory` of a demo starting on ``start`` and lasting ``months`` months."""
    first = check_period(start, months)
    return DemoStory(
        fast_teams=FAST_TEAMS,
        stalling_team=STALLING_TEAM,
        fading_team=FADING_TEAM,
        tiny_team=TINY_TEAM,
        tiny_team_size=TINY_TEAM_SIZE,
        small_teams=tuple(SMALL_TEAMS),
        late_start_department=LATE_START_DEPARTMENT,
        habit_team=HABIT_TEAM,
        plateau_department=PLATEAU_DEPARTMENT,
        tools=tuple(t.name for t in TOOLS),
        departments=tuple(DEPARTMENTS),
        first_day=first.isoformat(),
        last_day=(add_months(first, months) - dt.timedelta(days=1)).isoformat(),
        months=tuple(f"{add_months(first, m):%Y-%m}" for m in range(months)),
        snapshot_dates=tuple(add_months(first, 4 * k).isoformat() for k in range(3)),
        bad_rows=BAD_ROWS,
        contractor_emails=CONTRACTOR_EMAILS,
    )


#: The story of the default demo (``start="2025-11-01"``, ``months=12``).
DEMO_STORY = demo_story()
