"""Display tables and plain-language captions of the report's "Adoption over time" part.

Each ``format_*`` takes a :class:`~adoption.report.dynamics.DynamicsSection` and returns an
HTML-escaped Styler (:func:`adoption.report.tables._style`); each ``describe_*`` returns a
Markdown caption with names escaped. Hidden groups read "hidden (...)" and show no figure.
"""

from __future__ import annotations

import math

import pandas as pd
from pandas.io.formats.style import Styler

from adoption.metrics.segment_trends import SEGMENT_LABELS
from adoption.metrics.segments import SEGMENTS
from adoption.periods import label_period
from adoption.report.dynamics import DynamicsSection
from adoption.report.escape import escape_markdown as md
from adoption.report.tables import (
    DASH,
    _style,
    format_count,
    format_percent,
    format_share,
    hidden_label,
)

__all__ = [
    "TOP_TEAMS",
    "describe_first_use",
    "describe_forecast",
    "describe_retention",
    "describe_segment_trend",
    "describe_team_moves",
    "describe_transitions",
    "format_first_use_table",
    "format_forecast_table",
    "format_retention_table",
    "format_segment_mix_table",
    "format_team_moves_table",
    "format_transition_table",
]

_HORIZONS = (1, 2, 3, 6)
#: Teams listed per tool and source: the most moves up, then the most moves down.
TOP_TEAMS = 3


def _group(row: pd.Series) -> str:
    return "Organisation" if row["level"] == "organisation" else str(row["department"])


def _days(value: object) -> str:
    if value is None or pd.isna(value):
        return DASH
    return "not reached" if math.isinf(float(value)) else f"{float(value):.0f}"


def _median(r: pd.Series) -> str:
    if math.isinf(float(r["median_days"])):
        return "not reached (under half started)"
    return (f"{_days(r['median_days'])} days ({_days(r['median_ci_low'])}{DASH}"
            f"{_days(r['median_ci_high'])})")


def format_first_use_table(section: DynamicsSection) -> Styler:
    """Time to first use per department: people, median days (interval), shares started
    within 30, 60 and 90 days (interval)."""
    rows = []
    for _, r in section.first_use.iterrows():
        if r["suppressed"]:
            rows.append([_group(r), hidden_label(r["suppression_reason"], short=True),
                         DASH, DASH, DASH, DASH])
            continue
        rows.append([_group(r), format_count(r["n"]), _median(r)] + [
            format_share(r[f"started_{d}d"], r[f"started_{d}d_ci_low"],
                         r[f"started_{d}d_ci_high"]) for d in (30, 60, 90)])
    frame = pd.DataFrame(rows, columns=["Group", "People with a start", "Median time to first "
                                        "use", "Started within 30 days", "Within 60 days",
                                        "Within 90 days"])
    return _style(frame, name="first_use")


def describe_first_use(section: DynamicsSection) -> str:
    """Which departments start later than the rest, with the median and its interval."""
    f = section.first_use
    org = f[f["level"] == "organisation"].iloc[0]
    if org["suppressed"]:
        return "Time to first use is hidden to protect privacy."
    conf = f"{section.confidence:.0%}"
    half = ("fewer than half had started by the end of the data" if
            math.isinf(float(org["median_days"])) else f"half had started after {_median(org)}"
            f", {conf} interval in brackets")
    text = (f"Time from getting a seat (or joining, for tools without seats) to the first "
            f"active month, for {format_count(org['n'])} people: {half}. Times are counted to the end of the "
            "month of first use, so they are upper bounds.")
    dept = f[(f["level"] == "department") & ~f["suppressed"].astype(bool)]
    slow = dept[(dept["p_adjusted"] < 1 - section.confidence)
                & (dept["median_days"] > float(org["median_days"]))]
    if len(slow):
        names = ", ".join(f"{md(r.department)} ({_days(r.median_days)} days)"
                          for r in slow.itertuples())
        text += (f" Slower to start than the rest of the organisation, beyond what chance "
                 f"would explain: {names}.")
    else:
        text += " No department starts later than the rest beyond what chance would explain."
    return text


def format_retention_table(section: DynamicsSection) -> Styler:
    """One row per first-use cohort: share still active 1, 2, 3 and 6 months later."""
    r = section.retention
    columns = [f"{h} month{'s' if h > 1 else ''} later" for h in _HORIZONS]
    rows = []
    for cohort, g in r.groupby("cohort", sort=False):
        g = g.set_index("periods_after")
        cells = []
        for h in _HORIZONS:
            if h not in g.index:
                cells.append(DASH)
            elif g.loc[h, "suppressed"]:
                cells.append(hidden_label(g.loc[h, "suppression_reason"], short=True))
            else:
                row = g.loc[h]
                share = format_share(row["retention"], row["retention_ci_low"],
                                     row["retention_ci_high"])
                cells.append(f"{share} of {format_count(row['at_risk'])}")
        size = g["cohort_size"].dropna()
        rows.append([label_period(str(cohort)).title,
                     format_count(size.iloc[0]) if len(size) else DASH, *cells])
    frame = pd.DataFrame(rows, columns=["First used in", "People", *columns])
    return _style(frame, name="retention")


def describe_retention(section: DynamicsSection) -> str:
    """Retention in one or two sentences, with n and interval."""
    r = section.retention
    shown = r[~r["suppressed"].astype(bool)]
    if shown.empty:
        return "No first-use cohort can be followed yet (or every cohort is hidden)."
    last = shown[shown["periods_after"] == shown["periods_after"].max()].iloc[-1]
    return (f"Each row is the people who first used an AI tool in that month; the cells show "
            f"the share of them still employed who were active 1, 2, 3 and 6 months later "
            f"({section.confidence:.0%} interval in brackets, of n people). For example, of the "
            f"{format_count(last['at_risk'])} people who first used a tool in "
            f"{label_period(str(last['cohort'])).title} and were still employed "
            f"{int(last['periods_after'])} months later, "
            f"{format_share(last['retention'], last['retention_ci_low'], last['retention_ci_high'])}"
            " were active then. The first month's cohort holds everyone already active when "
            "the data begin.")


def format_segment_mix_table(section: DynamicsSection) -> Styler:
    """Departments in the report's month: share in each usage segment, per tool and source."""
    s = section.segments
    if s.empty:
        return _style(pd.DataFrame(columns=["Tool", "Group", "People"]), name="dynamics_segments")
    now = s[s["period"] == section.month].copy()
    now["group"] = [_group(r) for _, r in now.iterrows()]
    now["text"] = [hidden_label(r.suppression_reason, short=True) if r.suppressed
                   else format_share(r.share, r.share_ci_low, r.share_ci_high)
                   for r in now.itertuples()]
    rows = []
    for (tool, source, group), g in now.groupby(["tool", "source", "group"], sort=False):
        g = g.set_index("segment")
        n = g["n"].dropna()
        rows.append([f"{tool} ({source})", group, format_count(n.iloc[0]) if len(n) else
                     hidden_label(g["suppression_reason"].iloc[0], short=True),
                     *[g.loc[label, "text"] if label in g.index else DASH
                       for label in SEGMENT_LABELS]])
    frame = pd.DataFrame(rows, columns=["Tool (source)", "Group", "People",
                                        *[x.capitalize() for x in SEGMENT_LABELS]])
    return _style(frame, name="dynamics_segments")


def describe_segment_trend(section: DynamicsSection) -> str:
    """What the segment chart and table show."""
    if section.segments.empty:
        return ("No daily usage source covers these months, so there are no usage segments "
                "over time.")
    return (f"Usage segments look at 12 weeks of each tool: power "
            f"users are active in at least 9 of the last 12 weeks and average at least 15 "
            f"actions a week, habitual users are active in 9 of 12 weeks, novices average at "
            f"least one action a week, low users less. Each month takes its last week. People "
            f"with under 12 weeks of a tool's data are \"insufficient history\"; the shaded "
            f"months are the tool's warm-up, when nobody can have 12 weeks yet. The table shows "
            f"each department in {label_period(section.month).title} "
            f"({section.confidence:.0%} interval in brackets); each tool and source on its own.")


def format_transition_table(section: DynamicsSection) -> Styler:
    """Moves between segments into the report's month, per tool: counts only."""
    t = section.transitions
    columns = ["Tool (source)", "People in both months", "Moved up", "Stayed", "Moved down",
               "Novice to habitual or power", "With insufficient history"]
    if t.empty:
        return _style(pd.DataFrame(columns=columns), name="transitions")
    rows = []
    for (tool, source), g in t.groupby(["tool", "source"], sort=False):
        if g["suppressed"].astype(bool).all():
            rows.append([f"{tool} ({source})",
                         hidden_label(g["suppression_reason"].iloc[0], short=True),
                         DASH, DASH, DASH, DASH, DASH])
            continue
        by = g.groupby("direction")["count"].sum()
        novice = g[(g["from_segment"] == SEGMENTS[2])
                   & g["to_segment"].isin(SEGMENTS[:2])]["count"].sum()
        rows.append([f"{tool} ({source})", format_count(g["n"].iloc[0]),
                     *[format_count(by.get(d, 0)) for d in ("up", "stayed", "down")],
                     format_count(novice),
                     format_count(g.loc[g["direction"].isna(), "count"].sum())])
    return _style(pd.DataFrame(rows, columns=columns), name="transitions")


def describe_transitions(section: DynamicsSection) -> str:
    """What the moves table counts."""
    t = section.transitions
    if t.empty:
        return "There is no earlier month to count moves between usage segments from."
    before = label_period(str(t["period_from"].iloc[0])).title
    return (f"How many people moved between usage segments from {before} to "
            f"{label_period(section.month).title}, for the whole organisation (counts of "
            "people classified in both months; moves to or from \"insufficient history\" "
            "are in neither up nor down).")


def _top_team_moves(section: DynamicsSection) -> pd.DataFrame:
    """Shown teams with the most moves up and the most moves down, per tool and source."""
    t = section.team_moves
    shown = t[~t["suppressed"].astype(bool)]
    picked = []
    for _, g in shown.groupby(["tool", "source"], sort=False):
        up = g[g["moved_up"] > 0].sort_values(["moved_up", "team"],
                                              ascending=[False, True]).head(TOP_TEAMS)
        down = g[g["moved_down"] > 0].sort_values(["moved_down", "team"],
                                                  ascending=[False, True]).head(TOP_TEAMS)
        picked.append(pd.concat([up, down[~down.index.isin(up.index)]]))
    return pd.concat(picked) if picked else shown.iloc[0:0]


def format_team_moves_table(section: DynamicsSection) -> Styler:
    """Per tool: the teams with the most people moving up to a habit and the most moving
    down, since the tool's first month with enough history (counts only; hidden teams are
    not listed)."""
    columns = ["Tool (source)", "Team", "Months compared", "People in both months",
               "Moved up to habitual or power use",
               "Moved down from habitual or power use"]
    top = _top_team_moves(section)
    rows = [[f"{r.tool} ({r.source})", str(r.team),
             f"{label_period(str(r.period_from)).title} to {label_period(str(r.period)).title}",
             format_count(r.n), _people(r.moved_up, sign="+"), _people(r.moved_down, sign="−")]
            for r in top.itertuples()]
    return _style(pd.DataFrame(rows, columns=columns), name="team_moves")


def _people(count: object, *, sign: str) -> str:
    """``"+27 people"``, ``"−1 person"``, ``"0 people"``."""
    n = int(count)
    return (f"{sign if n else ''}{format_count(n)} "
            f"{'person' if n == 1 else 'people'}")


def describe_team_moves(section: DynamicsSection) -> str:
    """Which teams' people moved up to a habit the most, per tool, in one or two sentences."""
    t = section.team_moves
    if t.empty:
        return "There are not yet two months with enough history to compare teams' usage."
    hidden = t[t["suppressed"].astype(bool)]["team"].nunique()
    top = _top_team_moves(section)
    lead = []
    for (tool, source), g in top[top["moved_up"] > 0].groupby(["tool", "source"], sort=False):
        r = g.sort_values("moved_up", ascending=False).iloc[0]
        lead.append(f"{md(tool)} ({md(source)}): {md(r['team'])} "
                    f"({_people(r['moved_up'], sign='+')} of {format_count(r['n'])})")
    text = ("Moves by team, per tool: how many of each team's people moved up from novice or "
            "low use to habitual or power use, and how many moved down from habitual or power "
            "use, between the tool's first month with 12 weeks of history and "
            f"{label_period(section.month).title} (people classified in both months, counted "
            f"in their team of {label_period(section.month).title}). The table lists the "
            f"{TOP_TEAMS} teams with the most moves up and the {TOP_TEAMS} with the most moves "
            "down.")
    text += (" Most moves up: " + "; ".join(lead) + "." if lead else
             " No shown team has a move up.")
    if hidden:
        text += (f" {hidden} team(s) are not listed: fewer than {section.min_group_size} people "
                 "classified in both months, or hidden so that such a team cannot be worked out "
                 "by subtraction.")
    return text


def format_forecast_table(section: DynamicsSection) -> Styler:
    """Growth-curve (Bass) forecast per department: adopters now, eventual adopters, when the target is
    reached (interval), or why there is no forecast."""
    rows = []
    for _, r in section.forecast.iterrows():
        if r["suppressed"]:
            rows.append([_group(r), hidden_label(r["suppression_reason"], short=True),
                         DASH, DASH, DASH])
            continue
        eventual = (DASH if pd.isna(r["m"]) else
                    f"{format_count(r['m'])} ({format_count(r['m_ci_low'])}{DASH}"
                    f"{format_count(r['m_ci_high'])})")
        rows.append([_group(r), format_count(r["headcount"]),
                     f"{format_count(r['adopters'])} ({format_percent(r['adoption_share'])})",
                     eventual, str(r["target"])])
    share = format_percent(section.target_share)
    frame = pd.DataFrame(rows, columns=["Group", "People", "Have used AI", "Eventual users "
                                        "(interval)", f"{share} of people reached"])
    return _style(frame, name="forecast")


def describe_forecast(section: DynamicsSection) -> str:
    """Which departments miss the target share within 12 months, in words."""
    f = section.forecast
    shown = f[~f["suppressed"].astype(bool) & (f["level"] == "department")]
    share = format_percent(section.target_share)
    text = (f"A growth curve fitted to each department's monthly count of people who have used "
            f"AI, and the month it reaches {share} of the department's people, with the range "
            f"we are {section.confidence:.0%} sure of. A department with too few months or a "
            "poor fit gets no forecast, and says why.")
    miss = shown[shown["target"].astype(str).str.startswith("not reached")]
    if len(miss):
        text += (f" Not on course to reach {share} within 12 months: "
                 + ", ".join(md(d) for d in miss["department"]) + ".")
    return text
