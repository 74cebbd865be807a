"""Files that were silently wrong: refused with the row or column, or rejected row by row."""

from __future__ import annotations

import io
import zipfile

import pytest

import adoption
from adoption.cli import main
from adoption.errors import InputError
from adoption.ingest import ingest_file

HEAD = "timestamp,email,tool\n"
ROW = "2026-03-02T09:00:00Z,{},Copilot\n"


def _refused(workspace, path, *parts):
    with workspace.store() as store:
        before = store.fingerprint()
    with pytest.raises(InputError) as info:
        ingest_file(workspace, path)
    for part in parts:
        assert part in str(info.value)
    with workspace.store() as store:
        assert store.fingerprint() == before
    return str(info.value)


def test_duplicated_header_is_refused_naming_the_column(workspace, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("timestamp,email,tool,count,count\n2026-03-02T09:00:00Z,a@x.com,X,1,2\n")
    _refused(workspace, path, "u.csv: the header names the column 'count' twice (columns 4 "
                              "and 5)", "Give each column its own name")
    path.write_text("timestamp,Email,tool,email\n2026-03-02T09:00:00Z,a@x.com,X,b@x.com\n")
    _refused(workspace, path, "the column 'email' twice (columns 2 and 4)")


def test_unterminated_quote_is_refused_naming_the_row(workspace, tmp_path):
    path = tmp_path / "u.csv"
    rows = [ROW.format(f"p{i}@example.com") for i in range(1, 8)]
    rows[4] = '2026-03-02T09:00:00Z,"p5@example.com,Copilot\n'  # data row 5
    path.write_text(HEAD + "".join(rows))
    _refused(workspace, path, "u.csv: row 5", "opens a quote", "never closes it",
             "nothing was stored")
    # the same in a roster (read by the ordered view), one quote in a team name
    roster = tmp_path / "r.csv"
    roster.write_text('email,team,as_of\na@x.com,Alpha,2026-01-01\nb@x.com,"Beta,2026-01-01\n'
                      "c@x.com,Gamma,2026-01-01\n")
    _refused(workspace, roster, "r.csv: row 2", "never closes it")


def test_quoted_values_and_a_stray_quote_inside_a_value_still_read(workspace, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text('timestamp,email,tool,feature\n2026-03-02T09:00:00Z,a@x.com,"Copilot","a, b"\n'
                    '2026-03-02T10:00:00Z,b@x.com,Copilot,say "hi"\n')
    r = ingest_file(workspace, path)
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)
    with workspace.store() as store:
        assert sorted(store.read("usage_features")["feature"]) == ["a, b", 'say "hi"']


@pytest.mark.parametrize("blank", ["", " ", "\t", "\t \t", "\u00a0"])
def test_blank_person_is_a_reject_of_that_row(workspace, tmp_path, blank):
    usage = tmp_path / "u.csv"
    usage.write_text(HEAD + ROW.format("ann@example.com") + ROW.format(blank)
                     + ROW.format("bob@example.com"), encoding="utf-8")
    r = ingest_file(workspace, usage)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    roster = tmp_path / "r.csv"
    roster.write_text(f"email,team,as_of\n{blank},Alpha,2026-01-01\nann@example.com,Alpha,"
                      "2026-01-01\n", encoding="utf-8")
    s = ingest_file(workspace, roster)
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (2, 1, 1)
    seats = tmp_path / "s.csv"
    seats.write_text(f"tool,email,assigned_on\nCopilot,ann@example.com,2026-01-05\n"
                     f"Copilot,{blank},2026-01-05\n", encoding="utf-8")
    t = ingest_file(workspace, seats)
    assert (t.rows_read, t.rows_loaded, t.rows_rejected) == (2, 1, 1)
    with workspace.store() as store:
        rejects = store.query("SELECT batch_id, row_number, reason FROM rejects ORDER BY 1")
    assert rejects["row_number"].tolist() == [2, 1, 2]
    assert all("person identifier is empty" in r for r in rejects["reason"])


def _xlsx_bytes() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["timestamp", "email", "tool"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("usage.csv", HEAD + ROW.format("a@x.com"))
    return buf.getvalue()


@pytest.mark.parametrize("name,make,what,fix", [
    ("usage.csv", _xlsx_bytes, "this file is an Excel workbook, not text",
     "open it in Excel and save as CSV"),
    ("usage.csv", _zip_bytes, "this file is a ZIP archive, not text", "unzip it"),
    ("usage.jsonl", _zip_bytes, "this file is a ZIP archive, not text", "unzip it"),
    ("usage.parquet", _xlsx_bytes, "this file is an Excel workbook, not text",
     "open it in Excel"),
])
def test_workbook_or_zip_under_another_name_says_what_it_is(workspace, tmp_path, name, make,
                                                            what, fix):
    path = tmp_path / name
    path.write_bytes(make())
    message = _refused(workspace, path, f"{name}: {what}", fix)
    assert "\x00" not in message and "PK" not in message  # no binary echoed


def test_json_lines_errors_point_to_the_line(workspace, tmp_path):
    ok = '{"timestamp": "2026-03-02T09:00:00Z", "email": "a@x.com", "tool": "X"}\n'
    path = tmp_path / "u.jsonl"
    path.write_text(ok + ok.replace("a@x", "b@x") + '{"timestamp": "2026-03-02", "email": \n'
                    + ok.replace("a@x", "c@x"))
    _refused(workspace, path, "u.jsonl: line 3 is not valid JSON")
    path.write_text(ok + '["not", "an", "object"]\n')
    _refused(workspace, path, "u.jsonl: line 2 is a JSON array, not an object")
    path.write_text("[" + ok.strip() + "]\n")
    _refused(workspace, path, "line 1 is a JSON array", "write one object per line")


def test_rejects_number_data_rows_for_malformed_rows_and_bad_values_alike(workspace, tmp_path,
                                                                          capsys):
    path = tmp_path / "u.csv"
    path.write_text(HEAD
                    + ROW.format("a@x.com")                                   # row 1
                    + '2026-03-02T09:00:00Z,"b@x.com\nsecond line",Copilot\n'  # row 2 (2 lines)
                    + "2026-03-02T09:00:00Z,c@x.com,Copilot,extra\n"          # row 3: malformed
                    + ROW.format("d@x.com")                                   # row 4
                    + "yesterday,e@x.com,Copilot\n"                           # row 5: bad value
                    + "2026-03-02T09:00:00Z,f@x.com\n"                        # row 6: malformed
                    + "later,g@x.com,Copilot\n")                              # row 7: bad value
    r = ingest_file(workspace, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (7, 3, 4)
    assert main(["rejects", "--workspace", str(workspace.root), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    rows = [int(line.split(",")[2]) for line in lines]
    assert rows == [3, 5, 6, 7]
    assert "malformed row" in lines[0] and "'yesterday' is not an ISO 8601" in lines[1]
    # a roster numbers its rows the same way
    roster = tmp_path / "r.csv"
    roster.write_text("email,team,as_of\na@x.com,A,2026-01-01\nb@x.com,A,2026-01-01,x\n"
                      "c@x.com,,2026-01-01\n")
    s = ingest_file(workspace, roster)
    with workspace.store() as store:
        got = store.query("SELECT row_number, reason FROM rejects WHERE batch_id = ? "
                          "ORDER BY 1", [s.batch_id])
    assert got["row_number"].tolist() == [2, 3]
    assert "team is empty" in got["reason"][1]


NAMES = ["Zoë Müller", "José Peña", "François Dubois", "Jürgen Groß", "Åsa Öberg"]


def _roster(as_of: str, names=NAMES) -> str:
    return "email,name,team,as_of\n" + "".join(
        f"p{i}@example.com,{n},Alpha,{as_of}\n" for i, n in enumerate(names))


def test_latin1_roster_snapshot_loads_its_names(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(keep_names=True))
    (tmp_path / "jan.csv").write_text(_roster("2026-01-01"), encoding="utf-8")
    (tmp_path / "feb.csv").write_bytes(_roster("2026-02-01").encode("cp1252"))
    ingest_file(ws, tmp_path / "jan.csv")
    r = ingest_file(ws, tmp_path / "feb.csv")
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 5, 0)
    assert "read as Windows-1252 (cp1252) text (detected" in r.note
    with ws.store() as store:
        names = sorted(store.read("person_names")["name"])
        # nobody left: every person is in both snapshots, so employed on 2026-02-15
        employed = store.scalar("SELECT count(DISTINCT person_id) FROM people "
                                "WHERE DATE '2026-02-15' BETWEEN valid_from AND valid_to")
    assert names == sorted(NAMES)
    assert employed == 5


def test_encoding_can_be_named(tmp_path):
    ws = adoption.init_workspace(tmp_path / "ws", adoption.Settings(keep_names=True))
    polish = ["Łukasz Żółć", "Paweł Wójcik"]
    (tmp_path / "r.csv").write_bytes(_roster("2026-01-01", polish).encode("cp1250"))
    r = ingest_file(ws, tmp_path / "r.csv", encoding="cp1250")
    assert r.rows_loaded == 2 and "detected" not in r.note
    with ws.store() as store:
        assert sorted(store.read("person_names")["name"]) == sorted(polish)
    (tmp_path / "r2.csv").write_bytes(_roster("2026-02-01", polish).encode("cp1250"))
    with pytest.raises(InputError, match="encoding 'klingon' is unknown"):
        ingest_file(ws, tmp_path / "r2.csv", encoding="klingon")


def test_utf16_file_loads(workspace, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(_roster("2026-01-01").encode("utf-16"))
    assert ingest_file(workspace, path).rows_loaded == 5


def test_roster_of_mixed_encodings_is_refused_not_turned_into_leavers(workspace, tmp_path):
    (tmp_path / "jan.csv").write_text(_roster("2026-01-01"), encoding="utf-8")
    ingest_file(workspace, tmp_path / "jan.csv")
    # a later snapshot: UTF-8, but with row 3 pasted in from a Windows-1252 file
    text = _roster("2026-02-01").encode("utf-8").splitlines(keepends=True)
    text[3] = text[3].decode("utf-8").encode("cp1252")
    (tmp_path / "feb.csv").write_bytes(b"".join(text))
    _refused(workspace, tmp_path / "feb.csv", "feb.csv: line 4 is not valid UTF-8 text "
             "although other lines are", "nothing was stored")
    # the same damage far into a large file (past the part read to detect the encoding)
    names = [f"Person {i}" for i in range(20_000)] + ["José Peña"]
    big = _roster("2026-02-01", names).encode("utf-8").replace(
        "José Peña".encode(), "José Peña".encode("cp1252"))
    (tmp_path / "big.csv").write_bytes(big)
    _refused(workspace, tmp_path / "big.csv", "big.csv: row 20001",
             "not text in the file's encoding")
    with workspace.store() as store:
        assert store.scalar("SELECT count(*) FROM people WHERE employment_end IS NOT NULL") == 0


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(("fixture", "plain", "accented", "stored_in"), [
    # names are not stored from these two: the file must read, and store the same rows
    ("vendors/chatgpt/chatgpt_users_monthly_2026-01.csv", "Ann A", "Zoë Ærø", None),
    ("vendors/microsoft/copilot_usage_user_detail_D30.csv", ",Ann,", ",Zoë Ærø,", None),
    ("vendors/directory/exportUsers_2026-1-31.csv", ",Dev,", ",Développeur,",
     "SELECT job_title FROM directory_accounts"),
    ("surveys/google_forms_2026-02.csv", "Übung", "Übung", "SELECT text FROM survey_comments"),
])
@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_vendor_and_survey_exports_decode_like_every_reader(tmp_path, fixture, plain, accented,
                                                            stored_in, encoding):
    """A named format saved in another encoding stores exactly what its UTF-8 copy stores."""
    source = FIXTURES / fixture
    text = source.read_bytes().decode("utf-8-sig")
    assert plain in text
    text = text.replace(plain, accented, 1)
    stores = []
    for enc in ("utf-8", encoding):
        ws = adoption.init_workspace(tmp_path / enc, adoption.Settings(keep_names=True))
        # one pseudonymisation key for both, so that identifiers hash alike
        ws.key_path.write_bytes((tmp_path / "utf-8" / "secret.key").read_bytes())
        copy = tmp_path / enc / source.name
        copy.write_bytes(text.encode(enc))
        result = ingest_file(ws, copy)
        with ws.store() as store:
            fingerprint = store.fingerprint()
            values = [r[0] for r in store.con.execute(stored_in).fetchall()] if stored_in else []
        fingerprint.pop("ingest_log")  # the log holds each copy's own hash
        stores.append(((result.rows_read, result.rows_loaded, result.rows_rejected), fingerprint))
        if stored_in:  # the accented value arrived intact
            assert any(accented.strip(",") in str(v) for v in values), values
    assert stores[0] == stores[1]
