"""The DDL of the store's tables beyond the core ones, one module per part of the product.

Each module has a ``TABLES`` mapping (``CANONICAL_TABLES`` for the canonical layer) of table
name -> (grain, DDL), in creation order; :mod:`adoption.schema` collects them for the store.
The DDL lives here, below the store, so that creating a store imports no feature (the layers
are in pyproject.toml): a part that needs a new table adds it here.
"""

__all__: list[str] = []
