"""A workspace: one folder holding settings, the raw-file archive, the store and the reports.

Layout::

    DIR/
      adoption.toml      settings (organisation, minimum group size, time zone, ...)
      secret.key         key for pseudonymising identifiers; readable by the owner only
      archive/           every raw file ever ingested, named by its SHA-256
      store.duckdb       the embedded DuckDB store
      reports/           rendered HTML reports and their index
      usecases.yaml      the use-case register, written by people (optional; or usecases.csv)
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from adoption.config import Settings
from adoption.errors import WorkspaceError

if TYPE_CHECKING:  # only for annotations: `import adoption` and `adoption --help` skip pandas
    import pandas as pd

    from adoption.store import Store

__all__ = [
    "CONFIG_NAME",
    "ENV_VAR",
    "USECASES_NAMES",
    "Workspace",
    "init_workspace",
    "normalise_identifier",
    "as_workspace",
    "open_store",
    "open_workspace",
    "resolve_workspace_path",
]

ENV_VAR = "ADOPTION_WORKSPACE"
CONFIG_NAME = "adoption.toml"
KEY_NAME = "secret.key"
STORE_NAME = "store.duckdb"
ARCHIVE_NAME = "archive"
REPORTS_NAME = "reports"
#: The use-case register's file names, the first found wins (:mod:`adoption.outcomes.register`).
USECASES_NAMES = ("usecases.yaml", "usecases.yml", "usecases.csv")


def normalise_identifier(value: str) -> str:
    """Case- and whitespace-normalised form of a person identifier (e-mail, UPN, login)."""
    return "".join(value.split()).lower()


@dataclass(frozen=True)
class Workspace:
    """An opened workspace. Create one with :func:`init_workspace`, open with :func:`open_workspace`.

    Attributes
    ----------
    root : Path
        The workspace folder.
    settings : Settings
        Its settings from ``adoption.toml``.
    """

    root: Path
    settings: Settings

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def key_path(self) -> Path:
        return self.root / KEY_NAME

    @property
    def store_path(self) -> Path:
        return self.root / STORE_NAME

    @property
    def archive_dir(self) -> Path:
        return self.root / ARCHIVE_NAME

    @property
    def reports_dir(self) -> Path:
        return self.root / REPORTS_NAME

    @property
    def usecases_path(self) -> Path:
        """The use-case register: the first of ``usecases.yaml``, ``usecases.yml`` and
        ``usecases.csv`` that exists, else where ``usecases.yaml`` would be."""
        for name in USECASES_NAMES:
            if (self.root / name).is_file():
                return self.root / name
        return self.root / USECASES_NAMES[0]

    def _key(self) -> bytes:
        try:
            key = self.key_path.read_bytes().strip()
        except FileNotFoundError as e:
            raise WorkspaceError(
                f"{self.root}: the pseudonymisation key {KEY_NAME} is missing. Restore it from "
                "your backup; without it new files cannot be matched to people already loaded."
            ) from e
        return bytes.fromhex(key.decode("ascii"))

    def pseudonymise(self, identifiers: Iterable[str | None]) -> list[str | None]:
        """Keyed hashes (HMAC-SHA256, hex, first 32 characters) of normalised identifiers.

        ``None`` and blank strings stay ``None``. The same identifier always gives the same
        hash within a workspace, and a different one in any other workspace.
        """
        key = self._key()
        out: list[str | None] = []
        for value in identifiers:
            if value is None or not str(value).strip():
                out.append(None)
                continue
            digest = hmac.new(key, normalise_identifier(str(value)).encode("utf-8"), hashlib.sha256)
            out.append(digest.hexdigest()[:32])
        return out

    def load(self, table: str) -> pd.DataFrame:
        """A canonical table of the store as a DataFrame (opened read-only, then closed)."""
        with self.store(read_only=True) as store:
            return store.read(table)

    def person_periods(self, period_kind: str = "month", *,
                       tools: list[str] | None = None) -> pd.DataFrame:
        """One row per person x period: the input of the adoption metrics.

        See :func:`adoption.canonical.load_person_periods`.
        """
        from adoption.canonical import load_person_periods

        with self.store(read_only=True) as store:
            return load_person_periods(store, period_kind=period_kind, tools=tools)

    def store(self, *, read_only: bool = False, progress: bool = False):
        """Open the workspace's DuckDB store (see :class:`adoption.store.Store`)."""
        from adoption.store import Store

        store = Store(self.store_path, settings=self.settings, read_only=read_only,
                      progress=progress)
        if not read_only:
            store.upgrade_schema()
        return store


def resolve_workspace_path(path: str | os.PathLike[str] | None, *,
                           search_parents: bool = False) -> Path:
    """The workspace folder from an explicit path, ``$ADOPTION_WORKSPACE`` or the current folder.

    Parameters
    ----------
    path : path-like, optional
        Taken as it is when given.
    search_parents : bool, default False
        Without ``path`` and ``$ADOPTION_WORKSPACE``: the nearest folder at or above the
        current folder that holds an ``adoption.toml`` (a notebook opened anywhere inside a
        workspace finds it); the current folder when there is none.
    """
    if path is None:
        path = os.environ.get(ENV_VAR)
    if not path:
        here = Path(os.getcwd()).resolve()
        found = (next((d for d in (here, *here.parents) if (d / CONFIG_NAME).is_file()), None)
                 if search_parents else None)
        path = found or here
    return Path(path).expanduser().resolve()


def open_workspace(path: str | os.PathLike[str] | None = None) -> Workspace:
    """Open an existing workspace.

    Parameters
    ----------
    path : path-like, optional
        The workspace folder; default ``$ADOPTION_WORKSPACE``, else the current folder.

    Raises
    ------
    WorkspaceError
        If the folder does not exist or is not a complete workspace.
    """
    root = resolve_workspace_path(path)
    if not root.is_dir():
        raise WorkspaceError(
            f"Workspace folder {str(root)!r} does not exist. Create it with "
            f"`adoption init {root}` or pass --workspace DIR."
        )
    config = root / CONFIG_NAME
    if not config.is_file():
        raise WorkspaceError(
            f"{str(root)!r} is not an adoption workspace (no {CONFIG_NAME}). Create one with "
            f"`adoption init DIR`, or pass --workspace DIR / set {ENV_VAR}."
        )
    missing = [n for n in (KEY_NAME, ARCHIVE_NAME, STORE_NAME, REPORTS_NAME) if not (root / n).exists()]
    if missing:
        raise WorkspaceError(
            f"Workspace {str(root)!r} is incomplete: missing {missing}. Restore them from a "
            "backup; `adoption init` never leaves a half-made workspace."
        )
    return Workspace(root=root, settings=Settings.read(config))


def as_workspace(source: Workspace | str | os.PathLike[str] | None) -> Workspace:
    """``source`` itself when it is a :class:`Workspace`, else :func:`open_workspace` of it."""
    return source if isinstance(source, Workspace) else open_workspace(source)


@contextlib.contextmanager
def open_store(source: Store | Workspace | str | os.PathLike[str] | None) -> Iterator[Store]:
    """The store behind ``source``, for reading: the one every feature's API uses.

    A :class:`~adoption.store.Store` is used as it is and left open; a :class:`Workspace` or a
    workspace path is opened read-only and closed afterwards.

    Raises
    ------
    WorkspaceError
        If ``source`` is none of these, or not a complete workspace.
    """
    from adoption.store import Store

    if isinstance(source, Store):
        yield source
        return
    if source is not None and not isinstance(source, Workspace | str | os.PathLike):
        raise WorkspaceError(
            f"expected a Workspace, a Store or a workspace path; found "
            f"{type(source).__name__!r}. Pass adoption.open_workspace(DIR).")
    with as_workspace(source).store(read_only=True) as store:
        yield store


def init_workspace(path: str | os.PathLike[str], settings: Settings | None = None) -> Workspace:
    """Create a new workspace in ``path`` (a new or empty folder).

    The workspace is built in a temporary folder beside ``path`` and moved into place at the
    end, so a failure never leaves a half-made workspace.

    Raises
    ------
    WorkspaceError
        If ``path`` is already a workspace or a folder with other files in it.
    """
    root = Path(path).expanduser().resolve()
    settings = settings or Settings()
    if (root / CONFIG_NAME).exists():
        raise WorkspaceError(f"{str(root)!r} is already an adoption workspace; use it as it is.")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise WorkspaceError(
            f"{str(root)!r} exists and is not an empty folder; a workspace needs a new or "
            "empty folder. Choose another path."
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.init-", dir=root.parent))
    try:
        (tmp / CONFIG_NAME).write_text(settings.to_toml(), encoding="utf-8")
        key_file = tmp / KEY_NAME
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        os.chmod(key_file, 0o600)
        (tmp / ARCHIVE_NAME).mkdir()
        (tmp / REPORTS_NAME).mkdir()
        from adoption.store import Store

        with Store(tmp / STORE_NAME, settings=settings) as store:
            store.create_schema()
        if root.exists():
            root.rmdir()
        tmp.rename(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Workspace(root=root, settings=settings)
