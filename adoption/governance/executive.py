"""The executive page: the period's headline figures as tiles, and the alerts' status.

A leader who reads only this page learns what changed and what needs a decision. Each tile
is one figure the report's sections already computed (no new query), with its interval, n,
its change since the comparison period in its own unit, and a verdict in words taken from
the same test as the interval of the change:

- **People active on any AI tool**: the adoption headline (share of all people, Wilson
  interval); its change is the paired difference of the report's headline (Newcombe's
  interval, McNemar's test).
- **Seat utilisation**: the share of seats used in the period (all tools); its change is the
  difference of two independent proportions with Newcombe's hybrid score interval
  (statsmodels ``confint_proportions_2indep(method="newcomb")``), beyond noise when the
  interval excludes 0.
- **Reclaimable spend**: the monthly cost of idle seats and of seats of people who left, a
  count over every seat (no sampling, so no interval); its change is the difference in money.
  Where usage is charged, its words add the period's spend (seats and usage, the governance
  section's total).
- **Sentiment index**: the survey's overall score (on its scale, e.g. 1 to 5) of the latest wave, with its
  interval; its change is the wave-to-wave difference of the sentiment section.
- **Shadow-AI users**: the share of people using unsanctioned AI (Wilson interval); its change
  is the paired difference of the shadow-AI trend.

Alerts are marked ``new`` (raised now, not in the comparison period), ``ongoing`` (both) or
``resolved`` (only in the comparison period).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from adoption.report.tables import format_points

__all__ = [
    "ALERT_KEY",
    "TILE_COLUMNS",
    "ExecutiveSummary",
    "alert_status",
    "build_executive_summary",
    "describe_executive",
    "format_executive_tiles",
]

#: The columns of :attr:`ExecutiveSummary.tiles`.
TILE_COLUMNS = ["tile", "label", "unit", "estimate", "ci_low", "ci_high", "n", "comparison",
                "change", "change_ci_low", "change_ci_high", "beyond_noise", "verdict",
                "suppressed"]

#: What identifies one alert across periods.
ALERT_KEY = ["rule", "level", "department", "team"]


@dataclass(frozen=True)
class ExecutiveSummary:
    """The executive page of one period's report.

    Attributes
    ----------
    period_title, comparison_title : str
        The period and the one it is compared with, in words.
    currency : str
    tiles : pandas.DataFrame
        One row per headline figure (:data:`TILE_COLUMNS`); ``unit`` is ``"share"``,
        ``"money"`` or ``"score"``. A figure behind the privacy gate, or without data,
        has a missing ``estimate`` and says why in ``verdict``.
    alerts : pandas.DataFrame
        The alerts of the period and those resolved since the comparison period, with
        ``status`` (``new``, ``ongoing``, ``resolved``), most urgent first.
    """

    period_title: str
    comparison_title: str
    currency: str
    tiles: pd.DataFrame
    alerts: pd.DataFrame


#: Rules whose alerts are told apart by their message too (several per period and level).
_KEYED_BY_MESSAGE = frozenset({"export_drift"})


def alert_status(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """The current alerts marked ``new`` or ``ongoing``, plus the previous ones ``resolved``.

    An alert is the same across periods when its rule, level, department and team agree; an
    export drift alert (one per changed file, all at organisation level) also by its message,
    which names the file and the change.
    """
    def keys(frame: pd.DataFrame) -> pd.Series:
        own = frame["rule"].isin(_KEYED_BY_MESSAGE) if "message" in frame.columns else None
        return pd.Series(["|".join("" if pd.isna(v) else str(v) for v in row)
                          + (f"|{frame.at[i, 'message']}" if own is not None and own[i] else "")
                          for i, row in zip(frame.index, frame[ALERT_KEY].itertuples(index=False),
                                            strict=True)],
                         index=frame.index, dtype=object)

    before = set(keys(previous)) if previous is not None and len(previous) else set()
    now = keys(current)
    out = current.assign(status=np.where(now.isin(before), "ongoing", "new"))
    if previous is not None and len(previous):
        gone = previous[~keys(previous).isin(set(now))].assign(status="resolved")
        out = pd.concat([out, gone], ignore_index=True) if len(gone) else out
    order = {"high": 0, "medium": 1, "low": 2}
    rank = out["severity"].map(order).fillna(3) + (out["status"] == "resolved") * 10
    return out.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


def _tile(tile: str, label: str, unit: str, **values: Any) -> dict:
    row = dict.fromkeys(TILE_COLUMNS)
    row.update(tile=tile, label=label, unit=unit, suppressed=False)
    row.update(values)
    return row


def _active_tile(report: Any) -> dict:
    h = report.headline.set_index("measure")
    r = h.loc["penetration"]
    users = h.loc["active_users", "estimate"] if "active_users" in h.index else np.nan
    if pd.isna(r["estimate"]):
        return _tile("active", "People active on any AI tool", "share", suppressed=True,
                     verdict="Hidden: fewer people than the minimum group size.")
    beyond = r["is_beyond_noise"]
    verdict = _as_points(r["difference"], r["difference_ci_low"], r["difference_ci_high"],
                         beyond, report.comparison_title)
    return _tile("active", "People active on any AI tool", "share", estimate=r["estimate"],
                 ci_low=r["ci_low"], ci_high=r["ci_high"], n=r["n"],
                 comparison=r["comparison_estimate"], change=r["difference"],
                 change_ci_low=r["difference_ci_low"], change_ci_high=r["difference_ci_high"],
                 beyond_noise=None if pd.isna(beyond) else bool(beyond),
                 verdict=f"{users:,.0f} people. " * (not pd.isna(users)) + verdict)


def _as_points(change, low, high, beyond, since: str) -> str:
    """The verdict of a change of a share, in percentage points."""
    if pd.isna(change):
        return f"No comparison with {since}."
    text = format_points(change, low, high)
    if not pd.isna(beyond) and bool(beyond):
        return f"{'Up' if change > 0 else 'Down'} {text} since {since}: beyond noise."
    return f"{text} since {since}: no change beyond noise."


def _utilisation_tile(governance: Any, previous: pd.DataFrame | None, since: str) -> dict:
    from statsmodels.stats.proportion import confint_proportions_2indep

    label = "Seat utilisation"
    t = governance.totals
    if t is None or t.empty or pd.isna(t["utilisation"].iloc[0]):
        return _tile("utilisation", label, "share", suppressed=True,
                     verdict="No seat data for this period." if t is None or t.empty else
                     "Hidden: fewer seats than the minimum group size.")
    r = t.iloc[0]
    row = {"estimate": r["utilisation"], "ci_low": r["utilisation_ci_low"],
           "ci_high": r["utilisation_ci_high"], "n": r["seats"]}
    verdict = f"{r['active_seats']:,.0f} of {r['seats']:,.0f} seats used. "
    p = None if previous is None or previous.empty else previous.iloc[0]
    if p is not None and not pd.isna(p["utilisation"]) and p["seats"] > 0:
        low, high = confint_proportions_2indep(
            int(r["active_seats"]), int(r["seats"]), int(p["active_seats"]), int(p["seats"]),
            method="newcomb", compare="diff")
        change = r["utilisation"] - p["utilisation"]
        beyond = bool(low > 0 or high < 0)
        row |= {"comparison": p["utilisation"], "change": change, "change_ci_low": low,
                "change_ci_high": high, "beyond_noise": beyond}
        verdict += _as_points(change, low, high, beyond, since)
    else:
        verdict += f"No comparison with {since}."
    return _tile("utilisation", label, "share", verdict=verdict, **row)


def _spend_tile(governance: Any, since: str) -> dict:
    label = "Reclaimable spend per month"
    trend = governance.spend_trend
    if trend is None or trend.empty:
        return _tile("reclaimable", label, "money", suppressed=True,
                     verdict="No seat data for this period.")
    rows = trend.assign(period=trend["period"].astype(str)).set_index("period")
    if governance.period not in rows.index or pd.isna(
            rows.loc[governance.period, "reclaimable_monthly_spend"]):
        return _tile("reclaimable", label, "money", suppressed=True,
                     verdict="Hidden or unknown for this period.")
    now = float(rows.loc[governance.period, "reclaimable_monthly_spend"])
    before = rows["reclaimable_monthly_spend"][rows.index < governance.period]
    cur = governance.currency
    verdict = (f"Idle seats and seats of people who left, counted over every seat "
               f"({governance.totals['reclaimable_seats'].iloc[0]:,.0f} seats). ")
    totals = governance.totals
    if "usage_spend" in totals and len(totals) and not pd.isna(totals["usage_spend"].iloc[0]) \
            and totals["usage_spend"].iloc[0] > 0 and not pd.isna(totals["spend"].iloc[0]):
        # the same total as the governance section's tools table and caption
        verdict += (f"Spend this period {cur} {totals['spend'].iloc[0]:,.0f}, of it usage "
                    f"beyond the seats' allowance {cur} {totals['usage_spend'].iloc[0]:,.0f}. ")
    row: dict = {"estimate": now}
    if len(before) and not pd.isna(before.iloc[-1]):
        change = now - float(before.iloc[-1])
        row |= {"comparison": float(before.iloc[-1]), "change": change}
        way = "Up" if change > 0 else "Down" if change < 0 else "Unchanged"
        verdict += (f"{way} {cur} {abs(change):,.0f} since {since}." if change else
                    f"Unchanged since {since}.")
    else:
        verdict += f"No comparison with {since}."
    return _tile("reclaimable", label, "money", verdict=verdict, **row)


def _signed(x: float) -> str:
    return f"{x:+.2f}".replace("-", "\u2212")


def _sentiment_tile(sentiment: Any) -> dict:
    label = "Sentiment index"
    if sentiment is None:
        return _tile("sentiment", label, "score", suppressed=True,
                     verdict="No survey wave up to this period.")
    s = sentiment.summary
    org = s[(s["level"] == "organisation") & (s["construct"] == "overall")]
    if org.empty or pd.isna(org["estimate"].iloc[0]):
        return _tile("sentiment", label, "score", suppressed=True,
                     verdict="Hidden: fewer respondents than the minimum group size.")
    r = org.iloc[0]
    scale = f"{r['scale_min']:g}\u2013{r['scale_max']:g}"
    label = f"Sentiment index ({r['scale_min']:g} to {r['scale_max']:g})"
    row = {"estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
           "n": r["n"]}
    verdict = f"Survey wave {sentiment.wave}, {r['n']:,.0f} respondents. "
    c = getattr(sentiment, "change_organisation", None)
    c = None if c is None else c[c["construct"] == "overall"]
    if c is not None and len(c) and not pd.isna(c["estimate"].iloc[0]):
        ch = c.iloc[0]
        beyond = bool(ch["beyond_noise"]) if not pd.isna(ch["beyond_noise"]) else False
        row |= {"comparison": ch["mean_before"], "change": ch["estimate"],
                "change_ci_low": ch["ci_low"], "change_ci_high": ch["ci_high"],
                "beyond_noise": beyond}
        since = f"wave {sentiment.comparison_wave}"
        interval = f"({_signed(ch['ci_low'])} to {_signed(ch['ci_high'])})"
        if beyond:
            verdict += (f"{'Up' if ch['estimate'] > 0 else 'Down'} {abs(ch['estimate']):.2f} "
                        f"on the {scale} scale since {since} {interval}: beyond noise.")
        else:
            verdict += (f"{_signed(ch['estimate'])} on the {scale} scale since {since} "
                        f"{interval}: no change beyond noise.")
    else:
        verdict += "No earlier wave to compare with."
    return _tile("sentiment", label, "score", verdict=verdict, **row)


def _shadow_tile(governance: Any, since: str) -> dict:
    label = "People using unsanctioned AI"
    org = governance.shadow_organisation
    if org is None or org.empty or not bool(org["has_data"].iloc[0]):
        return _tile("shadow", label, "share", suppressed=True,
                     verdict="No data: no discovery logs or unsanctioned-tool exports cover "
                             "this period.")
    r = org.iloc[0]
    if pd.isna(r["share"]):
        return _tile("shadow", label, "share", suppressed=True,
                     verdict="Hidden: fewer people than the minimum group size.")
    row = {"estimate": r["share"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
           "n": r["headcount"]}
    verdict = f"{r['users']:,.0f} people. "
    t = governance.shadow_trend_organisation
    if t is not None and len(t) and not pd.isna(t["difference"].iloc[0]):
        ch = t.iloc[0]
        beyond = bool(ch["beyond_noise"]) if not pd.isna(ch["beyond_noise"]) else False
        row |= {"comparison": ch["comparison_share"], "change": ch["difference"],
                "change_ci_low": ch["ci_low"], "change_ci_high": ch["ci_high"],
                "beyond_noise": beyond}
        verdict += _as_points(ch["difference"], ch["ci_low"], ch["ci_high"], beyond, since)
    else:
        verdict += f"No comparison with {since}."
    return _tile("shadow", label, "share", verdict=verdict, **row)


def build_executive_summary(report: Any, governance: Any, sentiment: Any = None
                            ) -> ExecutiveSummary:
    """The executive page from the report's sections (nothing is computed twice).

    Parameters
    ----------
    report : adoption.report.AdoptionReport
        :func:`adoption.report.build_adoption_report` of the period.
    governance : GovernanceSection
        :func:`adoption.governance.build_governance_section` of the same period.
    sentiment : SentimentSection, optional
        :func:`adoption.surveys.report.build_sentiment_section` (None: no survey wave).

    Returns
    -------
    ExecutiveSummary
    """
    since = report.comparison_title or "the previous period"
    tiles = pd.DataFrame([
        _active_tile(report), _utilisation_tile(governance, governance.totals_previous, since),
        _spend_tile(governance, since), _sentiment_tile(sentiment),
        _shadow_tile(governance, since)], columns=TILE_COLUMNS)
    alerts = alert_status(governance.alerts, governance.alerts_previous)
    return ExecutiveSummary(period_title=report.period_title, comparison_title=since,
                            currency=governance.currency, tiles=tiles, alerts=alerts)


def describe_executive(summary: ExecutiveSummary) -> str:
    """One paragraph in words: how many alerts are new, ongoing and resolved."""
    counts = summary.alerts["status"].value_counts() if len(summary.alerts) else {}
    new, ongoing, resolved = (int(counts.get(s, 0)) for s in ("new", "ongoing", "resolved"))
    if not (new or ongoing or resolved):
        return (f"No alerts in {summary.period_title} and none in "
                f"{summary.comparison_title}.")
    return (f"Alerts in {summary.period_title}: **{new} new**, {ongoing} ongoing since "
            f"{summary.comparison_title}, {resolved} resolved. New alerts need a decision; "
            "the sections below give the evidence.")


def _value(r: Any, currency: str) -> tuple[str, str]:
    if pd.isna(r.estimate):
        return "\u2013", ""
    if r.unit == "money":
        return f"{currency} {r.estimate:,.0f}", "all seats, no sampling"
    if r.unit == "score":
        return f"{r.estimate:.2f}", f"{r.ci_low:.2f} to {r.ci_high:.2f}, n = {r.n:,.0f}"
    return (f"{100 * r.estimate:.0f}%",
            f"{100 * r.ci_low:.0f} to {100 * r.ci_high:.0f}%, n = {r.n:,.0f}")


_TILE_CSS = """<style>
.exec-tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,13rem),1fr));
gap:.75rem;margin:.5rem 0 1rem}
.exec-tile{border:1px solid #d0d5dd;border-radius:6px;padding:.6rem .8rem;background:#fff;
break-inside:avoid}
.exec-tile h3{font-size:.85rem;font-weight:600;margin:0 0 .3rem;color:#344054}
.exec-tile .value{font-size:1.6rem;font-weight:700;color:#101828;line-height:1.2}
.exec-tile .interval{font-size:.8rem;color:#475467}
.exec-tile .verdict{font-size:.85rem;margin:.4rem 0 0;color:#101828}
.exec-tile.up .verdict::before{content:"\\25B2 ";color:#1a7f37}
.exec-tile.down .verdict::before{content:"\\25BC ";color:#b42318}
</style>"""


def format_executive_tiles(summary: ExecutiveSummary) -> str:
    """The tiles as one self-contained HTML fragment (every text escaped).

    Returns
    -------
    str
        ``<div class="exec-tiles">`` with one ``<section class="exec-tile">`` per tile; a
        change beyond noise adds the class ``up`` or ``down``. Display it with
        ``IPython.display.HTML``.
    """
    from adoption.report.escape import escape_html

    parts = [_TILE_CSS, '<div class="exec-tiles" data-table="executive">']
    for r in summary.tiles.itertuples(index=False):
        value, interval = _value(r, summary.currency)
        way = ""
        if r.beyond_noise is True:
            way = " up" if r.change > 0 else " down"
        parts.append(
            f'<section class="exec-tile{way}" data-tile="{escape_html(r.tile)}">'
            f"<h3>{escape_html(r.label)}</h3><div class=\"value\">{escape_html(value)}</div>"
            f'<div class="interval">{escape_html(interval)}</div>'
            f'<p class="verdict">{escape_html(r.verdict)}</p></section>')
    parts.append("</div>")
    return "".join(parts)
