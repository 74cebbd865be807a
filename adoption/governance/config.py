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

    # usage-based charges (default: none priced): price of one unit in the workspace
    # currency, per tool and unit type (premium_request, ai_credit, chatgpt_credit, token),
    # and the units included per seat and month (only the units beyond them are charged)
    [governance.usage_prices."GitHub Copilot"]
    premium_request = 0.04
    included_per_seat = 300            # or a table per unit: { premium_request = 300 }
    # whose allowance a person's units draw on: "person" (their own) or "organisation" (one
    # pool of every seat's allowance); default per unit as the vendors count it:
    # premium_request "person", ai_credit and chatgpt_credit "organisation", token "person"
    pooling = { premium_request = "person" }

    # monthly budgets (default: none): of a team, a tool, or a tool within a team (all
    # tools when tool is left out, the organisation when team is left out); spend = seats
    # and usage, in the workspace currency
    [[governance.budgets]]
    team = "Platform"
    tool = "GitHub Copilot"
    amount = 1500.0

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
from adoption.tables.usage import UNITS

__all__ = [
    "DEFAULT_POOLING",
    "AlertSettings",
    "Budget",
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
    usage_prices : dict of str to dict of str to float
        Price of one unit per tool and unit type (workspace currency).
    included_per_seat : dict of str to dict of str to float
        Units per tool and unit type included with each seat per calendar month.
    usage_pooling : dict of str to dict of str to str
        ``"person"`` or ``"organisation"`` per tool and unit where set (see
        :func:`pooling_of` for the defaults).
    budgets : tuple of Budget
        Monthly budgets of teams and tools.
    """

    sanctioned: tuple[str, ...] = ()
    seat_costs: dict[str, float] = field(default_factory=dict)
    idle_days: int = 30
    usage_prices: dict[str, dict[str, float]] = field(default_factory=dict)
    included_per_seat: dict[str, dict[str, float]] = field(default_factory=dict)
    budgets: tuple[Budget, ...] = ()
    usage_pooling: dict[str, dict[str, str]] = field(default_factory=dict)

    def pooling_of(self, tool: str, unit: str) -> str:
        """``"person"`` or ``"organisation"``: the setting, else :data:`DEFAULT_POOLING`."""
        return self.usage_pooling.get(tool, {}).get(unit, DEFAULT_POOLING.get(unit, "person"))


#: Whose allowance units draw on, per unit, as the vendors document it: GitHub's premium
#: requests per user and month; GitHub's AI credits (Copilot Business and Enterprise) pooled
#: at the billing entity; ChatGPT Enterprise credits pooled at the workspace.
DEFAULT_POOLING = {"premium_request": "person", "ai_credit": "organisation",
                   "chatgpt_credit": "organisation", "token": "person"}
POOLINGS = ("person", "organisation")


@dataclass(frozen=True)
class Budget:
    """One ``[[governance.budgets]]`` entry: a monthly amount for a team and/or a tool.

    Attributes
    ----------
    team : str or None
        The roster team (None: the whole organisation).
    tool : str or None
        The tool (None: all tools).
    amount : float
        Monthly budget in the workspace currency (seats and usage together).
    """

    team: str | None
    tool: str | None
    amount: float

    @property
    def label(self) -> str:
        """``"Platform, GitHub Copilot"``, ``"Platform (all tools)"``, ``"GitHub Copilot"``."""
        if self.team is None:
            return self.tool or "the organisation (all tools)"
        return f"{self.team}, {self.tool}" if self.tool else f"{self.team} (all tools)"


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
    _unknown("governance", raw, {"sanctioned", "seat_costs", "idle_days", "usage_prices",
                                 "budgets"})
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
    prices, included, pooling = _usage_prices(raw.get("usage_prices", {}))
    return GovernanceSettings(tuple(t.strip() for t in sanctioned), checked, int(idle),
                              prices, included, _budgets(raw.get("budgets", [])), pooling)


def _per_unit(where: str, value: Any, prices: dict[str, float], example: str) -> dict:
    """A scalar for the tool's only priced unit, or a table per priced unit."""
    if not isinstance(value, dict):
        if len(prices) != 1:
            raise InputError(
                f"{where}: found {value!r} but the tool has {len(prices)} priced units "
                f"({sorted(prices)}); say which unit it is for, e.g. {example}.")
        value = {next(iter(prices)): value}
    bad = sorted(set(value) - set(prices))
    if bad:
        raise InputError(f"{where}: unit(s) {bad} have no price; priced units: "
                         f"{sorted(prices)}. Price them too, e.g. {bad[0]} = 0.04.")
    return value


def _usage_prices(raw: Any) -> tuple[dict, dict, dict]:
    where = _where("governance", "usage_prices")
    example = ('[governance.usage_prices."GitHub Copilot"] premium_request = 0.04, '
               "included_per_seat = 300")
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise InputError(f"{where}: found {raw!r}; use one table per tool, e.g. {example}.")
    prices: dict[str, dict[str, float]] = {}
    included: dict[str, dict[str, float]] = {}
    pooling: dict[str, dict[str, str]] = {}
    for tool, table in raw.items():
        unknown = sorted(set(table) - {*UNITS, "included_per_seat", "pooling"})
        if unknown:
            raise InputError(f"{where}.{tool!r}: unknown key(s) {unknown}; known: "
                             f"{[*UNITS, 'included_per_seat', 'pooling']}. Fix the spelling, "
                             f"e.g. {example}.")
        prices[tool] = {u: _number("governance", f"usage_prices.{tool!r}.{u}", table[u],
                                   minimum=0.0, example="0.04")
                        for u in UNITS if u in table}
        allowance = _per_unit(f"{where}.{tool!r}.included_per_seat",
                              table.get("included_per_seat", {}), prices[tool],
                              "included_per_seat = { premium_request = 300 }")
        included[tool] = {u: _number("governance", f"usage_prices.{tool!r}.included_per_seat",
                                     n, minimum=0.0, example="300")
                          for u, n in allowance.items()}
        modes = _per_unit(f"{where}.{tool!r}.pooling", table.get("pooling", {}), prices[tool],
                          'pooling = { ai_credit = "organisation" }')
        for unit, mode in modes.items():
            if mode not in POOLINGS:
                raise InputError(f"{where}.{tool!r}.pooling: found {mode!r} for {unit}; use "
                                 f"one of {list(POOLINGS)}, e.g. pooling = "
                                 '{ ai_credit = "organisation" }.')
        pooling[tool] = dict(modes)
    return prices, included, pooling


def _budgets(raw: Any) -> tuple[Budget, ...]:
    where = _where("governance", "budgets")
    example = '[[governance.budgets]] team = "Platform", tool = "GitHub Copilot", amount = 1500'
    if not isinstance(raw, list) or not all(isinstance(b, dict) for b in raw):
        raise InputError(f"{where}: found {raw!r}; use one [[governance.budgets]] table per "
                         f"budget, e.g. {example}.")
    out, seen = [], set()
    for i, b in enumerate(raw, 1):
        unknown = sorted(set(b) - {"team", "tool", "amount"})
        if unknown:
            raise InputError(f"{where} (budget {i}): unknown key(s) {unknown}; known: "
                             f"['amount', 'team', 'tool'], e.g. {example}.")
        for key in ("team", "tool"):
            if key in b and (not isinstance(b[key], str) or not b[key].strip()):
                raise InputError(f"{where} (budget {i}) {key}: found {b[key]!r}; use a name "
                                 f"or leave the key out, e.g. {example}.")
        if "amount" not in b:
            raise InputError(f"{where} (budget {i}): no amount; give the monthly amount, e.g. "
                             f"{example}.")
        budget = Budget(b.get("team", "").strip() or None, b.get("tool", "").strip() or None,
                        _number("governance", f"budgets ({i}) amount", b["amount"],
                                minimum=0.0, example="1500"))
        if (budget.team, budget.tool) in seen:
            raise InputError(f"{where} (budget {i}): a second budget for {budget.label}; keep "
                             "one.")
        seen.add((budget.team, budget.tool))
        out.append(budget)
    return tuple(out)


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
