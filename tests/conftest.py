"""Shared fixtures: small workspaces and input files, all under pytest's tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib as mpl
import pytest

mpl.use("Agg")

from hypothesis import settings  # noqa: E402

import adoption  # noqa: E402

# Property tests explore the same examples on every run and machine, so a CI failure
# reproduces locally; set HYPOTHESIS_PROFILE=explore to search afresh.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

#: the public reference datasets (read in place, never copied into the repository): the shared
#: folder beside the checkout, or wherever ADOPTION_SHARED_DATASETS points
SHARED_DATASETS = Path(os.environ.get("ADOPTION_SHARED_DATASETS")
                       or Path(__file__).resolve().parents[2] / "shared" / "datasets")


@pytest.fixture
def shared_dataset():
    """``shared_dataset(name)``: the path of a reference dataset; skips, saying where it
    looked, when the dataset is not on this machine."""
    def find(name: str) -> Path:
        path = SHARED_DATASETS / name
        if not path.is_file():
            pytest.skip(f"reference dataset {name} not found in {SHARED_DATASETS}; set "
                        "ADOPTION_SHARED_DATASETS to the folder that holds it")
        return path
    return find

ROSTER_JAN = """email,name,team,department,manager_email,location,role,start_date,end_date,as_of
ann@example.com,Ann,Alpha,Eng,bob@example.com,Berlin,Dev,2025-01-01,,2026-01-01
bob@example.com,Bob,Alpha,Eng,,Berlin,Lead,2024-01-01,,2026-01-01
cat@example.com,Cat,Beta,Eng,bob@example.com,Paris,Dev,2025-06-01,,2026-01-01
dan@example.com,Dan,Beta,Eng,bob@example.com,Paris,Dev,2025-06-01,,2026-01-01
"""

# Ann moves Alpha -> Beta on 2026-02-01; Bob leaves 2026-02-20; Cat is gone (left 2026-01-31);
# Eve joins 2026-01-15.
ROSTER_FEB = """email,name,team,department,manager_email,location,role,start_date,end_date,as_of
ann@example.com,Ann,Beta,Eng,bob@example.com,Berlin,Dev,2025-01-01,,2026-02-01
bob@example.com,Bob,Alpha,Eng,,Berlin,Lead,2024-01-01,2026-02-20,2026-02-01
dan@example.com,Dan,Beta,Eng,bob@example.com,Paris,Dev,2025-06-01,,2026-02-01
eve@example.com,Eve,Alpha,Eng,bob@example.com,Paris,Dev,2026-01-15,,2026-02-01
"""

USAGE = """timestamp;email;tool;feature;count
2026-01-05T09:00:00+01:00;Ann@Example.com ;Copilot;chat;3
2026-01-05T23:30:00Z;ann@example.com;Copilot;chat;1
yesterday;ann@example.com;Copilot;chat;1
2026-01-06T10:00:00+01:00;;Copilot;chat;1
2026-01-07T10:00:00+01:00;cat@example.com;Copilot;;abc
2026-02-07T10:00:00+01:00;dan@example.com;Copilot;;
2026-02-08T10:00:00+01:00;ann@example.com;ChatGPT;chat;2
"""


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def workspace(tmp_path: Path) -> adoption.Workspace:
    """An empty workspace in Europe/Berlin time."""
    return adoption.init_workspace(tmp_path / "ws", adoption.Settings(time_zone="Europe/Berlin"))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """The small roster snapshots and usage file above, written as users would drop them."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    out = {}
    for name, text in {"roster_jan.csv": ROSTER_JAN, "roster_feb.csv": ROSTER_FEB,
                       "usage.csv": USAGE}.items():
        (folder / name).write_text(text, encoding="utf-8")
        out[name.split(".")[0]] = folder / name
    return out


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(adoption.workspace.ENV_VAR, raising=False)
    return os.environ


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> adoption.Workspace:
    """The full synthetic demo organisation, built as `adoption demo` builds it (with its
    latest monthly report rendered). Shared by the slow end-to-end tests."""
    from adoption.demo import build_demo

    root = tmp_path_factory.mktemp("demo") / "demo"
    build_demo(root, reports=1)
    return adoption.open_workspace(root)


def _governance_workspace(root: Path, **settings) -> adoption.Workspace:
    """The governance fixture organisation (tests/fixtures/governance), ingested, with GitHub's
    last activity of b3 added (so that b3's seat is not idle); minimum group size 3, names
    kept unless ``settings`` say otherwise."""
    folder = Path(__file__).parent / "fixtures" / "governance"
    base = dict(time_zone="Europe/Berlin", min_group_size=3, keep_names=True)
    ws = adoption.init_workspace(root, adoption.Settings(**{**base, **settings}))
    adoption.ingest_files(ws, [folder / n for n in ("roster.csv", "tools.csv", "seats.csv",
                                                    "usage.csv")])
    (b3,) = ws.pseudonymise(["b3@example.com"])
    with ws.store() as store:
        store.con.execute("INSERT INTO seat_activity VALUES (?, 'Copilot', DATE '2026-01-31', "
                          "DATE '2026-01-15', NULL, 999)", [b3])
        refresh_store(store)
    return ws


def level_row(frame, period: str, department=None, team=None):
    """The one row of a table of all levels for a period and group (department and team
    missing on the rows above them)."""
    sel = frame["period"] == period
    sel &= frame["department"].isna() if department is None else frame["department"] == department
    sel &= frame["team"].isna() if team is None else frame["team"] == team
    assert sel.sum() == 1, (period, department, team)
    return frame.loc[sel].iloc[0]


def refresh_store(store) -> None:
    """Rebuild the canonical tables after a test wrote staged rows directly (not by ingest)."""
    from adoption.canonical import refresh_canonical

    with store.transaction():
        refresh_canonical(store.con, week_start=store.settings.week_start_index)


@pytest.fixture(scope="session")
def governance_workspace():
    """``governance_workspace(root, **settings)``: builds the governance fixture workspace."""
    return _governance_workspace


#: Debian's chromium (never a downloaded browser), driven by Playwright
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def browser_context(tmp_path: Path):
    """A headless, offline Chromium context with a fresh profile under ``tmp_path``; skips
    (fails on CI) when Debian's ``chromium`` is not installed."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: .ci/run installs Debian's chromium.")
        pytest.skip("Chromium is not installed (no `chromium` on PATH); install the Debian "
                    "package `chromium` to run the browser test.")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, offline=True,
        )
        try:
            yield context
        finally:
            context.close()
