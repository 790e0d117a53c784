"""Profiles made on registration, through the event hub (reads create one too if this has
not run yet). Idempotent: a redelivered `user.registered` finds the row there."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import catalog
from subgraphs.profile.repository import ProfileRepository


async def create_profile_for(session: AsyncSession, envelope: dict[str, Any]) -> None:
    if envelope.get("type") != catalog.USER_REGISTERED:
        return
    data = catalog.UserRegistered.model_validate(envelope["data"])
    await ProfileRepository(session).ensure([data.user_id])
