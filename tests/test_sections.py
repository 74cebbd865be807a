"""The report's sections computed side by side equal the sections computed in turn."""

from __future__ import annotations

import dataclasses
import warnings
from concurrent.futures.process import BrokenProcessPool

import pandas as pd
import pytest

from adoption.sections import ReportSections, build_report_sections


def _frames(section) -> dict[str, pd.DataFrame]:
    """Every DataFrame of a section (dataclass) or the frame itself."""
    if isinstance(section, pd.DataFrame):
        return {"": section}
    if section is None:
        return {}
    return {f.name: getattr(section, f.name) for f in dataclasses.fields(section)
            if isinstance(getattr(section, f.name), pd.DataFrame)}


def _assert_same(a: ReportSections, b: ReportSections) -> None:
    for name in ("report", "governance", "sentiment", "sources", "segments", "dynamics"):
        left, right = _frames(getattr(a, name)), _frames(getattr(b, name))
        assert left.keys() == right.keys(), name
        for key in left:
            pd.testing.assert_frame_equal(left[key], right[key], obj=f"{name}.{key}")
    assert a.governance.captions == b.governance.captions


@pytest.fixture(scope="module")
def period(demo_workspace) -> str:
    with demo_workspace.store(read_only=True) as store:
        return store.query("SELECT max(period) AS p FROM period_spans "
                           "WHERE period_kind = 'month'")["p"][0]


def test_side_by_side_gives_the_same_sections(demo_workspace, period):
    together = build_report_sections(demo_workspace, period=period, parallel=True)
    in_turn = build_report_sections(demo_workspace, period=period, parallel=False)
    _assert_same(together, in_turn)
    assert len(together.governance.alerts) and len(together.dynamics.first_use)


def test_a_worker_that_cannot_start_leaves_nothing_out(demo_workspace, period, monkeypatch):
    class NoWorkers:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, *a, **k):
            raise BrokenProcessPool("no process can be forked here")

    monkeypatch.setattr("adoption.sections.ProcessPoolExecutor", NoWorkers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = build_report_sections(demo_workspace, period=period, parallel=True)
    _assert_same(out, build_report_sections(demo_workspace, period=period, parallel=False))


def test_an_error_in_a_worker_is_the_error_of_the_section(demo_workspace):
    from adoption.errors import AdoptionError

    with pytest.raises(AdoptionError, match="2019-01"):  # no data then: said, not hidden
        build_report_sections(demo_workspace, period="2019-01", parallel=True)
