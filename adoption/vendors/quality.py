"""The data-quality view: per source, what was loaded, what was left out and what is missing.

:func:`build_data_quality` returns tidy frames; ``adoption status`` prints them and the
periodic report shows them as an appendix (:func:`format_quality_table`,
:func:`format_findings_table`, :func:`describe_data_quality`). A *source* is a named format
(``chatgpt_user_analytics``) or, for generic tables, the kind (``usage``).

Nothing in it identifies a person: identities are counted, never listed; reject reasons are
shown with the values they quote masked (``'…'``), and never the rejected row's raw text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from adoption.canonical.semantics import source_name_sql, source_semantics
from adoption.ingest.drift import DRIFT_COLUMNS, load_export_drift
from adoption.store import Store
from adoption.workspace import Workspace, open_store

__all__ = [
    "DataQuality",
    "PERSON_TABLES",
    "build_data_quality",
    "describe_data_quality",
    "format_findings_table",
    "format_quality_table",
    "mask_reason",
]

#: Person-keyed tables checked for unmatched identities: table -> (first day, last day,
#: filter) of each row, used to tell activity outside a person's employment.
PERSON_TABLES: dict[str, tuple[str, str, str]] = {
    "usage": ("day", "day", "events > 0"),
    "activity_periods": ("period_start", "period_end", "active"),
    "seat_activity": ("coalesce(last_active, as_of)", "coalesce(last_active, as_of)", "true"),
    "seats": ("assigned_on", "coalesce(removed_on, DATE '9999-12-31')", "true"),
    "vendor_user_teams": ("day", "day", "true"),
    "directory_accounts": ("as_of", "as_of", "included AND person_id IS NOT NULL"),
}
#: Windows (``SourceSemantics.window``) of sources whose files should tile time without gaps.
_TIME_SERIES = ("day", "week", "month", "week or month", "report period")

SOURCE_COLUMNS = [
    "source", "label", "kind", "files", "rows_read", "rows_loaded", "rows_rejected",
    "rows_duplicate", "first_date", "last_date", "last_ingested", "identities",
    "matched", "unmatched", "outside_employment", "unmatched_rows", "gap_days", "gaps",
    "days_without_rows", "findings",
]


@dataclass(frozen=True)
class DataQuality:
    """The data-quality view of a store.

    Attributes
    ----------
    sources : DataFrame
        One row per source, columns :data:`SOURCE_COLUMNS`: ``source, label, kind``; ``files``
        and the row counts ``rows_read, rows_loaded, rows_rejected, rows_duplicate``;
        ``first_date, last_date`` (dates the files cover; ``last_date`` is the data's last
        date) and ``last_ingested`` (last refresh); ``identities`` (distinct resolved people
        or identifiers with rows), of which ``matched`` (in the roster, some row within their
        employment), ``unmatched`` (nobody in the roster: contractors, personal addresses,
        hashed ids ...; kept, excluded from team figures), ``outside_employment`` (in the
        roster, but every row before they joined or after they left) and ``unmatched_rows``;
        ``gap_days`` and ``gaps`` (days between the first and last date no file covers, as
        text ranges) for time-series sources; ``days_without_rows`` (days inside the covered
        range without a single row, daily sources; weekends included); ``findings`` (rejected
        rows).
    gaps : DataFrame
        One row per uncovered stretch: ``source, gap_start, gap_end, days, periods`` (the
        stretch in the source's own grain, e.g. ``"2 weeks"``).
    findings : DataFrame
        Rejected rows grouped by source and reason (values masked): ``source, finding, rows``,
        plus identity conflicts (``source`` = ``"identities"``) and identifiers of identities
        mapping files that match no row of any source (``"identities_mapping"``, per system),
        plus one row per export drift finding (``drift``; ``rows``: the file's rows).
    conflicts : DataFrame
        Identifiers mapped to more than one person (see
        :func:`adoption.vendors.identity.load_identity_conflicts`).
    drift : DataFrame
        Files whose columns or figures changed from the source's previous file, with the
        evidence (:func:`adoption.ingest.drift.load_export_drift`, columns
        :data:`adoption.ingest.drift.DRIFT_COLUMNS`); the batch was loaded all the same.
    """

    sources: pd.DataFrame
    gaps: pd.DataFrame
    findings: pd.DataFrame
    conflicts: pd.DataFrame
    drift: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DRIFT_COLUMNS))


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}


def mask_reason(reason: str) -> str:
    """A reject reason with the values it quotes masked, so that reasons group and no
    identifier shows: ``"column x: 'ann@x' is not a date"`` -> ``"column x: '…' is not a date"``.
    """
    text = re.sub(r"'[^']*'", "'…'", str(reason))
    text = re.sub(r'"[^"]*"', '"…"', text)
    text = re.sub(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b", "…", text)
    return re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "DATE", text)


def _load_sources(con) -> pd.DataFrame:
    return con.execute(f"""
        SELECT {source_name_sql(con)} AS source, any_value(kind) AS kind, count(*) AS files,
               CAST(sum(rows_read) AS BIGINT) AS rows_read,
               CAST(sum(rows_loaded) AS BIGINT) AS rows_loaded,
               CAST(sum(rows_rejected) AS BIGINT) AS rows_rejected,
               CAST(sum(rows_duplicate) AS BIGINT) AS rows_duplicate,
               min(first_date) AS first_date, max(last_date) AS last_date,
               max(ingested_at) AS last_ingested
        FROM ingest_log l GROUP BY 1 ORDER BY min(batch_id)""").df()


def _identities(con, tables: set[str]) -> pd.DataFrame:
    """Per source: the people (resolved through the canonical identity map) with rows, and
    whether they are in the roster (``employment``) and have a row within their employment."""
    from adoption.canonical.identity import resolve_sql

    parts = []
    for table, (lo, hi, where) in PERSON_TABLES.items():
        if table in tables:
            parts.append(f"SELECT batch_id, person_id, {lo} AS lo, {hi} AS hi FROM {table} "
                         f"WHERE {where}")
    cols = ["source", "identities", "matched", "unmatched", "outside_employment",
            "unmatched_rows"]
    if not parts:
        return pd.DataFrame(columns=cols)
    join, person = resolve_sql("r")
    return con.execute(f"""
        WITH src AS (SELECT batch_id, {source_name_sql(con)} AS source FROM ingest_log l),
        rows AS (
            SELECT s.source, {person} AS person_id, r.lo, r.hi
            FROM ({' UNION ALL '.join(parts)}) r JOIN src s USING (batch_id) {join}
        ),
        per_person AS (
            SELECT r.source, r.person_id, count(*) AS n_rows,
                   bool_or(e.person_id IS NOT NULL) AS in_roster,
                   coalesce(bool_or(r.lo <= e.employed_to AND r.hi >= e.employed_from), false)
                       AS employed
            FROM rows r LEFT JOIN employment e USING (person_id)
            GROUP BY ALL
        )
        SELECT source, count(*) AS identities,
               count(*) FILTER (WHERE employed) AS matched,
               count(*) FILTER (WHERE NOT in_roster) AS unmatched,
               count(*) FILTER (WHERE in_roster AND NOT employed) AS outside_employment,
               coalesce(sum(n_rows) FILTER (WHERE NOT in_roster), 0) AS unmatched_rows
        FROM per_person GROUP BY source""").df()[cols]


def _grain_days(con, tables: set[str]) -> dict[str, int]:
    """Per window source, the typical length of its windows in days (7: weeks, ~30: months)."""
    if "activity_periods" not in tables:
        return {}
    rows = con.execute(f"""
        SELECT {source_name_sql(con, 'l')} AS source,
               median(datediff('day', a.period_start, a.period_end) + 1) AS days
        FROM activity_periods a JOIN ingest_log l USING (batch_id) GROUP BY 1""").fetchall()
    return {s: int(d) for s, d in rows if d is not None}


def _unit(days: int, grain: int) -> str:
    """A gap in the source's own grain: ``"4 days"``, ``"2 weeks"``, ``"1 month"``."""
    if grain >= 28 and days >= 28:
        n, unit = max(1, round(days / 30.44)), "month"
    elif grain >= 7 and days >= 7:
        n, unit = max(1, round(days / 7)), "week"
    else:
        n, unit = days, "day"
    return f"{n} {unit}{'s' if n != 1 else ''}"


def _gaps(con, sources: pd.DataFrame, tables: set[str]) -> pd.DataFrame:
    """Uncovered stretches between a time-series source's first and last covered day.

    Coverage is the union of the date ranges of the source's files, so a gap is a stretch no
    file covers (a missing export), expressed in the source's own grain (``periods``): days
    for daily sources, weeks or months for window sources (from their windows' length).
    """
    ranges = con.execute(f"""
        SELECT {source_name_sql(con)} AS source, first_date, last_date FROM ingest_log l
        WHERE first_date IS NOT NULL AND last_date IS NOT NULL""").df()
    grains = _grain_days(con, tables)
    rows = []
    for source in sources["source"]:
        window = source_semantics(source).window
        if window not in _TIME_SERIES:
            continue
        grain = {"day": 1, "week": 7}.get(window, grains.get(source, 1))
        part = ranges[ranges["source"] == source]
        if part.empty:
            continue
        spans = sorted(zip(pd.to_datetime(part["first_date"]), pd.to_datetime(part["last_date"]),
                           strict=True))
        covered_to = spans[0][1]
        for lo, hi in spans[1:]:
            if lo > covered_to + pd.Timedelta(days=1):
                start, end = covered_to + pd.Timedelta(days=1), lo - pd.Timedelta(days=1)
                days = int((end - start).days) + 1
                rows.append({"source": source, "gap_start": start, "gap_end": end,
                             "days": days, "periods": _unit(days, grain)})
            covered_to = max(covered_to, hi)
    return pd.DataFrame(rows, columns=["source", "gap_start", "gap_end", "days", "periods"])


def _days_without_rows(con, tables: set[str]) -> pd.DataFrame:
    """Daily sources: days inside their files' ranges without a single usage row."""
    cols = ["source", "days_without_rows"]
    if "usage" not in tables:
        return pd.DataFrame(columns=cols)
    batches = con.execute(f"""
        SELECT {source_name_sql(con)} AS source, first_date, last_date FROM ingest_log l
        WHERE first_date IS NOT NULL""").df()
    seen = con.execute(f"""
        SELECT DISTINCT {source_name_sql(con)} AS source, u.day
        FROM usage u JOIN ingest_log l USING (batch_id)""").df()
    rows = []
    for source, part in batches[batches["source"].isin(seen["source"])].groupby(
            "source", sort=False):
        covered = pd.DatetimeIndex(np.unique(np.concatenate(
            [pd.date_range(a, b, freq="D").to_numpy()
             for a, b in zip(part["first_date"], part["last_date"], strict=True)])))
        days = pd.to_datetime(seen.loc[seen["source"] == source, "day"])
        rows.append((source, int((~covered.isin(days)).sum())))
    return pd.DataFrame(rows, columns=cols)


def _unmatched_mappings(con, tables: set[str]) -> list[dict]:
    """Findings: identifiers of identities mapping files that match no row of any source."""
    from adoption.vendors.identity import count_identifiers_without_rows

    if "identity_mappings" not in tables:
        return []
    hint = {"github": " (a GitHub login as on github.com, without '@')"}
    return [{"source": "identities_mapping",
             "finding": f"identifier of system {system} matches no row of any source: check "
                        f"its spelling{hint.get(system, '')}, or ingest the data it belongs to",
             "rows": int(n)}
            for system, n in count_identifiers_without_rows(con, "identity_mappings",
                                                            PERSON_TABLES).items()]


def _findings(con, conflicts: pd.DataFrame, tables: set[str],
              drift: pd.DataFrame) -> pd.DataFrame:
    # rows left out (rejects) and loaded rows worth a look (e.g. repeated within a file)
    loaded = (f"""UNION ALL SELECT {source_name_sql(con)}, f.finding, sum(f.rows)
                  FROM ingest_findings f JOIN ingest_log l USING (batch_id) GROUP BY ALL"""
              if "ingest_findings" in tables else "")
    rejects = con.execute(f"""
        SELECT {source_name_sql(con)} AS source, r.reason, count(*) AS rows
        FROM rejects r JOIN ingest_log l USING (batch_id) GROUP BY ALL {loaded}""").df()
    rejects["finding"] = rejects["reason"].map(mask_reason)
    out = rejects.groupby(["source", "finding"], as_index=False, sort=False)["rows"].sum()
    extra = [{"source": "identities",
              "finding": f"identifier mapped to several people ({r.systems}); resolved by "
                         f"{r.resolved_by}", "rows": int(r.identifiers)}
             for r in conflicts.itertuples()] + _unmatched_mappings(con, tables)
    extra += drift[["source", "finding", "rows"]].to_dict("records")
    out = pd.concat([out, pd.DataFrame(extra, columns=["source", "finding", "rows"])],
                    ignore_index=True)
    out["rows"] = out["rows"].astype("int64")
    return out.sort_values(["source", "rows"], ascending=[True, False],
                           kind="stable").reset_index(drop=True)


def build_data_quality(store: Store | Workspace | str | os.PathLike[str]) -> DataQuality:
    """The data-quality view of a store (see :class:`DataQuality`); no identifiers in it.

    Parameters
    ----------
    store : Store, Workspace or path
        A store is read as it is; a workspace (or its folder) is opened read-only for the
        duration (:func:`adoption.workspace.open_store`).
    """
    with open_store(store) as opened:
        return _build_data_quality(opened)


def _build_data_quality(store: Store) -> DataQuality:
    from adoption.canonical import check_canonical
    from adoption.canonical.identity import load_identity_conflicts

    con = store.con
    tables = _tables(con)
    sources = _load_sources(con)
    if len(sources):  # a new workspace has no batches, and no canonical tables to read yet
        check_canonical(store)
    conflicts = load_identity_conflicts(store)
    gaps = _gaps(con, sources, tables)
    drift = load_export_drift(store)
    findings = _findings(con, conflicts, tables, drift)
    out = sources.merge(_identities(con, tables), on="source", how="left")
    out = out.merge(_days_without_rows(con, tables), on="source", how="left")
    gap_days = gaps.groupby("source")["days"].sum()
    out["gap_days"] = out["source"].map(gap_days).astype("Int64")
    out.loc[out["gap_days"].isna() & out["source"].map(
        lambda s: source_semantics(s).window in _TIME_SERIES), "gap_days"] = 0
    out["gaps"] = out["source"].map(lambda s: _gap_text(gaps[gaps["source"] == s]))
    out["findings"] = out["source"].map(findings.groupby("source")["rows"].sum()).fillna(0)
    out["label"] = out["source"].map(lambda s: source_semantics(s).label)
    out.loc[out["label"] == "(not described)", "label"] = out["source"]
    for col in ("identities", "matched", "unmatched", "outside_employment", "unmatched_rows",
                "days_without_rows", "findings"):
        out[col] = out[col].astype("Int64")
    return DataQuality(sources=out[SOURCE_COLUMNS], gaps=gaps, findings=findings,
                       conflicts=conflicts, drift=drift)


def _gap_text(gaps: pd.DataFrame) -> str:
    return "; ".join(f"{a:%Y-%m-%d}" + ("" if a == b else f" to {b:%Y-%m-%d}") + f" ({p})"
                     for a, b, p in zip(gaps["gap_start"], gaps["gap_end"], gaps["periods"],
                                        strict=True))


# -- display ----------------------------------------------------------------------------------
def _count(v: object) -> str:
    from adoption.report.tables import format_count

    return format_count(v)


def format_quality_table(quality: DataQuality) -> Styler:
    """Per source: files, dates, rows, unmatched identities, last refresh, gaps, findings.

    Returns
    -------
    pandas.io.formats.style.Styler
        Text columns for people to read; ``.data`` is the underlying frame.
    """
    from adoption.report.tables import DASH, _style

    s = quality.sources

    def day(v: object) -> str:
        return DASH if v is None or pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}"

    out = pd.DataFrame({
        "Source": s["label"],
        "Files": s["files"].map(_count),
        "Dates covered": [f"{day(a)} to {day(b)}" if not pd.isna(a) else DASH
                          for a, b in zip(s["first_date"], s["last_date"], strict=True)],
        "Rows loaded": s["rows_loaded"].map(_count),
        "Rejected": s["rows_rejected"].map(_count),
        "Duplicate": s["rows_duplicate"].map(_count),
        "People matched": s["matched"].map(_count),
        "Unmatched identities": s["unmatched"].map(_count),
        "Outside employment": s["outside_employment"].map(_count),
        "Last refresh": [day(a) + ("" if pd.isna(b) else f" (data to {day(b)})") for a, b in
                         zip(s["last_ingested"], s["last_date"], strict=True)],
        "Missing": [DASH if pd.isna(g) else (t if g else "none")
                    for g, t in zip(s["gap_days"], s["gaps"], strict=True)],
        "Days without rows": s["days_without_rows"].map(_count),
    })
    return _style(out, name="data-quality",
                  caption="Every file loaded, what was left out and what is missing.")


def format_findings_table(quality: DataQuality) -> Styler:
    """Data-quality findings: rejected rows by source and reason (values masked)."""
    from adoption.report.tables import _style

    f = quality.findings
    labels = f["source"].map(lambda s: source_semantics(s).label
                             if source_semantics(s).label != "(not described)" else s)
    out = pd.DataFrame({"Source": labels, "Finding": f["finding"],
                        "Rows": f["rows"].map(_count)})
    return _style(out, name="data-findings",
                  caption="Rows left out, exports that changed, and why.")


def describe_data_quality(quality: DataQuality) -> str:
    """A Markdown paragraph summing the data-quality view up for readers of the report."""
    from adoption.report.escape import escape_markdown as md

    s = quality.sources
    if s.empty:
        return "No data has been loaded yet."
    read, rejected = int(s["rows_read"].sum()), int(s["rows_rejected"].sum())
    lines = [f"{len(s)} source(s), {int(s['files'].sum()):,} file(s): {read:,} rows read, "
             f"{rejected:,} rejected ({rejected / read:.1%}) and "
             f"{int(s['rows_duplicate'].sum()):,} duplicate." if read else
             f"{len(s)} source(s) loaded."]
    unmatched = s[s["unmatched"].fillna(0) > 0]
    if len(unmatched):
        parts = ", ".join(f"{int(r.unmatched):,} in {md(r.label)}"
                          for r in unmatched.itertuples())
        lines.append(f"Identities matching nobody in the roster (kept, but in no team's "
                     f"figures): {parts}. An identities mapping file can match them.")
    outside = s[s["outside_employment"].fillna(0) > 0]
    if len(outside):
        parts = ", ".join(f"{int(r.outside_employment):,} in {md(r.label)}"
                          for r in outside.itertuples())
        lines.append(f"People active only outside their employment dates (e.g. after "
                     f"leaving): {parts}.")
    gaps = s[s["gap_days"].fillna(0) > 0]
    if len(gaps):
        parts = "; ".join(f"{md(r.label)}: {md(r.gaps)}" for r in gaps.itertuples())
        lines.append(f"Periods no file covers: {parts}.")
    if len(quality.drift):
        first = quality.drift.iloc[0]
        lines.append(f"{len(quality.drift)} export(s) changed from the source's previous file "
                     f"(loaded all the same; see the findings), e.g. "
                     f"\u201c{md(first.finding)}\u201d.")
    rows = quality.findings[~quality.findings["finding"].isin(quality.drift["finding"])]
    if len(rows):  # an export drift finding's rows are its file's: not how often it is seen
        top = rows.iloc[int(np.argmax(rows["rows"].to_numpy()))]
        lines.append(f"{len(quality.findings)} kind(s) of data-quality finding; the most "
                     f"frequent: \u201c{md(top.finding)}\u201d ({int(top.rows):,} rows).")
    return "\n\n".join(lines)
