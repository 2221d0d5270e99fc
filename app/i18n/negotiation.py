"""Which languages a request asks for: ``?lang=``, then ``Accept-Language``, then the default."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.i18n.tags import InvalidLanguageTag, base_language, normalise_tag

__all__ = ["LanguagePreference", "negotiate", "parse_accept_language"]

MAX_ACCEPT_LANGUAGE_ITEMS = 16

# Languages whose speakers usually read another one well, tried right after them:
# Haitian Creole speakers read French; Guarani and Quechua speakers read Spanish.
RELATED_LANGUAGES: dict[str, tuple[str, ...]] = {
    "ht": ("fr",),
    "gn": ("es",),
    "qu": ("es",),
    "ay": ("es",),
}


def parse_accept_language(header: str) -> list[str]:
    """Tags from an ``Accept-Language`` header, best first; malformed items are skipped."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:MAX_ACCEPT_LANGUAGE_ITEMS]):
        parts = [p.strip() for p in item.split(";")]
        tag = parts[0]
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in parts[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = -1.0
        if not 0.0 < quality <= 1.0:
            continue
        try:
            weighted.append((-quality, position, normalise_tag(tag)))
        except InvalidLanguageTag:
            continue
    return [tag for _, _, tag in sorted(weighted)]


@dataclass(frozen=True, slots=True)
class LanguagePreference:
    """The languages one request accepts, best first, and the language it is answered in.

    ``chain`` is the fallback order used for every text field: each requested tag followed
    by its base language, then the service's default language and English.
    """

    requested: tuple[str, ...]
    chain: tuple[str, ...]
    served: str
    default: str = "es"

    def chain_for(self, original_language: str | None) -> tuple[str, ...]:
        """The fallback chain for one record: requested tags, its original language, defaults."""
        if not original_language or original_language in self.chain:
            return self.chain
        head = self.chain[: len(self.requested_expanded)]
        tail = tuple(t for t in self.chain[len(head) :] if t != original_language)
        return (*head, original_language, *tail)

    @property
    def requested_expanded(self) -> tuple[str, ...]:
        return _expand(self.requested)

    def is_fallback(self, served: str) -> bool:
        """Whether a text in ``served`` is not what was asked for: not a requested tag or its
        base language or, when the request named no language, not the default language."""
        wanted = self.requested or (self.default,)
        return served not in {t for tag in wanted for t in (tag, base_language(tag))}


def _expand(tags: Iterable[str]) -> tuple[str, ...]:
    """Each tag, then its base language, then languages its speakers read."""
    out: list[str] = []
    for tag in tags:
        base = base_language(tag)
        for candidate in (tag, base, *RELATED_LANGUAGES.get(base, ())):
            if candidate not in out:
                out.append(candidate)
    return tuple(out)


def negotiate(
    *,
    lang: str | None,
    accept_language: str | None,
    default: str,
    supported: Iterable[str],
) -> LanguagePreference:
    """Resolve a request's languages. ``lang`` must already be a normalised tag."""
    if lang:
        requested: tuple[str, ...] = (lang,)
    elif accept_language:
        requested = tuple(parse_accept_language(accept_language))
    else:
        requested = ()
    expanded = _expand(requested)
    chain = list(expanded)
    for fallback in (default, "en"):
        if fallback not in chain:
            chain.append(fallback)
    supported_set = set(supported)
    served = next((t for t in chain if t in supported_set), default)
    return LanguagePreference(
        requested=requested, chain=tuple(chain), served=served, default=default
    )
