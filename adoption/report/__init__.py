"""Reports: the adoption report's content, captions, charts, display tables and HTML rendering.

- :func:`build_adoption_report` computes an :class:`AdoptionReport` (tidy frames) for a period.
- ``describe_*`` turn it into plain-language Markdown; ``format_*`` into display tables.
- ``plot_*`` draw its charts and return the Axes.
- :func:`render_adoption_report` renders the report notebook into the workspace's
  ``reports/`` folder as one self-contained HTML file; :func:`render_notebook` renders any
  parameterised notebook; :func:`render_index` writes the index page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adoption.lazy import lazy_exports

if TYPE_CHECKING:
    from adoption.report.captions import (
        describe_funnel,
        describe_headline,
        describe_method,
        describe_sources,
        describe_suppressed,
        describe_teams,
        describe_title,
        describe_trend,
    )
    from adoption.report.content import AdoptionReport, build_adoption_report
    from adoption.report.figures import plot_funnel, plot_team_intervals, plot_trend
    from adoption.report.index import render_index
    from adoption.report.render import (
        check_self_contained,
        render_adoption_report,
        render_notebook,
        report_notebook_path,
    )
    from adoption.report.tables import (
        format_headline_table,
        format_sources_table,
        format_team_table,
    )

#: Imported on first use: papermill and nbconvert take seconds to import, and the report
#: notebook's kernel, which imports this package, never renders; matplotlib (the figures)
#: and the display tables are not needed by a command that prints a table of metrics.
_LAZY = {
    "AdoptionReport": "adoption.report.content",
    "build_adoption_report": "adoption.report.content",
    **{name: "adoption.report.captions" for name in (
        "describe_funnel", "describe_headline", "describe_method", "describe_sources",
        "describe_suppressed", "describe_teams", "describe_title", "describe_trend")},
    **{name: "adoption.report.figures" for name in (
        "plot_funnel", "plot_team_intervals", "plot_trend")},
    **{name: "adoption.report.tables" for name in (
        "format_headline_table", "format_sources_table", "format_team_table")},
    "check_self_contained": "adoption.report.render",
    "render_adoption_report": "adoption.report.render",
    "render_notebook": "adoption.report.render",
    "report_notebook_path": "adoption.report.render",
    "render_index": "adoption.report.index",
}

__all__ = [
    "AdoptionReport",
    "build_adoption_report",
    "check_self_contained",
    "describe_funnel",
    "describe_headline",
    "describe_method",
    "describe_sources",
    "describe_suppressed",
    "describe_teams",
    "describe_title",
    "describe_trend",
    "format_headline_table",
    "format_sources_table",
    "format_team_table",
    "plot_funnel",
    "plot_team_intervals",
    "plot_trend",
    "render_adoption_report",
    "render_index",
    "render_notebook",
    "report_notebook_path",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
