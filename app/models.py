"""Registry of every ORM model (for Alembic and tests). Defines nothing itself."""

from app.languages.models import Language
from app.organizations.models import Organization, OrganizationTranslation
from app.service_points.models import (
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
    ServicePointTranslation,
)
from app.taxonomy.models import Audience, AudienceTranslation, Category, CategoryTranslation

__all__ = [
    "Audience",
    "AudienceTranslation",
    "Category",
    "CategoryTranslation",
    "Language",
    "Organization",
    "OrganizationTranslation",
    "ServicePoint",
    "ServicePointAudience",
    "ServicePointCategory",
    "ServicePointLanguage",
    "ServicePointTranslation",
]
