"""The ``adoption`` command line: glue between the shell and the package, nothing more."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

from adoption.cli_help import HelpfulParser, add_examples
from adoption.config import WEEKDAYS, Settings
from adoption.discovery import commands as discovery_commands
from adoption.errors import AdoptionError
from adoption.governance import commands as governance_commands
from adoption.outcomes import commands as outcome_commands
from adoption.periods import PERIOD_KINDS
from adoption.surveys import commands as survey_commands
from adoption.vendors import commands as vendor_commands

__all__ = ["main"]

#: Modules adding subcommands of their own (each has ``register(sub, workspace_arg)``).
COMMAND_MODULES = (survey_commands, vendor_commands, discovery_commands, governance_commands,
                   outcome_commands)


def _workspace_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workspace", "-w", metavar="DIR",
                   help="workspace folder (default: $ADOPTION_WORKSPACE or the current folder)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from e


def build_parser() -> argparse.ArgumentParser:
    parser = HelpfulParser(
        prog="adoption",
        description="How your organisation's AI tools are really being adopted, team by team.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create a workspace")
    p.add_argument("dir", metavar="DIR", help="new or empty folder")
    p.add_argument("--organisation", default=Settings.organisation)
    p.add_argument("--min-group-size", type=int, default=Settings.min_group_size)
    p.add_argument("--time-zone", default=Settings.time_zone, help="IANA name, e.g. Europe/Berlin")
    p.add_argument("--week-start", default=Settings.week_start, choices=WEEKDAYS)
    p.add_argument("--currency", default=Settings.currency)
    p.add_argument("--keep-names", action="store_true",
                   help="keep names and e-mail addresses for restricted outputs")

    p = sub.add_parser("ingest", help="load files (kind and format detected)")
    _workspace_arg(p)
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="files, or folders whose supported files are all ingested")
    p.add_argument("--kind", choices=("roster", "usage", "seats", "tools"),
                   help="force a generic kind instead of detecting it from the columns")
    p.add_argument("--format", dest="source_format", metavar="NAME",
                   help="force a named format (vendor export, survey export, log); "
                        "see `adoption formats`")
    p.add_argument("--as-of", type=_date,
                   help="snapshot date of a roster or export without one in the file")
    p.add_argument("--encoding", metavar="NAME",
                   help="text encoding of the files (e.g. cp1250) instead of detecting it")
    p.add_argument("--instrument", metavar="FILE",
                   help="survey instrument (YAML) of a survey export (default: the shipped one)")
    p.add_argument("--wave", metavar="NAME", help="survey wave name, e.g. 2026-Q1")
    p.add_argument("--wave-date", type=_date, metavar="DATE",
                   help="survey wave date (default: the last response's date)")
    p.add_argument("--completed-only", action="store_true",
                   help="survey export: leave out partial responses (Qualtrics Finished = "
                        "False), as rejects with that reason")
    p.add_argument("--audience-team", metavar="TEAM",
                   help="survey export: the team of responses that give none (an anonymous "
                        "web-link collector sent to one team)")
    p.add_argument("--mapping", metavar="FILE",
                   help="column mapping file for columns that do not match by themselves")
    p.add_argument("--report-period", metavar="DAYS",
                   help="timeframe of a Microsoft 365 admin center export that does not state "
                        "it (7, 30, 90 or 180 days; default 30)")
    p.add_argument("--scope", metavar="TYPE:NAME",
                   help="scope of a GitHub Copilot metrics file, e.g. team:platform or "
                        "organization:acme (default: from the file name)")

    p = sub.add_parser("formats", help="list the named formats that ingest recognises")

    p = sub.add_parser("status", help="data quality per source: files, coverage, rejects, "
                                      "unmatched identities, last refresh, gaps")
    _workspace_arg(p)

    p = sub.add_parser("rejects", help="list rejected rows with their reasons")
    _workspace_arg(p)
    p.add_argument("--batch", type=int, help="only this batch")
    p.add_argument("--format", choices=("table", "csv"), default="table")

    p = sub.add_parser("batches", help="list the ingested batches (one per file): file, "
                                       "format, kind, counts, dates")
    _workspace_arg(p)
    p.add_argument("--format", choices=("table", "csv"), default="table")

    p = sub.add_parser("undo", help="take one batch back out of the store (its raw file "
                                    "stays archived)")
    _workspace_arg(p)
    p.add_argument("batch", type=int, metavar="BATCH", help="batch id (see adoption batches)")

    p = sub.add_parser("metrics", help="adoption metrics by group for a period")
    _workspace_arg(p)
    p.add_argument("--period", required=True, help="2026-01, 2026-Q1, 2026-W03 or a date")
    p.add_argument("--period-kind", choices=PERIOD_KINDS, help="default: told from --period")
    p.add_argument("--by", choices=("team", "department", "organisation"), default="team")
    p.add_argument("--tool", action="append", help="only this tool (repeatable)")
    p.add_argument("--min-group-size", type=int, help="raise the workspace's threshold")
    p.add_argument("--format", choices=("table", "csv"), default="table")

    p = sub.add_parser("report", help="render the period's HTML report")
    _workspace_arg(p)
    p.add_argument("--period", help="2026-01, 2026-Q1, 2026-W03 or a date (default: the "
                                    "latest period the data covers completely)")
    p.add_argument("--period-kind", choices=PERIOD_KINDS)
    p.add_argument("--comparison-period", help="default: the previous period")
    p.add_argument("--min-group-size", type=int)
    p.add_argument("--title")

    p = sub.add_parser("rebuild", help="rebuild the canonical tables (identity map, employment, "
                                       "activity marts) from the loaded batches")
    _workspace_arg(p)

    p = sub.add_parser("rollup", help="roll raw usage events up to person-days on DuckDB or "
                                      "Spark, for `adoption ingest` (large exports, data lakes)")
    p.add_argument("--input", "-i", required=True, action="append", metavar="PATH",
                   help="a file, folder or pattern ('exports/*.parquet'; a URI such as "
                        "'s3a://bucket/usage/*.parquet' with --engine spark); repeatable")
    p.add_argument("--out", "-o", required=True, metavar="FILE",
                   help="the person-day Parquet file to write (rejects go beside it)")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="duckdb (this machine, default) or spark (local, or --master)")
    p.add_argument("--master", metavar="URL",
                   help="Spark master, e.g. spark://head:7077 or yarn (default: local[*])")
    zone = p.add_mutually_exclusive_group()
    zone.add_argument("--time-zone", metavar="ZONE",
                      help="IANA zone whose days count (default: UTC)")
    zone.add_argument("--workspace", "-w", metavar="DIR",
                      help="take the time zone and plausible dates from this workspace")

    p = sub.add_parser("demo", help="build a synthetic demo workspace and render its reports")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--people", type=int, default=2400)
    p.add_argument("--reports", type=int, default=3, metavar="N",
                   help="render the last N monthly reports (0: none)")

    for module in COMMAND_MODULES:
        COMMANDS.update(module.register(sub, _workspace_arg))
    add_examples(parser)
    return parser


def _say(msg: str) -> None:
    print(msg, flush=True)


def cmd_init(args: argparse.Namespace) -> int:
    from adoption.workspace import init_workspace

    settings = Settings(organisation=args.organisation, min_group_size=args.min_group_size,
                        time_zone=args.time_zone, week_start=args.week_start,
                        currency=args.currency.upper(), keep_names=args.keep_names)
    ws = init_workspace(args.dir, settings)
    _say(f"Created workspace {ws.root}\n  settings: {ws.config_path}\n"
         f"  next: adoption ingest --workspace {ws.root} FILE...")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from adoption.ingest import ingest_files
    from adoption.ingest.inputs import collect_inputs
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    started: dict[str, float] = {}
    inputs = collect_inputs(args.files)
    outcomes: list[tuple[Path, str, str]] = [(p, "refused", why) for p, why in inputs.refused]
    current: list[Path] = []
    sizes = {p: p.stat().st_size if p.exists() else 0 for p in inputs.files}
    # several files on a terminal: one bar over their bytes (one file: DuckDB's own bar)
    several = sys.stderr.isatty() and len(inputs.files) > 1
    bar = tqdm(total=sum(sizes.values()), unit="B", unit_scale=True, desc="Ingesting",
               disable=not several, file=sys.stderr, leave=False)
    say = bar.write if several else _say

    def on_start(path: Path) -> None:
        current[:] = [path]
        started[path.name] = time.perf_counter()
        bar.set_postfix_str(path.name)
        say(f"Ingesting {path.name} ({sizes.get(path, 0) / 1e6:,.1f} MB) ...")

    def on_result(result) -> None:
        took = time.perf_counter() - started.get(result.file, time.perf_counter())
        bar.update(sizes.get(current[0], 0))
        say(result.summary() + f"\n  took {took:.1f} s")
        if result.already_ingested:
            outcomes.append((current[0], "already ingested", f"same content as batch "
                             f"{result.batch_id} ({result.file})"))
        else:
            outcomes.append((current[0], "loaded", (
                f"{result.kind} ({result.format}), batch {result.batch_id}: read "
                f"{result.rows_read:,} = loaded {result.rows_loaded:,} + rejected "
                f"{result.rows_rejected:,} + duplicate {result.rows_duplicate:,}")))

    def on_refused(path: Path, error: AdoptionError) -> None:
        bar.update(sizes.get(path, 0))
        bar.write(f"adoption ingest: {path.name} refused: {error}", file=sys.stderr)
        outcomes.append((path, "refused", str(error)))

    options = {k: str(v) for k, v in (("instrument", args.instrument), ("wave", args.wave),
                                      ("wave_date", args.wave_date), ("mapping", args.mapping),
                                      ("scope", args.scope), ("period", args.report_period),
                                      ("audience_team", args.audience_team),
                                      ("completed_only", args.completed_only or None))
               if v is not None}
    results = []
    if inputs.files:
        with bar:
            results = ingest_files(ws, inputs.files, kind=args.kind, as_of=args.as_of,
                                   on_start=on_start, on_result=on_result,
                                   on_refused=on_refused,
                                   progress=sys.stderr.isatty() and not several,
                                   source_format=args.source_format, options=options,
                                   encoding=args.encoding)
    totals = [sum(getattr(r, f) for r in results if not r.already_ingested)
              for f in ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")]
    _say(f"{len(results)} file(s): read {totals[0]:,} = loaded {totals[1]:,} + rejected "
         f"{totals[2]:,} + duplicate {totals[3]:,}")
    _say(_ingest_summary(outcomes))
    return 2 if any(state == "refused" for _, state, _ in outcomes) else 0


def _ingest_summary(outcomes: list[tuple[Path, str, str]]) -> str:
    """Every file of the run: loaded, already ingested or refused (and why)."""
    states = ("loaded", "already ingested", "refused")
    count = {s: sum(o[1] == s for o in outcomes) for s in states}
    lines = [f"Summary of {len(outcomes)} file(s): " + ", ".join(
        f"{count[s]} {s}" for s in states)]
    for path, state, what in sorted(outcomes, key=lambda o: (states.index(o[1]), str(o[0]))):
        lines.append(f"  {state:17} {path}: {what}")
    if count["refused"]:
        lines.append("Refused files left nothing in the store or the archive: fix each as its "
                     "reason says and ingest it again.")
    return "\n".join(lines)


def cmd_formats(args: argparse.Namespace) -> int:
    from adoption.ingest.formats import registered_formats

    for fmt in sorted(registered_formats().values(), key=lambda f: (f.kind, f.name)):
        _say(f"{fmt.name:32} {fmt.kind:10} {'/'.join(fmt.suffixes):12} {fmt.description}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from adoption.cli_status import batches_frame, console, print_status
    from adoption.status import load_ingest_log
    from adoption.vendors.quality import (
        build_data_quality,
        format_findings_table,
        format_quality_table,
    )
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    with ws.store(read_only=True) as store:
        log_ = load_ingest_log(store)
        header = (f"Workspace {ws.root} ({ws.settings.organisation}); minimum group size "
                  f"{ws.settings.min_group_size}; time zone {ws.settings.time_zone}")
        if log_.empty:
            _say(header + "\nNothing ingested yet: adoption ingest FILE...")
            return 0
        quality = build_data_quality(store)
    print_status(console(), header=header,
                 sources=format_quality_table(quality).data.to_dict("records"),
                 files=batches_frame(log_, ws.settings.time_zone),
                 findings=format_findings_table(quality).data, conflicts=quality.conflicts,
                 unmatched=int(quality.sources["unmatched"].fillna(0).sum()))
    return 0


def cmd_batches(args: argparse.Namespace) -> int:
    from adoption.cli_status import batches_frame, console, print_frame
    from adoption.status import load_ingest_log
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    with ws.store(read_only=True) as store:
        log_ = load_ingest_log(store)
    frame = batches_frame(log_, ws.settings.time_zone)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif frame.empty:
        _say("No batches yet: adoption ingest FILE...")
    else:
        print_frame(console(), frame)
        _say("\nTake one back out with: adoption undo BATCH")
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    from adoption.ingest.removal import remove_batch
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    with ws.store() as store:
        removal = remove_batch(store, args.batch)
    _say(removal.summary())
    return 0


def cmd_rejects(args: argparse.Namespace) -> int:
    from adoption.status import load_rejects
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    with ws.store(read_only=True) as store:
        frame = load_rejects(store, batch_id=args.batch)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        _say(frame.to_string(index=False) if not frame.empty else "No rejected rows.")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    import pandas as pd

    from adoption.canonical import check_period_has_data
    from adoption.metrics.sets import metric_sets
    from adoption.periods import parse_period
    from adoption.privacy import resolve_min_group_size
    from adoption.report.content import tools_phrase
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    period = parse_period(args.period, args.period_kind, week_start=ws.settings.week_start_index)
    k = resolve_min_group_size(ws.settings, args.min_group_size, where="adoption metrics")
    with ws.store(read_only=True) as store:
        check_period_has_data(store, period)
        table = metric_sets(store, period.kind, by=(args.by,), periods=[period.label],
                            tools=args.tool, min_group_size=k)[args.by]
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
        return 0
    _say(f"People active on {tools_phrase(args.tool)} in {period.title}, by {args.by} "
         f"(minimum group size {k}; every source, each counted as it can tell):\n")
    with pd.option_context("display.width", 250, "display.max_columns", 40,
                           "display.max_colwidth", 90):
        _say(_metrics_view(table).to_string(index=False))
    if table["unknown_users"].fillna(0).gt(0).any():
        _say("\nunknown: people whose only evidence is a report window straddling the "
             f"{period.kind}'s boundary (neither active nor inactive); active shows the range "
             "from the known active to active_users_upper.")
    _say("\nAll columns (intervals, seats, intensity, flows): --format csv.")
    return 0


def _metrics_view(table):
    """The metrics table for reading in a terminal: counts, shares with intervals, sources."""
    import pandas as pd

    from adoption.report.tables import (
        format_count,
        format_range,
        format_share,
        format_share_range,
        hidden_label,
    )

    keys = [c for c in ("department", "team") if c in table.columns] or ["period"]
    out = table[keys].copy()
    out["people"] = table["headcount"].map(format_count)
    out["active"] = [format_range(a, u) for a, u in zip(
        table["active_users"], table["active_users_upper"], strict=True)]
    out["unknown"] = table["unknown_users"].map(format_count)
    out["share active (interval)"] = [format_share_range(*v) for v in zip(
        table["penetration"], table["penetration_ci_low"], table["penetration_ci_high"],
        table["penetration_upper"], strict=True)]
    out["seats"] = table["seats"].map(format_count)
    out["share of seat holders"] = [format_share(*v) for v in zip(
        table["activation_rate"], table["activation_ci_low"], table["activation_ci_high"],
        strict=True)]
    out["sources"] = table["sources"].fillna("")
    out["hidden"] = [hidden_label(r) if not pd.isna(r) else ""
                     for r in table["suppression_reason"]]
    return out


def cmd_report(args: argparse.Namespace) -> int:
    from adoption.canonical import check_period_has_data, latest_complete_period
    from adoption.periods import parse_period
    from adoption.privacy import check_min_group_size
    from adoption.report import render_adoption_report
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    if args.period is None:  # the latest complete period, as the notebooks choose it
        kind = args.period_kind or "month"
        with ws.store(read_only=True) as store:
            args.period = latest_complete_period(store, period_kind=kind)
        if args.period is None:
            raise AdoptionError(
                f"No complete {kind} in the data yet, so there is no default period: pass "
                "one with --period (its figures then cover only part of it); the periods "
                "with data: adoption status.")
    period = parse_period(args.period, args.period_kind, week_start=ws.settings.week_start_index)
    if args.min_group_size is not None:
        check_min_group_size(args.min_group_size, where="adoption report --min-group-size")
    with ws.store(read_only=True) as store:  # before a kernel starts: is there anything to show?
        check_period_has_data(store, period)
    _say(f"Rendering the {period.title} report ...")
    out = render_adoption_report(ws, period=period.label, period_kind=period.kind,
                                 comparison_period=args.comparison_period,
                                 min_group_size=args.min_group_size, title=args.title,
                                 progress=sys.stderr.isatty())
    _say(f"Report: {out}\nIndex:  {out.parent / 'index.html'}")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from adoption.canonical import CANONICAL_TABLE_NAMES, refresh_canonical
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    started = time.perf_counter()
    with ws.store(progress=True) as store:
        with store.transaction():
            refresh_canonical(store.con, week_start=ws.settings.week_start_index)
        rows = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in CANONICAL_TABLE_NAMES}
    for table, n in rows.items():
        _say(f"{table:<22} {n:>12,} rows")
    _say(f"Canonical tables rebuilt in {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_rollup(args: argparse.Namespace) -> int:
    from adoption.rollup import rollup_events

    ws = None
    if args.workspace:
        from adoption.workspace import open_workspace

        ws = open_workspace(args.workspace)
    rollup_events(args.input, args.out, engine=args.engine, master=args.master,
                  time_zone=args.time_zone, workspace=ws)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from adoption.demo import build_demo

    index = build_demo(args.dir, seed=args.seed, people=args.people, reports=args.reports,
                       say=_say)
    _say(f"Demo ready. Open {index}")
    return 0


COMMANDS = {"init": cmd_init, "ingest": cmd_ingest, "formats": cmd_formats,
            "status": cmd_status,
            "rejects": cmd_rejects, "batches": cmd_batches, "undo": cmd_undo,
            "metrics": cmd_metrics, "rebuild": cmd_rebuild,
            "report": cmd_report, "rollup": cmd_rollup, "demo": cmd_demo}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from adoption.version import __version__

        _say(__version__)
        return 0
    if not args.command:
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except AdoptionError as e:
        print(f"adoption {args.command}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `adoption status | head`: the reader has all it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (no flush error at exit)
        return 0
    except KeyboardInterrupt:
        print("interrupted; every batch that finished is stored, the one running is not",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
