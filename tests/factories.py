"""Small factories for tests: users of any role with a valid access token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.graphql.context import Resources
from shared.rbac import Role
from shared.security.passwords import hash_password
from shared.security.tokens import issue_access_token
from subgraphs.auth.models import User

DEFAULT_PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class TestUser:
    id: uuid.UUID
    email: str
    name: str
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def create_user(
    resources: Resources,
    role: Role = Role.CUSTOMER,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = DEFAULT_PASSWORD,
) -> TestUser:
    """Insert a user row (any role, ADMIN included) and mint an access token for it."""
    user = User(
        email=email or f"{role.value.lower()}-{uuid.uuid4().hex[:8]}@example.com",
        name=name or f"Test {role.value.title()}",
        role=role.value,
        password_hash=await hash_password(password, resources.settings.bcrypt_rounds),
    )
    async with resources.session_factory() as session:
        session.add(user)
        await session.commit()
    token, _ = issue_access_token(resources.settings, user_id=user.id, email=user.email, role=role)
    return TestUser(user.id, user.email, user.name, role, token)
