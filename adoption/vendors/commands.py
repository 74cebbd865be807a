"""Command-line subcommands of adoption.vendors (registered by :mod:`adoption.cli`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["register"]


def register(sub: argparse._SubParsersAction,
             workspace_arg: Callable[[argparse.ArgumentParser], None]
             ) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Add this part's subcommands to sub; return command name -> handler."""
    return {}
