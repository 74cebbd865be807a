"""A threshold below the workspace's is never applied, in any output: the CLI's CSV and the
rendered report HTML of the demo organisation (workspace threshold 5, asked for 3)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

import adoption
from adoption.canonical import load_population

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_copy(demo_workspace, tmp_path_factory) -> adoption.Workspace:
    """The demo workspace without its archive (not needed to read or render), so that
    rendering here does not touch the shared one."""
    root = tmp_path_factory.mktemp("privacy") / "ws"
    shutil.copytree(demo_workspace.root, root, ignore=shutil.ignore_patterns("archive", "*.html"))
    (root / "archive").mkdir()
    (root / "reports").mkdir(exist_ok=True)
    return adoption.open_workspace(root)


def _latest_month(ws: adoption.Workspace) -> tuple[str, pd.DataFrame]:
    with ws.store(read_only=True) as store:
        pop = load_population(store, period_kind="month")
    month = sorted(pop["period"].unique())[-1]
    sizes = (pop[pop["period"] == month].groupby(["department", "team"], observed=True)
             .size().rename("size").reset_index())
    return month, sizes


def test_workspace_threshold_is_five(demo_copy):
    assert demo_copy.settings.min_group_size == 5


def test_cli_csv_publishes_nothing_under_the_workspace_threshold(demo_copy):
    month, sizes = _latest_month(demo_copy)
    small = sizes[sizes["size"] < 5]
    assert len(small), "the demo has a team under 5 people (Treasury)"
    out = subprocess.run(
        ["adoption", "metrics", "--workspace", str(demo_copy.root), "--period", month,
         "--min-group-size", "3", "--format", "csv"],
        capture_output=True, text=True, check=True).stdout
    table = pd.read_csv(io.StringIO(out)).merge(sizes, on=["department", "team"])
    counts = ["headcount", "seats", "active_users", "unknown_users", "active_users_upper",
              "new_users", "returning_users", "lapsed_users"]
    under = table[table["size"] < 5]
    assert under["suppressed"].all()
    assert under[counts].isna().all().all()
    # a hidden activation rate never stands beside the seat count it was computed over
    hidden_rate = table["activation_rate"].isna() & table["seats"].notna()
    assert not (hidden_rate & (table["seats"] > 0)).any()


def test_report_html_shows_no_figure_of_a_small_team(demo_copy):
    month, sizes = _latest_month(demo_copy)
    subprocess.run(["adoption", "report", "--workspace", str(demo_copy.root), "--period", month,
                    "--min-group-size", "3"], capture_output=True, text=True, check=True)
    html = Path(demo_copy.reports_dir / f"adoption_{month}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    small = set(sizes.loc[sizes["size"] < 5, "team"])
    assert small
    rows = 0
    for tr in soup.find_all("tr"):
        cells = [c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])]
        if not any(c in small for c in cells):
            continue
        rows += 1
        numbers = [c for c in cells if c not in small and re.search(r"\d", c)
                   and not re.search(r"hidden|fewer than", c)]
        assert not numbers, (cells, "a team under 5 people shows a figure")
    assert rows, "the small team is listed (as hidden) in the report"
    # the threshold the report states is the workspace's
    assert "fewer than 3" not in soup.get_text(" ")
