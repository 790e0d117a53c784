"""The rules of administration: managing accounts (through the auth domain's service, the one
place for passwords, sessions and the last-admin rule), audit, analytics.

Every change an admin makes writes its audit row in the same transaction as the change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Settings
from shared.config_store import CONFIG_KEYS, ConfigKey, refresh
from shared.errors import validation_details
from shared.events import catalog, record_event
from shared.events.catalog import ClientInfo
from shared.pagination import InvalidCursor, Page, decode, page_of
from shared.rbac import Role
from shared.security.tokens import AccessClaims
from subgraphs.admin import commands
from subgraphs.admin.errors import (
    CannotDeactivateSelf,
    CannotDemoteSelf,
    InvalidConfigValue,
    UnknownConfigKey,
)
from subgraphs.admin.models import AuditLog, SystemConfig
from subgraphs.admin.repository import AnalyticsRepository, AuditRepository, ConfigRepository
from subgraphs.auth.models import User
from subgraphs.auth.service import AuthService, UserRow

USER_RESOURCE = "user"
CONFIG_RESOURCE = "config"
AUDIT_SCOPE = "audit"


class Action:
    """Audit actions of admin operations (security events keep their event type)."""

    USER_CREATED = "admin.user_created"
    USER_UPDATED = "admin.user_updated"
    USER_DEACTIVATED = "admin.user_deactivated"
    ROLE_CHANGED = "admin.role_changed"
    CONFIG_UPDATED = "admin.config_updated"


@dataclass(frozen=True, slots=True)
class Analytics:
    first_day: Any
    last_day: Any
    users_by_role: list[dict[str, Any]]
    signups_per_day: list[dict[str, Any]]
    payments_per_day: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ConfigEntry:
    key: ConfigKey
    default: Any
    row: SystemConfig | None

    @property
    def value(self) -> Any:
        return self.default if self.row is None else self.key.load(self.row.value)


def _parse_setting(name: str, value: Any) -> Any:
    """The value as stored (JSON), or VALIDATION_ERROR naming the key."""
    key = CONFIG_KEYS.get(name)
    if key is None:
        raise UnknownConfigKey(
            f"Unknown configuration key {name!r}",
            details=[{"field": name, "message": "is not a configuration key"}],
        )
    try:
        return key.dump(key.parse(value))
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [dict(error) for error in exc.errors()]
        details = [{"field": name, "message": d["message"]} for d in validation_details(errors)]
        raise InvalidConfigValue(
            f"{name}: " + "; ".join(d["message"] for d in details), details=details
        ) from None


@dataclass
class AdminService:
    """Acts for `viewer`, an ADMIN (the schema's guard checked the role)."""

    session: AsyncSession
    redis: Redis
    settings: Settings
    viewer: AccessClaims
    client: ClientInfo = field(default_factory=ClientInfo)

    def __post_init__(self) -> None:
        self.auth = AuthService(self.session, self.redis, self.settings, client=self.client)
        self.audit_rows = AuditRepository(self.session)

    # Users -----------------------------------------------------------------------------------

    async def list_users(self, query: commands.UserQuery) -> Page[UserRow]:
        return await self.auth.find_users(query)

    async def get_user(self, user_id: uuid.UUID) -> User:
        return await self.auth.get_user(user_id)

    async def create_user(self, data: commands.CreateUser) -> User:
        user = await self.auth.create_user(data, actor=self.viewer.user_id)
        await self.audit(
            Action.USER_CREATED,
            user.id,
            {"email": user.email, "role": user.role, "invited": data.password is None},
        )
        return user

    async def update_user(self, user_id: uuid.UUID, data: commands.UpdateUser) -> User:
        if data.active is False:
            self._refuse_self(user_id, CannotDeactivateSelf())
        user, changes = await self.auth.update_user(user_id, data, actor=self.viewer.user_id)
        if changes:
            await self.audit(Action.USER_UPDATED, user.id, {"changes": changes})
        return await self._as_stored(user)

    async def deactivate_user(self, user_id: uuid.UUID) -> User:
        """Sign-in refused, sessions and access tokens ended at once; payments stay."""
        self._refuse_self(user_id, CannotDeactivateSelf())
        user = await self.auth.deactivate_user(user_id, actor=self.viewer.user_id)
        await self.audit(Action.USER_DEACTIVATED, user.id, {"email": user.email})
        return await self._as_stored(user)

    async def set_role(self, user_id: uuid.UUID, data: commands.SetRole) -> User:
        if data.role is not Role.ADMIN:
            self._refuse_self(user_id, CannotDemoteSelf())
        user, before = await self.auth.set_role(user_id, data.role, actor=self.viewer.user_id)
        if before != user.role:
            await self.audit(Action.ROLE_CHANGED, user.id, {"from": before, "to": user.role})
        return await self._as_stored(user)

    async def _as_stored(self, user: User) -> User:
        """The row as the database now has it (`updated_at` is set by a trigger)."""
        await self.session.refresh(user)
        return user

    def _refuse_self(self, user_id: uuid.UUID, error: Exception) -> None:
        if user_id == self.viewer.user_id:
            raise error

    # Platform settings ------------------------------------------------------------------------

    async def config_entries(self) -> list[ConfigEntry]:
        stored = await ConfigRepository(self.session).all()
        return [
            ConfigEntry(key, key.default(self.settings), stored.get(key.name))
            for key in CONFIG_KEYS.values()
        ]

    async def update_config(self, data: commands.UpdateConfig) -> list[ConfigEntry]:
        """Validate every value, store them with `updated_by` and one audit row per changed
        key, commit, then refresh the cached values so every service reads the new ones."""
        parsed = {name: _parse_setting(name, value) for name, value in data.values.items()}
        settings_rows = ConfigRepository(self.session)
        current = await settings_rows.get_for_update(list(parsed))
        for name, value in parsed.items():
            key = CONFIG_KEYS[name]
            before = current[name].value if name in current else None
            if name in current and before == value:
                continue
            await settings_rows.put(name, value, key.description, self.viewer.user_id)
            await self.audit(
                Action.CONFIG_UPDATED,
                None,
                {"key": name, "from": before, "to": value},
                resource_type=CONFIG_RESOURCE,
            )
            await record_event(
                self.session,
                catalog.CONFIG_CHANGED,
                catalog.ConfigChanged(key=name, value=value, changed_by=self.viewer.user_id),
                actor=self.viewer.user_id,
                key=name,
            )
        # Committed before the cache is refreshed: a reader can no longer cache the old value.
        await self.session.commit()
        await refresh(self.session, self.redis)
        return await self.config_entries()

    # Audit and analytics --------------------------------------------------------------------

    async def audit(
        self,
        action: str,
        resource_id: uuid.UUID | None,
        details: dict[str, Any],
        resource_type: str = USER_RESOURCE,
    ) -> None:
        """Record an admin action in the current transaction."""
        await self.audit_rows.add(
            AuditLog(
                user_id=self.viewer.user_id,
                action=action,
                resource_type=resource_type,
                resource_id=resource_id,
                details=details,
                ip_address=self.client.ip,
                user_agent=self.client.user_agent,
            )
        )

    async def audit_logs(self, query: commands.AuditQuery) -> Page[AuditLog]:
        """Newest first, counted; a cursor continues the listing it came from."""
        after = _audit_key(query.cursor) if query.cursor else None
        rows, total = await self.audit_rows.search(query, after)
        return page_of(rows, query.limit, lambda row: (AUDIT_SCOPE, row.created_at, row.id), total)

    async def analytics(self, query: commands.AnalyticsQuery) -> Analytics:
        reports = AnalyticsRepository(self.session)
        first, last = query.first_day, query.last_day
        return Analytics(
            first_day=first,
            last_day=last,
            users_by_role=await reports.users_by_role(),
            signups_per_day=await reports.signups_per_day(first, last),
            payments_per_day=await reports.payments_per_day(first, last),
        )


def _audit_key(cursor: str) -> tuple[datetime, uuid.UUID]:
    value, raw_id = decode(cursor, AUDIT_SCOPE, 2)
    try:
        return datetime.fromisoformat(value), uuid.UUID(raw_id)
    except ValueError:
        raise InvalidCursor() from None
