"""Fixed interface texts of the countries API (section titles, line labels, entry summaries).

Written by hand in es, en and fr; other languages fall back along the request's chain.
Content itself (what a section says) lives in the database, not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from babel.dates import format_date

from app.countries.codes import LocalName
from app.countries.models import EmergencyService, SectionKind
from app.countries.passport_index import EntryCategory

__all__ = [
    "SECTION_TITLES",
    "SERVICE_LABELS",
    "entry_disclaimer",
    "entry_summary",
    "pick",
    "texts_language",
]

Texts = Mapping[str, str]

SECTION_TITLES: dict[SectionKind, Texts] = {
    SectionKind.entry_requirements: {
        "es": "Requisitos de entrada y documentos",
        "en": "Entry requirements and documents",
        "fr": "Conditions d'entrée et documents",
    },
    SectionKind.visa_policy: {
        "es": "Política de visas",
        "en": "Visa policy",
        "fr": "Politique des visas",
    },
    SectionKind.humanitarian_visas: {
        "es": "Visas humanitarias y regularización",
        "en": "Humanitarian visas and regularisation",
        "fr": "Visas humanitaires et régularisation",
    },
    SectionKind.asylum: {
        "es": "Asilo y refugio",
        "en": "Asylum and refugee status",
        "fr": "Asile et statut de réfugié",
    },
    SectionKind.rights: {
        "es": "Derechos sin importar el estatus migratorio",
        "en": "Rights regardless of status",
        "fr": "Droits quel que soit le statut",
    },
    SectionKind.health_requirements: {
        "es": "Requisitos de salud",
        "en": "Health requirements",
        "fr": "Exigences sanitaires",
    },
    SectionKind.emergency_numbers: {
        "es": "Números de emergencia",
        "en": "Emergency numbers",
        "fr": "Numéros d'urgence",
    },
    SectionKind.migration_authority: {
        "es": "Autoridad migratoria y contactos",
        "en": "Migration authority and contacts",
        "fr": "Autorité migratoire et contacts",
    },
    SectionKind.currency_and_languages: {
        "es": "Moneda e idiomas oficiales",
        "en": "Currency and official languages",
        "fr": "Monnaie et langues officielles",
    },
}

SERVICE_LABELS: dict[EmergencyService, Texts] = {
    EmergencyService.general: {"es": "Emergencias", "en": "Emergencies", "fr": "Urgences"},
    EmergencyService.police: {"es": "Policía", "en": "Police", "fr": "Police"},
    EmergencyService.ambulance: {"es": "Ambulancia", "en": "Ambulance", "fr": "Ambulance"},
    EmergencyService.fire: {"es": "Bomberos", "en": "Fire", "fr": "Pompiers"},
    EmergencyService.gender_violence: {
        "es": "Violencia de género",
        "en": "Gender-based violence",
        "fr": "Violences fondées sur le genre",
    },
    EmergencyService.trafficking: {
        "es": "Trata de personas",
        "en": "Human trafficking",
        "fr": "Traite des êtres humains",
    },
    EmergencyService.children: {
        "es": "Niñez y adolescencia",
        "en": "Children and adolescents",
        "fr": "Enfance et adolescence",
    },
    EmergencyService.mental_health: {
        "es": "Crisis y salud mental",
        "en": "Crisis and mental health",
        "fr": "Crise et santé mentale",
    },
    EmergencyService.human_rights: {
        "es": "Derechos humanos",
        "en": "Human rights",
        "fr": "Droits humains",
    },
    EmergencyService.anonymous_report: {
        "es": "Denuncia anónima",
        "en": "Anonymous reports",
        "fr": "Signalement anonyme",
    },
    EmergencyService.civil_protection: {
        "es": "Defensa civil",
        "en": "Civil defence",
        "fr": "Protection civile",
    },
}

_ENTRY: dict[EntryCategory, Texts] = {
    EntryCategory.VISA_FREE: {"es": "Sin visa", "en": "Visa free", "fr": "Sans visa"},
    EntryCategory.VISA_ON_ARRIVAL: {
        "es": "Visa a la llegada",
        "en": "Visa on arrival",
        "fr": "Visa à l'arrivée",
    },
    EntryCategory.ETA: {
        "es": "Autorización electrónica de viaje, antes de viajar",
        "en": "Electronic travel authorisation, before travelling",
        "fr": "Autorisation électronique de voyage, avant le départ",
    },
    EntryCategory.E_VISA: {
        "es": "Visa electrónica (e-visa), antes de viajar",
        "en": "Electronic visa (e-visa), before travelling",
        "fr": "Visa électronique (e-visa), avant le départ",
    },
    EntryCategory.VISA_REQUIRED: {
        "es": "Visa obligatoria, pedida antes de viajar",
        "en": "Visa required, obtained before travelling",
        "fr": "Visa obligatoire, obtenu avant le départ",
    },
    EntryCategory.NO_ADMISSION: {
        "es": "No se admite la entrada con este pasaporte",
        "en": "Holders of this passport are not admitted",
        "fr": "Les titulaires de ce passeport ne sont pas admis",
    },
    EntryCategory.OWN_COUNTRY: {
        "es": "Es su propio país: tiene derecho a entrar",
        "en": "This is your own country: you have the right to enter",
        "fr": "C'est votre propre pays : vous avez le droit d'entrer",
    },
    EntryCategory.NO_DATA: {
        "es": "No hay datos para este pasaporte y este destino",
        "en": "No data for this passport and destination",
        "fr": "Pas de données pour ce passeport et cette destination",
    },
}

_DAYS: Texts = {
    "es": "Sin visa hasta {days} días",
    "en": "Visa free for up to {days} days",
    "fr": "Sans visa jusqu'à {days} jours",
}

_DISCLAIMER: Texts = {
    "es": "Según el Passport Index del {date}. Las reglas cambian: confírmelo con el consulado "
    "o la autoridad migratoria antes de viajar. Esto no es asesoría legal. Cualquiera que sea "
    "la regla de visa, toda persona puede pedir asilo.",
    "en": "According to the Passport Index of {date}. Rules change: confirm with the consulate "
    "or the migration authority before travelling. This is not legal advice. Whatever the visa "
    "rule, anyone may ask for asylum.",
    "fr": "D'après le Passport Index du {date}. Les règles changent : vérifiez auprès du "
    "consulat ou de l'autorité migratoire avant le départ. Ceci n'est pas un conseil juridique. "
    "Quelle que soit la règle de visa, toute personne peut demander l'asile.",
}


def pick(texts: Texts, chain: Sequence[str]) -> LocalName:
    """The text in the first language of ``chain`` (or its base language) that has one."""
    for tag in chain:
        for candidate in (tag, tag.split("-", 1)[0].lower()):
            if candidate in texts:
                return LocalName(texts[candidate], candidate)
    return LocalName(texts["en"], "en")


def texts_language(chain: Sequence[str]) -> str:
    """The language the fixed texts (labels, titles) are given in for ``chain``."""
    return pick(SERVICE_LABELS[EmergencyService.general], chain).lang


def entry_summary(category: EntryCategory, days: int | None, chain: Sequence[str]) -> LocalName:
    if category is EntryCategory.VISA_FREE and days:
        template = pick(_DAYS, chain)
        return LocalName(template.text.format(days=days), template.lang)
    return pick(_ENTRY[category], chain)


def entry_disclaimer(data_date: dt.date, chain: Sequence[str]) -> LocalName:
    template = pick(_DISCLAIMER, chain)
    when = format_date(data_date, format="long", locale=template.lang)
    return LocalName(template.text.format(date=when), template.lang)
