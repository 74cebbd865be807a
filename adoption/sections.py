"""Every section of the periodic adoption report, computed side by side.

The report's notebook needs seven sections of one period (adoption, governance, sentiment,
sources, usage segments, adoption over time, the use-case portfolio). Computed one after the other they take most of
a render; here the two longest (governance and adoption over time) run in forked worker
processes while this process computes the other five, so that a 2-core machine renders a
month in about half the time. The workers run the same functions on the same read-only store
(DuckDB lets several processes read one file), so the figures are the same as computed in
turn; if a worker cannot be started or does not answer, its section is computed here instead
(a warning says so), never left out.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any

__all__ = ["PARALLEL_ENV", "ReportSections", "build_report_sections"]

log = logging.getLogger(__name__)

#: Set to ``0`` to compute the sections one after the other (e.g. to profile them).
PARALLEL_ENV = "ADOPTION_PARALLEL"

#: The sections computed in worker processes (the longest two).
_SIDE = ("governance", "dynamics")

#: Longest wait for a worker's section before computing it here instead (seconds).
_TIMEOUT_S = 600


@dataclass(frozen=True)
class ReportSections:
    """The sections of one period's adoption report.

    Attributes
    ----------
    report : adoption.report.AdoptionReport
    governance : adoption.governance.GovernanceSection
    sentiment : adoption.surveys.report.SentimentSection or None
    sources : adoption.vendors.report.SourceReport
    segments : pandas.DataFrame
        :func:`adoption.vendors.segment_report.build_segment_table`.
    dynamics : adoption.report.dynamics.DynamicsSection
    portfolio : adoption.portfolio.PortfolioSection
        The use cases' adoption, KPI change, spend and status.
    """

    report: Any
    governance: Any
    sentiment: Any
    sources: Any
    segments: Any
    dynamics: Any
    portfolio: Any


def _jobs(root: str, period: str, period_kind: str, comparison_period: str | None,
          min_group_size: int | None) -> dict[str, Callable[[], Any]]:
    from adoption.governance.report import build_governance_section
    from adoption.portfolio import build_portfolio
    from adoption.report.content import build_adoption_report
    from adoption.report.dynamics import build_dynamics_section
    from adoption.surveys.report import build_sentiment_section
    from adoption.vendors.report import build_source_report
    from adoption.vendors.segment_report import build_segment_table

    common = {"period": period, "period_kind": period_kind, "min_group_size": min_group_size}
    compared = {**common, "comparison_period": comparison_period}
    return {
        "report": partial(build_adoption_report, root, **compared),
        "governance": partial(build_governance_section, root, **compared),
        "sentiment": partial(build_sentiment_section, root, **common),
        "sources": partial(build_source_report, root, **common),
        "segments": partial(build_segment_table, root, **common),
        "dynamics": partial(build_dynamics_section, root, **common),
        "portfolio": partial(build_portfolio, root, **common),
    }


def _in_worker(job: Callable[[], Any]) -> tuple[Any, list[tuple[str, type[Warning]]]]:
    """Run ``job`` in a worker; its warnings travel back with the result."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = job()
    return result, [(str(w.message), w.category) for w in caught]


def _parallel_by_default() -> bool:
    return (os.environ.get(PARALLEL_ENV, "1") != "0" and (os.cpu_count() or 1) > 1
            and "fork" in multiprocessing.get_all_start_methods())


def build_report_sections(
    workspace: Any,
    *,
    period: str,
    period_kind: str = "month",
    comparison_period: str | None = None,
    min_group_size: int | None = None,
    parallel: bool | None = None,
) -> ReportSections:
    """Compute the seven sections of a period's adoption report.

    Parameters
    ----------
    workspace : Workspace or path
    period, period_kind, comparison_period, min_group_size
        As for :func:`adoption.report.build_adoption_report` (``comparison_period`` also
        sets the governance section's comparison).
    parallel : bool, optional
        Compute governance and adoption over time in worker processes (default: yes on a
        machine with more than one core that can fork, unless ``$ADOPTION_PARALLEL`` is
        ``0``).

    Returns
    -------
    ReportSections
    """
    from adoption.workspace import as_workspace

    root = str(as_workspace(workspace).root)
    jobs = _jobs(root, period, period_kind, comparison_period, min_group_size)
    if not (_parallel_by_default() if parallel is None else parallel):
        return ReportSections(**{name: job() for name, job in jobs.items()})
    done: dict[str, Any] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(_SIDE), mp_context=context) as pool:
        try:
            futures = {name: pool.submit(_in_worker, jobs[name]) for name in _SIDE}
        except (BrokenProcessPool, OSError) as e:  # no worker could be started
            log.warning("computing every report section here: %s", e)
            futures = {}
        for name, job in jobs.items():
            if name not in futures:
                done[name] = job()
        for name, future in futures.items():
            try:
                done[name], caught = future.result(timeout=_TIMEOUT_S)
            except (BrokenProcessPool, TimeoutError, OSError) as e:
                warnings.warn(f"the {name} section's worker failed ({type(e).__name__}: {e}); "
                              "computed here instead", RuntimeWarning, stacklevel=2)
                done[name] = jobs[name]()
                continue
            for message, category in caught:  # as if raised here
                warnings.warn(message, category, stacklevel=2)
        if any(not f.done() for f in futures.values()):  # a hung worker: do not wait for it
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
    return ReportSections(**done)
