"""Progress of a report render, section by section, on the command line.

papermill draws a tqdm bar over a notebook's cells; the engine here names the bar after the
report section the running cell belongs to (the last ``#``/``##`` heading above it, or the
cell's id for the computing cells before the first heading), so that a change manager sees
"Rendering: Teams" rather than a bare cell count.
"""

from __future__ import annotations

import re

from papermill.engines import NBClientEngine, papermill_engines

__all__ = ["ENGINE", "SectionProgressEngine", "section_names"]

#: The papermill engine name of :class:`SectionProgressEngine`.
ENGINE = "adoption-sections"

#: What the cells that are not computing a section are doing.
_STARTING = {"imports": "starting the kernel", "parameters": "parameters",
             "injected-parameters": "parameters", "resolve-parameters": "checking parameters"}

_HEADING = re.compile(r"^#{1,3}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def section_names(nb) -> list[str]:
    """The section each cell of ``nb`` belongs to, in words, one per cell."""
    names, current = [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (m := _HEADING.search(cell.source)):
            current = m[1]
        if current is None:  # before the first heading: say what is being computed
            cid = str(cell.get("id") or "")
            what = re.sub(r"^(build|compute)-", "", cid).replace("-", " ")
            names.append(_STARTING.get(cid, f"computing {what}".strip() if what else "computing"))
        else:
            names.append(current)
    return names


class SectionProgressEngine(NBClientEngine):
    """papermill's nbclient engine, with the progress bar named after the current section."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        names = section_names(nb_man.nb)
        start = nb_man.cell_start

        def cell_start(cell, cell_index=None, **kw):
            start(cell, cell_index, **kw)
            if nb_man.pbar is not None and cell_index is not None:
                nb_man.pbar.set_description(names[cell_index][:40], refresh=True)

        nb_man.cell_start = cell_start
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


papermill_engines.register(ENGINE, SectionProgressEngine)
