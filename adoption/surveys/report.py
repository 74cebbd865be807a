"""The sentiment report of one survey wave, and the sentiment section of the adoption report.

:func:`build_sentiment_report` computes everything the wave report shows (a
:class:`SentimentReport`); ``describe_*`` turn it into plain-language Markdown, ``format_*``
into display tables (pandas Stylers), ``plot_*`` into charts; :func:`render_sentiment_report`
renders ``notebooks/sentiment_report.ipynb`` to ``reports/sentiment_<wave>.html``.
:func:`build_sentiment_section` gives the adoption report its sentiment section (the latest
wave in or before the period).

Privacy: every figure comes from the protected tables of :mod:`adoption.surveys.metrics`;
the display tables, charts and captions list only published groups (a hidden team's name never
appears; the number of hidden teams is said in words), and comments come only from published
teams, redacted.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter
from pandas.io.formats.style import Styler

from adoption.errors import InputError
from adoption.marts import load_person_periods
from adoption.metrics.intervals import check_confidence
from adoption.periods import parse_period
from adoption.privacy import check_min_group_size
from adoption.report.index import render_index
from adoption.report.render import render_notebook, report_notebook_path
from adoption.report.tables import DASH, MINUS, _style, format_count, format_share
from adoption.surveys.comments import count_themes, select_comments
from adoption.surveys.data import (
    load_activity,
    load_comments,
    load_headcount,
    load_names,
    load_respondents,
    load_responses,
    load_waves,
)
from adoption.surveys.metrics import (
    ADKAR_STAGES,
    OVERALL,
    adkar_barrier,
    adoption_sentiment_quadrant,
    barrier_threshold,
    compute_nps,
    compute_wave_change,
    reliability,
    response_rates,
    score_constructs,
    sentiment_by_activity,
    summarise_sentiment,
)
from adoption.workspace import Workspace, open_workspace

__all__ = [
    "ACTIVITY_DAYS",
    "SENTIMENT_NOTEBOOK",
    "SentimentReport",
    "SentimentSection",
    "build_sentiment_report",
    "build_sentiment_section",
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
    "format_activity_table",
    "format_barrier_table",
    "format_change_table",
    "format_comments_table",
    "format_construct_table",
    "format_headline_table",
    "format_reliability_table",
    "format_sentiment_table",
    "format_theme_table",
    "load_wave_activity",
    "overall_constructs",
    "plot_sentiment_quadrant",
    "plot_stage_profile",
    "render_sentiment_report",
]

SENTIMENT_NOTEBOOK = "sentiment_report.ipynb"
#: Days before the wave date in which tool use makes a respondent "active".
ACTIVITY_DAYS = 30


def _nice(name: object) -> str:
    return str(name).replace("_", " ").capitalize()


@dataclass
class SentimentReport:
    """Everything the sentiment report of one wave shows; every frame is privacy-protected."""

    organisation: str
    wave: str
    wave_date: dt.date
    comparison_wave: str | None
    min_group_size: int
    confidence: float
    threshold: float
    anonymous: bool
    response: pd.DataFrame
    summary: pd.DataFrame
    nps: pd.DataFrame
    change: pd.DataFrame | None
    change_organisation: pd.DataFrame | None
    barrier: pd.DataFrame
    activity: pd.DataFrame
    quadrant: pd.DataFrame
    reliability: pd.DataFrame
    themes: pd.DataFrame
    comments: pd.DataFrame
    captions: dict[str, str] = field(default_factory=dict)

    @property
    def hidden_teams(self) -> int:
        """Number of teams whose figures are hidden (too few respondents, or protecting one)."""
        t = self.response[self.response["level"] == "team"]
        return int(t["suppressed"].astype(bool).sum())


def _workspace(workspace: Workspace | str | os.PathLike[str]) -> Workspace:
    return workspace if isinstance(workspace, Workspace) else open_workspace(workspace)


def _group_size(ws: Workspace, min_group_size: int | None) -> int:
    k = ws.settings.min_group_size if min_group_size is None else min_group_size
    check_min_group_size(k, where="sentiment report")
    return int(k)


def overall_constructs(section: dict | None) -> bool | list[str]:
    """``[surveys] overall_constructs`` (list of construct names) or True (all), checked."""
    value = (section or {}).get("overall_constructs", True)
    if value is True:
        return True
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InputError(
            f"adoption.toml [surveys]: overall_constructs is {value!r}; give a list of construct "
            'names, e.g. overall_constructs = ["usefulness", "ease_of_use", "trust"].'
        )
    return value


def load_wave_activity(store, waves: pd.DataFrame, *, days: int = ACTIVITY_DAYS) -> pd.DataFrame:
    """People active in the ``days`` days before each wave: ``wave, person_id, active_days``.

    The window of a wave dated D is [D - days, D - 1] (usage resolved through identities).
    """
    frames = []
    for wave, date in zip(waves["wave"], waves["wave_date"], strict=True):
        day = pd.Timestamp(date)
        a = load_activity(store, start=day - pd.Timedelta(days=days),
                          end=day - pd.Timedelta(days=1))
        frames.append(a.assign(wave=wave))
    if not frames:
        return pd.DataFrame(columns=["wave", "person_id", "active_days"])
    return pd.concat(frames, ignore_index=True)[["wave", "person_id", "active_days"]]


def build_sentiment_report(workspace: Workspace | str | os.PathLike[str], *,
                           wave: str | None = None, comparison_wave: str | None = None,
                           min_group_size: int | None = None,
                           confidence: float = 0.95) -> SentimentReport:
    """Compute the sentiment report of one wave from the workspace's store.

    Parameters
    ----------
    workspace : Workspace or path
    wave : str, optional
        The wave (default the latest).
    comparison_wave : str, optional
        The wave to compare with (default none).
    min_group_size : int, optional
        Default the workspace's ``min_group_size``.
    confidence : float, default 0.95

    Raises
    ------
    InputError
        No survey waves, or an unknown wave (the message lists the waves).
    """
    ws = _workspace(workspace)
    k = _group_size(ws, min_group_size)
    check_confidence(confidence, where="build_sentiment_report")
    threshold = barrier_threshold(ws.settings.section("surveys"))
    overall = overall_constructs(ws.settings.section("surveys"))
    with ws.store(read_only=True) as store:
        waves = load_waves(store)
        if waves.empty:
            raise InputError(
                f"{ws.root}: no survey waves in the store. Ingest a survey export first "
                "(`adoption ingest FILE --wave 2026-03`)."
            )
        known = waves["wave"].astype(str).tolist()
        wave = known[-1] if wave is None else str(wave)
        for label, w in (("wave", wave), ("comparison_wave", comparison_wave)):
            if w is not None and str(w) not in known:
                raise InputError(
                    f"sentiment report: {label} {w!r} is not in the store; waves: {known!r}."
                )
        row = waves[waves["wave"].astype(str) == wave].iloc[0]
        wave_date = pd.Timestamp(row["wave_date"]).date()
        chosen = [wave] + ([str(comparison_wave)] if comparison_wave else [])
        responses = load_responses(store, waves=chosen)
        respondents = load_respondents(store, waves=[wave])
        headcount = load_headcount(store, wave_date)
        activity = load_wave_activity(store, waves[waves["wave"].astype(str) == wave])
        has_usage = bool(store.scalar("SELECT count(*) FROM usage"))
        person_periods = load_person_periods(store, period_kind="month") if has_usage else None
        comments = load_comments(store, waves=[wave])
        names = load_names(store) if ws.settings.keep_names else []
    now = responses[responses["wave"].astype(str) == wave]
    scores = score_constructs(responses, overall=overall)
    scores_now = scores[scores["wave"].astype(str) == wave]
    summary = summarise_sentiment(scores_now, min_group_size=k, confidence=confidence)
    change = change_org = None
    if comparison_wave:
        change = compute_wave_change(scores, wave=wave, comparison_wave=str(comparison_wave),
                                     min_group_size=k, confidence=confidence)
        change_org = compute_wave_change(scores, wave=wave,
                                         comparison_wave=str(comparison_wave),
                                         by="organisation", min_group_size=k,
                                         confidence=confidence)
    report = SentimentReport(
        organisation=ws.settings.organisation, wave=wave, wave_date=wave_date,
        comparison_wave=str(comparison_wave) if comparison_wave else None,
        min_group_size=k, confidence=confidence, threshold=threshold,
        anonymous=bool(row["anonymous"]),
        response=response_rates(respondents, headcount, min_group_size=k,
                                confidence=confidence),
        summary=summary,
        nps=compute_nps(now, min_group_size=k, confidence=confidence),
        change=change,
        change_organisation=change_org,
        barrier=adkar_barrier(summary, threshold=threshold),
        activity=sentiment_by_activity(scores_now, activity, min_group_size=k,
                                       confidence=confidence),
        quadrant=adoption_sentiment_quadrant(summary, person_periods, wave=wave,
                                             min_group_size=k, confidence=confidence)
        if person_periods is not None else pd.DataFrame(),
        reliability=reliability(now, min_group_size=k, confidence=confidence),
        themes=count_themes(comments, respondents, min_group_size=k),
        comments=select_comments(comments, respondents, names=names, min_group_size=k),
    )
    report.captions = {"headline": describe_headline(report)}
    return report


# ----------------------------------------------------------------- helpers


def _published(frame: pd.DataFrame, level: str = "team") -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=[] if frame is None else frame.columns)
    f = frame[frame["level"] == level] if "level" in frame.columns else frame
    return f[~f["suppressed"].astype(bool)]


def _org(frame: pd.DataFrame) -> pd.DataFrame:
    return _published(frame, "organisation")


def _score(est: object, low: object, high: object) -> str:
    if est is None or pd.isna(est):
        return DASH
    if low is None or pd.isna(low) or pd.isna(high):
        return f"{float(est):.2f}"
    return f"{float(est):.2f} ({float(low):.2f}{DASH}{float(high):.2f})"


def _signed(x: float, digits: int = 2) -> str:
    s = f"{abs(x):.{digits}f}"
    return ("+" if x > 0 else MINUS if x < 0 else "") + s


def _constructs(summary: pd.DataFrame) -> list[str]:
    names = list(dict.fromkeys(summary["construct"]))
    stages = [c for s in ADKAR_STAGES for c in names
              if summary.loc[summary["construct"] == c, "stage"].eq(s).any()]
    rest = sorted(c for c in names if c not in stages and c != OVERALL)
    return stages + rest + ([OVERALL] if OVERALL in names else [])


def _empty(name: str, text: str) -> Styler:
    return _style(pd.DataFrame({"": [text]}), name=name)


# ----------------------------------------------------------------- captions


def describe_title(report: SentimentReport, *, title: str = "AI adoption: how people feel"
                   ) -> str:
    """The report's title block (Markdown)."""
    comp = f", compared with {report.comparison_wave}" if report.comparison_wave else ""
    return (f"# {title}\n\n{report.organisation} · survey wave {report.wave} "
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
            parts.append("Beyond noise since " + report.comparison_wave + ": " + ", ".join(
                f"{_nice(m.construct)} {_signed(m.estimate)}" for m in moved.itertuples())
                + ".")
        else:
            parts.append(f"No organisation-wide change since {report.comparison_wave} is "
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
        f"{n} at {stage}" for stage, n in counts.items()) + "."


def describe_change(report: SentimentReport) -> str:
    """How many team x construct changes are beyond noise."""
    if report.change is None:
        return "No comparison wave was chosen."
    t = _published(report.change)
    moved = t[t["beyond_noise"].fillna(False).astype(bool)]
    return (f"Change of each team's mean score since {report.comparison_wave} (Welch interval; "
            "beyond noise = Benjamini-Hochberg adjusted p below 0.05 across all teams and "
            f"constructs). {len(moved)} of {len(t)} shown changes are beyond noise.")


def describe_activity(report: SentimentReport) -> str:
    """Active versus inactive respondents."""
    a = report.activity
    shown = a[~a["suppressed"].astype(bool)] if len(a) else a
    if shown.empty:
        return ("Sentiment of tool users versus non-users cannot be shown: too few matched "
                "respondents in one of the groups.")
    return (f"Matched respondents who used an AI tool in the {ACTIVITY_DAYS} days before the "
            "wave (active) against those who did not (inactive); difference = active minus "
            "inactive, with its Welch interval. Anonymous answers cannot be matched and are "
            "left out.")


def describe_quadrant(report: SentimentReport) -> str:
    """The adoption-sentiment quadrant."""
    q = report.quadrant
    if q is None or q.empty or q["quadrant"].isna().all():
        return "No usage data for the wave's month, or every team hidden: no quadrant."
    counts = q["quadrant"].value_counts()
    return ("Each shown team's share of people who used AI in "
            f"{q['period'].iloc[0]} against its overall sentiment, relative to the organisation "
            "(the lines). " + "; ".join(f"{v}: {n}" for v, n in counts.items()) + ".")


def describe_reliability(report: SentimentReport) -> str:
    """Cronbach's alpha in words."""
    return ("Cronbach's alpha says how consistently a construct's items move together (0.7 or "
            "more is usually taken as acceptable); the interval is Feldt's.")


def describe_themes(report: SentimentReport) -> str:
    """Comment themes."""
    return ("Themes are counted from the comments with a word list shipped with the product; "
            "a respondent counts once per theme. Comments are shown only for teams with at "
            f"least {report.min_group_size} respondents, with e-mail addresses, phone numbers "
            "and names replaced.")


def describe_how_to_read(report: SentimentReport) -> str:
    """The method notes at the end of the report."""
    return (
        "## How to read this report\n\n"
        f"- Every figure has its {report.confidence:.0%} interval in brackets and its n "
        "(respondents).\n"
        "- A construct score is a respondent's mean over the construct's items (reverse-worded "
        "items reversed; at least half the items answered). *Favourable* means a score at or "
        "above the top-2-box threshold (e.g. 4 on a 1-5 scale).\n"
        "- *Shrunk* team estimates pull small teams toward the organisation (empirical Bayes), "
        "so that they are not ranked on noise.\n"
        "- NPS = % promoters (9-10) minus % detractors (0-6), from -100 to +100.\n"
        f"- Groups with fewer than {report.min_group_size} respondents are never shown, nor "
        "groups from which such a group could be worked out by subtraction.")


# ----------------------------------------------------------------- tables


def format_headline_table(report: SentimentReport) -> Styler:
    """The organisation's figures: response rate, NPS and each construct's favourable share."""
    rows = []
    r = _org(report.response)
    if len(r):
        x = r.iloc[0]
        rows.append(["Response rate", format_share(x["response_rate"], x["ci_low"],
                                                   x["ci_high"]), format_count(x["respondents"])])
    n = _org(report.nps)
    if len(n):
        x = n.iloc[0]
        rows.append(["Net Promoter Score", f"{x['estimate']:+.0f} ({x['ci_low']:+.0f} to "
                     f"{x['ci_high']:+.0f})", format_count(x["n"])])
    o = _org(report.summary)
    change = (_org(report.change_organisation) if report.change_organisation is not None
              else None)
    for c in _constructs(o):
        x = o[o["construct"] == c].iloc[0]
        cell = format_share(x["favourable_share"], x["favourable_ci_low"],
                            x["favourable_ci_high"])
        row = [f"{_nice(c)}: favourable", cell, format_count(x["n"])]
        if change is not None:
            ch = change[change["construct"] == c]
            row.append(DASH if ch.empty or pd.isna(ch["estimate"].iloc[0]) else
                       f"{_signed(ch['estimate'].iloc[0])} "
                       f"({'beyond noise' if ch['beyond_noise'].iloc[0] else 'within noise'})")
        rows.append(row)
    cols = ["Measure", f"Wave {report.wave}", "n"]
    if change is not None:
        cols.append(f"Change in mean score since {report.comparison_wave}")
        rows = [r + [DASH] if len(r) == 3 else r for r in rows]
    return _style(pd.DataFrame(rows, columns=cols), name="sentiment-headline",
                  caption=f"Shares with their {report.confidence:.0%} interval; n = "
                          "respondents.")


def format_construct_table(report: SentimentReport) -> Styler:
    """Shown teams x constructs: favourable share with interval and n; hidden teams left out."""
    t = _published(report.summary)
    if t.empty:
        return _empty("constructs", "No team is large enough to be shown.")
    rows = []
    for (dept, team), g in t.groupby(["department", "team"], sort=True):
        row = {"Department": dept, "Team": team, "n": format_count(g["n"].max())}
        for c in _constructs(t):
            x = g[g["construct"] == c]
            row[_nice(c)] = DASH if x.empty else format_share(
                x["favourable_share"].iloc[0], x["favourable_ci_low"].iloc[0],
                x["favourable_ci_high"].iloc[0])
        rows.append(row)
    caption = (f"Share of favourable respondents ({report.confidence:.0%} Wilson interval). "
               f"{report.hidden_teams} team(s) hidden for privacy.")
    return _style(pd.DataFrame(rows), name="constructs", caption=caption)


def format_barrier_table(report: SentimentReport) -> Styler:
    """Shown teams with their ADKAR barrier point."""
    b = _published(report.barrier)
    if b.empty:
        return _empty("barriers", "No team is large enough to be shown.")
    out = pd.DataFrame({
        "Department": b["department"], "Team": b["team"], "n": b["n"].map(format_count),
        "Barrier point": b["barrier"].map(lambda s: _nice(s) if s != "none" else "none"),
        "Favourable at barrier": [format_share(e, lo, hi) for e, lo, hi in zip(
            b["barrier_share"], b["barrier_ci_low"], b["barrier_ci_high"], strict=True)],
        "Possibly low earlier": b["possible_barrier"].map(
            lambda s: DASH if s is None or pd.isna(s) else _nice(s)),
    })
    return _style(out.sort_values(["Department", "Team"]), name="barriers")


def format_change_table(report: SentimentReport, *, only_beyond_noise: bool = True) -> Styler:
    """Shown team x construct changes since the comparison wave.

    By default only the changes beyond noise are listed (the caption counts the others);
    pass ``only_beyond_noise=False`` for every shown team and construct.
    """
    if report.change is None:
        return _empty("change", "No comparison wave.")
    c = _published(report.change)
    if c.empty:
        return _empty("change", "No team is large enough in both waves to be shown.")
    if only_beyond_noise:
        c = c[c["beyond_noise"].fillna(False).astype(bool)]
        if c.empty:
            return _empty("change", "No team's score changed beyond noise.")
    out = pd.DataFrame({
        "Department": c["department"], "Team": c["team"], "Construct": c["construct"].map(_nice),
        "n before": c["n_before"].map(format_count), "n after": c["n_after"].map(format_count),
        "Mean before": c["mean_before"].map(lambda v: _score(v, None, None)),
        "Mean after": c["mean_after"].map(lambda v: _score(v, None, None)),
        "Change": [DASH if pd.isna(e) else f"{_signed(e)} ({_signed(lo)} to {_signed(hi)})"
                   if pd.notna(lo) else _signed(e)
                   for e, lo, hi in zip(c["estimate"], c["ci_low"], c["ci_high"], strict=True)],
        "Verdict": c["beyond_noise"].map(lambda b: DASH if pd.isna(b) else
                                         ("beyond noise" if b else "within noise")),
    })
    return _style(out, name="change")


def format_activity_table(report: SentimentReport) -> Styler:
    """Active versus inactive respondents per construct (hidden rows left out)."""
    a = report.activity
    a = a[~a["suppressed"].astype(bool)] if len(a) else a
    if a.empty:
        return _empty("activity", "Too few matched respondents in a group to show.")
    out = pd.DataFrame({
        "Construct": a["construct"].map(_nice),
        "Active: mean (n)": [f"{_score(m, lo, hi)} ({format_count(n)})" for m, lo, hi, n in zip(
            a["mean_active"], a["ci_low_active"], a["ci_high_active"], a["n_active"],
            strict=True)],
        "Inactive: mean (n)": [f"{_score(m, lo, hi)} ({format_count(n)})" for m, lo, hi, n in
                               zip(a["mean_inactive"], a["ci_low_inactive"],
                                   a["ci_high_inactive"], a["n_inactive"], strict=True)],
        "Difference": [DASH if pd.isna(e) else f"{_signed(e)} ({_signed(lo)} to {_signed(hi)})"
                       if pd.notna(lo) else _signed(e) for e, lo, hi in zip(
                           a["estimate_difference"], a["ci_low"], a["ci_high"], strict=True)],
    })
    return _style(out, name="activity")


def format_reliability_table(report: SentimentReport) -> Styler:
    """Cronbach's alpha per construct."""
    r = report.reliability
    r = r[~r["suppressed"].astype(bool) & r["estimate"].notna()]
    if r.empty:
        return _empty("reliability", "No multi-item construct with enough answers.")
    out = pd.DataFrame({"Construct": r["construct"].map(_nice), "Items": r["k"],
                        "n": r["n"].map(format_count),
                        "Alpha": [_score(e, lo, hi) for e, lo, hi in zip(
                            r["estimate"], r["ci_low"], r["ci_high"], strict=True)]})
    return _style(out, name="reliability")


def format_theme_table(report: SentimentReport, *, top: int = 3) -> Styler:
    """Themes mentioned organisation-wide, with the shown teams that mention each most.

    Returns
    -------
    pandas.io.formats.style.Styler
        Columns ``Theme``, ``Respondents mentioning it`` (share of those who commented, in
        brackets) and ``Most often in`` (up to ``top`` shown teams with at least 3 mentions,
        by share of their commenters). Themes nobody mentions are left out.
    """
    t = report.themes
    t = t[~t["suppressed"].astype(bool)]
    org = t[(t["level"] == "organisation") & (t["mentions"] > 0)]
    if org.empty:
        return _empty("themes", "No comments to count.")
    teams = t[(t["level"] == "team") & (t["mentions"] >= 3)]
    rows = []
    for r in org.sort_values("mentions", ascending=False).itertuples():
        best = teams[teams["theme"] == r.theme].sort_values(["share", "mentions"],
                                                            ascending=False).head(top)
        rows.append({"Theme": r.label,
                     "Respondents mentioning it": f"{format_count(r.mentions)} "
                                                  f"({100 * float(r.share):.0f}%)",
                     "Most often in": ", ".join(
                         f"{b.team} ({100 * float(b.share):.0f}%)" for b in best.itertuples())
                     or DASH})
    return _style(pd.DataFrame(rows), name="themes",
                  caption="Respondents whose comments mention each theme (share of those who "
                          "wrote a comment).")


def format_comments_table(report: SentimentReport, *, limit: int = 12) -> Styler:
    """A few redacted comments from shown teams."""
    c = report.comments
    if len(c) > limit:  # one per team first, then more, from teams chosen at random
        first = c.drop_duplicates(["department", "team"])
        c = first.sample(min(limit, len(first)), random_state=0)
        c = c.sort_values(["department", "team"])
    if c.empty:
        return _empty("comments", "No comments from teams large enough to be shown.")
    out = pd.DataFrame({"Team": c["team"], "Comment": c["text"],
                        "Themes": c["themes"].map(lambda t: ", ".join(t) if t else DASH)})
    return _style(out, name="comments").set_table_styles(
        [{"selector": "td", "props": "white-space: normal; max-width: 620px;"}], overwrite=False)


# ----------------------------------------------------------------- figures


def plot_stage_profile(report: SentimentReport, *, ax: Axes | None = None) -> Axes:
    """Organisation's favourable share per ADKAR stage with intervals and the threshold."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2), dpi=100, layout="constrained")
    o = _org(report.summary)
    o = o[o["stage"].isin(ADKAR_STAGES)].set_index("stage").reindex(ADKAR_STAGES).dropna(
        subset=["favourable_share"])
    if o.empty:
        ax.text(0.5, 0.5, "No ADKAR stages measured.", ha="center", transform=ax.transAxes)
        return ax
    x = np.arange(len(o))
    est = o["favourable_share"].astype(float).to_numpy()
    err = np.vstack([est - o["favourable_ci_low"].astype(float),
                     o["favourable_ci_high"].astype(float) - est])
    ax.bar(x, est, color="#0072B2", alpha=0.85)
    ax.errorbar(x, est, yerr=err, fmt="none", ecolor="#222222", capsize=4)
    ax.axhline(report.threshold, color="#D55E00", linestyle="--", linewidth=1)
    ax.set_xticks(x, [_nice(s) for s in o.index])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Favourable share by ADKAR stage (organisation)", loc="left", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def plot_sentiment_quadrant(quadrant: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Shown teams: penetration (x) against sentiment (y), with the organisation's lines."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5), dpi=100, layout="constrained")
    q = quadrant[~quadrant["suppressed"].astype(bool)] if len(quadrant) else quadrant
    if q.empty:
        ax.text(0.5, 0.5, "No teams to show (no usage data or hidden for privacy).",
                ha="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return ax
    x, y = q["penetration"].astype(float), q["sentiment"].astype(float)
    ax.errorbar(x, y, xerr=[x - q["penetration_ci_low"].astype(float),
                            q["penetration_ci_high"].astype(float) - x],
                yerr=[y - q["sentiment_ci_low"].astype(float),
                      q["sentiment_ci_high"].astype(float) - y],
                fmt="o", color="#0072B2", ecolor="#9ecae1", elinewidth=1, capsize=0)
    for xi, yi, name in zip(x, y, q["team"], strict=True):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.axvline(float(q["organisation_penetration"].iloc[0]), color="#999999", linestyle="--")
    ax.axhline(float(q["organisation_sentiment"].iloc[0]), color="#999999", linestyle="--")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Share of people who used AI in the month")
    ax.set_ylabel("Mean sentiment score")
    ax.set_title("Adoption against sentiment by team", loc="left", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


# ----------------------------------------------------------------- rendering


def render_sentiment_report(workspace: Workspace | str | os.PathLike[str], *, wave: str,
                            comparison_wave: str | None = None,
                            min_group_size: int | None = None, title: str | None = None) -> Path:
    """Render the wave's sentiment report to ``reports/sentiment_<wave>.html``; refresh index.

    Raises
    ------
    InputError
        ``min_group_size`` below the floor.
    ReportError
        The notebook failed (e.g. an unknown wave: the message lists the waves).
    """
    ws = _workspace(workspace)
    params: dict[str, object] = {"workspace": str(ws.root), "wave": str(wave)}
    if comparison_wave is not None:
        params["comparison_wave"] = str(comparison_wave)
    if min_group_size is not None:
        check_min_group_size(min_group_size)
        params["min_group_size"] = int(min_group_size)
    if title:
        params["title"] = title
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(wave))
    out = ws.reports_dir / f"sentiment_{safe}.html"
    render_notebook(report_notebook_path(SENTIMENT_NOTEBOOK), out, **params)
    render_index(ws.reports_dir, organisation=ws.settings.organisation)
    return out


# ----------------------------------------------------------------- adoption-report section


@dataclass
class SentimentSection:
    """The sentiment section of the periodic adoption report (latest wave up to the period)."""

    wave: str
    wave_date: dt.date
    comparison_wave: str | None
    min_group_size: int
    summary: pd.DataFrame
    change: pd.DataFrame | None
    barrier: pd.DataFrame
    nps: pd.DataFrame


def build_sentiment_section(workspace: Workspace | str | os.PathLike[str], *, period: str,
                            period_kind: str = "month", min_group_size: int | None = None,
                            confidence: float = 0.95) -> SentimentSection | None:
    """The latest survey wave dated in or before ``period``, summarised; None if there is none.

    The comparison wave is the wave before it, when there is one.
    """
    ws = _workspace(workspace)
    k = _group_size(ws, min_group_size)
    target = parse_period(period, period_kind, week_start=ws.settings.week_start_index)
    with ws.store(read_only=True) as store:
        waves = load_waves(store)
        waves = waves[waves["wave_date"].dt.date <= target.end]
        if waves.empty:
            return None
        wave = str(waves["wave"].iloc[-1])
        before = str(waves["wave"].iloc[-2]) if len(waves) > 1 else None
        responses = load_responses(store, waves=[wave] + ([before] if before else []))
    threshold = barrier_threshold(ws.settings.section("surveys"))
    scores = score_constructs(responses, overall=overall_constructs(ws.settings.section("surveys")))
    summary = summarise_sentiment(scores[scores["wave"].astype(str) == wave],
                                  min_group_size=k, confidence=confidence)
    change = None
    if before and (scores["wave"].astype(str) == before).any():
        change = compute_wave_change(scores, wave=wave, comparison_wave=before,
                                     min_group_size=k, confidence=confidence)
    return SentimentSection(
        wave=wave, wave_date=pd.Timestamp(waves["wave_date"].iloc[-1]).date(),
        comparison_wave=before, min_group_size=k, summary=summary, change=change,
        barrier=adkar_barrier(summary, threshold=threshold),
        nps=compute_nps(responses[responses["wave"].astype(str) == wave], min_group_size=k,
                        confidence=confidence))


def describe_sentiment_section(section: SentimentSection | None) -> str:
    """Plain-language summary of the sentiment section (Markdown)."""
    if section is None:
        return "No survey wave falls in or before this period."
    parts = [f"From the survey wave **{section.wave}** ({section.wave_date:%d %B %Y})."]
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
            + ", ".join(f"{n} at {stage}" for stage, n in counts.items()) + "); lowest: "
            + ", ".join(f"{t} ({st}, {format_share(v, lo, hi)} favourable)" for t, st, v, lo, hi
                        in zip(worst["team"], worst["barrier"], worst["barrier_share"],
                               worst["barrier_ci_low"], worst["barrier_ci_high"], strict=True))
            + ".")
    if section.change is not None:
        c = _published(section.change)
        moved = c[c["beyond_noise"].fillna(False).astype(bool)]
        parts.append(f"{len(moved)} team x construct change(s) since {section.comparison_wave} "
                     "are beyond noise.")
    return " ".join(parts)


def format_sentiment_table(section: SentimentSection) -> Styler:
    """Shown teams: overall favourable share, barrier point and overall change."""
    t = _published(section.summary)
    t = t[t["construct"] == OVERALL]
    if t.empty:
        return _empty("sentiment", "No team is large enough to be shown.")
    b = _published(section.barrier)[["department", "team", "barrier"]]
    out = t.merge(b, on=["department", "team"], how="left")
    table = pd.DataFrame({
        "Department": out["department"], "Team": out["team"],
        "Respondents": out["n"].map(format_count),
        "Favourable overall": [format_share(e, lo, hi) for e, lo, hi in zip(
            out["favourable_share"], out["favourable_ci_low"], out["favourable_ci_high"],
            strict=True)],
        "Barrier point": out["barrier"].fillna(DASH).map(
            lambda s: s if s in ("none", DASH) else _nice(s)),
    })
    if section.change is not None:
        c = _published(section.change)
        c = c[c["construct"] == OVERALL][["department", "team", "estimate", "beyond_noise"]]
        m = out[["department", "team"]].merge(c, on=["department", "team"], how="left")
        table[f"Change since {section.comparison_wave}"] = [
            DASH if pd.isna(e) else _signed(e) + ("*" if bool(bn) else "")
            for e, bn in zip(m["estimate"], m["beyond_noise"].fillna(False), strict=True)]
    return _style(table, name="sentiment",
                  caption="Favourable = overall score at or above the top-2-box threshold; "
                          "* = change beyond noise. Hidden teams are not listed.")
