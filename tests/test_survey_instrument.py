"""Tests of survey instruments: the shipped default, validation messages, scale parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adoption.cli import main
from adoption.errors import InputError
from adoption.surveys.instrument import (
    ADKAR_STAGES,
    default_instrument_path,
    load_instrument,
    normalise_text,
    validate_instrument,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "surveys"


@pytest.fixture(scope="module")
def pulse():
    return load_instrument()


def test_default_instrument_covers_the_issue(pulse):
    likert = [it for it in pulse.items if it.kind == "likert"]
    for stage in ADKAR_STAGES:
        assert sum(it.stage == stage for it in pulse.items) >= 2, stage
    assert pulse.stages == list(ADKAR_STAGES)
    assert any(it.reverse for it in likert)
    for construct in ("usefulness", "ease_of_use", "trust", "risk"):
        assert any(it.construct == construct for it in likert), construct
    nps = [it for it in pulse.items if it.kind == "nps"]
    assert len(nps) == 1 and "recommend" in nps[0].text and "colleague" in nps[0].text
    assert pulse.scales[nps[0].scale].values == tuple(float(v) for v in range(11))
    assert sum(it.kind == "text" for it in pulse.items) == 2
    assert pulse.team_item == "team" and pulse.item("team").kind == "choice"
    # question texts are unique after normalisation, so exports match unambiguously
    texts = [normalise_text(it.text) for it in pulse.items]
    assert len(set(texts)) == len(texts)


def test_repository_symlink_points_at_the_package_data():
    link = REPO / "surveys" / "ai_adoption_pulse.yaml"
    assert link.is_symlink() and not Path(link.readlink()).is_absolute()
    assert link.resolve() == default_instrument_path().resolve()


def test_scale_parsing_is_case_and_space_insensitive(pulse):
    agree = pulse.scales["agree5"]
    assert agree.parse("  strongly AGREE ") == (True, 5.0)
    assert agree.parse("Somewhat agree") == (True, 4.0)  # Qualtrics' wording, an alias
    assert agree.parse("Neither agree or disagree") == (True, 3.0)
    assert agree.parse("4") == (True, 4.0)  # numeric recode
    assert agree.parse(2) == (True, 2.0)
    for missing in ("Prefer not to say", "n/a", "Not applicable", "Don’t know", "", None):
        assert agree.parse(missing) == (True, None), missing
    assert agree.parse("6") == (False, None)
    assert agree.parse("Maybe") == (False, None)
    nps = pulse.scales["nps11"]
    assert nps.parse("10 - Extremely likely") == (True, 10.0)
    assert nps.parse("0") == (True, 0.0)
    assert nps.parse("11") == (False, None)
    # top-2-box on a 5-point scale starts at 4; NPS promoters are 9-10
    assert agree.favourable_min("likert") == 4.0
    assert pulse.scales["agree7"].favourable_min("likert") == 6.0
    assert nps.favourable_min("nps") == 9.0


def test_bad_instrument_lists_every_problem_with_its_path():
    data = yaml.safe_load((FIXTURES / "bad_instrument.yaml").read_text(encoding="utf-8"))
    problems = {(p.path, p.message) for p in validate_instrument(data)}
    text = "\n".join(f"{p} | {m}" for p, m in problems)
    assert "items[0] (q1).scale | unknown scale 'agree7'" in text
    assert "items[1] (q1).id | duplicate item id 'q1'" in text
    assert "items[1] (q1).text | missing question text" in text
    assert "items[1] (q1).stage | stage 'acceptance' is not one of" in text
    assert "items[2] (q3).reverse | reverse keying applies to likert items only" in text
    assert "scales[1] (single).labels | a scale needs at least 2 labels" in text
    assert "scales[1] (single).labels[0].value | value 'one' is not a number" in text
    with pytest.raises(InputError, match=r"problem\(s\):[\s\S]*items\[0\] \(q1\)\.scale"):
        load_instrument(FIXTURES / "bad_instrument.yaml")


@pytest.mark.parametrize("data, path", [
    ("not a mapping", "(top)"),
    ({"id": "x", "version": "1", "title": "t", "scales": [], "items": []}, "scales"),
])
def test_structural_problems(data, path):
    assert path in {p.path for p in validate_instrument(data)}


def test_unknown_keys_and_kinds_are_reported(tmp_path):
    data = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    data["items"][0]["kind"] = "slider"
    data["items"][1]["wording"] = "x"
    data["colour"] = "blue"
    paths = {p.path for p in validate_instrument(data)}
    assert "items[0] (aw_why).kind" in paths
    assert "items[1] (aw_goals).wording" in paths
    assert "colour" in paths


def test_missing_file_and_non_yaml(tmp_path):
    with pytest.raises(InputError, match="no such instrument file"):
        load_instrument(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_instrument(bad)


def test_cli_check(capsys):
    assert main(["survey", "check", str(default_instrument_path())]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "ADKAR stages: awareness, desire, knowledge, ability, reinforcement" \
        in out and "reverse-keyed items: aw_unclear" in out
    assert main(["survey", "check", str(FIXTURES / "bad_instrument.yaml")]) == 2
    out = capsys.readouterr().out
    assert "items[0] (q1).scale: unknown scale 'agree7'" in out
    assert main(["survey", "check", str(FIXTURES / "missing.yaml")]) == 2
