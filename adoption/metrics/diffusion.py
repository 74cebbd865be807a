"""Diffusion forecast: a Bass curve per department (or team) and when it reaches a target share.

Adopters of a group in a period are the people in the group that period who have been active
at least once by then (in any team); the Bass model (:class:`adoption.stats.BassModel`,
nonlinear least squares on this cumulative count) is fitted per group over the periods of the
frame, with the market size capped at the group's largest headcount. The target is a share of
the group's headcount in its last period.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from adoption.errors import InputError
from adoption.metrics.adoption import (
    BY_LEVELS,
    NO_DEPARTMENT,
    _check_by,
    _check_person_periods,
    _warn_if_all_hidden,
)
from adoption.periods import label_period
from adoption.privacy import check_min_group_size, suppress_small_groups
from adoption.stats.diffusion import BassModel
from adoption.stats.intervals import check_confidence

__all__ = ["FORECAST_COLUMNS", "compute_adoption_curve", "compute_diffusion_forecast"]

_REQUIRED = ["period", "period_start", "person_id", "team", "department", "is_active"]
_PARAMS = [f"{k}{s}" for k in ("m", "p", "q") for s in ("", "_ci_low", "_ci_high")]
#: Columns of :func:`compute_diffusion_forecast` after the group keys.
FORECAST_COLUMNS = [
    "headcount", "adopters", "adoption_share", "periods", "status", "reason", *_PARAMS, "r2",
    "target_share", "target", "target_period", "target_period_low", "target_period_high",
    "suppressed", "suppression_reason",
]


def compute_adoption_curve(data: pd.DataFrame, *, by: str = "department") -> pd.DataFrame:
    """Headcount and cumulative adopters per group and period (the series Bass is fitted to).

    Returns
    -------
    pandas.DataFrame
        Keys (``department, team`` / ``department`` / none), ``period``, ``period_start``,
        ``headcount``, ``adopters`` (people in the group that period who have been active by
        then). Not suppressed: an intermediate table, pass it through the privacy gate
        before showing it.
    """
    where = "compute_adoption_curve"
    keys = _check_by(by, where)
    _check_person_periods(data, _REQUIRED, where)
    d = pd.DataFrame({
        "person_id": data["person_id"].to_numpy(),
        "period": data["period"].astype(str).to_numpy(),
        "period_start": pd.to_datetime(data["period_start"]).to_numpy(),
        "department": data["department"].astype(object).where(data["department"].notna(),
                                                              NO_DEPARTMENT).to_numpy(),
        "team": data["team"].astype(object).to_numpy(),
        "active": data["is_active"].to_numpy(dtype=bool),
    }).sort_values(["person_id", "period_start"], kind="stable")
    d["adopted"] = d.groupby("person_id", sort=False)["active"].cummax()
    out = d.groupby([*keys, "period_start", "period"], sort=True).agg(
        headcount=("person_id", "size"), adopters=("adopted", "sum")).reset_index()
    out["adopters"] = out["adopters"].astype("int64")
    return out[[*keys, "period", "period_start", "headcount", "adopters"]]


def compute_diffusion_forecast(
    data: pd.DataFrame,
    *,
    by: str = "department",
    target_share: float = 0.6,
    horizon: int = 12,
    min_group_size: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Bass forecast per group: parameters, fit and the period a target share is reached.

    Parameters
    ----------
    data : pandas.DataFrame
        The person-period frame (:func:`adoption.canonical.load_person_periods`, monthly by
        default), with ``period, period_start, person_id, team, department, is_active``.
        Not modified.
    by : {"department", "team", "organisation"}, default "department"
    target_share : float, default 0.6
        Share of the group's last headcount to reach.
    horizon : int, default 12
        How many periods after the last one a forecast may look.
    min_group_size : int, default 5
        Fewest people (last headcount) for which a group is shown (never below 3).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group (keys as for ``by``), then :data:`FORECAST_COLUMNS`:

        - ``headcount``, ``adopters``, ``adoption_share``: in the last period;
        - ``periods``: periods fitted; ``status``: ``"forecast"`` or ``"refused"``;
          ``reason``: why there is no forecast (see :class:`~adoption.stats.BassModel`);
        - ``m``, ``p``, ``q`` with ``*_ci_low``, ``*_ci_high``: eventual adopters (people),
          coefficients of innovation and imitation per period (log-scale delta-method
          intervals); ``r2``: share of the variation of adoptions per period explained;
        - ``target_share``; ``target``: in words, e.g. ``"reached in 2026-03"``,
          ``"2026-09 (2026-07 to 2026-12)"`` or ``"not reached within 12 months"`` (the
          horizon counted from the last period);
          ``target_period``, ``target_period_low``, ``target_period_high``: the period labels
          (missing when not reached within the horizon; the interval is a parametric
          bootstrap);
        - ``suppressed``, ``suppression_reason``: the privacy gate, all levels together,
          size = last headcount.
    """
    where = "compute_diffusion_forecast"
    keys = _check_by(by, where)
    check_min_group_size(min_group_size, where=where)
    check_confidence(confidence, where=where)
    if not 0 < float(target_share) < 1:
        raise InputError(f"{where}: target_share is {target_share!r}; pass a share in (0, 1), "
                         "e.g. 0.6 for 60%.")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise InputError(f"{where}: horizon is {horizon!r}; pass a whole number of periods >= 1.")
    curves = {level: compute_adoption_curve(data, by=level) for level in BY_LEVELS}
    labels = sorted(set(curves["organisation"]["period"]),
                    key=lambda x: label_period(x).start)
    rows = []
    for level, level_keys in BY_LEVELS.items():
        curve = curves[level]
        groups = curve.groupby(level_keys, sort=True) if level_keys else [((), curve)]
        for key, g in groups:
            key = key if isinstance(key, tuple) else (key,)
            row = dict(zip(level_keys, key, strict=True))
            row |= {"headcount": int(g["headcount"].iloc[-1]),
                    "adopters": int(g["adopters"].iloc[-1])}
            if level == by:
                row |= _forecast(g, labels, target_share, horizon, confidence)
            rows.append(row)
    cols = ["department", "team", *FORECAST_COLUMNS[:-2]]
    table = pd.DataFrame(rows).reindex(columns=cols)
    for col in ("headcount", "adopters", "periods"):
        table[col] = table[col].astype("Int64")
    table["adoption_share"] = (table["adopters"] / table["headcount"]).astype(float)
    out = suppress_small_groups(table, hierarchy=("department", "team"), size="headcount",
                                within=(), value_columns=FORECAST_COLUMNS[:-2],
                                min_group_size=min_group_size)
    depth = out[["department", "team"]].notna().sum(axis=1)
    out = out.loc[depth == len(keys), [*keys, *FORECAST_COLUMNS]].reset_index(drop=True)
    _warn_if_all_hidden(out, by, min_group_size)
    return out


def _forecast(g: pd.DataFrame, labels: list[str], share: float, horizon: int,
              confidence: float) -> dict[str, object]:
    """Fit one group's series and place its target in a period."""
    first = label_period(labels[0])
    unit = {"month": "months", "quarter": "quarters", "week": "weeks"}[first.kind]
    t = np.array([labels.index(p) + 1 for p in g["period"]], dtype=float)
    last_t = float(len(labels))
    headcount = float(g["headcount"].iloc[-1])
    out: dict[str, object] = {"periods": int(len(g)), "target_share": float(share)}
    reached = g[g["adopters"] >= share * g["headcount"]]
    model = BassModel(confidence=confidence).fit(g["adopters"].to_numpy(dtype=float), t=t,
                                                 population=float(g["headcount"].max()))
    if model.refusal_ is None:
        summary = model.summary.set_index("term")
        for k in ("m", "p", "q"):
            out[k] = summary.loc[k, "estimate"]
            out[f"{k}_ci_low"] = summary.loc[k, "ci_low"]
            out[f"{k}_ci_high"] = summary.loc[k, "ci_high"]
        out["r2"] = model.r2_
        out["status"] = "forecast"
    else:
        out["status"], out["reason"] = "refused", model.refusal_
    if len(reached):
        label = str(reached["period"].iloc[0])
        out |= {"target": f"reached in {label}", "target_period": label,
                "target_period_low": label, "target_period_high": label}
        return out
    if model.refusal_ is not None:
        out["target"] = f"no forecast: {model.refusal_}"
        return out
    when = model.time_to_share(share, population=headcount)

    def period_of(x: float) -> str | None:
        if not np.isfinite(x) or x > last_t + horizon:
            return None
        return first.shift(max(math.ceil(x - 1e-9), 1) - 1).label

    est, low, high = (period_of(when[k]) for k in ("estimate", "ci_low", "ci_high"))
    out |= {"target_period": est, "target_period_low": low, "target_period_high": high}
    if est is None:
        out["target"] = f"not reached within {horizon} {unit}"
    else:
        out["target"] = f"{est} ({low} to {high or f'after the next {horizon} {unit}'})"
    return out
