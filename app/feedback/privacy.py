"""Keeping the people who give feedback anonymous.

- ``client_key``: what rate limits and duplicate checks are keyed by. It is an
  HMAC-SHA256 of the client address under a salt derived from the secret key and the UTC
  date, so it changes every day and cannot be linked across days. It is never stored in a
  table or logged; only the rate-limit store sees it (and hashes it once more).
- ``redact``: phone numbers and e-mail addresses are replaced by ``[phone]`` and
  ``[email]`` before a comment is stored; the original text is kept nowhere. Numbers the
  point itself publishes (its own phones and WhatsApp) are public already and are kept, so
  a moderator can see which published number a "wrong phone" report is about.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers

from app.client_address import network_of

__all__ = ["EMAIL_MARK", "PHONE_MARK", "Redacted", "client_key", "daily_salt", "redact"]

PHONE_MARK = "[phone]"
EMAIL_MARK = "[email]"

# E-mail addresses, also written to dodge filters: "ana (at) correo (dot) com", "juan at
# ejemplo dot org", "juan arroba ejemplo punto com", "ana@example。org". A plain dot joins
# parts only with no space around it (so "ana@example.org. Gracias" keeps "Gracias"); spelled
# words need spaces or brackets around them. The domain may not run on into another address
# ("me at john.doe@example.com" is not "me" at "john.doe").
_AT_WORDS = r"at|arroba|arobase|arobaz"
_DOT_WORDS = r"dot|punto|point|ponto|pwen"
_AT = rf"(?:\s*[@＠﹫]\s*|\s*[(\[{{]\s*(?:{_AT_WORDS})\s*[)\]}}]\s*|\s+(?:{_AT_WORDS})\s+)"
_DOT = rf"(?:[.。．｡]|\s*[(\[{{]\s*(?:{_DOT_WORDS})\s*[)\]}}]\s*|\s+(?:{_DOT_WORDS})\s+)"
_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)+(?![\w@＠﹫-])",
    re.IGNORECASE,
)
# Digits written as words (es, en, fr, pt, ht), possibly mixed with figures: seven or more
# digits in a row are a phone number ("tres uno dos cinco cinco cinco ...").
_DIGIT_WORDS = frozenset(
    [
        "cero",
        "uno",
        "una",
        "dos",
        "tres",
        "cuatro",
        "cinco",
        "seis",
        "siete",
        "ocho",
        "nueve",
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "zéro",
        "un",
        "une",
        "deux",
        "trois",
        "quatre",
        "cinq",
        "six",
        "sept",
        "huit",
        "neuf",
        "um",
        "uma",
        "dois",
        "duas",
        "três",
        "quatro",
        "meia",
        "sete",
        "oito",
        "nove",
        "zewo",
        "en",
        "youn",
        "de",
        "twa",
        "kat",
        "senk",
        "sis",
        "sèt",
        "set",
        "uit",
        "nèf",
        "nef",
    ]
)
_TOKEN = re.compile(r"\w+")
_DIGIT_GAP = re.compile(r"[\s,.\-/()]{0,3}")
# "+" followed by 7 to 15 digits, with the separators people type.
_INTERNATIONAL = re.compile(r"\+\s*\d(?:[\s().\-/]{0,3}\d){6,14}")
# Any run of 7 or more digits, single separators allowed: national numbers in any format.
# Dates written with dashes are caught too; privacy wins over fidelity here.
_DIGIT_RUN = re.compile(r"(?<![\w\[])\d(?:[\s().\-]{0,2}\d){6,}(?![\w\]])")
_KEEP = "\x00{}\x00"
_KEPT = re.compile("\x00(\\d+)\x00")


def daily_salt(secret: str, day: dt.date) -> bytes:
    """The salt of one UTC day: derived from the secret key, unknowable without it."""
    message = f"rumbo/feedback/client/{day.isoformat()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def client_key(address: str | None, *, secret: str, now: dt.datetime) -> str:
    """HMAC-SHA256(daily salt, client network), hex. Never store or log it."""
    salt = daily_salt(secret, now.astimezone(dt.UTC).date())
    return hmac.new(salt, network_of(address).encode(), hashlib.sha256).hexdigest()


@dataclass(slots=True)
class Redacted:
    text: str
    flags: list[str] = field(default_factory=list)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _published(numbers: Iterable[str], region: str | None) -> set[str]:
    out: set[str] = set()
    for raw in numbers:
        try:
            out.add(_e164(phonenumbers.parse(raw, region)))
        except phonenumbers.NumberParseException:
            continue
    return out


def redact(text: str, *, region: str | None = None, published: Iterable[str] = ()) -> Redacted:
    """``text`` with e-mail addresses and phone numbers replaced (see the module docstring)."""
    flags: list[str] = []
    out, emails = _EMAIL.subn(EMAIL_MARK, text)
    if emails:
        flags.append("email_redacted")
    keep = _published(published, region)
    kept: list[str] = []
    phones = 0
    pieces: list[str] = []
    last = 0
    matcher = phonenumbers.PhoneNumberMatcher(
        out, region or "ZZ", leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        pieces.append(out[last : match.start])
        if _e164(match.number) in keep:
            pieces.append(_KEEP.format(len(kept)))
            kept.append(match.raw_string)
        else:
            pieces.append(PHONE_MARK)
            phones += 1
        last = match.end
    pieces.append(out[last:])
    out = "".join(pieces)
    out, n = _INTERNATIONAL.subn(PHONE_MARK, out)
    phones += n
    out, n = _DIGIT_RUN.subn(PHONE_MARK, out)
    phones += n
    out, n = _spelled_numbers(out)
    phones += n
    if phones:
        flags.append("phone_redacted")
    out = _KEPT.sub(lambda m: kept[int(m.group(1))], out)
    return Redacted(text=out, flags=flags)


def _spelled_numbers(text: str) -> tuple[str, int]:
    """``text`` with numbers of seven digits or more written (partly) as words replaced."""
    spans: list[tuple[int, int]] = []
    start = end = digits = words = 0
    for match in _TOKEN.finditer(text):
        token = match.group().lower()
        value = len(token) if token.isdigit() else int(token in _DIGIT_WORDS)
        joined = digits and _DIGIT_GAP.fullmatch(text, end, match.start())
        if value and joined:
            digits, words, end = digits + value, words + (not token.isdigit()), match.end()
            continue
        if digits >= 7 and words:
            spans.append((start, end))
        start, end = match.start(), match.end()
        digits, words = value, int(bool(value) and not token.isdigit())
    if digits >= 7 and words:
        spans.append((start, end))
    for first, last in reversed(spans):
        text = text[:first] + PHONE_MARK + text[last:]
    return text, len(spans)
