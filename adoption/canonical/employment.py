"""Employment and membership: the effective-dated ``people`` table and employment spans.

The one home of the rules that turn roster snapshots into who was employed, in which team,
on which day. Called by :func:`adoption.canonical.build.refresh_canonical`.
"""

from __future__ import annotations

__all__ = ["build_employment", "build_people"]


def build_people(con) -> None:
    """Recompute the effective-dated ``people`` table from all roster snapshots.

    Rules: a snapshot is the truth as of its date; a change of team, department, manager,
    location or role counts from the snapshot that shows it; a person absent from a later
    snapshot left the day before it; a stated ``end_date`` wins; stretches are clipped to
    employment, so that a person's stretches are contiguous (one employment span each).
    """
    sig = "md5(concat_ws('|', team, department, manager_id, location, role))"
    con.execute("DELETE FROM people")
    con.execute(f"""
        INSERT INTO people
        WITH snaps AS (
            SELECT as_of, lead(as_of) OVER (ORDER BY as_of) AS next_snapshot
            FROM (SELECT DISTINCT as_of FROM roster_snapshots)
        ),
        rows AS (
            SELECT r.*, s.next_snapshot, {sig} AS sig,
                   lag({sig}) OVER w AS prev_sig, row_number() OVER w AS rn,
                   lead(r.as_of) OVER w AS next_seen
            FROM roster_snapshots r JOIN snaps s USING (as_of)
            WINDOW w AS (PARTITION BY person_id ORDER BY as_of)
        ),
        employment AS (
            SELECT person_id, min(employment_start) AS employment_start,
                   arg_max_null(employment_end, as_of) AS stated_end,
                   arg_max_null(next_snapshot, as_of) AS snapshot_after_last_seen
            FROM rows GROUP BY person_id
        ),
        changes AS (
            SELECT *, CASE WHEN rn = 1 THEN DATE '1900-01-01' ELSE as_of END AS change_from
            FROM rows WHERE rn = 1 OR sig IS DISTINCT FROM prev_sig
        ),
        spans AS (
            SELECT c.person_id, c.team, c.department, c.manager_id, c.location, c.role,
                   e.employment_start,
                   coalesce(e.stated_end, e.snapshot_after_last_seen - 1) AS employment_end,
                   c.change_from,
                   lead(c.change_from) OVER (PARTITION BY c.person_id ORDER BY c.as_of) - 1
                       AS change_to
            FROM changes c JOIN employment e USING (person_id)
        )
        SELECT person_id, team, department, manager_id, location, role,
               employment_start, employment_end,
               greatest(change_from, coalesce(employment_start, DATE '1900-01-01')) AS valid_from,
               least(coalesce(change_to, DATE '9999-12-31'),
                     coalesce(employment_end, DATE '9999-12-31')) AS valid_to
        FROM spans
        WHERE greatest(change_from, coalesce(employment_start, DATE '1900-01-01'))
              <= least(coalesce(change_to, DATE '9999-12-31'),
                       coalesce(employment_end, DATE '9999-12-31'))
    """)


def build_employment(con) -> None:
    """Recompute ``employment``: one span per roster person (first and last employed day)."""
    con.execute("DELETE FROM employment")
    con.execute("""
        INSERT INTO employment
        SELECT person_id, min(valid_from), max(valid_to) FROM people GROUP BY person_id""")
