"""The demo as a user gets it: built through the real ingest path, its story visible in the
metrics, and the report notebook runnable by plain papermill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from adoption.demo import DEMO_STORY
from adoption.metrics import compute_adoption_metrics

pytestmark = pytest.mark.slow
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "adoption_report.ipynb"


@pytest.fixture(scope="module")
def team_months(demo_workspace) -> pd.DataFrame:
    pp = demo_workspace.person_periods("month")
    return compute_adoption_metrics(pp, by="team", min_group_size=5).set_index(["team", "period"])


def test_demo_size_and_counts_reconcile(demo_workspace):
    log = demo_workspace.load("ingest_log")
    assert (log["rows_read"] == log["rows_loaded"] + log["rows_rejected"]
            + log["rows_duplicate"]).all()
    # the usage files carry the story's bad rows; the first survey wave its preview, test and
    # empty responses (adoption.demo.surveys); every other export is clean
    by_kind = log.groupby("kind")["rows_rejected"].sum()
    assert by_kind["usage"] == DEMO_STORY.bad_rows
    assert by_kind["survey"] == 3
    assert by_kind.drop(["usage", "survey"]).sum() == 0
    people = demo_workspace.load("people")
    assert people["person_id"].nunique() >= 2000
    assert people["team"].nunique() >= 30 and people["department"].nunique() >= 5


def test_demo_story_shows_in_the_metrics(team_months):
    months = list(DEMO_STORY.months)
    pen = team_months["penetration"]
    # the stalling team stays flat after month 4; the fading team ends far below its peak
    stall = pen.loc[DEMO_STORY.stalling_team].loc[months[4:]].astype(float)
    assert stall.max() - stall.min() < 0.12 and stall.max() < 0.4
    fade = pen.loc[DEMO_STORY.fading_team].astype(float)
    assert fade.max() > 0.5 and fade.loc[months[-1]] < fade.max() - 0.25
    for team in DEMO_STORY.fast_teams:
        assert pen.loc[(team, months[4])] > 0.7
    # the tiny team never shows a figure
    tiny = team_months.loc[DEMO_STORY.tiny_team]
    assert tiny["suppressed"].all() and tiny["headcount"].isna().all()


def test_plain_papermill_runs_the_report(demo_workspace, tmp_path):
    out = tmp_path / "out.ipynb"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [Path(sys.executable).parent / "papermill", str(NOTEBOOK), str(out),
         "-p", "workspace", str(demo_workspace.root), "-p", "period", "2026-01"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    cells = json.loads(out.read_text())["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3
