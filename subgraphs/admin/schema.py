"""The admin subgraph's GraphQL schema: thin resolvers over AdminService, ADMIN only."""

# strawberry.field(...) used as a decorator with arguments is typed as returning Any.
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from shared.config import Settings
from shared.events.catalog import ClientInfo
from shared.graphql.context import context_of
from shared.graphql.permissions import guard
from shared.graphql.schema import SubgraphSchema, build_schema
from shared.pagination import Page
from shared.rbac import Role, roles
from shared.validation import command_input, parse_command, to_command
from subgraphs.admin import commands
from subgraphs.admin.models import AuditLog
from subgraphs.admin.service import AdminService, Analytics, ConfigEntry
from subgraphs.auth.commands import UserSort
from subgraphs.auth.models import User
from subgraphs.auth.schema import RoleEnum
from subgraphs.auth.service import UserRow

ADMIN = roles(Role.ADMIN)
NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")
UserSortEnum = strawberry.enum(UserSort, name="UserSort", description="Order of a user list.")


async def admin_service(info: Info) -> AdminService:
    context = context_of(info)
    return AdminService(
        context.read_session(),
        context.redis,
        context.settings,
        await context.require_viewer(),
        client=ClientInfo(ip=context.client_ip, user_agent=context.user_agent),
    )


@strawberry.type(name="AdminUser", description="An account as administrators see it.")
class AdminUserType:
    id: uuid.UUID
    email: str
    name: str
    role: RoleEnum  # type: ignore[valid-type]
    email_verified: bool
    is_active: bool
    deactivated_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, user: User | UserRow) -> AdminUserType:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=Role(user.role),
            email_verified=user.email_verified,
            is_active=user.is_active,
            deactivated_at=user.deactivated_at,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


@strawberry.type(name="AuditLogEntry", description="One admin action or security event.")
class AuditLogType:
    id: uuid.UUID
    user_id: uuid.UUID | None = strawberry.field(description="Who acted (None: anonymous).")
    action: str
    resource_type: str | None
    resource_id: uuid.UUID | None
    details: JSON | None
    ip_address: str | None
    user_agent: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: AuditLog) -> AuditLogType:
        return cls(
            id=row.id,
            user_id=row.user_id,
            action=row.action,
            resource_type=row.resource_type,
            resource_id=row.resource_id,
            details=JSON(row.details) if row.details is not None else None,
            ip_address=row.ip_address,
            user_agent=row.user_agent,
            created_at=row.created_at,
        )


@strawberry.type(description="Where a page ends, whether more follow.")
class AdminPageInfo:
    has_next_page: bool
    end_cursor: str | None
    limit: int = strawberry.field(description="The page size applied (clamped to 1..100).")


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of a list; `totalCount` counts every page.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: AdminPageInfo
    total_count: int

    @classmethod
    def from_page(cls, page: Page[RowT], node: Callable[[RowT], NodeT]) -> Connection[NodeT]:
        return cls(
            edges=[
                Edge(cursor=cursor, node=node(row))
                for row, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=AdminPageInfo(
                has_next_page=page.has_next_page, end_cursor=page.end_cursor, limit=page.limit
            ),
            total_count=page.total or 0,
        )


@strawberry.type
class RoleCount:
    role: RoleEnum  # type: ignore[valid-type]
    active: bool
    count: int


@strawberry.type
class DayCount:
    day: date
    count: int


@strawberry.type
class PaymentDay:
    day: date
    status: str
    currency: str
    count: int
    volume: Decimal


@strawberry.type(description="Users and payments over a range of UTC days (both ends included).")
class AnalyticsReport:
    since: date
    until: date
    users_by_role: list[RoleCount]
    signups_per_day: list[DayCount]
    payments_per_day: list[PaymentDay]

    @classmethod
    def from_analytics(cls, report: Analytics) -> AnalyticsReport:
        return cls(
            since=report.first_day,
            until=report.last_day,
            users_by_role=[
                RoleCount(role=Role(r["role"]), active=r["is_active"], count=r["count"])
                for r in report.users_by_role
            ],
            signups_per_day=[DayCount(**row) for row in report.signups_per_day],
            payments_per_day=[PaymentDay(**row) for row in report.payments_per_day],
        )


@strawberry.type(name="ConfigEntry", description="A platform setting, its schema and default.")
class ConfigEntryType:
    key: str
    value: JSON
    default_value: JSON
    is_default: bool
    description: str
    value_schema: JSON
    updated_at: datetime | None
    updated_by: uuid.UUID | None

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> ConfigEntryType:
        key = entry.key
        return cls(
            key=key.name,
            value=key.dump(entry.value),
            default_value=key.dump(entry.default),
            is_default=entry.row is None,
            description=key.description,
            value_schema=JSON(key.json_schema()),
            updated_at=entry.row.updated_at if entry.row else None,
            updated_by=entry.row.updated_by if entry.row else None,
        )


@command_input(commands.UserQuery)
class UserQueryInput:
    role: RoleEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    search: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    sort: UserSortEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    limit: int | None = strawberry.field(
        default=strawberry.UNSET, description="Page size (clamped to 1..100, default 20)."
    )
    cursor: str | None = strawberry.field(
        default=strawberry.UNSET, description="`pageInfo.endCursor` of the previous page."
    )


@command_input(commands.CreateUser)
class CreateUserInput:
    email: str
    name: str
    role: RoleEnum  # type: ignore[valid-type]
    password: str | None = strawberry.field(
        default=strawberry.UNSET, description="Omit to invite the user by email."
    )
    email_verified: bool | None = strawberry.UNSET


@command_input(commands.UpdateUser)
class UpdateUserInput:
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    email_verified: bool | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@command_input(commands.SetRole)
class SetRoleInput:
    role: RoleEnum  # type: ignore[valid-type]


@command_input(commands.AuditQuery)
class AuditQueryInput:
    user_id: uuid.UUID | None = strawberry.UNSET
    action: str | None = strawberry.UNSET
    resource_type: str | None = strawberry.UNSET
    resource_id: uuid.UUID | None = strawberry.UNSET
    since: datetime | None = strawberry.UNSET
    until: datetime | None = strawberry.UNSET
    limit: int | None = strawberry.field(
        default=strawberry.UNSET, description="Page size (clamped to 1..100, default 20)."
    )
    cursor: str | None = strawberry.field(
        default=strawberry.UNSET, description="`pageInfo.endCursor` of the previous page."
    )


@command_input(commands.AnalyticsQuery)
class AnalyticsQueryInput:
    since: date | None = strawberry.UNSET
    until: date | None = strawberry.UNSET


@command_input(commands.UpdateConfig)
class UpdateConfigInput:
    values: JSON = strawberry.field(description='Key → new value, e.g. {"maintenance_mode": true}.')


@strawberry.type
class Query:
    @strawberry.field(extensions=guard(ADMIN), description="Users, filtered, sorted, paginated.")
    async def admin_users(
        self, info: Info, query: UserQueryInput | None = None
    ) -> Connection[AdminUserType]:
        data = parse_command(commands.UserQuery, query or {})
        page = await (await admin_service(info)).list_users(data)
        return Connection.from_page(page, AdminUserType.from_row)

    @strawberry.field(extensions=guard(ADMIN), description="One user.")
    async def admin_user(self, info: Info, id: uuid.UUID) -> AdminUserType:
        return AdminUserType.from_row(await (await admin_service(info)).get_user(id))

    @strawberry.field(extensions=guard(ADMIN), description="Audit rows, newest first.")
    async def audit_logs(
        self, info: Info, query: AuditQueryInput | None = None
    ) -> Connection[AuditLogType]:
        data = parse_command(commands.AuditQuery, query or {})
        page = await (await admin_service(info)).audit_logs(data)
        return Connection.from_page(page, AuditLogType.from_row)

    @strawberry.field(extensions=guard(ADMIN), description="Users and payments, computed in SQL.")
    async def analytics(
        self, info: Info, query: AnalyticsQueryInput | None = None
    ) -> AnalyticsReport:
        data = parse_command(commands.AnalyticsQuery, query or {})
        return AnalyticsReport.from_analytics(await (await admin_service(info)).analytics(data))

    @strawberry.field(extensions=guard(ADMIN), description="Every platform setting.")
    async def system_config(self, info: Info) -> list[ConfigEntryType]:
        entries = await (await admin_service(info)).config_entries()
        return [ConfigEntryType.from_entry(entry) for entry in entries]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        extensions=guard(ADMIN), description="Create a user of any role (or invite them)."
    )
    async def admin_create_user(self, info: Info, input: CreateUserInput) -> AdminUserType:
        data = to_command(input)
        return AdminUserType.from_row(await (await admin_service(info)).create_user(data))

    @strawberry.mutation(extensions=guard(ADMIN), description="Change a user's details.")
    async def admin_update_user(
        self, info: Info, id: uuid.UUID, input: UpdateUserInput
    ) -> AdminUserType:
        data = to_command(input)
        return AdminUserType.from_row(await (await admin_service(info)).update_user(id, data))

    @strawberry.mutation(
        extensions=guard(ADMIN),
        description="Deactivate a user: sign-in refused, sessions ended at once; data kept.",
    )
    async def admin_deactivate_user(self, info: Info, id: uuid.UUID) -> AdminUserType:
        return AdminUserType.from_row(await (await admin_service(info)).deactivate_user(id))

    @strawberry.mutation(
        extensions=guard(ADMIN), description="Change a user's role; their sessions end."
    )
    async def admin_set_user_role(
        self, info: Info, id: uuid.UUID, input: SetRoleInput
    ) -> AdminUserType:
        data = to_command(input)
        return AdminUserType.from_row(await (await admin_service(info)).set_role(id, data))

    @strawberry.mutation(extensions=guard(ADMIN), description="Change platform settings.")
    async def update_system_config(
        self, info: Info, input: UpdateConfigInput
    ) -> list[ConfigEntryType]:
        entries = await (await admin_service(info)).update_config(to_command(input))
        return [ConfigEntryType.from_entry(entry) for entry in entries]


def create_schema(settings: Settings) -> SubgraphSchema:
    return build_schema(query=Query, mutation=Mutation, settings=settings)
