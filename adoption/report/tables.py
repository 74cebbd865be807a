"""Display tables for reports: rounded percentages with intervals, n, and hidden groups.

The report's own frames (:class:`adoption.report.content.AdoptionReport`) keep full precision;
the functions here only turn them into text for people to read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from adoption.report.content import seat_hidden_reason, source_label
from adoption.report.escape import escape_styler, markdown_to_html

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

    from adoption.report.content import AdoptionReport

__all__ = [
    "format_count",
    "format_headline_table",
    "format_percent",
    "format_points",
    "format_range",
    "format_share",
    "format_share_range",
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


def format_range(low: object, high: object) -> str:
    """A count known only within bounds: ``"412 to 431"``; one number when they agree."""
    if _missing(low):
        return DASH
    if _missing(high) or round(float(high)) == round(float(low)):
        return format_count(low)
    return f"{format_count(low)} to {format_count(high)}"


def format_share_range(estimate: object, low: object, high: object, upper: object) -> str:
    """A share with its interval, and its upper bound when some people are unknown:
    ``"53% (51–55), up to 58%"``."""
    text = format_share(estimate, low, high)
    if not _missing(estimate, upper) and round(100 * float(upper)) > round(100 * float(estimate)):
        text += f", up to {format_percent(upper)}"
    return text


def hidden_label(reason: object, *, short: bool = False) -> str:
    """``"fewer than 5 people"`` -> ``"hidden (fewer than 5 people)"``.

    With ``short``, a complementary-suppression reason ("hidden so that a smaller team in
    Sales cannot be worked out ...") becomes ``"hidden (protects a smaller group)"``.
    """
    text = "" if _missing(reason) else str(reason).split("; ")[0]
    text = re.sub(r"^figures over [a-z ]+? hidden:? ?", "", text).removeprefix("hidden ")
    if short and text.startswith("so that"):
        text = "protects a smaller group"
    return f"hidden ({text})" if text else "hidden"


#: Shorter names of the classes pandas puts on every cell ("data row12 col3" -> "d r12 col3"):
#: a report has thousands of cells, and no style uses these two (the column classes stay,
#: tables wrap their long columns by them).
_SHORT_CLASSES = {"data": "d", "row": "r"}


def _style(frame: pd.DataFrame, *, name: str, caption: str | None = None) -> Styler:
    """One look for every report table: no index, left-aligned text, a CSS class to find it.

    Every cell and label is HTML-escaped (values come from users' files); ``caption`` is
    Markdown (as the report's captions are), shown as HTML with raw HTML escaped.
    """
    # imported here: the Styler compiles its HTML templates at import (half a second), which
    # the command line's plain-text tables (format_count, format_share ...) do not need
    from pandas.io.formats.style import Styler

    # cell_ids=False: an id on a cell only where a cell has a style of its own (none do), which
    # keeps a report's HTML a third smaller
    styler = escape_styler(Styler(frame, cell_ids=False)).hide(axis="index")
    styler = styler.set_table_attributes(f'class="dataframe adoption-table" data-table="{name}"')
    styler = styler.set_table_styles([
        {"selector": "th", "props": "text-align: left; padding: 4px 10px;"},
        {"selector": "td", "props": "text-align: left; padding: 4px 10px; white-space: nowrap;"},
        {"selector": "caption", "props": "caption-side: top; text-align: left; padding: 4px 0;"},
    ], css_class_names=_SHORT_CLASSES)
    return styler.set_caption(markdown_to_html(caption)) if caption else styler


def format_headline_table(report: AdoptionReport) -> Styler:
    """The organisation's figures for the period, the comparison period and the change.

    Returns
    -------
    pandas.io.formats.style.Styler
        Columns ``Measure``, the two periods in words and ``Change``; shares read
        ``"53% (51–55) of 2,310"``. When some people's activity is unknown (a report window
        straddling the period's boundary), the count reads ``"412 to 431 (19 unknown)"`` and
        the share adds ``", up to 19%"``. A seat count beside a hidden activation rate reads
        hidden. ``.data`` is the underlying text frame.
    """
    h = report.headline
    rows = []
    for r in h.itertuples(index=False):
        cells = []
        seat_hidden = seat_hidden_reason(r.suppression_reason)
        for prefix in ("", "comparison_"):
            est, lo, hi, n, up = (getattr(r, f"{prefix}{c}") for c in (
                "estimate", "ci_low", "ci_high", "n", "upper"))
            if r.suppressed and not prefix:
                cells.append(hidden_label(r.suppression_reason))
            elif (r.measure in ("seats", "activation_rate") and not prefix and seat_hidden
                  and _missing(est)):
                cells.append(hidden_label(seat_hidden))
            elif r.measure in ("penetration", "activation_rate"):
                cells.append(DASH if _missing(est) else
                             f"{format_share(est, lo, hi)} of {format_count(n)}"
                             + format_share_range(est, lo, hi, up).removeprefix(
                                 format_share(est, lo, hi)))
            elif r.measure == "active_users" and not _missing(est, up) and up > est:
                cells.append(f"{format_range(est, up)} ({format_count(up - est)} unknown)")
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
            noun = ("seat", "seats") if r.measure == "seats" else ("person", "people")
            change = (("+" if d > 0 else MINUS if d < 0 else "") + format_count(abs(d)) + " "
                      + noun[round(abs(d)) != 1])
        rows.append([r.label, *cells, change])
    then = report.comparison_title or "Comparison"
    columns = ["Measure", report.period_title, then, "Change"]
    if not report.comparison_period:
        rows = [[r[0], r[1]] for r in rows]
        columns = columns[:2]
    caption = (f"People active on {report.counted}, from every source. Shares with their "
               f"{report.confidence:.0%} interval in brackets and the number of people they are "
               "out of.")
    return _style(pd.DataFrame(rows, columns=columns), name="headline", caption=caption)


def format_team_table(report: AdoptionReport) -> Styler:
    """The team table for display: one row per team, hidden teams shown as hidden.

    Returns
    -------
    pandas.io.formats.style.Styler
        Columns ``Department, Team, People, Active on <tools>, Share of all people, With a
        seat, Share of seat holders``, with a comparison period ``Change since <period>``,
        and ``Sources`` (the sources the team's figures rest on). Shares read ``"53% (51–55)"``
        (interval in brackets); ``People`` and ``With a seat`` are their n. When some people
        are unknown the count reads ``"12 to 14"`` and the share adds ``"up to 58%"``. Hidden
        teams read ``"hidden (fewer than 5 people)"``; a hidden activation rate reads
        ``"hidden (fewer than 5 seats)"`` and its seat count is not shown. ``.data`` is the
        text frame.
    """
    t = report.teams
    hidden = t["suppressed"].astype(bool).to_numpy()
    label = t["suppression_reason"].map(lambda r: hidden_label(r, short=True)).to_numpy()
    seat_hidden = t["suppression_reason"].map(seat_hidden_reason)
    out = pd.DataFrame({"Department": t["department"], "Team": t["team"]})
    out["People"] = t["headcount"].map(format_count)
    out[f"Active on {report.counted}"] = [
        format_range(a, u) for a, u in zip(t["active_users"], t["active_users_upper"],
                                           strict=True)]
    out["Share of all people"] = [format_share_range(*v) for v in zip(
        t["penetration"], t["penetration_ci_low"], t["penetration_ci_high"],
        t["penetration_upper"], strict=True)]
    out["With a seat"] = t["seats"].map(format_count)
    out["Share of seat holders"] = [
        hidden_label(why, short=True) if why else format_share(e, lo, hi)
        for e, lo, hi, why in zip(t["activation_rate"], t["activation_ci_low"],
                                  t["activation_ci_high"], seat_hidden, strict=True)
    ]
    if report.comparison_period:
        change = [
            format_points(d, lo, hi) + ("*" if not _missing(beyond) and bool(beyond) else "")
            for d, lo, hi, beyond in zip(t["difference"], t["difference_ci_low"],
                                         t["difference_ci_high"], t["is_beyond_noise"],
                                         strict=True)
        ]
        out[f"Change since {report.comparison_title}"] = change
    out["Sources"] = [", ".join(source_label(n.strip()) for n in str(v).split(",") if n.strip())
                      or DASH if not _missing(v) else DASH for v in t["sources"]]
    figures = out.columns[2:]
    if hidden.any():
        out.loc[hidden, figures] = np.where(
            np.arange(len(figures)) == 0, label[hidden][:, None], DASH
        )
    caption = report.captions.get("teams")
    styler = _style(out.reset_index(drop=True), name="teams", caption=caption)
    return styler.set_properties(subset=["Sources"], **{"white-space": "normal",
                                                          "min-width": "16em"})


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
