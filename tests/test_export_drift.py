"""Export drift: a file whose columns or figures changed from the source's previous file.

Two consecutive exports of one source each: ChatGPT Enterprise weekly user analytics (a vendor
format with optional metric columns) and a generic usage file. Each kind of drift gives exactly
one finding naming the file, the column and the evidence; a normal next export gives none.
"""

from __future__ import annotations

import datetime as dt

import pytest

from adoption.governance.alerts import build_alerts
from adoption.ingest import ingest_file
from adoption.ingest.drift import load_export_drift
from adoption.ingest.removal import remove_batch
from adoption.vendors.quality import build_data_quality

#: ChatGPT Enterprise user analytics columns, as in tests/fixtures/vendors/chatgpt
CHATGPT = ["cadence", "period_start", "period_end", "account_id", "public_id", "name", "email",
           "role", "user_role", "department", "groups", "user_status",
           "created_or_invited_date", "is_active", "first_day_active_in_period",
           "last_day_active_in_period", "messages", "messages_rank", "model_to_messages",
           "gpt_messages", "gpts_messaged", "gpt_to_messages", "tool_messages",
           "tools_messaged", "tool_to_messages", "project_messages", "projects_messaged",
           "project_to_messages", "projects_created"]
WEEK1 = dt.date(2026, 1, 5)  # a Monday
WEEK2 = dt.date(2026, 1, 12)


def _chatgpt(path, start: dt.date, *, people: int = 10, active: int | None = None,
             drop: tuple[str, ...] = (), rename: dict[str, str] | None = None,
             blank: tuple[str, ...] = (), zero: tuple[str, ...] = (), shift: int = 0):
    """A weekly ChatGPT export of ``people`` people, the first ``active`` of them active;
    person i sends 10 + i + shift messages, i % 4 of them to GPTs and i % 3 with tools."""
    active = people if active is None else active
    end = start + dt.timedelta(days=6)
    lines = []
    for i in range(people):
        on = i < active
        row = dict.fromkeys(CHATGPT, "")
        row.update(cadence="Weekly", period_start=f"{start}", period_end=f"{end}",
                   account_id="8692590815c34cfca1333ff09b53ee58", public_id=f"user-{i}",
                   name=f"Person {i}", email=f"p{i}@example.com", user_role="standard-user",
                   groups="[]", user_status="enabled", created_or_invited_date="2025-11-03",
                   is_active="1" if on else "0",
                   first_day_active_in_period=f"{start}" if on else "",
                   last_day_active_in_period=f"{start}" if on else "",
                   messages=f"{10 + i + shift}" if on else "0",
                   messages_rank=f"{i + 1}" if on else "",
                   gpt_messages=f"{i % 4}" if on else "0", gpts_messaged="1" if on else "0",
                   tool_messages=f"{i % 3}" if on else "0", tools_messaged="0",
                   project_messages="0", projects_messaged="0", projects_created="0")
        for col in blank:
            row[col] = ""
        for col in zero:
            row[col] = "0"
        lines.append(row)
    rename = rename or {}
    header = [rename.get(c, c) for c in CHATGPT if c not in drop]
    body = [",".join(row[c] for c in CHATGPT if c not in drop) for row in lines]
    path.write_text("\n".join([",".join(header), *body]) + "\n", encoding="utf-8")
    return path


def _usage(path, start: dt.date, *, people: int = 8, days: int = 14, drop: tuple = (),
           rename: dict[str, str] | None = None, blank: tuple = (), zero: tuple = (),
           tool: str = "Copilot"):
    """A generic usage file: each person uses ``tool`` on every day from ``start`` (count
    1 + i % 3, tokens 100 * (i + 1))."""
    cols = ["timestamp", "email", "tool", "feature", "count", "tokens"]
    rows = []
    for d in range(days):
        day = start + dt.timedelta(days=d)
        for i in range(people):
            row = {"timestamp": f"{day}T10:00:00+01:00", "email": f"p{i}@example.com",
                   "tool": tool, "feature": "chat", "count": f"{1 + i % 3}",
                   "tokens": f"{100 * (i + 1)}"}
            for col in blank:
                row[col] = ""
            for col in zero:
                row[col] = "0"
            rows.append(row)
    rename = rename or {}
    header = [rename.get(c, c) for c in cols if c not in drop]
    body = [",".join(r[c] for c in cols if c not in drop) for r in rows]
    path.write_text("\n".join([",".join(header), *body]) + "\n", encoding="utf-8")
    return path


def _drift(ws):
    with ws.store(read_only=True) as store:
        return load_export_drift(store)


def _pair(ws, tmp_path, make, **change):
    """Ingest a first export and a second one with ``change``; the second one's batch id."""
    first = make(tmp_path / "export_1.csv", WEEK1)
    second = make(tmp_path / "export_2.csv", WEEK2, **change)
    ingest_file(ws, first)
    return ingest_file(ws, second).batch_id


CHANGES = {
    # (change to the second export, expected check, expected column)
    "dropped": ({"drop": ("tool_messages",)}, "column_dropped", "tool_messages"),
    "renamed": ({"rename": {"gpt_messages": "custom_gpt_messages"}}, "column_renamed",
                "custom_gpt_messages"),
    "blank": ({"blank": ("gpt_messages",)}, "metric_blank", "gpt_messages"),
    "zero": ({"zero": ("tool_messages",)}, "metric_zero", "tool_messages"),
}
USAGE_CHANGES = {
    "dropped": ({"drop": ("tokens",)}, "column_dropped", "tokens"),
    "renamed": ({"rename": {"count": "event_count"}}, "column_renamed", "event_count"),
    "blank": ({"blank": ("count",)}, "metric_blank", "count"),
    "zero": ({"zero": ("tokens",)}, "metric_zero", "tokens"),
}


@pytest.mark.parametrize("case", sorted(CHANGES))
def test_each_chatgpt_change_gives_exactly_one_finding(workspace, tmp_path, case):
    change, check, column = CHANGES[case]
    batch = _pair(workspace, tmp_path, _chatgpt, **change)
    drift = _drift(workspace)
    assert len(drift) == 1, drift[["check", "column", "finding"]].to_string()
    row = drift.iloc[0]
    assert (row["batch_id"], row["file_name"], row["source"], row["check"], row["column"]) == (
        batch, "export_2.csv", "chatgpt_user_analytics", check, column)
    assert "export_2.csv" in row["finding"] and column in row["finding"]
    assert "what to check" in row["finding"]


@pytest.mark.parametrize("case", sorted(USAGE_CHANGES))
def test_each_usage_change_gives_exactly_one_finding(workspace, tmp_path, case):
    change, check, column = USAGE_CHANGES[case]
    batch = _pair(workspace, tmp_path, _usage, **change)
    drift = _drift(workspace)
    assert len(drift) == 1, drift[["check", "column", "finding"]].to_string()
    row = drift.iloc[0]
    assert (row["batch_id"], row["file_name"], row["source"], row["check"], row["column"]) == (
        batch, "export_2.csv", "usage", check, column)
    assert "export_2.csv" in row["finding"] and column in row["finding"]


@pytest.mark.parametrize("make", [_chatgpt, _usage], ids=["chatgpt", "usage"])
def test_a_normal_next_export_gives_none(workspace, tmp_path, make):
    _pair(workspace, tmp_path, make)
    assert _drift(workspace).empty
