"""Command-line subcommands of adoption.surveys (registered by :mod:`adoption.cli`).

``adoption survey check FILE``
    Validate an instrument file; list every problem with its YAML path (exit 2), or print a
    summary (constructs, items, stages).
``adoption survey waves``
    List the ingested waves: wave, date, format, responses, matched, anonymous.
``adoption survey report --wave W [--comparison-wave W0] [--min-group-size N]``
    Render the sentiment report of a wave
    (:func:`adoption.surveys.report.render_sentiment_report`).

Survey exports themselves are loaded with ``adoption ingest FILE [--instrument FILE]
[--wave NAME] [--wave-date DATE] [--mapping FILE]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

__all__ = ["register"]


def register(sub: argparse._SubParsersAction,
             workspace_arg: Callable[[argparse.ArgumentParser], None]
             ) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add this part's subcommands to sub; return command name -> handler."""
    p = sub.add_parser("survey", help="survey instruments, waves and the sentiment report")
    ssub = p.add_subparsers(dest="survey_command", metavar="SUBCOMMAND")
    c = ssub.add_parser("check", help="validate a survey instrument (YAML)")
    c.add_argument("file", metavar="FILE", help="instrument file, e.g. surveys/my_pulse.yaml")
    w = ssub.add_parser("waves", help="list the survey waves in the workspace")
    workspace_arg(w)
    r = ssub.add_parser("report", help="render the sentiment report of a wave")
    workspace_arg(r)
    r.add_argument("--wave", required=True, metavar="W",
                   help="wave name as `adoption survey waves` lists it, e.g. "
                        "2026-09_ai_adoption_pulse")
    r.add_argument("--comparison-wave", metavar="W0", help="earlier wave to compare with")
    r.add_argument("--min-group-size", type=int, metavar="N",
                   help="minimum respondents per group (default: the workspace setting)")
    p.set_defaults(_survey_parser=p)
    return {"survey": cmd_survey}


def cmd_survey(args: argparse.Namespace) -> int:
    """Dispatch ``adoption survey SUBCOMMAND``."""
    handlers = {"check": _check, "waves": _waves, "report": _report}
    name = getattr(args, "survey_command", None)
    if name not in handlers:
        args._survey_parser.print_help()
        return 2
    return handlers[name](args)


def _check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from adoption.errors import InputError
    from adoption.surveys.instrument import (
        _read_yaml,
        parse_instrument,
        validate_instrument,
    )

    path = Path(args.file)
    try:
        data = _read_yaml(path)
    except InputError as e:
        print(f"adoption survey check: error: {e}")
        return 2
    problems = validate_instrument(data)
    if problems:
        print(f"{path.name}: {len(problems)} problem(s):")
        for prob in problems:
            print(f"  {prob.path}: {prob.message}")
        print("The instrument schema is described in surveys/README.md.")
        return 2
    print(f"{path.name}: OK")
    print(parse_instrument(data, path=path).summary())
    return 0


def _waves(args: argparse.Namespace) -> int:
    import pandas as pd

    from adoption.surveys.data import load_respondents
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    with ws.store(read_only=True) as store:
        frame = store.con.execute(
            """SELECT wave, wave_date AS date, source_format AS format, responses, anonymous,
                      instrument || ' ' || instrument_version AS instrument
               FROM survey_waves ORDER BY wave_date, wave""").df()
        respondents = load_respondents(store)  # matched to the roster on each wave date
    matched = respondents[respondents["matched"]].groupby("wave").size()
    frame.insert(4, "matched", frame["wave"].map(matched).fillna(0).astype("int64"))
    if frame.empty:
        print("No survey waves yet. Ingest a survey export: adoption ingest FILE")
        return 0
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(frame.to_string(index=False))
    return 0


def _report(args: argparse.Namespace) -> int:
    from adoption.errors import InputError, suggestion
    from adoption.privacy import check_min_group_size
    from adoption.surveys.data import load_waves
    from adoption.surveys.report import render_sentiment_report
    from adoption.workspace import open_workspace

    ws = open_workspace(args.workspace)
    if args.min_group_size is not None:
        check_min_group_size(args.min_group_size, where="adoption survey report --min-group-size")
    with ws.store(read_only=True) as store:  # before a kernel starts: do the waves exist?
        waves = load_waves(store)["wave"].astype(str).tolist()
    for name in filter(None, (args.wave, args.comparison_wave)):
        if name not in waves:
            close = suggestion(name, waves)
            raise InputError(
                f"No survey wave {name!r} in this workspace"
                + (f"; did you mean {close!r}?" if close else ".")
                + (f" Its waves: {', '.join(waves)} (adoption survey waves lists them)."
                   if waves else " Ingest a survey export first: adoption ingest FILE"))
    out = render_sentiment_report(ws, wave=args.wave, comparison_wave=args.comparison_wave,
                                  min_group_size=args.min_group_size,
                                  progress=sys.stderr.isatty())
    if out is not None:
        print(f"Sentiment report of wave {args.wave}: {out}")
    return 0
