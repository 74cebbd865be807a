"""Keep every raw file a user gave us, named by its content hash, before anything lands."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

from adoption.errors import InputError

__all__ = ["ArchiveCopy", "archive_file", "archived_path", "check_inside", "file_sha256"]


def check_inside(path: Path, folder: Path) -> None:
    """Refuse ``path`` when it is a symbolic link to a file outside ``folder`` (a link in an
    export folder to a system file is not an export); nothing of the target is read.

    Raises
    ------
    InputError
        The link points outside the folder.
    """
    path, folder = Path(path), Path(folder)
    target = path.resolve()
    if target.is_relative_to(folder.resolve()):
        return
    raise InputError(
        f"{path}: this is a symbolic link to a file outside the folder {str(folder)!r}; it was "
        "not read, and nothing was stored or archived. Copy the file itself into the folder "
        "(or give the file's own path) if it is an export to ingest.")


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, streamed."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def archived_path(path: Path, archive_dir: Path, digest: str) -> Path:
    """Where the file with this content lives in the archive: ``<aa>/<sha256><suffix>``."""
    return archive_dir / digest[:2] / f"{digest}{''.join(Path(path).suffixes[-1:]).lower()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_parts(target: Path) -> None:
    """Partial copies left by a process that was killed mid-copy (never by a live one)."""
    for part in target.parent.glob(f".{target.name}.*.part"):
        pid = part.name[len(target.name) + 2:].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            part.unlink(missing_ok=True)


def _copy(path: Path, target: Path) -> bool:
    """Copy ``path`` to ``target`` unless it is there; True when this call made it."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o444)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return True


class ArchiveCopy:
    """Copy a file into the archive in a background thread.

    The batch starts reading the file at once and calls :meth:`wait` before it commits, so
    nothing lands in the store unless its raw file is safely archived, and the copy costs
    no extra time. The copy goes to a temporary name and is renamed, so the archive never
    holds a partial file. A batch that is refused takes its copy back out
    (:meth:`discard`): the archive holds the files of the batches in the store.
    """

    def __init__(self, path: Path, archive_dir: Path, digest: str) -> None:
        self.target = archived_path(path, archive_dir, digest)
        self._error: BaseException | None = None
        self._created = False
        self._thread = threading.Thread(target=self._run, args=(Path(path),), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._created = _copy(path, self.target)
        except BaseException as e:  # handed to wait()
            self._error = e

    def wait(self) -> Path:
        """Block until the copy is done; re-raise its error, if any."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.target

    def discard(self) -> None:
        """Wait for the copy and remove it again if this copy made it (the file was not in
        the archive before); errors of the copy are not raised."""
        self._thread.join()
        if self._created:
            self.target.unlink(missing_ok=True)


def archive_file(path: Path, archive_dir: Path) -> tuple[str, Path]:
    """Hash ``path`` and copy it into the archive (if not there yet); returns hash and path."""
    digest = file_sha256(path)
    return digest, ArchiveCopy(path, archive_dir, digest).wait()
