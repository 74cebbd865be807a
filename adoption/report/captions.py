"""Plain-language captions of an adoption report, as Markdown strings.

Each ``describe_*`` function takes an :class:`~adoption.report.content.AdoptionReport` and
returns text a leader can read without knowing statistics; numbers are rounded for reading.
"""

from __future__ import annotations

import pandas as pd

from adoption.periods import format_day, label_period, period_title
from adoption.report.content import AdoptionReport, seat_hidden_reason
from adoption.report.escape import escape_markdown as md
from adoption.report.tables import (
    DASH,
    format_count,
    format_percent,
    format_points,
    format_range,
    format_share,
    hidden_label,
)

__all__ = [
    "describe_all",
    "describe_funnel",
    "describe_headline",
    "describe_method",
    "describe_sources",
    "describe_suppressed",
    "describe_teams",
    "describe_title",
    "describe_trend",
]

def _used(report: AdoptionReport) -> str:
    """``"were active on any AI tool"`` (or on the tools the report counts)."""
    return f"were active on {md(report.counted)}"


def _unknown_note(report: AdoptionReport, unknown: float) -> str:
    """``" (19 unknown: their only evidence is weekly windows of ... that straddle ...)"``."""
    if not unknown or pd.isna(unknown) or unknown <= 0:
        return ""
    why = " and ".join(report.unknown_sources) or "report windows"
    return (f" ({format_count(unknown)} unknown: their only evidence is {why} that straddle "
            f"the {report.period_kind}'s boundary, so they may or may not have been active in "
            f"{report.period_title})")


def _sources_note(report: AdoptionReport) -> str:
    if not report.activity_sources:
        return ""
    return (f" Active on {md(report.counted)} counts a person once, whichever tools they used, "
            f"from every source: {', '.join(report.activity_sources)}.")


def describe_all(report: AdoptionReport, *, title: str = "AI adoption report") -> dict[str, str]:
    """Every caption of ``report``, keyed as :attr:`AdoptionReport.captions`."""
    return {
        "title": describe_title(report, title=title),
        "headline": describe_headline(report),
        "trend": describe_trend(report),
        "teams": describe_teams(report),
        "funnel": describe_funnel(report),
        "suppressed": describe_suppressed(report),
        "sources": describe_sources(report),
        "how_to_read": describe_method(report),
    }


def describe_title(report: AdoptionReport, *, title: str = "AI adoption report") -> str:
    """Markdown title block: the title, the organisation and the periods."""
    line = f"**{md(report.organisation)}** · {report.period_title}"
    if report.comparison_period:
        line += f", compared with {report.comparison_title}"
    if report.tools:
        line += f" · tools: {', '.join(md(t) for t in report.tools)}"
    return f"# {md(title)}\n\n{line}"


def describe_headline(report: AdoptionReport) -> str:
    """The headline in one or two Markdown sentences.

    Examples
    --------
    ``"In January 2026, 1,234 of 2,310 people (53%, 95% interval 51–55%) used at least one AI
    tool, up 4 points on December 2025 (95% interval +2 to +6 points, 2,250 people in both
    periods), a change beyond what chance would explain."``
    """
    h = report.headline.set_index("measure")
    pen = h.loc["penetration"]
    conf = f"{report.confidence:.0%}"
    if pen["suppressed"]:
        return (f"In {report.period_title}, the organisation's figures are "
                f"{md(hidden_label(pen['suppression_reason']))}.")
    act = h.loc["active_users"]
    unknown = act["upper"] - act["estimate"]
    upper = (f"; up to {format_percent(pen['upper'])} if they all were"
             if unknown > 0 and round(100 * pen["upper"]) > round(100 * pen["estimate"]) else "")
    text = (f"In {report.period_title}, {format_range(act['estimate'], act['upper'])} of "
            f"{format_count(pen['n'])} people ({format_percent(pen['estimate'])}, {conf} interval "
            f"{100 * pen['ci_low']:.0f}{DASH}{format_percent(pen['ci_high'])}{upper}) "
            f"{_used(report)}{_unknown_note(report, unknown)}")
    if not report.comparison_period:
        text += ". There is no earlier period to compare with."
    elif pd.isna(pen["difference"]):
        text += (f". The change since {report.comparison_title} is hidden: fewer than "
                 f"{report.min_group_size} people were employed in both periods.")
    else:
        d = round(100 * pen["difference"])
        unit = "point" if abs(d) == 1 else "points"
        where = (f"about the same as in {report.comparison_title}" if d == 0 else
                 f"{'up' if d > 0 else 'down'} {abs(d)} {unit} on {report.comparison_title}")
        ci = format_points(pen["difference"], pen["difference_ci_low"],
                           pen["difference_ci_high"]).split("(")[-1].rstrip(")")
        text += (f", {where} ({conf} interval {ci} points, "
                 f"{format_count(pen['n_paired'])} people in both periods), ")
        text += ("a change beyond what chance would explain." if pen["is_beyond_noise"] else
                 "within what chance alone could produce.")
    rate = h.loc["activation_rate"]
    if not pd.isna(rate["estimate"]):
        text += (f" Of the {format_count(rate['n'])} people with a seat, "
                 f"{format_share(rate['estimate'], rate['ci_low'], rate['ci_high'])} "
                 f"{_used(report)}.")
    return text + _sources_note(report) + _partial_note(report)


def _partial_note(report: AdoptionReport) -> str:
    """A warning when usage data covers under 90% of the period's or the comparison's days."""
    c = report.coverage
    c = c[c["period"].isin([report.period, report.comparison_period])
          & (c["days_with_data"] < 0.9 * c["days"])]
    notes = [f"{period_title(label_period(r.period, report.period_kind))} has activity data "
             f"for only {r.days_with_data} of its {r.days} days" for r in c.itertuples()]
    if not notes:
        return ""
    return (f" Note: {' and '.join(notes)}, so its figures are lower than a full period's "
            "would be and changes are not like for like.")


def describe_trend(report: AdoptionReport) -> str:
    """How penetration moved over the trend's periods, and the spread across departments."""
    t = report.trend[~report.trend["suppressed"].astype(bool)]
    org = t[t["level"] == "organisation"].sort_values("period_start")
    if org.empty:
        return "The organisation's trend is hidden to protect privacy."
    title = {p: period_title(label_period(p, report.period_kind)) for p in org["period"]}
    last = org.iloc[-1]
    if len(org) == 1:
        text = (f"Only {title[last['period']]} has data so far: "
                f"{format_percent(last['penetration'])} of people {_used(report)}.")
    else:
        first = org.iloc[0]
        text = (f"From {title[first['period']]} to {title[last['period']]}, the share of people "
                f"who {_used(report)} went from {format_percent(first['penetration'])} to "
                f"{format_percent(last['penetration'])}.")
    dept = t[(t["level"] == "department") & (t["period"] == report.period)]
    if len(dept) >= 2:
        dept = dept.sort_values("penetration")
        low, high = dept.iloc[0], dept.iloc[-1]
        text += (f" In {report.period_title} departments ranged from "
                 f"{format_percent(low['penetration'])} ({md(low['group'])}) to "
                 f"{format_percent(high['penetration'])} ({md(high['group'])}).")
    text += f" The shaded band is the organisation's {report.confidence:.0%} interval."
    if (org["penetration_upper"] > org["penetration"] + 0.005).any():
        text += (" The dotted line counts the people whose only evidence is a report window "
                 "straddling a period's boundary as active (an upper bound).")
    return text


def describe_teams(report: AdoptionReport) -> str:
    """Caption of the team table: what is shown, and which teams changed beyond noise."""
    t = report.teams
    hidden = int(t["suppressed"].astype(bool).sum())
    text = (f"{len(t) - hidden} teams in {report.period_title}"
            + (f" ({hidden} hidden to protect privacy)" if hidden else "")
            + f". Active counts people active on {md(report.counted)}, from every source; "
            f"shares with their {report.confidence:.0%} interval in brackets; People and With a "
            "seat are the numbers the shares are out of; Sources names the sources each team's "
            "figures rest on.")
    shown = t[~t["suppressed"].astype(bool)]
    if (shown["unknown_users"].fillna(0) > 0).any():
        text += (f" A range such as 12 to 14 means some people's only evidence is a report "
                 f"window straddling the {report.period_kind}'s boundary: they are counted as "
                 "unknown, neither active nor inactive.")
    if report.comparison_period:
        moved = t[t["is_beyond_noise"].fillna(False).astype(bool)]
        moved = moved.reindex(moved["difference"].abs().sort_values(ascending=False).index)
        if moved.empty:
            text += (f" No team's change since {report.comparison_title} is beyond what chance "
                     "would explain.")
        else:
            names = ", ".join(f"{md(r.team)} ({format_points(r.difference)})"
                              for r in moved.itertuples())
            text += f" * marks a change beyond what chance would explain: {names}."
    return text


def describe_funnel(report: AdoptionReport) -> str:
    """From headcount to seats to use, in one or two sentences."""
    f = report.funnel.set_index("stage")
    if pd.isna(f.loc["headcount", "count"]):
        return "The organisation's funnel is hidden to protect privacy."
    seats = f.loc["seats"]
    active = f.loc["active_users"]
    had = (f"{format_count(seats['count'])} ({format_percent(seats['share'])}) had a seat"
           if not pd.isna(seats["count"]) else
           f"the number with a seat is {hidden_label(seat_hidden_reason(seats['hidden']))}")
    text = (f"Of {format_count(f.loc['headcount', 'count'])} people, {had} and "
            f"{format_range(active['count'], active['upper'])} "
            f"({format_percent(active['share'])}) {_used(report)} in {report.period_title}.")
    if not pd.isna(seats["count"]) and active["count"] > seats["count"]:
        text += (" More people were active than hold a seat on record: some tools' exports list "
                 "the people who used them, not the seats they hold.")
    return text


def describe_suppressed(report: AdoptionReport) -> str:
    """Which groups are hidden and why, as a Markdown list (no figures)."""
    s = report.suppressed
    if s.empty:
        return (f"No group is hidden in {report.period_title}: every group shown has at least "
                f"{report.min_group_size} people.")
    lines = [f"To protect privacy, no figure is shown for a group of fewer than "
             f"{report.min_group_size} people, and a slightly larger group is sometimes hidden "
             f"too so that a hidden one cannot be worked out by subtraction. Hidden in "
             f"{report.period_title}:", ""]
    for r in s.itertuples(index=False):
        name = ("The organisation" if r.level == "organisation" else md(r.department)
                if r.level == "department" else f"{md(r.team)} ({md(r.department)})")
        what = "all figures" if r.hidden == "all figures" else "share of seat holders"
        lines.append(f"- **{name}**: {what} {md(hidden_label(r.reason))}")
    return "\n".join(lines)


def describe_sources(report: AdoptionReport) -> str:
    """The data behind the report, and how each source counts towards "active".

    Person-level sources (daily logs, last-activity reports, weekly and monthly windows) all
    feed the figures, each only as it can tell; aggregate-only sources never count people.
    """
    s = report.sources
    people = s[s["distinct_users"] & ~s["aggregate_only"]] if "distinct_users" in s else \
        s[s["kind"] == "usage"]
    if people.empty or people["first_date"].isna().all():
        return ("No person-level activity data has been loaded (a usage log, or a vendor "
                "export listing users), so the figures count no activity.")
    first, last = people["first_date"].min(), people["last_date"].max()
    lines = [f"Activity data covers {format_day(pd.Timestamp(first).date())} to "
             f"{format_day(pd.Timestamp(last).date())}, from "
             f"{format_count(people['files'].sum())} files. A person counts as active on "
             f"{md(report.counted)} when any of these sources shows them active on a day they were "
             "employed, each used only for what it can tell:", ""]
    for r in people.itertuples():
        if r.daily_activity:
            rule = "counts every active day"
        elif r.last_activity_only:
            rule = "counts the last active day, in its own period only"
        else:
            rule = ("counts a window inside the period; a window straddling the period's "
                    "boundary with no known active day leaves the person unknown")
        lines.append(f"- **{md(r.label)}** {rule}; it cannot tell {r.cannot_tell}.")
    others = s[s["aggregate_only"]] if "aggregate_only" in s else s.iloc[0:0]
    for r in others.itertuples():
        lines.append(f"- **{md(r.label)}** tells {r.tells}; it cannot tell {r.cannot_tell}, so it "
                     "is never counted as people.")
    return "\n".join(lines)


def describe_method(report: AdoptionReport) -> str:
    """The "How to read this report" section at the end of the adoption report.

    The body of the report speaks plainly ("the range we are 95% sure of", "a change beyond
    noise"); this section says what those words mean, with this report's threshold and
    confidence, and names the statistical method behind each one in one sentence.
    """
    conf = f"{report.confidence:.0%}"
    fdr = f"{1 - report.confidence:.0%}"
    return "\n".join([
        "## How to read this report",
        "",
        f"- **People, not licences.** *Active* means known to have used {md(report.counted)} on at "
        "least one day of the period while employed, from any source: a daily log's days, a "
        "last-activity date in its own period, or a weekly or monthly report window inside the "
        "period. A person is counted once, however many tools they used. *Share of all people* "
        "is out of everyone employed; *share of seat holders* is out of those with a seat.",
        "- **Unknown.** A person whose only evidence is a report window straddling the "
        "period's boundary (a week running into the next month) may or may not have been "
        "active in the period: they are shown as unknown, as a range (*412 to 431*) and an "
        "upper share, never silently as 0.",
        f"- **Intervals.** A figure like *53% (51{DASH}55)* means 53%, and the range we are "
        f"{conf} sure the underlying rate lies in is 51% to 55%. Smaller groups have wider "
        "intervals, so compare intervals, not just the figures.",
        "- **n.** Every share is shown with the number of people it is out of.",
        "- **Units.** A change of a share is in percentage points (*+4 pts*: from 50% to 54%), "
        "a change of a survey score is on the survey's scale (*+0.12 on the 1\u20135 scale*), "
        "money in the workspace's currency and counts in people.",
        "- **Changes.** A change is compared among the people employed in both periods. It is "
        f"called *beyond noise* when chance alone would rarely produce it, allowing for "
        f"comparing many teams at once, and its {conf} range excludes no change; otherwise it "
        "is *within noise*.",
        f"- **Privacy.** No figure is shown for a group of fewer than {report.min_group_size} "
        "people; a slightly larger group is sometimes hidden too so that a hidden one cannot be "
        "worked out by subtraction. No person is ever named.",
        "",
        "### The methods behind the words",
        "",
        "- **Range of a share** (*95% interval*): the Wilson score interval, which stays "
        "inside 0\u2013100% for small groups and rare events.",
        "- **Range of a change between periods**: Newcombe's hybrid score interval for the "
        "difference of two paired shares (the same people in both periods).",
        "- **Beyond noise**: McNemar's test on the people who changed between active and "
        "inactive, with the Benjamini-Hochberg correction for comparing many teams at once "
        f"(false discovery rate {fdr}); the change is called beyond noise only when its "
        "Newcombe interval excludes 0 as well.",
        "- **Time to first use**: the Kaplan-Meier estimate, which counts people who have not "
        "started yet without guessing when they will; the median's range is "
        "Brookmeyer-Crowley's.",
        "- **Slower to start**: a department is slower than the rest when the log-rank test "
        "says so after the Benjamini-Hochberg correction.",
        "- **Usage segments**: the definitions of Microsoft's vivainsights package "
        "(identify_usage_segments, 12-week version).",
        "- **When a department reaches the target**: a Bass diffusion curve fitted by "
        "nonlinear least squares; the range of eventual users is the delta-method interval, "
        "the range of the month a parametric bootstrap (many curves drawn from the fit's "
        "uncertainty).",
        "- **Survey scores**: a change of a team's mean score is Welch's t-test with its "
        "interval, Benjamini-Hochberg across all teams and constructs; *Net Promoter Score* "
        "is the share of promoters (9\u201310) minus the share of detractors (0\u20136).",
    ])
