"""Display tables of the sentiment report and of the adoption report's sentiment section.

Each ``format_*`` function takes a :class:`~adoption.surveys.report.SentimentReport` (or a
:class:`~adoption.surveys.report.SentimentSection`) and returns a pandas Styler with the
report's one table look. Only published groups are listed: a hidden team's name never appears.
The private helpers here (published rows, score and sign formatting) are shared with
:mod:`adoption.surveys.report_captions` and :mod:`adoption.surveys.report_figures`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from pandas.io.formats.style import Styler

from adoption.periods import label_period
from adoption.report.tables import DASH, MINUS, _style, format_count, format_share
from adoption.surveys.change import ADKAR_STAGES
from adoption.surveys.metrics import OVERALL

if TYPE_CHECKING:
    from adoption.surveys.report import SentimentReport, SentimentSection

__all__ = [
    "RELIABILITY_THRESHOLD",
    "format_activity_table",
    "format_barrier_table",
    "format_change_table",
    "format_comments_table",
    "format_construct_table",
    "format_headline_table",
    "format_quadrant_table",
    "format_reliability_table",
    "format_sentiment_table",
    "format_theme_table",
]


#: A construct whose items agree less than this (Cronbach's alpha) is flagged "low
#: reliability" wherever its score is shown (the usual rule of thumb; see describe_reliability).
RELIABILITY_THRESHOLD = 0.7
#: Marker of a low-reliability construct in the wide construct table's header.
LOW_MARK = "\u2020"

# ----------------------------------------------------------------- helpers


def _nice(name: object) -> str:
    return str(name).replace("_", " ").capitalize()


def _low_reliability(report: SentimentReport | SentimentSection) -> set[str]:
    """Constructs whose shown reliability is below :data:`RELIABILITY_THRESHOLD`."""
    r = getattr(report, "reliability", None)
    if r is None or r.empty:
        return set()
    r = r[~r["suppressed"].astype(bool) & r["estimate"].notna()]
    return set(r.loc[r["estimate"] < RELIABILITY_THRESHOLD, "construct"].astype(str))


def _construct(name: object, low: set[str]) -> str:
    """``"Trust"``, or ``"Trust (low reliability)"`` when its items agree too little."""
    return _nice(name) + (" (low reliability)" if str(name) in low else "")


def _scale(summary: pd.DataFrame) -> str:
    """``"1–5 scale"`` (or ``"each construct's scale"`` when they differ)."""
    if summary is None or summary.empty or "scale_min" not in summary:
        return "score scale"
    scales = summary[["scale_min", "scale_max"]].dropna().drop_duplicates()
    if len(scales) != 1:
        return "each construct's scale"
    lo, hi = scales.iloc[0]
    return f"{lo:.0f}{DASH}{hi:.0f} scale"


def _favourable(summary: pd.DataFrame) -> str:
    """``"4 or more on the 1–5 scale"`` (the top-2-box threshold, in words)."""
    if summary is None or summary.empty or "favourable_min" not in summary:
        return "at or above the favourable threshold"
    mins = summary["favourable_min"].dropna().unique()
    if len(mins) != 1:
        return "at or above each construct's favourable threshold"
    return f"{float(mins[0]):g} or more on the {_scale(summary)}"


def _change(e: object, lo: object, hi: object) -> str:
    if e is None or pd.isna(e):
        return DASH
    return f"{_signed(e)} ({_signed(lo)} to {_signed(hi)})" if pd.notna(lo) else _signed(e)


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
    low = _low_reliability(report)
    for c in _constructs(o):
        x = o[o["construct"] == c].iloc[0]
        cell = format_share(x["favourable_share"], x["favourable_ci_low"],
                            x["favourable_ci_high"])
        row = [f"{_construct(c, low)}: favourable", cell, format_count(x["n"])]
        if change is not None:
            ch = change[change["construct"] == c]
            row.append(DASH if ch.empty or pd.isna(ch["estimate"].iloc[0]) else
                       f"{_change(*ch[['estimate', 'ci_low', 'ci_high']].iloc[0])}, "
                       f"{'beyond noise' if ch['beyond_noise'].iloc[0] else 'within noise'}")
        rows.append(row)
    cols = ["Measure", f"Wave {report.wave}", "n"]
    if change is not None:
        cols.append(f"Change in mean score since {report.comparison_wave} "
                    f"(on the {_scale(o)})")
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
    low = _low_reliability(report)
    for (dept, team), g in t.groupby(["department", "team"], sort=True):
        row = {"Department": dept, "Team": team, "n": format_count(g["n"].max())}
        for c in _constructs(t):
            x = g[g["construct"] == c]
            row[_nice(c) + (LOW_MARK if c in low else "")] = DASH if x.empty else format_share(
                x["favourable_share"].iloc[0], x["favourable_ci_low"].iloc[0],
                x["favourable_ci_high"].iloc[0])
        rows.append(row)
    caption = (f"Share of favourable respondents (a score of {_favourable(t)}), with the range "
               f"we are {report.confidence:.0%} sure of. "
               + (f"{LOW_MARK} low reliability: the construct's questions agree less than "
                  f"{RELIABILITY_THRESHOLD:g} (see Reliability of the constructs), so read its "
                  "shares with care. " if low else "")
               + f"{report.hidden_teams} team(s) hidden for privacy.")
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
    low = _low_reliability(report)
    out = pd.DataFrame({
        "Department": c["department"], "Team": c["team"],
        "Construct": c["construct"].map(lambda x: _construct(x, low)),
        "n before": c["n_before"].map(format_count), "n after": c["n_after"].map(format_count),
        "Mean before": c["mean_before"].map(lambda v: _score(v, None, None)),
        "Mean after": c["mean_after"].map(lambda v: _score(v, None, None)),
        f"Change (on the {_scale(report.summary)})": [
            _change(e, lo, hi)
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
    low = _low_reliability(report)
    out = pd.DataFrame({
        "Construct": a["construct"].map(lambda x: _construct(x, low)),
        "Active: mean (n)": [f"{_score(m, lo, hi)} ({format_count(n)})" for m, lo, hi, n in zip(
            a["mean_active"], a["ci_low_active"], a["ci_high_active"], a["n_active"],
            strict=True)],
        "Inactive: mean (n)": [f"{_score(m, lo, hi)} ({format_count(n)})" for m, lo, hi, n in
                               zip(a["mean_inactive"], a["ci_low_inactive"],
                                   a["ci_high_inactive"], a["n_inactive"], strict=True)],
        f"Difference (on the {_scale(report.summary)})": [
            _change(e, lo, hi) for e, lo, hi in zip(
                a["estimate_difference"], a["ci_low"], a["ci_high"], strict=True)],
    })
    return _style(out, name="activity")


def format_reliability_table(report: SentimentReport) -> Styler:
    """How consistently each construct's questions agree (Cronbach's alpha, 0 to 1), and
    whether that is below :data:`RELIABILITY_THRESHOLD`."""
    r = report.reliability
    r = r[~r["suppressed"].astype(bool) & r["estimate"].notna()]
    if r.empty:
        return _empty("reliability", "No multi-item construct with enough answers.")
    out = pd.DataFrame({"Construct": r["construct"].map(_nice), "Items": r["k"],
                        "n": r["n"].map(format_count),
                        "Agreement of the items (0 to 1)": [_score(e, lo, hi) for e, lo, hi in zip(
                            r["estimate"], r["ci_low"], r["ci_high"], strict=True)],
                        "Reliability": r["estimate"].map(
                            lambda e: f"low (below {RELIABILITY_THRESHOLD:g})"
                            if e < RELIABILITY_THRESHOLD else "acceptable")})
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


def _theme_labels(report: SentimentReport) -> dict[str, str]:
    """Theme id -> its words from the lexicon (``"time_saved"`` -> ``"Time saved"``)."""
    t = report.themes
    if t is None or t.empty or "label" not in t:
        return {}
    t = t.dropna(subset=["theme", "label"]).drop_duplicates("theme")
    return dict(zip(t["theme"].astype(str), t["label"].astype(str), strict=True))


def format_comments_table(report: SentimentReport, *, limit: int = 12) -> Styler:
    """A few redacted comments from shown teams."""
    c = report.comments
    if len(c) > limit:  # one per team first, then more, from teams chosen at random
        first = c.drop_duplicates(["department", "team"])
        c = first.sample(min(limit, len(first)), random_state=0)
        c = c.sort_values(["department", "team"])
    if c.empty:
        return _empty("comments", "No comments from teams large enough to be shown.")
    words = _theme_labels(report)
    out = pd.DataFrame({"Team": c["team"], "Comment": c["text"],
                        "Themes": c["themes"].map(lambda t: ", ".join(
                            words.get(str(x), _nice(x)) for x in t) if t else DASH)})
    return _style(out, name="comments").set_table_styles(
        [{"selector": "td", "props": "white-space: normal; max-width: 620px;"}], overwrite=False)


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
        table[f"Change since {section.comparison_wave} (on the {_scale(t)})"] = [
            DASH if pd.isna(e) else _signed(e) + ("*" if bool(bn) else "")
            for e, bn in zip(m["estimate"], m["beyond_noise"].fillna(False), strict=True)]
    return _style(table, name="sentiment",
                  caption=f"Favourable = an overall score of {_favourable(t)} (interval in "
                          "brackets); * = change beyond noise. Hidden teams are not listed.")


def format_quadrant_table(source: SentimentReport | SentimentSection) -> Styler:
    """Shown teams placed by adoption against sentiment (the quadrant as a table).

    Columns ``Department, Team, Active on any AI tool`` (the share of the team's people, with
    its interval, as the adoption report's team table gives it for the same month),
    ``People``, ``Overall sentiment`` (mean score with interval), ``Respondents`` and
    ``Quadrant``. Hidden teams (in either source) are not listed.
    """
    q = source.quadrant
    q = q[~q["suppressed"].astype(bool)] if q is not None and len(q) else pd.DataFrame()
    if q.empty:
        return _empty("quadrant", "No team with both adoption and survey figures to show.")
    period = label_period(str(q["period"].iloc[0]), "month").title
    table = pd.DataFrame({
        "Department": q["department"], "Team": q["team"],
        f"Active on any AI tool, {period}": [format_share(*v) for v in zip(
            q["penetration"], q["penetration_ci_low"], q["penetration_ci_high"], strict=True)],
        "People": q["headcount"].map(format_count),
        "Overall sentiment": [_score(*v) for v in zip(
            q["sentiment"], q["sentiment_ci_low"], q["sentiment_ci_high"], strict=True)],
        "Respondents": q["n"].map(format_count),
        "Quadrant": q["quadrant"].fillna(DASH),
    })
    org = q.iloc[0]
    return _style(table.reset_index(drop=True), name="quadrant", caption=(
        f"Organisation: {format_share(org['organisation_penetration'], None, None)} active on "
        f"any AI tool, mean sentiment {_score(org['organisation_sentiment'], None, None)}; a "
        "team is above or below the organisation by its point estimate. Hidden teams are not "
        "listed."))
