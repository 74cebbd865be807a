"""Copilot usage segments by team for the periodic report (Viva Insights person-weeks).

The segments are vivainsights' own (:func:`adoption.vendors.segments.identify_usage_segments`);
this module puts each person in the roster team they were in that week (resolved through the
one identity map), takes the last week that starts in the report's period, and protects small
teams with :func:`adoption.vendors.segments.summarise_segments`.

A person query without an e-mail attribute cannot be joined to the roster (``PersonId`` is a
hashed id); its people are then grouped by the query's own HR attribute ``Organization`` (or
the one named by ``viva_team_attribute`` in ``[identities]`` of ``adoption.toml``), as
vivainsights groups them. The same holds for anyone else the roster does not know; people in
the roster keep their roster team.
"""

from __future__ import annotations

import json
import os

import pandas as pd
from pandas.io.formats.style import Styler

from adoption.canonical.membership import load_group_labels, resolve_people
from adoption.errors import InputError
from adoption.ingest.reader import sql_literal
from adoption.periods import parse_period
from adoption.privacy import publish_labels, resolve_min_group_size
from adoption.vendors.microsoft import header_key
from adoption.vendors.segments import (
    INSUFFICIENT_HISTORY,
    SEGMENTS,
    identify_usage_segments,
    summarise_segments,
)
from adoption.workspace import Workspace, open_workspace

__all__ = ["TEAM_ATTRIBUTE", "build_segment_table", "describe_segments", "format_segment_table",
           "team_attribute"]

_NO_TEAM = "(no team)"


#: The Viva HR attribute that groups people the roster cannot place (``[identities]
#: viva_team_attribute`` in ``adoption.toml`` names another).
TEAM_ATTRIBUTE = "Organization"


def team_attribute(workspace: Workspace) -> str:
    """The Viva HR attribute used as team for people the roster cannot place."""
    value = workspace.settings.section("identities").get("viva_team_attribute", TEAM_ATTRIBUTE)
    if not isinstance(value, str) or not value.strip():
        raise InputError("adoption.toml [identities] viva_team_attribute must name an HR "
                         f"attribute of the Viva query, e.g. \"Organization\"; found {value!r}.")
    return value.strip()


def _attribute_sql(con, attribute: str) -> str:
    """SQL of the attribute's value in ``v`` (a person-week): the ``organization`` column, or
    the attribute under its header as the query spelt it (matched without case or spaces)."""
    want = header_key(attribute)
    if want == "organization":
        return "v.organization"
    keys = {k for (ks,) in con.execute(
        "SELECT DISTINCT json_keys(attributes) FROM viva_person_weeks "
        "WHERE attributes IS NOT NULL").fetchall() for k in (ks or [])}
    hit = next((k for k in sorted(keys) if header_key(k) == want), None)
    if hit is None:
        return "CAST(NULL AS VARCHAR)"
    path = "$." + json.dumps(hit)
    return f"nullif(trim(json_extract_string(v.attributes, {sql_literal(path)})), '')"


def _person_weeks(workspace: Workspace) -> pd.DataFrame:
    """Viva person-weeks with the resolved person and their team (the label as it may be
    published): the roster's team that week; for a person the roster never knew (a query
    without an e-mail attribute, someone outside the roster), the query's own HR attribute
    (:func:`team_attribute`)."""
    with workspace.store(read_only=True) as store:
        attr = _attribute_sql(store.con, team_attribute(workspace))
        weeks = store.query(f"""SELECT v.person_id AS identity_hash, v.week, v.copilot_actions,
                                       {attr} AS stated_team
                                FROM viva_person_weeks v""")
        weeks = resolve_people(store, weeks, identity="identity_hash", day="week")
        weeks["team"] = weeks["team"].where(weeks["team"].notna() | weeks["in_roster"],
                                            weeks["stated_team"])
        weeks = publish_labels(weeks, workspace.settings, labels=load_group_labels(store),
                               columns=("team",))
    return weeks[["person_id", "week", "copilot_actions", "team"]].sort_values(
        ["person_id", "week"], kind="stable").reset_index(drop=True)


def build_segment_table(workspace: Workspace | str | os.PathLike[str], *, period: str,
                        period_kind: str = "month", min_group_size: int | None = None,
                        version: str = "12w") -> pd.DataFrame:
    """Segment shares by team in the last Viva week that starts in ``period``.

    Returns
    -------
    DataFrame
        The frame of :func:`adoption.vendors.segments.summarise_segments` for that week,
        with ``team`` (missing on the organisation row); empty when no Viva Insights person
        query covers the period. People the roster does not know are in the team their Viva
        HR attribute names (:func:`team_attribute`); without one they count in
        ``"(no team)"``, which is never shown as a team but keeps team sizes adding up to the
        organisation's.
    """
    if not isinstance(workspace, Workspace):
        workspace = open_workspace(workspace)
    target = parse_period(period, period_kind)
    weeks = _person_weeks(workspace)
    if weeks.empty:
        return pd.DataFrame()
    weeks["week"] = pd.to_datetime(weeks["week"])
    segments = identify_usage_segments(weeks, version=version)
    inside = segments["week"].between(pd.Timestamp(target.start), pd.Timestamp(target.end))
    if not inside.any():
        return pd.DataFrame()
    last = segments.loc[inside, "week"].max()
    latest = segments[segments["week"] == last]  # the team column comes along
    k = resolve_min_group_size(workspace.settings, min_group_size)
    return summarise_segments(latest, by="team", min_group_size=k)


def describe_segments(table: pd.DataFrame) -> str:
    """A caption: the week, the organisation's segment shares, and what the segments mean."""
    if table.empty:
        return "No Viva Insights person query covers this period, so no usage segments."
    org = table[table["team"].isna()].set_index("segment")
    week = pd.Timestamp(table["week"].iloc[0]).date()
    n = int(org["n"].dropna().max()) if org["n"].notna().any() else 0
    parts = [f"{s}: {org.loc[s, 'estimate']:.0%}" for s in SEGMENTS
             if s in org.index and pd.notna(org.loc[s, "estimate"])]
    return (f"Microsoft 365 Copilot usage segments in the week of {week} (Viva Insights, "
            f"n = {n:,} people): {', '.join(parts)}. Segments look at 12 weeks: power users act at least 15 times a week on average and "
            "in 9 of 12 weeks, habitual users in 9 of 12 weeks, novices at least once a week "
            "on average, low users less. People with under 12 weeks of data are "
            f"\"{INSUFFICIENT_HISTORY}\". Teams below the minimum group size are hidden.")


def format_segment_table(table: pd.DataFrame) -> Styler:
    """One row per team (organisation first), one column per segment: share and interval."""
    from adoption.report.tables import _style, format_share, hidden_label

    columns = [*SEGMENTS, INSUFFICIENT_HISTORY]
    if table.empty:
        return _style(pd.DataFrame(columns=["Team", "n", *columns]), name="segments")
    t = table[table["team"].fillna("") != _NO_TEAM].copy()
    t["group"] = t["team"].fillna("Organisation")
    t["text"] = [hidden_label(r.suppression_reason, short=True) if r.suppressed
                 else format_share(r.estimate, r.ci_low, r.ci_high) for r in t.itertuples()]
    wide = t.pivot_table(index="group", columns="segment", values="text", aggfunc="first")
    n = t.groupby("group")["n"].max()
    wide = wide.reindex(columns=columns)
    wide.insert(0, "n", [("\u2013" if pd.isna(v) else f"{int(v):,}") for v in n.reindex(wide.index)])
    order = ["Organisation", *sorted(g for g in wide.index if g != "Organisation")]
    wide = wide.reindex(order).reset_index().rename(columns={"group": "Team"})
    return _style(wide.fillna("\u2013"), name="segments",
                  caption="Share of each team's people in each usage segment (95% interval); "
                          "n = people in the Viva Insights query that week.")
