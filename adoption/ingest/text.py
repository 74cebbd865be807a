"""Bytes -> text, once for every reader: binary files told apart, encodings detected.

Every reader of a text file (generic CSV and JSON Lines, vendor exports, survey exports,
logs, mapping files) decodes through :func:`detect_encoding`, so that one file is read the
same way by each of them. The rules, in order:

1. a file that is not text at all (a ZIP archive, an Excel workbook, a PDF ...: told from its
   first bytes) is refused with what it is and how to save it as CSV;
2. a byte order mark decides (UTF-8, UTF-16, UTF-32);
3. text that is valid UTF-8 is UTF-8 (ASCII is a part of it); UTF-8 characters beside bytes
   that are not UTF-8 mean a file of mixed encodings, which is refused naming the line;
4. otherwise the encoding is detected with charset-normalizer. Short files (a roster is
   mostly ASCII e-mail addresses) give it little to go on, so its candidates are ranked
   again by how plausible their decoding of the non-ASCII characters is (letters, or
   currency signs and quotes on their own; never a symbol glued to letters, as ``£ukasz``),
   with Windows-1252 (what Excel writes for "CSV" on Western-European Windows) first among
   equals. The encoding used is named in the batch's note; ``--encoding`` overrides it.

A file that no encoding reads is refused; it is never read with replacement characters,
since a name decoded wrongly would be a different person.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from adoption.errors import InputError

__all__ = [
    "TextEncoding",
    "binary_kind",
    "check_text_file",
    "decode_text",
    "detect_encoding",
    "read_text",
    "transcode_to_utf8",
]

#: How much of a file the detection looks at.
HEAD_BYTES = 256 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_FIX = ("Open it in Excel and save it as \"CSV UTF-8 (comma delimited)\", or export it "
        "again as CSV")


@dataclass(frozen=True)
class TextEncoding:
    """How a file's bytes are decoded.

    Attributes
    ----------
    codec : str
        Python codec name (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252`` ...).
    detected : bool
        True when guessed (no BOM, not UTF-8); such a guess is named in the batch's note.
    """

    codec: str
    detected: bool = False

    @property
    def is_utf8(self) -> bool:
        """Readable as UTF-8 as it is (a UTF-8 BOM is skipped by every reader)."""
        return self.codec in ("utf-8", "utf-8-sig")

    @property
    def label(self) -> str:
        name = codecs.lookup(self.codec).name
        return {"cp1252": "Windows-1252 (cp1252)", "iso8859-1": "Latin-1 (ISO 8859-1)",
                "utf-16": "UTF-16", "utf-32": "UTF-32", "utf-8-sig": "UTF-8"}.get(name, name)


#: First bytes of files that are not text, and what to call them.
_MAGIC = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"PAR1", "a Parquet file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


def binary_kind(head: bytes) -> str | None:
    """What a non-text file is, from its first bytes (``"a ZIP archive"``), else None."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if b"[Content_Types].xml" in head[:4096] or b"xl/" in head[:4096]:
            return "an Excel workbook"
        return "a ZIP archive"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head[:4096] and not any(head.startswith(b) for b, _ in _BOMS):
        return "a binary file"
    return None


def _binary_message(name: str, what: str) -> str:
    if what == "an Excel workbook":
        fix = ("open it in Excel and save as CSV (File > Save As > \"CSV UTF-8\"), or pass "
               "the .xlsx itself (with its .xlsx name) where a workbook is read")
    elif what == "a ZIP archive":
        fix = "unzip it and ingest the files inside (or open it in Excel and save as CSV)"
    elif what == "a Parquet file":
        fix = "give it its .parquet name and ingest it again"
    else:
        fix = _FIX[0].lower() + _FIX[1:]
    return f"{name}: this file is {what}, not text; {fix}."


def check_text_file(name: str, head: bytes) -> None:
    """Raise :class:`InputError` naming what the file is when ``head`` is not text."""
    what = binary_kind(head)
    if what:
        raise InputError(_binary_message(name, what))


def _valid_utf8(head: bytes, *, complete: bool) -> bool:
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        # a character cut at the end of an incomplete head is not an error
        return not complete and e.start >= len(head) - 3 and e.reason == "unexpected end of data"


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                            rb"|[\xf0-\xf4][\x80-\xbf]{3}")
_WORD = re.compile(rb"[^\s,;\t|\"']*[\x80-\xff][^\s,;\t|\"']*")


def _plausibility(text: str) -> float:
    """Share of the non-ASCII characters that look like real text (1.0 = all of them)."""
    odd = total = 0
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            continue
        total += 1
        cat = unicodedata.category(ch)
        if ch.isalpha():
            continue
        if cat[0] == "C":
            odd += 1
        elif cat not in ("Pi", "Pf", "Pd", "Zs"):
            glued = ((i > 0 and text[i - 1].isalpha())
                     or (i + 1 < len(text) and text[i + 1].isalpha()))
            odd += glued
    return 1.0 if total == 0 else 1 - odd / total


def _guess(head: bytes) -> str | None:
    words = b" ".join(_WORD.findall(head)) or head
    candidates = ["cp1252"]
    for sample in (words, head):
        for match in charset_normalizer.from_bytes(sample):
            candidates.extend(c for c in [match.encoding, *match.could_be_from_charset]
                              if c not in candidates)
    scored = []
    for rank, codec in enumerate(candidates):
        try:
            decoded = words.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((-_plausibility(decoded), rank, codec))
    return min(scored)[2] if scored else None


def detect_encoding(head: bytes, *, complete: bool = True, name: str = "the file",
                    forced: str | None = None) -> TextEncoding:
    """The encoding of a file from its first bytes (see the module docstring for the rules).

    Parameters
    ----------
    head : bytes
        The file's first bytes (at least :data:`HEAD_BYTES` of a larger file).
    complete : bool
        Whether ``head`` is the whole file (a character cut at its end is then an error).
    name : str
        The file's name, for messages.
    forced : str, optional
        An encoding the user named (``--encoding``); checked to exist, then used.

    Raises
    ------
    InputError
        The file is not text, or no encoding reads it, or ``forced`` is unknown.
    """
    check_text_file(name, head)
    if forced:
        try:
            codecs.lookup(forced)
        except LookupError as e:
            raise InputError(f"{name}: encoding {forced!r} is unknown; use a name such as "
                             "utf-8, cp1252, latin-1, utf-16 or cp1250.") from e
        return TextEncoding(forced)
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return TextEncoding(codec)
    if _valid_utf8(head, complete=complete):
        return TextEncoding("utf-8")
    if _UTF8_MULTIBYTE.search(head):  # UTF-8 characters beside bytes that are not UTF-8
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as e:
            line = head.count(b"\n", 0, e.start) + 1
            raise InputError(
                f"{name}: line {line} is not valid UTF-8 text although other lines are (the "
                "file mixes encodings, e.g. rows pasted from another file), so names in it "
                f"would be read wrongly; nothing was stored. {_FIX}.") from e
    codec = _guess(head)
    if codec is None:
        bad = re.search(rb"[\x80-\xff]", head)
        where = f" (byte 0x{head[bad.start()]:02X} at offset {bad.start()})" if bad else ""
        raise InputError(f"{name}: cannot be read as text: it is not UTF-8 and no common "
                         f"encoding fits{where}. {_FIX}, or pass --encoding NAME.")
    return TextEncoding(codec, detected=True)


def decode_text(data: bytes, *, name: str = "the file", complete: bool = True,
                encoding: TextEncoding | None = None, forced: str | None = None) -> str:
    """``data`` decoded with its detected (or the given) encoding; never with replacements.

    Raises
    ------
    InputError
        Not text, or some bytes are invalid in the encoding (the message names the line).
    """
    enc = encoding or detect_encoding(data[:HEAD_BYTES], complete=complete, name=name,
                                      forced=forced)
    try:
        # an incomplete head may end inside a character: the decoder keeps that part back
        return codecs.getincrementaldecoder(enc.codec)().decode(data, final=complete)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(
            f"{name}: line {line} is not valid {enc.label} text (byte 0x{data[e.start]:02X}); "
            f"the file mixes encodings or is damaged. {_FIX}, or pass --encoding NAME."
        ) from e


def read_text(path: str | Path, *, forced: str | None = None) -> str:
    """A whole text file decoded by :func:`decode_text` (BOM removed)."""
    path = Path(path)
    data = path.read_bytes()
    return decode_text(data, name=path.name, forced=forced)


def transcode_to_utf8(source: Path, target: Path, encoding: TextEncoding) -> None:
    """Copy ``source`` to ``target`` as UTF-8, streaming (for readers that need UTF-8).

    Raises
    ------
    InputError
        Some bytes are invalid in ``encoding`` (the message names the line).
    """
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="strict")
    line, first = 1, True
    with source.open("rb") as fin, target.open("w", encoding="utf-8", newline="") as fout:
        while chunk := fin.read(1 << 20):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as e:
                line += chunk.count(b"\n", 0, max(e.start, 0))
                raise InputError(
                    f"{source.name}: line {line} is not valid {encoding.label} text; the "
                    f"file mixes encodings or is damaged. {_FIX}, or pass --encoding NAME."
                ) from e
            line += chunk.count(b"\n")
            fout.write(text.lstrip("\ufeff") if first else text)
            first = False
        fout.write(decoder.decode(b"", final=True))
