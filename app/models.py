"""Registry of every ORM model (for Alembic and tests). Defines nothing itself."""

from app.accounts.link_models import Invitation, PasswordReset
from app.accounts.models import ApiKey, Membership, RefreshToken, StaffUser
from app.alerts import models as alerts_models  # noqa: F401  (registers tables)
from app.audit.models import AuditEvent
from app.countries import models as countries_models  # noqa: F401  (registers tables)
from app.documents import models as documents_models  # noqa: F401  (registers tables)
from app.exchange import models as exchange_models  # noqa: F401  (index for imports)
from app.feedback import models as feedback_models  # noqa: F401  (registers tables)
from app.journal import models as journal_models  # noqa: F401  (registers tables)
from app.languages.models import Language
from app.organizations.models import Organization, OrganizationTranslation
from app.service_areas import models as service_areas_models  # noqa: F401  (registers tables)
from app.service_points.models import (
    ServicePoint,
    ServicePointAudience,
    ServicePointCategory,
    ServicePointLanguage,
    ServicePointTranslation,
)
from app.sync import models as sync_models  # noqa: F401  (registers tables)
from app.tasks import models as tasks_models  # noqa: F401  (registers tables)
from app.taxonomy.models import Audience, AudienceTranslation, Category, CategoryTranslation

__all__ = [
    "ApiKey",
    "Audience",
    "AudienceTranslation",
    "AuditEvent",
    "Category",
    "CategoryTranslation",
    "Invitation",
    "Language",
    "Membership",
    "Organization",
    "OrganizationTranslation",
    "PasswordReset",
    "RefreshToken",
    "ServicePoint",
    "ServicePointAudience",
    "ServicePointCategory",
    "ServicePointLanguage",
    "ServicePointTranslation",
    "StaffUser",
]
