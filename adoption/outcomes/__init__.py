"""Did the AI tools pay off? The inputs: the use-case register and team outcome KPIs.

- The **use-case register** (``usecases.yaml`` or ``usecases.csv`` in the workspace folder;
  :mod:`adoption.outcomes.register`): each AI use case with its business and IT owner roles,
  tools, teams, rollout dates, status and the outcome KPIs it should move (direction, unit,
  baseline, target). :func:`load_register` reads and validates it, :func:`check_register`
  checks it against the workspace's roster, tools and outcome data
  (``adoption usecases check``).
- **Outcome KPI files** (CSV, XLSX or Parquet, format ``outcome_kpis``:
  :mod:`adoption.outcomes.kpis`): one value per team x period x KPI, ingested with
  ``adoption ingest`` into the store's ``outcomes`` table (:mod:`adoption.tables.outcomes`);
  :func:`load_outcomes` reads them.

Names are imported lazily, so importing this package stays cheap.
"""

from __future__ import annotations

from adoption.lazy import lazy_exports

__all__ = [  # noqa: F822 (lazy)
    "DIRECTIONS",
    "OUTCOME_COLUMNS",
    "STATUSES",
    "KpiTarget",
    "Register",
    "RegisterCheck",
    "RegisterProblem",
    "UseCase",
    "check_register",
    "find_unknown_outcome_teams",
    "load_outcomes",
    "load_register",
    "run_register_check",
    "validate_register",
]

_LAZY = {
    "DIRECTIONS": "adoption.outcomes.model",
    "STATUSES": "adoption.outcomes.model",
    "KpiTarget": "adoption.outcomes.model",
    "Register": "adoption.outcomes.model",
    "RegisterProblem": "adoption.outcomes.model",
    "UseCase": "adoption.outcomes.model",
    "RegisterCheck": "adoption.outcomes.register",
    "check_register": "adoption.outcomes.register",
    "load_register": "adoption.outcomes.register",
    "run_register_check": "adoption.outcomes.register",
    "validate_register": "adoption.outcomes.validation",
    "OUTCOME_COLUMNS": "adoption.outcomes.data",
    "find_unknown_outcome_teams": "adoption.outcomes.data",
    "load_outcomes": "adoption.outcomes.data",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
