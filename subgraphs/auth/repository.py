"""SQL of the auth domain: queries only, no rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.db import fetch
from shared.rbac import Role
from subgraphs.auth.commands import UserQuery
from subgraphs.auth.models import PasswordResetToken, RefreshToken, User

# Key of the transaction-scoped advisory lock taken by every change that may remove an ADMIN.
ADMIN_ROSTER_LOCK = 4_711_001


@dataclass(frozen=True, slots=True)
class UserRow:
    """An account as read for showing it (no password hash, no ORM state)."""

    id: uuid.UUID
    email: str
    name: str
    role: str
    email_verified: bool
    is_active: bool
    deactivated_at: datetime | None
    created_at: datetime
    updated_at: datetime


# The hot reads run as SQL text through asyncpg (`shared.db.fetch`), prepared once per
# connection. Columns in `UserRow`'s order.
_USER_COLUMNS = (
    "id, email, name, role, email_verified, is_active, deactivated_at, created_at, updated_at"
)
_READ_USER = f"SELECT {_USER_COLUMNS} FROM auth.users WHERE id = $1::uuid"  # noqa: S608
_READ_USERS = f"SELECT {_USER_COLUMNS} FROM auth.users WHERE id = ANY($1::uuid[])"  # noqa: S608
# A page of users and how many match in all, in one statement. Only identifiers and
# placeholders are put in; every value is a parameter.
_SEARCH = (
    "WITH total AS (SELECT count(*) AS total FROM auth.users WHERE {matching}) "  # noqa: S608
    f"SELECT total.total, page.* FROM total LEFT JOIN LATERAL (SELECT {_USER_COLUMNS} "
    "FROM auth.users WHERE {matching} AND {keyset} ORDER BY {order} LIMIT {limit}"
    ") AS page ON true"
)
# The columns a listing may be sorted by (`UserSort.column`): SQL text and its key's type.
_SORTABLE = {
    "created_at": ("created_at", "timestamptz"),
    "email": ("email", "varchar"),
    "name": ("name", "varchar"),
}


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def read(self, user_id: uuid.UUID) -> UserRow | None:
        """The account, to show it (a change reads it with `get` or `get_for_update`)."""
        rows = await fetch(self.session, _READ_USER, user_id)
        return UserRow(*rows[0]) if rows else None

    async def read_many(self, user_ids: Sequence[uuid.UUID]) -> list[UserRow]:
        """The accounts of `user_ids` that exist, to show them (entities, profiles)."""
        return [UserRow(*row) for row in await fetch(self.session, _READ_USERS, list(user_ids))]

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
    ) -> tuple[list[UserRow], int]:
        """Up to `query.limit + 1` users matching `query` after the key `after` (sort value,
        id), in `query.sort`'s order, and how many match in all — in one statement."""
        arguments: list[Any] = []
        conditions: list[str] = []
        if query.role is not None:
            arguments.append(query.role.value)
            conditions.append(f"role = ${len(arguments)}::text")
        if query.active is not None:
            arguments.append(query.active)
            conditions.append(f"is_active = ${len(arguments)}::boolean")
        if query.search:
            arguments.append(f"%{_escape_like(query.search)}%")
            n = len(arguments)
            conditions.append(f"(email ILIKE ${n}::text OR name ILIKE ${n}::text)")
        matching = " AND ".join(conditions) or "true"
        column, key_type = _SORTABLE[query.sort.column]
        direction = "DESC" if query.sort.descending else "ASC"
        keyset = "true"
        if after is not None:
            arguments.extend(after)
            n = len(arguments)
            operator = "<" if query.sort.descending else ">"
            keyset = f"({column}, id) {operator} (${n - 1}::{key_type}, ${n}::uuid)"
        arguments.append(query.limit + 1)
        statement = _SEARCH.format(
            matching=matching,
            keyset=keyset,
            order=f"{column} {direction}, id {direction}",
            limit=f"${len(arguments)}",
        )
        rows = await fetch(self.session, statement, *arguments)
        users = [UserRow(*row[1:]) for row in rows if row["id"] is not None]
        return users, int(rows[0]["total"])


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
