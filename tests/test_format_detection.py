"""A file of one format is never mistaken for another.

Every fixture under ``tests/fixtures/`` (found when the tests run) and the generic CSVs of
``tests/conftest.py`` is held against every registered sniffer: exactly the expected format
may claim it, or none for generic tables (roster, usage, seats, tools) and files that are not
inputs (instruments, mappings, notebooks). A new fixture without an entry in
:data:`EXPECTED` fails the test, so that whoever adds a format or a fixture states which
format must claim it.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from adoption.ingest.formats import detect_format, registered_formats, sniff_file

FIXTURES = Path(__file__).parent / "fixtures"

#: (glob pattern relative to tests/fixtures, expected format or None); first match wins.
EXPECTED: list[tuple[str, str | None]] = [
    ("broken_report.ipynb", None),
    ("*README.md", None),  # where each fixture's layout comes from
    # vendors
    ("vendors/identity/identities*.csv", "identities_mapping"),
    ("vendors/identity/identities*.yaml", "identities_mapping"),
    ("vendors/identity/*", None),
    ("vendors/github/seats_*.json", "github_copilot_seats"),
    ("vendors/github/copilot_metrics_*.json", "github_copilot_metrics"),
    ("vendors/github/metrics_renamed_*.json", "github_copilot_metrics"),  # refused on load
    ("vendors/github/copilot_users_report*.ndjson", "github_copilot_user_metrics"),
    ("vendors/github/users_*_report_links.json", "github_copilot_user_metrics"),
    ("vendors/github/users_*_links.json", "github_copilot_user_metrics"),
    ("vendors/github/copilot_user_teams*.ndjson", "github_copilot_user_teams"),
    ("vendors/github/premium_request_usage*.csv", "github_premium_request_usage"),
    ("vendors/github/copilot_org_report_*.ndjson", "github_copilot_usage_aggregates"),
    ("vendors/github/copilot_enterprise_report_*.ndjson", "github_copilot_usage_aggregates"),
    ("vendors/github/copilot_users_28_day_*.ndjson", "github_copilot_users_28_day"),
    ("vendors/microsoft/copilot_usage_*.csv", "m365_copilot_usage_csv"),
    ("vendors/microsoft/copilot_user_last_activity_*.csv", "m365_copilot_last_activity_csv"),
    ("vendors/microsoft/copilot_usage_*.json", "m365_copilot_usage_json"),
    ("vendors/microsoft/copilot_chat_usage_*.csv", "m365_copilot_chat_csv"),
    ("vendors/microsoft/agents_*.csv", "m365_copilot_agents_csv"),
    ("vendors/viva/person_query_*.csv", "viva_person_query"),
    ("vendors/chatgpt/chatgpt_users_*.csv", "chatgpt_user_analytics"),
    ("vendors/chatgpt/chatgpt_gpts_*.csv", "chatgpt_gpt_analytics"),
    ("vendors/chatgpt/chatgpt_renamed_*.csv", None),  # renamed columns: force --format
    ("vendors/directory/exportUsers_*.csv", "entra_users_csv"),
    ("vendors/directory/entra_users_*.csv", "entra_users_csv"),
    ("vendors/directory/hr_report*.csv", None),  # hr_report is only ever forced
    ("vendors/directory/hr_mapping*", None),
    # the person-day files of `adoption rollup`
    ("rollup/person_days_*.parquet", "usage_person_days"),
    # surveys
    ("surveys/qualtrics_*.csv", "qualtrics_csv"),
    ("surveys/surveymonkey_*.csv", "surveymonkey_csv"),
    ("surveys/google_forms_*.csv", "google_forms_csv"),
    ("surveys/ms_forms_*.xlsx", "microsoft_forms_xlsx"),
    ("surveys/generic_*.csv", "survey_csv"),
    ("surveys/generic_*.xlsx", "survey_xlsx"),
    ("surveys/header_only.csv", "survey_csv"),
    ("surveys/unmatched_column.csv", "survey_csv"),
    ("surveys/*", None),  # instruments, mappings, and files that must be refused
    # discovery
    ("discovery/access_*.log", "squid_access_log"),
    ("discovery/dns_*.csv", "dns_csv"),
    ("discovery/proxy_*.csv", "proxy_csv"),
    ("discovery/oauth_grants*.csv", "sso_grants_csv"),
    # outcomes: the use-case registers are not inputs; every KPI layout is outcome_kpis
    ("outcomes/usecases.*", None),
    ("outcomes/*_monthly.csv", "outcome_kpis"),
    ("outcomes/*_weekly.csv", "outcome_kpis"),
    ("outcomes/*_quarterly.csv", "outcome_kpis"),
    ("outcomes/*_daily.csv", "outcome_kpis"),
    ("outcomes/rejects_kpis.csv", "outcome_kpis"),
    # generic tables (roster, seats, tools, usage) of any part's fixtures: never a format
    ("*/roster.csv", None),
    ("*/seats.csv", None),
    ("*/tools.csv", None),
    ("*/usage.csv", None),
]

#: Generic tables (as written by tests/conftest.py and by users): never claimed by a format.
GENERIC = {
    "conftest_roster.csv": None,
    "conftest_usage.csv": None,
    "seats.csv": "tool,email,assigned_on,removed_on\nCopilot,a@example.com,2025-12-01,\n",
    "tools.csv": "tool,vendor,category,sanctioned,monthly_seat_cost,currency\n"
                 "Copilot,GitHub,coding assistant,true,19,USD\n",
    "roster_minimal.csv": "email,team,department,start_date,end_date,as_of\n"
                          "ann@example.com,Alpha,Eng,2025-01-01,,2026-01-01\n",
    "usage_minimal.csv": "timestamp,email,tool,count\n2026-01-05T10:00:00Z,a@example.com,X,1\n",
}


def _fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _expected(path: Path) -> tuple[bool, str | None]:
    rel = path.relative_to(FIXTURES).as_posix()
    for pattern, name in EXPECTED:
        if fnmatch.fnmatchcase(rel, pattern):
            return True, name
    return False, None


def _claims(path: Path) -> list[str]:
    sniff = sniff_file(path)
    out = []
    for fmt in registered_formats().values():
        if sniff.suffix not in fmt.suffixes:
            continue
        try:
            if fmt.sniff(sniff):
                out.append(fmt.name)
        except Exception:  # noqa: BLE001 - a failing sniffer claims nothing (as in detection)
            continue
    return sorted(out)


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture_is_claimed_by_exactly_the_expected_format(path):
    known, expected = _expected(path)
    rel = path.relative_to(FIXTURES).as_posix()
    assert known, (f"{rel}: no expectation; add a pattern to EXPECTED in "
                   f"tests/test_format_detection.py (claimed now by {_claims(path)})")
    claims = _claims(path)
    if expected is None:
        assert claims == [], f"{rel} must not be claimed by a format; claimed by {claims}"
        assert detect_format(path) is None
    else:
        assert claims == [expected], f"{rel}: expected only {expected!r}; claimed by {claims}"
        assert detect_format(path).name == expected


@pytest.mark.parametrize("name", sorted(GENERIC))
def test_generic_tables_are_claimed_by_no_format(name, tmp_path):
    import conftest

    text = GENERIC[name] or {"conftest_roster.csv": conftest.ROSTER_JAN,
                             "conftest_usage.csv": conftest.USAGE}[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert _claims(path) == [] and detect_format(path) is None


def test_every_format_has_a_fixture_it_claims():
    """A sniffer no fixture exercises is untested (``hr_report`` is only ever forced)."""
    claimed = {name for _, name in EXPECTED if name}
    never_detected = {"hr_report"}
    # formats whose part has no fixture file yet (reported to the coordinator; remove the
    # name here once a fixture exists, and this test then holds it like the others)
    no_fixture_yet: set[str] = set()
    missing = set(registered_formats()) - claimed - never_detected - no_fixture_yet
    assert not missing, f"formats without a fixture in EXPECTED: {sorted(missing)}"


def test_every_expectation_matches_a_fixture():
    rels = [p.relative_to(FIXTURES).as_posix() for p in _fixtures()]
    unused = [pat for pat, _ in EXPECTED if not any(fnmatch.fnmatchcase(r, pat) for r in rels)]
    assert not unused, f"patterns in EXPECTED that match no fixture (stale?): {unused}"
