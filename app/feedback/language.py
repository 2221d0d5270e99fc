"""Which language a comment is written in, when the sender did not say.

A small, measured heuristic, not a general detector: it only knows the five languages
Rumbo is written in (es, en, fr, pt, ht), scores each by its most frequent function words
(a word shared by several languages counts for less) and a few spelling marks, and answers
``None`` (stored as ``und``) unless one language clearly leads. Its precision and coverage
on a labelled sample are printed and checked by tests/feedback/test_detection.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["KNOWN", "detect_language"]

_WORDS: dict[str, str] = {
    "es": (
        "el la los las de del que y a o en un una es no por con para al lo se su muy pero "
        "me mi nos está están estaba hay fue son como más sin ni también ya donde cuando "
        "nada todo todos bien mal ayuda ayudaron atención lugar gracias porque hoy ayer "
        "aquí allí cerrado abierto dijeron tienen agua comida niños gente personas "
        "nadie siempre días horas hasta desde eso esto este esta mucho poco ellos usted"
    ),
    "en": (
        "the a an and of to in is it was were are not for with on at this that they "
        "we you he she my our their be have has had but no very all there here what "
        "when where closed open help helped staff people place nobody food water "
        "children thanks thank because today yesterday good bad did didn't don't "
        "from by about would could them us"
    ),
    "fr": (
        "le la les de des du et est un une en que qui pas ne ce cette il elle ils nous "
        "vous je j'ai on au aux pour avec sur dans très mais ont été était sont plus "
        "rien tout tous bien mal aide aidé personnel lieu merci parce aujourd'hui hier "
        "ici fermé ouvert eau nourriture enfants gens personne toujours jours heures "
        "c'est n'est beaucoup peu"
    ),
    "pt": (
        "o a os as de do da dos das que e em um uma é não por com para ao se seu sua "
        "muito mas me meu nos está estão estava há foi são como mais sem nem também já "
        "onde quando nada tudo todos bem mal ajuda ajudaram atendimento lugar obrigado "
        "obrigada porque hoje ontem aqui ali fechado aberto disseram têm água comida "
        "crianças gente pessoas ninguém sempre dias horas até desde isso isto este "
        "esta pouco eles você vocês"
    ),
    "ht": (
        "mwen ou li nou yo m w pa te ap pou ak nan sa se gen fè konn ki kote lè tout "
        "anpil bon mal ede èd moun timoun manje dlo fèmen louvri mèsi paske jodi yè "
        "isit la yon kounye kounyea pat pral vle bezwen genyen byen travay "
        "sèvis bay m'ap mache rive tann lajan okenn"
    ),
}
# Spelling marks that point at a language (and weigh like one distinctive word).
_MARKS: dict[str, str] = {
    "es": "ñ¿¡",
    "pt": "ãõç",
    "fr": "àâêëîïôûùœ",
    "ht": "ò",
}
KNOWN = tuple(_WORDS)
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
MIN_SCORE = 1.5
MIN_MARGIN = 1.5


@lru_cache(maxsize=1)
def _weights() -> dict[str, dict[str, float]]:
    """word -> {language: weight}; a word in n languages weighs 1/n in each."""
    owners: dict[str, set[str]] = {}
    for lang, words in _WORDS.items():
        for word in words.split():
            owners.setdefault(word, set()).add(lang)
    return {w: {lang: 1.0 / len(langs) for lang in langs} for w, langs in owners.items()}


def detect_language(text: str) -> str | None:
    """es, en, fr, pt or ht when one clearly leads; ``None`` when unsure."""
    lowered = text.lower()
    tokens = _TOKEN.findall(lowered)
    if len(tokens) < 2:
        return None
    weights = _weights()
    scores: dict[str, float] = dict.fromkeys(KNOWN, 0.0)
    for token in tokens:
        for lang, weight in weights.get(token, {}).items():
            scores[lang] += weight
    for lang, marks in _MARKS.items():
        if any(mark in lowered for mark in marks):
            scores[lang] += 1.0
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:2]
    if not ranked or ranked[0][1] < MIN_SCORE:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if ranked[0][1] < MIN_MARGIN * runner_up:
        return None
    return ranked[0][0]
