"""Validated inputs of the admin service. User inputs are the auth domain's own commands
(`subgraphs.auth.commands`), so an admin-made account is checked like a self-made one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from shared.config_store import CONFIG_KEYS
from shared.pagination import PageQuery
from shared.rbac import Role
from shared.validation import CommandModel
from subgraphs.auth.commands import CreateUser, UpdateUser, UserQuery

__all__ = [
    "AnalyticsQuery",
    "AuditQuery",
    "CreateUser",
    "SetRole",
    "UpdateConfig",
    "UpdateUser",
    "UserQuery",
]

DEFAULT_DAYS = timedelta(days=29)
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SetRole(CommandModel):
    role: Role


class AuditQuery(PageQuery):
    user_id: uuid.UUID | None = None
    action: Label | None = None
    resource_type: Label | None = None
    resource_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


class AnalyticsQuery(CommandModel):
    """Days are UTC; both ends included (an empty range gives empty series). Default: the
    last 30 days. The answer grows with the days that have data, not with the range."""

    since: date | None = None
    until: date | None = None

    @property
    def last_day(self) -> date:
        return self.until or datetime.now(UTC).date()

    @property
    def first_day(self) -> date:
        if self.since is not None:
            return self.since
        return max(self.last_day, date.min + DEFAULT_DAYS) - DEFAULT_DAYS


def _values_schema() -> dict[str, Any]:
    """The documented body: each known key with its own schema, nothing else."""
    return {
        "properties": {name: key.json_schema() for name, key in CONFIG_KEYS.items()},
        "additionalProperties": False,
    }


class UpdateConfig(CommandModel):
    """`values`: key → new value; every key is validated before any is stored."""

    values: Annotated[
        dict[str, Any],
        Field(min_length=1, max_length=len(CONFIG_KEYS), json_schema_extra=_values_schema()),
    ]
