"""The use-case portfolio: what each AI use case changed in its KPIs, what it costs, and its status.

Built on the use-case register and outcome KPIs (:mod:`adoption.outcomes`), the canonical
marts (adoption of the use case's tools by team), the governance spend tables, and the impact
estimators of :mod:`adoption.stats` (difference in differences, staggered event studies,
interrupted time series, dose-response).

- :func:`build_portfolio`: the report's portfolio section of one period
  (:class:`PortfolioSection`).
- :func:`build_kpi_panel` / :func:`estimate_kpi_impact`: one KPI's team x period panel and its
  impact estimate with a verdict, for analysts.
- :func:`value_statement`: cost per unit of KPI change and payback, only where the estimate
  shows an improvement.
- ``describe_portfolio``, ``format_portfolio_table``, ``format_comparison_table``,
  ``plot_event_studies``: the section's words, tables and chart;
  ``describe_portfolio_methods`` and ``format_impact_table``: the methods, for "How to read
  this report".
"""

from adoption.portfolio.build import JUDGEMENTS, PortfolioSection, build_portfolio
from adoption.portfolio.display import (
    describe_event_studies,
    describe_portfolio,
    describe_portfolio_methods,
    format_comparison_table,
    format_impact_table,
    format_portfolio_table,
    plot_event_studies,
)
from adoption.portfolio.impact import KpiImpact, estimate_kpi_impact
from adoption.portfolio.panel import KpiPanel, build_kpi_panel
from adoption.portfolio.value import ValueStatement, value_statement

__all__ = [
    "JUDGEMENTS",
    "KpiImpact",
    "KpiPanel",
    "PortfolioSection",
    "ValueStatement",
    "build_kpi_panel",
    "build_portfolio",
    "describe_event_studies",
    "describe_portfolio",
    "describe_portfolio_methods",
    "estimate_kpi_impact",
    "format_comparison_table",
    "format_impact_table",
    "format_portfolio_table",
    "plot_event_studies",
    "value_statement",
]
