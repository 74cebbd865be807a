"""Store tables of adoption.surveys (collected by :mod:`adoption.schema`).

A survey export ingested as a *wave* fills five tables, all keyed by ``wave``:

- ``survey_waves``: one row per wave (instrument, date, export format, response count);
- ``survey_items``: the instrument's items as they were asked in that wave, with the scale
  bounds, reverse keying and the favourable threshold (top-2-box; 9 for NPS);
- ``survey_respondents``: one row per kept response (a keyed hash as ``respondent_id``; the
  keyed hash of the respondent's e-mail as ``person_id``, resolved to a person and a team on
  the wave date only when read; the team the export states, if any);
- ``survey_answers``: one row per respondent x scored item (raw scale value, not reversed;
  missing answers are not stored);
- ``survey_choices``: one row per respondent x choice item x selected option;
- ``survey_comments``: one row per respondent x free-text item (raw text; redacted on output).
"""

from __future__ import annotations

__all__ = ["TABLES"]

#: name -> (grain, DDL), created after the core tables.
TABLES: dict[str, tuple[str, str]] = {
    "survey_waves": (
        "one row per survey wave (one ingested survey export)",
        """CREATE TABLE IF NOT EXISTS survey_waves (
            wave VARCHAR NOT NULL,
            instrument VARCHAR NOT NULL,
            instrument_version VARCHAR,
            wave_date DATE NOT NULL,
            anonymous BOOLEAN NOT NULL,
            source_format VARCHAR NOT NULL,
            responses BIGINT NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "survey_items": (
        "one row per wave x instrument item (scale bounds, reverse keying, favourable_min: "
        "the lowest value counted as favourable, top-2-box or 9 for NPS)",
        """CREATE TABLE IF NOT EXISTS survey_items (
            wave VARCHAR NOT NULL,
            item_id VARCHAR NOT NULL,
            construct VARCHAR,
            stage VARCHAR,
            text VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            scale VARCHAR,
            scale_min DOUBLE,
            scale_max DOUBLE,
            reverse BOOLEAN NOT NULL,
            favourable_min DOUBLE,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "survey_respondents": (
        "one row per wave x kept response (respondent_id a keyed hash of wave and response id; "
        "person_id the keyed hash of the e-mail, NULL for anonymous surveys; team the team "
        "the export states; department and matched are decided at read time by "
        "adoption.surveys.data, staged NULL and false)",
        """CREATE TABLE IF NOT EXISTS survey_respondents (
            wave VARCHAR NOT NULL,
            respondent_id VARCHAR NOT NULL,
            person_id VARCHAR,
            team VARCHAR,
            department VARCHAR,
            matched BOOLEAN NOT NULL,
            submitted_at TIMESTAMPTZ,
            finished BOOLEAN NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "survey_answers": (
        "one row per wave x respondent x scored item answered (raw scale value, not reversed)",
        """CREATE TABLE IF NOT EXISTS survey_answers (
            wave VARCHAR NOT NULL,
            respondent_id VARCHAR NOT NULL,
            item_id VARCHAR NOT NULL,
            value DOUBLE NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "survey_choices": (
        "one row per wave x respondent x choice item x selected option",
        """CREATE TABLE IF NOT EXISTS survey_choices (
            wave VARCHAR NOT NULL,
            respondent_id VARCHAR NOT NULL,
            item_id VARCHAR NOT NULL,
            choice VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
    "survey_comments": (
        "one row per wave x respondent x free-text item answered (raw text)",
        """CREATE TABLE IF NOT EXISTS survey_comments (
            wave VARCHAR NOT NULL,
            respondent_id VARCHAR NOT NULL,
            item_id VARCHAR NOT NULL,
            text VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL
        )""",
    ),
}
