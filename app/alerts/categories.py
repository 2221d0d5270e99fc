"""The alert categories: labels in the first languages, and their CAP 1.2 category."""

from __future__ import annotations

from collections.abc import Sequence

from app.alerts.models import AlertCategory, Severity

__all__ = ["CAP_CATEGORY", "LABELS", "SEVERITY_RANK", "label"]

# CAP 1.2 <category> (Geo, Met, Safety, Security, Rescue, Fire, Health, Env, Transport,
# Infra, CBRNE, Other) of each alert category.
CAP_CATEGORY: dict[AlertCategory, str] = {
    AlertCategory.border_route: "Transport",
    AlertCategory.weather_hazard: "Met",
    AlertCategory.security: "Security",
    AlertCategory.health: "Health",
    AlertCategory.service_change: "Infra",
    AlertCategory.scam: "Safety",
    AlertCategory.legal_policy: "Other",
}

LABELS: dict[AlertCategory, dict[str, str]] = {
    AlertCategory.border_route: {
        "es": "Cambio en la frontera o la ruta",
        "en": "Border or route change",
        "fr": "Changement à la frontière ou sur la route",
    },
    AlertCategory.weather_hazard: {
        "es": "Clima y amenaza natural",
        "en": "Weather and natural hazard",
        "fr": "Météo et risque naturel",
    },
    AlertCategory.security: {"es": "Seguridad", "en": "Security", "fr": "Sécurité"},
    AlertCategory.health: {"es": "Salud", "en": "Health", "fr": "Santé"},
    AlertCategory.service_change: {
        "es": "Cambio en un servicio",
        "en": "Service change",
        "fr": "Changement d'un service",
    },
    AlertCategory.scam: {
        "es": "Estafa o información falsa",
        "en": "Scam or false information",
        "fr": "Arnaque ou fausse information",
    },
    AlertCategory.legal_policy: {
        "es": "Cambio legal o de política",
        "en": "Legal or policy change",
        "fr": "Changement juridique ou politique",
    },
}

# Most severe first (sort key of public lists).
SEVERITY_RANK: dict[str, int] = {s.value: i for i, s in enumerate(Severity)}


def label(category: str, chain: Sequence[str]) -> tuple[str, str]:
    """The category's label in the first language of ``chain`` that has one, and that
    language (English when none does)."""
    labels = LABELS[AlertCategory(category)]
    for tag in chain:
        base = tag.split("-")[0]
        for candidate in (tag, base):
            if candidate in labels:
                return labels[candidate], candidate
    return labels["en"], "en"
