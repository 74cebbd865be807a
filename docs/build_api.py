"""Build the API reference (HTML) from the package's docstrings with pdoc: ``make docs``.

Every module of ``adoption`` is documented, not only those the package root exports (pdoc
follows ``__all__``, and the root lists the analyst's names rather than its modules).
Docstrings are read as numpydoc. Any warning while building (a module that does not import,
a docstring pdoc cannot read) fails the build, so the reference never drifts silently.

Usage::

    python docs/build_api.py [OUTPUT_DIR]        # default: docs/api (gitignored)
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings
from pathlib import Path

__all__ = ["build_api_docs", "main", "module_names"]

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "api"


def module_names(package: str = "adoption") -> list[str]:
    """The package and every module below it, sorted (private ``_x`` ones left out)."""
    root = importlib.import_module(package)
    names = [package] + [m.name for m in pkgutil.walk_packages(root.__path__, f"{package}.")]
    return sorted(n for n in names if not any(p.startswith("_") for p in n.split(".")))


def build_api_docs(output: Path, *, package: str = "adoption") -> list[str]:
    """Write the HTML reference of ``package`` to ``output``; return the warnings raised."""
    import pdoc
    import pdoc.render

    pdoc.render.configure(docformat="numpy", show_source=False,
                          footer_text=f"{package} API reference")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*module_names(package), output_directory=Path(output))
    return [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught]


def main(argv: list[str] | None = None) -> int:
    """Build into ``argv[0]`` (default :data:`DEFAULT_OUTPUT`); 1 when any warning was raised."""
    args = sys.argv[1:] if argv is None else argv
    output = Path(args[0]) if args else DEFAULT_OUTPUT
    found = build_api_docs(output)
    for line in found:
        print(f"docs: {line}", file=sys.stderr)
    if found:
        print(f"docs: {len(found)} warning(s); fix the docstrings above (warnings are errors).",
              file=sys.stderr)
        return 1
    print(f"docs: API reference written to {output / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
