"""A spam heuristic for comments: smugglers' and scammers' adverts, link drops, noise.

It runs on the *redacted* comment (phone numbers and e-mail addresses already replaced by
``[phone]`` / ``[email]``), so an advert that asks to be contacted still shows it. Each
feature adds to a score; ``score >= SPAM_THRESHOLD`` marks the item as spam (a moderator
can still approve it). Travellers mention money, smugglers and phone numbers in genuine
warnings, so none of those alone is enough: it takes an offer *and* a way to reach the
sender, or a link, or plain noise. Precision and recall on a labelled sample are printed
and checked by tests/feedback/test_detection.py.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field

__all__ = ["SPAM_THRESHOLD", "SpamVerdict", "has_link", "score"]

SPAM_THRESHOLD = 1.0


def _words(*items: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(items) + r")\b")


_LINK = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b(?:t\.me|wa\.me|bit\.ly|tinyurl\.com)/\S*"
    r"|\b[a-z0-9-]{2,}\.(?:com|net|org|info|biz|xyz|top|ru|io|me|ly|mx|co|pa|gt|hn|cr|ni"
    r"|site|online|shop|app|link)\b\S*",
)
_CONTACT = re.compile(
    r"\[phone\]|\[email\]|\bwhat?s ?app\b|\bwasap\b|\btelegram\b|\binbox\b|\bdm\b"
    r"|(?<![\w.])@[a-z0-9_]{3,}"
)
_CALL_TO_ACTION = _words(
    r"llama(?:n|r)? ya",
    r"llamen",
    r"llamar",
    r"escr[ií]be(?:me|nos|anos)",
    r"escribeme",
    r"ecrivez",
    r"contacto",
    r"contact(?:ez|ar)?",
    r"call now",
    r"text me",
    r"message me",
    r"click",
    r"haz clic",
    r"reserva",
    r"chama no",
    r"ekri nou",
    r"rele",
    r"info al",
    r"info por",
    r"join",
)
_OFFER = _words(
    r"garantizad[oa]s?",
    r"garantia",
    r"guaranteed",
    r"garanti[ed]?a?",
    r"precio",
    r"preco",
    r"price",
    r"prix",
    r"pri espesyal",
    r"especial",
    r"special",
    r"barat[oa]s?",
    r"cheap",
    r"promo",
    r"oferta",
    r"ofrezco",
    r"we offer",
    r"vendemos",
    r"vendo",
    r"compro",
    r"gana",
    r"ganar",
    r"earn",
    r"prestamos?",
    r"emprestimo",
    r"loan",
    r"bitcoin",
    r"crypto",
    r"btc",
    r"casino",
    r"apuestas",
    r"bono",
    r"profit",
    r"inversion",
    r"investment",
    r"seguidores",
    r"pasamos",
    r"cruzamos",
    r"te llevamos",
    r"we take you",
    r"nou pase",
    r"sin papeles",
    r"without papers",
    r"sem documentos",
    r"san papye",
    r"cobramos",
    r"arriendo",
    r"rapid[oa]s?",
    r"fast",
    r"travessia",
    r"passage garanti",
    r"salidas (?:diarias|cada)",
    r"servicio de coyote",
    r"100 ?%",
)
_LETTER = re.compile(r"[^\W\d_]")
_RUN = re.compile(r"(.)\1{5,}")


@dataclass(slots=True)
class SpamVerdict:
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def is_spam(self) -> bool:
        return self.score >= SPAM_THRESHOLD


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_link(text: str) -> bool:
    """True when the text holds something that looks like a web address."""
    return _LINK.search(_fold(text)) is not None


def _repetitive(text: str) -> bool:
    compact = re.sub(r"\s+", " ", text.strip())
    if _RUN.search(compact):
        return True
    if len(compact) < 24:
        return False
    raw = compact.encode()
    return len(zlib.compress(raw, 9)) / len(raw) < 0.45


def _shouting(text: str) -> bool:
    letters: list[str] = _LETTER.findall(text)
    if len(letters) < 12:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) > 0.7


def score(text: str) -> SpamVerdict:
    """The spam score of a redacted comment, with the features that contributed."""
    folded = _fold(text)
    verdict = SpamVerdict(score=0.0)

    def add(points: float, reason: str) -> None:
        verdict.score = round(verdict.score + points, 3)
        verdict.reasons.append(reason)

    links = len(_LINK.findall(folded))
    if links:
        add(min(links, 2) * 0.6, "link")
    if _CONTACT.search(folded):
        add(0.5, "contact")
    if _CALL_TO_ACTION.search(folded):
        add(0.3, "call_to_action")
    offers = len(_OFFER.findall(folded))
    if offers:
        add(min(offers, 3) * 0.35, "offer")
    if _shouting(text):
        add(0.3, "shouting")
    if _repetitive(folded):
        add(1.0, "repetition")
    return verdict
