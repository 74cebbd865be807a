"""`make docs`: the API reference builds from the docstrings with pdoc, without a warning."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "build_api.py"


def _build_api():
    spec = importlib.util.spec_from_file_location("build_api", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_builds_without_warnings(tmp_path):
    # a fresh interpreter, as `make docs` runs it: pytest's warning filters do not apply
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "api")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # any warning is printed there (and fails the build)
    pages = {p.relative_to(tmp_path / "api").as_posix()
             for p in (tmp_path / "api").rglob("*.html")}
    # every module is documented, not only those the root's __all__ names
    expected = {f"{name.replace('.', '/')}.html" for name in _build_api().module_names()}
    assert expected <= pages, sorted(expected - pages)[:5]
    page = (tmp_path / "api" / "adoption" / "notebook.html").read_text(encoding="utf-8")
    assert "resolve_notebook_period" in page and ">Parameters</h6>" in page  # numpydoc read


def test_a_docstring_problem_fails_the_build(tmp_path, monkeypatch):
    package = tmp_path / "src" / "brokendocs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        '"""A package whose __all__ names what it lacks."""\n__all__ = ["missing"]\n',
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    found = _build_api().build_api_docs(tmp_path / "api", package="brokendocs")
    assert len(found) == 1 and "'missing' in brokendocs.__all__" in found[0]
