"""Help for people at the command line: examples on every subcommand and "did you mean".

The parser class here is used for the ``adoption`` command and, through argparse, for every
subcommand added to it; :func:`add_examples` puts each command's examples under its help.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

from adoption.errors import suggestion

__all__ = ["EXAMPLES", "HelpfulParser", "add_examples"]

#: command path -> example command lines (shown under ``adoption COMMAND --help``).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("adoption demo demo", "adoption ingest -w demo exports/",
         "adoption report -w demo --period 2026-01"),
    "init": ("adoption init acme --organisation 'Acme Ltd' --time-zone Europe/Berlin",
             "adoption init acme --min-group-size 7 --currency GBP"),
    "ingest": ("adoption ingest -w acme roster.csv usage.csv",
               "adoption ingest -w acme exports/          # every supported file in a folder",
               "adoption ingest -w acme survey.csv --wave 2026-Q1",
               "adoption ingest -w acme legacy.csv --encoding cp1250 --mapping columns.yaml"),
    "formats": ("adoption formats", "adoption formats | grep -i copilot"),
    "status": ("adoption status -w acme",),
    "rejects": ("adoption rejects -w acme", "adoption rejects -w acme --batch 3 --format csv"),
    "batches": ("adoption batches -w acme", "adoption batches -w acme --format csv"),
    "undo": ("adoption batches -w acme   # find the batch id", "adoption undo -w acme 3"),
    "metrics": ("adoption metrics -w acme --period 2026-01",
                "adoption metrics -w acme --period 2026-Q1 --by department --format csv",
                "adoption metrics -w acme --period 2026-01 --tool 'Microsoft 365 Copilot'"),
    "report": ("adoption report -w acme                  # the latest complete month",
               "adoption report -w acme --period 2026-01",
               "adoption report -w acme --period 2026-Q1 --comparison-period 2025-Q4"),
    "rebuild": ("adoption rebuild -w acme",),
    "demo": ("adoption demo demo", "adoption demo small --people 600 --reports 1"),
    "rollup": ("adoption rollup --input 'exports/usage_*.parquet' --out person_days.parquet "
               "-w acme",
               "adoption ingest -w acme person_days.parquet   # then load the result",
               "adoption rollup --engine spark --input 's3a://lake/usage/*.parquet' "
               "--out s3a://lake/person_days --master spark://head:7077 --time-zone "
               "Europe/Berlin"),
    "survey": ("adoption survey check surveys/ai_adoption_pulse.yaml",
               "adoption survey waves -w acme",
               "adoption survey report -w acme --wave 2026-09_ai_adoption_pulse"),
    "survey check": ("adoption survey check surveys/ai_adoption_pulse.yaml",),
    "survey waves": ("adoption survey waves -w acme",),
    "survey report": ("adoption survey report -w acme --wave 2026-09_ai_adoption_pulse",
                      "adoption survey report -w acme --wave 2026-09_ai_adoption_pulse "
                      "--comparison-wave 2026-03_ai_adoption_pulse"),
    "shadow-ai": ("adoption shadow-ai -w acme --period 2026-01",
                  "adoption shadow-ai -w acme --period 2026-Q1 --by department --format csv"),
    "services": ("adoption services -w acme", "adoption services -w acme --format csv"),
    "alerts": ("adoption alerts -w acme --period 2026-01",
               "adoption alerts -w acme --period 2026-01 --format csv"),
    "usecases": ("adoption usecases check -w acme",
                 "adoption usecases check -w acme --file drafts/usecases.yaml"),
    "usecases check": ("adoption usecases check -w acme",
                       "adoption usecases check --file usecases.yaml   # outside a workspace"),
    "reclaim": ("adoption reclaim -w acme --out reclaim.csv",
                "adoption reclaim -w acme --period 2026-01 --idle-days 45 --out reclaim.xlsx"),
}

_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")
_UNKNOWN = re.compile(r"unrecognized arguments: (.*)")


class HelpfulParser(argparse.ArgumentParser):
    """An argument parser whose errors suggest the command or option that was meant."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    _given: list[str] = []

    def parse_known_args(self, args=None, namespace=None):
        self._given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def _options(self) -> list[str]:
        """The long options of this parser and of the subcommand named in its arguments
        (unknown options end up reported by the top-level parser)."""
        found = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                sub = next((action.choices[w] for w in self._given if w in action.choices), None)
                if isinstance(sub, HelpfulParser):
                    sub._given = self._given
                    found += sub._options()
        return found

    def _misspelt(self, words: list[str]) -> str | None:
        """A hint for the first option in ``words`` this parser does not know."""
        known = self._options()
        for word in words:
            name = word.split("=")[0]
            close = suggestion(name, known) if name.startswith("--") else None
            if close and name not in known:
                return f"did you mean {close!r} (instead of {name!r})?"
        return None

    def error(self, message: str) -> NoReturn:
        hint = None
        if m := _CHOICE.search(message):
            choices = [c.strip(" '") for c in m[2].split(",")]
            if close := suggestion(m[1], choices):
                hint = f"did you mean {close!r}?"
        elif m := _UNKNOWN.search(message):
            hint = self._misspelt(m[1].split())
        else:  # e.g. a required option reported missing because its name was misspelt
            hint = self._misspelt(self._given)
        self.print_usage(sys.stderr)
        text = f"{self.prog}: error: {message}" + (f"; {hint}" if hint else "")
        self.exit(2, text + f"\nSee `{self.prog} --help` for examples.\n")


def add_examples(parser: argparse.ArgumentParser, path: str = "") -> None:
    """Put the examples of every command under its help, walking the subcommands."""
    lines = EXAMPLES.get(path)
    if lines:
        parser.epilog = "examples:\n" + "\n".join(f"  {line}" for line in lines)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                add_examples(sub, f"{path} {name}".strip())
