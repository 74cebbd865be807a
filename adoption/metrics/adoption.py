"""Adoption metrics by team, department or organisation and period, with small-group protection.

Input is the person-period frame (one row per person x period for everyone employed at least one
day of the period); see :func:`compute_adoption_metrics` for the columns it needs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from adoption.canonical.build import NO_DEPARTMENT
from adoption.errors import ColumnNotFoundError, InputError, SmallGroupWarning
from adoption.privacy import check_min_group_size, suppress_small_groups
from adoption.stats.intervals import (
    check_confidence,
    mean_interval_from_summary,
    wilson_interval,
)

__all__ = [
    "ADOPTION_COLUMNS",
    "BY_LEVELS",
    "NO_DEPARTMENT",
    "TEAM_STAT_COLUMNS",
    "compute_adoption_metrics",
    "level_rows",
    "protect_levels",
]

#: Allowed values of ``by``, each with the key columns of its rows (before ``period``).
BY_LEVELS: dict[str, list[str]] = {
    "team": ["department", "team"],
    "department": ["department"],
    "organisation": [],
}
_COUNTS = ["headcount", "seats", "active_users", "unknown_users", "active_users_upper",
           "intensity_n", "new_users", "returning_users", "lapsed_users"]
_ACTIVATION = ["activation_rate", "activation_ci_low", "activation_ci_high"]
_PER_ACTIVE_USER = [
    "active_days_per_user", "active_days_ci_low", "active_days_ci_high",
    "events_per_user", "events_ci_low", "events_ci_high",
    "stickiness", "stickiness_ci_low", "stickiness_ci_high",
]
#: Output columns after the key columns and ``period``, in order.
ADOPTION_COLUMNS = [
    "period_start", "headcount", "seats", "active_users", "unknown_users", "active_users_upper",
    *_ACTIVATION, "penetration", "penetration_ci_low", "penetration_ci_high",
    "penetration_upper", "intensity_n", *_PER_ACTIVE_USER,
    "new_users", "returning_users", "lapsed_users", "sources", "suppressed",
    "suppression_reason",
]
_REQUIRED = [
    "period", "period_start", "days_in_period", "person_id", "team", "department", "has_seat",
    "active_days", "events", "is_active", "is_new", "was_active_prev",
]
_FLAGS = ["has_seat", "is_active", "is_new", "was_active_prev"]
#: Columns of the team statistics the three levels are computed from (:func:`protect_levels`).
TEAM_STAT_COLUMNS = [
    "department", "team", "period", "period_start", "days_in_period", "headcount", "seats",
    "active_users", "unknown_users", "active_users_upper", "intensity_n", "seat_active",
    "new_users", "returning_users", "lapsed_users", "days_sum", "days_m2", "events_sum",
    "events_m2", "sources",
]


def compute_adoption_metrics(
    data: pd.DataFrame,
    *,
    by: str = "team",
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Adoption of the selected tool(s) per group and period, with intervals and suppression.

    Parameters
    ----------
    data : pandas.DataFrame
        Person-period frame, one row per person x period, with columns ``period``,
        ``period_start``, ``days_in_period``, ``person_id``, ``team``, ``department``
        (missing -> "(no department)"), ``has_seat``, ``active_days``, ``events``,
        ``is_active``, ``is_new`` and ``was_active_prev``. Not modified.
    by : {"team", "department", "organisation"}, default "team"
        Level of the rows returned. A team is identified by department and team name.
    min_group_size : int, default 5
        Smallest number of people for which figures are shown (never below 3).
    confidence : float, default 0.95
        Confidence level of every interval.

    Returns
    -------
    pandas.DataFrame
        One row per group x period, sorted by the keys. Keys: ``department, team, period``
        (team), ``department, period`` (department) or ``period`` (organisation). Then:

        - ``period_start`` (datetime): first day of the period.
        - ``headcount`` (Int64): people employed at least one day of the period in the group.
        - ``seats`` (Int64): of those, people holding a seat on any day of the period.
        - ``active_users`` (Int64): people known to be active (a lower bound when some are
          unknown).
        - ``unknown_users`` (Int64): people not known to be active, whose only evidence is a
          window straddling the period's boundary with no known day (0 when the input has no
          ``is_unknown`` column); ``active_users_upper`` = ``active_users + unknown_users``.
        - ``activation_rate``, ``activation_ci_low``, ``activation_ci_high``: active seat
          holders / ``seats``, Wilson interval with n = ``seats``.
        - ``penetration``, ``penetration_ci_low``, ``penetration_ci_high``: ``active_users /
          headcount``, Wilson interval with n = ``headcount``; ``penetration_upper`` =
          ``active_users_upper / headcount`` (equal to ``penetration`` when nothing is
          unknown).
        - ``intensity_n`` (Int64): active users whose every source tells active days (all of
          them for daily sources); the per-active-user figures below are over them.
        - ``active_days_per_user``, ``active_days_ci_low``, ``active_days_ci_high``: mean active
          days over active users, Student-t interval (n = ``intensity_n``) clipped to
          [1, days in period].
        - ``events_per_user``, ``events_ci_low``, ``events_ci_high``: mean events over active
          users, Student-t interval clipped at 0.
        - ``stickiness``, ``stickiness_ci_low``, ``stickiness_ci_high``: mean daily active users /
          period active users = ``active_days_per_user / days_in_period``; the interval is the
          active-days interval divided by ``days_in_period``.
        - ``new_users`` (Int64): active and never active before the period (``is_new``).
        - ``returning_users`` (Int64): active and not new.
        - ``lapsed_users`` (Int64): in the group this period, active the previous period and
          not active now.
        - ``sources`` (str): the sources the group's activity figures rest on, comma-joined
          (from the input's ``sources`` column; empty when it has none).
        - ``suppressed`` (bool): the group is hidden (fewer than ``min_group_size`` people, or
          hidden to protect such a group); every figure above except ``period_start`` is missing.
        - ``suppression_reason`` (str): why, in plain words; also set when only the activation
          figures (fewer than ``min_group_size`` seats) or the per-active-user figures (fewer
          than ``min_group_size`` active users) are hidden on a published row.

    Notes
    -----
    All three levels are computed and suppressed together by
    :func:`adoption.privacy.suppress_small_groups` (complementary suppression across team,
    department and organisation, per period), then the requested level is returned. A
    :class:`~adoption.errors.SmallGroupWarning` is emitted only when every returned row is hidden.
    """
    _check_by(by, "compute_adoption_metrics")
    out = level_rows(_all_levels(data, min_group_size=min_group_size, confidence=confidence), by)
    _warn_if_all_hidden(out, by, min_group_size)
    return out


def _all_levels(data: pd.DataFrame, *, min_group_size: int, confidence: float) -> pd.DataFrame:
    """The rows of all three levels, suppressed together (organisation: both keys missing)."""
    where = "compute_adoption_metrics"
    check_min_group_size(min_group_size, where=where)
    check_confidence(confidence, where=where)
    _check_person_periods(data, _REQUIRED, where)
    return protect_levels(_team_stats(data, where), min_group_size=min_group_size,
                          confidence=confidence)


def level_rows(protected: pd.DataFrame, by: str) -> pd.DataFrame:
    """The rows of one level of :func:`protect_levels`' table, in the published order."""
    keys = _check_by(by, "level_rows")
    depth = protected[["department", "team"]].notna().sum(axis=1)
    out = protected.loc[depth == len(keys), [*keys, "period", *ADOPTION_COLUMNS]]
    return out.sort_values([*keys, "period_start", "period"], kind="stable").reset_index(drop=True)


def protect_levels(team: pd.DataFrame, *, min_group_size: int, confidence: float
                   ) -> pd.DataFrame:
    """The rows of all three levels from team statistics, suppressed together.

    Parameters
    ----------
    team : DataFrame
        One row per department x team x period, sorted by those keys, with
        :data:`TEAM_STAT_COLUMNS` (counts, sums and sums of squared deviations of the active
        users' days and events; ``sources`` a frozenset per row).
    min_group_size : int
    confidence : float

    Returns
    -------
    DataFrame
        Team, department (``team`` missing) and organisation (both keys missing) rows with
        ``period`` and :data:`ADOPTION_COLUMNS`.
    """
    table = pd.concat([team, _roll_up(team, ["department", "period"]), _roll_up(team, ["period"])],
                      ignore_index=True)
    return suppress_small_groups(
        _add_metrics(table, confidence),
        hierarchy=("department", "team"),
        size="headcount",
        within=("period",),
        value_columns=ADOPTION_COLUMNS[1:-2],
        # a hidden rate takes its own denominator with it, so that no count published beside
        # it lets it be worked out
        denominators={"seats": ["seats", *_ACTIVATION],
                      "intensity_n": ["intensity_n", *_PER_ACTIVE_USER]},
        min_group_size=min_group_size,
    )


def _check_person_periods(data: pd.DataFrame, required: Sequence[str], where: str) -> None:
    """Raise unless ``data`` is a person-period frame with ``required`` columns, filled in."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"{where}: data must be a pandas DataFrame; found {type(data).__name__!r}. Pass the "
            "person-period frame from the store."
        )
    missing = [c for c in required if c not in data.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: column(s) {missing!r} not found in data. Available: "
            f"{list(data.columns)!r}. Pass the person-period frame from the store, which has them."
        )
    nulls = [c for c in required if c != "department" and data[c].isna().any()]
    if nulls:
        raise InputError(
            f"{where}: column(s) {nulls!r} have missing values; every row needs them. Drop or "
            "fill those rows before calling."
        )
    for col in (c for c in ("active_days", "events", "days_in_period") if c in required):
        if not pd.api.types.is_numeric_dtype(data[col]) or (data[col] < 0).any():
            raise InputError(
                f"{where}: column {col!r} must hold counts >= 0; found dtype "
                f"{data[col].dtype!s} with minimum {data[col].min()!r}. Fix the input frame."
            )
    for col in (c for c in _FLAGS if c in required):
        if not pd.api.types.is_bool_dtype(data[col]):
            raise InputError(
                f"{where}: column {col!r} must be boolean; found dtype {data[col].dtype!s}. "
                f"Convert it, e.g. data[{col!r}].astype(bool)."
            )
    if data.duplicated(["person_id", "period"]).any():
        dup = data.loc[data.duplicated(["person_id", "period"]), ["person_id", "period"]]
        raise InputError(
            f"{where}: more than one row per person and period; found e.g. "
            f"{dup.head(3).to_dict('records')!r}. The frame must hold one row per person x period."
        )


def _warn_if_all_hidden(out: pd.DataFrame, by: str, min_group_size: int) -> None:
    """Emit one :class:`SmallGroupWarning` if ``out`` is non-empty and every row is hidden."""
    if len(out) and bool(out["suppressed"].all()):
        fix = "Use longer periods" if by == "organisation" else (
            f"Use a coarser level than by={by!r} or longer periods")
        warnings.warn(
            f"Every {by} row is hidden: each group has fewer than {min_group_size} people or had "
            f"to be hidden to protect one. {fix}.",
            SmallGroupWarning,
            stacklevel=3,
        )


def _check_by(by: str, where: str) -> list[str]:
    if by not in BY_LEVELS:
        raise InputError(
            f"{where}: by is {by!r}; allowed: {list(BY_LEVELS)!r}. Use e.g. by='team'."
        )
    return BY_LEVELS[by]


def _factorize_text(values: pd.Series, *, missing: str | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and their labels (as text) of a column; categories are used as they are.

    Missing values become ``missing`` when given. Categorical columns (as the store's
    person-period frame has) skip the costly conversion of millions of rows to text.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        names = np.asarray(values.cat.categories.astype(str), dtype=object)
        if missing is not None and (codes < 0).any():
            names = np.append(names, missing)
            codes = np.where(codes < 0, len(names) - 1, codes)
        return codes, names
    if missing is not None:
        values = values.fillna(missing)
    codes, names = pd.factorize(values.astype(str))
    return codes.astype(np.int64), np.asarray(names, dtype=object)


def _team_stats(data: pd.DataFrame, where: str) -> pd.DataFrame:
    """Counts and active-user sums/M2 per department x team x period (numpy, no row loops)."""
    d_codes, d_names = _factorize_text(data["department"], missing=NO_DEPARTMENT)
    t_codes, t_names = _factorize_text(data["team"])
    p_codes, p_names = _factorize_text(data["period"])
    n_t, n_p = len(t_names), len(p_names)
    gid, combos = pd.factorize((d_codes.astype(np.int64) * n_t + t_codes) * n_p + p_codes)
    size = len(combos)

    start = data["period_start"].to_numpy(dtype="datetime64[ns]")
    dip = data["days_in_period"].to_numpy(dtype=np.int64)
    first = np.zeros(n_p, dtype=np.int64)
    first[p_codes[::-1]] = np.arange(len(p_codes))[::-1]
    bad = (start != start[first][p_codes]) | (dip != dip[first][p_codes])
    if bad.any():
        raise InputError(
            f"{where}: period(s) {sorted(set(p_names[p_codes[bad]]))[:5]!r} have more than one "
            "period_start or days_in_period. Every row of one period must carry the same "
            "values; rebuild the frame from the store."
        )

    active = data["is_active"].to_numpy(dtype=bool)
    is_new = data["is_new"].to_numpy(dtype=bool)
    seat = data["has_seat"].to_numpy(dtype=bool)
    unknown = (data["is_unknown"].to_numpy(dtype=bool) & ~active if "is_unknown" in data
               else np.zeros(len(data), dtype=bool))
    known_days = active & (data["days_known"].to_numpy(dtype=bool) if "days_known" in data
                           else True)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(gid, weights=mask, minlength=size).astype(np.int64)

    p_of = combos % n_p
    team = pd.DataFrame({
        "department": d_names.take(combos // (n_t * n_p)),
        "team": t_names.take((combos // n_p) % n_t),
        "period": p_names.take(p_of),
        "period_start": start[first][p_of],
        "days_in_period": dip[first][p_of],
        "headcount": np.bincount(gid, minlength=size).astype(np.int64),
        "seats": count(seat),
        "active_users": count(active),
        "unknown_users": count(unknown),
        "active_users_upper": count(active | unknown),
        "intensity_n": count(known_days),
        "seat_active": count(seat & active),
        "new_users": count(active & is_new),
        "returning_users": count(active & ~is_new),
        "lapsed_users": count(data["was_active_prev"].to_numpy(dtype=bool) & ~active),
    })
    n = team["intensity_n"].to_numpy(dtype=float)
    for v, col in (("days", "active_days"), ("events", "events")):
        x = np.where(known_days, data[col].to_numpy(dtype=float), 0.0)
        total = np.bincount(gid, weights=x, minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(n > 0, total / n, 0.0)
        team[f"{v}_sum"] = total
        team[f"{v}_m2"] = np.bincount(
            gid, weights=np.where(known_days, (x - mean[gid]) ** 2, 0.0), minlength=size)
    team["sources"] = _group_sources(data, gid, size)
    return team.sort_values(["department", "team", "period"]).reset_index(drop=True)


def _group_sources(data: pd.DataFrame, gid: np.ndarray, size: int) -> list[frozenset]:
    """The set of sources named in the ``sources`` column (comma-joined) of each group."""
    out: list[frozenset] = [frozenset()] * size
    if "sources" not in data:
        return out
    codes, names = _factorize_text(data["sources"], missing="")
    sets = [frozenset(x.strip() for x in str(n).split(",") if x.strip()) for n in names]
    pairs = np.unique(gid * (len(names) + 1) + codes)
    for pair in pairs:
        g, c = divmod(int(pair), len(names) + 1)
        if sets[c]:
            out[g] = out[g] | sets[c]
    return out


def _roll_up(team: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Combine team statistics into ``keys`` groups (Chan et al. pairwise variance update)."""
    combined = np.zeros(len(team), dtype=np.int64)
    for k in keys:
        codes, names = pd.factorize(team[k])
        combined = combined * (len(names) + 1) + codes
    gid, uniques = pd.factorize(combined)
    size = len(uniques)
    first = np.zeros(size, dtype=np.int64)
    first[gid[::-1]] = np.arange(len(team))[::-1]
    cols: dict[str, object] = {
        c: team[c].to_numpy()[first] for c in [*keys, "period_start", "days_in_period"]
    }
    sources = team["sources"].to_numpy()
    merged: list[frozenset] = [frozenset()] * size
    for i, g in enumerate(gid):
        merged[g] = merged[g] | sources[i]
    cols["sources"] = merged
    for col in ["headcount", "seats", "active_users", "unknown_users", "active_users_upper",
                "intensity_n", "seat_active", "new_users", "returning_users", "lapsed_users"]:
        cols[col] = np.bincount(gid, weights=team[col].to_numpy(dtype=float),
                                minlength=size).astype(np.int64)
    n_child = team["intensity_n"].to_numpy(dtype=float)
    n_parent = cols["intensity_n"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for v in ("days", "events"):
            child_sum = team[f"{v}_sum"].to_numpy()
            total = np.bincount(gid, weights=child_sum, minlength=size)
            between = np.where(
                n_child > 0, n_child * (child_sum / n_child - (total / n_parent)[gid]) ** 2, 0.0
            )
            cols[f"{v}_sum"] = total
            cols[f"{v}_m2"] = np.bincount(gid, weights=team[f"{v}_m2"].to_numpy() + between,
                                          minlength=size)
    return pd.DataFrame(cols)


def _add_metrics(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Rates, means and their intervals from the summed statistics of every level."""
    t = {c: table[c].to_numpy(dtype=float) for c in [*_COUNTS, "seat_active", "days_in_period",
                                                      "days_sum", "days_m2", "events_sum",
                                                      "events_m2"]}
    headcount, seats, active = t["headcount"], t["seats"], t["active_users"]
    days = t["days_in_period"]
    cols: dict[str, object] = {
        c: table[c].to_numpy() for c in ["department", "team", "period", "period_start"]
    }
    for col in _COUNTS:
        cols[col] = pd.array(t[col].astype(np.int64), dtype="Int64")
    cols["sources"] = [", ".join(sorted(x)) for x in table["sources"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["activation_rate"] = np.where(seats > 0, t["seat_active"] / seats, np.nan)
        cols["activation_ci_low"], cols["activation_ci_high"] = wilson_interval(
            t["seat_active"], seats, confidence=confidence)
        cols["penetration"] = active / headcount
        cols["penetration_ci_low"], cols["penetration_ci_high"] = wilson_interval(
            active, headcount, confidence=confidence)
        cols["penetration_upper"] = t["active_users_upper"] / headcount
        active = t["intensity_n"]  # the per-active-user figures are over known active days
        for v, name, low_bound, high_bound in (("days", "active_days", 1.0, days),
                                               ("events", "events", 0.0, np.inf)):
            mean = np.where(active > 0, t[f"{v}_sum"] / active, np.nan)
            sd = np.sqrt(np.maximum(np.where(active > 1, t[f"{v}_m2"] / (active - 1), np.nan), 0))
            lo, hi = mean_interval_from_summary(mean, sd, active, confidence=confidence)
            cols[f"{name}_per_user"] = mean
            cols[f"{name}_ci_low"] = np.clip(lo, low_bound, high_bound)
            cols[f"{name}_ci_high"] = np.clip(hi, low_bound, high_bound)
        cols["stickiness"] = cols["active_days_per_user"] / days
        cols["stickiness_ci_low"] = cols["active_days_ci_low"] / days
        cols["stickiness_ci_high"] = cols["active_days_ci_high"] / days
    out = pd.DataFrame(cols, index=table.index)
    return out[["department", "team", "period", *ADOPTION_COLUMNS[:-2]]]
