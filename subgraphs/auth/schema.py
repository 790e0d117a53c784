"""The auth subgraph's GraphQL schema: thin resolvers over AuthService."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

import strawberry
from aiodataloader import DataLoader
from strawberry.types import Info

from shared.config import Settings
from shared.events.catalog import ClientInfo
from shared.graphql.context import RequestContext, context_of
from shared.graphql.permissions import guard
from shared.graphql.schema import SubgraphSchema, build_schema
from shared.rbac import AUTHENTICATED, PUBLIC, Role
from shared.validation import command_input, parse_command, to_command
from subgraphs.auth import commands
from subgraphs.auth.models import User
from subgraphs.auth.repository import UserRow
from subgraphs.auth.service import AuthService, AuthSession

RoleEnum = strawberry.enum(Role, name="Role", description="What a user may do on the platform.")


def auth_service(context: RequestContext) -> AuthService:
    return AuthService(
        context.read_session(),
        context.redis,
        context.settings,
        client=client_info(context.client_ip, context.user_agent),
    )


@lru_cache(maxsize=1024)
def client_info(ip: str, user_agent: str | None) -> ClientInfo:
    """The caller's (frozen) ClientInfo, shared by its requests: building the pydantic model
    for each request was ~1.5% of the CPU of `GET /auth/me`, which does not even use it."""
    return ClientInfo(ip=ip, user_agent=user_agent)


def _users_loader(context: RequestContext) -> DataLoader[uuid.UUID, UserRow | None]:
    async def load(ids: list[uuid.UUID]) -> list[UserRow | None]:
        return await auth_service(context).users_by_ids(ids)

    return context.loader("auth.users", lambda: DataLoader(load))


@strawberry.federation.type(keys=["id"], name="User", description="A platform account.")
class UserType:
    id: uuid.UUID
    email: str
    name: str
    role: RoleEnum  # type: ignore[valid-type]
    email_verified: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, user: User | UserRow) -> UserType:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=Role(user.role),
            email_verified=user.email_verified,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, **representation: Any) -> UserType | None:
        """Entities are served to signed-in callers only, batched per request."""
        context = context_of(info)
        await context.require_viewer()
        try:
            user_id = uuid.UUID(str(representation.get("id")))
        except ValueError:
            return None
        user = await _users_loader(context).load(user_id)
        return cls.from_row(user) if user else None


@strawberry.type(description="A started or rotated session.")
class AuthPayload:
    user: UserType
    access_token: str
    refresh_token: str
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    token_type: str = "Bearer"

    @classmethod
    def from_session(cls, session: AuthSession) -> AuthPayload:
        return cls(
            user=UserType.from_row(session.user),
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
        )


@strawberry.type
class MessagePayload:
    message: str


@strawberry.type
class LogoutPayload:
    logged_out: bool


@command_input(commands.Register)
class RegisterInput:
    email: str
    password: str
    name: str
    role: RoleEnum | None = strawberry.UNSET  # type: ignore[valid-type]


@command_input(commands.Login)
class LoginInput:
    email: str
    password: str


@command_input(commands.Refresh)
class RefreshInput:
    refresh_token: str


@command_input(commands.Logout)
class LogoutInput:
    refresh_token: str | None = strawberry.UNSET
    all: bool | None = strawberry.UNSET


@command_input(commands.ChangePassword)
class ChangePasswordInput:
    current_password: str
    new_password: str


@command_input(commands.ForgotPassword)
class ForgotPasswordInput:
    email: str


@command_input(commands.ResetPassword)
class ResetPasswordInput:
    token: str
    new_password: str


@strawberry.type
class Query:
    @strawberry.field(extensions=guard(AUTHENTICATED), description="The signed-in user.")
    async def me(self, info: Info) -> UserType:
        context = context_of(info)
        user = await auth_service(context).account(await context.require_viewer())
        return UserType.from_row(user)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=guard(PUBLIC), description="Create an account and sign in.")
    async def register(self, info: Info, input: RegisterInput) -> AuthPayload:
        data = to_command(input)
        return AuthPayload.from_session(await auth_service(context_of(info)).register(data))

    @strawberry.mutation(extensions=guard(PUBLIC), description="Sign in with email and password.")
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        data = to_command(input)
        return AuthPayload.from_session(await auth_service(context_of(info)).login(data))

    @strawberry.mutation(
        extensions=guard(PUBLIC), description="Rotate a refresh token for a new token pair."
    )
    async def refresh_token(self, info: Info, input: RefreshInput) -> AuthPayload:
        data = to_command(input)
        return AuthPayload.from_session(await auth_service(context_of(info)).refresh(data))

    @strawberry.mutation(
        extensions=guard(AUTHENTICATED),
        description="End this session (or all with `all: true`); the access token stops at once.",
    )
    async def logout(self, info: Info, input: LogoutInput | None = None) -> LogoutPayload:
        context = context_of(info)
        data = parse_command(commands.Logout, input or {})
        await auth_service(context).logout(await context.require_viewer(), data)
        return LogoutPayload(logged_out=True)

    @strawberry.mutation(
        extensions=guard(AUTHENTICATED),
        description="Change the password; every other session ends.",
    )
    async def change_password(self, info: Info, input: ChangePasswordInput) -> AuthPayload:
        context = context_of(info)
        data = to_command(input)
        session = await auth_service(context).change_password(await context.require_viewer(), data)
        return AuthPayload.from_session(session)

    @strawberry.mutation(extensions=guard(PUBLIC), description="Ask for a password reset email.")
    async def forgot_password(self, info: Info, input: ForgotPasswordInput) -> MessagePayload:
        data = to_command(input)
        return MessagePayload(message=await auth_service(context_of(info)).forgot_password(data))

    @strawberry.mutation(extensions=guard(PUBLIC), description="Set a new password with a token.")
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> MessagePayload:
        data = to_command(input)
        return MessagePayload(message=await auth_service(context_of(info)).reset_password(data))


def create_schema(settings: Settings) -> SubgraphSchema:
    return build_schema(query=Query, mutation=Mutation, types=[UserType], settings=settings)
