"""The files an ingest run is given: files as named, folders walked through.

A file is taken as named (never as a pattern). A folder stands for every supported file in
it and in its subfolders (names starting with a dot, such as ``.git`` or ``.DS_Store``,
aside). A symbolic link in a folder is followed only to a file inside that folder; a link to
a file or folder outside it is refused, unread, and listed with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from adoption.errors import InputError
from adoption.ingest.archive import check_inside
from adoption.ingest.formats import format_suffixes
from adoption.ingest.reader import SUPPORTED_SUFFIXES

__all__ = ["InputFiles", "collect_inputs"]


@dataclass
class InputFiles:
    """What to ingest: ``files`` in a stable order, and ``refused`` (path, reason) found while
    walking folders (links out of the folder)."""

    files: list[Path] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)


def _walk(folder: Path, suffixes: frozenset[str], out: InputFiles) -> int:
    """Add the supported files under ``folder``; returns how many entries were found."""
    found = 0
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for d in dirs:
            if (here / d).is_symlink():  # never followed; one outside the folder is named
                try:
                    check_inside(here / d, folder)
                except InputError as e:
                    out.refused.append((here / d, str(e)))
                    found += 1
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in suffixes:
                continue
            found += 1
            try:
                check_inside(path, folder)
            except InputError as e:
                out.refused.append((path, str(e)))
                continue
            # a link to a file elsewhere in the folder is given as that file (ingesting a
            # link checks it against the link's own folder)
            beside = path.resolve().is_relative_to(here.resolve())
            out.files.append(path if beside else path.resolve())
    return found


def collect_inputs(paths: Iterable[str | os.PathLike[str]]) -> InputFiles:
    """The files to ingest for ``paths`` (see the module docstring).

    Raises
    ------
    InputError
        A folder holds no supported file.
    """
    suffixes = SUPPORTED_SUFFIXES | format_suffixes()
    out = InputFiles()
    for p in map(Path, paths):
        if not p.is_dir():
            out.files.append(p)
        elif not _walk(p, suffixes, out):
            raise InputError(f"Folder {str(p)!r} holds no {sorted(suffixes)} files to ingest "
                             "(subfolders included). Check the folder, or name the files.")
    return out
