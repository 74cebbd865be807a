"""Identity resolution: the identities mapping file and one resolution for usage and seats."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import refresh_store

from adoption.canonical import load_person_periods
from adoption.canonical.identity import load_identity_conflicts
from adoption.errors import IngestError
from adoption.ingest import ingest_file, ingest_files
from adoption.ingest.formats import detect_format
from adoption.status import load_rejects

FIXTURES = Path(__file__).parent / "fixtures" / "vendors" / "identity"

ROSTER = """email,team,department,start_date,end_date,as_of
ann@example.com,Alpha,Eng,2025-01-01,,2026-01-01
bob@example.com,Alpha,Eng,2025-01-01,,2026-01-01
cat@example.com,Beta,Eng,2025-01-01,,2026-01-01
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def roster(workspace, tmp_path):
    ingest_file(workspace, _write(tmp_path, "roster.csv", ROSTER))
    return workspace


def _active(ws, period="2026-01"):
    ids = dict(zip(ws.pseudonymise(["ann@example.com", "bob@example.com", "cat@example.com"]),
                   ["ann", "bob", "cat"], strict=True))
    with ws.store(read_only=True) as store:
        pp = load_person_periods(store, period_kind="month")
    pp = pp[pp["period"] == period].assign(who=lambda f: f["person_id"].map(ids))
    return pp.set_index("who")


def test_mapping_file_is_detected_in_every_spelling():
    assert detect_format(FIXTURES / "identities.csv").name == "identities_mapping"
    assert detect_format(FIXTURES / "identities_person.csv").name == "identities_mapping"
    assert detect_format(FIXTURES / "identities.yaml").name == "identities_mapping"


def test_usage_and_seats_resolve_through_the_mapping(roster, tmp_path):
    ws = roster
    usage = _write(tmp_path, "usage.csv", "timestamp,email,tool,count\n"
                   "2026-01-05T10:00:00Z, Ann-GH ,GitHub Copilot,2\n"
                   "2026-01-06T10:00:00Z,BOB.SMITH@example.com,GitHub Copilot,1\n"
                   "2026-01-07T10:00:00Z,stranger-gh,GitHub Copilot,1\n")
    seats = _write(tmp_path, "seats.csv", "tool,email,assigned_on,removed_on\n"
                   "GitHub Copilot,ann-gh,2025-12-01,\n"
                   "GitHub Copilot,cat-gh,2025-12-01,\n")
    ingest_files(ws, [usage, seats])
    before = _active(ws)
    # without a mapping, logins and aliases are nobody in the roster
    assert not before["is_active"].any() and not before["has_seat"].any()
    r = ingest_file(ws, FIXTURES / "identities.csv")
    assert (r.format, r.rows_read, r.rows_loaded, r.rows_rejected) == (
        "identities_mapping", 4, 4, 0)
    after = _active(ws)
    # hand count: ann-gh (case and blanks differ) -> Ann; bob.smith alias -> Bob; the
    # stranger's login stays unmatched; seats of ann-gh and cat-gh -> Ann and Cat
    assert after["is_active"].to_dict() == {"ann": True, "bob": True, "cat": False}
    assert after.loc["ann", "events"] == 2
    assert after["has_seat"].to_dict() == {"ann": True, "bob": False, "cat": True}


def test_person_header_and_yaml_give_the_same_mappings(roster):
    ws = roster
    ingest_file(ws, FIXTURES / "identities_person.csv")
    with ws.store(read_only=True) as store:
        a = store.query("SELECT identity_hash, person_id, system FROM identities "
                        "WHERE identity_hash <> person_id ORDER BY ALL")
    r = ingest_file(ws, FIXTURES / "identities.yaml")
    # the YAML holds the same four mappings: all duplicates of the CSV's
    assert (r.rows_read, r.rows_loaded, r.rows_duplicate) == (4, 0, 4)
    with ws.store(read_only=True) as store:
        b = store.query("SELECT identity_hash, person_id, system FROM identities "
                        "WHERE identity_hash <> person_id ORDER BY ALL")
    assert len(a) == 4 and a.equals(b)
    assert set(a["system"]) == {"github", "alias"}


def test_conflicting_and_empty_rows_are_rejected_with_reasons(roster, tmp_path):
    ws = roster
    path = _write(tmp_path, "ids.csv", "email,identifier,system\n"
                  "ann@example.com,ann-gh,github\n"          # 1: good
                  "ann@example.com,twin-login,github\n"      # 2: twin-login to two people
                  "bob@example.com,Twin-Login ,github\n"     # 3: ... (case/blank variant)
                  "cat@example.com,bob@example.com,alias\n"  # 4: Bob's own roster e-mail
                  ",lost-login,github\n"                     # 5: no person
                  "cat@example.com,cat-gh,Git Hub\n"         # 6: system not a plain name
                  "ann@example.com,ann-gh,github\n")         # 7: repeats row 1
    r = ingest_file(ws, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (7, 1, 5, 1)
    with ws.store(read_only=True) as store:
        rejects = load_rejects(store).set_index("row_number")["reason"]
        assert "mapped to 2 different people" in rejects[2] and rejects[2] == rejects[3]
        assert "already belongs to another person (system roster e-mail)" in rejects[4]
        assert "person e-mail" in rejects[5]
        assert "not a plain name" in rejects[6]
        # identifiers are redacted from stored rejects by default
        assert rejects.size and load_rejects(store)["raw"].isna().all()


def test_mapping_conflicting_with_another_system_is_rejected(roster, tmp_path):
    ws = roster
    ingest_file(ws, _write(tmp_path, "a.csv", "email,identifier,system\n"
                           "ann@example.com,a.login,github\nbob@example.com,b-gh,github\n"))
    r = ingest_file(ws, _write(tmp_path, "b.csv", "email,identifier,system\n"
                               "bob@example.com,a.login,slack\ncat@example.com,c-gh,github\n"))
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    with ws.store(read_only=True) as store:
        assert "(system github)" in load_rejects(store)["reason"].iloc[0]


def test_a_later_mapping_file_corrects_an_earlier_one(roster, tmp_path):
    ws = roster
    ingest_file(ws, _write(tmp_path, "a.csv", "email,identifier,system\n"
                           "ann@example.com,x-gh,github\n"))
    r = ingest_file(ws, _write(tmp_path, "b.csv", "email,identifier,system\n"
                               "cat@example.com,x-gh,github\n"))
    assert r.rows_loaded == 1 and "corrected" in r.note
    [x] = ws.pseudonymise(["x-gh"])
    with ws.store(read_only=True) as store:
        rows = store.query(f"SELECT person_id FROM identities WHERE identity_hash = '{x}'")
    assert rows["person_id"].tolist() == ws.pseudonymise(["cat@example.com"])


def test_all_rows_rejected_refuses_the_file(roster, tmp_path):
    with pytest.raises(IngestError, match="every one of its 1 rows was rejected"):
        ingest_file(roster, _write(tmp_path, "ids.csv", "email,identifier,system\n"
                                   "ann@example.com,,github\n"))


def test_bare_reader_rows_do_not_block_a_mapping(roster, tmp_path):
    """A reader that records ``identity_hash = person_id`` (seen, maps nobody) must not
    stop a mapping file from saying whose that identifier is."""
    ws = roster
    [upn] = ws.pseudonymise(["ann.upn@corp.example"])
    with ws.store() as store:
        store.con.execute("INSERT INTO identities VALUES (?, ?, 'microsoft365')", [upn, upn])
    r = ingest_file(ws, _write(tmp_path, "ids.csv", "email,identifier,system\n"
                               "ann@example.com,Ann.UPN@corp.example,upn\n"))
    assert r.rows_loaded == 1
    with ws.store() as store:
        store.con.execute("INSERT INTO usage VALUES (?, 'M365', DATE '2026-01-09', 1, 99)",
                          [upn])
        refresh_store(store)
    assert _active(ws).loc["ann", "is_active"]


def test_one_identifier_for_two_people_is_resolved_deterministically_and_reported(
        roster, tmp_path):
    ws = roster
    ingest_file(ws, _write(tmp_path, "ids.csv", "email,identifier,system\n"
                           "ann@example.com,shared-id,github\n"))
    shared, ann, cat = ws.pseudonymise(["shared-id", "ann@example.com", "cat@example.com"])
    with ws.store() as store:
        # a directory loaded later says the same identifier is Cat's UPN
        store.con.execute("INSERT INTO identities VALUES (?, ?, 'upn')", [shared, cat])
        store.con.execute("INSERT INTO usage VALUES (?, 'T', DATE '2026-01-09', 1, 99)",
                          [shared])
        refresh_store(store)
        conflicts = load_identity_conflicts(store)
    # the mapping file's statement wins over the other source; the conflict is reported
    active = _active(ws)
    assert active["is_active"].to_dict() == {"ann": True, "bob": False, "cat": False}
    assert conflicts.to_dict("records") == [
        {"systems": "github, upn", "identifiers": 1, "resolved_by": "mapping file"}]
    assert shared not in conflicts.to_string() and ann not in conflicts.to_string()


def test_resolution_follows_two_hops(roster, tmp_path):
    """UPN -> directory mail (Entra) -> roster e-mail (mapping file of aliases)."""
    ws = roster
    upn, mail, ann = ws.pseudonymise(["asmith@corp.onmicrosoft.com", "ann.s@corp.example",
                                      "ann@example.com"])
    with ws.store() as store:
        store.con.execute("INSERT INTO identities VALUES (?, ?, 'entra')", [upn, mail])
        store.con.execute("INSERT INTO identities VALUES (?, ?, 'entra')", [mail, mail])
        store.con.execute("INSERT INTO usage VALUES (?, 'M365', DATE '2026-01-09', 1, 99)", [upn])
        refresh_store(store)
    assert not _active(ws).loc["ann", "is_active"]  # one hop reaches nobody in the roster
    ingest_file(ws, _write(tmp_path, "ids.csv", "email,identifier,system\n"
                           "ann@example.com,ann.s@corp.example,alias\n"))
    assert _active(ws).loc["ann", "is_active"]


# -- GitHub logins written as @name, and logins that match nobody -----------------------------
GITHUB_REPORT = Path(__file__).parent / "fixtures" / "vendors" / "github" / \
    "copilot_users_report.ndjson"  # logins ann-gh, bob-b, cat-dev, ext-contractor
AT_LOGINS = """email,identifier,system
ann@example.com,@ann-gh,github
bob@example.com, @bob-b ,github
cat@example.com,cat-devv,github
"""


def test_at_logins_are_normalised_and_a_login_without_data_is_reported(roster, tmp_path):
    ingest_file(roster, GITHUB_REPORT)
    result = ingest_file(roster, _write(tmp_path, "identities_github.csv", AT_LOGINS))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 3, 0)
    assert "2 GitHub login(s) written as '@name': the leading '@' was removed" in result.note
    # cat-devv is a typo of cat-dev: it matches none of the report's logins
    assert "1 of 3 GitHub login(s) match no GitHub data loaded so far" in result.note
    assert "without '@'" in result.note
    active = _active(roster)  # Ann and Bob (mapped through @-logins) used Copilot in January
    assert active.loc["ann", "is_active"] and active.loc["bob", "is_active"]
    assert not active.loc["cat", "is_active"]


def test_status_reports_mapped_logins_that_match_no_data(roster, tmp_path):
    from adoption.vendors.quality import build_data_quality

    # the mapping ranks before GitHub data in one run: only status can tell, afterwards
    ingest_files(roster, [_write(tmp_path, "identities_github.csv", AT_LOGINS), GITHUB_REPORT])
    with roster.store(read_only=True) as store:
        findings = build_data_quality(store).findings
    row = findings[findings["source"] == "identities_mapping"]
    assert row["rows"].tolist() == [1]  # cat-devv
    assert "identifier of system github matches no row of any source" in row["finding"].iloc[0]
    assert "without '@'" in row["finding"].iloc[0]


def test_no_note_about_logins_before_any_github_data(roster, tmp_path):
    result = ingest_file(roster, _write(tmp_path, "identities_github.csv", AT_LOGINS))
    assert "match no GitHub data" not in result.note


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_mapping_file_in_a_legacy_encoding_maps_as_its_utf8_copy(roster, tmp_path, encoding):
    # the identifier "anné-gh" only matches when the file is decoded as it was saved
    text = "email,identifier,system\nann@example.com,anné-gh,github\n"
    path = tmp_path / f"ids-{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    r = ingest_file(roster, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (1, 1, 0)
    ann, = roster.pseudonymise(["ann@example.com"])
    login, = roster.pseudonymise(["anné-gh"])
    with roster.store(read_only=True) as store:
        got = store.query("SELECT person_id FROM identities WHERE identity_hash = ?", [login])
    assert got["person_id"].tolist() == [ann]
