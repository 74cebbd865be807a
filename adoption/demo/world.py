"""The generated demo organisation, handed to each product part's demo exporter.

The core demo writes rosters, the tool catalogue, seats and generic usage events. Each
product part adds its own files from the same synthetic organisation through a module in
:data:`adoption.demo.generate.EXPORTERS` with a function ``write(world) -> list[Path]``. An exporter that exports
some usage events in a vendor's format marks them with :meth:`DemoWorld.claim`, so that the
generic usage files leave them out and nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adoption.demo.events import Events
from adoption.demo.org import Org
from adoption.demo.seats import Seats

__all__ = ["DemoWorld"]


@dataclass
class DemoWorld:
    """Everything the demo generated, for exporters to write in their own formats.

    Attributes
    ----------
    org, seats, events
        The synthetic organisation, its seat assignments and its usage events.
    first, last_day : datetime.date
        First and last day of the usage period.
    months : int
    out : Path
        The inbox folder to write files into.
    seed : int
        The demo's seed; exporters draw from :meth:`rng` so that each has its own stream.
    claimed : numpy.ndarray of bool
        Events already exported by a vendor format (left out of the generic usage files).
    """

    org: Org
    seats: Seats
    events: Events
    first: dt.date
    last_day: dt.date
    months: int
    out: Path
    seed: int
    claimed: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.claimed = np.zeros(len(self.events.day), dtype=bool)

    def rng(self, part: str) -> np.random.Generator:
        """A random generator of its own for ``part`` (same seed, same numbers)."""
        return np.random.default_rng([self.seed, sum(part.encode())])

    def claim(self, mask: np.ndarray) -> None:
        """Mark events (boolean mask over ``events``) as exported by a vendor format."""
        self.claimed |= np.asarray(mask, dtype=bool)

    def day(self, index: np.ndarray | int) -> np.ndarray:
        """Event day indexes as ``datetime64[D]`` dates."""
        return np.datetime64(self.first, "D") + np.asarray(index)
