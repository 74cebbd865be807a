"""The data-quality view: per-source counts, unmatched identities, gaps and findings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import refresh_store

import adoption
from adoption.ingest import ingest_file
from adoption.vendors.quality import (
    build_data_quality,
    describe_data_quality,
    format_findings_table,
    format_quality_table,
    mask_reason,
)

ROSTER = """email,team,department,start_date,end_date,as_of
ann@example.com,Alpha,Eng,2025-01-01,,2026-01-01
bob@example.com,Alpha,Eng,2025-01-01,2026-01-10,2026-01-01
cat@example.com,Beta,Eng,2026-01-20,,2026-01-01
"""
# file 1 covers 01-02 .. 01-10, file 2 covers 01-15 .. 01-20: 01-11 .. 01-14 is a gap
USAGE_1 = """timestamp,email,tool,count
2026-01-02T10:00:00Z,ann@example.com,Copilot,1
2026-01-03T10:00:00Z,stranger@gmail.com,Copilot,2
2026-01-05T10:00:00Z,bob@example.com,Copilot,1
2026-01-10T10:00:00Z,ann-gh,Copilot,1
2026-01-06T10:00:00Z,ann@example.com,Copilot,x
"""
USAGE_2 = """timestamp,email,tool,count
2026-01-15T10:00:00Z,bob@example.com,Copilot,1
2026-01-16T10:00:00Z,cat@example.com,Copilot,1
2026-01-20T10:00:00Z,contractor@vendor.example,Copilot,1
2026-01-17T10:00:00Z,contractor@vendor.example,Copilot,-3
"""
MAPPING = "email,identifier,system\nann@example.com,ann-gh,github\n"


@pytest.fixture
def loaded(workspace, tmp_path):
    for name, text in (("roster.csv", ROSTER), ("usage1.csv", USAGE_1), ("usage2.csv", USAGE_2),
                       ("ids.csv", MAPPING)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        ingest_file(workspace, tmp_path / name)
    return workspace


def test_per_source_counts_match_a_hand_count(loaded):
    with loaded.store(read_only=True) as store:
        dq = build_data_quality(store)
    s = dq.sources.set_index("source")
    assert list(s.index) == ["roster", "usage", "identities_mapping"]
    use = s.loc["usage"]
    # two files; 9 rows read, 2 rejected (count 'x', count -3)
    assert (use.files, use.rows_read, use.rows_loaded, use.rows_rejected) == (2, 9, 7, 2)
    assert str(use.first_date)[:10] == "2026-01-02" and str(use.last_date)[:10] == "2026-01-20"
    # identities with rows: Ann (e-mail and ann-gh resolve to her), Bob, Cat, the stranger,
    # the contractor. Matched: Ann, Bob (01-05, before leaving 01-10), Cat (joined 01-20?
    # no: her only use is 01-16, before she joined -> outside employment). Bob's 01-15 use
    # is after leaving, but his 01-05 use counts, so he is matched.
    assert (use.identities, use.matched, use.unmatched, use.outside_employment) == (5, 2, 2, 1)
    assert use.unmatched_rows == 2  # the stranger's and the contractor's loaded rows
    # gap: no file covers 01-11 .. 01-14
    assert use.gap_days == 4 and use.gaps == "2026-01-11 to 2026-01-14 (4 days)"
    assert dq.gaps[["days", "periods"]].to_dict("records") == [{"days": 4, "periods": "4 days"}]
    # days inside the covered ranges without a row: 01-02..01-10 has rows on 02, 03, 05, 10
    # (9 days, 5 empty); 01-15..01-20 has 15, 16, 20 (6 days, 3 empty; 01-17 was rejected)
    assert use.days_without_rows == 8
    assert pd_isna(s.loc["roster", "gap_days"])  # a roster is a snapshot, not a time series
    assert use.findings == 2


def pd_isna(v):
    import pandas as pd

    return pd.isna(v)


def test_findings_group_masked_reasons_and_hold_no_identifier(loaded):
    with loaded.store(read_only=True) as store:
        dq = build_data_quality(store)
    f = dq.findings
    assert set(f["source"]) == {"usage"} and f["rows"].sum() == 2
    assert all("'…'" in x for x in f["finding"])
    text = "\n".join(frame.to_csv() for frame in (dq.sources, dq.gaps, dq.findings,
                                                  dq.conflicts))
    text += describe_data_quality(dq)
    text += format_quality_table(dq).to_html() + format_findings_table(dq).to_html()
    for who in ("@example.com", "stranger@", "contractor@", "ann-gh"):
        assert who not in text.lower()
    for h in loaded.pseudonymise(["ann@example.com", "stranger@gmail.com", "ann-gh"]):
        assert h not in text


def test_mask_reason_masks_values():
    # values quoted by a reason, e-mail addresses and dates are masked so that reasons group
    assert mask_reason("column count: value 'x' is not a whole number") == \
        "column count: value '…' is not a whole number"
    assert mask_reason('user "ann@example.com" twice') == 'user "…" twice'
    assert mask_reason("ann@example.com on 2026-01-05") == "… on DATE"


def test_describe_and_tables_read_plainly(loaded):
    with loaded.store(read_only=True) as store:
        dq = build_data_quality(store)
    text = describe_data_quality(dq)
    assert "3 source(s), 4 file(s)" in text
    assert "2 in Usage events (generic)" in text  # unmatched identities
    assert ("Periods no file covers: Usage events (generic): 2026-01-11 to 2026-01-14 (4 days)"
            in text)
    table = format_quality_table(dq).data.set_index("Source")
    assert table.loc["Usage events (generic)", "Missing"] == "2026-01-11 to 2026-01-14 (4 days)"
    assert table.loc["Usage events (generic)", "Unmatched identities"] == "2"


def test_status_command_shows_the_view(loaded, capsys):
    from adoption.cli import main

    assert main(["status", "--workspace", str(loaded.root)]) == 0
    out = capsys.readouterr().out
    assert "Usage events (generic)" in out and "Unmatched identities:  2" in out
    assert "Missing:               2026-01-11 to 2026-01-14 (4 days)" in out
    assert "Data-quality findings" in out and "not in the roster" in out
    assert "example.com" not in out and "stranger" not in out


def test_empty_workspace(tmp_path):
    ws = adoption.init_workspace(tmp_path / "empty")
    with ws.store(read_only=True) as store:
        dq = build_data_quality(store)
    assert dq.sources.empty and describe_data_quality(dq) == "No data has been loaded yet."
    assert Path(ws.root).is_dir()


def test_gaps_of_window_sources_are_told_in_their_own_grain(workspace):
    ws = workspace
    [ann] = ws.pseudonymise(["ann@example.com"])
    months = {1: ("2026-01-01", "2026-01-31"), 3: ("2026-03-01", "2026-03-31")}  # no February
    weeks = {4: ("2026-01-05", "2026-01-11"), 5: ("2026-01-26", "2026-02-01")}  # 2 weeks gap
    with ws.store() as store:
        for b, (lo, hi) in {**months, **weeks}.items():
            fmt = "chatgpt_user_analytics" if b in months else "viva_person_query"
            store.con.execute("INSERT INTO ingest_log VALUES (?, 'f', ?, 'activity', ?, now(), "
                              "1, 1, 0, 0, ?, ?, NULL)", [b, f"h{b}", fmt, lo, hi])
            store.con.execute("INSERT INTO activity_periods VALUES (?, 'T', 'x', ?, ?, true, "
                              "NULL, 1, NULL, NULL, ?)", [ann, lo, hi, b])
        refresh_store(store)  # staged directly: the canonical tables are rebuilt by hand
        dq = build_data_quality(store)
    gaps = dq.gaps.set_index("source")
    # hand count: February is 28 days = 1 month; 01-12 .. 01-25 is 14 days = 2 weeks
    assert gaps.loc["chatgpt_user_analytics", "periods"] == "1 month"
    assert gaps.loc["chatgpt_user_analytics", "days"] == 28
    assert gaps.loc["viva_person_query", "periods"] == "2 weeks"
    assert str(gaps.loc["viva_person_query", "gap_start"])[:10] == "2026-01-12"


def test_a_workspace_or_its_folder_gives_the_same_view(loaded):
    """The explore notebook's one call: the workspace, opened read-only for the duration."""
    with loaded.store(read_only=True) as store:
        expected = build_data_quality(store)
    for source in (loaded, str(loaded.root)):
        got = build_data_quality(source)
        pd.testing.assert_frame_equal(got.sources, expected.sources)
        pd.testing.assert_frame_equal(got.findings, expected.findings)
