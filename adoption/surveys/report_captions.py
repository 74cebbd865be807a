"""Plain-language captions of the sentiment report and of its adoption-report section.

Each ``describe_*`` function takes a :class:`~adoption.surveys.report.SentimentReport` (or a
:class:`~adoption.surveys.report.SentimentSection`) and returns Markdown a leader can read
without knowing statistics; hidden teams are only counted, never named.
"""

from __future__ import annotations

import pandas as pd

from adoption.periods import label_period
from adoption.report.escape import escape_markdown as md
from adoption.report.tables import DASH, format_count, format_share
from adoption.surveys.metrics import OVERALL
from adoption.surveys.report import ACTIVITY_DAYS, SentimentReport, SentimentSection
from adoption.surveys.report_tables import (
    RELIABILITY_THRESHOLD,
    _favourable,
    _low_reliability,
    _nice,
    _org,
    _published,
    _scale,
    _score,
    _signed,
)

__all__ = [
    "describe_activity",
    "describe_barriers",
    "describe_change",
    "describe_headline",
    "describe_how_to_read",
    "describe_quadrant",
    "describe_reliability",
    "describe_sentiment_section",
    "describe_themes",
    "describe_title",
]


# ----------------------------------------------------------------- captions


def describe_title(report: SentimentReport, *, title: str = "AI adoption: how people feel"
                   ) -> str:
    """The report's title block (Markdown)."""
    comp = f", compared with {md(report.comparison_wave)}" if report.comparison_wave else ""
    return (f"# {md(title)}\n\n{md(report.organisation)} · survey wave {md(report.wave)} "
            f"({report.wave_date:%d %B %Y}){comp}")


def describe_headline(report: SentimentReport) -> str:
    """Response rate, NPS and the overall index in plain words."""
    parts = []
    r = _org(report.response)
    if len(r):
        row = r.iloc[0]
        if pd.notna(row["response_rate"]):
            parts.append(
                f"**{format_count(row['respondents'])} people answered**, "
                f"{format_share(row['response_rate'], row['ci_low'], row['ci_high'])} of the "
                f"{format_count(row['headcount'])} employed on the wave date.")
        else:
            parts.append(f"**{format_count(row['respondents'])} people answered.**")
    n = _org(report.nps)
    if len(n):
        row = n.iloc[0]
        parts.append(f"The Net Promoter Score is **{row['estimate']:+.0f}** "
                     f"({row['ci_low']:+.0f} to {row['ci_high']:+.0f}, n = "
                     f"{format_count(row['n'])}).")
    o = _org(report.summary)
    o = o[o["construct"] == OVERALL]
    if len(o):
        row = o.iloc[0]
        parts.append(
            f"Overall, {format_share(row['favourable_share'], row['favourable_ci_low'], row['favourable_ci_high'])} "  # noqa: E501
            f"of respondents are favourable (mean score {_score(row['estimate'], row['ci_low'], row['ci_high'])} "  # noqa: E501
            f"on a {row['scale_min']:.0f}{DASH}{row['scale_max']:.0f} scale).")
    if report.change_organisation is not None:
        c = _org(report.change_organisation)
        moved = c[c["beyond_noise"].fillna(False).astype(bool)]
        if len(moved):
            parts.append(
                "Beyond noise since " + md(report.comparison_wave) + ", in mean score on the "
                + _scale(report.summary) + ": " + ", ".join(
                    f"{md(_nice(m.construct))} {_signed(m.estimate)} ({_signed(m.ci_low)} to "
                    f"{_signed(m.ci_high)})" for m in moved.itertuples()) + ".")
        else:
            parts.append(f"No organisation-wide change since {md(report.comparison_wave)} is "
                         "beyond noise.")
    if report.hidden_teams:
        parts.append(f"{report.hidden_teams} team(s) are not shown: fewer than "
                     f"{report.min_group_size} respondents, or hidden so that such a team "
                     "cannot be worked out from a total.")
    return "\n\n".join(parts) if parts else "No answers in this wave."


def describe_barriers(report: SentimentReport) -> str:
    """Which teams are stuck at which ADKAR stage."""
    b = _published(report.barrier)
    stuck = b[b["barrier"].notna() & (b["barrier"] != "none")]
    text = (f"A team's **barrier point** is the first ADKAR stage (awareness, desire, knowledge, "
            f"ability, reinforcement) where fewer than {report.threshold:.0%} of its "
            "respondents are favourable, clearly so: the whole interval lies below. ")
    if stuck.empty:
        return text + "No shown team has a clear barrier point."
    counts = stuck["barrier"].value_counts()
    return text + "Shown teams with a barrier: " + ", ".join(
        f"{n} at {md(stage)}" for stage, n in counts.items()) + "."


def describe_change(report: SentimentReport) -> str:
    """How many team x construct changes are beyond noise."""
    if report.change is None:
        return "No comparison wave was chosen."
    t = _published(report.change)
    moved = t[t["beyond_noise"].fillna(False).astype(bool)]
    return (f"Change of each team's mean score since {md(report.comparison_wave)}, on the "
            f"{_scale(report.summary)}, with the range we are {report.confidence:.0%} sure of. "
            "A change is beyond noise when chance alone would rarely produce it, allowing for "
            f"comparing every team and construct at once. {len(moved)} of {len(t)} shown changes "
            "are beyond noise; the table lists them.")


def describe_activity(report: SentimentReport) -> str:
    """Active versus inactive respondents."""
    a = report.activity
    shown = a[~a["suppressed"].astype(bool)] if len(a) else a
    if shown.empty:
        return ("Sentiment of tool users versus non-users cannot be shown: too few matched "
                "respondents in one of the groups.")
    return (f"Matched respondents who used an AI tool in the {ACTIVITY_DAYS} days before the "
            "wave (active) against those who did not (inactive); difference = active minus "
            f"inactive mean score, on the {_scale(report.summary)}, with the range we are "
            f"{report.confidence:.0%} sure of. Anonymous answers cannot be matched and are "
            "left out.")


def describe_quadrant(report: SentimentReport | SentimentSection) -> str:
    """The adoption-sentiment quadrant."""
    q = report.quadrant
    if q is None or q.empty or q["quadrant"].isna().all():
        return "No activity data for the wave's month, or every team hidden: no quadrant."
    counts = q["quadrant"].value_counts()
    month = label_period(str(q["period"].iloc[0]), "month").title
    return ("Each shown team's share of people active on any AI tool (from every source, as in "
            f"the adoption report's team table) in {month} against its overall sentiment, "
            "relative to the organisation. "
            + "; ".join(f"{md(v)}: {n}" for v, n in counts.items()) + ".")


def describe_reliability(report: SentimentReport) -> str:
    """How consistently each construct's questions agree, in words, naming the constructs
    flagged as low reliability wherever their scores are shown."""
    text = ("How consistently the questions of each construct move together, from 0 (not at "
            f"all) to 1 (always); {RELIABILITY_THRESHOLD:g} or more is usually taken as "
            "acceptable.")
    low = sorted(_low_reliability(report))
    if low:
        text += (f" Below {RELIABILITY_THRESHOLD:g}, and flagged *low reliability* wherever "
                 "their scores are shown: " + ", ".join(md(_nice(c)) for c in low)
                 + ". Their questions may not measure one thing, so read their scores and "
                 "changes with care.")
    return text


def describe_themes(report: SentimentReport) -> str:
    """Comment themes."""
    return ("Themes are counted from the comments with a word list shipped with the product; "
            "a respondent counts once per theme. Comments are shown only for teams with at "
            f"least {report.min_group_size} respondents, with e-mail addresses, phone numbers "
            "and names replaced.")


def describe_how_to_read(report: SentimentReport) -> str:
    """The "How to read this report" section at the end of the sentiment report.

    The body speaks plainly ("the range we are 95% sure of", "beyond noise", "low
    reliability"); this section says what the words mean and names the statistical method
    behind each one in one sentence.
    """
    conf = f"{report.confidence:.0%}"
    return (
        "## How to read this report\n\n"
        f"- Every figure has its {conf} interval in brackets, the range we are {conf} sure the "
        "true figure lies in, and its n (respondents).\n"
        "- A construct score is a respondent's mean over the construct's items (reverse-worded "
        "items reversed; at least half the items answered). *Favourable* means a score of "
        f"{_favourable(report.summary)}.\n"
        f"- Changes and differences of scores are in points on the {_scale(report.summary)} "
        "(*+0.12* is an eighth of one step of the scale).\n"
        "- *Beyond noise* means chance alone would rarely produce the change, allowing for "
        "comparing many teams and constructs at once; the interval beside it then excludes "
        "no change.\n"
        f"- *Low reliability* marks a construct whose questions agree less than "
        f"{RELIABILITY_THRESHOLD:g}: its score may mix several things.\n"
        "- NPS = % promoters (9\u201310) minus % detractors (0\u20136), from \u2212100 to "
        "+100.\n"
        f"- Groups with fewer than {report.min_group_size} respondents are never shown, nor "
        "groups from which such a group could be worked out by subtraction.\n\n"
        "### The methods behind the words\n\n"
        "- **Range of a share**: the Wilson score interval, which stays inside 0\u2013100% for "
        "small teams.\n"
        "- **Range of a mean score and of a change**: Student's t on the logit of the "
        "score's place on the scale for a mean (so it stays inside the scale), and Welch's "
        "t-test for the difference of two means (it does not assume equal spread in the two "
        "groups).\n"
        "- **Beyond noise**: Welch's t-test, with the Benjamini-Hochberg correction across all "
        f"teams and constructs (false discovery rate {1 - report.confidence:.0%}).\n"
        "- **Agreement of the items**: Cronbach's alpha, with Feldt's interval.\n"
        "- **Shrunk** team estimates (where shown) pull small teams toward the organisation "
        "(empirical Bayes), so that they are not ranked on noise.\n"
        "- **Favourable**: the top-2-box share (the two most positive answers of the scale).\n"
        "- **Barrier point**: the first stage of the ADKAR change model (awareness, desire, "
        "knowledge, ability, reinforcement) where a team's favourable share is clearly below "
        "the threshold.\n"
        "- **Themes**: counted with a word list shipped with the product (a stem or phrase "
        "per line), not by a language model.")


def describe_sentiment_section(section: SentimentSection | None) -> str:
    """Plain-language summary of the sentiment section (Markdown)."""
    if section is None:
        return "No survey wave falls in or before this period."
    parts = [f"From the survey wave **{md(section.wave)}** ({section.wave_date:%d %B %Y})."]
    o = _org(section.summary)
    o = o[o["construct"] == OVERALL]
    if len(o):
        x = o.iloc[0]
        parts.append(f"{format_share(x['favourable_share'], x['favourable_ci_low'], x['favourable_ci_high'])} "  # noqa: E501
                     f"of {format_count(x['n'])} respondents are favourable overall.")
    n = _org(section.nps)
    if len(n):
        x = n.iloc[0]
        parts.append(f"NPS {x['estimate']:+.0f} ({x['ci_low']:+.0f} to {x['ci_high']:+.0f}).")
    b = _published(section.barrier)
    stuck = b[b["barrier"].notna() & (b["barrier"] != "none")]
    if len(stuck):
        counts = stuck["barrier"].value_counts()
        worst = stuck.sort_values("barrier_share").head(3)
        parts.append(
            f"{len(stuck)} of {len(b)} shown teams have a clear ADKAR barrier ("
            + ", ".join(f"{n} at {md(stage)}" for stage, n in counts.items()) + "); lowest: "
            + ", ".join(f"{md(t)} ({md(st)}, {format_share(v, lo, hi)} favourable)"
                        for t, st, v, lo, hi
                        in zip(worst["team"], worst["barrier"], worst["barrier_share"],
                               worst["barrier_ci_low"], worst["barrier_ci_high"], strict=True))
            + ".")
    if section.change is not None:
        c = _published(section.change)
        moved = c[c["beyond_noise"].fillna(False).astype(bool)]
        parts.append(f"{len(moved)} team x construct change(s) since {md(section.comparison_wave)} "
                     "are beyond noise.")
    return " ".join(parts)
