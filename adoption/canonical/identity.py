"""Identity resolution: the one place that decides which person an identifier is.

Every reader stores ``person_id = workspace.pseudonymise([identifier])``: the keyed hash of
whatever identifier its source had (an e-mail, a UPN, a GitHub login, a hashed id). Which
person that is gets decided here, once per ingest batch, through the ``identities`` table
(``identity_hash -> person_id`` per source ``system``), and stored as the ``identity_map``
table by :func:`adoption.canonical.build.refresh_canonical`. Features never resolve
identities themselves: they read the canonical marts, whose person ids are already resolved.

Resolution rules (:func:`identity_map_sql`), deterministic:

1. An identifier that is a person's own roster e-mail is that person, whatever else says so.
   (A reader's row ``identity_hash = person_id`` of another system only records that the
   identifier was seen; it maps nobody.)
2. Otherwise, of the people an identifier is mapped to, the one from an identities mapping
   file wins, then one who is in the roster, then the smallest person id. An identifier
   mapped to more than one person is a data-quality finding
   (:func:`load_identity_conflicts`), never silently merged.
3. An identifier nobody maps is its own person id: its rows are kept and counted as
   unmatched, never dropped.
4. Resolution follows up to two hops, e.g. a UPN that the directory maps to a mailbox
   address, which a mapping file maps to the person's roster e-mail.

The identities mapping file itself is read by :mod:`adoption.vendors.identity`.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

__all__ = ["identity_map_sql", "load_identity_conflicts", "resolve_sql"]


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
        [name]).fetchall()[0][0])


def identity_map_sql(con: duckdb.DuckDBPyConnection | None = None) -> str:
    """A SELECT giving one row per identifier hash that resolves to another person id.

    Columns ``identity_hash, person_id, candidates`` (how many different people the
    identifier is mapped to; more than one is a conflict, resolved by the rules of the module
    docstring). Identifiers that are a roster person's own id, or that nobody maps, are not
    in it: they resolve to themselves. Use it through :func:`identity_join_sql` and
    :func:`resolved_person_sql`.

    Parameters
    ----------
    con : duckdb connection, optional
        When given and the store predates the ``identity_mappings`` table (opened read-only
        before an upgrade), the mapping-file preference is left out instead of failing.
    """
    mappings = con is None or _has_table(con, "identity_mappings")
    from_file = ("LEFT JOIN (SELECT DISTINCT identity_hash, person_id FROM identity_mappings) m "
                 "ON m.identity_hash = i.identity_hash AND m.person_id = i.person_id"
                 if mappings else "")
    file_rank = "WHEN m.identity_hash IS NOT NULL THEN '1' " if mappings else ""
    return f"""
        WITH one_hop AS (
            SELECT identity_hash, arg_min(person_id, pri || person_id) AS person_id,
                   count(DISTINCT person_id) AS candidates
            FROM (
                SELECT i.identity_hash, i.person_id,
                       CASE {file_rank}WHEN p.person_id IS NOT NULL THEN '2' ELSE '3' END
                           AS pri
                FROM identities i
                {from_file}
                LEFT JOIN (SELECT DISTINCT person_id FROM people) p
                       ON p.person_id = i.person_id
                WHERE i.identity_hash <> i.person_id
                  AND NOT EXISTS (SELECT 1 FROM people r WHERE r.person_id = i.identity_hash)
            )
            GROUP BY identity_hash
        )
        -- a second hop: a UPN -> the directory's mail -> the roster e-mail (mapping file)
        SELECT o.identity_hash, coalesce(t.person_id, o.person_id) AS person_id, o.candidates
        FROM one_hop o LEFT JOIN one_hop t ON t.identity_hash = o.person_id"""


def resolve_sql(alias: str, *, column: str = "person_id", map_name: str = "identity_map") -> tuple[str, str]:
    """(join, expression) resolving ``alias.column`` through the stored identity map.

    The one identity-resolution rule in SQL: the canonical build uses it, and so do the few
    readers of staged tables that have no mart (data quality, feature use); features otherwise
    read resolved marts.
    """
    m = f"_idm_{alias}"
    return (f"LEFT JOIN {map_name} {m} ON {m}.identity_hash = {alias}.{column}",
            f"coalesce({m}.person_id, {alias}.{column})")


def load_identity_conflicts(store: Any) -> pd.DataFrame:
    """Identifiers mapped to more than one person, and how each was resolved (no identifiers).

    Returns
    -------
    DataFrame
        One row per combination of systems in conflict: ``systems`` (e.g. ``"github, upn"``),
        ``identifiers`` (how many), ``resolved_by`` (which rule picked the person:
        ``"roster e-mail"``, ``"mapping file"``, ``"in roster"``, ``"smallest id"``).
    """
    con = store.con
    mappings = _has_table(con, "identity_mappings")
    file_case = ("WHEN bool_or(m_hit) THEN 'mapping file' " if mappings else "")
    file_col = ("EXISTS (SELECT 1 FROM identity_mappings m WHERE m.identity_hash = "
                "i.identity_hash AND m.person_id = i.person_id)" if mappings else "false")
    return store.query(f"""
        WITH rows AS (
            -- a bare self-row (identity_hash = person_id) counts only for a roster person
            SELECT i.identity_hash, i.person_id, i.system,
                   i.identity_hash = i.person_id AS is_self, {file_col} AS m_hit,
                   EXISTS (SELECT 1 FROM people p WHERE p.person_id = i.person_id) AS in_roster
            FROM identities i
            WHERE i.identity_hash <> i.person_id
               OR EXISTS (SELECT 1 FROM people p WHERE p.person_id = i.identity_hash)
        ),
        conflicted AS (
            SELECT identity_hash,
                   string_agg(DISTINCT system, ', ' ORDER BY system) AS systems,
                   CASE WHEN bool_or(is_self) THEN 'roster e-mail' {file_case}
                        WHEN bool_or(in_roster) THEN 'in roster' ELSE 'smallest id' END
                       AS resolved_by
            FROM rows GROUP BY identity_hash HAVING count(DISTINCT person_id) > 1
        )
        SELECT systems, count(*) AS identifiers, resolved_by
        FROM conflicted GROUP BY systems, resolved_by ORDER BY systems, resolved_by""")


