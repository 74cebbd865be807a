"""Paths as given (issue 10): never a glob pattern, no link out of the folder, and a
refused file leaves nothing in the archive."""

from __future__ import annotations

import duckdb
import pytest

from adoption.cli import main
from adoption.errors import InputError
from adoption.ingest import ingest_file
from adoption.ingest.archive import file_sha256

HEADER = "timestamp,email,tool\n"


def _usage(day: int, people: int) -> str:
    return HEADER + "".join(f"2026-03-{day:02d}T09:00:00Z,p{i}@example.com,Copilot\n"
                            for i in range(people))


@pytest.mark.parametrize("name", ["usage[12].csv", "usage*.csv", "usage?.csv",
                                  "usage{1,2}.csv"])
def test_a_name_with_glob_characters_loads_exactly_that_file(workspace, tmp_path, capsys,
                                                             name):
    # the two files a glob would match, and the named one: 1, 2 and 3 rows
    (tmp_path / "usage1.csv").write_text(_usage(2, 1))
    (tmp_path / "usage2.csv").write_text(_usage(3, 2))
    named = tmp_path / name
    named.write_text(_usage(4, 3))
    assert main(["ingest", "--workspace", str(workspace.root), str(named)]) == 0
    assert "read 3 = loaded 3 + rejected 0 + duplicate 0" in capsys.readouterr().out
    with workspace.store() as store:
        assert store.query("SELECT file_name, file_hash FROM ingest_log").values.tolist() == [
            [name, file_sha256(named)]]
        assert store.scalar("SELECT count(*) FROM usage WHERE day = DATE '2026-03-04'") == 3
        assert store.scalar("SELECT count(*) FROM usage") == 3


@pytest.mark.parametrize("suffix", ["parquet", "jsonl", "cp1252.csv"])
def test_other_formats_under_a_glob_name(workspace, tmp_path, suffix):
    def write(path, people):
        if suffix == "parquet":
            duckdb.sql(f"""COPY (SELECT '2026-03-02T09:00:00Z' AS timestamp,
                'p' || i || '@example.com' AS email, 'Copilot' AS tool FROM range({people}) t(i))
                TO '{path.as_posix()}' (FORMAT parquet)""")
        elif suffix == "jsonl":
            path.write_text("".join(
                f'{{"timestamp": "2026-03-02T09:00:00Z", "email": "p{i}@example.com", '
                f'"tool": "Copilot"}}\n' for i in range(people)))
        else:  # a legacy encoding read through a UTF-8 copy
            path.write_bytes(_usage(2, people).replace("Copilot", "Copilöt").encode("cp1252"))
    ext = suffix.rsplit(".", 1)[-1]
    write(tmp_path / f"u1.{ext}", 1)
    write(tmp_path / f"u2.{ext}", 2)
    named = tmp_path / f"u[12].{ext}"
    write(named, 3)
    r = ingest_file(workspace, named)
    assert (r.rows_read, r.rows_loaded) == (3, 3)  # not 1 + 2 from the files a glob matches


def _archived(workspace) -> list:
    return sorted(p for p in workspace.archive_dir.rglob("*") if p.is_file())


def test_a_refused_file_archives_nothing(workspace, tmp_path):
    ok = tmp_path / "usage.csv"
    ok.write_text(_usage(2, 1))
    ingest_file(workspace, ok)
    assert len(_archived(workspace)) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,email,tool,tool\n2026-03-02T09:00:00Z,a@example.com,X,Y\n")
    with pytest.raises(InputError, match="names the column 'tool' twice"):
        ingest_file(workspace, bad)
    assert len(_archived(workspace)) == 1  # only the loaded file's copy
    with workspace.store() as store:
        assert store.scalar("SELECT count(*) FROM ingest_log") == 1


def test_a_link_to_a_system_file_is_refused_and_neither_archived_nor_echoed(workspace,
                                                                            tmp_path):
    secret = tmp_path / "outside" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$very-secret-hash:19000:0:99999:7:::\nbin:*:19000::::::\n")
    link = tmp_path / "inbox" / "users.csv"
    link.parent.mkdir()
    link.symlink_to(secret)
    with pytest.raises(InputError, match="users.csv: this is a symbolic link to a file "
                                         "outside the folder") as refused:
        ingest_file(workspace, link)
    assert "very-secret-hash" not in str(refused.value)
    assert _archived(workspace) == []
    # a link to a file beside it is that file
    (link.parent / "usage.csv").write_text(_usage(2, 2))
    (link.parent / "latest.csv").symlink_to(link.parent / "usage.csv")
    assert ingest_file(workspace, link.parent / "latest.csv").rows_loaded == 2


ROSTER = "email,team,as_of\np0@example.com,Alpha,2026-01-01\np1@example.com,Alpha,2026-01-01\n"


def test_folder_ingest_walks_subfolders_goes_past_a_bad_file_and_sums_up(workspace, tmp_path,
                                                                         capsys):
    inbox = tmp_path / "inbox"
    (inbox / "march" / "late").mkdir(parents=True)
    (inbox / ".cache").mkdir()
    (inbox / "roster.csv").write_text(ROSTER)
    (inbox / "march" / "usage.csv").write_text(_usage(2, 2))
    (inbox / "march" / "late" / "bad.csv").write_text(
        "timestamp,email,tool,tool\n2026-03-02T09:00:00Z,p0@example.com,X,Y\n")
    (inbox / "march" / "notes.docx").write_text("not an export")  # not a supported file
    (inbox / ".cache" / "old.csv").write_text(_usage(3, 1))  # hidden folders are skipped
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(_usage(4, 1))
    (inbox / "link_out.csv").symlink_to(outside)
    # links to files in the folder: the same content again (one beside it, one elsewhere,
    # which is given as the file it names)
    (inbox / "march" / "usage_again.csv").symlink_to(inbox / "march" / "usage.csv")
    (inbox / "zz").mkdir()
    (inbox / "zz" / "roster_again.csv").symlink_to(inbox / "roster.csv")
    code = main(["ingest", "--workspace", str(workspace.root), str(inbox)])
    captured = capsys.readouterr()
    assert code == 2  # a file was refused (the status of every error of the command)
    summary = captured.out[captured.out.index("Summary of"):].splitlines()
    # 6 supported files: roster and usage load, the links to them are the same content, the
    # file with a column named twice and the link out of the folder are refused
    assert summary[0] == "Summary of 6 file(s): 2 loaded, 2 already ingested, 2 refused"
    assert summary[1].startswith(f"  loaded            {inbox / 'march' / 'usage.csv'}: "
                                 "usage (csv), batch 2: read 2 = loaded 2")
    assert summary[2].startswith(f"  loaded            {inbox / 'roster.csv'}: roster (csv), "
                                 "batch 1: read 2 = loaded 2")
    assert summary[3:5] == [
        f"  already ingested  {inbox / 'march' / 'usage_again.csv'}: same content as batch 2 "
        "(usage.csv)",
        f"  already ingested  {inbox / 'roster.csv'}: same content as batch 1 (roster.csv)"]
    assert summary[5].startswith(f"  refused           {inbox / 'link_out.csv'}: ")
    assert "symbolic link to a file outside the folder" in summary[5]
    assert summary[6].startswith(f"  refused           {inbox / 'march' / 'late' / 'bad.csv'}: "
                                 "bad.csv: the header names the column 'tool' twice")
    assert "bad.csv refused: bad.csv: the header names the column 'tool' twice" in captured.err
    with workspace.store() as store:
        assert store.scalar("SELECT count(*) FROM ingest_log") == 2
        assert store.scalar("SELECT count(*) FROM usage") == 2
    assert len(_archived(workspace)) == 2


def test_an_empty_folder_says_so(workspace, tmp_path, capsys):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    assert main(["ingest", "--workspace", str(workspace.root), str(tmp_path / "empty")]) == 2
    assert "holds no" in capsys.readouterr().err
