"""Plain-language captions of an adoption report, as Markdown strings.

Each ``describe_*`` function takes an :class:`~adoption.report.content.AdoptionReport` and
returns text a leader can read without knowing statistics; numbers are rounded for reading.
"""

from __future__ import annotations

import pandas as pd

from adoption.report.content import AdoptionReport, label_period, period_title
from adoption.report.escape import escape_markdown as md
from adoption.report.tables import (
    DASH,
    format_count,
    format_percent,
    format_points,
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
    if not report.tools:
        return "used at least one AI tool"
    names = [md(t) for t in report.tools]
    return "used " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1])


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
    text = (f"In {report.period_title}, {format_count(h.loc['active_users', 'estimate'])} of "
            f"{format_count(pen['n'])} people ({format_percent(pen['estimate'])}, {conf} interval "
            f"{100 * pen['ci_low']:.0f}{DASH}{format_percent(pen['ci_high'])}) {_used(report)}")
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
    act = h.loc["activation_rate"]
    if not pd.isna(act["estimate"]):
        text += (f" Of the {format_count(act['n'])} people with a seat, "
                 f"{format_share(act['estimate'], act['ci_low'], act['ci_high'])} used it.")
    return text + _partial_note(report)


def _partial_note(report: AdoptionReport) -> str:
    """A warning when usage data covers under 90% of the period's or the comparison's days."""
    c = report.coverage
    c = c[c["period"].isin([report.period, report.comparison_period])
          & (c["days_with_data"] < 0.9 * c["days"])]
    notes = [f"{period_title(label_period(r.period, report.period_kind))} has usage data for "
             f"only {r.days_with_data} of its {r.days} days" for r in c.itertuples()]
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
    return text + (f" The shaded band is the organisation's {report.confidence:.0%} interval.")


def describe_teams(report: AdoptionReport) -> str:
    """Caption of the team table: what is shown, and which teams changed beyond noise."""
    t = report.teams
    hidden = int(t["suppressed"].astype(bool).sum())
    text = (f"{len(t) - hidden} teams in {report.period_title}"
            + (f" ({hidden} hidden to protect privacy)" if hidden else "")
            + f". Shares with their {report.confidence:.0%} interval in brackets; People and "
            "With a seat are the numbers the shares are out of.")
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
    """From headcount to seats to use, in one sentence."""
    f = report.funnel.set_index("stage")
    if pd.isna(f.loc["headcount", "count"]):
        return "The organisation's funnel is hidden to protect privacy."
    return (f"Of {format_count(f.loc['headcount', 'count'])} people, "
            f"{format_count(f.loc['seats', 'count'])} ({format_percent(f.loc['seats', 'share'])})"
            f" had a seat and {format_count(f.loc['active_users', 'count'])} "
            f"({format_percent(f.loc['active_users', 'share'])}) {_used(report)} in "
            f"{report.period_title}.")


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
    """The data behind the report, and which figures each source can and cannot feed.

    Metrics use each source only for what it supports: daily sources give the team figures;
    window, last-activity and aggregate sources are described with what they cannot tell.
    """
    s = report.sources
    daily = s[s["daily_activity"]] if "daily_activity" in s else s[s["kind"] == "usage"]
    if daily.empty or daily["first_date"].isna().all():
        lines = ["No daily usage data has been loaded, so the team figures count no activity."]
    else:
        first, last = daily["first_date"].min(), daily["last_date"].max()
        names = ", ".join(map(md, daily["label"] if "label" in daily else daily["kind"]))
        lines = [f"Usage data covers {pd.Timestamp(first):%d %B %Y} to "
                 f"{pd.Timestamp(last):%d %B %Y}, from {format_count(s['files'].sum())} files. "
                 f"The team figures count active days from {names}."]
    if "tells" not in s:
        return lines[0]
    others = s[~s["daily_activity"] & (s["distinct_users"] | s["aggregate_only"])]
    if len(others):
        lines += ["", "Metrics use each source only for what it supports, and say so:", ""]
        for r in others.itertuples():
            lines.append(f"- **{md(r.label)}** tells {r.tells}; it cannot tell {r.cannot_tell}. "
                         f"Used for: {r.used_for}; not part of the team figures above.")
    return "\n".join(lines)


def describe_method(report: AdoptionReport) -> str:
    """The "how to read this report" note, with this report's threshold and confidence."""
    conf = f"{report.confidence:.0%}"
    return "\n".join([
        "## How to read this report",
        "",
        f"- **People, not licences.** *Used it* means at least one day with recorded use of "
        f"{'any AI tool' if not report.tools else ', '.join(map(md, report.tools))} in the period. "
        "*Share of all people* is out of everyone employed; *share of seat holders* is out of "
        "those with a seat.",
        f"- **Intervals.** A figure like *53% (51{DASH}55)* means 53%, and with {conf} confidence "
        "the underlying rate lies between 51% and 55%. Smaller groups have wider intervals, so "
        "compare intervals, not just the figures.",
        "- **n.** Every share is shown with the number of people it is out of.",
        f"- **Changes.** A change is compared among the people employed in both periods. It is "
        f"called *beyond noise* when chance alone would rarely produce it (McNemar's test, "
        f"corrected for comparing many teams at once, false discovery rate "
        f"{1 - report.confidence:.0%}).",
        f"- **Privacy.** No figure is shown for a group of fewer than {report.min_group_size} "
        "people; a slightly larger group is sometimes hidden too so that a hidden one cannot be "
        "worked out by subtraction. No person is ever named.",
    ])
