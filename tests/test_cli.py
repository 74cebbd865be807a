"""The command line, end to end on the small fixture files."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from adoption.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_ingest_status_rejects(tmp_path, files, capsys, clean_env):
    ws = str(tmp_path / "ws")
    assert run(capsys, "init", ws, "--time-zone", "Europe/Berlin")[0] == 0
    code, out, _ = run(capsys, "ingest", "--workspace", ws, *map(str, files.values()))
    assert code == 0
    assert "read 7 = loaded 4 + rejected 3 + duplicate 0" in out
    assert "3 file(s): read 15 = loaded 12 + rejected 3 + duplicate 0" in out
    code, out, _ = run(capsys, "status", "--workspace", ws)
    assert code == 0 and "usage" in out and "2026-01-05" in out
    code, out, _ = run(capsys, "rejects", "--workspace", ws, "--format", "csv")
    rejects = pd.read_csv(io.StringIO(out))
    assert len(rejects) == 3 and "example.com" not in out


def test_errors_are_one_clear_line(tmp_path, capsys, clean_env):
    code, _, err = run(capsys, "status", "--workspace", str(tmp_path / "nope"))
    assert code == 2
    assert err.startswith("adoption status: error: Workspace folder")
    ws = str(tmp_path / "ws")
    run(capsys, "init", ws)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = run(capsys, "ingest", "-w", ws, str(bad))
    assert code == 2 and "cannot tell what kind of file" in err


@pytest.mark.filterwarnings("ignore::adoption.errors.SmallGroupWarning")  # intended here
def test_metrics_csv(tmp_path, files, capsys, clean_env):
    pytest.importorskip("adoption.metrics")
    ws = str(tmp_path / "ws")
    run(capsys, "init", ws, "--time-zone", "Europe/Berlin", "--min-group-size", "3")
    run(capsys, "ingest", "-w", ws, *map(str, files.values()))
    code, out, _ = run(capsys, "metrics", "-w", ws, "--period", "2026-01", "--by", "team",
                       "--format", "csv", "--min-group-size", "3")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    for col in ("team", "period", "headcount", "seats", "active_users", "activation_rate",
                "activation_ci_low", "activation_ci_high", "penetration", "penetration_ci_low",
                "penetration_ci_high", "suppressed"):
        assert col in table.columns
    # January: Alpha = Ann, Bob, Eve (3 people); Beta = Cat, Dan (2, below 3: hidden), and
    # Alpha hidden too, or Beta would be Eng's total minus Alpha
    teams = table.set_index("team")
    assert teams["suppressed"].all() and teams["headcount"].isna().all()
    assert "fewer than 3" in teams.loc["Beta", "suppression_reason"]
    assert "fewer than 3" not in teams.loc["Alpha", "suppression_reason"]
    code, out, _ = run(capsys, "metrics", "-w", ws, "--period", "2026-01", "--by",
                       "department", "--format", "csv", "--min-group-size", "3")
    eng = pd.read_csv(io.StringIO(out)).set_index("department").loc["Eng"]
    assert (eng.headcount, eng.active_users) == (5, 1)  # Ann was the one active in January
    code, _, err = run(capsys, "metrics", "-w", ws, "--period", "2030-01")
    assert code == 2 and "No data for month 2030-01" in err
    assert "the months with activity data run from 2026-01 to 2026-02" in err


@pytest.mark.slow
def test_folder_ingest_and_report(tmp_path, files, capsys, clean_env):
    ws = tmp_path / "ws"
    run(capsys, "init", str(ws), "--time-zone", "Europe/Berlin")
    code, out, _ = run(capsys, "ingest", "-w", str(ws), str(files["usage"].parent))
    assert code == 0 and "3 file(s)" in out
    code, out, err = run(capsys, "report", "-w", str(ws), "--period", "2026-02")
    assert code == 0, err
    html = ws / "reports" / "adoption_2026-02.html"
    assert html.is_file() and (ws / "reports" / "index.html").is_file()
    text = html.read_text()
    assert "example.com" not in text and "<script src=" not in text
    with pytest.raises(SystemExit) as exc:  # argparse refuses unknown options
        main(["report", "-w", str(ws), "--period", "2026-02", "--bogus"])
    assert exc.value.code == 2


@pytest.mark.slow
def test_status_lists_unmatched_identities(demo_workspace, capsys):
    from adoption.demo import DEMO_STORY

    code, out, _ = run(capsys, "status", "--workspace", str(demo_workspace.root))
    assert code == 0
    assert "not in the roster" in out
    contractors = set(demo_workspace.pseudonymise(DEMO_STORY.contractor_emails))
    from adoption.canonical.identity import identity_map_sql

    with demo_workspace.store(read_only=True) as store:
        unmatched = set(store.query(
            "SELECT DISTINCT coalesce(m.person_id, u.person_id) AS person_id FROM usage u "
            f"LEFT JOIN ({identity_map_sql(store.con)}) m ON m.identity_hash = u.person_id "
            "WHERE coalesce(m.person_id, u.person_id) NOT IN (SELECT person_id FROM people)"
        )["person_id"])
    # the demo's contractors use the tools without being in any roster: kept and listed (GitHub
    # logins resolve to their owners through the demo's identities mapping file)
    assert unmatched == contractors
