"""adoption: how an organisation's AI tools are really being adopted, team by team.

The names here are the analyst's API; see the README for a tour::

    import adoption
    ws = adoption.open_workspace("demo")
    teams = adoption.compute_adoption_metrics(ws.person_periods("month"), by="team")

Names whose modules import heavy libraries (statsmodels, matplotlib, papermill) load on first
use, so that ``import adoption`` and every command line start quickly.
"""

from adoption.config import Settings
from adoption.errors import AdoptionError, InputError, ReportError, WorkspaceError
from adoption.lazy import lazy_exports
from adoption.periods import Period, parse_period
from adoption.registry import register_format_modules
from adoption.workspace import Workspace, init_workspace, open_workspace

# The readers of named source formats sit above the ingest driver in the layers: the root,
# which assembles the product, tells the driver where they are.
register_format_modules(
    "adoption.surveys.formats",
    "adoption.vendors.formats",
    "adoption.discovery.formats",
    "adoption.outcomes.formats",
    "adoption.rollup.person_days",
)

_LAZY = {
    "AdoptionReport": "adoption.report.content",
    "IngestResult": "adoption.ingest",
    "build_adoption_report": "adoption.report.content",
    "compute_adoption_change": "adoption.metrics",
    "compute_adoption_metrics": "adoption.metrics",
    "ingest_file": "adoption.ingest",
    "ingest_files": "adoption.ingest",
    "load_person_periods": "adoption.canonical",
    "load_sources": "adoption.canonical",
    "render_adoption_report": "adoption.report.render",
    "suppress_small_groups": "adoption.privacy",
    "wilson_interval": "adoption.metrics",
    # importlib.metadata, which reads the installed version, takes a tenth of a second
    "__version__": "adoption.version",
}

__all__ = [
    "AdoptionError",
    "AdoptionReport",
    "IngestResult",
    "InputError",
    "Period",
    "ReportError",
    "Settings",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "build_adoption_report",
    "compute_adoption_change",
    "compute_adoption_metrics",
    "ingest_file",
    "ingest_files",
    "init_workspace",
    "load_person_periods",
    "load_sources",
    "open_workspace",
    "parse_period",
    "render_adoption_report",
    "suppress_small_groups",
    "wilson_interval",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
