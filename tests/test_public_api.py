"""The public namespace is an API decision: this test pins it (like httpx's)."""

from __future__ import annotations

import importlib
import pkgutil

import adoption

EXPECTED = [
    "AdoptionError", "AdoptionReport", "IngestResult", "InputError", "Period", "ReportError",
    "Settings", "Workspace", "WorkspaceError", "__version__", "build_adoption_report",
    "compute_adoption_change", "compute_adoption_metrics", "ingest_file", "ingest_files",
    "init_workspace", "load_person_periods", "load_sources", "open_workspace", "parse_period",
    "render_adoption_report", "suppress_small_groups", "wilson_interval",
]


def test_top_level_names_are_pinned():
    assert sorted(adoption.__all__) == sorted(EXPECTED)
    for name in adoption.__all__:
        assert hasattr(adoption, name), name


def test_every_module_declares_all_and_exports_what_it_has():
    for info in pkgutil.walk_packages(adoption.__path__, "adoption."):
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), info.name
        for name in module.__all__:
            assert hasattr(module, name), f"{info.name}.{name}"
