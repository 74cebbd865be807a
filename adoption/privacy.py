"""Small-group suppression: the one privacy layer every people-derived output goes through.

A table to protect holds the rows of every level of a hierarchy at once, e.g. with
``hierarchy=("department", "team")``:

- the organisation row: every hierarchy column missing;
- department rows: ``department`` set, ``team`` missing;
- team rows: both set (a team is identified by its department *and* its name).

The level of a row is the number of hierarchy columns that are set, from the left; a set column
after a missing one is an error. Rows are compared only within one slice of the ``within``
columns (e.g. one ``period``). The size of a group (``size``, e.g. ``headcount``) must be
additive: a parent's size is the sum of its children's.

Rules, applied top-down (organisation -> departments -> teams), in each ``within`` slice:

1. Primary: a group with ``0 < size < min_group_size`` is suppressed. Groups of size 0 hold no
   one and are left as they are.
2. Complementary: among the children of one parent, if any child is suppressed, then the
   suppressed children must be at least two and together hold at least ``min_group_size``
   people; otherwise the smallest published sibling (ties: by name) is suppressed too, repeatedly.
   A published parent minus its published children then only ever reveals a sum over two or more
   hidden groups of ``min_group_size`` people or more.
3. A suppressed parent must have a suppressed child (then rule 2 applies), so that its value
   cannot be rebuilt by adding up its published children.

With rules 2 and 3 at every level, no suppressed figure of any count column can be worked out
exactly from the published figures of the same table, and any sum of hidden groups that can be
worked out covers at least ``min_group_size`` people (tested by a property test).

A suppressed row has every value column blanked (set to missing), including the size itself.
Rates whose own denominator is another count (e.g. activation over ``seats``) are protected by
running the same rules with that count as the size, blanking only the columns that depend on it
(``denominators={"seats": ["activation_rate", ...]}``); the row stays published.

Labels and free text go through here too: :func:`publish_labels` cleans team and department
labels before they are published (a manager's name some HR systems append to a team, by the
workspace's ``team_label_pattern``), and :class:`NameTokens` redacts the names of people in
the roster from free text (comments) by keyed hashes of their name tokens, so that it works
whether or not the workspace keeps names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from adoption.config import FLOOR_MIN_GROUP_SIZE
from adoption.errors import ColumnNotFoundError, InputError

__all__ = [
    "NAME_PARTICLES",
    "ROOT_LEVEL_NAME",
    "NameTokens",
    "check_min_group_size",
    "clean_label",
    "name_token_keys",
    "name_tokens",
    "publish_labels",
    "resolve_min_group_size",
    "suppress_small_groups",
]

#: Name used in plain-language reasons for the row with every hierarchy column missing.
ROOT_LEVEL_NAME = "organisation"


def check_min_group_size(min_group_size: int, *, where: str = "privacy") -> None:
    """Raise :class:`InputError` unless ``min_group_size`` is a whole number >= the floor (3).

    ``where`` names the caller in the message (e.g. the function or the settings file).
    """
    if (
        isinstance(min_group_size, bool)
        or not isinstance(min_group_size, int | np.integer)
        or min_group_size < FLOOR_MIN_GROUP_SIZE
    ):
        raise InputError(
            f"{where}: min_group_size is {min_group_size!r}; it must be a whole number of at least "
            f"{FLOOR_MIN_GROUP_SIZE} (the privacy floor). Use e.g. min_group_size=5."
        )


def resolve_min_group_size(settings: object, requested: int | None = None, *,
                           where: str = "privacy") -> int:
    """The threshold to apply: the workspace's, or a larger one asked for; never smaller.

    Every output resolves its threshold here, once, so that no command, notebook or function
    can publish a group below the workspace's ``min_group_size``.

    Parameters
    ----------
    settings : Settings
        The workspace settings (its ``min_group_size``).
    requested : int, optional
        A threshold asked for (a ``--min-group-size`` option, a notebook parameter); a value
        below the workspace's is raised to it.
    """
    floor = int(settings.min_group_size)
    k = max(int(requested or 0), floor)
    check_min_group_size(k, where=where)
    return k


# -- labels and free text ----------------------------------------------------------------------


def clean_label(label: object, *, pattern: str | None) -> object:
    """A team or department label with the part ``pattern`` matches removed (e.g. a manager's
    name some HR systems append: ``"Platform (Jane Doe)"`` -> ``"Platform"``).

    Missing labels, an empty pattern, and labels that would become empty are left as they
    are (``"(no team)"`` stays).
    """
    if not pattern or not isinstance(label, str):
        return label
    cleaned = re.sub(pattern, "", label).strip()
    return cleaned or label


def publish_labels(data: pd.DataFrame, settings: object, *,
                   labels: Mapping[str, Iterable[str]] | None = None,
                   columns: Sequence[str] = ("team", "department"),
                   text_columns: Sequence[str] = ("suppression_reason",)) -> pd.DataFrame:
    """A copy of ``data`` with its group labels cleaned for publication (:func:`clean_label`).

    The one clean-up of team and department labels before they are published (report tables
    and captions, figures, CSV): the workspace's ``team_label_pattern`` setting (by default a
    trailing parenthesised part) is removed from every label of ``columns`` present. Two
    different labels that would read the same (``"Platform (Jane Doe)"`` and ``"Platform
    (John Roe)"``) are told apart by a number in the order of the original labels
    (``"Platform #1"``, ``"Platform #2"``), so that groups are never merged.

    Parameters
    ----------
    data : DataFrame
        Not modified; columns of ``columns`` that are absent are skipped.
    settings : Settings
        The workspace settings (its ``team_label_pattern``).
    labels : mapping of column to labels, optional
        Every label a column can hold (e.g. every team of the roster,
        :func:`adoption.canonical.membership.load_group_labels`): look-alike labels are
        numbered within these and the data's own, so that every table of a workspace numbers
        them alike, whichever groups it shows. Default: the data's own labels.
    text_columns : sequence of str, default ("suppression_reason",)
        Columns of text written from the labels (a suppression reason, an alert's
        ``message``): every label changed is replaced in them too.
    """
    pattern = getattr(settings, "team_label_pattern", None)
    if not pattern:
        return data.copy()
    out = data.copy()
    changed: dict[str, str] = {}
    for col in columns:
        if col not in out.columns:
            continue
        known = set((labels or {}).get(col, ()))
        raw = sorted({v for v in [*pd.unique(out[col].dropna()), *known] if isinstance(v, str)})
        cleaned = {v: clean_label(v, pattern=pattern) for v in raw}
        groups: dict[object, list[str]] = {}
        for v in raw:
            groups.setdefault(cleaned[v], []).append(v)
        mapping = {}
        for text, members in groups.items():
            if len(members) == 1:
                mapping[members[0]] = text
            else:
                mapping.update({v: f"{text} #{i}" for i, v in enumerate(members, start=1)})
        changed.update({k: v for k, v in mapping.items() if k != v})
        if any(k != v for k, v in mapping.items()):
            values = out[col]
            if isinstance(values.dtype, pd.CategoricalDtype):
                out[col] = values.cat.rename_categories(
                    {k: v for k, v in mapping.items() if k in values.cat.categories})
            else:
                out[col] = values.map(lambda v, m=mapping: m.get(v, v))
    texts = [c for c in text_columns if c in out.columns]
    if changed and texts:
        found = re.compile("|".join(re.escape(k) for k in sorted(changed, key=len, reverse=True)))
        for col in texts:
            values = out[col]
            out[col] = values.map(lambda t: found.sub(lambda m: changed[m.group(0)], t)
                                  if isinstance(t, str) else t).astype(values.dtype)
    return out


#: Name particles never taken as a name token on their own ("van", "de", ...).
NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "del", "della",
                            "la", "le", "ter", "ten", "bin", "al", "el", "dos", "das"})
_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Prefix of what is hashed for a name token, so that its hash never equals an identifier's.
_NAME_TOKEN_DOMAIN = "name-token:"


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def name_tokens(name: object) -> list[str]:
    """The tokens of a person's name that free text is checked against, normalised.

    Each run of letters of at least two letters (``"Jean-Luc O'Neil"`` -> ``jean, luc,
    neil``), except name particles, in NFKC case-folded form; a missing name gives ``[]``.
    """
    if not isinstance(name, str):
        return []
    return [t for t in dict.fromkeys(_fold(w) for w in _LETTERS.findall(name))
            if len(t) >= 2 and t not in NAME_PARTICLES]


def name_token_keys(tokens: Iterable[str]) -> list[str]:
    """What the workspace's keyed hash is taken of for each normalised name token."""
    return [_NAME_TOKEN_DOMAIN + t for t in tokens]


@dataclass(frozen=True)
class NameTokens:
    """The roster's name tokens as keyed hashes, to redact people's names from free text.

    Attributes
    ----------
    hashes : frozenset of str
        Keyed hashes (``Workspace.pseudonymise``) of :func:`name_token_keys` of every name
        token of every roster name (the ``name_tokens`` table; kept whether or not the
        workspace keeps names).
    pseudonymise : callable
        The workspace's keyed hash, applied to the words of the text.
    """

    hashes: frozenset[str]
    pseudonymise: Callable[[Iterable[str]], list[str | None]]

    def redact(self, texts: Iterable[object], *, replacement: str = "[name]") -> list[str]:
        """``texts`` with every capitalised word that is a roster name token replaced.

        A word is a run of letters (so ``"Zoë's"`` is checked as ``Zoë`` and ``"Jean-Luc"`` as
        ``Jean`` and ``Luc``); it is checked when it starts with a capital and has at least
        two letters. Missing texts become ``""``.
        """
        texts = ["" if not isinstance(t, str) else t for t in texts]
        if not self.hashes:
            return texts
        words = sorted({_fold(w) for t in texts for w in _LETTERS.findall(t)
                        if len(w) >= 2 and w[0].isupper()} - NAME_PARTICLES)
        hashed = self.pseudonymise(name_token_keys(words))
        names = {w for w, h in zip(words, hashed, strict=True) if h in self.hashes}
        if not names:
            return texts

        def sub(match: re.Match[str]) -> str:
            w = match.group(0)
            return replacement if w[0].isupper() and _fold(w) in names else w

        return [_LETTERS.sub(sub, t) for t in texts]


def suppress_small_groups(
    data: pd.DataFrame,
    *,
    hierarchy: Sequence[str] = ("department", "team"),
    size: str = "headcount",
    within: Sequence[str] = ("period",),
    value_columns: Sequence[str] | None = None,
    denominators: Mapping[str, Sequence[str]] | None = None,
    min_group_size: int = 5,
) -> pd.DataFrame:
    """Blank the figures of groups that are too small, with complementary suppression.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of all levels of ``hierarchy`` (see the module docstring), at most one row per
        group and ``within`` slice. Not modified.
    hierarchy : sequence of str, default ("department", "team")
        Hierarchy columns from the top level down; missing values mark higher-level rows.
    size : str, default "headcount"
        Column with the number of people in each group (additive up the hierarchy).
    within : sequence of str, default ("period",)
        Columns that split the table into independent slices.
    value_columns : sequence of str, optional
        Columns blanked in a suppressed row. Default: every column except ``hierarchy`` and
        ``within`` (so ``size`` is blanked too).
    denominators : mapping of str to sequence of str, optional
        ``{count column: columns computed over that count}``. The rules are run again with the
        count column as the size, and only the listed columns are blanked where they fire.
    min_group_size : int, default 5
        Smallest group shown; never below 3.

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` (same index and row order) with value columns blanked (integer
        columns become ``Int64``, booleans ``boolean``) and two more columns:

        - ``suppressed`` (bool): the whole row is hidden.
        - ``suppression_reason`` (str, missing when nothing was hidden): why, in plain words,
          e.g. "fewer than 5 people" or "hidden so that a smaller team in Sales cannot be
          worked out from the department total". Set too when only denominator-dependent
          columns were hidden while ``suppressed`` is False.

    Raises
    ------
    ColumnNotFoundError
        A named column is missing.
    InputError
        ``min_group_size`` below 3, sizes missing or negative, duplicate groups, a malformed
        hierarchy, or ``suppressed`` columns already present.
    """
    check_min_group_size(min_group_size, where="suppress_small_groups")
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"suppress_small_groups: data must be a pandas DataFrame; found "
            f"{type(data).__name__!r}. Pass the table of all levels."
        )
    hierarchy, within = list(hierarchy), list(within)
    denominators = {k: list(v) for k, v in (denominators or {}).items()}
    for col in [*hierarchy, *within, size, *denominators, *(value_columns or [])]:
        if col not in data.columns:
            raise ColumnNotFoundError(
                f"suppress_small_groups: column {col!r} not found. Available: "
                f"{list(data.columns)!r}. Pass the right name (hierarchy=, size=, within=, "
                "value_columns=, denominators=)."
            )
    for cols in denominators.values():
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise ColumnNotFoundError(
                f"suppress_small_groups: denominator-dependent column(s) {missing!r} not found. "
                f"Available: {list(data.columns)!r}. Fix the denominators= mapping."
            )
    if {"suppressed", "suppression_reason"} & set(data.columns):
        raise InputError(
            "suppress_small_groups: data already has 'suppressed'/'suppression_reason' columns. "
            "Run suppression once, on the unsuppressed figures."
        )
    if not hierarchy:
        raise InputError("suppress_small_groups: hierarchy is empty; name at least one column.")
    depth = _depths(data, hierarchy)
    codes = {c: pd.factorize(data[c], sort=True)[0] for c in dict.fromkeys([*within, *hierarchy])}
    full = _combine(codes, [*within, *hierarchy], len(data))
    if pd.Series(full).duplicated().any():
        dup = data.loc[pd.Series(full).duplicated(keep=False).to_numpy(), [*within, *hierarchy]]
        raise InputError(
            "suppress_small_groups: more than one row for the same group; found "
            f"{dup.head(4).to_dict('records')!r}. Aggregate to one row per group first."
        )
    if value_columns is None:
        keys = set(hierarchy) | set(within)
        value_columns = [c for c in data.columns if c not in keys]

    main, main_reason = _find(data, codes, depth, hierarchy, within, _sizes(data, size),
                              min_group_size, noun="people", prefix="")
    blank = {c: main.copy() for c in value_columns}
    reasons = main_reason.copy()
    for denominator, cols in denominators.items():
        noun = denominator.replace("_", " ")
        hit, why = _find(data, codes, depth, hierarchy, within, _sizes(data, denominator),
                         min_group_size, noun=noun, prefix=f"figures over {noun} ")
        hit &= ~main
        for c in cols:
            blank[c] = blank.get(c, np.zeros(len(data), dtype=bool)) | hit
        add = hit & pd.isna(reasons)
        reasons[add] = why[add]
        both = hit & ~add
        reasons[both] = reasons[both] + "; " + why[both]
    columns = {c: _blanked(data[c], blank[c]) if c in blank else data[c] for c in data.columns}
    out = pd.DataFrame(columns, index=data.index)
    out["suppressed"] = main
    out["suppression_reason"] = pd.Series(reasons, index=data.index, dtype="str")
    return out


def _depths(data: pd.DataFrame, hierarchy: list[str]) -> np.ndarray:
    present = data[hierarchy].notna().to_numpy()
    if present.shape[1] > 1 and (present[:, 1:] & ~present[:, :-1]).any():
        bad = data.loc[(present[:, 1:] & ~present[:, :-1]).any(axis=1), hierarchy]
        raise InputError(
            f"suppress_small_groups: a row names a lower level of {hierarchy!r} but not the "
            f"level above it; found {bad.head(3).to_dict('records')!r}. Fill the higher "
            "columns (e.g. the team's department)."
        )
    return present.sum(axis=1)


def _sizes(data: pd.DataFrame, column: str) -> np.ndarray:
    s = pd.to_numeric(data[column], errors="coerce")
    if s.isna().any() or (s < 0).any():
        raise InputError(
            f"suppress_small_groups: size column {column!r} must hold counts >= 0 on every row; "
            f"found {data[column][s.isna() | (s < 0)].head(3).tolist()!r}. Pass unsuppressed "
            "counts."
        )
    return s.to_numpy(dtype=float)


def _combine(codes: dict[str, np.ndarray], columns: list[str], n_rows: int) -> np.ndarray:
    """One int64 code per distinct combination of ``columns`` (missing values included)."""
    key = np.zeros(n_rows, dtype=np.int64)
    for col in columns:
        c = codes[col]
        key = pd.factorize(key * (int(c.max(initial=-1)) + 2) + (c + 1))[0].astype(np.int64)
    return key


def _find(data: pd.DataFrame, codes: dict[str, np.ndarray], depth: np.ndarray,
          hierarchy: list[str], within: list[str], sizes: np.ndarray, k: int, *, noun: str,
          prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Boolean mask of rows to hide and an object array of reasons (None where shown)."""
    hidden = (sizes > 0) & (sizes < k)
    reasons = np.full(len(data), None, dtype=object)
    reasons[hidden] = f"{prefix + 'hidden: ' if prefix else ''}fewer than {k} {noun}"
    for level in range(1, len(hierarchy) + 1):
        children = np.flatnonzero(depth == level)
        if children.size == 0:
            continue
        parent_key = _combine(codes, [*within, *hierarchy[: level - 1]], len(data))
        gid = pd.factorize(parent_key[children])[0]
        parents = np.flatnonzero(depth == level - 1)
        at = pd.Index(parent_key[parents]).get_indexer(parent_key[children])
        parent_hidden = np.where(at >= 0, hidden[parents][at], False)
        sz = sizes[children]
        order = np.lexsort((codes[hierarchy[level - 1]][children], sz, gid))
        g, s, h = gid[order], sz[order], hidden[children][order]
        n_groups = g.max() + 1
        p_count = np.bincount(g, weights=h, minlength=n_groups)
        p_size = np.bincount(g, weights=s * h, minlength=n_groups)
        need = (p_count > 0) | (np.bincount(g, weights=parent_hidden[order], minlength=n_groups)
                                > 0)
        cand = ~h & (s > 0)
        first = np.searchsorted(g, g, side="left")
        rank_before = _cumsum_before(cand.astype(float), first)
        size_before = _cumsum_before(np.where(cand, s, 0.0), first)
        new = cand & need[g] & ((p_count[g] + rank_before < 2) | (p_size[g] + size_before < k))
        if not new.any():
            continue
        rows = children[order][new]
        hidden[rows] = True
        parent_name = hierarchy[level - 2] if level > 1 else ROOT_LEVEL_NAME
        child_name = hierarchy[level - 1]
        labels = (data[hierarchy[level - 2]].to_numpy(dtype=object)[rows] if level > 1
                  else np.full(rows.size, None, dtype=object))
        for row, lab, had_small in zip(rows, labels, p_count[g[new]] > 0, strict=True):
            if had_small:
                where = f" in {lab}" if lab is not None else ""
                reasons[row] = (f"{prefix}hidden so that a smaller {child_name}{where} cannot "
                                f"be worked out from the {parent_name} total")
            else:
                of = f" {lab}" if lab is not None else ""
                reasons[row] = (f"{prefix}hidden so that the hidden {parent_name}{of} total "
                                f"cannot be worked out from its {child_name}s")
    return hidden, reasons


def _cumsum_before(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Sum of ``x`` over the earlier rows of the same (contiguous) group; ``first`` = its start."""
    before = np.cumsum(x) - x
    return before - before[first]


def _blanked(values: pd.Series, mask: np.ndarray) -> pd.Series:
    """A copy of ``values`` with missing values where ``mask`` (ints -> Int64, bools -> boolean)."""
    if not mask.any():
        return values.copy()
    if pd.api.types.is_float_dtype(values.dtype) and isinstance(values.dtype, np.dtype):
        return pd.Series(np.where(mask, np.nan, values.to_numpy()), index=values.index)
    if pd.api.types.is_bool_dtype(values.dtype) and not isinstance(values.dtype, pd.BooleanDtype):
        values = values.astype("boolean")
    elif pd.api.types.is_integer_dtype(values.dtype):
        values = values.astype("Int64")
    return values.mask(mask)
