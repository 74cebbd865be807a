"""Display tables for reports: rounded percentages with intervals, n, and hidden groups.

The report's own frames (:class:`adoption.report.content.AdoptionReport`) keep full precision;
the functions here only turn them into text for people to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from adoption.report.escape import escape_styler, markdown_to_html

if TYPE_CHECKING:
    from adoption.report.content import AdoptionReport

__all__ = [
    "format_count",
    "format_headline_table",
    "format_percent",
    "format_points",
    "format_share",
    "format_sources_table",
    "format_team_table",
    "hidden_label",
]

MINUS = "\u2212"
DASH = "\u2013"


def _missing(*values: object) -> bool:
    return any(v is None or pd.isna(v) for v in values)


def format_count(value: object) -> str:
    """``1234`` -> ``"1,234"``; missing -> ``"–"``."""
    return DASH if _missing(value) else f"{int(round(float(value))):,}"


def format_percent(value: object) -> str:
    """A share as a whole percentage: ``0.534`` -> ``"53%"``; missing -> ``"–"``."""
    return DASH if _missing(value) else f"{100 * float(value):.0f}%"


def format_share(estimate: object, low: object, high: object) -> str:
    """A share with its interval in whole percent: ``"53% (51–55)"``."""
    if _missing(estimate):
        return DASH
    if _missing(low, high):
        return format_percent(estimate)
    return f"{format_percent(estimate)} ({100 * float(low):.0f}{DASH}{100 * float(high):.0f})"


def _signed(points: float) -> str:
    rounded = round(points)
    if rounded == 0:
        return "0"
    return f"+{rounded:.0f}" if rounded > 0 else f"{MINUS}{abs(rounded):.0f}"


def format_points(difference: object, low: object = None, high: object = None) -> str:
    """A change of a share in percentage points: ``"+4 pts (+2 to +6)"``."""
    if _missing(difference):
        return DASH
    text = f"{_signed(100 * float(difference))} pts"
    if not _missing(low, high):
        text += f" ({_signed(100 * float(low))} to {_signed(100 * float(high))})"
    return text


def hidden_label(reason: object, *, short: bool = False) -> str:
    """``"fewer than 5 people"`` -> ``"hidden (fewer than 5 people)"``.

    With ``short``, a complementary-suppression reason ("hidden so that a smaller team in
    Sales cannot be worked out ...") becomes ``"hidden (protects a smaller group)"``.
    """
    text = "" if _missing(reason) else str(reason).split("; ")[0]
    text = text.removeprefix("figures over seats hidden: ").removeprefix("hidden ")
    if short and text.startswith("so that"):
        text = "protects a smaller group"
    return f"hidden ({text})" if text else "hidden"


def _style(frame: pd.DataFrame, *, name: str, caption: str | None = None) -> Styler:
    """One look for every report table: no index, left-aligned text, a CSS class to find it.

    Every cell and label is HTML-escaped (values come from users' files); ``caption`` is
    Markdown (as the report's captions are), shown as HTML with raw HTML escaped.
    """
    styler = escape_styler(frame.style).hide(axis="index").set_table_attributes(
        f'class="dataframe adoption-table" data-table="{name}"'
    )
    styler = styler.set_table_styles([
        {"selector": "th", "props": "text-align: left; padding: 4px 10px;"},
        {"selector": "td", "props": "text-align: left; padding: 4px 10px; white-space: nowrap;"},
        {"selector": "caption", "props": "caption-side: top; text-align: left; padding: 4px 0;"},
    ])
    return styler.set_caption(markdown_to_html(caption)) if caption else styler


def format_headline_table(report: AdoptionReport) -> Styler:
    """The organisation's figures for the period, the comparison period and the change.

    Returns
    -------
    pandas.io.formats.style.Styler
        Columns ``Measure``, the two periods in words and ``Change``; shares read
        ``"53% (51–55) of 2,310"``. ``.data`` is the underlying text frame.
    """
    h = report.headline
    rows = []
    for r in h.itertuples(index=False):
        cells = []
        for prefix in ("", "comparison_"):
            est, lo, hi, n = (getattr(r, f"{prefix}{c}") for c in ("estimate", "ci_low",
                                                                    "ci_high", "n"))
            if r.suppressed and not prefix:
                cells.append(hidden_label(r.suppression_reason))
            elif r.measure in ("penetration", "activation_rate"):
                cells.append(DASH if _missing(est) else
                             f"{format_share(est, lo, hi)} of {format_count(n)}")
            else:
                cells.append(format_count(est))
        if r.measure == "penetration":
            change = format_points(r.difference, r.difference_ci_low, r.difference_ci_high)
            if not _missing(r.is_beyond_noise):
                change += (f", n = {format_count(r.n_paired)}, "
                           + ("beyond noise" if r.is_beyond_noise else "within noise"))
        elif r.measure == "activation_rate" or _missing(r.difference):
            change = DASH
        else:
            d = float(r.difference)
            change = ("+" if d > 0 else MINUS if d < 0 else "") + format_count(abs(d))
        rows.append([r.label, *cells, change])
    then = report.comparison_title or "Comparison"
    columns = ["Measure", report.period_title, then, "Change"]
    if not report.comparison_period:
        rows = [[r[0], r[1]] for r in rows]
        columns = columns[:2]
    caption = (f"Shares with their {report.confidence:.0%} interval in brackets and the number "
               "of people they are out of.")
    return _style(pd.DataFrame(rows, columns=columns), name="headline", caption=caption)


def format_team_table(report: AdoptionReport) -> Styler:
    """The team table for display: one row per team, hidden teams shown as hidden.

    Returns
    -------
    pandas.io.formats.style.Styler
        Columns ``Department, Team, People, With a seat, Used it, Share of seat holders,
        Share of all people`` and, with a comparison period, ``Change in share``. Shares read
        ``"53% (51–55)"`` (interval in brackets); ``People`` and ``With a seat`` are their n.
        Hidden teams read ``"hidden (fewer than 5 people)"``. ``.data`` is the text frame.
    """
    t = report.teams
    hidden = t["suppressed"].astype(bool).to_numpy()
    label = t["suppression_reason"].map(lambda r: hidden_label(r, short=True)).to_numpy()
    out = pd.DataFrame({"Department": t["department"], "Team": t["team"]})
    out["People"] = t["headcount"].map(format_count)
    out["With a seat"] = t["seats"].map(format_count)
    out["Used it"] = t["active_users"].map(format_count)
    activation = [
        format_share(e, lo, hi) if not _missing(e) or _missing(reason) or not s
        else hidden_label(reason, short=True)
        for e, lo, hi, reason, s in zip(t["activation_rate"], t["activation_ci_low"],
                                        t["activation_ci_high"], t["suppression_reason"],
                                        t["seats"].fillna(0), strict=True)
    ]
    out["Share of seat holders"] = activation
    out["Share of all people"] = [format_share(*v) for v in zip(
        t["penetration"], t["penetration_ci_low"], t["penetration_ci_high"], strict=True)]
    if report.comparison_period:
        change = [
            format_points(d, lo, hi) + ("*" if not _missing(beyond) and bool(beyond) else "")
            for d, lo, hi, beyond in zip(t["difference"], t["difference_ci_low"],
                                         t["difference_ci_high"], t["is_beyond_noise"],
                                         strict=True)
        ]
        out[f"Change since {report.comparison_title}"] = change
    figures = out.columns[2:]
    if hidden.any():
        out.loc[hidden, figures] = np.where(
            np.arange(len(figures)) == 0, label[hidden][:, None], DASH
        )
    caption = report.captions.get("teams")
    return _style(out.reset_index(drop=True), name="teams", caption=caption)


def format_sources_table(report: AdoptionReport) -> Styler:
    """The data sources: what each covers, when it was last loaded and what it is used for.

    Returns
    -------
    pandas.io.formats.style.Styler
        Columns ``Source, Files, Rows loaded, Rows rejected, Dates covered, Last loaded,
        Used for`` (how the metrics use the source, from what it can tell; see
        :func:`adoption.canonical.load_sources`). ``.data`` is the text frame.
    """
    s = report.sources

    def day(v: object) -> str:
        return DASH if _missing(v) else f"{pd.Timestamp(v):%Y-%m-%d}"

    label = s["label"] if "label" in s else s["kind"].str.capitalize()
    out = pd.DataFrame({
        "Source": label,
        "Files": s["files"].map(format_count),
        "Rows loaded": s["rows_loaded"].map(format_count),
        "Rows rejected": s["rows_rejected"].map(format_count),
        "Dates covered": [f"{day(a)} to {day(b)}" if not _missing(a) else DASH
                          for a, b in zip(s["first_date"], s["last_date"], strict=True)],
        "Last loaded": s["last_ingested"].map(day),
    })
    if "used_for" in s:
        out["Used for"] = s["used_for"].to_numpy()
    return _style(out, name="sources", caption="Data behind this report, and what each source "
                  "is used for.")
