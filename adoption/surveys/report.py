"""The sentiment report of one survey wave, and the sentiment section of the adoption report.

:func:`build_sentiment_report` computes everything the wave report shows (a
:class:`SentimentReport`); :mod:`adoption.surveys.report_captions` (``describe_*``) turns it
into plain-language Markdown, :mod:`adoption.surveys.report_tables` (``format_*``) into display
tables (pandas Stylers), :mod:`adoption.surveys.report_figures` (``plot_*``) into charts;
:func:`render_sentiment_report` renders ``notebooks/sentiment_report.ipynb`` to
``reports/sentiment_<wave>.html``. :func:`build_sentiment_section` gives the adoption report
its sentiment section (the latest wave in or before the period).

Privacy: every figure comes from the protected tables of :mod:`adoption.surveys.metrics` (and
:mod:`~adoption.surveys.counts`, :mod:`~adoption.surveys.change`,
:mod:`~adoption.surveys.activity`); the display tables, charts and captions list only
published groups (a hidden team's name never appears; the number of hidden teams is said in
words), and comments come only from published teams, redacted.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from adoption.canonical import load_person_periods
from adoption.canonical.membership import load_group_labels
from adoption.errors import InputError
from adoption.metrics.intervals import check_confidence
from adoption.periods import parse_period
from adoption.privacy import (
    NameTokens,
    check_min_group_size,
    publish_labels,
    resolve_min_group_size,
)
from adoption.surveys.activity import adoption_sentiment_quadrant, sentiment_by_activity
from adoption.surveys.change import adkar_barrier, barrier_threshold, compute_wave_change
from adoption.surveys.comments import count_themes, select_comments
from adoption.surveys.counts import compute_nps, response_rates
from adoption.surveys.data import (
    load_activity,
    load_comments,
    load_headcount,
    load_name_tokens,
    load_names,
    load_respondents,
    load_responses,
    load_waves,
)
from adoption.surveys.metrics import reliability, score_constructs, summarise_sentiment
from adoption.workspace import Workspace, as_workspace

__all__ = [
    "ACTIVITY_DAYS",
    "SENTIMENT_NOTEBOOK",
    "SentimentReport",
    "SentimentSection",
    "build_sentiment_by_activity",
    "build_sentiment_report",
    "build_sentiment_section",
    "load_wave_activity",
    "overall_constructs",
    "render_sentiment_report",
]

SENTIMENT_NOTEBOOK = "sentiment_report.ipynb"
#: Days before the wave date in which tool use makes a respondent "active".
ACTIVITY_DAYS = 30


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
    return as_workspace(workspace)


def _group_size(ws: Workspace, min_group_size: int | None) -> int:
    k = resolve_min_group_size(ws.settings, min_group_size, where="sentiment report")
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

    The window of a wave dated D is [D - days, D - 1]; active means known to be active on
    any AI tool in it, from any source (:func:`adoption.surveys.data.load_activity`).
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


def build_sentiment_by_activity(workspace: Workspace | str | os.PathLike[str], *,
                                wave: str | None = None, min_group_size: int | None = None,
                                confidence: float = 0.95) -> pd.DataFrame:
    """Sentiment of tool users versus non-users in one survey wave, from the workspace's store.

    The sentiment report's users-and-non-users table (:func:`sentiment_by_activity`) without
    the rest of the report: matched respondents active on any AI tool in the
    :data:`ACTIVITY_DAYS` days before the wave date against those who were not, per construct,
    through the same privacy gate.

    Parameters
    ----------
    workspace : Workspace or path
    wave : str, optional
        The wave (default the latest).
    min_group_size : int, optional
        Default the workspace's ``min_group_size`` (a smaller value is raised to it).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        As :func:`adoption.surveys.activity.sentiment_by_activity`; no rows, with a
        ``UserWarning`` saying what to ingest, when the store holds no survey wave.

    Raises
    ------
    InputError
        An unknown wave (the message lists the waves).
    """
    ws = _workspace(workspace)
    k = _group_size(ws, min_group_size)
    check_confidence(confidence, where="build_sentiment_by_activity")
    overall = overall_constructs(ws.settings.section("surveys"))
    with ws.store(read_only=True) as store:
        waves = load_waves(store)
        known = waves["wave"].astype(str).tolist()
        if wave is not None and str(wave) not in known:
            raise InputError(f"build_sentiment_by_activity: wave {wave!r} is not in the store; "
                             f"waves: {known!r}. Pass one of them.")
        if not known:
            warnings.warn(f"{ws.root}: no survey waves in the store, so no sentiment to compare. "
                          "Ingest a survey export first (`adoption ingest FILE --wave 2026-03`).",
                          UserWarning, stacklevel=2)
        chosen = [str(wave) if wave is not None else known[-1]] if known else []
        responses = load_responses(store, waves=chosen)
        activity = load_wave_activity(store, waves[waves["wave"].astype(str).isin(chosen)])
    return sentiment_by_activity(score_constructs(responses, overall=overall), activity,
                                 min_group_size=k, confidence=confidence)


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
        # any AI tool from every source: the penetration of the adoption report's team table
        person_periods = load_person_periods(store, period_kind="month")
        comments = load_comments(store, waves=[wave])
        names = load_names(store) if ws.settings.keep_names else []
        tokens = NameTokens(load_name_tokens(store), ws.pseudonymise)
        labels = load_group_labels(store)
    # team and department labels as they may be published (one numbering for every frame)
    responses, respondents, headcount, comments = (
        publish_labels(f, ws.settings, labels=labels)
        for f in (responses, respondents, headcount, comments))
    if person_periods is not None:
        person_periods = publish_labels(person_periods, ws.settings, labels=labels)
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
                                             min_group_size=k, confidence=confidence),
        reliability=reliability(now, min_group_size=k, confidence=confidence),
        themes=count_themes(comments, respondents, min_group_size=k),
        comments=select_comments(comments, respondents, names=names, name_tokens=tokens,
                                 min_group_size=k),
    )
    from adoption.surveys.report_captions import describe_headline

    report.captions = {"headline": describe_headline(report)}
    return report


# ----------------------------------------------------------------- rendering


def render_sentiment_report(workspace: Workspace | str | os.PathLike[str], *, wave: str,
                            comparison_wave: str | None = None,
                            min_group_size: int | None = None, title: str | None = None,
                            progress: bool = False) -> Path:
    """Render the wave's sentiment report to ``reports/sentiment_<wave>.html``; refresh index.

    ``progress`` shows a progress bar on stderr, section by section.

    Raises
    ------
    InputError
        ``min_group_size`` below the floor.
    ReportError
        The notebook failed (e.g. an unknown wave: the message lists the waves).
    """
    # imported here: the report's kernel imports this module, and nbformat's schema checks
    # (jsonschema, rfc3987) cost seconds at import that a kernel never needs
    from adoption.report.index import render_index
    from adoption.report.render import render_notebook, report_notebook_path

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
    render_notebook(report_notebook_path(SENTIMENT_NOTEBOOK), out,
                    organisation=ws.settings.organisation, progress=progress, **params)
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
    #: teams by adoption (active on any AI tool, as the adoption report's team table) against
    #: sentiment, for the wave's month (:func:`adoption_sentiment_quadrant`)
    quadrant: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the organisation's change from the comparison wave (the executive page's sentiment tile)
    change_organisation: pd.DataFrame | None = None


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
        responses = publish_labels(responses, ws.settings, labels=load_group_labels(store))
        person_periods = publish_labels(load_person_periods(store, period_kind="month"),
                                        ws.settings, labels=load_group_labels(store))
    threshold = barrier_threshold(ws.settings.section("surveys"))
    scores = score_constructs(responses, overall=overall_constructs(ws.settings.section("surveys")))
    summary = summarise_sentiment(scores[scores["wave"].astype(str) == wave],
                                  min_group_size=k, confidence=confidence)
    change = change_org = None
    if before and (scores["wave"].astype(str) == before).any():
        change = compute_wave_change(scores, wave=wave, comparison_wave=before,
                                     min_group_size=k, confidence=confidence)
        change_org = compute_wave_change(scores, wave=wave, comparison_wave=before,
                                         by="organisation", min_group_size=k,
                                         confidence=confidence)
    return SentimentSection(
        wave=wave, wave_date=pd.Timestamp(waves["wave_date"].iloc[-1]).date(),
        comparison_wave=before, min_group_size=k, summary=summary, change=change,
        barrier=adkar_barrier(summary, threshold=threshold),
        nps=compute_nps(responses[responses["wave"].astype(str) == wave], min_group_size=k,
                        confidence=confidence),
        quadrant=adoption_sentiment_quadrant(summary, person_periods, wave=wave,
                                             min_group_size=k, confidence=confidence),
        change_organisation=change_org)
