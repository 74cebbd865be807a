"""Statistical estimators shared by the metrics: reliability, NPS, shrinkage, tests."""

__all__: list[str] = []
