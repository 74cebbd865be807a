"""Shadow-AI metrics: people using unsanctioned AI by team and period, and the trend.

A person uses unsanctioned AI in a period when either kind of evidence says so
(:mod:`adoption.discovery.evidence`): a discovery log shows them using an unsanctioned
catalogue service, or an unsanctioned tool's own export shows them active in it (the rules of
:mod:`adoption.discovery.sanctioning`). People are counted once whatever the evidence; the
tables say how many each kind of evidence shows, and which sources the period rests on.

People are those of the canonical population (:func:`adoption.canonical.load_population`):
employed at least one day of the period, in the team of their last employed day, the same
groups as the adoption tables, hidden the same way by the privacy gate
(:func:`adoption.privacy.suppress_small_groups`, size = roster headcount). Device-only rows
are never attributed to a team: they are counted on organisation rows. A period without any
evidence (no logs cover it and no unsanctioned tool's export shows use) has **no data**: its
figures are missing (not 0) and ``has_data`` is false.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from adoption.canonical import load_population
from adoption.discovery.evidence import (
    load_discovery,
    load_evidence_coverage,
    load_tool_evidence,
    opened,
    threshold,
)
from adoption.errors import InputError, SmallGroupWarning
from adoption.metrics.change import compute_adoption_change
from adoption.metrics.intervals import check_confidence, wilson_interval
from adoption.periods import parse_period
from adoption.privacy import suppress_small_groups

__all__ = [
    "SHADOW_TREND_COLUMNS",
    "SHADOW_USE_COLUMNS",
    "compute_shadow_ai_trend",
    "compute_shadow_ai_use",
    "load_shadow_people",
]

#: Levels of ``by`` and the levels each returns.
_LEVELS = {"team": ["organisation", "department", "team"],
           "department": ["organisation", "department"], "organisation": ["organisation"]}
_PEOPLE = ["users", "share", "ci_low", "ci_high", "users_logs", "users_exports",
           "unknown_users", "requests", "blocked", "services"]
_ORG_ONLY = ["device_requests", "devices", "unmatched_requests", "unmatched_export_users"]
#: Output columns of :func:`compute_shadow_ai_use`, after ``level, department, team, period``.
SHADOW_USE_COLUMNS = ["period_start", "has_data", "headcount", *_PEOPLE, *_ORG_ONLY,
                      "evidence", "suppressed", "suppression_reason"]
_COUNTS = ["headcount", "users", "users_logs", "users_exports", "unknown_users", "requests",
           "blocked", "services", *_ORG_ONLY]
#: Output columns of :func:`compute_shadow_ai_trend`, after ``level, department, team``.
SHADOW_TREND_COLUMNS = [
    "period", "comparison_period", "n_paired", "share", "comparison_share", "difference",
    "ci_low", "ci_high", "p_value", "p_value_adjusted", "beyond_noise", "growing",
    "suppressed", "suppression_reason",
]


def load_shadow_people(store_or_workspace: Any, *, period_kind: str = "month") -> pd.DataFrame:
    """One row per person x period of the population, with their unsanctioned AI use.

    Person-level and restricted (it is what the tables aggregate).

    Returns
    -------
    pandas.DataFrame
        ``period, period_start, person_id, department, team`` (str), ``is_user`` (either
        evidence), ``by_logs``, ``by_exports`` (which evidence), ``is_unknown`` (only a
        straddling window of an unsanctioned tool says so: not counted), ``requests,
        blocked`` (to unsanctioned services, from logs), ``has_data`` (the period has any
        evidence).
    """
    with opened(store_or_workspace) as store:
        people, _disc, _tools, _cov = _gather(store, period_kind)
    return people


def _gather(store, period_kind: str):
    pop = load_population(store, period_kind=period_kind)
    people = pd.DataFrame({c: pop[c].astype(str) for c in ("period", "person_id", "department",
                                                           "team")})
    people.insert(1, "period_start", pop["period_start"])
    disc = load_discovery(store, period_kind=period_kind)
    tools = load_tool_evidence(store, period_kind=period_kind)
    coverage = load_evidence_coverage(store, period_kind=period_kind)
    bad = disc[disc["person_id"].notna() & disc["unsanctioned"].fillna(False).astype(bool)]
    logs = bad.groupby(["person_id", "period"], as_index=False).agg(
        requests=("requests", "sum"), blocked=("blocked", "sum")).assign(by_logs=True)
    used = tools.groupby(["person_id", "period"], as_index=False).agg(
        by_exports=("is_active", "any"), is_unknown=("is_unknown", "any"))
    people = people.merge(logs, on=["person_id", "period"], how="left").merge(
        used, on=["person_id", "period"], how="left")
    for col in ("by_logs", "by_exports", "is_unknown"):
        people[col] = people[col].astype("boolean").fillna(False).astype(bool)
    people["is_user"] = people["by_logs"] | people["by_exports"]
    people["is_unknown"] &= ~people["is_user"]
    people[["requests", "blocked"]] = people[["requests", "blocked"]].fillna(0).astype("int64")
    has = coverage.set_index("period")["has_data"]
    people["has_data"] = people["period"].map(has).astype("boolean").fillna(False).astype(bool)
    return people, disc, tools, coverage


def _levels(people: pd.DataFrame, disc: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Team, department and organisation rows (unsuppressed), per period."""
    bad = disc[disc["person_id"].notna() & disc["unsanctioned"].fillna(False).astype(bool)]
    services = people[["person_id", "period", "department", "team"]].merge(
        bad[["person_id", "period", "service"]], on=["person_id", "period"])
    p = people.assign(users=people["is_user"], users_logs=people["by_logs"],
                      users_exports=people["by_exports"], unknown_users=people["is_unknown"])
    rows = []
    for level, keys in (("team", ["department", "team"]), ("department", ["department"]),
                        ("organisation", [])):
        g = p.groupby([*keys, "period"], as_index=False).agg(
            period_start=("period_start", "min"), headcount=("person_id", "size"),
            users=("users", "sum"), users_logs=("users_logs", "sum"),
            users_exports=("users_exports", "sum"), unknown_users=("unknown_users", "sum"),
            requests=("requests", "sum"), blocked=("blocked", "sum"))
        s = services.groupby([*keys, "period"], as_index=False).agg(
            services=("service", "nunique"))
        rows.append(g.merge(s, on=[*keys, "period"], how="left").assign(level=level))
    table = pd.concat(rows, ignore_index=True)
    table["services"] = table["services"].fillna(0)
    for col in ("department", "team"):
        if col not in table:
            table[col] = None
        table[col] = table[col].astype(object).where(table[col].notna(), None)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share"] = table["users"] / table["headcount"].where(table["headcount"] > 0)
    table["ci_low"], table["ci_high"] = wilson_interval(table["users"], table["headcount"],
                                                        confidence=confidence)
    return table


def _add_unattributed(table: pd.DataFrame, people: pd.DataFrame, disc: pd.DataFrame,
                      tools: pd.DataFrame) -> pd.DataFrame:
    """Device-only and unmatched-identity use, on organisation rows only."""
    bad = disc[disc["unsanctioned"].fillna(False).astype(bool)]
    dev = bad[bad["person_id"].isna()].groupby("period").agg(
        device_requests=("requests", "sum"), devices=("device_id", "nunique"))
    known = set(people["person_id"])
    unmatched = bad[bad["person_id"].notna() & ~bad["person_id"].isin(known)].groupby(
        "period")["requests"].sum()
    outside = tools[~tools["in_roster"].astype(bool) & tools["any_evidence_active"].astype(bool)]
    export_users = outside.groupby("period")["person_id"].nunique()
    org = (table["level"] == "organisation").to_numpy()
    out = table.copy()
    for col, source in (("device_requests", dev.get("device_requests")),
                        ("devices", dev.get("devices")), ("unmatched_requests", unmatched),
                        ("unmatched_export_users", export_users)):
        values = out["period"].map(source if source is not None else {}).fillna(0)
        out[col] = np.where(org, values, np.nan)
    return out


def _protect(table: pd.DataFrame, coverage: pd.DataFrame, k: int) -> pd.DataFrame:
    """No data where there is no evidence, then the privacy gate (size: roster headcount)."""
    cov = coverage.set_index("period")
    t = table.assign(has_data=table["period"].map(cov["has_data"]).fillna(False).astype(bool),
                     evidence=table["period"].map(cov["evidence"]).astype(object))
    for col in [*_PEOPLE, *_ORG_ONLY]:
        t[col] = t[col].astype(float).where(t["has_data"])
    protected = suppress_small_groups(
        t[["level", "department", "team", "period", *SHADOW_USE_COLUMNS[:-2]]],
        hierarchy=("department", "team"), size="headcount", within=("period",),
        value_columns=["headcount", *_PEOPLE], min_group_size=k)
    for col in _COUNTS:
        protected[col] = pd.array(protected[col].to_numpy(dtype=float, na_value=np.nan),
                                  dtype="Float64").round().astype("Int64")
    return protected


def compute_shadow_ai_use(
    store_or_workspace: Any,
    *,
    period_kind: str = "month",
    by: str = "team",
    min_group_size: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """People using unsanctioned AI per team, department and organisation and period.

    Parameters
    ----------
    store_or_workspace : Workspace or Store
    period_kind : {"month", "quarter", "week"}, default "month"
        The canonical periods (over the days with activity or discovery data).
    by : {"team", "department", "organisation"}, default "team"
        The lowest level returned; the levels above it come too.
    min_group_size : int, optional
        Smallest group shown (default and floor: the workspace's ``min_group_size``).
    confidence : float, default 0.95
        Confidence level of the Wilson interval of the share.

    Returns
    -------
    pandas.DataFrame
        One row per group x period, ordered by period, level (organisation, department, team),
        department, team: ``level, department, team, period`` (department and team missing on
        the rows above them), then

        - ``period_start`` (datetime); ``has_data`` (bool): the period has any evidence;
          without it every figure below but ``headcount`` is missing (no data is not 0);
        - ``headcount`` (Int64): people employed in the group at least one day of the period;
        - ``users`` (Int64): of them, people with any unsanctioned AI use in the period, by
          either evidence (each person once);
        - ``share``, ``ci_low``, ``ci_high``: ``users / headcount`` with its Wilson interval
          (n = ``headcount``);
        - ``users_logs``, ``users_exports`` (Int64): people the discovery logs show, and people
          an unsanctioned tool's own export shows (a person may be in both);
        - ``unknown_users`` (Int64): people whose only evidence is an unsanctioned tool's
          window straddling the period's edge (not counted in ``users``);
        - ``requests``, ``blocked`` (Int64): their requests to unsanctioned services (logs),
          and how many the proxy or resolver blocked; ``services`` (Int64): distinct
          unsanctioned catalogue services in the logs;
        - ``device_requests``, ``devices``, ``unmatched_requests``, ``unmatched_export_users``
          (Int64, organisation rows only): unsanctioned requests of device-only rows and the
          devices behind them, requests of identities that match nobody in the roster, and
          such identities active in unsanctioned tools' exports: counted, never put in a team;
        - ``evidence`` (str): what the period's figures rest on (the sources of each kind of
          evidence), or why there are none;
        - ``suppressed``, ``suppression_reason``: as in
          :func:`adoption.privacy.suppress_small_groups` (size ``headcount``, per period).

    Examples
    --------
    >>> compute_shadow_ai_use(adoption.open_workspace("demo"), by="team")  # doctest: +SKIP
    """
    where = "compute_shadow_ai_use"
    if by not in _LEVELS:
        raise InputError(f"{where}: by is {by!r}; allowed: {list(_LEVELS)}.")
    check_confidence(confidence, where=where)
    with opened(store_or_workspace) as store:
        k = threshold(store, min_group_size, where)
        people, disc, tools, coverage = _gather(store, period_kind)
    table = _add_unattributed(_levels(people, disc, confidence), people, disc, tools)
    protected = _protect(table, coverage, k)
    out = protected[protected["level"].isin(_LEVELS[by])].copy()
    order = {"organisation": 0, "department": 1, "team": 2}
    out = out.assign(_o=out["level"].map(order)).sort_values(
        ["period", "_o", "department", "team"], na_position="first", kind="stable")
    out = out.drop(columns="_o").reset_index(drop=True)
    if len(out) and bool(out["suppressed"].all()):
        warnings.warn(f"Every {by} row is hidden: each group has fewer than {k} people or had "
                      "to be hidden to protect one.", SmallGroupWarning, stacklevel=2)
    return out[["level", "department", "team", "period", *SHADOW_USE_COLUMNS]]


def _hidden_groups(people: pd.DataFrame, k: int) -> set[tuple]:
    """(period, department, team) of the groups the use table hides (by roster headcount)."""
    rows = []
    for keys in (["department", "team"], ["department"], []):
        rows.append(people.groupby([*keys, "period"], as_index=False).agg(
            headcount=("person_id", "size")))
    table = pd.concat(rows, ignore_index=True)
    for col in ("department", "team"):
        table[col] = table[col].astype(object).where(table[col].notna(), None)
    out = suppress_small_groups(table, hierarchy=("department", "team"), size="headcount",
                                within=("period",), min_group_size=k)
    hidden = out[out["suppressed"]]
    return {(p, d, t) for p, d, t in zip(hidden["period"], hidden["department"],
                                         hidden["team"], strict=True)}


def compute_shadow_ai_trend(
    store_or_workspace: Any,
    *,
    period_kind: str = "month",
    by: str = "team",
    period: str | Sequence[str] | None = None,
    lag: int = 1,
    min_group_size: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Change in the share of people using unsanctioned AI from one period to another.

    Each period is compared with the one ``lag`` periods before it, paired by person (people
    employed in both periods, in their group of the later period) with
    :func:`adoption.metrics.compute_adoption_change`: Newcombe's paired interval for the
    difference, McNemar's test, Benjamini-Hochberg adjustment across the groups of one level
    and period pair, and suppression with the paired count as the group size. A group hidden
    in the use table of the later period (:func:`compute_shadow_ai_use`) is hidden here too.
    Only pairs of periods that both have data are compared.

    Parameters
    ----------
    store_or_workspace : Workspace or Store
    period_kind : {"month", "quarter", "week"}, default "month"
    by : {"team", "department", "organisation"}, default "team"
        The lowest level returned; the levels above it come too.
    period : str or sequence of str, optional
        Only this period (compared with the one ``lag`` before it); default: every period
        that has one. A period without data, or whose comparison period has none, raises
        :class:`~adoption.errors.InputError` saying so. A sequence of periods keeps those of
        them that can be compared, without an error for the others.
    lag : int, default 1
        How many periods back the comparison period lies.
    min_group_size : int, optional
        Smallest number of paired people shown (default and floor: the workspace's).
    confidence : float, default 0.95
        Confidence level of the intervals; ``1 - confidence`` is the false discovery rate.

    Returns
    -------
    pandas.DataFrame
        ``level, department, team`` then :data:`SHADOW_TREND_COLUMNS`: ``share`` and
        ``comparison_share`` of the paired people, ``difference`` with ``ci_low``/``ci_high``,
        ``p_value``, ``p_value_adjusted``, ``beyond_noise`` (adjusted p below
        ``1 - confidence``), ``growing`` (``beyond_noise`` and a positive difference: the
        "shadow-AI use growing beyond noise" alert), ``suppressed``, ``suppression_reason``.
    """
    where = "compute_shadow_ai_trend"
    if by not in _LEVELS:
        raise InputError(f"{where}: by is {by!r}; allowed: {list(_LEVELS)}.")
    if isinstance(lag, bool) or not isinstance(lag, int) or lag < 1:
        raise InputError(f"{where}: lag is {lag!r}; use a whole number >= 1 (1: the previous "
                         "period).")
    check_confidence(confidence, where=where)
    with opened(store_or_workspace) as store:
        k = threshold(store, min_group_size, where)
        people, _disc, _tools, coverage = _gather(store, period_kind)
        week_start = store.settings.week_start_index
    frame = people.assign(is_active=people["is_user"])
    labels = sorted(people["period"].unique())
    with_data = set(coverage.loc[coverage["has_data"], "period"])
    pairs = [(labels[i], labels[i - lag]) for i in range(lag, len(labels))]
    if period is not None and not isinstance(period, str):  # several periods: those with data
        asked = {parse_period(p, period_kind, week_start=week_start).label for p in period}
        pairs = [p for p in pairs if p[0] in asked]
    elif period is not None:
        label = parse_period(period, period_kind, week_start=week_start).label
        if label not in labels:
            raise InputError(f"{where}: period {label!r} has no data; periods with data: "
                             f"{labels[0] if labels else '-'} to {labels[-1] if labels else '-'}.")
        pairs = [p for p in pairs if p[0] == label]
        missing = [p for pair in pairs for p in pair if p not in with_data]
        if missing:
            raise InputError(
                f"{where}: no data on unsanctioned AI use in {', '.join(missing)} (no "
                "discovery logs cover it and no unsanctioned tool's export shows use), so "
                f"{label} cannot be compared with the period before; ingest the proxy, DNS or "
                "SSO logs of both periods.")
    pairs = [p for p in pairs if p[0] in with_data and p[1] in with_data]
    compared = {p for pair in pairs for p in pair}  # only the periods compared are worked on
    people = people[people["period"].isin(compared)]
    frame = frame[frame["period"].isin(compared)]
    hidden = _hidden_groups(people, k)
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        for now, before in pairs:
            for level in _LEVELS[by]:
                t = compute_adoption_change(frame, by=level, period=now,
                                            comparison_period=before, min_group_size=k,
                                            confidence=confidence)
                parts.append(t.assign(level=level))
    if not parts:
        return pd.DataFrame(columns=["level", "department", "team", *SHADOW_TREND_COLUMNS])
    out = pd.concat(parts, ignore_index=True).rename(columns={
        "penetration": "share", "comparison_penetration": "comparison_share",
        "is_beyond_noise": "beyond_noise"})
    for col in ("department", "team"):
        if col not in out:
            out[col] = None
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    out = _hide_as_in_use(out, hidden)
    out["beyond_noise"] = out["beyond_noise"].astype("boolean")
    growing = pd.array(out["difference"].to_numpy(dtype=float, na_value=np.nan) > 0,
                       dtype="boolean")
    growing[out["beyond_noise"].isna().to_numpy()] = pd.NA
    out["growing"] = out["beyond_noise"] & growing
    return out[["level", "department", "team", *SHADOW_TREND_COLUMNS]].reset_index(drop=True)


def _hide_as_in_use(out: pd.DataFrame, hidden: set[tuple]) -> pd.DataFrame:
    """Hide the trend of groups the use table hides in the later period."""
    keys = pd.Series(list(zip(out["period"], out["department"], out["team"], strict=True)),
                     index=out.index)
    extra = keys.isin(hidden).to_numpy() & ~out["suppressed"].to_numpy(dtype=bool)
    if not extra.any():
        return out
    out = out.copy()
    values = ["n_paired", "share", "comparison_share", "difference", "ci_low", "ci_high",
              "p_value", "p_value_adjusted", "beyond_noise"]
    for col in values:
        out[col] = out[col].mask(extra)
    out.loc[extra, "suppressed"] = True
    out.loc[extra, "suppression_reason"] = "hidden as in the table of use by team"
    return out
