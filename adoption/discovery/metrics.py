"""Shadow-AI metrics: people using unsanctioned AI services by team and period, the trend,
services seen for the first time and use per service.

What counts as unsanctioned (per discovery row, i.e. person or device x service x day):

- a service named in ``[governance] sanctioned`` is sanctioned for everyone;
- a service linked (catalogue ``tools`` column or ``[discovery.tools]``) to a tool that is
  sanctioned (``tools.is_sanctioned`` or named in ``[governance] sanctioned``) shares its
  domains with the consumer version (chatgpt.com serves ChatGPT Enterprise and free
  accounts alike). If that tool has seats in the store, use by a person holding a seat of it
  on that day is sanctioned use and use by anyone else is unsanctioned (a personal
  account); device-only rows cannot be told apart and count as neither. If the tool has no
  seats at all (an organisation-wide licence), every use is sanctioned;
- every other catalogue service is unsanctioned.

People are resolved through ``identities`` at query time (as :mod:`adoption.canonical` does), and
their team per period is that of :func:`adoption.canonical.load_person_periods`. Device-only rows
are never attributed to a team: they are counted on organisation rows and per service.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from adoption.canonical import load_person_periods
from adoption.canonical.identity import identity_map_sql
from adoption.discovery.catalogue import load_catalogue
from adoption.errors import InputError, SmallGroupWarning
from adoption.metrics.adoption import NO_DEPARTMENT
from adoption.metrics.change import compute_adoption_change
from adoption.metrics.intervals import check_confidence, wilson_interval
from adoption.periods import PERIOD_KINDS, parse_period, period_start_sql
from adoption.privacy import check_min_group_size, resolve_min_group_size, suppress_small_groups
from adoption.store import Store

__all__ = [
    "SHADOW_USE_COLUMNS",
    "SHADOW_TREND_COLUMNS",
    "compute_shadow_ai_by_service",
    "compute_shadow_ai_trend",
    "compute_shadow_ai_use",
    "first_seen_services",
    "load_discovery",
    "service_status",
]

#: Levels of ``by`` and the levels each returns.
_LEVELS = {"team": ["organisation", "department", "team"],
           "department": ["organisation", "department"], "organisation": ["organisation"]}
#: Output columns of :func:`compute_shadow_ai_use`, after ``level, department, team, period``.
SHADOW_USE_COLUMNS = [
    "period_start", "headcount", "users", "share", "ci_low", "ci_high", "requests", "blocked",
    "services", "device_requests", "devices", "unmatched_requests", "suppressed",
    "suppression_reason",
]
_SUPPRESSED_VALUES = ["headcount", "users", "share", "ci_low", "ci_high", "requests", "blocked",
                      "services"]
#: Output columns of :func:`compute_shadow_ai_trend`, after ``level, department, team``.
SHADOW_TREND_COLUMNS = [
    "period", "comparison_period", "n_paired", "share", "comparison_share", "difference",
    "ci_low", "ci_high", "p_value", "p_value_adjusted", "beyond_noise", "growing",
    "suppressed", "suppression_reason",
]


@contextlib.contextmanager
def _opened(store_or_workspace: Any) -> Iterator[tuple[Store, Any]]:
    """(store, workspace or None) from a Store or a Workspace (opened read-only, then closed)."""
    if isinstance(store_or_workspace, Store):
        yield store_or_workspace, None
        return
    if hasattr(store_or_workspace, "store") and hasattr(store_or_workspace, "settings"):
        with store_or_workspace.store(read_only=True) as store:
            yield store, store_or_workspace
        return
    raise InputError(
        f"expected a Workspace or a Store; found {type(store_or_workspace).__name__!r}. Pass "
        "adoption.open_workspace(DIR).")


class _StoreWorkspace:
    """Enough of a workspace (root and settings) to read the ``[discovery]`` extensions."""

    def __init__(self, store: Store) -> None:
        self.root = store.path.parent
        self.settings = store.settings


def _catalogue(store: Store, workspace: Any) -> pd.DataFrame:
    return load_catalogue(workspace if workspace is not None else _StoreWorkspace(store))


def service_status(store_or_workspace: Any) -> pd.DataFrame:
    """How each catalogue service counts: ``sanctioned``, ``seat`` or ``unsanctioned``.

    Returns
    -------
    pandas.DataFrame
        ``service, vendor, category, status, seat_tools`` (``seat_tools``: the sanctioned
        tools whose seat holders use the service sanctioned, ``;``-separated). See the module
        docstring for the rules.
    """
    with _opened(store_or_workspace) as (store, ws):
        return _service_status(store, ws)


def _service_status(store: Store, ws: Any) -> pd.DataFrame:
    catalogue = _catalogue(store, ws)
    listed = store.settings.section("governance").get("sanctioned", []) or []
    if not isinstance(listed, list):
        raise InputError(
            f"adoption.toml [governance] sanctioned is {listed!r}; write a list of tool or "
            "service names, e.g. sanctioned = [\"ChatGPT Enterprise\", \"DeepL Write\"].")
    listed_lower = {str(x).strip().lower() for x in listed}
    tools = store.query("SELECT tool, is_sanctioned FROM tools")
    seat_tools = {r[0].lower() for r in store.con.execute(
        "SELECT DISTINCT tool FROM seats").fetchall()}
    sanctioned_tools = {t.lower(): t for t, s in zip(tools["tool"], tools["is_sanctioned"],
                                                       strict=True) if s is True or s == 1}
    sanctioned_tools.update({t.lower(): t for t in tools["tool"] if t.lower() in listed_lower})
    status, links = [], []
    for service, linked in zip(catalogue["service"], catalogue["tools"], strict=True):
        hits = [sanctioned_tools[t.lower()] for t in linked if t.lower() in sanctioned_tools]
        with_seats = [t for t in hits if t.lower() in seat_tools]
        if service.lower() in listed_lower or (hits and not with_seats):
            status.append("sanctioned")
            links.append("")
        elif with_seats:
            status.append("seat")
            links.append(";".join(with_seats))
        else:
            status.append("unsanctioned")
            links.append("")
    return catalogue[["service", "vendor", "category"]].assign(status=status, seat_tools=links)


def _label(kind: str, starts: pd.Series) -> pd.Series:
    if kind == "month":
        return starts.dt.strftime("%Y-%m")
    if kind == "quarter":
        return starts.dt.year.astype(str) + "-Q" + starts.dt.quarter.astype(str)
    return starts.dt.strftime("%Y-%m-%d")


def load_discovery(store_or_workspace: Any, *, period_kind: str = "month") -> pd.DataFrame:
    """Discovery rows with people resolved, the period and whether the use is unsanctioned.

    Returns
    -------
    pandas.DataFrame
        ``person_id`` (roster person after ``identities``; NULL for devices), ``device_id``,
        ``service, day, period, period_start, requests, blocked, bytes, source, status`` and
        ``unsanctioned`` (boolean, NA for device-only rows of a seat-linked service).
    """
    with _opened(store_or_workspace) as (store, ws):
        return _load_discovery(store, ws, period_kind)


def _load_discovery(store: Store, ws: Any, period_kind: str) -> pd.DataFrame:
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"period_kind {period_kind!r} is unknown; use one of "
                         f"{list(PERIOD_KINDS)}.")
    status = _service_status(store, ws)
    links = [(s, t) for s, tools in zip(status["service"], status["seat_tools"], strict=True)
             for t in tools.split(";") if t]
    con = store.con
    con.register("_svc_status", status[["service", "status"]])
    con.register("_svc_tool", pd.DataFrame(links, columns=["service", "tool"], dtype="string"))
    pstart = period_start_sql("d.day", period_kind,
                              week_start=store.settings.week_start_index)
    try:
        frame = con.execute(f"""
            WITH ids AS ({identity_map_sql(con)}),
            d AS (
                SELECT coalesce(i.person_id, d.person_id) AS person_id, d.device_id, d.service,
                       d.day, d.requests, d.blocked, d.bytes, d.source
                FROM discovery d LEFT JOIN ids i ON i.identity_hash = d.person_id
            ),
            held AS (
                SELECT DISTINCT d.person_id, d.service, d.day
                FROM d JOIN _svc_tool st ON st.service = d.service
                JOIN seats s ON lower(s.tool) = lower(st.tool) AND s.person_id = d.person_id
                 AND s.assigned_on <= d.day
                 AND coalesce(s.removed_on, DATE '9999-12-31') >= d.day
            )
            SELECT d.person_id, d.device_id, d.service, d.day, {pstart} AS period_start,
                   d.requests, d.blocked, d.bytes, d.source,
                   coalesce(c.status, 'unsanctioned') AS status,
                   CASE WHEN c.status = 'sanctioned' THEN false
                        WHEN c.status = 'seat' AND d.person_id IS NULL THEN NULL
                        WHEN c.status = 'seat' THEN h.person_id IS NULL
                        ELSE true END AS unsanctioned
            FROM d LEFT JOIN _svc_status c USING (service)
            LEFT JOIN held h ON h.person_id = d.person_id AND h.service = d.service
                            AND h.day = d.day
            ORDER BY d.day, d.service""").df()
    finally:
        con.unregister("_svc_status")
        con.unregister("_svc_tool")
    frame["day"] = pd.to_datetime(frame["day"])
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame.insert(4, "period", _label(period_kind, frame["period_start"]))
    frame["unsanctioned"] = frame["unsanctioned"].astype("boolean")
    for col in ("requests", "blocked"):
        frame[col] = frame[col].astype("int64")
    frame["bytes"] = frame["bytes"].astype("Int64")
    return frame


def _min_group_size(store: Store, min_group_size: int | None, where: str) -> int:
    k = store.settings.min_group_size if min_group_size is None else min_group_size
    check_min_group_size(k, where=where)
    return resolve_min_group_size(store.settings, k)


def _person_periods(store: Store, period_kind: str) -> pd.DataFrame:
    pp = load_person_periods(store, period_kind=period_kind)
    pp = pp[["period", "period_start", "person_id", "team", "department"]].copy()
    for col in ("period", "person_id", "team"):
        pp[col] = pp[col].astype(str)
    pp["department"] = pp["department"].astype(object).where(pp["department"].notna(),
                                                             NO_DEPARTMENT).astype(str)
    return pp


def _shadow_people(disc: pd.DataFrame) -> pd.DataFrame:
    """Unsanctioned use by people: one row per person x period x service."""
    people = disc[disc["person_id"].notna() & disc["unsanctioned"].fillna(False).astype(bool)]
    return (people.groupby(["person_id", "period", "service"], as_index=False)
            .agg(requests=("requests", "sum"), blocked=("blocked", "sum")))


def compute_shadow_ai_use(
    store_or_workspace: Any,
    *,
    period_kind: str = "month",
    by: str = "team",
    min_group_size: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """People using unsanctioned AI services per team, department and organisation and period.

    Parameters
    ----------
    store_or_workspace : Workspace or Store
    period_kind : {"month", "quarter", "week"}, default "month"
        Periods are those of :func:`adoption.canonical.load_person_periods` over the days with
        usage or discovery data, so that headcounts match the adoption figures.
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

        - ``period_start`` (datetime);
        - ``headcount`` (Int64): people employed in the group at least one day of the period;
        - ``users`` (Int64): of them, people with any unsanctioned AI use in the period;
        - ``share``, ``ci_low``, ``ci_high``: ``users / headcount`` with its Wilson interval
          (n = ``headcount``);
        - ``requests``, ``blocked`` (Int64): their requests to unsanctioned services, and how
          many of them the proxy or resolver blocked;
        - ``services`` (Int64): distinct unsanctioned services they used;
        - ``device_requests``, ``devices``, ``unmatched_requests`` (Int64, organisation rows
          only): unsanctioned requests of device-only rows and the devices behind them, and
          of identities that match nobody in the roster: counted, never put in a team;
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
    with _opened(store_or_workspace) as (store, ws):
        k = _min_group_size(store, min_group_size, where)
        disc = _load_discovery(store, ws, period_kind)
        pp = _person_periods(store, period_kind)
    shadow = _shadow_people(disc)
    per_person = shadow.groupby(["person_id", "period"], as_index=False).agg(
        requests=("requests", "sum"), blocked=("blocked", "sum"))
    people = pp.merge(per_person, on=["person_id", "period"], how="left")
    people["user"] = people["requests"].notna()
    people[["requests", "blocked"]] = people[["requests", "blocked"]].fillna(0).astype("int64")
    services = pp.merge(shadow[["person_id", "period", "service"]], on=["person_id", "period"])

    rows = []
    for level, keys in (("team", ["department", "team"]), ("department", ["department"]),
                        ("organisation", [])):
        g = people.groupby([*keys, "period"], as_index=False).agg(
            period_start=("period_start", "min"), headcount=("person_id", "size"),
            users=("user", "sum"), requests=("requests", "sum"), blocked=("blocked", "sum"))
        s = services.groupby([*keys, "period"], as_index=False).agg(
            services=("service", "nunique"))
        g = g.merge(s, on=[*keys, "period"], how="left")
        g["services"] = g["services"].fillna(0)
        g["level"] = level
        rows.append(g)
    table = pd.concat(rows, ignore_index=True)
    for col in ("department", "team"):
        if col not in table:
            table[col] = None
        table[col] = table[col].astype(object).where(table[col].notna(), None)
    for col in ("headcount", "users", "requests", "blocked", "services"):
        table[col] = table[col].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share"] = table["users"] / table["headcount"].where(table["headcount"] > 0)
    table["ci_low"], table["ci_high"] = wilson_interval(table["users"], table["headcount"],
                                                        confidence=confidence)
    table = _add_unattributed(table, disc, pp)
    protected = suppress_small_groups(
        table[["level", "department", "team", "period", *SHADOW_USE_COLUMNS[:-2]]],
        hierarchy=("department", "team"), size="headcount", within=("period",),
        value_columns=_SUPPRESSED_VALUES, min_group_size=k)
    for col in ("headcount", "users", "requests", "blocked", "services"):
        protected[col] = protected[col].astype("Int64")
    out = protected[protected["level"].isin(_LEVELS[by])].copy()
    order = {"organisation": 0, "department": 1, "team": 2}
    out = out.assign(_o=out["level"].map(order)).sort_values(
        ["period", "_o", "department", "team"], na_position="first", kind="stable")
    out = out.drop(columns="_o").reset_index(drop=True)
    if len(out) and bool(out["suppressed"].all()):
        warnings.warn(f"Every {by} row is hidden: each group has fewer than {k} people or had "
                      "to be hidden to protect one.", SmallGroupWarning, stacklevel=2)
    return out[["level", "department", "team", "period", *SHADOW_USE_COLUMNS]]


def _add_unattributed(table: pd.DataFrame, disc: pd.DataFrame, pp: pd.DataFrame
                      ) -> pd.DataFrame:
    """Device-only and unmatched-identity unsanctioned requests, on organisation rows only."""
    bad = disc[disc["unsanctioned"].fillna(False).astype(bool)]
    dev = bad[bad["person_id"].isna()].groupby("period").agg(
        device_requests=("requests", "sum"), devices=("device_id", "nunique"))
    known = set(pp["person_id"])
    unmatched = bad[bad["person_id"].notna() & ~bad["person_id"].isin(known)].groupby(
        "period")["requests"].sum().rename("unmatched_requests")
    org = table["level"] == "organisation"
    out = table.copy()
    for col, source in (("device_requests", dev.get("device_requests")),
                        ("devices", dev.get("devices")), ("unmatched_requests", unmatched)):
        values = out["period"].map(source if source is not None else {}).fillna(0)
        out[col] = pd.array(np.where(org, values, np.nan), dtype="Float64").astype("Int64")
    return out


def compute_shadow_ai_trend(
    store_or_workspace: Any,
    *,
    period_kind: str = "month",
    by: str = "team",
    period: str | None = None,
    lag: int = 1,
    min_group_size: int | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Change in the share of people using unsanctioned AI from one period to the next.

    Each period is compared with the one ``lag`` periods before it, paired by person (people
    employed in both periods, in their group of the later period) with
    :func:`adoption.metrics.compute_adoption_change`: Newcombe's paired interval for the
    difference, McNemar's test, Benjamini-Hochberg adjustment across the groups of one level
    and period pair, and suppression with the paired count as the group size.

    Parameters
    ----------
    store_or_workspace : Workspace or Store
    period_kind : {"month", "quarter", "week"}, default "month"
    by : {"team", "department", "organisation"}, default "team"
        The lowest level returned; the levels above it come too.
    period : str, optional
        Only this period (compared with the one ``lag`` before it); default: every period
        that has one.
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
    with _opened(store_or_workspace) as (store, ws):
        k = _min_group_size(store, min_group_size, where)
        disc = _load_discovery(store, ws, period_kind)
        pp = _person_periods(store, period_kind)
        week_start = store.settings.week_start_index
    users = _shadow_people(disc)[["person_id", "period"]].drop_duplicates()
    frame = pp.merge(users.assign(is_active=True), on=["person_id", "period"], how="left")
    frame["is_active"] = frame["is_active"].fillna(False).astype(bool)
    labels = sorted(pp["period"].unique())
    pairs = [(labels[i], labels[i - lag]) for i in range(lag, len(labels))]
    if period is not None:
        label = parse_period(period, period_kind, week_start=week_start).label
        if label not in labels:
            raise InputError(f"{where}: period {label!r} has no data; periods with data: "
                             f"{labels[0] if labels else '-'} to {labels[-1] if labels else '-'}.")
        pairs = [p for p in pairs if p[0] == label]
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
    out["beyond_noise"] = out["beyond_noise"].astype("boolean")
    growing = pd.array(out["difference"].to_numpy(dtype=float, na_value=np.nan) > 0,
                       dtype="boolean")
    growing[out["beyond_noise"].isna().to_numpy()] = pd.NA
    out["growing"] = out["beyond_noise"] & growing
    return out[["level", "department", "team", *SHADOW_TREND_COLUMNS]].reset_index(drop=True)


def compute_shadow_ai_by_service(
    store_or_workspace: Any,
    *,
    period_kind: str = "month",
    min_group_size: int | None = None,
) -> pd.DataFrame:
    """Unsanctioned use per service and period, for the whole organisation.

    Returns
    -------
    pandas.DataFrame
        One row per service x period with any unsanctioned use: ``period, period_start,
        service, vendor, category, status`` (``unsanctioned`` or ``seat``: a personal account
        of a sanctioned tool), ``users`` (Int64, people; missing when fewer than the minimum
        group size), ``users_suppressed`` (bool), ``requests``, ``blocked`` (people's
        requests), ``devices``, ``device_requests`` (device-only rows) and ``first_day`` (the
        service's first unsanctioned use in the store), sorted by period and requests.
    """
    with _opened(store_or_workspace) as (store, ws):
        k = _min_group_size(store, min_group_size, "compute_shadow_ai_by_service")
        disc = _load_discovery(store, ws, period_kind)
        catalogue = _service_status(store, ws)
    return _by_service(disc, catalogue, k)


def _by_service(disc: pd.DataFrame, catalogue: pd.DataFrame, k: int) -> pd.DataFrame:
    bad = disc[disc["unsanctioned"].fillna(False).astype(bool)]
    first = bad.groupby("service")["day"].min().rename("first_day")
    person = bad["person_id"].notna()
    people = bad[person].groupby(["period", "service"]).agg(
        period_start=("period_start", "min"), users=("person_id", "nunique"),
        requests=("requests", "sum"), blocked=("blocked", "sum"))
    devices = bad[~person].groupby(["period", "service"]).agg(
        period_start_d=("period_start", "min"), devices=("device_id", "nunique"),
        device_requests=("requests", "sum"))
    out = people.join(devices, how="outer").reset_index()
    if out.empty:
        return pd.DataFrame(columns=["period", "period_start", "service", "vendor", "category",
                                     "status", "users", "users_suppressed", "requests",
                                     "blocked", "devices", "device_requests", "first_day"])
    out["period_start"] = out["period_start"].fillna(out.pop("period_start_d"))
    for col in ("users", "requests", "blocked", "devices", "device_requests"):
        out[col] = out[col].fillna(0).astype("int64")
    out["users_suppressed"] = (out["users"] > 0) & (out["users"] < k)
    out["users"] = out["users"].astype("Int64").mask(out["users_suppressed"])
    out = out.merge(catalogue[["service", "vendor", "category", "status"]], on="service",
                    how="left").merge(first, left_on="service", right_index=True, how="left")
    out = out.sort_values(["period", "requests", "device_requests", "service"],
                          ascending=[True, False, False, True], kind="stable")
    return out[["period", "period_start", "service", "vendor", "category", "status", "users",
                "users_suppressed", "requests", "blocked", "devices", "device_requests",
                "first_day"]].reset_index(drop=True)


def first_seen_services(
    store_or_workspace: Any,
    *,
    period: str,
    period_kind: str = "month",
    min_group_size: int | None = None,
) -> pd.DataFrame:
    """Unsanctioned services whose first unsanctioned use in the store falls in ``period``.

    Returns
    -------
    pandas.DataFrame
        One row per such service, by first day: ``service, vendor, category, first_day,
        users`` (people in the period; missing below the minimum group size),
        ``users_suppressed``, ``requests``, ``devices``, ``device_requests``.
    """
    with _opened(store_or_workspace) as (store, ws):
        k = _min_group_size(store, min_group_size, "first_seen_services")
        p = parse_period(period, period_kind, week_start=store.settings.week_start_index)
        disc = _load_discovery(store, ws, period_kind)
        catalogue = _service_status(store, ws)
    table = _by_service(disc, catalogue, k)
    table = table[(table["period"] == p.label)
                  & (table["first_day"] >= pd.Timestamp(p.start))
                  & (table["first_day"] <= pd.Timestamp(p.end))]
    return table.sort_values(["first_day", "service"])[
        ["service", "vendor", "category", "first_day", "users", "users_suppressed", "requests",
         "devices", "device_requests"]].reset_index(drop=True)
