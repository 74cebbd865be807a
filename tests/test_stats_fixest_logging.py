"""pyfixest's import must not turn on INFO logging for the whole process (adoption.stats.fixest)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_pyfixest_leaves_the_root_logger_alone():
    # in a fresh process: the test session may have imported pyfixest already
    code = (
        "import logging\n"
        "from adoption.stats.fixest import pyfixest\n"
        "pf = pyfixest()\n"
        "import pyfixest.estimation.models.feols_compressed_\n"  # the module that calls basicConfig
        "root = logging.getLogger()\n"
        "print(root.level, len(root.handlers), hasattr(pf, 'feols'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    # WARNING (30) is the root logger's default level; no handler installed by the import
    assert out == ["30", "0", "True"]

