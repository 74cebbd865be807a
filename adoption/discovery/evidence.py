"""The evidence of unsanctioned AI use, per person and period, read from the canonical marts.

Two kinds of evidence, both already resolved to one person per person by the canonical layer
(:mod:`adoption.canonical`), bucketed into its periods (``period_spans``):

- **discovery logs** (proxy, DNS, SSO grants; ``person_service_days``): requests to catalogue
  AI services, unsanctioned as :mod:`adoption.discovery.sanctioning` says;
- **tool exports** (``person_tool_periods``): people active in a tool that is not sanctioned,
  seen in that tool's own export (a ChatGPT workspace a department bought without IT, loaded
  from its user analytics), under the canonical attribution rule: a window straddling the
  period's edge with no known day is *unknown*, never counted as use.

:func:`load_evidence_coverage` says, per period, which evidence exists at all: a period with
neither logs nor an unsanctioned tool's activity has **no data**, which is not 0.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pandas as pd

from adoption.canonical import ANY_TOOL, check_canonical, source_semantics
from adoption.canonical.marts import sql_literal
from adoption.discovery.catalogue import load_catalogue
from adoption.discovery.sanctioning import (
    classify_tools,
    sanctioned_list,
    service_status_frame,
)
from adoption.errors import InputError
from adoption.periods import PERIOD_KINDS
from adoption.privacy import check_min_group_size, resolve_min_group_size
from adoption.store import Store
from adoption.workspace import open_store

__all__ = [
    "COVERAGE_COLUMNS",
    "load_discovery",
    "load_evidence_coverage",
    "load_tool_evidence",
    "load_tool_status",
    "opened",
    "service_status",
    "threshold",
]

#: Columns of :func:`load_evidence_coverage`.
COVERAGE_COLUMNS = ["period", "period_start", "has_logs", "has_tool_evidence", "has_data",
                    "log_sources", "tool_sources", "tools", "unknown_tools", "evidence"]
NO_DATA = ("no data: no proxy, DNS or SSO logs cover this period and no unsanctioned tool's "
           "own export shows use in it")


@contextlib.contextmanager
def opened(store_or_workspace: Any) -> Iterator[Store]:
    """The store of a Store or a Workspace (:func:`adoption.workspace.open_store`), its
    canonical tables checked."""
    with open_store(store_or_workspace) as store:
        check_canonical(store)
        yield store


def threshold(store: Store, requested: int | None, where: str) -> int:
    """The privacy threshold: a requested one is checked, then never below the workspace's."""
    if requested is not None:
        check_min_group_size(requested, where=where)
    return resolve_min_group_size(store.settings, requested, where=where)


class _StoreWorkspace:
    """Enough of a workspace (root and settings) to read the ``[discovery]`` extensions."""

    def __init__(self, store: Store) -> None:
        self.root = store.path.parent
        self.settings = store.settings


def _check_kind(period_kind: str) -> None:
    if period_kind not in PERIOD_KINDS:
        raise InputError(f"period_kind {period_kind!r} is unknown; use one of "
                         f"{list(PERIOD_KINDS)}.")


def service_status(store_or_workspace: Any) -> pd.DataFrame:
    """How each catalogue service counts: ``sanctioned``, ``seat`` or ``unsanctioned``.

    Returns
    -------
    pandas.DataFrame
        ``service, vendor, category, status, seat_tools`` (``seat_tools``: the sanctioned
        tools whose seat holders use the service sanctioned, ``;``-separated). See
        :mod:`adoption.discovery.sanctioning` for the rules.
    """
    with opened(store_or_workspace) as store:
        return _service_status(store)


def _service_status(store: Store) -> pd.DataFrame:
    # the workspace's [discovery] additions: its folder is the store's, its settings the same
    catalogue = load_catalogue(_StoreWorkspace(store))
    seat_tools = [r[0] for r in store.con.execute(
        "SELECT DISTINCT tool FROM seat_assignments").fetchall()]
    return service_status_frame(catalogue, store.read("tools"),
                                sanctioned_list(store.settings), seat_tools)


def load_tool_status(store_or_workspace: Any) -> pd.Series:
    """The status of every tool with activity, seats or a catalogue row (see
    :func:`adoption.discovery.sanctioning.classify_tools`), indexed by tool."""
    with opened(store_or_workspace) as store:
        return _tool_status(store)


def _tool_status(store: Store) -> pd.Series:
    names = [r[0] for r in store.con.execute(
        f"SELECT DISTINCT tool FROM person_tool_periods WHERE tool <> '{ANY_TOOL}' "
        "UNION SELECT tool FROM seat_assignments UNION SELECT tool FROM tools "
        "ORDER BY 1").fetchall()]
    return classify_tools(names, store.read("tools"), sanctioned_list(store.settings))


def load_discovery(store_or_workspace: Any, *, period_kind: str = "month") -> pd.DataFrame:
    """Discovery rows with people resolved, the period and whether the use is unsanctioned.

    Returns
    -------
    pandas.DataFrame
        ``person_id`` (resolved person; missing for devices), ``device_id``, ``service, day,
        period, period_start, requests, blocked, bytes, source, status`` and
        ``unsanctioned`` (boolean, NA for device-only rows of a seat-linked service).
    """
    with opened(store_or_workspace) as store:
        return _load_discovery(store, period_kind)


def _load_discovery(store: Store, period_kind: str) -> pd.DataFrame:
    _check_kind(period_kind)
    status = _service_status(store)
    links = [(s, t.lower()) for s, tools in zip(status["service"], status["seat_tools"],
                                                strict=True) for t in tools.split(";") if t]
    con = store.con
    con.register("_svc_status", status[["service", "status"]])
    con.register("_svc_tool", pd.DataFrame(links, columns=["service", "tool"], dtype="string"))
    try:
        frame = con.execute(f"""
            WITH held AS (  -- a seat of a tool the service is licensed as, held that day
                SELECT DISTINCT d.person_id, d.service, d.day
                FROM person_service_days d JOIN _svc_tool t ON t.service = d.service
                WHERE list_contains(list_transform(d.seat_tools, lambda x: lower(x)), t.tool)
            )
            SELECT d.person_id, d.device_id, d.service, d.day, s.period, s.period_start,
                   d.requests, d.blocked, d.bytes, d.source,
                   coalesce(c.status, 'unsanctioned') AS status,
                   CASE WHEN c.status = 'sanctioned' THEN false
                        WHEN c.status = 'seat' AND d.person_id IS NULL THEN NULL
                        WHEN c.status = 'seat' THEN h.person_id IS NULL
                        ELSE true END AS unsanctioned
            FROM person_service_days d
            JOIN period_spans s ON s.period_kind = {sql_literal(period_kind)}
             AND d.day BETWEEN s.period_start AND s.period_end
            LEFT JOIN _svc_status c USING (service)
            LEFT JOIN held h ON h.person_id = d.person_id AND h.service = d.service
                            AND h.day = d.day
            ORDER BY d.day, d.service""").df()
    finally:
        con.unregister("_svc_status")
        con.unregister("_svc_tool")
    for col in ("day", "period_start"):
        frame[col] = pd.to_datetime(frame[col])
    frame["unsanctioned"] = frame["unsanctioned"].astype("boolean")
    for col in ("requests", "blocked"):
        frame[col] = frame[col].astype("int64")
    frame["bytes"] = frame["bytes"].astype("Int64")
    return frame


def load_tool_evidence(store_or_workspace: Any, *, period_kind: str = "month") -> pd.DataFrame:
    """People active in unsanctioned tools, from the tools' own exports, per period.

    Returns
    -------
    pandas.DataFrame
        One row per person x unsanctioned tool x period with evidence: ``period,
        period_start, person_id, tool, is_active`` (known active on an employed day),
        ``is_unknown`` (only a window straddling the period's edge), ``any_evidence_active``
        (known active, employed or not), ``in_roster``, ``sources`` (comma-joined).
    """
    with opened(store_or_workspace) as store:
        return _load_tool_evidence(store, period_kind)


def _unsanctioned_tools(store: Store) -> list[str]:
    status = _tool_status(store)
    return [t for t, s in status.items() if s == "unsanctioned"]


def _load_tool_evidence(store: Store, period_kind: str) -> pd.DataFrame:
    _check_kind(period_kind)
    tools = _unsanctioned_tools(store)
    in_list = ", ".join(sql_literal(t) for t in tools) or "NULL"
    frame = store.con.execute(f"""
        SELECT s.period, t.period_start, t.person_id, t.tool, t.is_active, t.is_unknown,
               t.any_evidence_active, t.in_roster,
               (SELECT string_agg(DISTINCT x.source, ', ' ORDER BY x.source)
                FROM person_tool_periods x
                WHERE x.period_kind = t.period_kind AND x.period_start = t.period_start
                  AND x.person_id = t.person_id AND x.tool = t.tool
                  AND x.source <> '{ANY_TOOL}') AS sources
        FROM person_tool_periods t
        JOIN period_spans s ON s.period_kind = t.period_kind AND s.period_start = t.period_start
        WHERE t.period_kind = {sql_literal(period_kind)} AND t.source = '{ANY_TOOL}'
          AND t.tool IN ({in_list})
          AND (t.is_active OR t.is_unknown OR t.any_evidence_active)
        ORDER BY t.period_start, t.tool""").df()
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    return frame


def load_evidence_coverage(store_or_workspace: Any, *,
                           period_kind: str = "month") -> pd.DataFrame:
    """Per period: which evidence of unsanctioned AI use exists, and what the figures rest on.

    Returns
    -------
    pandas.DataFrame
        :data:`COVERAGE_COLUMNS`, one row per canonical period: ``has_logs`` (a discovery log
        covers a day of it: a proxy or DNS log's day, an SSO grant's date), ``has_tool_evidence``
        (an unsanctioned tool's export shows someone using it), ``has_data`` (either),
        ``log_sources``, ``tool_sources`` (source names, comma-joined), ``tools`` (unsanctioned
        tools with evidence), ``unknown_tools`` (tools with activity whose sanctioning is
        unknown: not counted) and ``evidence``, one sentence saying what the period's figures
        rest on, or why there are none.
    """
    with opened(store_or_workspace) as store:
        return _load_coverage(store, period_kind)


def _load_coverage(store: Store, period_kind: str) -> pd.DataFrame:
    _check_kind(period_kind)
    status = _tool_status(store)
    kind = sql_literal(period_kind)
    unsanctioned = [t for t, s in status.items() if s == "unsanctioned"]
    unknown = [t for t, s in status.items() if s == "unknown"]

    def tool_list(names: list[str]) -> str:
        return ", ".join(sql_literal(t) for t in names) or "NULL"

    frame = store.con.execute(f"""
        WITH logs AS (
            SELECT day, source FROM discovery_days
            UNION SELECT day, source FROM person_service_days
        ),
        log_cov AS (
            SELECT s.period_start, string_agg(DISTINCT l.source, ', ' ORDER BY l.source) AS src
            FROM period_spans s JOIN logs l ON l.day BETWEEN s.period_start AND s.period_end
            WHERE s.period_kind = {kind} GROUP BY 1
        ),
        tool_rows AS (
            SELECT period_start, tool, source FROM person_tool_periods
            WHERE period_kind = {kind} AND source <> '{ANY_TOOL}'
              AND (is_active OR is_unknown OR any_evidence_active)
        ),
        tool_cov AS (
            SELECT period_start,
                   string_agg(DISTINCT source, ', ' ORDER BY source)
                       FILTER (WHERE tool IN ({tool_list(unsanctioned)})) AS src,
                   string_agg(DISTINCT tool, ', ' ORDER BY tool)
                       FILTER (WHERE tool IN ({tool_list(unsanctioned)})) AS tools,
                   string_agg(DISTINCT tool, ', ' ORDER BY tool)
                       FILTER (WHERE tool IN ({tool_list(unknown)})) AS unknown_tools
            FROM tool_rows GROUP BY 1
        )
        SELECT s.period, s.period_start, l.src IS NOT NULL AS has_logs,
               t.src IS NOT NULL AS has_tool_evidence,
               coalesce(l.src, '') AS log_sources, coalesce(t.src, '') AS tool_sources,
               coalesce(t.tools, '') AS tools, coalesce(t.unknown_tools, '') AS unknown_tools
        FROM period_spans s
        LEFT JOIN log_cov l USING (period_start) LEFT JOIN tool_cov t USING (period_start)
        WHERE s.period_kind = {kind}
        ORDER BY s.period_start""").df()
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["has_data"] = frame["has_logs"] | frame["has_tool_evidence"]
    frame["evidence"] = [_describe(r) for r in frame.itertuples(index=False)]
    return frame[COVERAGE_COLUMNS]


def _labels(sources: str) -> str:
    return ", ".join(source_semantics(s).label if source_semantics(s).label != "(not described)"
                     else s for s in sources.split(", ") if s)


def _describe(row: Any) -> str:
    """One sentence: what the period's shadow-AI figures rest on."""
    if not row.has_data:
        text = NO_DATA
    else:
        parts = []
        if row.has_logs:
            parts.append(f"discovery logs ({_labels(row.log_sources)})")
        if row.has_tool_evidence:
            parts.append(f"the own exports of unsanctioned tools ({row.tools}: "
                         f"{_labels(row.tool_sources)})")
        text = "rest on " + " and ".join(parts)
        if not row.has_logs:
            text += "; no proxy, DNS or SSO logs: use of other unsanctioned services is not seen"
    if row.unknown_tools:
        text += (f"; not counted, sanctioning unknown: {row.unknown_tools} (mark them in the "
                 "tools catalogue or [governance] sanctioned)")
    return text
