"""Any HR system's report, read as a roster snapshot through a mapping file (format ``hr_report``).

``adoption ingest --format hr_report --mapping mapping.yaml report.csv``. The report is never
detected automatically: its headers are the HR system's own. The mapping file says, per
header of the report, which roster column it holds (``email, team, department,
manager_email, location, role, start_date, end_date, name, as_of``; ``email`` and ``team``
required), how to clean its values first, and which columns hold the person's identifier in
another system. Then the rows are loaded exactly as a roster snapshot
(:func:`adoption.ingest.roster.load_roster`), and the identity columns are staged as an
identities mapping file's rows are (:func:`adoption.vendors.identity.stage_identity_mappings`).

The mapping file (YAML)::

    columns:                        # header of the report: roster field
      Work E-mail: email
      Team:                         # a field with value transforms, applied in order
        field: team
        replace: '\\s*\\([^)]*\\)$'     # each match of the pattern is replaced ...
        with: ''                    # ... by this text (default ''; \\1 is the first group)
      Division:
        field: department
        extract: '^([A-Z]+)'        # the first group of the first match (or the match)
      GitHub Username:
        field: identity:github      # an identity column: the person's login in GitHub
        replace: '^@'

``field`` alone may be written as the value (``Work E-mail: email``); a list under
``transforms`` (``[{replace: ..., with: ...}, {extract: ...}]``) chains several steps; a
mapping without ``columns:`` is read as the columns themselves. Or a CSV with the header
``column,field`` and the optional columns ``extract``, ``replace`` and ``with`` (one step per
row). Patterns are Python regular expressions (:mod:`re`), matched against the value with
surrounding blanks removed; a value that ends up blank is empty.

An ``identity:SYSTEM`` field (``SYSTEM`` a plain name: ``github``, ``upn``, ``slack`` ...) maps
the row's e-mail to the column's value in that system, e.g. a GitHub username column feeds
identity resolution as system ``github`` (a login written ``@name`` loses the ``@``). Identity
problems (an identifier that belongs to another person, one given to two people) never reject
the roster row: they are counted in the batch's note, with the rows.

A value whose ``extract`` pattern does not match is an error of that row: for ``email`` and
``team`` the row is rejected with the value and the pattern (the person cannot be placed);
for other fields the value is left empty and the note counts them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.ingest.columns import KINDS
from adoption.ingest.context import LoadContext, LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.ingest.reader import open_source
from adoption.ingest.roster import load_roster
from adoption.ingest.sql import Fields
from adoption.ingest.text import read_text
from adoption.vendors.identity import stage_identity_mappings
from adoption.vendors.microsoft import header_key, resolve_columns

__all__ = ["FORMATS", "HR_SOURCE", "HrMapping", "Transform", "read_mapping"]

HR_SOURCE = "docs/sources.md (the roster's canonical columns, adoption/ingest/columns.py)"
IDENTITY_PREFIX = "identity:"
_SYSTEM_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
#: roster fields whose values identify a person: never quoted in a reason
_IDENTIFYING = {"email", "manager_email", "name"}


@dataclass(frozen=True)
class Transform:
    """One value transform: ``replace`` (each match by ``with_``) or ``extract`` (a group)."""

    kind: str
    pattern: re.Pattern[str]
    with_: str = ""

    def apply(self, value: str) -> str | None:
        """The transformed value; None when an ``extract`` pattern does not match."""
        if self.kind == "replace":
            return self.pattern.sub(self.with_, value)
        m = self.pattern.search(value)
        if m is None:
            return None
        return m.group(1) if self.pattern.groups else m.group(0)


@dataclass
class HrMapping:
    """A read mapping file: ``fields`` (report header -> roster field), ``identities``
    (report header -> system) and ``transforms`` (report header -> steps, in order)."""

    fields: dict[str, str] = field(default_factory=dict)
    identities: dict[str, str] = field(default_factory=dict)
    transforms: dict[str, list[Transform]] = field(default_factory=dict)


def _compile(name: str, header: str, pattern: Any) -> re.Pattern[str]:
    try:
        return re.compile(str(pattern))
    except re.error as e:
        raise InputError(f"{name}: column {header!r}: {pattern!r} is not a valid regular "
                         f"expression ({e}). Fix the pattern (Python's re syntax).") from e


def _steps(name: str, header: str, spec: dict[str, Any]) -> list[Transform]:
    """The transforms of one column from its YAML/CSV entry (``replace``/``with``/``extract``
    or a ``transforms`` list of such entries)."""
    entries = spec.get("transforms") or [spec]
    if not isinstance(entries, list):
        raise InputError(f"{name}: column {header!r}: transforms is a list of steps such as "
                         "{replace: '\\s*\\(.*\\)$', with: ''} or {extract: '^(\\w+)'}.")
    out = []
    for step in entries:
        if not isinstance(step, dict):
            raise InputError(f"{name}: column {header!r}: a transform step is a mapping with "
                             f"replace/with or extract; found {step!r}.")
        has = [k for k in ("replace", "extract") if step.get(k) not in (None, "")]
        if len(has) > 1:
            raise InputError(f"{name}: column {header!r}: one step does either replace or "
                             "extract; write two steps under transforms for both.")
        if has == ["replace"]:
            out.append(Transform("replace", _compile(name, header, step["replace"]),
                                 str(step.get("with") or "")))
        elif has == ["extract"]:
            out.append(Transform("extract", _compile(name, header, step["extract"])))
    return out


def _entries(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    """(report header, {field, replace, with, extract, transforms}) per mapped column."""
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise InputError(f"{path.name}: not valid YAML ({e}).") from e
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            data = data["columns"]
        if not isinstance(data, dict):
            raise InputError(f"{path.name}: expected a mapping 'report header: field' (under "
                             f"columns:); found {type(data).__name__}.")
        out = []
        for k, v in data.items():
            spec = v if isinstance(v, dict) else {"field": v}
            out.append((str(k).strip(), spec))
        return out
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or {"column", "field"} - set(rows[0]):
        raise InputError(f"{path.name}: a CSV mapping needs the columns 'column,field' (and "
                         f"optionally extract, replace, with); found "
                         f"{list(rows[0]) if rows else 'no rows'}.")
    return [(r["column"].strip(), {k: v for k, v in r.items() if k != "column"})
            for r in rows if (r.get("column") or "").strip()]


def read_mapping(path: str | Path) -> HrMapping:
    """Read an HR report mapping file (YAML or CSV; format in the module docstring).

    Raises
    ------
    InputError
        The file is missing or unreadable, a field is not a roster column (or
        ``identity:SYSTEM``), two columns map the same field, or a pattern is invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--mapping {path}: no such file. Give a YAML or CSV column mapping.")
    text = read_text(path)
    fields = KINDS["roster"].columns
    mapping = HrMapping()
    unknown = {}
    for header, spec in _entries(path, text):
        target = str(spec.get("field") or "").strip()
        if target.lower().startswith(IDENTITY_PREFIX):
            system = target[len(IDENTITY_PREFIX):].strip().lower()
            if not _SYSTEM_RE.match(system):
                raise InputError(f"{path.name}: column {header!r}: {target!r} names no system; "
                                 "write identity:github (letters, digits, '.', '_', '-').")
            mapping.identities[header] = system
        elif target in fields:
            mapping.fields[header] = target
        else:
            unknown[header] = target
            continue
        steps = _steps(path.name, header, spec)
        if steps:
            mapping.transforms[header] = steps
    if unknown:
        raise InputError(f"{path.name}: unknown roster field(s) {unknown}; the fields are "
                         f"{list(fields)}, or identity:SYSTEM for an identifier column.")
    doubled = [v for v, n in Counter(mapping.fields.values()).items() if n > 1]
    if doubled:
        raise InputError(f"{path.name}: field(s) {doubled} mapped from more than one column.")
    return mapping


def _match_headers(ctx: FormatContext, mapping: HrMapping, mapping_name: str,
                   columns: list[str]) -> dict[str, str]:
    """Mapping header -> the report's own header (exact, else without case and spacing)."""
    by_key = {header_key(c): c for c in columns}
    found, missing = {}, []
    for header in [*mapping.fields, *mapping.identities]:
        hit = header if header in columns else by_key.get(header_key(header))
        if hit is None:
            missing.append(header)
        else:
            found[header] = hit
    if missing:
        resolve_columns(columns, {m: (m,) for m in missing}, source=ctx.name,
                        what=f"HR report with the mapping {mapping_name}")
    need = [f for f in KINDS["roster"].required if f not in mapping.fields.values()]
    if need:
        raise ColumnNotFoundError(
            f"{mapping_name}: the mapping must name a column for the roster field(s) {need}; "
            f"it maps {mapping.fields}. Columns of {ctx.name}: {columns}.")
    return found


def _transform(ctx: FormatContext, frame: pd.DataFrame, mapping: HrMapping,
               headers: dict[str, str], counts: LoadCounts) -> pd.DataFrame:
    """Apply the transforms (a new frame); rows whose required value does not match an
    extract pattern are rejected (stored, counted) and left out."""
    out = frame.copy()
    failed_required: dict[int, str] = {}
    for header, steps in mapping.transforms.items():
        col = headers[header]
        target = mapping.fields.get(header) or f"{IDENTITY_PREFIX}{mapping.identities[header]}"
        failed: list[int] = []
        values = []
        for row, value in zip(out["_row"], out[col], strict=True):
            if value is None or pd.isna(value) or not str(value).strip():
                values.append(None)
                continue
            text: str | None = str(value).strip()
            for step in steps:
                text = step.apply(text)
                if text is None:
                    failed.append(int(row))
                    if target in KINDS["roster"].required and int(row) not in failed_required:
                        shown = "(redacted)" if target in _IDENTIFYING else repr(str(value))
                        failed_required[int(row)] = (
                            f"column {col!r}: value {shown} does not match the extract pattern "
                            f"{step.pattern.pattern!r} of the mapping; correct the value or the "
                            "pattern")
                    break
            values.append(None if text is None or not text.strip() else text.strip())
        out[col] = pd.Series(values, index=out.index, dtype=object)
        optional = [r for r in failed if r not in failed_required]
        if optional:
            counts.notes.append(
                f"column {col!r}: {len(optional)} value(s) do not match the extract pattern "
                f"{steps[-1].pattern.pattern!r}: left empty (rows {_rows(optional)})")
    if failed_required:
        keep = ~out["_row"].isin(list(failed_required))
        originals = frame.set_index("_row").drop(columns=[], errors="ignore")
        ctx.reject([(row, why, None if ctx.redact else json.dumps(
                        originals.loc[row].to_dict(), default=str))
                    for row, why in sorted(failed_required.items())])
        counts.read += len(failed_required)
        counts.rejected += len(failed_required)
        out = out[keep]
    return out


def _rows(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in sorted(rows)[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def _stage_identities(ctx: FormatContext, frame: pd.DataFrame, mapping: HrMapping,
                      headers: dict[str, str], email_col: str, notes: list[str]) -> None:
    """Stage each identity column of the loaded roster rows (table ``r2`` of the roster
    loader) as identities mapping rows; problems go to the note, never reject the row."""
    loaded = {int(r[0]) for r in ctx.con.execute("SELECT _row FROM r2").fetchall()}
    by_row = frame.set_index("_row")
    for header, system in mapping.identities.items():
        col = headers[header]
        rows = [(int(row), str(by_row.at[row, email_col]), str(value), system, "")
                for row, value in by_row[col].items()
                if int(row) in loaded and value is not None and not pd.isna(value)
                and str(value).strip()]
        result = stage_identity_mappings(ctx, rows)
        problems: dict[str, list[int]] = defaultdict(list)
        for row, why, _raw in result.rejects:
            problems[why].append(row)
        text = (f"column {col!r} (system {system}): {result.loaded} identifier(s) mapped, "
                f"{result.duplicate} already known")
        for why, rows_of in problems.items():
            text += f"; {len(rows_of)} not mapped: {why} (rows {_rows(rows_of)})"
        notes.append(text)
        notes.extend(f"column {col!r}: {n}" for n in result.notes)


def _load_hr(ctx: FormatContext) -> LoadCounts:
    mapping_file = ctx.options.get("mapping") if ctx.options else None
    if not mapping_file:
        raise InputError(f"{ctx.name}: the hr_report format needs --mapping FILE (YAML or CSV "
                         "'column,field') mapping the file's headers to the roster's columns "
                         f"{list(KINDS['roster'].columns)}.")
    mapping = read_mapping(mapping_file)
    name = Path(mapping_file).name
    con = ctx.con
    source = open_source(con, ctx.path)
    frame = None
    try:
        headers = _match_headers(ctx, mapping, name, source.columns)
        canonical = {f: headers[h] for h, f in mapping.fields.items()}
        as_of = ctx.as_of
        if as_of is None and "as_of" not in canonical:
            as_of = dt.datetime.now(dt.UTC).date()
        con.execute("SET preserve_insertion_order = true")
        source.check_structure(con)  # malformed rows found first: data-row numbers hold
        pre = LoadCounts()
        if mapping.transforms or mapping.identities:
            frame = con.execute("SELECT * FROM src ORDER BY _row").df()
            frame = _transform(ctx, frame, mapping, headers, pre)
            con.register("_hr_frame", frame)
            con.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM _hr_frame "
                        "ORDER BY _row")
        fields = Fields(canonical, source.columns, redact=ctx.redact)
        lctx = LoadContext(con, source, fields, ctx.batch_id, ctx.workspace, as_of)
        counts = load_roster(lctx)
        counts.read += pre.read
        counts.rejected += pre.rejected
        counts.notes[:0] = pre.notes
        structural = source.structural_rejects(con)
        ctx.reject([(line, why, None if ctx.redact else text) for line, why, text in structural])
        counts.read += len(structural)
        counts.rejected += len(structural)
        if frame is not None and mapping.identities:
            _stage_identities(ctx, frame, mapping, headers, canonical["email"], counts.notes)
        if as_of is not None and ctx.as_of is None:
            counts.notes.append(f"no as_of column: snapshot taken as of today ({as_of}); pass "
                                "--as-of DATE for an older export")
    finally:
        con.execute("SET preserve_insertion_order = false")
        con.execute("DROP VIEW IF EXISTS src")
        con.execute("DROP VIEW IF EXISTS src_unordered")
        if frame is not None:
            con.unregister("_hr_frame")
    return counts


def _never(s: Sniff) -> bool:
    return False


FORMATS = [
    SourceFormat(
        name="hr_report",
        kind="roster",
        description="HR report with a column mapping (--format hr_report --mapping FILE)",
        suffixes=(".csv", ".parquet", ".jsonl"),
        sniff=_never,
        load=_load_hr,
        rank=0,
        source=HR_SOURCE,
    ),
]
