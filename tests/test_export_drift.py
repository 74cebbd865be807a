"""Export drift: a file whose columns or figures changed from the source's previous file.

Two consecutive exports of one source each: ChatGPT Enterprise weekly user analytics (a vendor
format with optional metric columns) and a generic usage file. Each kind of drift gives exactly
one finding naming the file, the column and the evidence; a normal next export gives none.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from adoption.cli import main
from adoption.errors import IngestError
from adoption.governance.alerts import build_alerts
from adoption.governance.config import AlertSettings
from adoption.ingest import ingest_file
from adoption.ingest.drift import load_export_drift
from adoption.ingest.removal import remove_batch
from adoption.vendors.quality import (
    build_data_quality,
    describe_data_quality,
    format_findings_table,
)

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
             blank: tuple[str, ...] = (), zero: tuple[str, ...] = (), shift: int = 0,
             account_id: str = "8692590815c34cfca1333ff09b53ee58"):
    """A weekly ChatGPT export of ``people`` people, the first ``active`` of them active;
    person i sends 10 + i + shift messages, i % 4 of them to GPTs and i % 3 with tools."""
    active = people if active is None else active
    end = start + dt.timedelta(days=6)
    lines = []
    for i in range(people):
        on = i < active
        row = dict.fromkeys(CHATGPT, "")
        row.update(cadence="Weekly", period_start=f"{start}", period_end=f"{end}",
                   account_id=account_id, public_id=f"user-{i}",
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
    "zero": ({"zero": ("count",)}, "metric_zero", "count"),
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


def _seats(path, people: int):
    """Seats of ChatGPT Enterprise held by ``people`` people since December."""
    rows = [f"ChatGPT Enterprise,p{i}@example.com,2025-12-01" for i in range(people)]
    path.write_text("tool,email,assigned_on\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _overnight_fall(ws, tmp_path) -> int:
    """ChatGPT's active people fall from 50 to 11 between two weeks (-78%), while the
    generic usage of Copilot (40 people every day of both weeks) and the 60 seats hold."""
    ingest_file(ws, _seats(tmp_path / "seats.csv", 60))
    ingest_file(ws, _usage(tmp_path / "copilot_usage.csv", WEEK1, people=40, days=14))
    ingest_file(ws, _chatgpt(tmp_path / "chatgpt_week_1.csv", WEEK1, people=60, active=50))
    return ingest_file(ws, _chatgpt(tmp_path / "chatgpt_week_2.csv", WEEK2, people=60,
                                    active=11)).batch_id


def test_an_overnight_fall_in_one_source_with_the_others_steady_is_one_finding(
        workspace, tmp_path):
    batch = _overnight_fall(workspace, tmp_path)
    drift = _drift(workspace)
    assert len(drift) == 1, drift[["check", "column", "finding"]].to_string()
    row = drift.iloc[0]
    assert (row["batch_id"], row["file_name"], row["source"], row["check"]) == (
        batch, "chatgpt_week_2.csv", "chatgpt_user_analytics", "activity_fall")
    # 50 active in week 1, 11 in week 2: 11 / 50 - 1 = -78% (the rows written above)
    assert row["before"] == "50 active people in 2026-01-05 to 2026-01-11"
    assert row["after"] == "11 active people in 2026-01-12 to 2026-01-18 (-78%)"
    # the usage file's 40 people each week (+0%) and the 60 seats held at each week's end
    assert "usage Copilot active people 40 -> 40 (+0%)" in row["finding"]
    assert "ChatGPT Enterprise seats held at the period's end 60 -> 60 (+0%)" in row["finding"]
    assert (row["first_date"], row["last_date"]) == (pd.Timestamp(WEEK2),
                                                     pd.Timestamp("2026-01-18"))


def test_a_fall_the_other_sources_share_is_no_finding(workspace, tmp_path):
    """Copilot's usage falls with ChatGPT's in week 2 (all 40 people stop after week 1):
    that is a fall in use, not a changed export."""
    ingest_file(workspace, _seats(tmp_path / "seats.csv", 60))
    ingest_file(workspace, _usage(tmp_path / "copilot_week_1.csv", WEEK1, people=40, days=7))
    ingest_file(workspace, _usage(tmp_path / "copilot_week_2.csv", WEEK2, people=10, days=7))
    ingest_file(workspace, _chatgpt(tmp_path / "chatgpt_week_1.csv", WEEK1, people=60,
                                    active=50))
    ingest_file(workspace, _chatgpt(tmp_path / "chatgpt_week_2.csv", WEEK2, people=60,
                                    active=11))
    drift = _drift(workspace)
    # the usage source fell by 75% too (40 -> 10), with ChatGPT falling beside it
    assert drift.empty, drift[["check", "column", "finding"]].to_string()


def test_a_fall_with_nothing_to_compare_is_no_finding(workspace, tmp_path):
    ingest_file(workspace, _chatgpt(tmp_path / "chatgpt_week_1.csv", WEEK1, people=60,
                                    active=50))
    ingest_file(workspace, _chatgpt(tmp_path / "chatgpt_week_2.csv", WEEK2, people=60,
                                    active=11))
    assert _drift(workspace).empty


def test_the_finding_is_a_data_quality_finding_and_in_the_appendix_text(workspace, tmp_path):
    _pair(workspace, tmp_path, _chatgpt, rename={"gpt_messages": "custom_gpt_messages"})
    quality = build_data_quality(workspace)
    assert len(quality.drift) == 1
    rows = quality.findings[quality.findings["finding"].str.contains("export changed")]
    assert rows[["source", "rows"]].values.tolist() == [["chatgpt_user_analytics", 10]]
    finding = rows["finding"].iloc[0]
    assert "export_2.csv" in finding and "'gpt_messages' -> 'custom_gpt_messages'" in finding
    assert "map the column" in finding
    table = format_findings_table(quality).data
    assert table["Finding"].str.contains("custom_gpt_messages").sum() == 1
    assert "1 export(s) changed" in describe_data_quality(quality)


def test_the_finding_is_in_adoption_status(workspace, tmp_path, capsys):
    _pair(workspace, tmp_path, _usage, drop=("tokens",))
    assert main(["status", "--workspace", str(workspace.root)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long cells
    assert "export_2.csv (usage): column 'tokens' is missing" in out
    assert "what to check" in out


def test_the_finding_is_an_alert_of_its_period(workspace, tmp_path):
    _overnight_fall(workspace, tmp_path)
    alerts = build_alerts(workspace, period="2026-01")
    drift = alerts[alerts["rule"] == "export_drift"]
    assert len(drift) == 1
    row = drift.iloc[0]
    assert (row["severity"], row["level"], row["period"]) == ("high", "organisation", "2026-01")
    assert "chatgpt_week_2.csv" in row["message"]
    assert row["evidence"] == ("Before: 50 active people in 2026-01-05 to 2026-01-11. After: "
                               "11 active people in 2026-01-12 to 2026-01-18 (-78%).")
    # a period the file does not cover has none (the idle-spend rule is off: on main it fails
    # for a month without seat periods, a DuckDB binder error in load_seat_periods)
    later = build_alerts(workspace, period="2026-02", settings=AlertSettings(idle_spend_above=0))
    assert "export_drift" not in set(later["rule"])


def test_undo_of_the_batch_removes_its_profile_and_finding(workspace, tmp_path):
    batch = _pair(workspace, tmp_path, _chatgpt, blank=("gpt_messages",))
    assert len(_drift(workspace)) == 1
    with workspace.store() as store:
        removal = remove_batch(store, batch)
    assert removal.removed["export_columns"] == len(CHATGPT)
    assert removal.removed["export_activity"] == 1  # one week of the weekly export
    assert _drift(workspace).empty
    assert build_data_quality(workspace).drift.empty


def test_a_batch_that_fails_leaves_no_profile(workspace, tmp_path, monkeypatch):
    """The profile is written in the batch's transaction: a failure after it (here, when the
    canonical tables are rebuilt at the end of the transaction) leaves none behind."""
    import adoption.ingest.batch as batch

    ingest_file(workspace, _chatgpt(tmp_path / "export_1.csv", WEEK1))

    def fail(store, kind):
        raise IngestError("rebuild failed (test)")

    monkeypatch.setattr(batch, "_refresh", fail)
    with pytest.raises(IngestError, match="rebuild failed"):
        ingest_file(workspace, _chatgpt(tmp_path / "export_2.csv", WEEK2, drop=("gpt_messages",)))
    with workspace.store(read_only=True) as store:
        assert store.scalar("SELECT list(DISTINCT batch_id) FROM export_columns") == [1]
        assert store.scalar("SELECT list(DISTINCT batch_id) FROM export_activity") == [1]
    assert _drift(workspace).empty


@pytest.mark.parametrize("second", [
    # another tool's small export in the same generic source: Cursor, 3 people, week 2 only
    {"tool": "Cursor", "people": 3, "days": 7, "start": WEEK2},
    # the same export split by team: a second file of 10 of Copilot's people in week 2 (the
    # week's figure is the larger one, 40, not the later file's 10)
    {"tool": "Copilot", "people": 10, "days": 7, "start": WEEK2},
], ids=["other_tool", "split_export"])
def test_a_smaller_file_of_the_same_source_is_no_fall(workspace, tmp_path, second):
    ingest_file(workspace, _seats(tmp_path / "seats.csv", 60))
    ingest_file(workspace, _chatgpt(tmp_path / "chatgpt_week_1.csv", WEEK1, people=60))
    ingest_file(workspace, _chatgpt(tmp_path / "chatgpt_week_2.csv", WEEK2, people=60))
    ingest_file(workspace, _usage(tmp_path / "usage_1.csv", WEEK1, people=40, days=14))
    start = second.pop("start")
    ingest_file(workspace, _usage(tmp_path / "usage_2.csv", start, **second))
    assert _drift(workspace).empty, _drift(workspace)["finding"].tolist()


def test_the_demo_exports_give_one_finding_the_designed_blank_metric(demo_workspace):
    """The demo's consecutive monthly exports (ChatGPT, Microsoft 365, GitHub, generic usage
    of two tools in three files) keep their layout and their figures move slowly, except the
    designed silent change: the last ChatGPT export's tool messages come back blank
    (adoption.demo.vendors_chatgpt.BLANK_METRIC). Exactly that one finding, in the data-quality
    view and in the rendered report's appendix."""
    from bs4 import BeautifulSoup

    from adoption.demo import DEMO_STORY
    from adoption.demo.vendors_chatgpt import BLANK_METRIC
    from adoption.vendors.quality import build_data_quality

    drift = _drift(demo_workspace)
    last = f"chatgpt_users_monthly_{DEMO_STORY.months[-1]}.csv"
    assert len(drift) == 1, drift["finding"].tolist()
    found = drift.iloc[0]
    assert (found["check"], found["column"]) == ("metric_blank", BLANK_METRIC)
    assert found["file_name"] == last
    findings = build_data_quality(demo_workspace).findings
    assert findings["finding"].astype(str).str.contains(BLANK_METRIC).any()
    report = sorted(demo_workspace.reports_dir.glob("adoption_*.html"))[-1]
    text = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser").get_text(" ")
    appendix = text[text.index("Appendix: data quality"):]
    assert BLANK_METRIC in appendix and last in appendix
    with demo_workspace.store(read_only=True) as store:  # and they were profiled
        profiled = store.scalar("SELECT list(DISTINCT source ORDER BY source) "
                                "FROM export_activity")
    # the demo's sources with people active per day or window (adoption.demo.build)
    assert profiled == ["chatgpt_user_analytics", "github_copilot_user_metrics",
                        "m365_copilot_chat_csv", "m365_copilot_usage_csv", "usage",
                        "viva_person_query"]


def test_identifier_columns_are_never_profiled_as_metrics(workspace, tmp_path):
    """A numeric account id is not a metric: no median of it is kept (a one-row file's median
    is the id itself), and its coming back blank is no metric finding."""
    ingest_file(workspace, _chatgpt(tmp_path / "export_1.csv", WEEK1, account_id="4711"))
    ingest_file(workspace, _chatgpt(tmp_path / "export_2.csv", WEEK2, account_id=""))
    with workspace.store(read_only=True) as store:
        kept = store.query("SELECT column_name, median FROM export_columns WHERE batch_id = 1")
    medians = kept.set_index("column_name")["median"]
    assert pd.isna(medians["account_id"]) and medians["messages"] == 14.5  # 10..19: 14.5
    assert _drift(workspace).empty


def test_a_usage_file_is_profiled_from_its_staged_rows(workspace, tmp_path):
    """The count column's figures come from the loader's staged rows (no second read):
    8 people x 14 days, person i counting 1 + i % 3."""
    ingest_file(workspace, _usage(tmp_path / "usage.csv", WEEK1))
    with workspace.store(read_only=True) as store:
        rows = store.query("SELECT * FROM export_columns ORDER BY position")
    assert rows["column_name"].tolist() == ["timestamp", "email", "tool", "feature", "count",
                                            "tokens"]
    count = rows.set_index("column_name").loc["count"]
    # 112 rows; counts 1, 2, 3, 1, 2, 3, 1, 2 per day: 48 ones, 32 twos, 32 threes; the
    # 56th of 112 sorted values is a 2
    assert (count["rows"], count["blank_rows"], count["zero_rows"], count["numeric_rows"],
            count["median"]) == (112, 0, 0, 112, 2.0)
    assert rows.set_index("column_name").loc["tokens", "numeric_rows"] is pd.NA


def test_a_fall_of_a_handful_of_people_is_no_finding(workspace, tmp_path):
    """19 -> 4 active people (-79%) is below the 20 people a fall is checked from."""
    ingest_file(workspace, _seats(tmp_path / "seats.csv", 60))
    ingest_file(workspace, _usage(tmp_path / "copilot_usage.csv", WEEK1, people=40, days=14))
    ingest_file(workspace, _chatgpt(tmp_path / "chatgpt_week_1.csv", WEEK1, people=60,
                                    active=19))
    ingest_file(workspace, _chatgpt(tmp_path / "chatgpt_week_2.csv", WEEK2, people=60,
                                    active=4))
    assert _drift(workspace).empty
    with workspace.store(read_only=True) as store:  # with the threshold at 19: a finding
        assert len(load_export_drift(store, min_people=19)) == 1


def test_each_drift_alert_is_new_ongoing_or_resolved_on_its_own():
    """Two files' drift alerts share rule and level: the executive page tells them apart by
    their message (the file and the change)."""
    from adoption.governance.executive import alert_status

    cols = ["rule", "severity", "level", "department", "team", "period", "message"]

    def alerts(*messages):
        return pd.DataFrame([("export_drift", "medium", "organisation", None, None, "2026-02",
                              m) for m in messages], columns=cols)

    out = alert_status(alerts("b.csv changed", "c.csv changed"),
                       alerts("a.csv changed", "b.csv changed"))
    assert dict(zip(out["message"], out["status"], strict=True)) == {
        "b.csv changed": "ongoing", "c.csv changed": "new", "a.csv changed": "resolved"}
