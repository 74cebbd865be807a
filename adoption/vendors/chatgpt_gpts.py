"""ChatGPT Enterprise GPT engagement export: workspace-level aggregates per custom GPT.

Reader ``chatgpt_gpt_analytics`` (aggregates, rank 37). How to export: *Workspace settings >
Workspace analytics*, *Export*, the *GPT engagement* report, monthly or weekly (OpenAI's help
center, https://help.openai.com/en/articles/10875114-user-analytics-for-chatgpt-enterprise-and-edu ,
describes the exports, not their columns). The header, as reproduced in public code::

    cadence, period_start, period_end, account_id, gpt_id, gpt_name, config_type,
    gpt_description, gpt_url, gpt_creator_public_id, gpt_creator_email, is_active,
    first_day_active_in_period, last_day_active_in_period, messages_workspace,
    unique_messagers_workspace

One row per GPT and window: messages sent to it in the workspace and how many distinct people
sent them. Each row is kept whole in ``vendor_records`` (source ``chatgpt_gpt_analytics``,
scope ``gpt`` = ``gpt_id``, window = ``period_start`` .. ``period_end``, tool ``ChatGPT
Enterprise``): the creator's e-mail and public id are replaced by the keyed hash of the
e-mail (``gpt_creator_id``), as every identifier is, and never shown. No person's activity is
read from it: it is an aggregate of the workspace (:func:`load_chatgpt_gpts` shows it, with a
GPT used by fewer people than the privacy threshold hidden).

Rejected rows: an empty ``gpt_id``, a window that is not two dates in order, a count that is
not a whole number of 0 or more, more distinct messagers than messages. A GPT and window
already stored is a duplicate.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os

import numpy as np
import pandas as pd

from adoption.errors import InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.privacy import resolve_min_group_size
from adoption.store import Store
from adoption.vendors.chatgpt import TOOL, URL
from adoption.workspace import Workspace, open_store

__all__ = ["FORMATS", "GPT_COLUMNS", "SOURCE", "load_chatgpt_gpts"]

SOURCE = "chatgpt_gpt_analytics"
REQUIRED = ("gpt_id", "period_start", "period_end", "messages_workspace")
_COUNTS = ("messages_workspace", "unique_messagers_workspace")
_IDENTIFYING = ("gpt_creator_email", "gpt_creator_public_id")
GPT_COLUMNS = ["gpt_id", "gpt_name", "config_type", "period_start", "period_end",
               "messages", "unique_messagers", "hidden"]


def _sniff(s: Sniff) -> bool:
    header = {c.lower() for c in s.header}
    return "gpt_id" in header and bool(set(_COUNTS) & header) and "email" not in header


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _row(rec: dict[str, str]) -> tuple[dict, str | None]:
    gpt = rec.get("gpt_id", "").strip()
    if not gpt:
        return {}, "column gpt_id: empty"
    start, end = _date(rec.get("period_start", "")), _date(rec.get("period_end", ""))
    if start is None or end is None:
        return {}, (f"columns period_start, period_end: {rec.get('period_start')!r}, "
                    f"{rec.get('period_end')!r} are not dates (YYYY-MM-DD)")
    if end < start:
        return {}, f"period_end {end} is before period_start {start}"
    counts = {}
    for name in _COUNTS:
        text = rec.get(name, "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if value < 0 or value != int(value):
            return {}, f"column {name}: {text!r} is not a whole number of 0 or more"
        counts[name] = int(value)
    if counts.get("unique_messagers_workspace", 0) > counts.get("messages_workspace", 1 << 62):
        return {}, "unique_messagers_workspace is more than messages_workspace"
    return {"gpt": gpt, "start": start, "end": end}, None


def _load(ctx: FormatContext) -> LoadCounts:
    try:
        frame = pd.read_csv(io.StringIO(ctx.read_text()), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as e:
        raise InputError(f"{ctx.name}: cannot be read as CSV ({e}). Use the file as downloaded "
                         "from ChatGPT's workspace analytics.") from e
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(f"{ctx.name}: not an unedited GPT engagement export: columns found "
                         f"{list(frame.columns)}; missing {missing}. Export it again.")
    counts = LoadCounts(read=len(frame))
    creators = frame.get("gpt_creator_email", pd.Series("", index=frame.index)).str.strip()
    hashed = ctx.workspace.pseudonymise([c.lower() for c in creators])
    rejects, good = [], {}
    for i, rec in enumerate(frame.to_dict("records")):
        row, why = _row(rec)
        if why:
            kept = {k: v for k, v in rec.items() if k not in _IDENTIFYING}
            rejects.append((i + 2, why, None if ctx.redact else json.dumps(kept)[:2000]))
            continue
        key = (row["gpt"], row["start"], row["end"])
        if key in good:
            counts.duplicate += 1
            continue
        detail = {k: v for k, v in rec.items() if k not in _IDENTIFYING and v != ""}
        if creators.iloc[i]:
            detail["gpt_creator_id"] = hashed[i]
        good[key] = (SOURCE, "gpt", row["gpt"], None, TOOL, None, row["start"], row["end"],
                     json.dumps(detail, sort_keys=True), ctx.batch_id)
    counts.rejected = ctx.reject(rejects)
    if not good:
        return counts
    records = pd.DataFrame(list(good.values()),
                           columns=["source", "scope_type", "scope", "person_id", "tool", "day",
                                    "window_start", "window_end", "detail", "batch_id"])
    ctx.con.register("_gpts", records)
    try:
        new = ctx.con.execute("""INSERT INTO vendor_records
            SELECT source, scope_type, scope, CAST(person_id AS VARCHAR), tool,
                   CAST(day AS DATE), CAST(window_start AS DATE), CAST(window_end AS DATE),
                   detail, batch_id
            FROM _gpts g WHERE NOT EXISTS (
                SELECT 1 FROM vendor_records v WHERE v.source = g.source AND v.scope = g.scope
                  AND v.window_start = CAST(g.window_start AS DATE)
                  AND v.window_end = CAST(g.window_end AS DATE))""").fetchone()[0]
    finally:
        ctx.con.unregister("_gpts")
    counts.loaded = int(new)
    counts.duplicate += len(records) - counts.loaded
    counts.first_date = min(k[1] for k in good)
    counts.last_date = max(k[2] for k in good)
    counts.notes.append("workspace-level figures per GPT: no person's activity is read from "
                        "them; creators are kept as keyed hashes only")
    return counts


def load_chatgpt_gpts(source: Store | Workspace | str | os.PathLike[str], *,
                      min_group_size: int | None = None) -> pd.DataFrame:
    """The GPT engagement rows stored, one per GPT and window, without their creators.

    Parameters
    ----------
    source : Store, Workspace or path
    min_group_size : int, optional
        Privacy threshold; default (and floor) the workspace's.

    Returns
    -------
    DataFrame
        Columns :data:`GPT_COLUMNS`; ``messages`` and ``unique_messagers`` are missing and
        ``hidden`` true for a GPT messaged by fewer people than the threshold in the window
        (its use could point at one person). The creator never appears.
    """
    with open_store(source) as store:
        k = resolve_min_group_size(store.settings, min_group_size)
        rows = store.query(f"""SELECT scope AS gpt_id, window_start AS period_start,
                window_end AS period_end, detail FROM vendor_records
            WHERE source = '{SOURCE}' ORDER BY window_start, scope""")
    if rows.empty:
        return pd.DataFrame(columns=GPT_COLUMNS)
    details = [json.loads(d) for d in rows["detail"]]
    out = rows.drop(columns="detail").assign(
        gpt_name=[d.get("gpt_name") for d in details],
        config_type=[d.get("config_type") for d in details],
        messages=pd.to_numeric([d.get("messages_workspace") for d in details], errors="coerce"),
        unique_messagers=pd.to_numeric([d.get("unique_messagers_workspace") for d in details],
                                       errors="coerce"))
    out["hidden"] = out["unique_messagers"].fillna(0) < k
    out.loc[out["hidden"], ["messages", "unique_messagers"]] = np.nan
    return out[GPT_COLUMNS].reset_index(drop=True)


FORMATS: list[SourceFormat] = [
    SourceFormat(SOURCE, "team_usage",
                 "ChatGPT Enterprise GPT engagement export (per GPT, monthly or weekly CSV)",
                 (".csv",), _sniff, _load, rank=37, source=URL),
]
