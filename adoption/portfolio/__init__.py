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

from adoption.lazy import lazy_exports

# loaded on first use: the section's build needs neither matplotlib nor the display code
_LAZY = {
    "JUDGEMENTS": "adoption.portfolio.build",
    "KpiImpact": "adoption.portfolio.impact",
    "KpiPanel": "adoption.portfolio.panel",
    "PortfolioSection": "adoption.portfolio.build",
    "ValueStatement": "adoption.portfolio.value",
    "build_kpi_panel": "adoption.portfolio.panel",
    "build_portfolio": "adoption.portfolio.build",
    "describe_event_studies": "adoption.portfolio.display",
    "describe_portfolio": "adoption.portfolio.display",
    "describe_portfolio_methods": "adoption.portfolio.display",
    "estimate_kpi_impact": "adoption.portfolio.impact",
    "format_comparison_table": "adoption.portfolio.display",
    "format_impact_table": "adoption.portfolio.display",
    "format_portfolio_table": "adoption.portfolio.display",
    "plot_event_studies": "adoption.portfolio.display",
    "value_statement": "adoption.portfolio.value",
}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
