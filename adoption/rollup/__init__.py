"""The heavy step of ingest on its own: raw usage events -> person x tool x day, on DuckDB or
Spark (``adoption rollup``), and the person-day source format that ingest loads."""

from adoption.rollup.run import ENGINES, RollupResult, rejects_path, rollup_events

__all__ = ["ENGINES", "RollupResult", "rejects_path", "rollup_events"]
