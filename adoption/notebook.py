"""Defaults of the notebooks' parameters, so that a notebook runs as shipped in JupyterLab.

Each notebook's ``parameters`` cell holds literals, ``None`` where the value comes from the
workspace; the cell after it resolves them::

    workspace = resolve_notebook_workspace(workspace)
    period = resolve_notebook_period(workspace, period, period_kind=period_kind)

papermill (and ``adoption report``) inject explicit values, which are taken as they are.
Errors here speak to someone in a notebook: they say which variable of the first cell to set,
or which environment variable, never a command-line option.
"""

from __future__ import annotations

import os

import pandas as pd

from adoption.canonical import latest_complete_period, load_periods, load_person_periods
from adoption.canonical.membership import load_group_labels
from adoption.errors import InputError, WorkspaceError
from adoption.periods import parse_period
from adoption.privacy import publish_labels
from adoption.workspace import (
    CONFIG_NAME,
    ENV_VAR,
    Workspace,
    open_store,
    open_workspace,
    resolve_workspace_path,
)

__all__ = [
    "load_published_person_periods",
    "resolve_notebook_period",
    "resolve_notebook_workspace",
]


def resolve_notebook_workspace(
    workspace: Workspace | str | os.PathLike[str] | None = None,
) -> Workspace:
    """The workspace a notebook works on, opened.

    Parameters
    ----------
    workspace : Workspace or path-like, optional
        The ``workspace`` parameter. ``None``: ``$ADOPTION_WORKSPACE`` (``make lab`` sets it),
        else the nearest folder at or above the notebook's folder that holds an
        ``adoption.toml`` (see :func:`adoption.workspace.resolve_workspace_path`).

    Returns
    -------
    Workspace

    Raises
    ------
    WorkspaceError
        No workspace where the parameter, the environment variable or the folders above point;
        the message says which to set.
    """
    if isinstance(workspace, Workspace):
        return workspace
    env = os.environ.get(ENV_VAR)
    root = resolve_workspace_path(workspace, search_parents=True)
    if not (root / CONFIG_NAME).is_file():
        found = (f"{str(root)!r} is not an adoption workspace (no {CONFIG_NAME} in it)"
                 if root.is_dir() else f"{str(root)!r} does not exist")
        if workspace is not None:
            where = f"The notebook's first cell sets workspace = {str(workspace)!r}, but {found}."
        elif env:
            where = f"{ENV_VAR} is {env!r}, but {found}."
        else:
            where = (f"{ENV_VAR} is not set and no folder from {os.getcwd()!r} upwards holds "
                     f"an {CONFIG_NAME}.")
        raise WorkspaceError(
            f"No workspace to open: {where} Set {ENV_VAR} to a workspace folder before starting "
            'JupyterLab (`make lab WORKSPACE=DIR`), or pass workspace="DIR" in the first cell '
            "(the folder `adoption init` or `adoption demo` made)."
        )
    return open_workspace(root)


def resolve_notebook_period(
    workspace: Workspace | str | os.PathLike[str] | None,
    period: str | None = None,
    *,
    period_kind: str = "month",
) -> str:
    """The period a notebook reports on: ``period`` as a label, else the latest complete one.

    Parameters
    ----------
    workspace : Workspace or path-like, optional
        As for :func:`resolve_notebook_workspace`.
    period : str, optional
        The ``period`` parameter (``"2026-01"``, ``"2026-Q1"``, ``"2026-W03"``, a date).
        ``None``: the latest period whose every day the data covers
        (:func:`adoption.canonical.load_periods`), so that a notebook opened mid-month shows
        last month rather than a part of this one.
    period_kind : {"week", "month", "quarter"}, default "month"

    Returns
    -------
    str
        The period's label (``"2026-01"``; a week's first day).

    Raises
    ------
    InputError
        ``period`` is None and no period of the kind is complete yet.
    PeriodError
        ``period`` cannot be parsed.
    """
    ws = resolve_notebook_workspace(workspace)
    week_start = ws.settings.week_start_index
    if period is not None:
        return parse_period(period, period_kind, week_start=week_start).label
    with open_store(ws) as store:
        latest = latest_complete_period(store, period_kind=period_kind)
        if latest is not None:
            return latest
        periods = load_periods(store, period_kind=period_kind)
    if periods.empty:
        raise InputError(
            f"No {period_kind} to report on in {str(ws.root)!r}: the store holds no activity "
            "data yet. Ingest a roster and usage or vendor exports first (`adoption ingest`)."
        )
    last = periods.iloc[-1]
    raise InputError(
        f"No complete {period_kind} to report on in {str(ws.root)!r}: the data covers no whole "
        f"{period_kind} yet (the latest, {last['period']}, has data on {last['days_in_period']} "
        f"of its {last['days']} days). Pass the period in the first cell, e.g. "
        f'period = "{last["period"]}" (its figures then cover only part of it).'
    )


def load_published_person_periods(
    workspace: Workspace | str | os.PathLike[str] | None,
    *,
    period_kind: str = "month",
    until: str | None = None,
) -> pd.DataFrame:
    """The person-period frame every ``compute_*`` metric takes, as a notebook may show it.

    The canonical frame (:func:`adoption.canonical.load_person_periods`, any AI tool) with its
    team and department labels published as in every report
    (:func:`adoption.privacy.publish_labels`), cut at ``until`` so that nothing after the
    period a notebook looks at counts. It is person-level: show what the metrics make of it
    (each protects small groups), never the frame itself.

    Parameters
    ----------
    workspace : Workspace or path-like, optional
        As for :func:`resolve_notebook_workspace`.
    period_kind : {"week", "month", "quarter"}, default "month"
    until : str, optional
        Keep the periods that start on or before this period's last day (default: all).

    Returns
    -------
    DataFrame
        Columns :data:`adoption.canonical.PERSON_PERIOD_COLUMNS`, one row per person x period.
    """
    ws = resolve_notebook_workspace(workspace)
    with open_store(ws) as store:
        people = load_person_periods(store, period_kind=period_kind)
        labels = load_group_labels(store)
    if until is not None:
        end = parse_period(until, period_kind, week_start=ws.settings.week_start_index).end
        people = people[people["period_start"] <= pd.Timestamp(end)].reset_index(drop=True)
    return publish_labels(people, ws.settings, labels=labels)
