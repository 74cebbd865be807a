"""Command-line subcommands of adoption.outcomes (registered by :mod:`adoption.cli`).

``adoption usecases check [--workspace DIR] [--file FILE]``
    Check the use-case register (the workspace's ``usecases.yaml`` or ``usecases.csv``, or
    ``FILE``) against the workspace's roster, tools and outcome data
    (:func:`adoption.outcomes.run_register_check`): prints one line, ``usecases.yaml: 3 use
    cases, 4 KPIs, 7 teams: no problems`` (exit 0), or every problem (exit 2); then notes on
    what could not be checked yet and on outcome data the roster does not know. With
    ``--file`` outside a workspace, the file is checked on its own.

Outcome KPI files themselves are loaded with ``adoption ingest FILE`` (format
``outcome_kpis``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["register"]


def register(sub: argparse._SubParsersAction,
             workspace_arg: Callable[[argparse.ArgumentParser], None]
             ) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add this part's subcommands to sub; return command name -> handler."""
    p = sub.add_parser("usecases", help="the use-case register (usecases.yaml): check it")
    usub = p.add_subparsers(dest="usecases_command", metavar="SUBCOMMAND")
    c = usub.add_parser("check", help="check the use-case register against the workspace")
    workspace_arg(c)
    c.add_argument("--file", "-f", metavar="FILE",
                   help="register file to check (default: the workspace's usecases.yaml or "
                        "usecases.csv)")
    p.set_defaults(_usecases_parser=p)
    return {"usecases": cmd_usecases}


def cmd_usecases(args: argparse.Namespace) -> int:
    """Dispatch ``adoption usecases SUBCOMMAND``."""
    handlers = {"check": _check}
    name = getattr(args, "usecases_command", None)
    if name not in handlers:
        args._usecases_parser.print_help()
        return 2
    return handlers[name](args)


def _say(msg: str) -> None:
    print(msg, flush=True)


def _check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from adoption.errors import WorkspaceError
    from adoption.outcomes.document import parse_register, read_register_document
    from adoption.outcomes.register import RegisterCheck, run_register_check
    from adoption.outcomes.validation import validate_register
    from adoption.workspace import open_workspace

    try:
        ws = open_workspace(args.workspace)
    except WorkspaceError:
        if args.workspace is not None or args.file is None:
            raise
        ws = None  # a register file checked on its own, outside any workspace
    if ws is not None:
        result = run_register_check(ws, path=args.file)
    else:
        path = Path(args.file)
        data, problems = read_register_document(path)
        if data is not None or not problems:
            problems += validate_register(data, file=path.name)
        result = RegisterCheck(path, problems,
                               None if problems else parse_register(data, path=path),
                               ["teams and tools not checked: no workspace (pass --workspace)"])
    if result.ok:
        _say(result.summary())
    else:
        _say(f"{result.summary()}:")
        for p in result.problems:
            _say(f"  - {str(p).removeprefix(p.file + ': ')}")
    for note in result.notes:
        _say(f"  note: {note}")
    if not result.ok:
        _say("The register's format is in the README's 'Use cases and outcomes'.")
    return 0 if result.ok else 2
