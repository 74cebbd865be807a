"""Unsanctioned use per AI service: what the discovery logs show, and which services are new.

Organisation-wide tables per service and period (no team), for IT and governance. People are
counted as in :mod:`adoption.discovery.metrics`; a service used by fewer than
``min_group_size`` people shows neither their number nor their requests (the requests of one
or two people describe those people); device-only traffic, which no person is behind, is
always shown. Tools seen in their own exports are not catalogue services and are not listed
here (see :func:`adoption.discovery.compute_shadow_ai_use`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from adoption.discovery.evidence import load_discovery, opened, service_status, threshold
from adoption.periods import parse_period

__all__ = ["BY_SERVICE_COLUMNS", "compute_shadow_ai_by_service", "first_seen_services"]

#: Columns of :func:`compute_shadow_ai_by_service`.
BY_SERVICE_COLUMNS = ["period", "period_start", "service", "vendor", "category", "status",
                      "users", "users_suppressed", "requests", "blocked", "devices",
                      "device_requests", "first_day"]


def compute_shadow_ai_by_service(
    store_or_workspace: Any,
    *,
    period_kind: str = "month",
    min_group_size: int | None = None,
) -> pd.DataFrame:
    """Unsanctioned use per service and period, for the whole organisation.

    Returns
    -------
    pandas.DataFrame
        One row per service x period with any unsanctioned use: ``period, period_start,
        service, vendor, category, status`` (``unsanctioned`` or ``seat``: a personal account
        of a sanctioned tool), ``users`` (Int64, people), ``users_suppressed`` (bool: fewer than
        the minimum group size, then ``users``, ``requests`` and ``blocked`` are missing),
        ``requests``, ``blocked`` (people's requests), ``devices``, ``device_requests``
        (device-only rows) and ``first_day`` (the service's first unsanctioned use in the
        store), sorted by period and requests.
    """
    with opened(store_or_workspace) as store:
        k = threshold(store, min_group_size, "compute_shadow_ai_by_service")
        disc = load_discovery(store, period_kind=period_kind)
        catalogue = service_status(store)
    return _by_service(disc, catalogue, k)


def _by_service(disc: pd.DataFrame, catalogue: pd.DataFrame, k: int) -> pd.DataFrame:
    bad = disc[disc["unsanctioned"].fillna(False).astype(bool)]
    first = bad.groupby("service")["day"].min().rename("first_day")
    person = bad["person_id"].notna()
    people = bad[person].groupby(["period", "service"]).agg(
        period_start=("period_start", "min"), users=("person_id", "nunique"),
        requests=("requests", "sum"), blocked=("blocked", "sum"))
    devices = bad[~person].groupby(["period", "service"]).agg(
        period_start_d=("period_start", "min"), devices=("device_id", "nunique"),
        device_requests=("requests", "sum"))
    out = people.join(devices, how="outer").reset_index()
    if out.empty:
        return pd.DataFrame(columns=BY_SERVICE_COLUMNS)
    out["period_start"] = out["period_start"].fillna(out.pop("period_start_d"))
    for col in ("users", "requests", "blocked", "devices", "device_requests"):
        out[col] = out[col].fillna(0).astype("int64")
    out["users_suppressed"] = (out["users"] > 0) & (out["users"] < k)
    order = out["requests"]  # sort on the true figures, then hide them
    for col in ("users", "requests", "blocked"):
        out[col] = out[col].astype("Int64").mask(out["users_suppressed"])
    out = out.assign(_order=order).merge(
        catalogue[["service", "vendor", "category", "status"]], on="service", how="left").merge(
        first, left_on="service", right_index=True, how="left")
    out = out.sort_values(["period", "_order", "device_requests", "service"],
                          ascending=[True, False, False, True], kind="stable")
    return out[BY_SERVICE_COLUMNS].reset_index(drop=True)


def first_seen_services(
    store_or_workspace: Any,
    *,
    period: str,
    period_kind: str = "month",
    min_group_size: int | None = None,
) -> pd.DataFrame:
    """Unsanctioned services whose first unsanctioned use in the store falls in ``period``.

    Returns
    -------
    pandas.DataFrame
        One row per such service, by first day: ``service, vendor, category, first_day,
        users`` (people in the period; missing below the minimum group size, and so are the
        requests), ``users_suppressed``, ``requests``, ``devices``, ``device_requests``.
    """
    with opened(store_or_workspace) as store:
        k = threshold(store, min_group_size, "first_seen_services")
        p = parse_period(period, period_kind, week_start=store.settings.week_start_index)
        disc = load_discovery(store, period_kind=period_kind)
        catalogue = service_status(store)
    table = _by_service(disc, catalogue, k)
    table = table[(table["period"] == p.label)
                  & (table["first_day"] >= pd.Timestamp(p.start))
                  & (table["first_day"] <= pd.Timestamp(p.end))]
    return table.sort_values(["first_day", "service"])[
        ["service", "vendor", "category", "first_day", "users", "users_suppressed", "requests",
         "devices", "device_requests"]].reset_index(drop=True)
