"""File names are names: a name is never taken as a glob pattern (issue 10)."""

from __future__ import annotations

import duckdb
import pytest

from adoption.cli import main
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
