"""The embedded DuckDB store: the only module that opens a DuckDB database file."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from adoption.config import Settings
from adoption.errors import InputError, WorkspaceError
from adoption.schema import SCHEMA_VERSION, all_tables

__all__ = ["Store"]

log = logging.getLogger(__name__)


class Store:
    """A workspace's DuckDB database.

    Parameters
    ----------
    path : Path
        The database file.
    settings : Settings
        Workspace settings (the time zone is applied to the connection).
    read_only : bool
        Open without write access (several readers may then share the file).
    memory_limit : str, optional
        DuckDB's memory limit; larger work spills to a temporary folder. Default: 1GB when
        writing (ingest streams, so this bounds its memory), DuckDB's own default (80% of
        RAM) when reading, where analysis queries return large frames.
    progress : bool
        Show DuckDB's progress bar (with time remaining) for queries running over 2 seconds.

    Examples
    --------
    >>> import adoption, tempfile
    >>> ws = adoption.init_workspace(tempfile.mkdtemp() + "/ws")
    >>> with ws.store() as store:
    ...     store.read("ingest_log").shape[0]
    0
    """

    def __init__(
        self,
        path: Path,
        *,
        settings: Settings | None = None,
        read_only: bool = False,
        memory_limit: str | None = None,
        progress: bool = False,
    ) -> None:
        self.path = Path(path)
        self.settings = settings or Settings()
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise WorkspaceError(f"Store {str(self.path)!r} does not exist; ingest files first.")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as e:
            raise WorkspaceError(
                f"Store {str(self.path)!r} cannot be opened ({e}). If another `adoption` command "
                "or a notebook is writing to it, wait for it to finish and try again."
            ) from e
        self.con.execute(f"SET TimeZone = '{self.settings.time_zone}'")
        if memory_limit is None and not read_only:
            memory_limit = "1GB"
        if memory_limit is not None:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET preserve_insertion_order = false")
        try:
            self.con.execute(f"SET enable_progress_bar = {str(progress).lower()}")
            self.con.execute(f"SET enable_progress_bar_print = {str(progress).lower()}")
        except duckdb.InvalidInputException:
            pass  # inside a Jupyter kernel without ipywidgets DuckDB refuses the setting
        # large queries spill here instead of failing; a reader may not write beside the file
        tmp = (self.path.parent / ".duckdb_tmp" if not read_only
               else Path(tempfile.gettempdir()) / f"adoption-duckdb-{os.getpid()}")
        self.con.execute(f"SET temp_directory = '{tmp.as_posix()}'")

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create_schema(self) -> None:
        """Create every canonical table (idempotent) and record the schema version."""
        with self.transaction():
            for _grain, ddl in all_tables().values():
                self.con.execute(ddl)
            self.con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )

    def upgrade_schema(self) -> None:
        """Add the tables a newer version of the product has (tables are only ever added)."""
        have = {r[0] for r in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        if "meta" in have and not set(all_tables()) <= have:
            self.create_schema()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction: it commits whole or rolls back whole."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------------
    def read(self, name: str) -> pd.DataFrame:
        """A canonical table as a DataFrame (see :data:`adoption.schema.TABLES` for grains)."""
        if name not in all_tables():
            raise InputError(
                f"Table {name!r} is not in the store; known tables: {sorted(all_tables())}.")
        return self.con.execute(f"SELECT * FROM {name}").df()

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a read query and return a DataFrame."""
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def next_batch_id(self) -> int:
        return int(self.scalar("SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_log"))

    def fingerprint(self) -> dict[str, tuple]:
        """Row count and an order-independent hash of every table, to prove a store unchanged."""
        out = {}
        for name in all_tables():
            cols = self.con.execute(f"SELECT * FROM {name} LIMIT 0").description
            expr = " || '|' || ".join(f"coalesce(CAST({c[0]} AS VARCHAR), '∅')" for c in cols)
            out[name] = self.con.execute(
                f"SELECT count(*), coalesce(sum(hash({expr})), 0) FROM {name}"
            ).fetchone()
        return out
