"""Every domain's tables in one metadata (Alembic, test truncation)."""

from shared.models import metadata
from subgraphs.admin import models as admin_models
from subgraphs.auth import models as auth_models
from subgraphs.payments import models as payments_models
from subgraphs.profile import models as profile_models

__all__ = ["admin_models", "auth_models", "metadata", "payments_models", "profile_models"]
