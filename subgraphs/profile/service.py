"""The rules of profiles: every user has one (created on first use if the registration event
has not done it yet), sees and changes only their own; an ADMIN may read anyone's. The name
belongs to the account, so it is read and changed through the auth domain's service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Settings
from shared.rbac import Role
from shared.security.tokens import AccessClaims
from subgraphs.auth.service import AuthService
from subgraphs.profile import commands
from subgraphs.profile.errors import AvatarTooLarge
from subgraphs.profile.images import normalise, sniff
from subgraphs.profile.models import UserProfile
from subgraphs.profile.repository import ProfileRepository, ProfileRow
from subgraphs.profile.settings import ProfileSettings
from subgraphs.profile.storage import AvatarStorage

AVATAR_PATH = "/api/profile/avatars/{}"


class UploadedFile(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ProfileView:
    profile: UserProfile | ProfileRow
    name: str


@dataclass(frozen=True, slots=True)
class Avatars:
    """Where avatars go and how large they may be."""

    storage: AvatarStorage
    settings: ProfileSettings


@dataclass
class ProfileService:
    session: AsyncSession
    redis: Redis
    settings: Settings
    viewer: AccessClaims

    def __post_init__(self) -> None:
        self.profiles = ProfileRepository(self.session)
        self.auth = AuthService(self.session, self.redis, self.settings)

    async def my_profile(self) -> ProfileView:
        user = await self.auth.account(self.viewer)
        (profile,) = (await self.profiles.get_many([user.id])).values()
        return ProfileView(profile, user.name)

    async def profiles_of(self, user_ids: Sequence[uuid.UUID]) -> list[ProfileView | None]:
        """In the order asked: the viewer's own profile, anyone's for an ADMIN, else None."""
        visible = [
            user_id
            for user_id in user_ids
            if user_id == self.viewer.user_id or self.viewer.role is Role.ADMIN
        ]
        users = {u.id: u for u in await self.auth.users_by_ids(visible) if u is not None}
        rows = await self.profiles.get_many(list(users))
        return [
            ProfileView(rows[user_id], users[user_id].name) if user_id in users else None
            for user_id in user_ids
        ]

    async def update_profile(self, data: commands.UpdateProfile) -> ProfileView:
        user = await self.auth.current_user(self.viewer)
        if data.name is not None:
            user = await self.auth.change_name(self.viewer, data.name)
        profile = await self.profiles.get_for_update(user.id)
        for name in ("phone", "address", "bio"):
            if name in data.model_fields_set:
                setattr(profile, name, getattr(data, name))
        await self.session.flush()
        return ProfileView(profile, user.name)

    async def preferences(self) -> commands.Preferences:
        return commands.Preferences.model_validate(
            (await self.my_profile()).profile.preferences or {}
        )

    async def update_preferences(self, data: commands.UpdatePreferences) -> commands.Preferences:
        profile = await self.profiles.get_for_update(self.viewer.user_id)
        current = commands.Preferences.model_validate(profile.preferences or {})
        merged = data.merged_into(current)
        profile.preferences = merged.model_dump(mode="json")
        await self.session.flush()
        return merged

    async def upload_avatar(self, file: UploadedFile, avatars: Avatars) -> ProfileView:
        """Recognised by its bytes, decoded and re-encoded at most `avatar_max_pixels` a side;
        the previous file is removed once the new one is committed."""
        limit = avatars.settings.avatar_max_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise AvatarTooLarge(f"The avatar exceeds {limit} bytes", details={"maxBytes": limit})
        kind = sniff(data)
        image = await normalise(data, kind, avatars.settings.avatar_max_pixels)
        name = f"{uuid.uuid4().hex}.{kind.extension}"
        await avatars.storage.save(name, image)
        return await self._replace_avatar(name, avatars)

    async def delete_avatar(self, avatars: Avatars) -> ProfileView:
        return await self._replace_avatar(None, avatars)

    async def _replace_avatar(self, name: str | None, avatars: Avatars) -> ProfileView:
        view = await self.my_profile()
        profile = await self.profiles.get_for_update(self.viewer.user_id)
        previous = profile.avatar_key
        profile.avatar_key = name
        profile.avatar_url = AVATAR_PATH.format(name) if name else None
        await self.session.flush()
        # Committed before the old file goes, so no committed row points at a missing file.
        await self.session.commit()
        if previous:
            await avatars.storage.delete(previous)
        return ProfileView(profile, view.name)
