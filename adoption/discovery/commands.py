"""Command-line subcommands of adoption.discovery (registered by :mod:`adoption.cli`).

- ``adoption shadow-ai --workspace DIR --period 2026-01 [--by team] [--format table|csv]``:
  people using unsanctioned AI by group (seen in discovery logs or in unsanctioned tools' own
  exports), what the figures rest on, the change from the previous period and the services
  seen for the first time; "no data" (not 0) for a period without any evidence.
- ``adoption services [--workspace DIR] [--format table|csv]``: the AI service catalogue
  with the workspace's extensions and how each service counts (sanctioned, seat, unsanctioned).

The handlers import pandas and the store when they run: ``adoption --help`` loads none of them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from adoption.errors import AdoptionError, InputError, WorkspaceError
from adoption.periods import PERIOD_KINDS

__all__ = ["register"]


def _say(msg: str) -> None:
    print(msg, flush=True)


def register(sub: argparse._SubParsersAction,
             workspace_arg: Callable[[argparse.ArgumentParser], None]
             ) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add this part's subcommands to sub; return command name -> handler."""
    p = sub.add_parser("shadow-ai", help="people using unsanctioned AI services, by group")
    workspace_arg(p)
    p.add_argument("--period", required=True, help="2026-01, 2026-Q1, 2026-W03 or a date")
    p.add_argument("--period-kind", choices=PERIOD_KINDS, help="default: told from --period")
    p.add_argument("--by", choices=("team", "department", "organisation"), default="team")
    p.add_argument("--min-group-size", type=int, help="raise the workspace's threshold")
    p.add_argument("--format", choices=("table", "csv"), default="table")

    p = sub.add_parser("services", help="list the AI service catalogue (with workspace additions)")
    workspace_arg(p)
    p.add_argument("--format", choices=("table", "csv"), default="table")
    return {"shadow-ai": cmd_shadow_ai, "services": cmd_services}


def cmd_shadow_ai(args: argparse.Namespace) -> int:
    import pandas as pd

    from adoption.canonical.membership import load_group_labels
    from adoption.discovery.metrics import compute_shadow_ai_trend, compute_shadow_ai_use
    from adoption.discovery.services import first_seen_services
    from adoption.periods import parse_period
    from adoption.privacy import publish_labels, resolve_min_group_size
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    period = parse_period(args.period, args.period_kind, week_start=ws.settings.week_start_index)
    k = resolve_min_group_size(ws.settings, args.min_group_size)
    with ws.store(read_only=True) as store:  # team labels as they may be published
        labels = load_group_labels(store)
    use = publish_labels(compute_shadow_ai_use(ws, period_kind=period.kind, by=args.by,
                                               min_group_size=k), ws.settings, labels=labels)
    table = use[use["period"] == period.label].reset_index(drop=True)
    if table.empty:
        have = sorted(use["period"].unique())
        raise AdoptionError(
            f"No data for period {period.label}; periods with roster and usage data: "
            f"{have[0] if have else '-'} to {have[-1] if have else '-'}.")
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
        return 0
    evidence = str(table["evidence"].iloc[0])
    if not bool(table["has_data"].iloc[0]):
        _say(f"People using unsanctioned AI, {period.label}: no data.\n  {evidence[0].upper()}"
             f"{evidence[1:]}.\n  The figures are missing, not 0: ingest the period's proxy, "
             "DNS or SSO logs, or mark the tools IT has not approved in the tools catalogue.")
        return 0
    with pd.option_context("display.width", 200, "display.max_columns", 40,
                           "display.float_format", "{:.3f}".format):
        _say(f"People using unsanctioned AI, {period.label} (minimum group size {k}); the "
             f"figures {evidence}:")
        shown = table.drop(columns=["period_start", "has_data", "evidence"]).astype(
            {"department": object, "team": object})
        _say(shown.fillna({"department": "", "team": "", "suppression_reason": ""})
             .to_string(index=False))
        try:
            trend = publish_labels(
                compute_shadow_ai_trend(ws, period_kind=period.kind, by=args.by,
                                        period=period.label, min_group_size=k),
                ws.settings, labels=labels)
        except InputError as e:
            _say(f"\nNo comparison with the previous period: {e}")
            trend = None
        if trend is not None:
            growing = trend[trend["growing"].fillna(False).astype(bool)]
            _say(f"\nGrowing beyond noise since {trend['comparison_period'].iloc[0]}:"
                 if len(trend) else "\nNo previous period to compare with.")
            if len(trend):
                _say(growing[["level", "department", "team", "n_paired", "comparison_share",
                              "share", "difference", "ci_low", "ci_high", "p_value_adjusted"]]
                     .to_string(index=False) if len(growing) else "  none")
        first = first_seen_services(ws, period=period.label, period_kind=period.kind,
                                    min_group_size=k)
        _say("\nUnsanctioned services seen for the first time (discovery logs):")
        _say(first.to_string(index=False) if len(first) else "  none")
    return 0


def cmd_services(args: argparse.Namespace) -> int:
    import pandas as pd

    from adoption.discovery.catalogue import load_catalogue
    from adoption.workspace import open_workspace

    try:
        ws = open_workspace(args.workspace)
    except WorkspaceError:
        if args.workspace:
            raise
        ws = None
    if ws is not None:
        from adoption.discovery.evidence import service_status

        table = service_status(ws).merge(load_catalogue(ws)[["service", "domains"]],
                                         on="service")
    else:
        table = load_catalogue().assign(status="(no workspace)")
    table = table.assign(domains=table["domains"].map(";".join))
    if "tools" in table:
        table = table.assign(tools=table["tools"].map(";".join))
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        with pd.option_context("display.width", 200, "display.max_colwidth", 60,
                               "display.max_rows", 500):
            _say(table.to_string(index=False))
    return 0
