"""Report sections: adoption by source side by side, and the data-quality appendix.

:func:`build_source_report` computes, for one period, active users per source and tool
(:func:`adoption.vendors.activity.compute_source_active_users`), each source counted only as
it allows, plus the data-quality view (:func:`adoption.vendors.quality.build_data_quality`).
The notebook displays it with :func:`format_source_activity_table`,
:func:`format_source_team_table`, :func:`plot_source_trend` and the ``describe_*`` captions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from pandas.io.formats.style import Styler

from adoption.canonical.membership import load_group_labels
from adoption.canonical.semantics import source_semantics, source_semantics_table
from adoption.periods import parse_period
from adoption.privacy import publish_labels, resolve_min_group_size
from adoption.report.style import (
    PALETTE,
    house_style,
    legend_outside,
    new_axes,
    nothing_to_show,
    period_axis,
    style_axes,
)
from adoption.store import Store
from adoption.vendors.activity import compute_source_active_users
from adoption.vendors.feature_use import compute_feature_use
from adoption.vendors.quality import DataQuality, build_data_quality
from adoption.workspace import Workspace

__all__ = [
    "SourceReport",
    "build_source_report",
    "describe_source_activity",
    "feature_use_tools",
    "format_feature_use_table",
    "format_source_activity_table",
    "format_source_team_table",
    "plot_source_trend",
]

#: Periods shown in the per-source trend, ending with the report's period.
TREND_PERIODS = 12


@dataclass(frozen=True)
class SourceReport:
    """Adoption by source for one period, and the data-quality view.

    Attributes
    ----------
    period, period_kind : str
    min_group_size : int
    organisation : DataFrame
        One row per source x tool in the period (organisation level), columns of
        :data:`adoption.vendors.activity.SOURCE_ACTIVE_USER_COLUMNS`; aggregate-only sources
        have one row per vendor scope with ``aggregate_metric, aggregate_value``.
    teams : DataFrame
        One row per source x tool x team in the period (person-level sources only), suppressed.
    trend : DataFrame
        Organisation rows of person-level sources for up to :data:`TREND_PERIODS` periods.
    semantics : DataFrame
        What each source present can tell (:func:`~adoption.canonical.semantics.source_semantics_table`).
    quality : DataQuality
    captions : Mapping of str to str
        ``activity`` and ``quality``.
    features : DataFrame
        What people use the tools for in the period: one row per tool x feature x group
        (organisation, department, team), suppressed
        (:func:`~adoption.vendors.feature_use.compute_feature_use`).
    """

    period: str
    period_kind: str
    min_group_size: int
    organisation: pd.DataFrame
    teams: pd.DataFrame
    trend: pd.DataFrame
    semantics: pd.DataFrame
    quality: DataQuality
    captions: Mapping[str, str] = field(default_factory=dict)
    features: pd.DataFrame = field(default_factory=pd.DataFrame)


def build_source_report(
    workspace_or_store: Workspace | Store | str | os.PathLike[str],
    *,
    period: str,
    period_kind: str = "month",
    min_group_size: int | None = None,
    confidence: float = 0.95,
) -> SourceReport:
    """Compute the per-source section and the data-quality appendix for one period.

    Parameters
    ----------
    workspace_or_store : Workspace, Store or path
    period : str
        E.g. ``"2026-01"``.
    period_kind : {"month", "week", "quarter"}, default "month"
    min_group_size : int, optional
        Privacy threshold (never below the workspace's).
    confidence : float, default 0.95

    Returns
    -------
    SourceReport
        Empty frames (and a caption saying so) when no source has data for ``period``; the
        adoption report checks the period itself.
    """
    from adoption.vendors.quality import describe_data_quality
    from adoption.workspace import open_store

    with open_store(workspace_or_store) as store:
        target = parse_period(period, period_kind, week_start=store.settings.week_start_index)
        k = resolve_min_group_size(store.settings, min_group_size)
        rows = compute_source_active_users(store, period_kind=period_kind,
                                           by=("organisation", "team"), min_group_size=k,
                                           confidence=confidence)
        person = rows["counts_distinct_users"].astype(bool)
        in_team = rows["team"].notna()
        org = rows[~person | ~in_team].reset_index(drop=True)  # aggregate scopes included
        teams = rows[person & in_team].reset_index(drop=True)
        quality = build_data_quality(store)
        features = compute_feature_use(store, period_kind=period_kind, min_group_size=k,
                                       confidence=confidence)
        labels_ = load_group_labels(store)
        teams = publish_labels(teams, store.settings, labels=labels_)
        features = features[features["period"] == target.label].reset_index(drop=True)
        if not features.empty:
            features = publish_labels(features, store.settings, labels=labels_)
    labels = sorted(org["period"].dropna().unique())
    window = [p for p in labels if p <= target.label][-TREND_PERIODS:]
    person = org["counts_distinct_users"].astype(bool)
    # a last-activity source tells, for months before its export, only who was last active
    # then, not who was active: it would draw a false rise, so the trend leaves it out
    last_only = org["source"].map(lambda s: bool(source_semantics(s).last_activity_only))
    report = SourceReport(
        period=target.label, period_kind=period_kind, min_group_size=k,
        organisation=org[org["period"] == target.label].reset_index(drop=True),
        teams=teams[(teams["period"] == target.label)
                    & teams["counts_distinct_users"].astype(bool)].reset_index(drop=True),
        trend=org[person & ~last_only & org["period"].isin(window)].reset_index(drop=True),
        semantics=source_semantics_table(list(quality.sources["source"])),
        quality=quality,
        features=features,
    )
    captions = {"activity": describe_source_activity(report),
                "quality": describe_data_quality(quality)}
    return replace(report, captions=captions)


def _share(row: pd.Series) -> str:
    from adoption.report.tables import format_count, format_share, hidden_label

    if row["suppressed"]:
        return hidden_label(row["suppression_reason"], short=True)
    return (f"{format_count(row['active_users'])} of {format_count(row['n'])}: "
            f"{format_share(row['estimate'], row['ci_low'], row['ci_high'])}")


def format_source_activity_table(report: SourceReport) -> Styler:
    """Per source and tool, the organisation's active people in the period, side by side.

    Returns
    -------
    pandas.io.formats.style.Styler
        Columns ``Source, Tool, Active people`` (``"12 of 40: 30% (18–45)"``, interval in
        brackets), ``Not attributable`` (windows straddling the period with no known active
        day), ``Not in the roster``, ``Outside employment`` and ``What it counts``. Aggregate
        sources show their peak daily active users per scope instead of people.
    """
    from adoption.report.tables import DASH, _style, format_count

    rows = []
    for r in report.organisation.to_dict("records"):
        sem = source_semantics(r["source"])
        if not r["counts_distinct_users"]:
            rows.append([r["source_label"], r["tool"],
                         f"{r['team']}: {r['aggregate_metric']} {format_count(r['aggregate_value'])}"
                         " (a total, not people)", DASH, DASH, DASH,
                         "team totals only; never counted as people"])
            continue
        what = ("every active day" if sem.daily_activity else
                "the month of the last active day only (a lower bound)"
                if sem.last_activity_only else
                "active in a week or month; straddling windows only with a known day")
        rows.append([r["source_label"], r["tool"], _share(pd.Series(r)),
                     format_count(r["ambiguous_users"]), format_count(r["unmatched_users"]),
                     format_count(r["outside_employment_users"]), what])
    out = pd.DataFrame(rows, columns=["Source", "Tool", "Active people", "Not attributable",
                                      "Not in the roster", "Outside employment",
                                      "What it counts"])
    return _style(out, name="source-activity", caption=report.captions.get("activity"))


def format_source_team_table(report: SourceReport) -> Styler:
    """One row per team, one column per source and tool: active people with their interval.

    Hidden teams read ``"hidden (...)"``; ``.data`` is the text frame.
    """
    from adoption.report.tables import _style

    t = report.teams
    if t.empty:
        return _style(pd.DataFrame(columns=["Department", "Team"]), name="source-teams")
    t = t.assign(column=t["source_label"] + " · " + t["tool"],
                 text=[_share(r) for _, r in t.iterrows()])
    wide = t.pivot_table(index=["department", "team"], columns="column", values="text",
                         aggfunc="first").reset_index()
    wide.columns.name = None
    wide = wide.rename(columns={"department": "Department", "team": "Team"})
    return _style(wide.fillna("\u2013"), name="source-teams",
                  caption="Active people per team and source: count of headcount, share with "
                          "its interval.")


def feature_use_tools(report: SourceReport) -> list[str]:
    """The tools :func:`format_feature_use_table` has a table for (sorted)."""
    f = report.features
    return [] if f is None or f.empty else sorted(f["tool"].astype(str).unique())


def format_feature_use_table(report: SourceReport, *, tool: str | None = None) -> Styler:
    """What people use a tool for: per group, the share of its active people of the tool who
    used each feature or chat mode in the period.

    Parameters
    ----------
    report : SourceReport
    tool : str, optional
        The tool (one of :func:`feature_use_tools`); default the first. One table per tool
        keeps each narrow enough to read and to print.

    Returns
    -------
    pandas.io.formats.style.Styler
        One row per group with active people of the tool or hidden (the organisation first,
        then departments and their teams): ``People`` (the tool's active people in the
        group, the n of the shares; ``hidden`` for a hidden group) and one column per feature:
        ``"50% (19–81)"`` (share with its interval) or ``"hidden (...)"``. ``.data`` is the
        text frame.
    """
    from adoption.report.tables import DASH, _style, format_count, format_share, hidden_label

    tools = feature_use_tools(report)
    if not tools:
        return _style(pd.DataFrame(columns=["Department", "Team"]), name="feature-use",
                      caption="No source of the period names the features people used.")
    tool = tools[0] if tool is None else tool
    f = report.features[report.features["tool"].astype(str) == tool]

    def hidden(r: pd.Series) -> bool:
        return bool(r["suppressed"]) or (pd.isna(r["estimate"])
                                         and not pd.isna(r["suppression_reason"]))

    def text(r: pd.Series) -> str:
        if hidden(r):
            return hidden_label(r["suppression_reason"], short=True)
        return DASH if pd.isna(r["n"]) or r["n"] == 0 else format_share(
            r["estimate"], r["ci_low"], r["ci_high"])

    f = f.assign(department=f["department"].fillna("All"), team=f["team"].fillna("All"),
                 column=f["feature"].str.replace("_", " "),
                 text=[text(r) for _, r in f.iterrows()])
    shown = f.groupby(["department", "team"], sort=False).apply(
        lambda g: g.apply(hidden, axis=1).any() or (g["n"].fillna(0) > 0).any(),
        include_groups=False)
    people = (f.drop_duplicates(["department", "team"]).set_index(["department", "team"])
              .apply(lambda r: "hidden" if hidden(r) else format_count(r["n"]), axis=1))
    wide = f.pivot_table(index=["department", "team"], columns="column", values="text",
                         aggfunc="first", sort=False)
    wide.columns.name = None
    wide.insert(0, "People", people.reindex(wide.index))
    wide = wide[shown.reindex(wide.index).fillna(False).to_numpy(dtype=bool)].reset_index()
    wide = wide.rename(columns={"department": "Department", "team": "Team"})
    return _style(wide.fillna(DASH), name="feature-use",
                  caption=f"What people use {tool} for: of its active people in the period "
                          "(*People*), the share who used each feature or chat mode, with its "
                          "interval. Groups under the privacy threshold are hidden.")


@house_style
def plot_source_trend(report: SourceReport, *, ax: Axes | None = None) -> Axes:
    """The organisation's share of people active per source and tool over the periods.

    Every period of ``report.trend`` (up to :data:`TREND_PERIODS`) keeps its place on the
    time axis; a hidden period leaves its line without a point there.

    Parameters
    ----------
    report : SourceReport
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (9, 4))
    title = "Active people by source"
    periods = (report.trend[["period", "period_start"]].drop_duplicates()
               .sort_values("period_start")["period"].astype(str).tolist())
    trend = report.trend[~report.trend["suppressed"].astype(bool)]
    if trend.empty:
        return nothing_to_show(ax, title)
    x = period_axis(ax, periods)
    t = trend.assign(x=trend["period"].astype(str).map(dict(zip(periods, x, strict=True))),
                     line=trend["source_label"].astype(str) + " · " + trend["tool"].astype(str),
                     percent=100 * trend["estimate"].astype(float)).sort_values(["line", "x"])
    lines = sorted(t["line"].unique())
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(lines)}
    sns.lineplot(data=t, x="x", y="percent", hue="line", hue_order=lines, palette=colour,
                 marker="o", errorbar=None, sort=True, ax=ax)
    for name, part in t.groupby("line", sort=True):
        ax.fill_between(part["x"], 100 * part["ci_low"].astype(float),
                        100 * part["ci_high"].astype(float), color=colour[name], alpha=0.15,
                        linewidth=0)
    period_axis(ax, periods)
    ax.set_xlim(-0.5, len(periods) - 0.5)
    ax.set_ylim(0, max(5.0, float(np.nanmax(100 * t["ci_high"].astype(float)))) * 1.05)
    legend_outside(ax, title="Source · tool")
    return style_axes(ax, title=title, ylabel="People active (% of headcount)")


def describe_source_activity(report: SourceReport) -> str:
    """Plain-language caption of the per-source table: what is counted and what is not."""
    from adoption.report.escape import escape_markdown as md
    from adoption.report.tables import format_count

    org = report.organisation
    person = org[org["counts_distinct_users"].astype(bool) & ~org["suppressed"].astype(bool)]
    lines = []
    if len(person):
        best = person.loc[person["estimate"].astype(float).idxmax()]
        lines.append(f"In {report.period}, {len(person)} source(s) tell who used an AI tool; "
                     f"the widest reach: {md(best['source_label'])} ({md(best['tool'])}), "
                     f"{format_count(best['active_users'])} of {format_count(best['n'])} "
                     "people.")
    elif org.empty:
        lines.append(f"No source has activity data for {report.period}.")
    else:
        lines.append(f"No source tells who was active in {report.period} for a group large "
                     "enough to show.")
    amb = int(person["ambiguous_users"].fillna(0).sum()) if len(person) else 0
    if amb:
        lines.append(f"{amb:,} people were active only in a weekly window straddling the "
                     "month's boundary with no known active day: they are not counted, and "
                     "shown apart.")
    if (~org["counts_distinct_users"].astype(bool)).any():
        lines.append("Aggregate sources (such as the GitHub Copilot metrics API) publish daily "
                     "totals only: they are shown as totals and never added up into people.")
    lines.append("Sources are not added together: one person active in two tools counts in "
                 "each.")
    return " ".join(lines)
