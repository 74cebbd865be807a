"""Tests of the ChatGPT Enterprise GPT engagement reader (:mod:`adoption.vendors.chatgpt_gpts`)
and of the newer user-engagement columns (:mod:`adoption.vendors.chatgpt`).

Fixtures: tests/fixtures/vendors/chatgpt/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

import adoption
from adoption.ingest.batch import ingest_file
from adoption.ingest.formats import detect_format
from adoption.vendors.chatgpt_gpts import load_chatgpt_gpts

CG = Path(__file__).parent / "fixtures" / "vendors" / "chatgpt"
GPTS = CG / "chatgpt_gpts_monthly_2026-01.csv"
D = dt.date


def _rows(ws: adoption.Workspace, sql: str, params=None) -> list[tuple]:
    with ws.store(read_only=True) as store:
        return store.con.execute(sql, params or []).fetchall()


def test_gpt_engagement_rows_are_kept_with_the_creator_pseudonymised(workspace):
    assert detect_format(GPTS).name == "chatgpt_gpt_analytics"
    r = ingest_file(workspace, GPTS)
    # 5 rows: three GPTs kept; an empty gpt_id and 5 messagers of 2 messages rejected
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 3, 2)
    assert (r.first_date, r.last_date) == (D(2026, 1, 1), D(2026, 1, 31))
    rows = {scope: json.loads(detail) for scope, detail in _rows(
        workspace, "SELECT scope, detail FROM vendor_records WHERE source = "
                   "'chatgpt_gpt_analytics'")}
    contract = rows["g-Ab12Cd34"]
    assert contract["messages_workspace"] == "120" and contract["gpt_name"] == "Contract Reviewer"
    assert "gpt_creator_email" not in contract and "gpt_creator_public_id" not in contract
    # the keyed hash of the e-mail, as the roster's person id would be (case folded)
    assert contract["gpt_creator_id"] == workspace.pseudonymise(["ann@example.com"])[0]
    text = json.dumps(_rows(workspace, "SELECT * FROM vendor_records"), default=str)
    assert "example.com" not in text.lower()
    assert _rows(workspace, "SELECT count(*) FROM activity_periods") == [(0,)]  # no person


def test_load_chatgpt_gpts_hides_a_gpt_of_few_people(workspace):
    ingest_file(workspace, GPTS)
    gpts = load_chatgpt_gpts(workspace).set_index("gpt_id")
    assert "gpt_creator_id" not in gpts.columns
    # 9 distinct messagers >= 5 (the default threshold): shown as in the fixture
    assert (gpts.loc["g-Ab12Cd34", "messages"], gpts.loc["g-Ab12Cd34", "unique_messagers"]) \
        == (120, 9)
    assert gpts.loc["g-Ef56Gh78", "hidden"] and pd.isna(gpts.loc["g-Ef56Gh78", "messages"])


def test_newer_user_engagement_columns_are_kept_but_credits(workspace):
    path = CG / "chatgpt_users_monthly_2026-02_newer.csv"
    assert detect_format(path).name == "chatgpt_user_analytics"
    r = ingest_file(workspace, path)
    assert r.rows_loaded == 1
    (events, detail), = _rows(workspace, "SELECT events, detail FROM activity_periods")
    detail = json.loads(detail)
    assert events == 60  # messages
    assert detail["groups"] == ["Engineering", "AI champions"]
    assert detail["model_to_messages"] == {"gpt-5": 45, "o3": 15}
    assert detail["tool_to_messages"] == {"web_search": 7, "python": 2}
    assert (detail["project_messages"], detail["projects_created"]) == (12, 1)
    assert detail["seat_type"] == "enterprise"  # a column this reader does not know, kept
    assert not any("credit" in k for k in detail)  # usage-based spend: another reader
    assert not {"email", "name", "public_id", "account_id"} & set(detail)
