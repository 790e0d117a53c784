"""SQL of the profile domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.db import fetch
from subgraphs.profile.models import UserProfile


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """A profile as read for showing it (no ORM state)."""

    user_id: uuid.UUID
    avatar_url: str | None
    avatar_key: str | None
    phone: str | None
    address: str | None
    bio: str | None
    preferences: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


# Read as SQL text through asyncpg (`shared.db.fetch`), prepared once per connection; the
# columns in `ProfileRow`'s order.
_READ_PROFILES = (
    "SELECT user_id, avatar_url, avatar_key, phone, address, bio, preferences, created_at, "
    "updated_at FROM profile.user_profiles WHERE user_id = ANY($1::uuid[])"
)


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, user_ids: Sequence[uuid.UUID]) -> None:
        """Create the missing profile rows (concurrent callers both succeed)."""
        if user_ids:
            await self.session.execute(
                insert(UserProfile)
                .values([{"user_id": user_id} for user_id in user_ids])
                .on_conflict_do_nothing(index_elements=["user_id"])
            )

    async def get_many(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ProfileRow]:
        """The profiles of `user_ids`, the missing ones created first (one statement when
        none is missing, as nearly always)."""
        found = await self._read(user_ids)
        missing = [user_id for user_id in user_ids if user_id not in found]
        if missing:
            await self.ensure(missing)
            found.update(await self._read(missing))
        return found

    async def _read(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ProfileRow]:
        rows = await fetch(self.session, _READ_PROFILES, list(user_ids))
        return {row[0]: ProfileRow(*row) for row in rows}

    async def get_for_update(self, user_id: uuid.UUID) -> UserProfile:
        await self.ensure([user_id])
        rows = await self.session.execute(
            select(UserProfile)
            .where(col(UserProfile.user_id) == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return rows.scalar_one()
