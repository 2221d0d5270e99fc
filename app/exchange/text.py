"""Reading spreadsheets as people save them: encodings, delimiters, formula cells.

- Encoding: UTF-8 with or without a byte-order mark; UTF-16 with a BOM (Excel's "Unicode
  text"); otherwise, when the bytes are not UTF-8, Windows-1252 (a superset of Latin-1 for
  text), falling back to Latin-1 for the five bytes Windows-1252 leaves undefined. The
  choice is reported, never silent.
- Delimiter: the header line tells: the most frequent of ``,`` ``;`` tab ``|`` outside quotes.
- Formulas: a cell starting with ``= + - @``, tab or carriage return is run by spreadsheet
  programs; exports prefix it with ``'`` (plain numbers excepted) and imports remove that
  prefix again, so a round trip gives back the text unchanged.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from typing import IO

__all__ = [
    "DELIMITERS",
    "Encoding",
    "detect_encoding",
    "neutralise",
    "open_text",
    "sniff_delimiter",
    "unneutralise",
]

DELIMITERS = (",", ";", "\t", "|")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str
    note: str | None = None


def _decodes(binary: IO[bytes], encoding: str) -> bool:
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := binary.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(binary: IO[bytes]) -> Encoding:
    """The text encoding of a seekable binary file (it reads the whole file once)."""
    binary.seek(0)
    head = binary.read(4)
    binary.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Encoding("utf-16", "UTF-16 with a byte-order mark")
    if _decodes(binary, "utf-8"):
        binary.seek(0)
        return Encoding("utf-8")
    fallback = "cp1252" if _decodes(binary, "cp1252") else "latin-1"
    binary.seek(0)
    label = "Windows-1252" if fallback == "cp1252" else "Latin-1"
    return Encoding(
        fallback,
        f"the file is not valid UTF-8; read as {label} "
        "(save it as UTF-8 to be sure accents come through)",
    )


def open_text(binary: IO[bytes], encoding: Encoding) -> io.TextIOWrapper:
    """A text view of ``binary`` from the start (universal newlines left to ``csv``)."""
    binary.seek(0)
    return io.TextIOWrapper(binary, encoding=encoding.name, newline="")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV file, from its header line."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def neutralise(value: str) -> str:
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``: spreadsheets show it instead of running it."""
    if value and value[0] in FORMULA_START and not _NUMBER.match(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise` on a cell read back from a spreadsheet."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value
