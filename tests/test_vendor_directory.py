"""Directory readers: the Entra ID "Download users" CSV and an HR report through a mapping."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import adoption
from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest.batch import ingest_file
from adoption.ingest.formats import detect_format, registered_formats, sniff_file
from adoption.vendors.directory import classify_accounts
from adoption.vendors.hr_report import read_mapping

FIX = Path(__file__).parent / "fixtures" / "vendors" / "directory"
ENTRA = FIX / "exportUsers_2026-1-31.csv"
PORTAL = FIX / "entra_users_portal.csv"
HR = FIX / "hr_report.csv"
ROOT = Path(__file__).parent / "fixtures" / "vendors"
OWN = {"microsoft": {"m365_copilot_usage_csv", "m365_copilot_usage_json",
                     "m365_copilot_last_activity_csv", "m365_copilot_chat_csv",
                     "m365_copilot_agents_csv"},
       "viva": {"viva_person_query"}, "directory": {"entra_users_csv"}}


def _rows(ws, sql: str) -> list[tuple]:
    with ws.store(read_only=True) as store:
        return store.con.execute(sql).fetchall()


@pytest.mark.parametrize("folder", sorted(OWN))
def test_every_fixture_is_claimed_by_exactly_one_of_its_own_formats(folder):
    for path in sorted((ROOT / folder).glob("*")):
        if path.suffix not in (".csv", ".json") or path.name.startswith("hr_mapping"):
            continue  # the mapping files are options, not inputs
        sniff = sniff_file(path)
        claims = {f.name for f in registered_formats().values()
                  if sniff.suffix in f.suffixes and f.sniff(sniff)}
        if path.name.startswith("hr_report"):
            assert claims == set(), "the HR report is read only when forced"
        else:
            assert len(claims) == 1 and claims <= OWN[folder], (path.name, claims)


def test_entra_download_users(workspace):
    result = ingest_file(workspace, ENTRA)
    # 12 rows: 9 accounts, an empty UPN and accountEnabled 'maybe' (rejected), ann twice
    assert (result.rows_read, result.rows_loaded, result.rows_rejected,
            result.rows_duplicate) == (12, 9, 2, 1)
    # the snapshot date comes from the portal's file name exportUsers_2026-1-31.csv
    assert str(result.first_date) == "2026-01-31"
    kinds = dict(_rows(workspace, """SELECT account_type, count(*) FROM directory_accounts
        GROUP BY ALL"""))
    # members ann, bob, dan, sam.admin (a person: has names; 'sam.admin' is not 'admin-');
    # cat disabled; pat guest (#EXT#); svc-backup and noreply service; the room resource
    assert kinds == {"member": 4, "disabled": 1, "guest": 1, "service": 2, "resource": 1}
    assert _rows(workspace, "SELECT count(*) FROM directory_accounts WHERE included") == [(4,)]
    reasons = {r[0] for r in _rows(workspace, "SELECT reason FROM directory_accounts "
                                              "WHERE NOT included")}
    assert all(reasons) and any("guest" in r for r in reasons)
    # bob signs in as b.smith@example.com; his mail bob@example.com is the roster key
    upn, mail = workspace.pseudonymise(["b.smith@example.com", "bob@example.com"])
    ids = dict(_rows(workspace, "SELECT identity_hash, person_id FROM identities "
                                "WHERE system = 'entra'"))
    assert ids[upn] == mail and ids[mail] == mail
    # only members become identities: 4 UPNs + 1 distinct mail (bob's); the others equal
    assert len(ids) == 5


def test_portal_download_with_sep_line_and_newer_columns(workspace):
    result = ingest_file(workspace, PORTAL, as_of=pd.Timestamp("2026-02-28").date())
    assert (result.rows_read, result.rows_loaded) == (4, 4)
    kinds = dict(_rows(workspace, "SELECT account_type, count(*) FROM directory_accounts "
                                  "GROUP BY ALL"))
    # ann, dan members; lee guest (userType Guest); 'Projector Paris' equipment mailbox
    assert kinds == {"member": 2, "guest": 1, "resource": 1}


def test_patterns_come_from_settings(tmp_path):
    settings = adoption.Settings(sections={"identities": {
        "service_account_patterns": ["^sam[.]"], "resource_account_patterns": ["^nothing$"]}})
    ws = adoption.init_workspace(tmp_path / "ws", settings)
    ingest_file(ws, ENTRA)
    kinds = dict(_rows(ws, "SELECT account_type, count(*) FROM directory_accounts GROUP BY ALL"))
    # sam.admin has no department and now matches '^sam[.]': service. svc-/noreply and the
    # room no longer match any pattern: members
    assert kinds["service"] == 1 and "resource" not in kinds
    bad = adoption.init_workspace(tmp_path / "bad", adoption.Settings(
        sections={"identities": {"service_account_patterns": ["(unclosed"]}}))
    with pytest.raises(InputError, match="service_account_patterns"):
        ingest_file(bad, ENTRA)


def test_classify_accounts_order():
    accounts = pd.DataFrame({
        "upn": ["a@x.com", "g#EXT#@x.com", "svc-x@x.com", "room1@x.com"],
        "display_name": ["A B", "G", "Svc", "Room 1"],
        "user_type": ["Member", "Member", "Member", "Member"],
        "enabled": [True, False, True, True],
        "given_name": ["A", "", "", ""], "surname": ["B", "", "", ""],
        "department": ["Eng", "", "", ""]})
    out = classify_accounts(accounts)
    # a guest that is also disabled counts as a guest (guest wins, documented order)
    assert out["account_type"].tolist() == ["member", "guest", "service", "resource"]
    assert out["included"].tolist() == [True, False, False, False]


def test_entra_as_roster_option(workspace):
    result = ingest_file(workspace, ENTRA, options={"as_roster": "true"})
    assert "as_roster" in result.note
    people = _rows(workspace, "SELECT team, count(*) FROM people GROUP BY ALL")
    # members with a department: ann, bob, dan (Eng); sam.admin has none
    assert people == [("Eng", 3)]


def test_unknown_columns_are_named_and_nothing_is_stored(workspace, tmp_path):
    edited = tmp_path / "users.csv"
    edited.write_text("userPrincipalName,displayName,userType,accountEnabld\n"
                      "ann@example.com,Ann,Member,True\n")
    assert detect_format(edited).name == "entra_users_csv"
    with workspace.store() as store:
        before = store.fingerprint()
    with pytest.raises(ColumnNotFoundError, match="nearest found: 'accountEnabld'"):
        ingest_file(workspace, edited)
    with workspace.store() as store:
        assert store.fingerprint() == before


def test_reingest_changes_nothing(workspace, tmp_path):
    ingest_file(workspace, ENTRA)
    with workspace.store(read_only=True) as store:
        before = store.fingerprint()
    copy = tmp_path / "exportUsers_2026-1-31.csv"
    copy.write_bytes(ENTRA.read_bytes().replace(b"\r\n", b"\n"))
    again = ingest_file(workspace, copy)
    assert (again.rows_loaded, again.rows_duplicate) == (0, 10)
    with workspace.store(read_only=True) as store:
        after = store.fingerprint()
    assert after["directory_accounts"] == before["directory_accounts"]
    assert after["identities"] == before["identities"]


@pytest.mark.parametrize("mapping", ["hr_mapping.yaml", "hr_mapping.csv"])
def test_hr_report_through_a_mapping(workspace, mapping):
    assert detect_format(HR) is None  # never detected: only with --format hr_report
    result = ingest_file(workspace, HR, source_format="hr_report",
                         options={"mapping": str(FIX / mapping)})
    # 5 rows, the last without an e-mail: rejected as by the roster loader
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 4, 1)
    teams = dict(_rows(workspace, "SELECT team, count(*) FROM people GROUP BY ALL"))
    assert teams == {"Alpha": 2, "Beta": 2}
    assert str(result.first_date) == "2026-01-01"  # 'Extract Date' mapped to as_of


def test_hr_report_mapping_errors(workspace, tmp_path):
    with pytest.raises(InputError, match="needs --mapping"):
        ingest_file(workspace, HR, source_format="hr_report")
    wrong_field = tmp_path / "m.yaml"
    wrong_field.write_text("Work E-mail: mail\nCost Centre: team\n")
    with pytest.raises(InputError, match="unknown roster field"):
        read_mapping(wrong_field)
    wrong_column = tmp_path / "m2.yaml"
    wrong_column.write_text("Work Email Address: email\nCost Centre: team\n")
    with workspace.store() as store:
        before = store.fingerprint()
    with pytest.raises(ColumnNotFoundError, match="nearest found: 'Work E-mail'"):
        ingest_file(workspace, HR, source_format="hr_report",
                    options={"mapping": str(wrong_column)})
    no_team = tmp_path / "m3.csv"
    no_team.write_text("column,field\nWork E-mail,email\n")
    with pytest.raises(ColumnNotFoundError, match="team"):
        ingest_file(workspace, HR, source_format="hr_report", options={"mapping": str(no_team)})
    with workspace.store() as store:
        assert store.fingerprint() == before


# -- HR report: value transforms and identity columns ----------------------------------------
LABELS = FIX / "hr_report_team_labels.csv"
GITHUB_REPORT = ROOT / "github" / "copilot_users_report.ndjson"


@pytest.mark.parametrize("mapping", ["hr_mapping_transforms.yaml", "hr_mapping_transforms.csv"])
def test_hr_report_transforms_values_and_stages_github_logins(workspace, mapping):
    r = ingest_file(workspace, LABELS, source_format="hr_report",
                    options={"mapping": str(FIX / mapping)})
    # 5 rows by hand: eve's team "(Bob Smith)" is empty once the manager is stripped, so the
    # roster rejects her; the other four load
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (5, 4, 1, 0)
    assert "team is empty" in _rows(workspace, "SELECT reason FROM rejects")[0][0]
    # "Alpha (Bob Smith)" -> "Alpha"; "Beta  (Bob Smith) " -> "Beta"
    teams = dict(_rows(workspace, "SELECT team, count(*) FROM roster_snapshots GROUP BY ALL"))
    assert teams == {"Alpha": 2, "Beta": 2}
    depts = sorted(_rows(workspace, "SELECT coalesce(department, '-') FROM roster_snapshots"))
    assert depts == [("-",), ("ENG",), ("ENG",), ("ENG",)]  # dan's "Sales" has no code
    assert "column 'Division': 1 value(s) do not match the extract pattern" in r.note
    assert "left empty (rows 4)" in r.note
    # logins: ann's '@ann-gh' loses its '@'; cat-dev is given to cat and dan (rows 3 and 4),
    # so neither is mapped; eve's row was not loaded, so her login is not staged
    assert "column 'GitHub Username' (system github): 2 identifier(s) mapped" in r.note
    assert ("2 not mapped: identifier is mapped to 2 different people in this file; keep the "
            "one right row (rows 3, 4)") in r.note
    assert "1 GitHub login(s) written as '@name'" in r.note
    ann, ann_gh, bob, bob_b = workspace.pseudonymise(
        ["ann@example.com", "ann-gh", "bob@example.com", "bob-b"])
    got = set(_rows(workspace, "SELECT identity_hash, person_id, system FROM identities "
                               "WHERE system = 'github'"))
    assert got == {(ann_gh, ann, "github"), (bob_b, bob, "github")}


def test_hr_report_logins_feed_identity_resolution(workspace):
    from adoption.canonical import load_person_periods

    ingest_file(workspace, LABELS, source_format="hr_report",
                options={"mapping": str(FIX / "hr_mapping_transforms.yaml")})
    ingest_file(workspace, GITHUB_REPORT)
    with workspace.store(read_only=True) as store:
        pp = load_person_periods(store, period_kind="month")
    ids = dict(zip(workspace.pseudonymise(["ann@example.com", "bob@example.com",
                                           "cat@example.com"]), ["ann", "bob", "cat"],
                   strict=True))
    jan = pp[(pp["period"] == "2026-01") & pp["person_id"].isin(list(ids))]
    active = {ids[p]: bool(a) for p, a in zip(jan["person_id"], jan["is_active"], strict=True)}
    # by hand from the GitHub report: ann-gh and bob-b active in January (mapped through the
    # HR report); cat-dev too, but cat's login was not mapped (given to two people)
    assert active == {"ann": True, "bob": True, "cat": False}


def test_hr_report_required_value_not_matching_an_extract_is_rejected(workspace, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  Employee Email: email\n  Snapshot Date: as_of\n"
                       "  Team:\n    field: team\n    extract: '^(\\w+)\\s*\\('\n")
    r = ingest_file(workspace, LABELS, source_format="hr_report",
                    options={"mapping": str(mapping)})
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 4, 1)
    (row, reason), = _rows(workspace, "SELECT row_number, reason FROM rejects")
    assert row == 5  # eve: data row 5
    assert reason == ("column 'Team': value '(Bob Smith)' does not match the extract pattern "
                      "'^(\\\\w+)\\\\s*\\\\(' of the mapping; correct the value or the pattern")


@pytest.mark.parametrize("text, message", [
    ("columns:\n  Team:\n    field: team\n    replace: '(unclosed'\n  Mail: email\n",
     r"column 'Team': '\(unclosed' is not a valid regular expression"),
    ("Team:\n  field: team\n  replace: 'x'\n  extract: 'y'\nMail: email\n",
     "one step does either replace or extract"),
    ("Login: 'identity:Git Hub'\nMail: email\nTeam: team\n", "names no system"),
])
def test_hr_mapping_format_errors(tmp_path, text, message):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_mapping(path)
