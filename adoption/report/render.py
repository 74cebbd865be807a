"""Render a parameterised notebook to one self-contained HTML file, code hidden.

:func:`render_notebook` checks the parameters, runs the notebook with papermill in a scratch
folder and exports it with nbconvert to a single HTML file with images embedded and no network
references (no MathJax, require.js, widget or font URLs). :func:`render_adoption_report`
renders a workspace's period report and refreshes the reports index.

The notebook opens the workspace's store read-only: do not hold a write connection to the
store open while rendering.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter

from adoption.errors import ReportError
from adoption.periods import parse_period
from adoption.privacy import check_min_group_size
from adoption.report.catalogue import META_PREFIX, report_entry, write_text_atomic
from adoption.report.escape import csp_meta_tag, escape_html
from adoption.report.images import svg_data_uri
from adoption.report.index import render_index
from adoption.report.navigation import insert_navigation, page_title
from adoption.version import __version__
from adoption.workspace import Workspace, as_workspace

__all__ = [
    "REPORT_NOTEBOOK",
    "check_self_contained",
    "render_adoption_report",
    "render_notebook",
    "report_notebook_path",
]

log = logging.getLogger(__name__)

#: File name of the adoption report notebook in the source tree's ``notebooks/`` folder.
REPORT_NOTEBOOK = "adoption_report.ipynb"
KERNEL = "python3"
#: Parameters copied into the HTML's ``<meta>`` tags (read back by the index).
_META_PARAMS = ("title", "period", "period_kind", "comparison_period", "wave",
                "comparison_wave")

#: our nbconvert template (adoption/report/templates/report): own markup and CSS, no script
_TEMPLATES = Path(__file__).resolve().parent / "templates"
_TEMPLATE_NAME = "report"
#: the kernel draws charts as SVG with text as text (sharp in print, a small file; see
#: adoption.report.images); the notebooks' own settings stay as they are for analysts
_KERNEL_ARGS = ["--InlineBackend.figure_formats=svg",
                "--InlineBackend.rc={'svg.fonttype': 'none', "
                "'font.sans-serif': ['DejaVu Sans', 'Arial', 'Helvetica']}"]
#: A URL that makes a browser go to the network: src/href/url()/@import with a scheme or //.
_NETWORK_REF = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*|url\(\s*["']?\s*|@import\s+["'])"""
    r"""(?:[a-z][a-z0-9+.-]*:)?//""",
    re.IGNORECASE,
)


def report_notebook_path(name: str = REPORT_NOTEBOOK) -> Path:
    """The path of a report notebook in the source tree (``notebooks/`` beside the package).

    Raises
    ------
    ReportError
        If the notebook is not there (e.g. the package was installed without its source tree).
    """
    path = Path(__file__).resolve().parents[2] / "notebooks" / name
    if not path.is_file():
        raise ReportError(
            f"Report notebook {name!r} not found at {str(path)!r}. The notebooks ship with the "
            "source tree: install adoption from a checkout with `pip install -e .`."
        )
    return path


def _check_params(notebook: Path, params: Mapping[str, object]) -> dict[str, object]:
    try:
        allowed = papermill.inspect_notebook(str(notebook))
    except Exception as e:  # papermill raises bare exceptions for unreadable notebooks
        raise ReportError(
            f"Notebook {str(notebook)!r} cannot be read ({type(e).__name__}: {e}). Check that "
            "it is a valid .ipynb file."
        ) from e
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ReportError(
            f"Notebook {notebook.name!r} has no parameter(s) {unknown!r}; allowed: "
            f"{sorted(allowed)!r}. Check the spelling or add the parameter to the notebook's "
            "`parameters` cell."
        )
    return dict(allowed)


def _default(spec: object) -> object:
    """The literal default of a parameter from ``papermill.inspect_notebook``, else None."""
    try:
        return ast.literal_eval(str(spec.get("default")))  # type: ignore[attr-defined]
    except (ValueError, SyntaxError):
        return None


def _kernel_manager(log_file: Path) -> type[AsyncKernelManager]:
    """A kernel manager whose kernel writes its own diagnostics to ``log_file``, not our stderr."""

    class ReportKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: object) -> None:
            with log_file.open("ab") as fh:  # the child keeps its own copy of the handle
                await super()._async_launch_kernel([*kernel_cmd, *_KERNEL_ARGS],
                                                   **(kw | {"stderr": fh}))

    return ReportKernelManager


def _kernel_log(path: Path) -> str:
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join(lines[-10:])


def _execute(notebook: Path, params: dict[str, object], scratch: Path, *,
             progress: bool = False) -> nbformat.NotebookNode:
    from adoption.report.progress import ENGINE

    executed = scratch / notebook.name
    kernel_log = scratch / "kernel.log"
    bar = {"desc": "Rendering", "unit": "cell", "file": sys.stderr, "leave": False}
    try:
        papermill.execute_notebook(
            str(notebook), str(executed), parameters=params, kernel_name=KERNEL,
            report_mode=True, cwd=str(scratch), progress_bar=bar if progress else False,
            log_output=False, request_save_on_cell_execute=False, engine_name=ENGINE,
            kernel_manager_class=_kernel_manager(kernel_log),
        )
    except papermill.PapermillExecutionError as e:
        first = next((ln for ln in str(e.source).splitlines() if ln.strip()), "")
        raise ReportError(
            f"Notebook {notebook.name!r} failed in cell {e.exec_count} ({first.strip()!r}): "
            f"{e.ename}: {e.evalue}. Nothing was written. To see the full traceback, run the "
            "notebook in JupyterLab with the same parameters."
        ) from e
    except Exception as e:  # kernel missing or dead, invalid notebook, ...
        raise ReportError(
            f"Notebook {notebook.name!r} could not be executed with kernel {KERNEL!r}: "
            f"{type(e).__name__}: {e}. Check that ipykernel is installed in this environment "
            "(`python -m ipykernel install --sys-prefix`). Kernel log:\n"
            f"{_kernel_log(kernel_log)}"
        ) from e
    return nbformat.read(executed, as_version=4)


def _for_readers(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop stderr output (warnings go to the log) and code cells left with no output."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.outputs:
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    log.warning("notebook stderr: %s", str(out.get("text", "")).strip())
            cell.outputs = [o for o in cell.outputs if not (
                o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def _export(nb: nbformat.NotebookNode, title: str, meta: Mapping[str, str]) -> str:
    exporter = HTMLExporter(
        extra_template_basedirs=[str(_TEMPLATES)],
        template_name=_TEMPLATE_NAME,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
    )
    exporter.register_filter("svg_data_uri", svg_data_uri)
    exporter.register_filter("escape_html", escape_html)
    exporter.environment.globals["meta_prefix"] = META_PREFIX
    exporter.environment.globals["csp_meta_tag"] = csp_meta_tag()
    html, _ = exporter.from_notebook_node(
        nb, resources={"report_meta": dict(meta), "page_title": title})
    return html


def check_self_contained(html: str, *, where: str = "report") -> None:
    """Raise :class:`ReportError` if ``html`` refers to anything on the network.

    Looks for ``src``/``href``/``url()``/``@import`` references with a scheme and ``//``
    (``https://``, ``http://``, ``//cdn...``); data URIs and in-page anchors are fine.
    """
    found = sorted({html[m.start():m.end() + 40] for m in _NETWORK_REF.finditer(html)})
    if found:
        raise ReportError(
            f"{where}: the HTML refers to the network ({found[:5]!r}); a report must be one "
            "self-contained file. Remove the output that adds these references."
        )


def render_notebook(notebook: str | os.PathLike[str], out_html: str | os.PathLike[str], *,
                    organisation: str | None = None, progress: bool = False,
                    **params: object) -> Path:
    """Run a parameterised notebook and write it as one self-contained HTML file, code hidden.

    Parameters
    ----------
    notebook : path-like
        The notebook; its first ``parameters``-tagged cell lists the allowed parameters.
    out_html : path-like
        The HTML file to write (replaced atomically; its folder is created if missing). Its
        previous/next links go to the reports of the same kind in its folder.
    organisation : str, optional
        Shown in the page's title (not a notebook parameter).
    progress : bool, default False
        Show a progress bar on stderr, named after the report section being computed.
    **params
        Parameter values (literals; paths are passed as strings).

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    ReportError
        Unknown parameters (the message lists the allowed ones), a failing cell (named, with
        its error), a missing kernel, or HTML that would reach the network.
    """
    notebook, out = Path(notebook), Path(out_html)
    if not notebook.is_file():
        raise ReportError(f"Notebook {str(notebook)!r} does not exist. Check the path.")
    allowed = _check_params(notebook, params)
    values = {k: os.fspath(v) if isinstance(v, os.PathLike) else v for k, v in params.items()}
    title = str(values.get("title") or _default(allowed.get("title", {})) or notebook.stem)
    with tempfile.TemporaryDirectory(prefix="adoption-render-") as scratch:
        nb = _execute(notebook, values, Path(scratch), progress=progress)
    meta = {k: str(values[k]) for k in _META_PARAMS if values.get(k) is not None}
    meta |= {"title": title, "notebook": notebook.name, "version": __version__,
             **({"organisation": organisation} if organisation else {}),
             "rendered_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    entry = report_entry(out.name, meta)
    html = _export(_for_readers(nb), page_title(entry, organisation), meta)
    html = insert_navigation(html, current=entry, folder=out.parent)
    check_self_contained(html, where=f"{notebook.name} -> {out.name}")
    write_text_atomic(out, html)
    log.info("rendered %s to %s (%d kB)", notebook.name, out, len(html) // 1024)
    return out


def render_adoption_report(
    workspace: Workspace | str | os.PathLike[str],
    *,
    period: str,
    period_kind: str = "month",
    comparison_period: str | None = None,
    min_group_size: int | None = None,
    title: str | None = None,
    progress: bool = False,
) -> Path:
    """Render the adoption report of one period into the workspace's ``reports/`` folder.

    Writes ``reports/adoption_<period>.html`` (e.g. ``adoption_2026-01.html``) and refreshes
    ``reports/index.html``.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace (its store is opened read-only by the notebook).
    period, period_kind, comparison_period, min_group_size
        As for :func:`adoption.report.build_adoption_report`.
    title : str, optional
        Report title (default the notebook's, "AI adoption report").
    progress : bool, default False
        Show a progress bar on stderr, section by section.

    Returns
    -------
    Path
        The report file.

    Raises
    ------
    PeriodError
        A period label that cannot be parsed.
    InputError
        ``min_group_size`` below the privacy floor.
    ReportError
        The notebook failed (e.g. no data for the period: the message says which periods have
        data) or could not be exported.
    """
    ws = as_workspace(workspace)
    week_start = ws.settings.week_start_index
    target = parse_period(period, period_kind, week_start=week_start)
    params: dict[str, object] = {"workspace": str(ws.root), "period": target.label,
                                 "period_kind": target.kind}
    if comparison_period is not None:
        params["comparison_period"] = parse_period(comparison_period, target.kind,
                                                   week_start=week_start).label
    if min_group_size is not None:
        check_min_group_size(min_group_size)
        params["min_group_size"] = int(min_group_size)
    if title:
        params["title"] = title
    out = ws.reports_dir / f"adoption_{target.label}.html"
    render_notebook(report_notebook_path(), out, organisation=ws.settings.organisation,
                    progress=progress, **params)
    render_index(ws.reports_dir, organisation=ws.settings.organisation)
    return out
