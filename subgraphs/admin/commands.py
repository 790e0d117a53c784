"""Validated inputs of the admin service. User inputs are the auth domain's own commands
(`subgraphs.auth.commands`), so an admin-made account is checked like a self-made one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

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

MAX_ANALYTICS_DAYS = 366
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class SetRole(CommandModel):
    role: Role


class AuditQuery(CommandModel):
    user_id: uuid.UUID | None = None
    action: Label | None = None
    resource_type: Label | None = None
    resource_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class AnalyticsQuery(CommandModel):
    """Days are UTC; both ends included. Default: the last 30 days."""

    since: date | None = None
    until: date | None = None

    @model_validator(mode="after")
    def _range(self) -> AnalyticsQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("since must not be after until")
        if (self.last_day - self.first_day).days >= MAX_ANALYTICS_DAYS:
            raise ValueError(f"the range may span at most {MAX_ANALYTICS_DAYS} days")
        return self

    @property
    def last_day(self) -> date:
        return self.until or datetime.now(UTC).date()

    @property
    def first_day(self) -> date:
        return self.since or self.last_day - timedelta(days=29)


class UpdateConfig(CommandModel):
    """`values`: key → new value; every key is validated before any is stored."""

    values: Annotated[dict[str, Any], Field(min_length=1, max_length=20)]
