"""SQL of the auth domain: queries only, no rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.pagination import Keyset
from shared.rbac import Role
from subgraphs.auth.commands import UserQuery
from subgraphs.auth.models import PasswordResetToken, RefreshToken, User

# Key of the transaction-scoped advisory lock taken by every change that may remove an ADMIN.
ADMIN_ROSTER_LOCK = 4_711_001


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def get_many(self, user_ids: Sequence[uuid.UUID]) -> list[User]:
        result = await self.session.execute(select(User).where(User.id.in_(user_ids)))  # type: ignore[attr-defined]
        return list(result.scalars())

    async def get_by_email(self, email: str) -> User | None:
        result = await self.session.execute(select(User).where(User.email == email))
        return result.scalar_one_or_none()

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def get_for_update(self, user_id: uuid.UUID) -> User | None:
        result = await self.session.execute(
            select(User)
            .where(User.id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def lock_admin_roster(self) -> None:
        """Held until the transaction ends: admin removals run one after the other."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMIN_ROSTER_LOCK}
        )

    async def count_active_admins(self, *, excluding: uuid.UUID) -> int:
        result = await self.session.execute(
            select(func.count())
            .select_from(User)
            .where(
                col(User.role) == Role.ADMIN.value,
                col(User.is_active).is_(True),
                col(User.id) != excluding,
            )
        )
        return int(result.scalar_one())

    async def search(
        self, query: UserQuery, after: tuple[Any, uuid.UUID] | None
    ) -> tuple[list[User], int]:
        """Up to `query.limit + 1` users matching `query` after the key `after` (sort value,
        id), in `query.sort`'s order, and how many match in all."""
        conditions: list[ColumnElement[bool]] = []
        if query.role is not None:
            conditions.append(col(User.role) == query.role.value)
        if query.active is not None:
            conditions.append(col(User.is_active).is_(query.active))
        if query.search:
            pattern = f"%{_escape_like(query.search)}%"
            conditions.append(or_(col(User.email).ilike(pattern), col(User.name).ilike(pattern)))
        total = await self.session.execute(
            select(func.count()).select_from(User).where(*conditions)
        )
        columns = (col(getattr(User, query.sort.column)), col(User.id))
        keyset = Keyset(columns, query.sort.descending, after)
        rows = await self.session.execute(
            select(User)
            .where(*conditions, keyset.condition())
            .order_by(*keyset.order_by())
            .limit(query.limit + 1)
        )
        return list(rows.scalars()), int(total.scalar_one())


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: RefreshToken) -> RefreshToken:
        self.session.add(token)
        await self.session.flush()
        return token

    async def get_for_update(self, token_hash: str) -> RefreshToken | None:
        """The token row, locked: concurrent rotations of one token run one after the other."""
        result = await self.session.execute(
            select(RefreshToken).where(RefreshToken.token == token_hash).with_for_update()
        )
        return result.scalar_one_or_none()

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> int:
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))  # type: ignore[union-attr]
            .values(revoked_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def revoke_all_for_user(self, user_id: uuid.UUID, at: datetime) -> int:
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))  # type: ignore[union-attr]
            .values(revoked_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class ResetTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: PasswordResetToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def get_for_update(self, token_hash: str) -> PasswordResetToken | None:
        result = await self.session.execute(
            select(PasswordResetToken)
            .where(PasswordResetToken.token_hash == token_hash)
            .with_for_update()
        )
        return result.scalar_one_or_none()

    async def consume_all_for_user(self, user_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(PasswordResetToken)
            .where(
                PasswordResetToken.user_id == user_id,
                PasswordResetToken.used_at.is_(None),  # type: ignore[union-attr]
            )
            .values(used_at=at)
        )
