"""Tests of the discovery readers: Squid access.log, proxy/DNS/SSO CSVs, and their ingest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import adoption
from adoption.discovery.squid import parse_squid_line
from adoption.errors import ColumnNotFoundError, IngestError
from adoption.ingest.formats import detect_format, registered_formats, sniff_file

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
SQUID = FIXTURES / "access_2026-01.log"


# --- the Squid parser on real-format lines ------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    # the brief's example: CONNECT tunnel, host:port, a user
    ("1767225600.123    245 10.0.0.12 TCP_TUNNEL/200 5123 CONNECT chatgpt.com:443 alice "
     "HIER_DIRECT/104.18.32.47 -",
     {"client": "10.0.0.12", "host": "chatgpt.com", "user": "alice", "status": 200,
      "bytes": 5123, "blocked": False, "skip": False}),
    # IPv6 client, denied, no user
    ("1767225601.500     12 2001:db8::7 TCP_DENIED/403 3900 CONNECT claude.ai:443 - "
     "HIER_NONE/- text/html",
     {"client": "2001:db8::7", "host": "claude.ai", "user": None, "status": 403,
      "blocked": True}),
    # a client that went away before the headers: no host at all
    ("1767225602.000      0 10.0.0.13 NONE_NONE/000 0 - error:transaction-end-before-headers "
     "- HIER_NONE/- -",
     {"host": None, "status": 0, "blocked": False}),
    ("1767225604.000    100 10.0.0.14 TCP_MISS_ABORTED/000 0 POST "
     "https://api.openai.com/v1/chat EXAMPLE%5Cbob HIER_DIRECT/1.2.3.4 -",
     {"host": "api.openai.com", "user": "EXAMPLE%5Cbob", "status": 0}),
    ("1767225605.000      5 fe80::1%eth0 TAG_NONE/503 0 CONNECT gemini.google.com:443 - "
     "HIER_NONE/- -",
     {"client": "fe80::1%eth0", "host": "gemini.google.com", "status": 503}),
    # proxy authentication challenge: counted, not a request of its own
    ("1767225606.000      5 10.0.0.15 TCP_DENIED/407 3900 CONNECT gemini.google.com:443 - "
     "HIER_NONE/- text/html",
     {"status": 407, "skip": True}),
    # a request to an IPv6 literal, full URL
    ("1767225607.000      5 10.0.0.15 TCP_MISS/200 10 GET http://[2001:db8::1]:8080/x - "
     "HIER_DIRECT/2001:db8::1 text/plain",
     {"host": "2001:db8::1"}),
    # old logs without the user and peer fields
    ("1767225608.000 5 10.0.0.15 TCP_HIT/200 10 GET http://example.org/", {"user": None}),
])
def test_parse_squid_line(line, expected):
    parsed = parse_squid_line(line)
    assert parsed is not None
    for key, value in expected.items():
        assert parsed[key] == value, key


@pytest.mark.parametrize("line", [
    "this line is not a squid line",
    "1767225600.123 10 10.0.0.1 TCP_MISS",
    "2026-01-01T00:00:00 10 10.0.0.1 TCP_MISS/200 10 GET http://x/ - HIER_NONE/- -",
])
def test_parse_squid_line_rejects(line):
    assert parse_squid_line(line) is None


# --- sniffing: each file claimed by exactly its own format ---------------------------------


@pytest.fixture
def generic_files(tmp_path, files) -> dict[str, Path]:
    """Generic roster/usage files of conftest plus the seats and tools fixtures."""
    return {**files, "seats": FIXTURES / "seats.csv", "tools": FIXTURES / "tools.csv",
            "roster_plain": FIXTURES / "roster.csv", "usage_plain": FIXTURES / "usage.csv"}


@pytest.mark.parametrize(("name", "fmt"), [
    ("access_2026-01.log", "squid_access_log"),
    ("proxy_2026-02.csv", "proxy_csv"),
    ("dns_2026-02.csv", "dns_csv"),
    ("oauth_grants.csv", "sso_grants_csv"),
])
def test_each_fixture_claimed_by_its_format_only(name, fmt):
    path = FIXTURES / name
    found = detect_format(path)  # raises if two formats claim it
    assert found is not None and found.name == fmt
    sniff = sniff_file(path)
    for other in ("squid_access_log", "proxy_csv", "dns_csv", "sso_grants_csv"):
        if other != fmt:
            assert not registered_formats()[other].sniff(sniff), other


def test_generic_tables_are_not_claimed(generic_files):
    ours = [registered_formats()[n] for n in ("squid_access_log", "proxy_csv", "dns_csv",
                                              "sso_grants_csv")]
    for path in generic_files.values():
        sniff = sniff_file(path)
        assert not any(f.sniff(sniff) for f in ours), path.name


def test_squid_log_as_txt_is_claimed(tmp_path):
    path = tmp_path / "access.txt"
    shutil.copy(SQUID, path)
    assert detect_format(path).name == "squid_access_log"


# --- ingest ---------------------------------------------------------------------------------

def _rows(ws: adoption.Workspace, table: str) -> pd.DataFrame:
    return ws.load(table)


def test_squid_ingest_counts_and_rows(workspace):
    result = adoption.ingest_file(workspace, SQUID)
    # 16 lines: 14 parse (11 to AI hosts, 2 not AI, 1 status 407), 2 do not
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (16, 14, 2, 0)
    days = _rows(workspace, "discovery_days")
    assert days[["rows_total", "rows_ai", "rows_not_ai", "rows_device_only"]].sum().tolist() \
        == [14, 11, 2, 2]
    d = _rows(workspace, "discovery")
    by_service = d.groupby("service")["requests"].sum().to_dict()
    # ChatGPT: a1 + a3; Claude: a4 x3 + zed; Gemini: b1 x2 (one 403); Perplexity: 200 + 503
    # on a device (the 407 is not a request); api.anthropic.com -> Anthropic API
    assert by_service == {"ChatGPT": 2, "Claude": 4, "Gemini": 2, "Perplexity": 2,
                          "Anthropic API": 1}
    assert int(d.loc[d["service"] == "Gemini", "blocked"].sum()) == 1
    device = d[d["person_id"].isna()]
    assert device["service"].tolist() == ["Perplexity"] and device["device_id"].notna().all()
    assert d.loc[d["person_id"].notna(), "device_id"].isna().all()
    # b1 wrote "B1@Example.com" and "b1@example.com": one person, one row of 2 requests
    b1 = workspace.pseudonymise(["b1@example.com"])[0]
    assert d.loc[d["person_id"] == b1, "requests"].tolist() == [2]
    # the percent-encoded user a4%40example.com is a4@example.com
    a4 = workspace.pseudonymise(["a4@example.com"])[0]
    assert d.loc[d["person_id"] == a4, "requests"].tolist() == [3]
    # days are local (Europe/Berlin): 2026-01-12T09:00Z is 2026-01-12
    assert str(d["day"].min())[:10] == "2026-01-12"


def test_rejects_have_reasons_and_no_identifiers(workspace):
    adoption.ingest_file(workspace, SQUID)
    rejects = _rows(workspace, "rejects")
    assert rejects["row_number"].tolist() == [15, 16]
    assert rejects["reason"].str.contains("Squid's native access.log layout").all()
    assert not rejects["raw"].fillna("").str.contains("10.0.0.1 ").any()


def test_proxy_csv_ingest(workspace):
    result = adoption.ingest_file(workspace, FIXTURES / "proxy_2026-02.csv")
    # 14 rows: 11 good (10 AI, 1 wikipedia), rejected: 'yesterday', no user nor device, -5
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (14, 11, 3, 0)
    reasons = _rows(workspace, "rejects").set_index("row_number")["reason"]
    assert "not an ISO 8601 timestamp" in reasons[12]
    assert "neither a user nor a device" in reasons[13]
    assert "whole number" in reasons[14]
    raw = _rows(workspace, "rejects")["raw"].str.cat()
    assert "a2@example.com" not in raw and "(redacted)" in raw
    d = _rows(workspace, "discovery")
    assert d.groupby("service")["requests"].sum().to_dict() == {
        "ChatGPT": 2, "Claude": 3, "DeepSeek": 2, "Gemini": 2, "Midjourney": 1}
    assert int(d["blocked"].sum()) == 1  # the 'blocked' action on chat.deepseek.com
    # bytes: a5's empty value stays missing; a6: 0 + 500
    a6 = workspace.pseudonymise(["a6@example.com"])[0]
    assert d.loc[d["person_id"] == a6, "bytes"].tolist() == [500]
    a5 = workspace.pseudonymise(["a5@example.com"])[0]
    assert d.loc[d["person_id"] == a5, "bytes"].isna().all()
    # "2026-02-03T10:05:00+01:00" and local "2026-02-04 09:00:00" are Berlin days
    a4 = workspace.pseudonymise(["a4@example.com"])[0]
    assert str(d.loc[d["person_id"] == a4, "day"].iloc[0])[:10] == "2026-02-03"


def test_dns_csv_ingest(workspace):
    result = adoption.ingest_file(workspace, FIXTURES / "dns_2026-02.csv")
    # 4 rows: the last one names no client -> rejected; www.example.com is not AI
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    d = _rows(workspace, "discovery")
    assert sorted(d["service"]) == ["ChatGPT", "DeepSeek"]
    assert d["person_id"].isna().all()  # DNS logs here know devices only
    assert int(d.loc[d["service"] == "DeepSeek", "blocked"].iloc[0]) == 1  # NXDOMAIN


def test_sso_grants_ingest(workspace):
    result = adoption.ingest_file(workspace, FIXTURES / "oauth_grants.csv")
    # 5 rows: a repeated Otter.ai grant (duplicate), Zoom (not AI, loaded as counted),
    # ChatGPT Connector (ChatGPT), a row without user (rejected)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (5, 3, 1, 1)
    grants = _rows(workspace, "oauth_grants").sort_values("service")
    assert grants["service"].tolist() == ["ChatGPT", "Otter.ai"]
    assert grants["app"].tolist() == ["ChatGPT Connector", "Otter.ai"]
    assert "calendar.readonly" in grants["scopes"].iloc[1]
    d = _rows(workspace, "discovery")
    assert sorted(d["source"]) == ["sso_grants_csv", "sso_grants_csv"]
    # again: every grant is now a duplicate (same content is caught even earlier, by hash)
    copy = workspace.root.parent / "grants_again.csv"
    copy.write_text((FIXTURES / "oauth_grants.csv").read_text() + "\n", encoding="utf-8")
    again = adoption.ingest_file(workspace, copy)
    assert (again.rows_loaded, again.rows_duplicate) == (1, 3)  # Zoom is counted again


def test_reingest_is_idempotent(workspace):
    adoption.ingest_file(workspace, SQUID)
    with workspace.store(read_only=True) as store:
        before = store.fingerprint()
    again = adoption.ingest_file(workspace, SQUID)
    assert again.already_ingested
    with workspace.store(read_only=True) as store:
        assert store.fingerprint() == before


def test_overlapping_logs_count_as_duplicates(workspace, tmp_path):
    adoption.ingest_file(workspace, SQUID)
    lines = SQUID.read_text().splitlines()
    jan15 = [ln for ln in lines if ln.startswith("17684")]  # 2026-01-15 12:00-12:32 UTC
    assert len(jan15) == 4
    later = "1768482000.000 10 10.0.0.3 TCP_TUNNEL/200 10 CONNECT claude.ai:443 a3@example.com " \
            "HIER_DIRECT/1.2.3.4 -"  # 2026-01-15 13:00 UTC: after the span already loaded
    path = tmp_path / "access_overlap.log"
    path.write_text("\n".join([*jan15, later]) + "\n")
    result = adoption.ingest_file(workspace, path)
    # the 4 lines inside the loaded span are duplicates; the rotated-on line is new
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate) == (5, 1, 4)
    d = _rows(workspace, "discovery")
    assert int(d.loc[d["service"] == "Perplexity", "requests"].sum()) == 2  # not doubled


def test_failed_batch_leaves_store_unchanged(workspace, tmp_path):
    adoption.ingest_file(workspace, SQUID)
    with workspace.store(read_only=True) as store:
        before = store.fingerprint()
    path = tmp_path / "all_bad.log"
    path.write_text("not squid\nalso not squid\n")
    with pytest.raises(IngestError, match="every one of its 2 rows was rejected"):
        adoption.ingest_file(workspace, path, source_format="squid_access_log")
    with workspace.store(read_only=True) as store:
        assert store.fingerprint() == before


def test_forced_format_names_missing_columns(workspace):
    with pytest.raises(ColumnNotFoundError) as err:
        adoption.ingest_file(workspace, FIXTURES / "roster.csv", source_format="proxy_csv")
    message = str(err.value)
    assert "'timestamp'" in message and "'host'" in message and "Columns found" in message
    assert "'email'" in message  # the columns found are listed
    with workspace.store(read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM ingest_log") == 0
