"""What the platform is made of: every domain's tables in one metadata (Alembic, test
truncation) and every subgraph the CLI runs."""

from dataclasses import dataclass

from shared.events import outbox as event_models
from shared.models import metadata
from subgraphs.admin import models as admin_models
from subgraphs.auth import models as auth_models
from subgraphs.payments import models as payments_models
from subgraphs.profile import models as profile_models

__all__ = [
    "admin_models",
    "auth_models",
    "event_models",
    "metadata",
    "payments_models",
    "profile_models",
]


@dataclass(frozen=True, slots=True)
class SubgraphSpec:
    """A subgraph the platform runs: its name (= REST domain), port and app factory."""

    name: str
    port: int
    factory: str  # "module:function" taking (settings, resources=None)


SUBGRAPHS: tuple[SubgraphSpec, ...] = (
    SubgraphSpec("auth", 3001, "subgraphs.auth.app:create_app"),
    SubgraphSpec("payments", 3002, "subgraphs.payments.app:create_app"),
    SubgraphSpec("admin", 3003, "subgraphs.admin.app:create_app"),
    SubgraphSpec("profile", 3004, "subgraphs.profile.app:create_app"),
)
