"""Reading one large JSON document item by item, in bounded memory.

``JsonItems(text, array_key="features")`` yields the elements of the top-level array, or
of the array under ``array_key`` in the top-level object, one at a time; each element
(and each other member of the top-level object, kept in ``header``) must fit in
``max_item_chars``. Broken JSON raises :class:`JsonStreamError` with the character position
and the index of the item being read, so a report can say where the file is broken; so does
a value nested deeper than ``jsondepth.MAX_DEPTH`` (counting the levels around it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from app import jsondepth

__all__ = ["JsonItems", "JsonStreamError"]

_decoder = json.JSONDecoder()
_WS = " \t\r\n"
_CHUNK = 1 << 16


class JsonStreamError(ValueError):
    """The document is not valid JSON (or an item is too large)."""

    def __init__(self, message: str, *, item: int | None = None) -> None:
        super().__init__(message)
        self.item = item


class JsonItems:
    def __init__(self, text: TextIO, *, array_key: str, max_item_chars: int = 4_000_000) -> None:
        self._text = text
        self.array_key = array_key
        self.max_item_chars = max_item_chars
        self.header: dict[str, Any] = {}
        self.top_level: str | None = None  # "array" or "object"
        self.found_array = False
        self._buf = ""
        self._pos = 0
        self._consumed = 0
        self._eof = False
        self._item: int | None = None

    # -- buffer -------------------------------------------------------------------------
    def _fill(self) -> bool:
        chunk = self._text.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        if self._pos > _CHUNK:
            self._consumed += self._pos
            self._buf = self._buf[self._pos :]
            self._pos = 0
        self._buf += chunk
        return True

    def _peek(self) -> str:
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _WS:
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _error(self, message: str) -> JsonStreamError:
        where = self._consumed + self._pos
        return JsonStreamError(f"{message} (at character {where})", item=self._item)

    def _expect(self, chars: str) -> str:
        char = self._peek()
        if not char or char not in chars:
            found = repr(char) if char else "the end of the file"
            expected = " or ".join(repr(c) for c in chars)
            raise self._error(f"expected {expected}, found {found}")
        self._pos += 1
        return char

    def _too_deep(self) -> JsonStreamError:
        return self._error(f"JSON nested more than {jsondepth.MAX_DEPTH} levels deep")

    def _value(self, levels_around: int) -> Any:
        self._peek()
        while True:
            try:
                value, end = _decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof:
                    self._pos = exc.pos
                    raise self._error(f"invalid JSON: {exc.msg}") from None
            except RecursionError:
                # The parser's own limit (about 1,000 levels): far beyond ours.
                raise self._too_deep() from None
            else:
                if end < len(self._buf) or self._eof:
                    limit = jsondepth.MAX_DEPTH - levels_around
                    if jsondepth.exceeds(self._buf[self._pos : end], limit):
                        raise self._too_deep()
                    self._pos = end
                    return value
            if len(self._buf) - self._pos > self.max_item_chars:
                raise self._error(f"a JSON value is larger than {self.max_item_chars} characters")
            self._fill()

    # -- items --------------------------------------------------------------------------
    def _array(self, levels_around: int) -> Iterator[Any]:
        self._expect("[")
        self._item = 0
        if self._peek() == "]":
            self._pos += 1
            self._item = None
            return
        while True:
            yield self._value(levels_around + 1)
            self._item += 1
            if self._expect(",]") == "]":
                self._item = None
                return

    def __iter__(self) -> Iterator[Any]:
        first = self._peek()
        if first == "[":
            self.top_level = "array"
            self.found_array = True
            yield from self._array(0)
        elif first == "{":
            self.top_level = "object"
            self._pos += 1
            if self._peek() == "}":
                self._pos += 1
            else:
                while True:
                    key = self._value(1)
                    if not isinstance(key, str):
                        raise self._error("expected a member name")
                    self._expect(":")
                    if key == self.array_key and self._peek() == "[":
                        self.found_array = True
                        yield from self._array(1)
                    else:
                        self.header[key] = self._value(1)
                    if self._expect(",}") == "}":
                        break
        else:
            raise self._error("expected a JSON object or array")
        if self._peek():
            raise self._error("unexpected data after the JSON document")
