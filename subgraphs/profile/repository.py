"""SQL of the profile domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from subgraphs.profile.models import UserProfile


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

    async def get_many(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, UserProfile]:
        await self.ensure(user_ids)
        rows = await self.session.execute(
            select(UserProfile)
            .where(col(UserProfile.user_id).in_(user_ids))
            .execution_options(populate_existing=True)
        )
        return {row.user_id: row for row in rows.scalars()}

    async def get_for_update(self, user_id: uuid.UUID) -> UserProfile:
        await self.ensure([user_id])
        rows = await self.session.execute(
            select(UserProfile)
            .where(col(UserProfile.user_id) == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return rows.scalar_one()
