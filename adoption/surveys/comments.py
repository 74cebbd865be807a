"""Free-text comments: redaction of identifying details and theme counts per team.

Comments are shown only for groups with at least ``min_group_size`` respondents (after
complementary suppression), and only after :func:`redact_text` has replaced

- e-mail addresses with ``[email]``;
- phone numbers with ``[phone]``: international (``+49 30 1234567``, ``0044 20 7946 0958``,
  ``+1 (555) 123-4567``) and local formats (``030 1234567``, ``0171/1234567``,
  ``(555) 123-4567``, ``555-123-4567``): a run of digits, spaces, brackets, dots, slashes
  and dashes with 7 to 15 digits that starts with ``+``, ``00``, ``0`` or ``(``, or has
  the 3-3-4 form; dates and plain numbers are left alone;
- names with ``[name]``: each full name of the supplied list (the roster's ``person_names``
  when the workspace keeps names; otherwise a list you pass), as "First Last" or
  "Last, First", whatever the case and spacing; every capitalised word that is a first or
  last name of anyone in the roster (``name_tokens``: by the keyed hashes the roster ingest
  keeps of each name token, so that it works whether or not the workspace keeps names;
  ``"Zoë's"`` and ``"Müller's"`` alike), see :class:`adoption.privacy.NameTokens`; and,
  with or without a roster, every capitalised pair of a common first name (the shipped
  ``first_names.csv``, about 480 names from many languages) and a capitalised surname, with
  name particles between them ("Noah van Dijk", "Zoë Smith"). A common first name on its
  own is replaced only when it is a roster name token.

Themes come from a lexicon shipped with the package (``themes.csv``: ``theme, label, stem``):
a comment mentions a theme when one of its words starts with a stem (or, for a stem with a
space, when the phrase occurs). Nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from adoption.errors import ColumnNotFoundError, InputError
from adoption.privacy import (
    NAME_PARTICLES,
    NameTokens,
    check_min_group_size,
    suppress_small_groups,
)

__all__ = [
    "count_themes",
    "load_first_names",
    "load_lexicon",
    "redact_comments",
    "redact_text",
    "select_comments",
    "tag_themes",
]

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE_CANDIDATE = re.compile(r"(?<![\w@])(?:\+|\()?\d[\d\s()./-]{5,}\d(?![\w@])")
_US = re.compile(r"^\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}$")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    stripped = text.strip()
    digits = sum(c.isdigit() for c in stripped)
    if not 7 <= digits <= 15 or _DATE.match(stripped):
        return text
    if stripped[0] in "+(" or stripped.startswith("0") or _US.match(stripped):
        return "[phone]"
    return text


@functools.lru_cache(maxsize=8)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = set()
    for name in names:
        parts = str(name).split()
        if not parts:
            continue
        alternatives.add(r"\s+".join(re.escape(p) for p in parts))
        if len(parts) >= 2:
            alternatives.add(re.escape(parts[-1]) + r",\s*" + r"\s+".join(
                re.escape(p) for p in parts[:-1]))
    if not alternatives:
        return None
    body = "|".join(sorted(alternatives, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE | re.UNICODE)


_PARTICLES = tuple(sorted(NAME_PARTICLES))


@functools.cache
def load_first_names() -> frozenset[str]:
    """The common first names shipped with the package (``first_names.csv``)."""
    with resources.files("adoption.surveys").joinpath("first_names.csv").open(
            encoding="utf-8") as fh:
        return frozenset(n.strip() for n in fh.read().splitlines()[1:] if n.strip())


@functools.cache
def _pair_pattern(first_names: frozenset[str]) -> re.Pattern[str] | None:
    if not first_names:
        return None
    body = "|".join(re.escape(n) for n in sorted(first_names, key=len, reverse=True))
    particles = "|".join(_PARTICLES)
    return re.compile(rf"(?<!\w)(?:{body})(?:\s+(?:{particles}))*\s+([^\W\d_][\w'’-]+)",
                      re.UNICODE)


def _pair(match: re.Match[str]) -> str:
    surname = match.group(1)
    return "[name]" if surname[0].isupper() and len(surname) >= 2 else match.group(0)


def redact_text(text: object, *, names: Iterable[str] = (),
                first_names: Iterable[str] | None = None) -> str:
    """``text`` with e-mail addresses, phone numbers and people's names replaced.

    Parameters
    ----------
    text : str
        A comment (missing -> ``""``).
    names : iterable of str
        Full names ("First Last") to replace with ``[name]`` (e.g. the roster's).
    first_names : iterable of str, optional
        First names whose capitalised pairs with a surname are replaced (default the
        shipped list, :func:`load_first_names`; pass ``()`` to turn this off).

    Returns
    -------
    str
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    out = _EMAIL.sub("[email]", str(text))
    out = _PHONE_CANDIDATE.sub(_phone, out)
    pattern = _name_pattern(tuple(names))
    if pattern is not None:
        out = pattern.sub("[name]", out)
    known = load_first_names() if first_names is None else frozenset(first_names)
    pairs = _pair_pattern(known)
    if pairs is not None:
        out = pairs.sub(_pair, out)
    return out


def redact_comments(comments: pd.DataFrame, *, names: Iterable[str] = (),
                    name_tokens: NameTokens | None = None) -> pd.DataFrame:
    """A copy of ``comments`` with its ``text`` column redacted (see :func:`redact_text`),
    and the roster's name tokens (``name_tokens``, see :class:`adoption.privacy.NameTokens`)."""
    if "text" not in getattr(comments, "columns", []):
        raise ColumnNotFoundError("redact_comments: comments need a 'text' column.")
    pattern_names = list(names)
    texts = [redact_text(t, names=pattern_names) for t in comments["text"]]
    if name_tokens is not None:
        texts = name_tokens.redact(texts)
    return comments.assign(text=texts)


def load_lexicon(path: str | Path | None = None) -> pd.DataFrame:
    """The theme lexicon: columns ``theme, label, stem`` (default the shipped ``themes.csv``)."""
    if path is None:
        with resources.files("adoption.surveys").joinpath("themes.csv").open(
                encoding="utf-8") as fh:
            lex = pd.read_csv(fh, dtype=str)
    else:
        lex = pd.read_csv(path, dtype=str)
    missing = [c for c in ("theme", "label", "stem") if c not in lex.columns]
    if missing:
        raise InputError(
            f"theme lexicon {str(path or 'themes.csv')!r}: column(s) {missing!r} missing; it "
            "needs columns theme, label, stem (one word stem or phrase a line)."
        )
    lex = lex.dropna(subset=["theme", "stem"]).copy()
    lex["stem"] = lex["stem"].str.strip().str.lower()
    return lex[["theme", "label", "stem"]].reset_index(drop=True)


def _themes_of(text: str, stems: list[tuple[str, str, bool]]) -> list[str]:
    low = " ".join(str(text).lower().split())
    words = _WORD.findall(low)
    found = []
    for theme, stem, phrase in stems:
        if theme in found:
            continue
        if (phrase and re.search(rf"(?<!\w){re.escape(stem)}", low)) or (
                not phrase and any(w.startswith(stem) for w in words)):
            found.append(theme)
    return found


def tag_themes(comments: pd.DataFrame, *, lexicon: pd.DataFrame | None = None) -> pd.DataFrame:
    """The themes each comment mentions: ``comments`` plus a ``themes`` column (list of str)."""
    if "text" not in getattr(comments, "columns", []):
        raise ColumnNotFoundError("tag_themes: comments need a 'text' column.")
    lex = load_lexicon() if lexicon is None else lexicon
    stems = [(t, s, " " in s) for t, s in zip(lex["theme"], lex["stem"], strict=True)]
    return comments.assign(themes=[_themes_of(t, stems) for t in comments["text"]])


def _group_sizes(respondents: pd.DataFrame, where: str) -> pd.DataFrame:
    missing = [c for c in ("wave", "respondent_id", "department", "team")
               if c not in respondents.columns]
    if missing:
        raise ColumnNotFoundError(
            f"{where}: respondents need column(s) {missing!r}; pass load_respondents(...) or "
            "the responses frame."
        )
    r = respondents.drop_duplicates(["wave", "respondent_id"])
    team = r.groupby(["wave", "department", "team"]).size().rename("respondents").reset_index()
    dept = team.groupby(["wave", "department"])["respondents"].sum().reset_index()
    org = team.groupby(["wave"])["respondents"].sum().reset_index()
    out = pd.concat([team, dept.assign(team=None), org.assign(department=None, team=None)],
                    ignore_index=True)
    for c in ("department", "team"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def count_themes(comments: pd.DataFrame, respondents: pd.DataFrame, *,
                 lexicon: pd.DataFrame | None = None, min_group_size: int = 5
                 ) -> pd.DataFrame:
    """How many respondents mention each theme, per organisation, department and team and wave.

    Parameters
    ----------
    comments : pandas.DataFrame
        ``wave, respondent_id, department, team, text`` (raw or redacted).
    respondents : pandas.DataFrame
        Every respondent of the waves (``wave, respondent_id, department, team``): a group's
        size is its respondents, not only those who wrote a comment.

    Returns
    -------
    pandas.DataFrame
        Columns ``level, department, team, wave, respondents, commenters`` (respondents who
        wrote anything), then one row per theme: ``theme, label, mentions`` (respondents
        whose comments mention it), ``share`` (of commenters), ``suppressed,
        suppression_reason`` (protected with ``size = respondents`` per wave and theme).
    """
    where = "count_themes"
    check_min_group_size(min_group_size, where=where)
    lex = load_lexicon() if lexicon is None else lexicon
    sizes = _group_sizes(respondents, where)
    tagged = tag_themes(comments, lexicon=lex)
    labels = lex.drop_duplicates("theme").set_index("theme")["label"]
    per_resp = tagged.groupby(["wave", "respondent_id", "department", "team"])["themes"].sum()
    per_resp = per_resp.map(lambda x: sorted(set(x))).reset_index()
    rows = []
    for _, g in sizes.iterrows():
        sel = per_resp["wave"] == g["wave"]
        if g["department"] is not None:
            sel &= per_resp["department"] == g["department"]
        if g["team"] is not None:
            sel &= per_resp["team"] == g["team"]
        sub = per_resp[sel]
        level = "organisation" if g["department"] is None else (
            "department" if g["team"] is None else "team")
        for theme in labels.index:
            mentions = int(sum(theme in t for t in sub["themes"]))
            rows.append({"level": level, "department": g["department"], "team": g["team"],
                         "wave": g["wave"], "respondents": int(g["respondents"]),
                         "commenters": len(sub), "theme": theme, "label": labels[theme],
                         "mentions": mentions,
                         "share": mentions / len(sub) if len(sub) else np.nan})
    table = pd.DataFrame(rows, columns=["level", "department", "team", "wave", "respondents",
                                        "commenters", "theme", "label", "mentions", "share"])
    return suppress_small_groups(table, hierarchy=("department", "team"), size="respondents",
                                 within=("wave", "theme"),
                                 value_columns=["respondents", "commenters", "mentions",
                                                "share"],
                                 min_group_size=min_group_size)


def select_comments(comments: pd.DataFrame, respondents: pd.DataFrame, *,
                    names: Iterable[str] = (), name_tokens: NameTokens | None = None,
                    min_group_size: int = 5, per_team: int = 2,
                    lexicon: pd.DataFrame | None = None, seed: int = 0) -> pd.DataFrame:
    """A few redacted comments from teams large enough to be shown.

    Comments are taken only from teams published at the minimum group size (with
    complementary suppression over respondents per wave); comments of hidden teams are never
    returned, not even without their team. Each is redacted with :func:`redact_text` and for
    the roster's names (``name_tokens``, see :class:`adoption.privacy.NameTokens`).

    Returns
    -------
    pandas.DataFrame
        Columns ``wave, department, team, question, text, themes`` (at most ``per_team``
        comments per team and wave, chosen at random with ``seed``; longer comments first
        among the chosen).
    """
    where = "select_comments"
    check_min_group_size(min_group_size, where=where)
    sizes = _group_sizes(respondents, where).assign(level=0)
    protected = suppress_small_groups(sizes.drop(columns="level"),
                                      hierarchy=("department", "team"), size="respondents",
                                      within=("wave",), min_group_size=min_group_size)
    shown = protected[protected["team"].notna() & ~protected["suppressed"]]
    keys = set(zip(shown["wave"], shown["department"], shown["team"], strict=True))
    mask = np.array([k in keys for k in zip(comments["wave"], comments["department"],
                                            comments["team"], strict=True)], dtype=bool)
    c = comments[mask]
    c = c[c["text"].astype(str).str.strip() != ""]
    if "question" not in c.columns:
        c = c.assign(question=None)
    rng = np.random.default_rng(seed)
    c = c.assign(_r=rng.random(len(c)))
    c = c.sort_values("_r").groupby(["wave", "department", "team"], sort=True).head(per_team)
    c = redact_comments(c, names=names, name_tokens=name_tokens)
    c = tag_themes(c, lexicon=lexicon)
    c = c.assign(_len=c["text"].astype(str).str.len()).sort_values(
        ["wave", "department", "team", "_len"], ascending=[True, True, True, False])
    return c[["wave", "department", "team", "question", "text", "themes"]].reset_index(drop=True)
