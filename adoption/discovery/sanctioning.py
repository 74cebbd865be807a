"""What is sanctioned: the one home of the rules for tools and for catalogue services.

**Tools** (names of the ``tools`` catalogue, of seats and of activity exports):

- a tool named in ``[governance] sanctioned`` (any case) or marked sanctioned in the ``tools``
  catalogue (``is_sanctioned`` true) is **sanctioned**;
- when the workspace says anything about sanctioning (a ``[governance] sanctioned`` list, or a
  catalogue with a sanctioned value for at least one tool), every other tool is
  **unsanctioned**: one missing from the catalogue or left blank there is one IT has not
  approved (a ChatGPT workspace a department bought on its own, say);
- when it says nothing at all, every tool's status is **unknown**: shadow-AI figures then
  rest on discovery logs only, and say so.

**Catalogue services** (of :mod:`adoption.discovery.catalogue`, per discovery row):

- a service named in ``[governance] sanctioned`` is sanctioned for everyone;
- a service linked (catalogue ``tools`` column or ``[discovery.tools]``) to a sanctioned tool
  shares its domains with the consumer version (chatgpt.com serves ChatGPT Enterprise and free
  accounts alike). If that tool has seats in the store, use by a person holding a seat of it on
  that day is sanctioned use and use by anyone else is unsanctioned (a personal account,
  status ``seat``); device-only rows cannot be told apart and count as neither. If the tool has
  no seats at all (an organisation-wide licence), every use is sanctioned;
- every other catalogue service is unsanctioned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from adoption.errors import InputError

__all__ = ["TOOL_STATUSES", "classify_tools", "sanctioned_list", "service_status_frame"]

#: Values of :func:`classify_tools`.
TOOL_STATUSES = ("sanctioned", "unsanctioned", "unknown")


def sanctioned_list(settings: Any) -> list[str]:
    """``[governance] sanctioned`` of the workspace settings, checked."""
    listed = settings.section("governance").get("sanctioned", []) or []
    if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
        raise InputError(
            f"adoption.toml [governance] sanctioned is {listed!r}; write a list of tool or "
            "service names, e.g. sanctioned = [\"ChatGPT Enterprise\", \"DeepL Write\"].")
    return [x.strip() for x in listed if x.strip()]


def classify_tools(names: Iterable[str], catalogue: pd.DataFrame,
                   listed: Iterable[str]) -> pd.Series:
    """The status of each tool name: ``sanctioned``, ``unsanctioned`` or ``unknown``.

    Parameters
    ----------
    names : iterable of str
        Tool names to classify (of seats, activity or the catalogue).
    catalogue : DataFrame
        The ``tools`` table (columns ``tool`` and ``is_sanctioned``, true, false or missing).
    listed : iterable of str
        ``[governance] sanctioned``.

    Returns
    -------
    pandas.Series
        Indexed by the distinct names (in order), values from :data:`TOOL_STATUSES`.
    """
    names = list(dict.fromkeys(str(n) for n in names))
    lowered = {str(x).strip().lower() for x in listed}
    flags = catalogue.get("is_sanctioned", pd.Series(dtype=object))
    # a blank cell, or a catalogue without the column, is missing (<NA>): never truth-tested
    stated = pd.Series(flags, dtype=object).astype("boolean").fillna(False).to_numpy(bool)
    known = {str(t).lower() for t, s in zip(catalogue.get("tool", []), stated, strict=True)
             if s}
    informed = bool(lowered) or bool(pd.Series(flags, dtype=object).notna().any())
    status = ["sanctioned" if n.lower() in lowered or n.lower() in known
              else "unsanctioned" if informed else "unknown" for n in names]
    return pd.Series(status, index=pd.Index(names, name="tool"), dtype=object, name="status")


def service_status_frame(catalogue: pd.DataFrame, tools: pd.DataFrame, listed: Iterable[str],
                         seat_tools: Iterable[str]) -> pd.DataFrame:
    """How each catalogue service counts (see the module docstring).

    Parameters
    ----------
    catalogue : DataFrame
        :func:`adoption.discovery.catalogue.load_catalogue`.
    tools : DataFrame
        The ``tools`` table.
    listed : iterable of str
        ``[governance] sanctioned``.
    seat_tools : iterable of str
        Tools with seats in the store.

    Returns
    -------
    pandas.DataFrame
        ``service, vendor, category, status`` (``sanctioned``, ``seat`` or ``unsanctioned``),
        ``seat_tools`` (the sanctioned tools whose seat holders use the service sanctioned,
        ``;``-separated).
    """
    listed = [str(x) for x in listed]
    listed_lower = {x.strip().lower() for x in listed}
    with_seats = {str(t).lower() for t in seat_tools}
    linked_names = [t for linked in catalogue["tools"] for t in linked]
    names = [*tools.get("tool", pd.Series(dtype=str)).astype(str), *linked_names]
    status = classify_tools(names, tools, listed)
    sanctioned = {t.lower(): t for t, s in status.items() if s == "sanctioned"}
    statuses, links = [], []
    for service, linked in zip(catalogue["service"], catalogue["tools"], strict=True):
        hits = [sanctioned[t.lower()] for t in linked if t.lower() in sanctioned]
        seats = [t for t in hits if t.lower() in with_seats]
        if service.lower() in listed_lower or (hits and not seats):
            statuses.append("sanctioned")
            links.append("")
        elif seats:
            statuses.append("seat")
            links.append(";".join(seats))
        else:
            statuses.append("unsanctioned")
            links.append("")
    return catalogue[["service", "vendor", "category"]].assign(status=statuses,
                                                                seat_tools=links)
