"""The identities mapping file: one person across e-mail, UPN, aliases, GitHub login.

Every reader stores ``person_id = workspace.pseudonymise([identifier])``: the keyed hash of
whatever identifier its source had. Which person that is gets decided once per batch by the
canonical layer (:mod:`adoption.canonical.identity`, rules there), from the ``identities``
table (``identity_hash -> person_id`` per source ``system``), which the readers fill:

- the roster adds each person's own e-mail (``identity_hash = person_id``, system ``email``);
- the directory reader adds UPNs, primary addresses and aliases;
- an **identities mapping file** (format ``identities_mapping``) adds any other identifier:
  a CSV with the header ``email,identifier,system`` (or ``person,identifier,system``), e.g.
  ``ann@example.com,ann-gh,github``, or a YAML file::

      identities:
        - email: ann@example.com
          github: ann-gh
          alias: [a.smith@example.com]

  ``email`` (or ``person``) is the person's e-mail address as in the roster; ``identifier``
  is the key another system uses; ``system`` names that system (``github``, ``upn``,
  ``alias``, ``slack`` ...; lower case letters, digits, ``.``, ``_``, ``-``). Identifiers are
  compared case- and whitespace-normalised (:func:`adoption.workspace.normalise_identifier`).

Resolution rules: see :mod:`adoption.canonical.identity`.

Loading a mapping file rejects, with the reason, rows with an empty field, an identifier
mapped to two different people in the same file, and an identifier that already belongs to
another person through the roster, the directory or another system. A row that repeats an
earlier mapping is a duplicate; a row that maps an identifier of the same system to another
person than an *earlier mapping file* did replaces it (a correction), noted in the batch.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from adoption.errors import InputError
from adoption.ingest.context import LoadCounts
from adoption.ingest.formats import FormatContext, Sniff, SourceFormat
from adoption.ingest.trace import claim_rows

__all__ = [
    "FORMATS",
    "MAPPING_PERSON_COLUMNS",
    "MappingResult",
    "count_identifiers_without_rows",
    "normalise_mapped_identifier",
    "stage_identity_mappings",
]

#: Tables the GitHub readers key by the login's hash (adoption.vendors.github).
_GITHUB_TABLES = ("usage", "seats", "seat_activity", "vendor_user_teams")
#: Accepted names of the person column of a mapping file (the person's roster e-mail).
MAPPING_PERSON_COLUMNS = ("email", "person")
_SYSTEM_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


# -- the identities mapping file --------------------------------------------------------------
def _csv_columns(header: list[str]) -> dict[str, int] | None:
    names = [h.strip().lower() for h in header]
    person = next((c for c in MAPPING_PERSON_COLUMNS if c in names), None)
    if person is None or "identifier" not in names or "system" not in names:
        return None
    return {"person": names.index(person), "identifier": names.index("identifier"),
            "system": names.index("system")}


def _yaml_entries(data: Any) -> list[Any] | None:
    if isinstance(data, dict) and set(data) == {"identities"} and isinstance(
            data["identities"], list):
        return data["identities"]
    return None


def _sniff(s: Sniff) -> bool:
    if s.suffix in (".yaml", ".yml"):
        try:
            import yaml

            return _yaml_entries(yaml.safe_load(s.text)) is not None
        except Exception:  # noqa: BLE001 - not YAML: not ours
            return False
    return s.suffix == ".csv" and _csv_columns(s.header) is not None and len(s.header) <= 4


def _read_rows(ctx: FormatContext) -> list[tuple[int, str, str, str, str]]:
    """``(row_number, person, identifier, system, raw)`` per data row; raw for reject rows."""
    path = ctx.path
    text = ctx.read_text()  # decoded as every reader decodes (``--encoding`` honoured)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_rows(path.name, text)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputError(f"{path.name}: the file is empty; an identities mapping file needs "
                         "the header email,identifier,system and one row per identifier.")
    cols = _csv_columns(rows[0])
    if cols is None:
        raise InputError(
            f"{path.name}: header {rows[0]!r} is not an identities mapping; expected the columns "
            "email (or person), identifier and system.")
    out = []
    for number, row in enumerate(rows[1:], start=1):  # data rows: the first after the header is 1
        if not any(c.strip() for c in row):
            continue
        cell = [(row[i].strip() if i < len(row) else "") for i in
                (cols["person"], cols["identifier"], cols["system"])]
        out.append((number, *cell, ",".join(row)))
    return out


def _yaml_rows(name: str, text: str) -> list[tuple[int, str, str, str, str]]:
    import yaml

    try:
        entries = _yaml_entries(yaml.safe_load(text))
    except yaml.YAMLError as e:
        raise InputError(f"{name}: not valid YAML ({e}). Fix the file.") from e
    if entries is None:
        raise InputError(f"{name}: expected a YAML mapping with one key 'identities' holding a "
                         "list of entries such as {email: ann@example.com, github: ann-gh}.")
    out = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            out.append((number, "", "", "", repr(entry)))
            continue
        person = str(entry.get("email", entry.get("person", "")) or "").strip()
        systems = {k: v for k, v in entry.items() if k not in MAPPING_PERSON_COLUMNS}
        if not systems:
            out.append((number, person, "", "", repr(entry)))
        for system, values in systems.items():
            for value in values if isinstance(values, list) else [values]:
                out.append((number, person, str(value or "").strip(), str(system).strip(),
                            f"{system}: {value}"))
    return out


@dataclass
class MappingResult:
    """What staging identity mappings did: counts, rejected rows (row, reason, raw), notes."""

    loaded: int = 0
    duplicate: int = 0
    rejects: list[tuple[int, str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def normalise_mapped_identifier(system: str, identifier: str) -> str:
    """An identifier as its system writes it: a GitHub login has no ``@``, so ``@ann-gh`` (as
    people write logins in chats and sheets) is ``ann-gh``; others are kept as they are.

    Examples
    --------
    >>> normalise_mapped_identifier("GitHub", "@ann-gh"), normalise_mapped_identifier("upn", "@x")
    ('ann-gh', '@x')
    """
    if system.strip().lower() == "github" and identifier.startswith("@"):
        return identifier[1:].strip()
    return identifier


def count_identifiers_without_rows(con: Any, table: str, person_tables: Iterable[str]
                                   ) -> dict[str, int]:
    """Per system, the identifiers of ``table`` (``identity_hash, system``) that no row of
    ``person_tables`` (tables keyed by a reader's person id) carries: mapped, but matching
    nobody in the data loaded so far (often a misspelt login)."""
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    present = [t for t in person_tables if t in existing]
    if not present:
        return {}
    seen = " UNION ALL ".join(f"SELECT person_id FROM {t}" for t in present)
    return dict(con.execute(f"""
        SELECT f.system, count(DISTINCT f.identity_hash) FROM {table} f
        WHERE NOT EXISTS (SELECT 1 FROM ({seen}) r WHERE r.person_id = f.identity_hash)
        GROUP BY f.system ORDER BY f.system""").fetchall())


def stage_identity_mappings(ctx: FormatContext, rows: list[tuple[int, str, str, str, str]]
                            ) -> MappingResult:
    """Stage identity mappings ``(row number, person e-mail, identifier, system, raw)``.

    The rules of the module docstring: rows with an empty field, an identifier mapped to two
    people in ``rows``, or one that already belongs to another person are returned as rejects
    (not stored: the caller stores or reports them); an earlier mapping file's row of the same
    system is corrected. GitHub logins written ``@name`` lose the ``@``. Used by the identities
    mapping file and by the HR report's identity columns.
    """
    result = MappingResult()
    if not rows:
        return result
    at = sum(1 for r in rows if normalise_mapped_identifier(r[3], r[2]) != r[2])
    rows = [(n, person, normalise_mapped_identifier(system, ident), system, raw)
            for n, person, ident, system, raw in rows]
    if at:
        result.notes.append(f"{at} GitHub login(s) written as '@name': the leading '@' was "
                            "removed (a login has none)")
    ws = ctx.workspace
    people = ws.pseudonymise(r[1] for r in rows)
    hashes = ws.pseudonymise(r[2] for r in rows)
    rejects: list[tuple[int, str, str | None]] = []
    good: list[tuple[int, str, str, str]] = []  # (seq, hash, person, system)

    def reject(seq: int, why: str) -> None:
        rejects.append((rows[seq][0], why, None if ctx.redact else rows[seq][4]))

    for seq, ((_n, person, ident, system, _raw), pid, h) in enumerate(
            zip(rows, people, hashes, strict=True)):
        system_norm = system.lower()
        if not person:
            reject(seq, "person e-mail (column email) is empty")
        elif not ident:
            reject(seq, "identifier is empty")
        elif not system_norm:
            reject(seq, "system is empty; name the system, e.g. github or upn")
        elif not _SYSTEM_RE.match(system_norm):
            reject(seq, f"system {system!r} is not a plain name; use letters, digits, "
                        "'.', '_' or '-', e.g. github")
        else:
            good.append((seq, str(h), str(pid), system_norm))
    # an identifier mapped to two people within the file: all its rows are rejected
    owners: dict[str, set[str]] = defaultdict(set)
    for _n, h, pid, _s in good:
        owners[h].add(pid)
    kept = []
    for seq, h, pid, system in good:
        if len(owners[h]) > 1:
            reject(seq, f"identifier is mapped to {len(owners[h])} different people in this "
                        "file; keep the one right row")
        else:
            kept.append((seq, h, pid, system))
    frame = pd.DataFrame(kept, columns=["_seq", "identity_hash", "person_id", "system"])
    con = ctx.con
    con.register("_idfile", frame)
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE _id0 AS
            SELECT f.*, row_number() OVER (PARTITION BY identity_hash, system ORDER BY _seq) > 1
                       AS dup_in_file
            FROM _idfile f""")
    finally:
        con.unregister("_idfile")
    # conflicts with the store: the identifier belongs to someone else (roster, directory, or
    # another system); an earlier mapping file's row of the same system is corrected instead
    conflicts = con.execute("""
        WITH owners AS (
            -- who else an identifier belongs to: a roster person's own e-mail, or a mapping
            -- of the roster, the directory or another system (a bare self-row of a reader,
            -- identity_hash = person_id, says nothing about whom it belongs to)
            SELECT person_id AS identity_hash, person_id, 'roster e-mail' AS system,
                   false AS correctable
            FROM (SELECT DISTINCT person_id FROM people)
            UNION ALL
            SELECT i.identity_hash, i.person_id, i.system,
                   EXISTS (SELECT 1 FROM identity_mappings m
                           WHERE m.identity_hash = i.identity_hash AND m.system = i.system
                             AND m.person_id = i.person_id) AS correctable
            FROM identities i WHERE i.identity_hash <> i.person_id
        )
        SELECT f._seq, string_agg(DISTINCT o.system, ', ' ORDER BY o.system)
        FROM _id0 f JOIN owners o
          ON o.identity_hash = f.identity_hash AND o.person_id <> f.person_id
        WHERE NOT f.dup_in_file AND NOT (o.correctable AND o.system = f.system)
        GROUP BY f._seq ORDER BY f._seq""").fetchall()
    for seq, systems in conflicts:
        reject(seq, f"identifier already belongs to another person (system {systems}); "
                    "correct this row or the other source")
    bad = {int(n) for n, _ in conflicts}
    con.execute("CREATE OR REPLACE TEMP TABLE _id1 AS SELECT * FROM _id0 WHERE NOT dup_in_file "
                f"AND _seq NOT IN ({','.join(str(n) for n in bad) or '-1'})")
    duplicate = int(con.execute("SELECT count(*) FROM _id0 WHERE dup_in_file").fetchall()[0][0])
    duplicate += int(con.execute("""SELECT count(*) FROM _id1 f SEMI JOIN identities i
        ON i.identity_hash = f.identity_hash AND i.system = f.system
       AND i.person_id = f.person_id""").fetchall()[0][0])
    con.execute("""CREATE OR REPLACE TEMP TABLE _id2 AS SELECT * FROM _id1 f WHERE NOT EXISTS (
        SELECT 1 FROM identities i WHERE i.identity_hash = f.identity_hash
           AND i.system = f.system AND i.person_id = f.person_id)""")
    replaced = int(con.execute("""SELECT count(*) FROM identities i SEMI JOIN _id2 f
        ON i.identity_hash = f.identity_hash AND i.system = f.system""").fetchall()[0][0])
    ctx.replace_rows("identity_mappings", """EXISTS (SELECT 1 FROM _id2 f
        WHERE f.identity_hash = t.identity_hash AND f.system = t.system)""")
    if replaced:
        result.notes.append(f"{replaced} earlier mapping(s) corrected to another person")
    claim_rows(con, ctx.batch_id, "identities",
               "SELECT identity_hash, person_id, system FROM _id2", replace=True)
    con.execute(f"INSERT INTO identity_mappings SELECT identity_hash, person_id, system, "
                f"{ctx.batch_id} FROM _id2")
    result.loaded = int(con.execute("SELECT count(*) FROM _id2").fetchall()[0][0])
    outside = int(con.execute("""SELECT count(DISTINCT person_id) FROM _id2 f WHERE NOT EXISTS
        (SELECT 1 FROM roster_snapshots r WHERE r.person_id = f.person_id)""").fetchall()[0][0])
    if outside:
        result.notes.append(f"{outside} person(s) not in the roster (yet): their identifiers "
                            "count as unmatched until a roster lists them")
    _note_logins_without_data(con, result)
    result.rejects = sorted(rejects, key=lambda r: r[0])
    result.duplicate = duplicate
    for name in ("_id0", "_id1", "_id2"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return result


def _note_logins_without_data(con: Any, result: MappingResult) -> None:
    """Once GitHub data is loaded, say how many of the file's logins match none of it."""
    if not con.execute("SELECT count(*) FROM ingest_log WHERE format LIKE 'github%'"
                       ).fetchall()[0][0]:
        return
    total = con.execute("SELECT count(DISTINCT identity_hash) FROM _id1 WHERE system = 'github'"
                        ).fetchall()[0][0]
    missing = count_identifiers_without_rows(con, "_id1", _GITHUB_TABLES).get("github", 0)
    if missing:
        result.notes.append(
            f"{missing} of {total} GitHub login(s) match no GitHub data loaded so far: check "
            "their spelling (the login as on github.com, e.g. octocat, without '@'); they "
            "match GitHub data ingested later")


def _load(ctx: FormatContext) -> LoadCounts:
    rows = _read_rows(ctx)
    result = stage_identity_mappings(ctx, rows)
    return LoadCounts(read=len(rows), loaded=result.loaded, duplicate=result.duplicate,
                      rejected=ctx.reject(result.rejects), notes=result.notes)


FORMATS = [
    SourceFormat(
        name="identities_mapping",
        kind="identities",
        description="identities mapping: e-mail -> identifier per system (CSV or YAML)",
        suffixes=(".csv", ".yaml", ".yml"),
        sniff=_sniff,
        load=_load,
        rank=5,
        source="docs/sources.md#identities-mapping-file",
    ),
]
