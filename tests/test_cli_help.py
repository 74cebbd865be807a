"""The command line for people: examples on every subcommand, "did you mean", early checks."""

from __future__ import annotations

import argparse
import io
import sys

import pytest

from adoption.cli import build_parser, main
from adoption.cli_help import EXAMPLES


def _commands(parser: argparse.ArgumentParser, path: str = ""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{path} {name}".strip(), sub
                yield from _commands(sub, f"{path} {name}".strip())


def test_every_subcommand_shows_examples_that_parse():
    parser = build_parser()
    commands = dict(_commands(parser))
    assert set(commands) <= set(EXAMPLES)  # every command has its examples (none forgotten)
    for path, sub in commands.items():
        text = sub.format_help()
        assert "examples:" in text and f"adoption {path}" in text, path
    for lines in EXAMPLES.values():  # and every example is a valid command line
        for line in lines:
            argv = line.split("#")[0].split()
            if argv[0] != "adoption" or "|" in argv:
                continue
            argv = [a.strip("'") for a in argv[1:]]
            if "'" in line:  # a quoted value with spaces: keep it one argument
                head, quoted, tail = line.split("'")[:3]
                argv = head.split()[1:] + [quoted] + tail.split()
            build_parser().parse_args(argv)


@pytest.mark.parametrize(("argv", "hint"), [
    (["statsu"], "did you mean 'status'?"),
    (["survey", "reprot"], "did you mean 'report'?"),
    (["metrics", "--perod", "2026-01"], "did you mean '--period' (instead of '--perod')?"),
    (["metrics", "--period", "2026-01", "--by-team"], "did you mean '--by'"),
    (["survey", "report", "--wave", "w", "--comparson-wave", "v"],
     "did you mean '--comparison-wave'"),
])
def test_a_misspelt_command_or_option_gets_a_suggestion(argv, hint, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and hint in err and "--help` for examples" in err


def test_no_suggestion_for_something_unlike_any_option(capsys):
    with pytest.raises(SystemExit):
        main(["metrics", "--period", "2026-01", "--zzzzzz"])
    assert "did you mean" not in capsys.readouterr().err


def test_report_checks_the_period_before_a_kernel_starts(workspace, files, capsys, monkeypatch):
    from adoption.ingest import ingest_files

    ingest_files(workspace, list(files.values()))

    def never(*a, **k):  # pragma: no cover - reached only if the check is missing
        raise AssertionError("the notebook was started")

    monkeypatch.setattr("adoption.report.render_adoption_report", never)
    code = main(["report", "--workspace", str(workspace.root), "--period", "2024-03"])
    err = capsys.readouterr().err
    # the fixture's usage runs through January 2026 (tests/conftest.py USAGE)
    assert code == 2 and "No data for month 2024-03" in err and "2026-01" in err
    code = main(["report", "--workspace", str(workspace.root), "--period", "2026-01",
                 "--min-group-size", "2"])
    assert code == 2 and "at least 3" in capsys.readouterr().err


def test_status_is_a_table_for_people(workspace, files, capsys):
    from adoption.ingest import ingest_files

    ingest_files(workspace, list(files.values()))
    assert main(["status", "--workspace", str(workspace.root)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("batch"))
    assert header.split()[:4] == ["batch", "file", "kind", "format"]
    row = next(line for line in out.splitlines() if "usage.csv" in line)
    # usage.csv of tests/conftest.py: 7 rows read, 4 loaded, 3 rejected, 0 duplicate
    assert row.split()[4:8] == ["7", "4", "3", "0"] and "NaT" not in out


def test_a_closed_pipe_is_not_an_error(workspace, files, monkeypatch, tmp_path, capsys):
    """`adoption status | head`: the reader went away; no traceback, a quiet exit."""
    from adoption.ingest import ingest_files

    ingest_files(workspace, list(files.values()))
    sink = (tmp_path / "sink").open("w")

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def isatty(self):
            return False

        def fileno(self):  # where the output goes once the pipe is closed
            return sink.fileno()

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    try:
        code = main(["status", "--workspace", str(workspace.root)])
    except SystemExit as e:
        code = e.code
    sink.close()
    assert code in (0, 1) and "Traceback" not in capsys.readouterr().err


def test_several_files_on_a_terminal_get_one_progress_bar(workspace, files, monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["ingest", "--workspace", str(workspace.root), *map(str, files.values())]) == 0
    bar = err.getvalue()
    total = sum(p.stat().st_size for p in files.values())  # 1,168 bytes, shown as 1.17k
    # the bar counts the three files' bytes, naming the file being read
    assert "Ingesting" in bar and f"{total / 1000:.2f}k/{total / 1000:.2f}k" in bar and "usage.csv" in bar
    assert "3 file(s): read 15" in capsys.readouterr().out  # the summary is unchanged


def test_a_new_workspace_says_it_holds_no_data_yet(workspace, capsys):
    """Not "changed by an older version ... rebuild", which sent new users the wrong way."""
    for argv in (["metrics", "--period", "2026-01"], ["report", "--period", "2026-01"],
                 ["shadow-ai", "--period", "2026-01"]):
        assert main([argv[0], "--workspace", str(workspace.root), *argv[1:]]) == 2
        err = capsys.readouterr().err
        assert "holds no data yet" in err and "adoption ingest" in err and "rebuild" not in err


def test_survey_report_checks_the_wave_before_a_kernel_starts(demo_workspace, capsys,
                                                              monkeypatch):
    def never(*a, **k):  # pragma: no cover - reached only if the check is missing
        raise AssertionError("the notebook was started")

    monkeypatch.setattr("adoption.surveys.report.render_sentiment_report", never)
    code = main(["survey", "report", "--workspace", str(demo_workspace.root),
                 "--wave", "2026-09_ai_adoption_puls"])
    err = capsys.readouterr().err
    # the demo's waves are named by median month and instrument (adoption/demo/surveys.py)
    assert code == 2 and "did you mean '2026-09_ai_adoption_pulse'?" in err


def test_report_defaults_to_the_latest_complete_period(workspace, files, capsys, monkeypatch):
    from adoption.ingest import ingest_files

    ingest_files(workspace, list(files.values()))
    asked = {}
    monkeypatch.setattr("adoption.report.render_adoption_report",
                        lambda ws, **kw: asked.update(kw) or workspace.reports_dir / "x.html")
    # tests/conftest.py USAGE: events from Monday 5 January to Sunday 8 February 2026: no
    # month is covered completely, the week of 2 February is the latest complete week
    assert main(["report", "--workspace", str(workspace.root)]) == 2
    assert "No complete month" in capsys.readouterr().err and not asked
    assert main(["report", "--workspace", str(workspace.root), "--period-kind", "week"]) == 0
    assert asked["period"] == "2026-02-02" and asked["period_kind"] == "week"
