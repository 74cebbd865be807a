"""GitHub's premium request usage report: premium requests and AI credits per user, day and model.

Reader ``github_premium_request_usage`` (usage units, rank 33). How to export: on GitHub, *Billing
and licensing > Usage* (or *Premium request analytics*), *Get usage report*, choose the
*premium request usage report*; GitHub e-mails a CSV of up to 31 days. The layout is GitHub's
"Billing reports reference" (https://docs.github.com/en/billing/reference/billing-reports):
one row per ``date`` x ``username`` x ``model`` x ``sku`` with the summed ``quantity`` and
amounts::

    date, username, product, sku, model, quantity, unit_type, applied_cost_per_quantity,
    gross_amount, discount_amount, net_amount, exceeds_quota, total_monthly_quota,
    organization, cost_center_name

(older exports call the unit price ``price_per_unit``; extra columns such as ``aic_quantity``
are ignored). ``date`` is a UTC day ("all usage is recorded in UTC"), kept as it is.

Fields used: ``username`` (the person: the keyed hash of the login, as the other GitHub
readers), ``date``, ``quantity``, ``model``, and ``sku`` / ``unit_type`` for the unit: a
premium request SKU (``copilot_premium_request``, ``coding_agent_premium_request``,
``spark_premium_request``) or ``unit_type`` ``requests`` is ``premium_request``; an AI credit
SKU (``copilot_ai_credit``, ``spark_ai_credit`` ...) or a unit type naming credits is
``ai_credit``. Every SKU draws on the Copilot plan's allowance, so every row counts for the tool
``GitHub Copilot``. Rows go to ``usage_units`` (source ``github_premium_request_usage``), the
SKUs of one person, day, unit and model summed into one row. GitHub's amounts
(``gross_amount``, ``net_amount``) are not used: spend is priced from the workspace's
``[governance.usage_prices]`` (:mod:`adoption.governance.usage`), in the workspace currency.

What it can tell: how many premium requests or credits each user consumed per day and model.
What it cannot: usage before 1 October 2025 (the report's first day), or who was licensed
(seats come from the seats export).

Rejected rows (with their reason): no username, a date that is not ``YYYY-MM-DD``, a quantity
that is not a number or is negative, a SKU that is neither a premium request nor an AI credit.
A row repeated verbatim in the file is a duplicate; so is a person, day, unit and model
already loaded by an earlier file (reports of overlapping date ranges).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import pandas as pd

from adoption.errors import InputError, missing_names
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat

__all__ = ["COLUMNS", "FORMATS", "REQUIRED", "SOURCE", "TOOL", "unit_of"]

TOOL = "GitHub Copilot"
SOURCE = "github_premium_request_usage"
URL = "https://docs.github.com/en/billing/reference/billing-reports"

#: Columns of the premium request usage report, in GitHub's order.
COLUMNS = ("date", "username", "product", "sku", "model", "quantity", "unit_type",
           "applied_cost_per_quantity", "price_per_unit", "gross_amount", "discount_amount",
           "net_amount", "exceeds_quota", "total_monthly_quota", "organization",
           "cost_center_name")
REQUIRED = ("date", "username", "sku", "model", "quantity")


def _sniff(s: Sniff) -> bool:
    header = {c.lower() for c in s.header}
    return set(REQUIRED) <= header and bool({"unit_type", "net_amount", "gross_amount"} & header)


def unit_of(sku: str, unit_type: str) -> str | None:
    """The ``usage_units.unit`` of a report row: ``premium_request``, ``ai_credit`` or None."""
    sku, kind = sku.strip().lower(), unit_type.strip().lower()
    if "premium_request" in sku or kind in ("request", "requests"):
        return "premium_request"
    if "ai_credit" in sku or "credit" in kind:
        return "ai_credit"
    return None


def _read(ctx: FormatContext) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.StringIO(ctx.read_text()), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as e:
        raise InputError(f"{ctx.name}: cannot be read as CSV ({e}). Use the premium request "
                         "usage report exactly as GitHub sent it.") from e
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"{ctx.name}: not an unedited GitHub premium request usage report: columns found "
            f"{list(frame.columns)}; missing {missing_names(missing, frame.columns)}. "
            "Download the report again "
            "(Billing and licensing > Usage > Get usage report) without editing it.")
    return frame


def _row(rec: dict[str, str]) -> tuple[dict, str | None]:
    login = "".join(rec["username"].split()).lower()
    if not login:
        return {}, "column username: empty; the row cannot be matched to a person"
    try:
        day = dt.date.fromisoformat(rec["date"].strip()[:10])
    except ValueError:
        return {}, f"column date: {rec['date']!r} is not a date (YYYY-MM-DD)"
    try:
        quantity = float(rec["quantity"])
    except ValueError:
        return {}, f"column quantity: {rec['quantity']!r} is not a number"
    if not math.isfinite(quantity) or quantity < 0:
        return {}, f"column quantity: {rec['quantity']!r} is negative or not finite"
    unit = unit_of(rec["sku"], rec.get("unit_type", ""))
    if unit is None:
        return {}, (f"columns sku/unit_type: {rec['sku']!r}/{rec.get('unit_type', '')!r} is "
                    "neither a premium request nor an AI credit SKU")
    model = rec["model"].strip() or None
    return {"login": login, "day": day, "unit": unit, "model": model,
            "quantity": quantity}, None


def _load(ctx: FormatContext) -> LoadCounts:
    frame = _read(ctx)
    counts = LoadCounts(read=len(frame))
    rejects, seen = [], set()
    keyed: dict[tuple, list] = {}  # (login, day, unit, model) -> [quantity, input rows]
    for i, rec in enumerate(frame.to_dict("records")):
        row, why = _row(rec)
        if why:
            raw = None if ctx.redact else json.dumps(rec, ensure_ascii=False)[:2000]
            rejects.append((i + 2, why, raw))  # the header is line 1
            continue
        whole = tuple(rec.values())
        if whole in seen:
            counts.duplicate += 1
            continue
        seen.add(whole)
        acc = keyed.setdefault((row["login"], row["day"], row["unit"], row["model"]), [0.0, 0])
        acc[0] += row["quantity"]
        acc[1] += 1
    counts.rejected = ctx.reject(rejects)
    if not keyed:
        return counts
    logins = sorted({k[0] for k in keyed})
    ids = dict(zip(logins, ctx.workspace.pseudonymise(logins), strict=True))
    out = pd.DataFrame([(ids[k[0]], TOOL, k[1], k[2], v[0], k[3], SOURCE, ctx.batch_id, v[1])
                        for k, v in keyed.items()],
                       columns=["person_id", "tool", "day", "unit", "quantity", "model",
                                "source", "batch_id", "rows"])
    con = ctx.con
    con.register("_gb_rows", out)
    try:
        new = con.execute("""SELECT r.* FROM _gb_rows r WHERE NOT EXISTS (
            SELECT 1 FROM usage_units u WHERE u.person_id = r.person_id AND u.tool = r.tool
              AND u.day = CAST(r.day AS DATE) AND u.unit = r.unit AND u.source = r.source
              AND u.model IS NOT DISTINCT FROM r.model)""").df()
    finally:
        con.unregister("_gb_rows")
    ctx.insert_frame("usage_units", new.drop(columns="rows"))
    counts.loaded = int(new["rows"].sum())
    counts.duplicate += int(out["rows"].sum()) - counts.loaded
    if counts.loaded < int(out["rows"].sum()):
        counts.notes.append("some person-days were already loaded by an earlier report (an "
                            "overlapping date range); their rows were counted as duplicates")
    counts.first_date, counts.last_date = min(out["day"]), max(out["day"])
    return counts


FORMATS: list[SourceFormat] = [
    SourceFormat(
        SOURCE, "usage_units",
        "GitHub premium request usage report (CSV: premium requests and AI credits per user, "
        "day and model)",
        (".csv",), _sniff, _load, rank=33, source=URL),
]
