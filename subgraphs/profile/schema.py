"""The profile subgraph's GraphQL schema: thin resolvers over ProfileService; `User.profile`
on the federated `User` entity."""

# strawberry.field(...) used as a decorator with arguments is typed as returning Any.
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from aiodataloader import DataLoader
from strawberry.file_uploads import Upload
from strawberry.types import Info

from shared.config import Settings
from shared.errors import ValidationFailed
from shared.graphql.context import RequestContext, context_of
from shared.graphql.permissions import guard
from shared.graphql.schema import SubgraphSchema, build_schema
from shared.rbac import AUTHENTICATED
from shared.validation import command_input, to_command
from subgraphs.profile import commands
from subgraphs.profile.service import Avatars, ProfileService, ProfileView

ThemeEnum = strawberry.enum(commands.Theme, name="Theme")


async def profile_service(context: RequestContext) -> ProfileService:
    return ProfileService(
        context.read_session(), context.redis, context.settings, await context.require_viewer()
    )


@strawberry.type(name="Profile", description="The person behind an account.")
class ProfileType:
    user_id: uuid.UUID
    name: str
    avatar_url: str | None
    phone: str | None = strawberry.field(description="E.164, e.g. +14155552671.")
    address: str | None
    bio: str | None
    updated_at: datetime

    @classmethod
    def from_view(cls, view: ProfileView) -> ProfileType:
        row = view.profile
        return cls(
            user_id=row.user_id,
            name=view.name,
            avatar_url=row.avatar_url,
            phone=row.phone,
            address=row.address,
            bio=row.bio,
            updated_at=row.updated_at,
        )


@strawberry.type(name="NotificationPreferences")
class NotificationsType:
    email: bool
    sms: bool
    push: bool


@strawberry.type(name="Preferences")
class PreferencesType:
    theme: ThemeEnum  # type: ignore[valid-type]
    language: str = strawberry.field(description="BCP 47 language tag.")
    timezone: str = strawberry.field(description="IANA time zone.")
    notifications: NotificationsType

    @classmethod
    def from_document(cls, document: commands.Preferences) -> PreferencesType:
        return cls(
            theme=document.theme,
            language=document.language,
            timezone=document.timezone,
            notifications=NotificationsType(**document.notifications.model_dump()),
        )


def _profiles_loader(context: RequestContext) -> DataLoader[uuid.UUID, ProfileView | None]:
    async def load(user_ids: list[uuid.UUID]) -> list[ProfileView | None]:
        return await (await profile_service(context)).profiles_of(user_ids)

    loader: DataLoader[uuid.UUID, ProfileView | None] = context.loader(
        "profile.profiles", lambda: DataLoader(load)
    )
    return loader


@strawberry.federation.type(keys=["id"], name="User", description="A platform account.")
class UserEntity:
    id: uuid.UUID

    @strawberry.field(description="The user's profile: their own, or anyone's for an ADMIN.")
    async def profile(self, info: Info) -> ProfileType | None:
        view = await _profiles_loader(context_of(info)).load(self.id)
        return ProfileType.from_view(view) if view else None

    @classmethod
    async def resolve_reference(cls, info: Info, **representation: Any) -> UserEntity | None:
        await context_of(info).require_viewer()
        try:
            return cls(id=uuid.UUID(str(representation.get("id"))))
        except ValueError:
            return None


@command_input(commands.UpdateProfile)
class UpdateProfileInput:
    name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET


@command_input(commands.NotificationsUpdate)
class NotificationsInput:
    email: bool | None = strawberry.UNSET
    sms: bool | None = strawberry.UNSET
    push: bool | None = strawberry.UNSET


@command_input(commands.UpdatePreferences)
class UpdatePreferencesInput:
    theme: ThemeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    language: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    notifications: NotificationsInput | None = strawberry.UNSET


@strawberry.type
class Query:
    @strawberry.field(extensions=guard(AUTHENTICATED), description="The signed-in user's profile.")
    async def my_profile(self, info: Info) -> ProfileType:
        view = await (await profile_service(context_of(info))).my_profile()
        return ProfileType.from_view(view)

    @strawberry.field(
        extensions=guard(AUTHENTICATED), description="The signed-in user's preferences."
    )
    async def my_preferences(self, info: Info) -> PreferencesType:
        document = await (await profile_service(context_of(info))).preferences()
        return PreferencesType.from_document(document)


def mutation_type(avatars: Avatars) -> type:
    """The Mutation root; avatar changes use the app's storage and limits."""

    @strawberry.type(name="Mutation")
    class Mutation:
        @strawberry.mutation(extensions=guard(AUTHENTICATED), description="Change your profile.")
        async def update_my_profile(self, info: Info, input: UpdateProfileInput) -> ProfileType:
            service = await profile_service(context_of(info))
            return ProfileType.from_view(await service.update_profile(to_command(input)))

        @strawberry.mutation(
            extensions=guard(AUTHENTICATED),
            description="Merge into your preferences; answers the whole document.",
        )
        async def update_my_preferences(
            self, info: Info, input: UpdatePreferencesInput
        ) -> PreferencesType:
            service = await profile_service(context_of(info))
            document = await service.update_preferences(to_command(input))
            return PreferencesType.from_document(document)

        @strawberry.mutation(
            extensions=guard(AUTHENTICATED),
            description="Set your avatar: a PNG, JPEG or WebP image (multipart request).",
        )
        async def upload_avatar(self, info: Info, file: Upload) -> ProfileType:
            if not callable(getattr(file, "read", None)):  # an inline value, not a file part
                message = "Send the image as a file part of a multipart request"
                raise ValidationFailed(message, details=[{"field": "file", "message": message}])
            service = await profile_service(context_of(info))
            return ProfileType.from_view(await service.upload_avatar(file, avatars))  # type: ignore[arg-type]

        @strawberry.mutation(extensions=guard(AUTHENTICATED), description="Remove your avatar.")
        async def delete_avatar(self, info: Info) -> ProfileType:
            service = await profile_service(context_of(info))
            return ProfileType.from_view(await service.delete_avatar(avatars))

    return Mutation


def create_schema(settings: Settings, avatars: Avatars) -> SubgraphSchema:
    return build_schema(
        query=Query, mutation=mutation_type(avatars), types=[UserEntity], settings=settings
    )
