"""Survey instruments: the questions of a survey, their scales and constructs, as YAML files.

An instrument file (schema in ``surveys/README.md``) names its scales (ordered labels with
numeric values and the answers that count as missing), its constructs and its items (question
text as shown in the survey tool, construct, optional ADKAR stage, scale, reverse keying and
kind). :func:`load_instrument` reads and validates one; :func:`validate_instrument` returns
every problem found with the YAML path of the offending entry, so ``adoption survey check``
can explain all of them at once.

The shipped default, ``ai_adoption_pulse``, is package data
(``adoption/surveys/instruments/ai_adoption_pulse.yaml``); :func:`default_instrument_path`
returns its path.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from adoption.errors import InputError
from adoption.ingest.text import read_text

__all__ = [
    "ADKAR_STAGES",
    "ITEM_KINDS",
    "Instrument",
    "InstrumentProblem",
    "Item",
    "Scale",
    "default_instrument_path",
    "load_instrument",
    "normalise_label",
    "normalise_text",
    "parse_instrument",
    "validate_instrument",
]

#: The five ADKAR stages, in order.
ADKAR_STAGES = ("awareness", "desire", "knowledge", "ability", "reinforcement")
#: Kinds of items: scored (likert, nps), free text, single choice, multiple choice.
ITEM_KINDS = ("likert", "nps", "text", "choice", "multi")
#: Kinds whose answers are numeric scale values (stored in ``survey_answers``).
SCORED_KINDS = ("likert", "nps")
#: Answers that always count as missing, whatever the scale says.
ALWAYS_MISSING = ("",)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def normalise_label(value: Any) -> str:
    """An answer label compared case- and white-space-insensitively (NFKC, casefolded)."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.casefold().split())


def normalise_text(value: Any) -> str:
    """A question text for matching: case, accents kept, punctuation and spacing dropped."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).casefold()
    text = text.replace("\u2019", "'").replace("'", "")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Scale:
    """An answer scale: ordered labels with numeric values, plus answers counting as missing.

    Attributes
    ----------
    id : str
    labels : tuple of (label, value)
        In the order the survey shows them (low to high).
    aliases : dict
        Other spellings of a label (e.g. Qualtrics' "Somewhat agree") -> value.
    missing : tuple of str
        Answers stored as missing ("Prefer not to say", "N/A", ...); a blank is always missing.
    """

    id: str
    labels: tuple[tuple[str, float], ...]
    aliases: dict[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(sorted({v for _, v in self.labels}))

    @property
    def min(self) -> float:
        return self.values[0]

    @property
    def max(self) -> float:
        return self.values[-1]

    def favourable_min(self, kind: str) -> float:
        """The lowest value counted favourable: 9 on a 0-10 NPS scale, else the top two points."""
        if kind == "nps":
            return 9.0
        values = self.values
        return values[-2] if len(values) >= 2 else values[-1]

    def lookup(self) -> dict[str, float | None]:
        """Normalised answer -> value (None for a missing answer)."""
        out: dict[str, float | None] = {}
        for label, value in self.labels:
            out[normalise_label(label)] = value
        for label, value in self.aliases.items():
            out.setdefault(normalise_label(label), value)
        for label in (*self.missing, *ALWAYS_MISSING):
            out[normalise_label(label)] = None
        return out

    def parse(self, answer: Any) -> tuple[bool, float | None]:
        """``(ok, value)``: the answer's scale value, ``(True, None)`` if missing, else not ok.

        Matches a label or alias case- and white-space-insensitively, else a number equal to
        one of the scale's values (numeric recodes, e.g. Qualtrics' "Export values"), else a
        label starting with such a number ("10 - Extremely likely").
        """
        if answer is None or (isinstance(answer, float) and math.isnan(answer)):
            return True, None
        if isinstance(answer, int | float) and not isinstance(answer, bool):
            value = float(answer)
            return (True, value) if value in self.values else (False, None)
        key = normalise_label(answer)
        table = self.lookup()
        if key in table:
            return True, table[key]
        m = re.match(r"^(-?\d+(?:\.\d+)?)(?:\s*(?:[-–:(]|$).*)?$", key)
        if m:
            value = float(m.group(1))
            if value in self.values:
                return True, value
        return False, None


@dataclass(frozen=True)
class Item:
    """One question of an instrument.

    Attributes
    ----------
    id, text, kind : str
    construct, stage, scale : str or None
    reverse : bool
        Whether a high answer means an unfavourable attitude (reverse-keyed).
    aliases : tuple of str
        Other question texts that match this item (older wordings, translations).
    options : tuple of str
        The answer options of a choice or multi item (empty: any text is accepted).
    """

    id: str
    text: str
    kind: str = "likert"
    construct: str | None = None
    stage: str | None = None
    scale: str | None = None
    reverse: bool = False
    aliases: tuple[str, ...] = ()
    options: tuple[str, ...] = ()

    @property
    def scored(self) -> bool:
        return self.kind in SCORED_KINDS


@dataclass(frozen=True)
class Instrument:
    """A validated survey instrument (see :func:`load_instrument`)."""

    id: str
    version: str
    title: str
    language: str
    scales: dict[str, Scale]
    constructs: dict[str, str]
    items: tuple[Item, ...]
    team_item: str | None = None
    path: Path | None = None

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    @property
    def stages(self) -> list[str]:
        """ADKAR stages the instrument covers, in ADKAR order."""
        have = {it.stage for it in self.items if it.stage}
        return [s for s in ADKAR_STAGES if s in have]

    def summary(self) -> str:
        """A few lines for ``adoption survey check``."""
        kinds: dict[str, int] = {}
        for it in self.items:
            kinds[it.kind] = kinds.get(it.kind, 0) + 1
        lines = [f"{self.id} {self.version}: {self.title} ({self.language})",
                 f"  {len(self.items)} items: " + ", ".join(f"{n} {k}" for k, n in kinds.items()),
                 f"  {len(self.constructs)} constructs: " + ", ".join(
                     f"{c} ({sum(it.construct == c for it in self.items)})"
                     for c in self.constructs),
                 f"  ADKAR stages: {', '.join(self.stages) or 'none'}",
                 f"  scales: {', '.join(self.scales)}",
                 f"  reverse-keyed items: "
                 f"{', '.join(it.id for it in self.items if it.reverse) or 'none'}"]
        if self.team_item:
            lines.append(f"  team question: {self.team_item}")
        return "\n".join(lines)


@dataclass(frozen=True)
class InstrumentProblem:
    """One validation problem: the YAML path of the entry and what is wrong with it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def default_instrument_path() -> Path:
    """The shipped default instrument (``ai_adoption_pulse.yaml``)."""
    return Path(str(resources.files("adoption.surveys") / "instruments" /
                    "ai_adoption_pulse.yaml"))


def load_instrument(path: str | Path | None = None) -> Instrument:
    """Read and validate an instrument file (the shipped default if ``path`` is None).

    Raises
    ------
    InputError
        The file is missing, is not YAML, or fails validation; the message lists every
        problem with its YAML path (e.g. ``items[3].scale``).
    """
    path = Path(path) if path is not None else default_instrument_path()
    data = _read_yaml(path)
    problems = validate_instrument(data)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise InputError(f"{path.name}: the instrument has {len(problems)} problem(s):\n{listed}\n"
                         "Fix them (the schema is in surveys/README.md) and try again.")
    return parse_instrument(data, path=path)


def _read_yaml(path: Path) -> Any:
    import yaml

    if not path.is_file():
        raise InputError(f"{path}: no such instrument file. Check the path.")
    try:
        return yaml.safe_load(read_text(path))
    except UnicodeDecodeError as e:
        raise InputError(f"{path.name}: not a text (UTF-8) YAML file ({e}).") from e
    except yaml.YAMLError as e:
        raise InputError(f"{path.name}: not valid YAML ({e}).") from e


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_instrument(data: Any) -> list[InstrumentProblem]:
    """Every problem of an instrument given as parsed YAML (empty list: it is valid)."""
    out: list[InstrumentProblem] = []

    def bad(where: str, message: str) -> None:
        out.append(InstrumentProblem(where, message))

    if not isinstance(data, dict):
        bad("(top)", f"an instrument is a mapping with id, version, scales, items; found "
            f"{type(data).__name__}")
        return out
    for key in ("id", "version", "title"):
        if data.get(key) in (None, ""):
            bad(key, f"missing {key}")
    if data.get("id") is not None and not _ID.match(str(data["id"])):
        bad("id", f"{data['id']!r} is not a lower-case identifier (letters, digits, _)")
    known_top = {"id", "version", "title", "language", "description", "scales", "constructs",
                 "items", "team_item"}
    for key in data:
        if key not in known_top:
            bad(str(key), f"unknown key; known keys are {sorted(known_top)}")

    scales: dict[str, dict] = {}
    raw_scales = data.get("scales")
    if not isinstance(raw_scales, list) or not raw_scales:
        bad("scales", "a non-empty list of scales is required")
        raw_scales = []
    for i, sc in enumerate(raw_scales):
        where = f"scales[{i}]"
        if not isinstance(sc, dict):
            bad(where, "a scale is a mapping with id and labels")
            continue
        sid = sc.get("id")
        if not sid:
            bad(f"{where}.id", "missing id")
            continue
        where = f"scales[{i}] ({sid})"
        if sid in scales:
            bad(f"{where}.id", f"duplicate scale id {sid!r}")
        scales[str(sid)] = sc
        labels = sc.get("labels")
        if not isinstance(labels, list) or len(labels) < 2:
            bad(f"{where}.labels", "a scale needs at least 2 labels")
            labels = labels if isinstance(labels, list) else []
        seen_labels: set[str] = set()
        seen_values: set[float] = set()
        for j, lab in enumerate(labels):
            lw = f"{where}.labels[{j}]"
            if not isinstance(lab, dict) or "label" not in lab or "value" not in lab:
                bad(lw, "a label is a mapping {label: TEXT, value: NUMBER}")
                continue
            if not str(lab["label"]).strip():
                bad(f"{lw}.label", "empty label")
            if not _is_number(lab["value"]):
                bad(f"{lw}.value", f"value {lab['value']!r} is not a number")
            else:
                if lab["value"] in seen_values:
                    bad(f"{lw}.value", f"value {lab['value']} given twice")
                seen_values.add(lab["value"])
            key = normalise_label(lab["label"])
            if key in seen_labels:
                bad(f"{lw}.label", f"label {lab['label']!r} given twice")
            seen_labels.add(key)
        aliases = sc.get("aliases") or {}
        if not isinstance(aliases, dict):
            bad(f"{where}.aliases", "aliases is a mapping {TEXT: NUMBER}")
            aliases = {}
        for text, value in aliases.items():
            if not _is_number(value):
                bad(f"{where}.aliases.{text}", f"value {value!r} is not a number")
            elif seen_values and value not in seen_values:
                bad(f"{where}.aliases.{text}", f"value {value} is not one of the scale's values")
        missing = sc.get("missing") or []
        if not isinstance(missing, list):
            bad(f"{where}.missing", "missing is a list of answers")
            missing = []
        for m in missing:
            if normalise_label(m) in seen_labels:
                bad(f"{where}.missing", f"{m!r} is both a label and a missing answer")
        for key in sc:
            if key not in {"id", "labels", "aliases", "missing", "description"}:
                bad(f"{where}.{key}", "unknown key; a scale has id, labels, aliases, missing")

    constructs: set[str] = set()
    raw_constructs = data.get("constructs") or []
    if not isinstance(raw_constructs, list):
        bad("constructs", "constructs is a list of {id, label}")
        raw_constructs = []
    for i, c in enumerate(raw_constructs):
        cid = c.get("id") if isinstance(c, dict) else c
        if not cid:
            bad(f"constructs[{i}]", "missing id")
            continue
        if cid in constructs:
            bad(f"constructs[{i}]", f"duplicate construct id {cid!r}")
        constructs.add(str(cid))

    items = data.get("items")
    if not isinstance(items, list) or not items:
        bad("items", "a non-empty list of items is required")
        items = []
    ids: set[str] = set()
    texts: dict[str, str] = {}
    for i, it in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(it, dict):
            bad(where, "an item is a mapping with id, text, kind, ...")
            continue
        iid = it.get("id")
        if not iid:
            bad(f"{where}.id", "missing id")
        else:
            where = f"items[{i}] ({iid})"
            if not _ID.match(str(iid)):
                bad(f"{where}.id", f"{iid!r} is not a lower-case identifier")
            if iid in ids:
                bad(f"{where}.id", f"duplicate item id {iid!r}")
            ids.add(str(iid))
        text = it.get("text")
        if not isinstance(text, str) or not text.strip():
            bad(f"{where}.text", "missing question text (as shown in the survey tool)")
        else:
            key = normalise_text(text)
            if key in texts:
                bad(f"{where}.text", f"same question text as item {texts[key]!r}")
            texts[key] = str(iid)
        kind = it.get("kind", "likert")
        if kind not in ITEM_KINDS:
            bad(f"{where}.kind", f"kind {kind!r} is not one of {list(ITEM_KINDS)}")
        scale = it.get("scale")
        if kind in SCORED_KINDS:
            if not scale:
                bad(f"{where}.scale", f"a {kind} item needs a scale")
            elif scale not in scales:
                bad(f"{where}.scale", f"unknown scale {scale!r}; defined scales: "
                    f"{sorted(scales)}")
            elif kind == "nps":
                values = {lab.get("value") for lab in scales[scale].get("labels") or []
                          if isinstance(lab, dict)}
                if values != set(range(11)):
                    bad(f"{where}.scale", f"an nps item needs a 0-10 scale; {scale!r} is not")
            if not it.get("construct"):
                bad(f"{where}.construct", f"a {kind} item needs a construct")
        elif scale:
            bad(f"{where}.scale", f"a {kind} item has no scale; remove it")
        construct = it.get("construct")
        if construct and construct not in constructs:
            bad(f"{where}.construct", f"unknown construct {construct!r}; defined constructs: "
                f"{sorted(constructs)}")
        stage = it.get("stage")
        if stage is not None and stage not in ADKAR_STAGES:
            bad(f"{where}.stage", f"stage {stage!r} is not one of {list(ADKAR_STAGES)}")
        if stage is not None and kind not in SCORED_KINDS:
            bad(f"{where}.stage", "only a likert or nps item can carry an ADKAR stage")
        reverse = it.get("reverse", False)
        if not isinstance(reverse, bool):
            bad(f"{where}.reverse", f"reverse is true or false, found {reverse!r}")
        elif reverse and kind != "likert":
            bad(f"{where}.reverse", f"reverse keying applies to likert items only, not {kind}")
        options = it.get("options")
        if options is not None:
            if kind not in ("choice", "multi"):
                bad(f"{where}.options", f"a {kind} item has no options")
            elif not isinstance(options, list) or not all(isinstance(o, str | int)
                                                          for o in options):
                bad(f"{where}.options", "options is a list of answer texts")
        aliases = it.get("aliases")
        if aliases is not None and not (isinstance(aliases, list)
                                        and all(isinstance(a, str) for a in aliases)):
            bad(f"{where}.aliases", "aliases is a list of other question texts")
        for key in it:
            if key not in {"id", "text", "kind", "construct", "stage", "scale", "reverse",
                           "aliases", "options", "description"}:
                bad(f"{where}.{key}", "unknown key")
    team_item = data.get("team_item")
    if team_item is not None:
        match = [it for it in items if isinstance(it, dict) and it.get("id") == team_item]
        if not match:
            bad("team_item", f"team_item {team_item!r} is not an item id")
        elif match[0].get("kind") not in ("choice", "text"):
            bad("team_item", "the team question must be a choice or text item")
    return out


def parse_instrument(data: dict, *, path: Path | None = None) -> Instrument:
    """Build an :class:`Instrument` from parsed YAML already checked by
    :func:`validate_instrument`."""
    scales = {}
    for sc in data["scales"]:
        scales[str(sc["id"])] = Scale(
            id=str(sc["id"]),
            labels=tuple((str(lab["label"]), float(lab["value"])) for lab in sc["labels"]),
            aliases={str(k): float(v) for k, v in (sc.get("aliases") or {}).items()},
            missing=tuple(str(m) for m in sc.get("missing") or ()))
    constructs = {}
    for c in data.get("constructs") or []:
        if isinstance(c, dict):
            constructs[str(c["id"])] = str(c.get("label") or c["id"])
        else:
            constructs[str(c)] = str(c)
    items = tuple(
        Item(id=str(it["id"]), text=str(it["text"]).strip(), kind=it.get("kind", "likert"),
             construct=it.get("construct"), stage=it.get("stage"), scale=it.get("scale"),
             reverse=bool(it.get("reverse", False)),
             aliases=tuple(it.get("aliases") or ()),
             options=tuple(str(o) for o in it.get("options") or ()))
        for it in data["items"])
    return Instrument(id=str(data["id"]), version=str(data["version"]), title=str(data["title"]),
                      language=str(data.get("language") or "en"), scales=scales,
                      constructs=constructs, items=items, team_item=data.get("team_item"),
                      path=path)
