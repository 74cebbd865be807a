"""The adoption report's content: tidy tables for one period, built from the store.

:func:`build_adoption_report` does every computation a report needs and returns an
:class:`AdoptionReport`; the notebook only displays it. Plain-language captions and display
tables are in :mod:`adoption.report.tables`, captions in :mod:`adoption.report.captions`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from adoption.canonical import load_periods, load_person_periods, load_sources, source_semantics
from adoption.canonical.membership import load_group_labels
from adoption.errors import InputError, SmallGroupWarning
from adoption.metrics.intervals import check_confidence, wilson_interval
from adoption.metrics.sets import metric_sets
from adoption.periods import Period, parse_period, period_title
from adoption.privacy import publish_labels, resolve_min_group_size
from adoption.store import Store
from adoption.workspace import Workspace, open_store

__all__ = [
    "TREND_PERIODS",
    "AdoptionReport",
    "build_adoption_report",
    "seat_hidden_reason",
    "source_label",
    "tools_phrase",
]

#: Number of periods, ending with the report's period, shown in the trend.
TREND_PERIODS = 12

#: Headline measures and their labels; ``{tools}`` is "any AI tool" or the tools counted.
_HEADLINE_MEASURES = {
    "headcount": "People employed",
    "active_users": "People active on {tools}",
    "penetration": "Share of all people active on {tools}",
    "seats": "People with a seat",
    "activation_rate": "Share of seat holders active on {tools}",
}
#: measure -> its upper bound when unknowns count as active
_UPPER = {"active_users": "active_users_upper", "penetration": "penetration_upper"}
_RATES = {  # measure -> (ci_low, ci_high, denominator)
    "penetration": ("penetration_ci_low", "penetration_ci_high", "headcount"),
    "activation_rate": ("activation_ci_low", "activation_ci_high", "seats"),
}
_TEAM_COLUMNS = [
    "department", "team", "headcount", "seats", "active_users", "unknown_users",
    "active_users_upper", "activation_rate", "activation_ci_low", "activation_ci_high",
    "penetration", "penetration_ci_low", "penetration_ci_high", "penetration_upper", "sources",
    "suppressed", "suppression_reason",
]
_TREND_COLUMNS = [
    "level", "group", "period", "period_start", "headcount", "active_users", "unknown_users",
    "penetration", "penetration_ci_low", "penetration_ci_high", "penetration_upper",
    "suppressed",
]


@dataclass(frozen=True)
class AdoptionReport:
    """Everything an adoption report shows, for one period.

    Attributes
    ----------
    organisation : str
        The organisation's name from the workspace settings.
    period, comparison_period : str or None
        Period labels (``"2026-01"``); ``comparison_period`` is None when there is no data to
        compare with.
    period_kind : str
        ``"week"``, ``"month"`` or ``"quarter"``.
    period_title, comparison_title : str
        The periods in words (``"January 2026"``).
    min_group_size : int
        The privacy threshold applied.
    confidence : float
        Confidence level of every interval.
    tools : tuple of str or None
        The tools counted (None: any AI tool, every source).
    headline : DataFrame
        One row per organisation measure (``headcount, active_users, penetration, seats,
        activation_rate``), columns ``measure, label, estimate, ci_low, ci_high, n, upper`` for
        the period, the same prefixed ``comparison_`` for the comparison period, and for the
        change ``difference, difference_ci_low, difference_ci_high, n_paired, p_value,
        is_beyond_noise`` (counts: plain difference; penetration: paired test over the people in
        both periods; activation: no change figure), then ``suppressed, suppression_reason``.
        ``upper`` is the figure when the people whose activity is unknown count as active
        (``active_users_upper``, ``penetration_upper``; equal to ``estimate`` when nothing is
        unknown, missing for the other measures).
    trend : DataFrame
        Penetration per period (up to :data:`TREND_PERIODS`, ending with the report's period):
        ``level`` (``"organisation"`` or ``"department"``), ``group``, ``period,
        period_start, headcount, active_users, unknown_users, penetration, penetration_ci_low,
        penetration_ci_high, penetration_upper, suppressed``.
    teams : DataFrame
        One row per team in the period: ``department, team, headcount, seats, active_users,
        unknown_users, active_users_upper, activation_rate, activation_ci_low,
        activation_ci_high, penetration, penetration_ci_low, penetration_ci_high,
        penetration_upper, sources, suppressed, suppression_reason`` (as
        :func:`adoption.metrics.compute_adoption_metrics` returns them) and the change in
        penetration on the comparison period ``comparison_penetration, difference,
        difference_ci_low, difference_ci_high, n_paired, p_value_adjusted, is_beyond_noise``.
        Hidden teams keep their names and missing figures.
    funnel : DataFrame
        Organisation funnel: ``stage`` (``headcount``, ``seats``, ``active_users``), ``label,
        count, upper, share, share_ci_low, share_ci_high, n, hidden`` (shares of ``n`` =
        headcount; ``upper`` counts unknowns as active; ``hidden`` is the reason a stage's
        count is hidden, e.g. seats beside a hidden activation rate, else missing).
    activity_sources : tuple of str
        The sources the organisation's figures for the period rest on (their labels; empty
        when the organisation is hidden).
    unknown_sources : tuple of str
        The sources whose windows straddle the period's boundary and leave people unknown,
        in words (e.g. "weekly windows of Viva Insights person query"); empty when nobody is
        unknown or the organisation is hidden.
    suppressed : DataFrame
        Groups with hidden figures in the period, no figures: ``level, department, team,
        hidden`` (``"all figures"`` or ``"activation"``), ``reason``.
    sources : DataFrame
        Data sources with date coverage (see :func:`adoption.canonical.load_sources`).
    coverage : DataFrame
        Per period of the trend and the comparison: ``period, period_start, days,
        days_with_data`` (days of the period within the usage data's date range).
    captions : Mapping of str to str
        Plain-language Markdown captions keyed ``title, headline, trend, teams, funnel,
        suppressed, sources, how_to_read``.
    """

    organisation: str
    period: str
    period_kind: str
    period_title: str
    comparison_period: str | None
    comparison_title: str
    min_group_size: int
    confidence: float
    tools: tuple[str, ...] | None
    headline: pd.DataFrame
    trend: pd.DataFrame
    teams: pd.DataFrame
    funnel: pd.DataFrame
    suppressed: pd.DataFrame
    sources: pd.DataFrame
    coverage: pd.DataFrame
    activity_sources: tuple[str, ...] = ()
    unknown_sources: tuple[str, ...] = ()
    captions: Mapping[str, str] = field(default_factory=dict)

    @property
    def counted(self) -> str:
        """What "active" counts, in words: ``"any AI tool"`` or the tools (``"A or B"``)."""
        return tools_phrase(self.tools)

    @property
    def organisation_penetration(self) -> float:
        """The organisation's penetration in the period (NaN if hidden)."""
        row = self.headline.loc[self.headline["measure"] == "penetration", "estimate"]
        return float(row.iloc[0]) if len(row) else float("nan")


def tools_phrase(tools: tuple[str, ...] | list[str] | None) -> str:
    """``"any AI tool"`` (no tools chosen), ``"GitHub Copilot"``, ``"A, B or C"``."""
    if not tools:
        return "any AI tool"
    names = list(tools)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def source_label(name: str) -> str:
    """A source's name in words (:mod:`adoption.canonical.semantics`), else its own name."""
    label = source_semantics(name).label
    return name if label == "(not described)" else label


def _labels(sources: object) -> tuple[str, ...]:
    """Comma-joined source names (a ``sources`` cell) as a tuple of labels."""
    if sources is None or pd.isna(sources):
        return ()
    return tuple(source_label(n.strip()) for n in str(sources).split(",") if n.strip())


def build_adoption_report(
    workspace_or_store: Workspace | Store | str | os.PathLike[str],
    *,
    period: str,
    period_kind: str = "month",
    comparison_period: str | None = None,
    min_group_size: int | None = None,
    tools: list[str] | None = None,
    confidence: float = 0.95,
) -> AdoptionReport:
    """Compute the adoption report for one period.

    Parameters
    ----------
    workspace_or_store : Workspace, Store or path
        Where the data is; a workspace (or its folder) is opened read-only for the duration.
    period : str
        The report's period, e.g. ``"2026-01"``, ``"2026-Q1"`` or ``"2026-W03"``.
    period_kind : {"month", "quarter", "week"}, default "month"
    comparison_period : str, optional
        Period to compare with; default the previous period (left out if it has no data).
    min_group_size : int, optional
        Privacy threshold; default the workspace's. A smaller value than the workspace's is
        raised to it.
    tools : list of str, optional
        Count only these tools (default: all tools together).
    confidence : float, default 0.95
        Confidence level of every interval.

    Returns
    -------
    AdoptionReport

    Raises
    ------
    InputError
        No usage data, or no data for ``period`` or for an explicit ``comparison_period``.
    PeriodError
        A period label that cannot be parsed.
    """
    from adoption.report.captions import describe_all

    check_confidence(confidence, where="build_adoption_report")
    with open_store(workspace_or_store) as store:
        settings = store.settings
        sources = load_sources(store)
        k = resolve_min_group_size(settings, min_group_size)
        target = parse_period(period, period_kind, week_start=settings.week_start_index)
        periods = load_periods(store, period_kind=period_kind)
        available = periods["period"].astype(str).tolist()
        _check_available(target.label, available, "period")
        if comparison_period is not None:
            before = parse_period(comparison_period, period_kind,
                                  week_start=settings.week_start_index)
            _check_available(before.label, available, "comparison_period")
            if before.start >= target.start:
                raise InputError(
                    f"build_adoption_report: comparison_period {before.label!r} is not before "
                    f"the report's period {target.label!r}. Choose an earlier period or leave "
                    "it unset for the previous one."
                )
        else:
            before = target.previous()
            if before.label not in available:
                before = None
        window = [p for p in available if p <= target.label][-TREND_PERIODS:]
        keep = sorted(set(window) | ({before.label} if before else set()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallGroupWarning)
            # counted in the store: the person rows of the trend's periods never reach pandas
            metrics = metric_sets(store, period_kind, periods=keep, tools=tools,
                                  min_group_size=k, confidence=confidence)
        # the paired change and the unknown people need the people of two periods only
        people = publish_labels(
            load_person_periods(store, period_kind=period_kind, tools=tools,
                                periods=[target.label, *([before.label] if before else [])]),
            settings, labels=load_group_labels(store))
    if target.label not in set(metrics["organisation"]["period"]):
        _check_available(target.label, sorted(set(metrics["organisation"]["period"])), "period")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        change = {by: _change(people, by, target, before, k, confidence)
                  for by in ("team", "organisation")}

    org = metrics["organisation"].set_index("period")
    now = org.loc[target.label]
    then = org.loc[before.label] if before is not None else None
    shown = not bool(now["suppressed"])
    report = AdoptionReport(
        organisation=settings.organisation,
        period=target.label,
        period_kind=target.kind,
        period_title=period_title(target),
        comparison_period=before.label if before else None,
        comparison_title=period_title(before) if before else "",
        min_group_size=k,
        confidence=float(confidence),
        tools=tuple(tools) if tools else None,
        headline=_headline(now, then, change["organisation"], tools_phrase(tools)),
        trend=_trend(metrics, window, settings.organisation),
        teams=_teams(metrics["team"], target.label, change["team"]),
        funnel=_funnel(now, confidence, tools_phrase(tools)),
        suppressed=_suppressed(metrics, target.label),
        sources=sources,
        coverage=_coverage(periods[periods["period"].isin(keep)], period_kind,
                           settings.week_start_index),
        activity_sources=_labels(now["sources"]) if shown else (),
        unknown_sources=_unknown_sources(people, target.label) if shown else (),
    )
    return replace(report, captions=describe_all(report))


def _check_available(label: str, available: list[str], name: str) -> None:
    if not available:
        raise InputError(
            "build_adoption_report: the store holds no activity data, so there is no period to "
            "report on. Ingest a roster and usage or vendor exports first "
            "(`adoption ingest FILE ...`)."
        )
    if label not in available:
        raise InputError(
            f"build_adoption_report: {name} {label!r} has no activity data; periods with data: "
            f"{available[0]} to {available[-1]}. Ingest the exports that cover {label} or "
            "choose a period in that range."
        )


def _change(people: pd.DataFrame, by: str, target: Period, before: Period | None, k: int,
            confidence: float) -> pd.DataFrame | None:
    if before is None:
        return None
    # statsmodels (McNemar's test) is imported only when a change is computed: the command
    # line's metrics table uses this module's words, not its statistics
    from adoption.metrics.change import compute_adoption_change

    return compute_adoption_change(people, by=by, period=target.label,
                                   comparison_period=before.label, min_group_size=k,
                                   confidence=confidence)


def _coverage(periods: pd.DataFrame, kind: str, week_start: int) -> pd.DataFrame:
    """Days of each period and days the data covers (:func:`load_periods`' rows)."""
    out = (periods[["period", "period_start", "days_in_period"]]
           .rename(columns={"days_in_period": "days_with_data"}).sort_values("period_start"))
    out.insert(2, "days", [parse_period(p, kind, week_start=week_start).days
                           for p in out["period"]])
    return out.reset_index(drop=True)


def _num(value: object) -> float:
    """A float, NaN for missing values."""
    return float("nan") if value is None or pd.isna(value) else float(value)


def _unknown_sources(people: pd.DataFrame, label: str) -> tuple[str, ...]:
    """Labels of the sources that leave someone unknown in period ``label``, with the window.

    A person is unknown only when no source shows them active, so the sources named on their
    row are exactly those whose straddling windows left them unknown.
    """
    rows = people[(people["period"] == label) & people["is_unknown"] & ~people["is_active"]]
    names = sorted({n.strip() for cell in rows["sources"].astype(str).unique()
                    for n in cell.split(",") if n.strip()})
    kinds = {"week": "weekly ", "month": "monthly ", "week or month": "weekly or monthly ",
             "report period": "report-period "}
    return tuple(f"{kinds.get(source_semantics(n).window, '')}windows of {source_label(n)}"
                 for n in names)


def _headline(now: pd.Series, then: pd.Series | None, change: pd.DataFrame | None,
              counted: str) -> pd.DataFrame:
    rows = []
    paired = change.iloc[0] if change is not None and len(change) else None
    for measure, label in _HEADLINE_MEASURES.items():
        row: dict[str, object] = {"measure": measure, "label": label.format(tools=counted)}
        for prefix, s in (("", now), ("comparison_", then)):
            est = _num(s[measure]) if s is not None else np.nan
            low, high, n = (np.nan, np.nan, np.nan)
            if measure in _RATES and s is not None:
                lo_col, hi_col, n_col = _RATES[measure]
                low, high, n = _num(s[lo_col]), _num(s[hi_col]), _num(s[n_col])
            upper = _num(s[_UPPER[measure]]) if measure in _UPPER and s is not None else np.nan
            row |= {f"{prefix}estimate": est, f"{prefix}ci_low": low, f"{prefix}ci_high": high,
                    f"{prefix}n": n, f"{prefix}upper": upper}
        diff = dict.fromkeys(["difference", "difference_ci_low", "difference_ci_high",
                              "n_paired", "p_value"], np.nan)
        beyond: object = pd.NA
        if measure in ("headcount", "seats", "active_users"):
            diff["difference"] = row["estimate"] - row["comparison_estimate"]
        elif measure == "penetration" and paired is not None and not paired["suppressed"]:
            diff = {"difference": _num(paired["difference"]),
                    "difference_ci_low": _num(paired["ci_low"]),
                    "difference_ci_high": _num(paired["ci_high"]),
                    "n_paired": _num(paired["n_paired"]), "p_value": _num(paired["p_value"])}
            beyond = bool(paired["is_beyond_noise"])
        row |= diff | {"is_beyond_noise": beyond, "suppressed": bool(now["suppressed"]),
                       "suppression_reason": now["suppression_reason"]}
        rows.append(row)
    out = pd.DataFrame(rows)
    out["is_beyond_noise"] = out["is_beyond_noise"].astype("boolean")
    return out


def _trend(metrics: dict[str, pd.DataFrame], window: list[str], organisation: str) -> pd.DataFrame:
    org = metrics["organisation"].assign(level="organisation", group=organisation)
    dept = metrics["department"].assign(level="department").rename(columns={"department": "group"})
    out = pd.concat([org, dept], ignore_index=True)
    out = out[out["period"].isin(window)]
    return out[_TREND_COLUMNS].sort_values(["level", "group", "period_start"], ascending=[False,
                                           True, True], kind="stable").reset_index(drop=True)


def _teams(team: pd.DataFrame, label: str, change: pd.DataFrame | None) -> pd.DataFrame:
    out = team.loc[team["period"] == label, _TEAM_COLUMNS].reset_index(drop=True)
    cols = {"comparison_penetration": "comparison_penetration", "difference": "difference",
            "ci_low": "difference_ci_low", "ci_high": "difference_ci_high",
            "n_paired": "n_paired", "p_value_adjusted": "p_value_adjusted",
            "is_beyond_noise": "is_beyond_noise"}
    if change is None:
        for name in cols.values():
            out[name] = pd.NA if name == "is_beyond_noise" else np.nan
    else:
        ch = change.loc[~change["suppressed"].astype(bool), ["department", "team", *cols]]
        out = out.merge(ch.rename(columns=cols), on=["department", "team"], how="left")
    out["is_beyond_noise"] = out["is_beyond_noise"].astype("boolean")
    # the change table is protected on its own; never show a change for a team hidden here
    hidden = out["suppressed"].astype(bool)
    out.loc[hidden, [c for c in cols.values() if c != "is_beyond_noise"]] = np.nan
    out.loc[hidden, "is_beyond_noise"] = pd.NA
    return out.sort_values(["department", "team"], kind="stable").reset_index(drop=True)


def _funnel(now: pd.Series, confidence: float, counted: str) -> pd.DataFrame:
    n = _num(now["headcount"])
    whole = bool(now["suppressed"])
    reason = "" if pd.isna(now["suppression_reason"]) else str(now["suppression_reason"])
    # seats are blank beside a hidden activation rate: say so instead of showing a count
    seat_reason = seat_hidden_reason(reason)
    rows = []
    for stage, label in (("headcount", "Employed"), ("seats", "Have a seat"),
                         ("active_users", f"Active on {counted}")):
        count = _num(now[stage])
        upper = _num(now["active_users_upper"]) if stage == "active_users" else count
        if stage == "active_users":
            low, high = _num(now["penetration_ci_low"]), _num(now["penetration_ci_high"])
        elif n > 0 and not np.isnan(count):
            low, high = wilson_interval(count, n, confidence=confidence)
        else:
            low = high = np.nan
        hidden = reason if whole else seat_reason if stage == "seats" and np.isnan(count) \
            else None
        rows.append({"stage": stage, "label": label, "count": count, "upper": upper,
                     "share": count / n if n > 0 else np.nan,
                     "share_ci_low": low, "share_ci_high": high, "n": n,
                     "hidden": hidden or None})
    return pd.DataFrame(rows)


#: How :func:`adoption.privacy.suppress_small_groups` starts the reason of a hidden
#: activation rate (the seats are its denominator).
_SEAT_REASON = "figures over seats "


def seat_hidden_reason(reason: object) -> str | None:
    """The part of a suppression reason that hides the activation rate (and the seat count
    beside it), or None when the activation rate is not hidden."""
    if reason is None or pd.isna(reason):
        return None
    parts = [p for p in str(reason).split("; ") if p.startswith(_SEAT_REASON)]
    return "; ".join(parts) or None


def _suppressed(metrics: dict[str, pd.DataFrame], label: str) -> pd.DataFrame:
    frames = []
    for level in ("organisation", "department", "team"):
        m = metrics[level]
        m = m[m["period"] == label]
        whole = m["suppressed"].astype(bool).to_numpy()
        seat = m["suppression_reason"].map(seat_hidden_reason)
        partial = ~whole & seat.notna().to_numpy()
        hit = m[whole | partial]
        frames.append(pd.DataFrame({
            "level": level,
            "department": hit.get("department", pd.NA),
            "team": hit.get("team", pd.NA),
            "hidden": np.where(whole[whole | partial], "all figures", "activation"),
            # a published row may carry reasons for several partial hides: keep the seat one
            "reason": np.where(whole[whole | partial],
                               hit["suppression_reason"].fillna("").astype(str),
                               seat[whole | partial].fillna("")),
        }, index=hit.index))
    return pd.concat(frames, ignore_index=True)
