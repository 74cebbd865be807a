"""Money and governance: seat utilisation, reclaimable spend, overlaps and alerts."""

__all__: list[str] = []
