"""Keep every raw file a user gave us, named by its content hash, before anything else."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

__all__ = ["archive_file", "file_sha256"]


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, streamed."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def archive_file(path: Path, archive_dir: Path) -> tuple[str, Path]:
    """Copy ``path`` into ``archive_dir/<aa>/<sha256><suffix>`` unless it is there already.

    The copy is written to a temporary name and renamed, so the archive never holds a
    partial file. Returns the hash and the archived path.
    """
    path = Path(path)
    digest = file_sha256(path)
    target = archive_dir / digest[:2] / f"{digest}{''.join(path.suffixes[-1:]).lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o444)
        tmp.replace(target)
    return digest, target
