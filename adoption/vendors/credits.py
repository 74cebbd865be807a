"""Credits that usage reports carry beside activity, staged into ``usage_units``.

Two readers report consumed credits on the same rows as activity:

- the GitHub per-user usage metrics report (:mod:`adoption.vendors.github`): the record's
  ``ai_credits_used`` -> unit ``ai_credit`` on the record's day;
- the ChatGPT Enterprise user engagement export (:mod:`adoption.vendors.chatgpt`): the
  column ``credits_used`` -> unit ``chatgpt_credit`` on the window's last day
  (``period_end``: the export does not say on which days credits were used, so a week
  straddling two months counts in the month it ends in).

Only rows the reader loaded are staged (a duplicate row adds no credits). A value that is not
a number or is negative is not staged; the batch's note says how many (the activity of the row
is loaded all the same, since the credits are an extra field). Source = the reader's format;
the tool is the reader's. Pricing: :mod:`adoption.governance.usage`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext

__all__ = ["credit_value", "stage_credits", "stage_window_credits"]


def credit_value(value: Any) -> tuple[float | None, bool]:
    """(credits, ok): ``None, True`` when missing or empty; ``None, False`` when impossible."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, True
    if isinstance(value, bool):
        return None, False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, False
    if not math.isfinite(number) or number < 0:
        return None, False
    return number, True


def stage_credits(ctx: FormatContext, counts: LoadCounts, rows: Iterable[tuple[str, dt.date, Any]],
                  *, tool: str, unit: str, source: str, field: str) -> int:
    """Insert (person id, day, raw value) credits into ``usage_units``; returns rows written.

    Values of one person and day are added up; impossible values are counted in a note.
    """
    totals: dict[tuple[str, dt.date], float] = {}
    bad = 0
    for person, day, raw in rows:
        value, ok = credit_value(raw)
        if not ok:
            bad += 1
        elif value:
            totals[(person, day)] = totals.get((person, day), 0.0) + value
    if bad:
        counts.notes.append(f"{bad} row(s) with an {field} that is not a number of 0 or more: "
                            "their credits were not counted")
    if not totals:
        return 0
    frame = pd.DataFrame([(p, tool, d, unit, q, None, source, ctx.batch_id)
                          for (p, d), q in totals.items()],
                         columns=["person_id", "tool", "day", "unit", "quantity", "model",
                                  "source", "batch_id"])
    return ctx.insert_frame("usage_units", frame)


def stage_window_credits(ctx: FormatContext, counts: LoadCounts, frame: pd.DataFrame,
                         ids: list[str], loaded: pd.DataFrame, *, tool: str,
                         source: str) -> int:
    """The ``credits_used`` of the window rows of ``frame`` that were loaded (``loaded``:
    ``person_id, period_start, period_end``), on each window's last day."""
    if "credits_used" not in frame.columns or loaded.empty:
        return 0
    keys = {(p, pd.Timestamp(s).date(), pd.Timestamp(e).date()) for p, s, e in zip(
        loaded["person_id"], loaded["period_start"], loaded["period_end"], strict=True)}
    rows, taken = [], set()
    for i, (start, end, raw) in enumerate(zip(frame["period_start"], frame["period_end"],
                                              frame["credits_used"], strict=True)):
        try:
            key = (ids[i], dt.date.fromisoformat(start.strip()[:10]),
                   dt.date.fromisoformat(end.strip()[:10]))
        except ValueError:
            continue
        if key in keys and key not in taken:  # a row repeated in the file counts once
            taken.add(key)
            rows.append((ids[i], key[2], raw))
    return stage_credits(ctx, counts, rows, tool=tool, unit="chatgpt_credit", source=source,
                         field="credits_used")
