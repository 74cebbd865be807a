"""The notebooks' parameter defaults: the workspace and the latest complete period with data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import adoption
from adoption.canonical import load_periods
from adoption.errors import InputError, PeriodError, WorkspaceError
from adoption.notebook import resolve_notebook_period, resolve_notebook_workspace
from adoption.workspace import resolve_workspace_path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture
def loaded(workspace, files):
    """The small workspace of conftest with its roster and usage ingested: activity from
    2026-01-05 (a Monday) to 2026-02-08 (a Sunday), conftest's USAGE."""
    adoption.ingest_files(workspace, [files["roster_jan"], files["roster_feb"], files["usage"]])
    return workspace


def test_periods_say_which_are_complete(loaded):
    with loaded.store(read_only=True) as store:
        months = load_periods(store, period_kind="month")
        weeks = load_periods(store, period_kind="week")
    # by hand: January from the 5th (27 of 31 days), February to the 8th (8 of 28 days)
    assert months[["period", "days_in_period", "days", "is_complete"]].values.tolist() == [
        ["2026-01", 27, 31, False], ["2026-02", 8, 28, False]]
    # by hand: five whole Monday-to-Sunday weeks, 2026-01-05 to 2026-02-08
    assert weeks["period"].tolist() == ["2026-01-05", "2026-01-12", "2026-01-19",
                                        "2026-01-26", "2026-02-02"]
    assert weeks["is_complete"].all()
    assert (weeks["period_start"] == pd.to_datetime(weeks["period"])).all()


def test_default_period_is_the_latest_complete_one(loaded, clean_env):
    # the last of the five whole weeks above
    assert resolve_notebook_period(loaded, period_kind="week") == "2026-02-02"
    # an explicit period (papermill's) is taken as it is, as a label
    assert resolve_notebook_period(loaded, "2026-W02", period_kind="week") == "2026-01-05"
    assert resolve_notebook_period(loaded, "2026-01") == "2026-01"
    with pytest.raises(PeriodError, match="not understood"):
        resolve_notebook_period(loaded, "January")


def test_no_complete_period_says_what_to_set(loaded):
    with pytest.raises(InputError) as e:
        resolve_notebook_period(loaded)  # neither month is whole (see above)
    text = str(e.value)
    assert "2026-02, has data on 8 of its 28 days" in text and 'period = "2026-02"' in text
    assert "first cell" in text and "--" not in text



def test_no_activity_data_says_what_to_ingest(workspace, files):
    adoption.ingest_files(workspace, [files["roster_jan"]])  # people, but no activity yet
    with pytest.raises(InputError, match="no activity data yet. Ingest"):
        resolve_notebook_period(workspace)


def test_demo_default_period(demo_workspace, clean_env):
    # the demo's data ends on Sunday 2026-11-01 (adoption.demo.story): October is the last
    # whole month, Q3 the last whole quarter, the week of 19 October the last whole week
    assert resolve_notebook_period(demo_workspace) == "2026-10"
    assert resolve_notebook_period(demo_workspace, period_kind="quarter") == "2026-Q3"
    assert resolve_notebook_period(demo_workspace, period_kind="week") == "2026-10-19"


def test_workspace_from_parameter_environment_or_folders_above(workspace, tmp_path,
                                                                 monkeypatch, clean_env):
    assert resolve_notebook_workspace(workspace) is workspace
    assert resolve_notebook_workspace(str(workspace.root)).root == workspace.root
    monkeypatch.setenv("ADOPTION_WORKSPACE", str(workspace.root))
    monkeypatch.chdir(tmp_path)
    assert resolve_notebook_workspace(None).root == workspace.root
    monkeypatch.delenv("ADOPTION_WORKSPACE")
    inside = workspace.root / "reports" / "drafts"
    inside.mkdir()
    monkeypatch.chdir(inside)  # a notebook opened in a folder of the workspace
    assert resolve_notebook_workspace(None).root == workspace.root
    # the command line keeps its rule: the current folder, not a search
    assert resolve_workspace_path(None) == inside.resolve()


def test_workspace_errors_speak_notebook(tmp_path, monkeypatch, clean_env):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkspaceError) as e:
        resolve_notebook_workspace(None)
    assert "ADOPTION_WORKSPACE is not set" in str(e.value)
    assert 'workspace="DIR" in the first cell' in str(e.value)
    monkeypatch.setenv("ADOPTION_WORKSPACE", str(tmp_path / "gone"))
    with pytest.raises(WorkspaceError, match="ADOPTION_WORKSPACE is .*gone.* does not exist"):
        resolve_notebook_workspace(None)
    with pytest.raises(WorkspaceError, match="first cell sets workspace = .*no adoption.toml"):
        resolve_notebook_workspace(tmp_path)
    for err in (e,):
        assert "--workspace" not in str(err.value)


@pytest.mark.parametrize("name", ["adoption_report", "sentiment_report", "explore"])
def test_shipped_notebooks_default_to_the_workspace(name):
    """As shipped, no parameter names a folder or a period of this machine or of the demo."""
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    first = nb["cells"][0]
    assert first["metadata"]["tags"] == ["parameters"]
    source = "".join(first["source"])
    assert "workspace = None" in source
    assert "period = None" in source or "wave = None" in source
    resolve = "".join(nb["cells"][1]["source"])
    assert "workspace = resolve_notebook_workspace(workspace)" in resolve
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def test_person_periods_published_and_cut(workspace, files, tmp_path):
    from conftest import ROSTER_FEB, ROSTER_JAN

    from adoption.notebook import load_published_person_periods

    # the roster's Alpha carries its manager's name, as some HR systems export it
    for name, text in (("jan.csv", ROSTER_JAN), ("feb.csv", ROSTER_FEB)):
        (tmp_path / name).write_text(text.replace(",Alpha,", ",Alpha (Bob Boss),"),
                                     encoding="utf-8")
    adoption.ingest_files(workspace, [tmp_path / "jan.csv", tmp_path / "feb.csv",
                                      files["usage"]])
    every = load_published_person_periods(workspace)
    assert sorted(every["period"].unique()) == ["2026-01", "2026-02"]  # usage: January, February
    assert sorted(every["team"].astype(str).unique()) == ["Alpha", "Beta"]  # the name removed
    january = load_published_person_periods(workspace, until="2026-01")
    assert january["period"].astype(str).unique().tolist() == ["2026-01"]
    assert len(january) == (every["period"] == "2026-01").sum()
