"""The ``[governance]`` and ``[alerts]`` sections of ``adoption.toml``: read, checked, documented.

Example (every key is optional; the values shown are the defaults unless marked)::

    [governance]
    # tools the organisation approves; added to the tools marked sanctioned in the catalogue
    sanctioned = ["GitHub Copilot", "ChatGPT Enterprise"]      # default: []
    # monthly cost of one seat in the workspace currency; overrides the catalogue's
    # monthly_seat_cost for these tools
    seat_costs = { "GitHub Copilot" = 19.0, "Cursor" = 40.0 }  # default: {}
    # a seat is idle when its holder has not used the tool for this many days
    idle_days = 30

    [alerts]
    # organisation-wide reclaimable monthly spend (idle seats and leavers' seats) above which
    # an alert is raised, in the workspace currency; 0 switches the rule off
    idle_spend_above = 500.0
    # a team's reclaimable monthly spend above which the team gets an alert of its own;
    # 0 (the default) switches the team-level rule off
    team_idle_spend_above = 0.0
    # a team is "stalled" when its active share has not grown beyond noise for this many
    # periods in a row ...
    stalled_periods = 3
    # ... the gain over those periods is, with its interval, below this many percentage points
    # (as a share: 0.10 = 10 points) ...
    stalled_min_gain = 0.10
    # ... and the team's active share is below this level (a team that has levelled off with
    # most people using the tools has settled, it is not stalled)
    stalled_below = 0.4
    # raise an alert when a team's share of people using unsanctioned AI grows beyond noise
    shadow_growth = true
    # raise an alert when a survey construct drops beyond noise between the last two waves
    sentiment_drop = true
    # raise an alert when an export's columns or figures changed from the source's previous
    # file (adoption.ingest.drift)
    export_drift = true

Errors name the key, the value found and the file, e.g. ``adoption.toml [governance]
idle_days: found -3; use a whole number of days of at least 1, e.g. idle_days = 30``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from adoption.config import Settings
from adoption.errors import InputError

__all__ = [
    "AlertSettings",
    "GovernanceSettings",
    "alert_settings",
    "governance_settings",
]

CONFIG_FILE = "adoption.toml"


@dataclass(frozen=True)
class GovernanceSettings:
    """The ``[governance]`` section.

    Attributes
    ----------
    sanctioned : tuple of str
        Tools counted as sanctioned in addition to those the catalogue marks sanctioned.
    seat_costs : dict of str to float
        Monthly cost of one seat per tool (workspace currency); overrides the catalogue.
    idle_days : int
        A seat is idle when its holder has not used the tool in this many days (default 30).
    """

    sanctioned: tuple[str, ...] = ()
    seat_costs: dict[str, float] = field(default_factory=dict)
    idle_days: int = 30


@dataclass(frozen=True)
class AlertSettings:
    """The ``[alerts]`` section (see the module docstring for each rule).

    Attributes
    ----------
    idle_spend_above : float
        Organisation-wide reclaimable monthly spend above which an alert is raised (0: off).
    team_idle_spend_above : float
        Per-team reclaimable monthly spend above which a team alert is raised (0: off).
    stalled_periods : int
        Periods in a row without growth beyond noise before a team counts as stalled.
    stalled_min_gain : float
        Upper bound (as a share) the gain over ``stalled_periods`` must stay below.
    stalled_below : float
        Active share under which a flat team counts as stalled (not as saturated).
    shadow_growth, sentiment_drop, export_drift : bool
        Whether those three rules run.
    """

    idle_spend_above: float = 500.0
    team_idle_spend_above: float = 0.0
    stalled_periods: int = 3
    stalled_min_gain: float = 0.10
    stalled_below: float = 0.4
    shadow_growth: bool = True
    sentiment_drop: bool = True
    export_drift: bool = True


def _settings(source: Any) -> Settings:
    """Settings of a Settings, Workspace or Store."""
    if isinstance(source, Settings):
        return source
    settings = getattr(source, "settings", None)
    if isinstance(settings, Settings):
        return settings
    raise InputError(
        f"expected workspace settings, a Workspace or a Store; found {type(source).__name__!r}. "
        "Pass adoption.open_workspace(DIR)."
    )


def _where(section: str, key: str) -> str:
    return f"{CONFIG_FILE} [{section}] {key}"


def _number(section: str, key: str, value: Any, *, minimum: float, example: str,
            whole: bool = False, maximum: float | None = None) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and whole:
        ok = float(value).is_integer()
    if ok:
        ok = value >= minimum and (maximum is None or value <= maximum)
    if not ok:
        kind = "a whole number" if whole else "a number"
        rng = f"of at least {minimum:g}" + (f" and at most {maximum:g}" if maximum is not None
                                            else "")
        raise InputError(f"{_where(section, key)}: found {value!r}; use {kind} {rng}, "
                         f"e.g. {key} = {example}.")
    return int(value) if whole else float(value)


def _bool(section: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{_where(section, key)}: found {value!r}; use true or false "
                         f"(no quotes), e.g. {key} = true.")
    return value


def _unknown(section: str, raw: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(f"{CONFIG_FILE} [{section}]: unknown key(s) {unknown}; known keys: "
                         f"{sorted(known)}. Fix the spelling or remove them.")


def governance_settings(source: Any) -> GovernanceSettings:
    """Read and check the ``[governance]`` section of a workspace's settings.

    Parameters
    ----------
    source : Settings, Workspace or Store

    Raises
    ------
    InputError
        An unknown key or a value of the wrong type or range; the message names the key and
        ``adoption.toml``.
    """
    raw = _settings(source).section("governance")
    _unknown("governance", raw, {"sanctioned", "seat_costs", "idle_days"})
    sanctioned = raw.get("sanctioned", [])
    if not isinstance(sanctioned, list) or not all(isinstance(t, str) and t.strip()
                                                   for t in sanctioned):
        raise InputError(f"{_where('governance', 'sanctioned')}: found {sanctioned!r}; use a "
                         'list of tool names, e.g. sanctioned = ["GitHub Copilot"].')
    costs = raw.get("seat_costs", {})
    if not isinstance(costs, dict):
        raise InputError(f"{_where('governance', 'seat_costs')}: found {costs!r}; use a table "
                         'of tool = monthly cost, e.g. seat_costs = { "GitHub Copilot" = 19.0 }.')
    checked = {str(tool): _number("governance", f"seat_costs.{tool!r}", cost, minimum=0.0,
                                  example="19.0")
               for tool, cost in costs.items()}
    idle = _number("governance", "idle_days", raw.get("idle_days", 30), minimum=1, example="30",
                   whole=True)
    return GovernanceSettings(tuple(t.strip() for t in sanctioned), checked, int(idle))


def alert_settings(source: Any) -> AlertSettings:
    """Read and check the ``[alerts]`` section of a workspace's settings.

    Raises
    ------
    InputError
        An unknown key or a value of the wrong type or range; the message names the key and
        ``adoption.toml``.
    """
    raw = _settings(source).section("alerts")
    d = AlertSettings()
    _unknown("alerts", raw, set(d.__dataclass_fields__))
    return AlertSettings(
        idle_spend_above=_number("alerts", "idle_spend_above",
                                 raw.get("idle_spend_above", d.idle_spend_above), minimum=0,
                                 example="500.0"),
        team_idle_spend_above=_number("alerts", "team_idle_spend_above",
                                      raw.get("team_idle_spend_above", d.team_idle_spend_above),
                                      minimum=0, example="200.0"),
        stalled_periods=int(_number("alerts", "stalled_periods",
                                    raw.get("stalled_periods", d.stalled_periods), minimum=2,
                                    example="3", whole=True, maximum=24)),
        stalled_min_gain=_number("alerts", "stalled_min_gain",
                                 raw.get("stalled_min_gain", d.stalled_min_gain), minimum=0,
                                 maximum=1, example="0.05"),
        stalled_below=_number("alerts", "stalled_below",
                              raw.get("stalled_below", d.stalled_below), minimum=0, maximum=1,
                              example="0.4"),
        shadow_growth=_bool("alerts", "shadow_growth", raw.get("shadow_growth", True)),
        sentiment_drop=_bool("alerts", "sentiment_drop", raw.get("sentiment_drop", True)),
        export_drift=_bool("alerts", "export_drift", raw.get("export_drift", True)),
    )
