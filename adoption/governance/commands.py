"""Command-line subcommands of adoption.governance (registered by :mod:`adoption.cli`).

- ``adoption alerts --workspace DIR --period 2026-01 [--format table|csv]``: the period's alerts.
- ``adoption reclaim --workspace DIR --out FILE.csv|FILE.xlsx [--period P] [--idle-days N]``:
  the seat-reclaim list, a restricted output naming people (see
  :mod:`adoption.governance.reclaim`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from adoption.periods import PERIOD_KINDS

__all__ = ["register"]


def register(sub: argparse._SubParsersAction,
             workspace_arg: Callable[[argparse.ArgumentParser], None]
             ) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add this part's subcommands to sub; return command name -> handler."""
    p = sub.add_parser("alerts", help="what needs attention in a period, with evidence")
    workspace_arg(p)
    p.add_argument("--period", required=True, help="2026-01, 2026-Q1, 2026-W03 or a date")
    p.add_argument("--period-kind", choices=PERIOD_KINDS, help="default: told from --period")
    p.add_argument("--min-group-size", type=int, help="raise the workspace's threshold")
    p.add_argument("--format", choices=("table", "csv"), default="table")

    p = sub.add_parser("reclaim", help="write the seat-reclaim list (names people: restricted)")
    workspace_arg(p)
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output file, .csv or .xlsx (readable by you only)")
    p.add_argument("--period", help="period whose end is the as-of date (default: latest)")
    p.add_argument("--period-kind", choices=PERIOD_KINDS, help="default: told from --period")
    p.add_argument("--idle-days", type=int, metavar="N",
                   help="days without use after which a seat is idle (default from "
                        "adoption.toml [governance] idle_days, else 30)")
    return {"alerts": cmd_alerts, "reclaim": cmd_reclaim}


def _kind(args: argparse.Namespace) -> str:
    from adoption.periods import parse_period

    if args.period_kind:
        return args.period_kind
    return parse_period(args.period).kind if args.period else "month"


def cmd_alerts(args: argparse.Namespace) -> int:
    from adoption.governance.alerts import build_alerts
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    kind = _kind(args)
    alerts = build_alerts(ws, period=args.period, period_kind=kind,
                          min_group_size=args.min_group_size)
    if args.format == "csv":
        alerts.to_csv(sys.stdout, index=False)
        return 0
    if alerts.empty:
        print(f"No alerts for {args.period}.")
        return 0
    print(f"{len(alerts)} alert(s) for {args.period}:\n")
    for r in alerts.itertuples(index=False):
        where = r.team if isinstance(r.team, str) else "Organisation"
        print(f"[{r.severity.upper()}] {r.rule} · {where}\n  {r.message}\n  Evidence: {r.evidence}\n")
    return 0


def cmd_reclaim(args: argparse.Namespace) -> int:
    from adoption.governance.reclaim import NAMES_NOTE, build_reclaim_list, write_reclaim_list
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    frame = build_reclaim_list(ws, period=args.period, period_kind=_kind(args),
                               idle_days=args.idle_days)
    as_of = frame["as_of"].iloc[0] if len(frame) else "-"
    about = {"as_of": as_of, "idle_days": str(args.idle_days or "from adoption.toml"),
             "seats": str(len(frame)),
             "restricted": "names people: share with the tool owners only, never in a report"}
    if not ws.settings.keep_names:
        about["names"] = NAMES_NOTE
    out = write_reclaim_list(frame, args.out, workspace_root=ws.root, about=about)
    cost = frame["monthly_seat_cost"].sum()
    print(f"Wrote {len(frame)} seat(s) to reclaim as of {as_of} to {out} (readable by you "
          f"only); monthly cost {ws.settings.currency} {cost:,.2f}.")
    if not ws.settings.keep_names:
        print(f"People are shown by {NAMES_NOTE}.")
    return 0
