"""Tests of survey exports ingested as waves: one per export layout, the documented rules,
respondent resolution, bad input and format detection.

The fixtures in ``tests/fixtures/surveys/`` are written as the tools export them: Qualtrics'
three header rows with a BOM and ImportId JSON, SurveyMonkey's two header rows with matrix and
one-column-per-option cells, Google Forms' ``Question [Row]`` grid columns and GMT-offset
timestamps, a Microsoft Forms workbook with Excel dates and ``;``-joined multi-select cells.
The roster is conftest's (Ann moves Alpha -> Beta on 2026-02-01; Eve is in Alpha).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pandas as pd
import pytest

from adoption.cli import main
from adoption.errors import AdoptionError, InputError
from adoption.ingest import ingest_file, ingest_files
from adoption.ingest.formats import detect_format
from adoption.surveys.answers import load_mapping
from adoption.surveys.data import load_respondents

FIXTURES = Path(__file__).parent / "fixtures" / "surveys"
#: the default name of the February waves: the median response month and the instrument
WAVE = "2026-02_ai_adoption_pulse"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def ws(workspace, files):
    ingest_files(workspace, [files["roster_jan"], files["roster_feb"]])
    return workspace


def table(ws, name: str, where: str = "") -> pd.DataFrame:
    with ws.store(read_only=True) as store:
        return store.con.execute(f"SELECT * FROM {name} {where}").df()


def answers_of(ws, email: str, wave: str = WAVE) -> dict[str, float]:
    pid = ws.pseudonymise([email])[0]
    with ws.store(read_only=True) as store:
        rows = store.con.execute(
            """SELECT a.item_id, a.value FROM survey_answers a JOIN survey_respondents r
               USING (wave, respondent_id) WHERE r.person_id = ? AND wave = ?""",
            [pid, wave]).fetchall()
    return dict(rows)


def test_qualtrics_export(ws):
    path = FIXTURES / "qualtrics_2026-02.csv"
    assert detect_format(path).name == "qualtrics_csv"
    r = ingest_file(ws, path)
    # 8 rows: Ann twice (the later counts), Dan (numeric recodes), a preview and a test row,
    # Eve's partial with one answer (kept), Bob's empty partial (rejected), an unmatched João
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (8, 4, 3, 1)
    assert r.kind == "survey" and r.format == "qualtrics_csv"
    assert "2 preview/test/spam" in r.note and "1 partial responses kept" in r.note
    # (the reader no longer looks respondents up in the roster, so the note of unmatched
    # respondents is gone: load_respondents tells it when the survey is read, below)
    assert "not found in the roster" not in r.note
    waves = table(ws, "survey_waves")
    assert waves[["wave", "instrument", "source_format", "responses", "anonymous"]].iloc[0] \
        .tolist() == [WAVE, "ai_adoption_pulse", "qualtrics_csv", 4, False]
    assert waves["wave_date"].iloc[0].date() == dt.date(2026, 2, 12)
    # the later submission of Ann: Qualtrics wording ("Somewhat agree" = 4), raw values
    # (kn_lost is reverse-keyed but stored as ticked)
    assert answers_of(ws, "ann@example.com") == {
        "aw_why": 5.0, "kn_how": 4.0, "kn_lost": 1.0, "pu_faster": 5.0, "nps": 10.0}
    assert answers_of(ws, "dan@example.com") == {
        "aw_why": 5.0, "kn_how": 4.0, "kn_lost": 2.0, "pu_faster": 4.0, "nps": 10.0}
    assert answers_of(ws, "eve@example.com") == {"aw_why": 3.0}  # "Prefer not to say" missing
    resp = table(ws, "survey_respondents")
    by_person = resp.set_index("person_id")
    ann, eve, joao = ws.pseudonymise(["ann@example.com", "eve@example.com",
                                      "joao@partner.example"])
    # the reader stages keyed hashes only; who they are and their team on the wave date are
    # decided when read, through the canonical layer (load_respondents)
    people = load_respondents(ws).set_index("person_id")
    assert people.loc[ann, "team"] == "Beta"  # on the wave date, after her move
    assert people.loc[eve, "team"] == "Alpha" and not people.loc[eve, "finished"]
    assert people.loc[joao, "matched"] == False  # noqa: E712 - numpy bool
    assert people.loc[joao, "team"] == "(no team)"  # João is not in the roster
    assert people["matched"].sum() == 3  # Ann, Dan and Eve
    # respondent ids are keyed hashes of wave and response id, never the raw id
    assert set(resp["respondent_id"]) >= set(ws.pseudonymise([f"{WAVE}:R_7aBcDeFgHiJkLmN"]))
    assert not resp["respondent_id"].str.startswith("R_").any()
    assert by_person.loc[ann, "submitted_at"] == pd.Timestamp("2026-02-12 09:06", tz=BERLIN)
    comments = table(ws, "survey_comments")
    assert comments["text"].tolist() == ["Pairing with São Paulo colleagues"]  # Ann's later
    choices = table(ws, "survey_choices")
    assert sorted(choices["choice"]) == ["Microsoft 365 Copilot", "None", "Other"]
    items = table(ws, "survey_items").set_index("item_id")
    assert items.loc["kn_lost", "reverse"] and items.loc["nps", "favourable_min"] == 9
    assert items.loc["aw_why", "favourable_min"] == 4 and items.loc["aw_why", "scale_max"] == 5
    assert items.loc["aw_why", "stage"] == "awareness"
    rejects = table(ws, "rejects", f"WHERE batch_id = {r.batch_id}")
    reasons = " | ".join(rejects["reason"])
    assert "survey preview response" in reasons and "test response" in reasons
    assert "partial response with no scored item answered" in reasons
    assert "duplicate submission" in reasons
    assert rejects["raw"].isna().all()  # identifiers are redacted from stored rejects


def test_surveymonkey_export(ws):
    path = FIXTURES / "surveymonkey_2026-02.csv"
    assert detect_format(path).name == "surveymonkey_csv"
    r = ingest_file(ws, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (3, 2, 1, 0)
    assert answers_of(ws, "ann@example.com") == {
        "aw_why": 4.0, "kn_how": 5.0, "kn_lost": 2.0, "pu_faster": 4.0, "nps": 9.0}
    # "strongly AGREE " matches case- and space-insensitively; "N/A" is missing
    assert answers_of(ws, "dan@example.com") == {
        "aw_why": 5.0, "kn_how": 4.0, "pu_faster": 3.0, "nps": 7.0}
    rejects = table(ws, "rejects", f"WHERE batch_id = {r.batch_id}")
    assert rejects["row_number"].tolist() == [5]
    reason = rejects["reason"].iloc[0]
    assert "I often do not know which AI tool" in reason and "'Very much'" in reason
    choices = table(ws, "survey_choices")
    assert sorted(choices["choice"]) == ["ChatGPT Enterprise", "GitHub Copilot",
                                         "Microsoft 365 Copilot"]
    assert table(ws, "survey_waves")["wave_date"].iloc[0].date() == dt.date(2026, 2, 10)


def test_google_forms_anonymous_export_counts_stated_teams(ws):
    path = FIXTURES / "google_forms_2026-02.csv"
    assert detect_format(path).name == "google_forms_csv"
    r = ingest_file(ws, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (3, 3, 0, 0)
    assert "3 anonymous responses (3 with a stated team)" in r.note
    resp = table(ws, "survey_respondents").sort_values("submitted_at")
    assert resp["person_id"].isna().all() and not resp["matched"].any()
    assert resp["team"].tolist() == ["Alpha", "Beta", "Beta"]
    # the stated team's department on the wave date is looked up when read (the reader does
    # not read the roster)
    read = load_respondents(ws).set_index("respondent_id").loc[resp["respondent_id"]]
    assert read["team"].tolist() == ["Alpha", "Beta", "Beta"]
    assert read["department"].tolist() == ["Eng"] * 3
    assert not read["matched"].any()
    # "2026/02/09 10:12:45 AM GMT+1" and "2/11/2026 16:45:10" (workspace time zone)
    assert resp["submitted_at"].tolist() == [
        pd.Timestamp("2026-02-09 10:12:45", tz=BERLIN),
        pd.Timestamp("2026-02-10 13:05:02", tz=BERLIN),
        pd.Timestamp("2026-02-11 16:45:10", tz=BERLIN)]
    assert table(ws, "survey_waves")["anonymous"].iloc[0]
    choices = table(ws, "survey_choices")
    assert sorted(choices["choice"]) == ["ChatGPT Enterprise", "GitHub Copilot",
                                         "Microsoft 365 Copilot"]
    assert "Mehr Übung, bitte" in table(ws, "survey_comments")["text"].tolist()
    # the team question itself is not stored as a choice
    assert "team" not in set(choices["item_id"])


def test_microsoft_forms_export(ws):
    path = FIXTURES / "ms_forms_2026-02.xlsx"
    assert detect_format(path).name == "microsoft_forms_xlsx"
    r = ingest_file(ws, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (3, 3, 0, 0)
    assert answers_of(ws, "dan@example.com") == {
        "aw_why": 5.0, "kn_how": 4.0, "kn_lost": 1.0, "pu_faster": 5.0, "nps": 10.0}
    resp = table(ws, "survey_respondents")
    dan = ws.pseudonymise(["dan@example.com"])[0]
    assert resp.set_index("person_id").loc[dan, "submitted_at"] == pd.Timestamp(
        "2026-02-10 14:03:20", tz=BERLIN)  # an Excel date cell, read in the workspace zone
    assert resp["person_id"].isna().sum() == 1  # the "anonymous" response
    choices = table(ws, "survey_choices")
    ann = ws.pseudonymise(["ann@example.com"])[0]
    ann_rid = resp.set_index("person_id").loc[ann, "respondent_id"]
    assert sorted(choices[choices["respondent_id"] == ann_rid]["choice"]) == [
        "ChatGPT Enterprise", "GitHub Copilot"]  # "GitHub Copilot;ChatGPT Enterprise;"
    assert "Zoë's tips" in table(ws, "survey_comments")["text"].tolist()


def test_generic_csv_with_item_ids_and_an_answer_outside_the_scale(ws):
    path = FIXTURES / "generic_2026-02.csv"
    assert detect_format(path).name == "survey_csv"
    r = ingest_file(ws, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (3, 2, 1, 0)
    reason = table(ws, "rejects", f"WHERE batch_id = {r.batch_id}")["reason"].iloc[0]
    assert "I know how to use the AI tools" in reason and "'6'" in reason
    assert answers_of(ws, "eve@example.com") == {
        "aw_why": 4.0, "kn_how": 2.0, "pu_faster": 5.0, "nps": 3.0}


def test_unmatched_column_is_an_error_unless_mapped(ws):
    path = FIXTURES / "unmatched_column.csv"
    before = _fingerprint(ws)
    with pytest.raises(InputError) as err:
        ingest_file(ws, path, source_format="survey_csv")
    msg = str(err.value)
    assert "'Overall, how satisfied are you with the AI rollout?'" in msg
    assert "nearest items" in msg and "--mapping" in msg
    assert _fingerprint(ws) == before
    r = ingest_file(ws, path, source_format="survey_csv",
                    options={"mapping": str(FIXTURES / "mapping_ignore.yaml")})
    assert r.rows_loaded == 2 and "columns ignored" in r.note


def test_mapping_file_maps_renamed_columns(ws):
    assert load_mapping(FIXTURES / "mapping.csv") == {"q 7 recommend": "nps",
                                                     "feeling about usefulness": "pu_faster"}
    r = ingest_file(ws, FIXTURES / "renamed_columns.csv", source_format="survey_csv",
                    options={"mapping": str(FIXTURES / "mapping.csv"), "wave": "pilot",
                             "wave_date": "2026-02-15"})
    assert r.rows_loaded == 2
    waves = table(ws, "survey_waves")
    assert waves["wave"].tolist() == ["pilot"]
    assert waves["wave_date"].iloc[0].date() == dt.date(2026, 2, 15)
    assert answers_of(ws, "dan@example.com", "pilot") == {"nps": 7.0, "pu_faster": 2.0}


def test_mapping_to_an_unknown_item_is_an_error(ws, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("Q. 7 recommend: recommend\n", encoding="utf-8")
    with pytest.raises(InputError, match="'recommend', which is not an item"):
        ingest_file(ws, FIXTURES / "renamed_columns.csv", source_format="survey_csv",
                    options={"mapping": str(mapping)})


def _fingerprint(ws):
    with ws.store(read_only=True) as store:
        return store.fingerprint()


@pytest.mark.parametrize("name, match", [
    ("picture.csv", "PNG image"),
    ("report.pdf.csv", "PDF document"),
    ("header_only.csv", "no responses"),
])
def test_bad_files_fail_cleanly_and_leave_the_store_unchanged(ws, name, match):
    path = FIXTURES / name
    if name != "header_only.csv":  # (a survey header without rows is still a survey CSV)
        assert detect_format(path) is None  # no format claims a picture or a PDF
    before = _fingerprint(ws)
    with pytest.raises(InputError, match=match):
        ingest_file(ws, path, source_format="survey_csv")
    assert _fingerprint(ws) == before


def test_wrong_file_type_for_the_workbook_reader(ws):
    before = _fingerprint(ws)
    with pytest.raises(InputError, match="not an Excel workbook"):
        ingest_file(ws, FIXTURES / "generic_2026-02.csv", source_format="microsoft_forms_xlsx")
    assert _fingerprint(ws) == before


def test_instrument_with_an_unknown_scale_fails_the_batch(ws):
    before = _fingerprint(ws)
    with pytest.raises(InputError, match=r"unknown scale 'agree7'"):
        ingest_file(ws, FIXTURES / "qualtrics_2026-02.csv",
                    options={"instrument": str(FIXTURES / "bad_instrument.yaml")})
    assert _fingerprint(ws) == before


def test_every_response_rejected_leaves_the_store_unchanged(ws, tmp_path):
    path = tmp_path / "all_bad.csv"
    path.write_text("Email,aw_why,nps\nann@example.com,Maybe,9\ndan@example.com,5,12\n",
                    encoding="utf-8")
    before = _fingerprint(ws)
    with pytest.raises(AdoptionError, match="every one of its 2 rows was rejected"):
        ingest_file(ws, path, source_format="survey_csv")
    assert _fingerprint(ws) == before


def test_a_second_export_for_an_existing_wave_is_refused(ws):
    ingest_file(ws, FIXTURES / "qualtrics_2026-02.csv")
    before = _fingerprint(ws)
    # the same instrument in the same month, from another tool: the same default name
    with pytest.raises(InputError, match=f"wave '{WAVE}' already exists"):
        ingest_file(ws, FIXTURES / "surveymonkey_2026-02.csv")
    assert _fingerprint(ws) == before
    r = ingest_file(ws, FIXTURES / "surveymonkey_2026-02.csv", options={"wave": "2026-02-sm"})
    assert r.rows_loaded == 2
    # the same file again is recognised by its hash and changes nothing
    again = ingest_file(ws, FIXTURES / "qualtrics_2026-02.csv")
    assert again.already_ingested


def test_each_fixture_is_claimed_by_exactly_its_format(files):
    expected = {
        "qualtrics_2026-02.csv": "qualtrics_csv",
        "surveymonkey_2026-02.csv": "surveymonkey_csv",
        "google_forms_2026-02.csv": "google_forms_csv",
        "ms_forms_2026-02.xlsx": "microsoft_forms_xlsx",
        "generic_2026-02.csv": "survey_csv",
        # most of its question columns are instrument texts: a survey with one stray column
        "unmatched_column.csv": "survey_csv",
    }
    for name, fmt in expected.items():
        assert detect_format(FIXTURES / name).name == fmt, name  # raises if two claim it
    for path in files.values():  # generic roster and usage CSVs are not surveys
        assert detect_format(path) is None, path.name
    for name in ("renamed_columns.csv", "mapping.csv", "picture.csv", "report.pdf.csv"):
        assert detect_format(FIXTURES / name) is None, name


def test_cli_ingest_options_and_waves(ws, capsys):
    w = str(ws.root)
    assert main(["ingest", "-w", w, str(FIXTURES / "renamed_columns.csv"), "--format",
                 "survey_csv", "--mapping", str(FIXTURES / "mapping.csv"), "--wave", "pilot",
                 "--wave-date", "2026-02-20"]) == 0
    assert main(["ingest", "-w", w, str(FIXTURES / "google_forms_2026-02.csv")]) == 0
    capsys.readouterr()
    assert main(["survey", "waves", "-w", w]) == 0
    out = capsys.readouterr().out
    assert "pilot" in out and "2026-02-20" in out and "google_forms_csv" in out
    lines = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert lines["pilot"][3:6] == ["2", "2", "False"]  # responses, matched, anonymous
    assert lines[WAVE][3:6] == ["3", "0", "True"]


def test_generic_workbook_and_google_forms_with_email(ws, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append(["Email", "Date", "I want to use AI tools in my daily work.",
                  "The AI tools are easy to use.", "Which team do you work in?"])
    sheet.append(["ann@example.com", dt.datetime(2026, 2, 9, 9, 30), "Agree", 5, "Alpha"])
    sheet.append(["dan@example.com", dt.datetime(2026, 2, 10, 9, 30), "Disagree", None, "Beta"])
    path = tmp_path / "pulse.xlsx"
    wb.save(path)
    assert detect_format(path).name == "survey_xlsx"
    r = ingest_file(ws, path, options={"wave": "xlsx"})
    assert (r.rows_read, r.rows_loaded) == (2, 2)
    assert answers_of(ws, "ann@example.com", "xlsx") == {"de_want": 4.0, "eu_easy": 5.0}
    # a matched person's team comes from the roster, not from the answer (the stated team is
    # staged as given; the roster's team on the wave date is taken when read)
    resp = load_respondents(ws, waves="xlsx").set_index("person_id")
    assert resp.loc[ws.pseudonymise(["ann@example.com"])[0], "team"] == "Beta"
    staged = table(ws, "survey_respondents", "WHERE wave = 'xlsx'").set_index("person_id")
    assert staged.loc[ws.pseudonymise(["ann@example.com"])[0], "team"] == "Alpha"

    google = tmp_path / "google.csv"
    google.write_text(
        "Timestamp,Email Address,I want to use AI tools in my daily work.,"
        "Which AI tools have you used in the last month?\n"
        '2026/02/12 9:01:02 AM GMT+1,eve@example.com,Strongly agree,"GitHub Copilot, Other"\n',
        encoding="utf-8")
    assert detect_format(google).name == "google_forms_csv"
    r = ingest_file(ws, google, options={"wave": "google"})
    assert r.rows_loaded == 1
    assert answers_of(ws, "eve@example.com", "google") == {"de_want": 5.0}
    choices = table(ws, "survey_choices", "WHERE wave = 'google'")
    assert sorted(choices["choice"]) == ["GitHub Copilot", "Other"]


def test_a_usage_log_with_a_timestamp_column_is_not_a_google_form(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("Timestamp,Email Address,tool,count\n"
                    "2026/02/12 9:01:02 AM GMT+1,eve@example.com,Copilot,3\n", encoding="utf-8")
    assert detect_format(path) is None


@pytest.mark.parametrize("column, value, reason", [
    ("Status", "1", "survey preview response (Status 1)"),
    ("Status", "Spam", "spam response"),
    ("DistributionChannel", "test", "test response (DistributionChannel test)"),
])
def test_qualtrics_numeric_status_and_channels(ws, tmp_path, column, value, reason):
    import csv

    rows = list(csv.reader((FIXTURES / "qualtrics_2026-02.csv").read_text(
        encoding="utf-8-sig").splitlines()))
    col = rows[0].index(column)
    rows[4][col] = value  # Dan's response, otherwise valid
    path = tmp_path / "q.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    r = ingest_file(ws, path)
    assert (r.rows_loaded, r.rows_rejected) == (3, 4)
    reasons = table(ws, "rejects", f"WHERE batch_id = {r.batch_id} AND row_number = 5")
    assert reasons["reason"].iloc[0].startswith(reason)
    assert answers_of(ws, "dan@example.com") == {}


def test_survey_command_without_subcommand_prints_help(capsys):
    assert main(["survey"]) == 2
    assert "check" in capsys.readouterr().out


def test_qualtrics_tsv_in_utf16(ws, tmp_path):
    import csv
    import io

    rows = list(csv.reader(io.StringIO((FIXTURES / "qualtrics_2026-02.csv").read_text(
        encoding="utf-8-sig"))))
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t").writerows(rows)
    path = tmp_path / "export.tsv"
    path.write_bytes(buf.getvalue().encode("utf-16"))  # Qualtrics writes TSV as UTF-16 (BOM)
    assert detect_format(path).name == "qualtrics_csv"
    r = ingest_file(ws, path)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (8, 4, 3, 1)


# -- wave names, completed-only, audience teams, self-reported teams, choice codes ------------
ANONYMOUS = FIXTURES / "qualtrics_anonymous_numeric_2025-11.csv"


def test_a_wave_is_named_after_its_median_month_and_instrument(ws):
    r = ingest_file(ws, ANONYMOUS)
    # responses on 20, 21, 24 November and 3 December: the median lies in November, so the
    # wave is November's (the last response's month would say December); dated by its close
    waves = table(ws, "survey_waves")
    assert waves["wave"].tolist() == ["2025-11_ai_adoption_pulse"]
    assert waves["wave_date"].iloc[0].date() == dt.date(2025, 12, 3)
    assert "wave 2025-11_ai_adoption_pulse (2025-12-03)" in r.note


def test_two_instruments_in_one_month_do_not_collide(ws, tmp_path):
    import yaml

    from adoption.surveys.instrument import default_instrument_path

    other = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    other["id"] = "training_pulse"
    path = tmp_path / "training.yaml"
    path.write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")
    ingest_file(ws, FIXTURES / "qualtrics_2026-02.csv")
    ingest_file(ws, FIXTURES / "surveymonkey_2026-02.csv", options={"instrument": str(path)})
    assert sorted(table(ws, "survey_waves")["wave"]) == [
        "2026-02_ai_adoption_pulse", "2026-02_training_pulse"]


def test_completed_only_rejects_partial_responses_with_a_reason(ws):
    r = ingest_file(ws, FIXTURES / "qualtrics_2026-02.csv", options={"completed_only": "true"})
    # 8 rows as in test_qualtrics_export, but Eve's partial (Finished False, Progress 40,
    # one answer) is now rejected too: 3 loaded, 4 rejected, Ann's earlier row a duplicate
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_duplicate) == (8, 3, 4, 1)
    assert "2 partial responses (Finished false) rejected: --completed-only" in r.note
    reasons = table(ws, "rejects", f"WHERE batch_id = {r.batch_id}")
    rows = reasons.set_index("row_number")["reason"]
    # Eve's and Bob's partials (data rows 5 and 6 of the export, rows 8 and 9 of the file)
    assert rows[8] == ("partial response (Finished false, Progress 40%): left out by "
                       "--completed-only")
    assert rows[9].startswith("partial response (Finished false, Progress 5%)")
    assert answers_of(ws, "eve@example.com") == {}  # her one answer is not stored


def test_audience_team_and_choice_codes_of_an_anonymous_numeric_export(ws):
    r = ingest_file(ws, ANONYMOUS, options={"audience_team": "Alpha"})
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (4, 4, 0)
    assert "4 anonymous responses (0 with a stated team)" in r.note
    assert "4 responses without a stated team put in the audience team 'Alpha'" in r.note
    # staged with the audience team; its department (Alpha is in Eng in the roster fixture)
    # comes from the roster on the wave date when the survey is read
    assert set(table(ws, "survey_respondents")["team"]) == {"Alpha"}
    resp = load_respondents(ws)
    assert set(resp["team"]) == {"Alpha"} and set(resp["department"]) == {"Eng"}
    choices = table(ws, "survey_choices").sort_values(["respondent_id", "choice"])
    # codes by hand: 1,3 -> GitHub Copilot, ChatGPT Enterprise (options 1 and 3); 2 ->
    # Microsoft 365 Copilot; 4 -> Other (the export's Q4_4_TEXT column names it); 7 names no
    # option of the five and is kept as given
    assert sorted(choices["choice"]) == ["7", "ChatGPT Enterprise", "GitHub Copilot",
                                         "Microsoft 365 Copilot", "Other"]
    assert "4 choice answers given as codes, read as their options' labels" in r.note
    assert "1 choice codes that name no option (kept as given)" in r.note
    # numeric likert answers are the scale's values
    assert sorted(table(ws, "survey_answers").query("item_id == 'nps'")["value"]) == [6, 8, 9]


def test_audience_team_that_the_roster_does_not_know_is_said(ws):
    r = ingest_file(ws, ANONYMOUS, options={"audience_team": "Web visitors"})
    assert "'Web visitors' is not a team of any roster loaded so far" in r.note
    assert set(load_respondents(ws)["team"]) == {"Web visitors"}


def test_a_self_reported_team_is_the_fallback_when_the_email_is_not_in_the_roster(ws, tmp_path):
    path = tmp_path / "pulse.csv"
    path.write_text(
        "Timestamp,Email,Which team do you work in?,Using AI tools helps me get my work done "
        "faster.\n"
        "2026-02-10 10:00:00,ann@example.com,Gamma,4\n"      # in the roster: Beta wins
        "2026-02-10 11:00:00,zoe@partner.example,Beta,5\n"   # not in the roster: Beta
        "2026-02-10 12:00:00,max@partner.example,,3\n"       # not in the roster, no team
        "2026-02-10 13:00:00,,Alpha,2\n", encoding="utf-8")  # anonymous, states Alpha
    r = ingest_file(ws, path, source_format="survey_csv")
    assert (r.rows_read, r.rows_loaded) == (4, 4)
    # the reader stages the stated teams of Ann and Zoe; the roster decides when read
    assert ("2 respondents with an e-mail state a team: it counts when the roster does not "
            "place them on the wave date") in r.note
    resp = load_respondents(ws)
    ann, zoe, max_ = ws.pseudonymise(["ann@example.com", "zoe@partner.example",
                                      "max@partner.example"])
    by = resp.set_index("person_id")
    assert (by.loc[ann, "team"], bool(by.loc[ann, "matched"])) == ("Beta", True)
    assert (by.loc[zoe, "team"], by.loc[zoe, "department"]) == ("Beta", "Eng")
    assert not by.loc[zoe, "matched"] and by.loc[max_, "team"] == "(no team)"
    assert resp.loc[resp["person_id"].isna(), "team"].tolist() == ["Alpha"]


def test_cli_completed_only_and_audience_team(ws, capsys):
    assert main(["ingest", "-w", str(ws.root), str(ANONYMOUS), "--completed-only",
                 "--audience-team", "Alpha"]) == 0
    out = capsys.readouterr().out
    # 4 responses: the partial of 3 December left out, 3 loaded in Alpha
    assert "read 4 = loaded 3 + rejected 1 + duplicate 0" in out
    assert "3 responses without a stated team put in the audience team 'Alpha'" in out
    # the median of the three kept responses (20, 21, 24 November) is still in November
    assert table(ws, "survey_waves")["wave"].tolist() == ["2025-11_ai_adoption_pulse"]
