"""``adoption --help`` and ``import adoption`` stay quick: no heavy library is loaded.

pandas alone takes seconds to import on a loaded machine; the command line imports what a
command needs when the command runs.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "duckdb", "scipy", "statsmodels", "matplotlib", "papermill")


def _imported(*args: str) -> set[str]:
    """Every module ``python -X importtime ARGS`` imports (its import-time report on stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


@pytest.mark.parametrize("args", [("-m", "adoption.cli", "--help"), ("-c", "import adoption")])
def test_no_heavy_library_at_start(args):
    modules = _imported(*args)
    assert "adoption" in modules  # the report is read: the package itself is listed
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert loaded == [], f"{' '.join(args)} imports {loaded[:10]}"


def test_report_kernel_loads_no_rendering_machinery():
    """What the report notebooks import in their kernel needs no nbformat, papermill or
    nbconvert: their schema checks (jsonschema, rfc3987) alone take seconds at import."""
    cells = json.loads((ROOT / "notebooks" / "adoption_report.ipynb").read_text("utf-8"))["cells"]
    imports = []
    for cell in cells:
        if cell["cell_type"] == "code":
            code = "\n".join(line for line in "".join(cell["source"]).splitlines()
                             if not line.startswith("%"))  # IPython magics
            imports += [ast.unparse(node) for node in ast.parse(code).body
                        if isinstance(node, ast.Import | ast.ImportFrom)]
    imports = "\n".join(imports)
    modules = _imported("-c", imports)
    assert "adoption.report.content" in modules  # the notebook's imports did run
    loaded = sorted(m for m in modules
                    if m.split(".")[0] in ("nbformat", "papermill", "nbconvert", "jsonschema"))
    assert loaded == [], f"the report's kernel imports {loaded[:10]}"


def test_metrics_command_loads_no_model_or_chart_library():
    """``adoption metrics`` must answer in under a second: what it imports (the metric sets,
    the report's words and plain-text formatting) loads no statsmodels, scipy.stats,
    matplotlib or the Styler's templates (jinja2), each a large share of that second."""
    modules = _imported("-c", "import adoption.cli, adoption.canonical, adoption.metrics.sets, "
                              "adoption.report.content, adoption.report.tables, "
                              "adoption.metrics, adoption.report")
    assert "adoption.metrics.sets" in modules and "adoption.report.tables" in modules
    loaded = sorted(m for m in modules if m.split(".")[0] in ("statsmodels", "matplotlib",
                                                               "jinja2", "seaborn")
                    or m.startswith("scipy.stats"))
    assert loaded == [], f"adoption metrics imports {loaded[:10]}"
