"""The package's layers and acyclicity hold (import-linter contracts in pyproject.toml).

``make test`` runs ``lint-imports`` too; this test puts the same check in the suite, and shows
on a copy of the package that each contract fails when it is broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = (
    "Layers: nothing imports upward",
    "No import cycles between the siblings of any package",
    "No module imports the package root (its lazy exports reach every layer)",
)


def _lint_imports() -> str:
    here = Path(sys.executable).with_name("lint-imports")
    found = str(here) if here.exists() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports is missing: install the dev extras (pip install -e '.[dev]')")
    return found


def _run(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports over the package in ``tree`` with the contracts of its pyproject.toml."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run([_lint_imports(), "--no-cache", "--no-logo"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_every_contract_is_kept():
    result = _run(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in CONTRACTS:
        assert f"{name} KEPT" in result.stdout, result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    """A copy of the package and its pyproject.toml, to break on purpose."""
    tree = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "adoption", tree / "adoption",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.mark.parametrize(("module", "line", "broken", "message"), [
    # the error types importing the command line: an upward import
    ("errors.py", "import adoption.cli", CONTRACTS[0],
     "adoption.errors is not allowed to import adoption.cli"),
    # the one home of periods importing the report
    ("periods.py", "from adoption.report import tables", CONTRACTS[0],
     "adoption.periods is not allowed to import adoption.report"),
    # canonical.build imports canonical.semantics; the way back closes a cycle
    ("canonical/semantics.py", "from adoption.canonical import build", CONTRACTS[1],
     "No cycles are allowed in adoption.canonical"),
    # a module reaching every lazily exported name through the root
    ("privacy.py", "import adoption", CONTRACTS[2], "adoption.privacy -> adoption"),
])
def test_a_broken_contract_fails(tree_copy, module, line, broken, message):
    path = tree_copy / "adoption" / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\n{line}  # added by test_layers\n", encoding="utf-8")
    try:
        result = _run(tree_copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0, result.stdout
    assert f"{broken} BROKEN" in result.stdout, result.stdout
    assert message in result.stdout, result.stdout
