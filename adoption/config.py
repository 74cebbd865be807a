"""Workspace settings, read from and written to ``adoption.toml``."""

from __future__ import annotations

import json
import re
import tomllib
import zoneinfo
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from adoption.errors import InputError

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "DEFAULT_TEAM_LABEL_PATTERN",
    "FLOOR_MIN_GROUP_SIZE",
    "SECTIONS",
    "Settings",
    "WEEKDAYS",
]

DEFAULT_MIN_GROUP_SIZE = 5
#: The minimum group size can be raised but never set below this.
FLOOR_MIN_GROUP_SIZE = 3
#: Removed from team and department labels before they are published: a trailing parenthesised
#: part, where some HR systems put the manager's name ("Platform (Jane Doe)" -> "Platform").
DEFAULT_TEAM_LABEL_PATTERN = r"(?<=\S)\s*\([^()]*\)\s*$"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Sections of ``adoption.toml`` that belong to one part of the product each; their content
#: is checked by that part (e.g. :mod:`adoption.governance` reads ``[governance]``).
SECTIONS = {
    "surveys": "survey analysis (e.g. the ADKAR barrier threshold)",
    "governance": "sanctioned tools, seat costs and idle-seat rules",
    "alerts": "alert rules and their thresholds",
    "identities": "identity resolution across source systems",
    "discovery": "shadow-AI discovery from proxy, DNS and SSO logs",
}


@dataclass(frozen=True)
class Settings:
    """The settings of one workspace.

    Attributes
    ----------
    organisation : str
        Name shown on reports.
    min_group_size : int
        Smallest group of people for which any people-derived figure is shown (default 5,
        never below 3).
    time_zone : str
        IANA time zone in which event timestamps are turned into days.
    week_start : str
        First day of a reporting week (``"monday"`` ... ``"sunday"``).
    currency : str
        ISO 4217 code in which seat costs are reported.
    keep_names : bool
        Keep people's names and e-mail addresses (restricted outputs only). Off by default:
        only keyed hashes of identifiers are stored.
    team_label_pattern : str
        A regular expression removed from every team and department label before it is
        published (see :func:`adoption.privacy.publish_labels`); by default a trailing
        parenthesised part, where some HR systems put the manager's name. ``""`` turns the
        clean-up off.
    sections : dict
        The product parts' own sections of ``adoption.toml`` (see :data:`SECTIONS`), as read;
        use :meth:`section`.
    """

    organisation: str = "Example organisation"
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    time_zone: str = "UTC"
    week_start: str = "monday"
    currency: str = "EUR"
    keep_names: bool = False
    team_label_pattern: str = DEFAULT_TEAM_LABEL_PATTERN
    sections: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.check(source="settings")

    def check(self, *, source: str) -> None:
        """Raise :class:`InputError` naming ``source`` if a setting is out of range."""
        if not isinstance(self.min_group_size, int) or self.min_group_size < FLOOR_MIN_GROUP_SIZE:
            raise InputError(
                f"{source}: min_group_size is {self.min_group_size!r}; it must be a whole number "
                f"of at least {FLOOR_MIN_GROUP_SIZE}. Set e.g. min_group_size = 5."
            )
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
            raise InputError(
                f"{source}: time_zone {self.time_zone!r} is not an IANA time zone. "
                "Use a name such as 'Europe/Berlin' or 'UTC'."
            ) from e
        if self.week_start not in WEEKDAYS:
            raise InputError(
                f"{source}: week_start is {self.week_start!r}; allowed: {list(WEEKDAYS)}."
            )
        if not isinstance(self.team_label_pattern, str):
            raise InputError(
                f"{source}: team_label_pattern is {self.team_label_pattern!r}; it must be a "
                "regular expression in quotes, or \"\" to keep team labels as they are."
            )
        try:
            re.compile(self.team_label_pattern)
        except re.error as e:
            raise InputError(
                f"{source}: team_label_pattern {self.team_label_pattern!r} is not a valid "
                f"regular expression ({e}). Fix it, or set it to \"\" to keep team labels "
                "as they are."
            ) from e
        if not (isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isalpha()):
            raise InputError(
                f"{source}: currency is {self.currency!r}; use a three-letter ISO 4217 code "
                "such as 'EUR' or 'USD'."
            )

    def section(self, name: str) -> dict[str, Any]:
        """The ``[name]`` section of ``adoption.toml`` (empty when absent)."""
        if name not in SECTIONS:
            raise KeyError(f"unknown settings section {name!r}; known: {sorted(SECTIONS)}")
        return dict(self.sections.get(name, {}))

    @property
    def week_start_index(self) -> int:
        """0 for Monday ... 6 for Sunday."""
        return WEEKDAYS.index(self.week_start)

    @classmethod
    def read(cls, path: Path) -> Settings:
        """Read settings from a TOML file; unknown keys are an error."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise InputError(f"{path}: not valid TOML ({e}). Fix the file by hand.") from e
        flat: dict[str, object] = {}
        sections: dict[str, dict[str, Any]] = {}
        for name, section in raw.items():
            if name in SECTIONS and isinstance(section, dict):
                sections[name] = section
            elif isinstance(section, dict):
                flat.update(section)
            else:
                flat[name] = section
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(flat) - known - {"sections"})
        if unknown:
            raise InputError(
                f"{path}: unknown setting(s) {unknown}; known settings: "
                f"{sorted(known - {'sections'})}, and the sections {sorted(SECTIONS)}."
            )
        try:
            return cls(**flat, sections=sections)  # type: ignore[arg-type]
        except InputError as e:
            raise InputError(f"{path}: {e}") from e

    def to_toml(self) -> str:
        """The settings as a commented TOML document."""
        v = {k: json.dumps(x) if isinstance(x, str) else str(x).lower() if isinstance(x, bool)
             else str(x) for k, x in asdict(self).items() if k != "sections"}
        extra = "".join("\n" + tomli_w.dumps({name: self.sections[name]})
                        for name in SECTIONS if self.sections.get(name))
        return (
            "# adoption workspace settings\n"
            "[organisation]\n"
            f"organisation = {v['organisation']}\n"
            "# IANA time zone in which event timestamps become days\n"
            f"time_zone = {v['time_zone']}\n"
            "# first day of a reporting week\n"
            f"week_start = {v['week_start']}\n"
            f"currency = {v['currency']}\n\n"
            "[privacy]\n"
            "# smallest group of people for which a figure is shown (never below 3)\n"
            f"min_group_size = {v['min_group_size']}\n"
            "# keep names and e-mail addresses for restricted outputs (off: keyed hashes only)\n"
            f"keep_names = {v['keep_names']}\n"
            "# removed from team and department labels before they are published (a regular\n"
            "# expression; the default strips a trailing \"(...)\", e.g. a manager's name)\n"
            f"team_label_pattern = {v['team_label_pattern']}\n"
        ) + extra
