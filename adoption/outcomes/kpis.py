"""Load an outcome KPI file into the ``outcomes`` table (format ``outcome_kpis``).

The file is read as text cells (:mod:`adoption.outcomes.kpi_files`); each row is one team's
value of one KPI in one period. The rules, each visible in the batch's counts and rejects:

- **Rejected rows** (kept in ``rejects`` with the reason, the column and the value): a blank
  team or KPI; no period and no date, or one that is not a period (``2026-03``, ``2026-Q1``,
  ``2026-W05``, or a date: a ``date`` column, or a date in the ``period`` column, is that one
  day); a value that is blank, not a number (text, a formula, markup), or not finite
  (NaN, infinity); an ``n`` that is not a whole number or is negative; a unit other than the
  unit the KPI already has (stored by an earlier file, else the first unit given for it in
  this file; case does not matter); a malformed CSV row.
- **Periods** are read by :func:`adoption.periods.parse_period` with the workspace's week
  start (an ISO week ``2026-W05`` is the workspace's week holding its Monday): the grain is
  team x period kind x period start x KPI, so a KPI may be reported monthly in one file and
  quarterly in another, side by side.
- **Duplicates**: a row repeating an earlier row of the file (same team, period and KPI,
  same value, unit and n) or repeating what is stored already counts as a duplicate and
  changes nothing. Two rows of one file giving *different* values for the same team, period
  and KPI: the later row counts, the earlier is rejected naming it.
- **Later files win**: a value for a team, period and KPI that is already stored with
  another value (or unit or n) replaces it, as a re-sent roster snapshot or a redefined tool
  does; the replaced row is kept in ``superseded_rows``, so ``adoption undo`` of the later
  batch restores it. The note says how many values were replaced.
- **Text is data**: team, KPI and unit names are stored exactly as written (stripped of
  surrounding blanks), whatever they hold (``=HYPERLINK(...)``, ``<script>``); nothing is
  evaluated, and every output escapes them.
- **Teams** are kept whether or not the roster has them (the roster may arrive later);
  ``adoption usecases check`` lists those it does not have
  (:func:`adoption.outcomes.find_unknown_outcome_teams`).

Counts reconcile: read = loaded + rejected + duplicate. The batch lands in one transaction
(the ingest driver's), and the same file again is recognised by its hash and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import pandas as pd

from adoption.errors import PeriodError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext
from adoption.outcomes.kpi_files import KpiTable, read_kpi_table
from adoption.periods import parse_period

__all__ = ["load_kpi_file", "parse_kpi_row"]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NOT_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity",
               "-infinity"}
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def _day(text: str) -> dt.date | None:
    m = _DAY.match(text)
    if not m:
        return None
    try:
        return dt.date.fromisoformat(m.group(1))
    except ValueError:
        return None


def _period(cells: dict[str, str | None], columns: dict[str, str], week_start: int
            ) -> tuple[str, dt.date, dt.date] | str:
    """(kind, start, end) of the row's period, or the reason it has none."""
    text = (cells.get("period") or "").strip()
    if text:
        day = _day(text)
        if day is not None:
            return "day", day, day
        if re.match(r"^\d{4}-\d{2}-\d{2}", text):
            return f"column {columns['period']}: value {text!r} is not a valid date"
        try:
            p = parse_period(text, week_start=week_start)
        except PeriodError:
            return (f"column {columns['period']}: value {text!r} is not a period; write a "
                    "month 2026-03, a quarter 2026-Q1, an ISO week 2026-W05 or a date")
        return p.kind, p.start, p.end
    text = (cells.get("date") or "").strip()
    if text:
        day = _day(text)
        if day is None:
            return (f"column {columns['date']}: value {text!r} is not a date; write "
                    "YYYY-MM-DD, e.g. 2026-03-31")
        return "day", day, day
    used = [columns[c] for c in ("period", "date") if c in columns]
    return f"column {' / '.join(used)}: the period is empty"


def _value(text: str | None, header: str) -> float | str:
    if text is None or not text.strip():
        return f"column {header}: the value is empty"
    t = text.strip()
    if t.casefold() in _NOT_FINITE:
        return f"column {header}: value {t!r} is not a finite number; write the KPI's value"
    if not _NUMBER.match(t):
        what = "a formula" if t.startswith("=") else "not a number"
        return (f"column {header}: value {t!r} is {what}; write a plain number with a "
                "decimal point, e.g. 24.5")
    number = float(t)
    if not math.isfinite(number):
        return f"column {header}: value {t!r} is not a finite number; write the KPI's value"
    return number


def _n(text: str | None, header: str) -> int | None | str:
    if text is None or not text.strip():
        return None
    t = text.strip()
    if not _NUMBER.match(t) or not float(t).is_integer():
        return f"column {header}: value {t!r} is not a whole number (n counts cases)"
    if float(t) < 0:
        return f"column {header}: value {t!r} is negative (n counts cases: 0 or more)"
    return int(float(t))


def parse_kpi_row(cells: dict[str, str | None], columns: dict[str, str], *,
                  week_start: int = 0) -> dict[str, Any] | str:
    """One row's ``team, period_kind, period_start, period_end, kpi, value, unit, n``, or
    the reason it is rejected (naming the column and the value)."""
    team = (cells.get("team") or "").strip()
    if not team:
        return f"column {columns['team']}: the team is empty"
    kpi = (cells.get("kpi") or "").strip()
    if not kpi:
        return f"column {columns['kpi']}: the KPI name is empty"
    period = _period(cells, columns, week_start)
    if isinstance(period, str):
        return period
    value = _value(cells.get("value"), columns["value"])
    if isinstance(value, str):
        return value
    n = _n(cells.get("n"), columns.get("n", "n"))
    if isinstance(n, str):
        return n
    unit = (cells.get("unit") or "").strip() or None
    kind, start, end = period
    return {"team": team, "period_kind": kind, "period_start": start, "period_end": end,
            "kpi": kpi, "value": value, "unit": unit, "n": n}


def _raw(table: KpiTable, row: int) -> str:
    return json.dumps(table.raw.get(row, {}), ensure_ascii=False, default=str)


def _label(rec: dict[str, Any]) -> str:
    return f"team {rec['team']!r}, {rec['period_kind']} {rec['period_start']}, KPI {rec['kpi']!r}"


def _check_units(ctx: FormatContext, parsed: list[dict], rejects: list) -> list[dict]:
    """Rows whose unit differs from the KPI's (stored, else first in this file) rejected."""
    stored = dict(ctx.con.execute(
        "SELECT kpi, min(unit) FROM outcomes WHERE unit IS NOT NULL GROUP BY kpi").fetchall())
    first: dict[str, tuple[str, int]] = {}
    kept = []
    for rec in parsed:
        unit, kpi = rec["unit"], rec["kpi"]
        if unit is not None:
            if kpi in stored:
                have, where = stored[kpi], "already stored for it"
            elif kpi in first:
                have, where = first[kpi][0], f"given for it in row {first[kpi][1]}"
            else:
                first[kpi] = (unit, rec["_row"])
                have = None
            if have is not None and have.casefold() != unit.casefold():
                rejects.append((rec["_row"], f"column {rec['_unit_header']}: unit {unit!r} "
                                f"differs from the unit {have!r} of KPI {kpi!r} ({where}); "
                                "convert the values, or give the KPI another name",
                                rec["_raw"]))
                continue
        kept.append(rec)
    return kept


def _key(rec: dict[str, Any]) -> tuple:
    return rec["team"], rec["period_kind"], rec["period_start"], rec["kpi"]


def _same(a: tuple, b: tuple) -> bool:
    return a[0] == b[0] and a[1] == b[1] and (a[2] == b[2] or (a[2] is None and b[2] is None))


def load_kpi_file(ctx: FormatContext) -> LoadCounts:
    """Load one outcome KPI file (rules: module docstring); returns its counts."""
    table = read_kpi_table(ctx.con, ctx.path, encoding=ctx.options.get("encoding"))
    counts = LoadCounts(read=len(table.rows) + len(table.malformed))
    rejects: list[tuple[int, str, str | None]] = list(table.malformed)
    week_start = ctx.workspace.settings.week_start_index
    parsed = []
    for number, cells in table.rows:
        rec = parse_kpi_row(cells, table.columns, week_start=week_start)
        if isinstance(rec, str):
            rejects.append((number, rec, _raw(table, number)))
            continue
        parsed.append({**rec, "_row": number, "_raw": _raw(table, number),
                       "_unit_header": table.columns.get("unit", "unit")})
    parsed = _check_units(ctx, parsed, rejects)

    last: dict[tuple, dict] = {}
    for rec in parsed:  # the later row of a key counts
        last[_key(rec)] = rec
    duplicate = 0
    for rec in parsed:
        final = last[_key(rec)]
        if final is rec:
            continue
        if _same((rec["value"], rec["unit"], rec["n"]), (final["value"], final["unit"],
                                                         final["n"])):
            duplicate += 1
        else:
            rejects.append((rec["_row"], f"row {final['_row']} of this file gives another "
                            f"value for {_label(rec)}; the later row counts", rec["_raw"]))
    finals = list(last.values())

    kpis = sorted({r["kpi"] for r in finals})
    stored: dict[tuple, tuple] = {}
    if kpis:
        marks = ", ".join("?" * len(kpis))
        for team, kind, start, kpi, value, unit, n in ctx.con.execute(
                f"SELECT team, period_kind, period_start, kpi, value, unit, n FROM outcomes "
                f"WHERE kpi IN ({marks})", kpis).fetchall():
            stored[(team, kind, start, kpi)] = (value, unit, n)
    new, replacing = [], []
    for rec in finals:
        have = stored.get(_key(rec))
        if have is not None and _same(have, (rec["value"], rec["unit"], rec["n"])):
            duplicate += 1
            continue
        (replacing if have is not None else new).append(rec)

    rows = new + replacing
    if replacing:
        keys = pd.DataFrame([_key(r) for r in replacing],
                            columns=["team", "period_kind", "period_start", "kpi"])
        ctx.con.register("_outcome_keys", keys)
        try:
            ctx.replace_rows("outcomes", """EXISTS (SELECT 1 FROM _outcome_keys k
                WHERE k.team = t.team AND k.period_kind = t.period_kind
                  AND CAST(k.period_start AS DATE) = t.period_start AND k.kpi = t.kpi)""")
        finally:
            ctx.con.unregister("_outcome_keys")
        counts.notes.append(
            f"{len(replacing)} value(s) replace those stored by earlier files for the same "
            "team, period and KPI (the later file counts; adoption undo of this batch "
            "restores them)")
    frame = pd.DataFrame(
        [{c: r[c] for c in ("team", "period_kind", "period_start", "kpi", "value", "unit", "n")}
         for r in rows],
        columns=["team", "period_kind", "period_start", "kpi", "value", "unit", "n"])
    frame["n"] = frame["n"].astype("Int64")
    frame["value"] = frame["value"].astype("float64")
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["batch_id"] = ctx.batch_id
    counts.loaded = ctx.insert_frame("outcomes", frame)
    counts.rejected = ctx.reject(rejects)
    counts.duplicate = duplicate
    covered = finals or parsed
    if covered:
        counts.first_date = min(r["period_start"] for r in covered)
        counts.last_date = max(r["period_end"] for r in covered)
        kinds = pd.Series([r["period_kind"] for r in finals]).value_counts()
        counts.notes.insert(0, f"{len(set(kpis))} KPI(s), {len({r['team'] for r in finals})} "
                            "team(s); periods: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    return counts
