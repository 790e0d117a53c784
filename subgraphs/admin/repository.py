"""SQL of the admin domain: audit rows, stored settings and the analytics reports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import orjson
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.pagination import Keyset
from subgraphs.admin.commands import AuditQuery
from subgraphs.admin.models import AuditLog, AuditLogTally, SystemConfig


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: AuditLog) -> None:
        self.session.add(row)
        await self.session.flush()

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert the rows (keys: `_ADD_COLUMNS`) in one statement, each unless a row for the
        same `event_id` exists (a redelivered event, or twice in `rows`)."""
        connection = await self.session.connection()
        await connection.exec_driver_sql(
            _ADD_MANY,
            tuple(
                [
                    orjson.dumps(row[name]).decode() if name == "details" else row[name]
                    for row in rows
                ]
                for name in _ADD_COLUMNS
            ),
        )

    async def search(
        self, query: AuditQuery, after: tuple[datetime, uuid.UUID] | None
    ) -> tuple[list[AuditLog], int]:
        """Up to `query.limit + 1` rows, newest first, before the key `after` (time, id), and
        the number of matching rows (of all rows: `AuditLogTally`)."""
        conditions: list[ColumnElement[bool]] = []
        if query.user_id is not None:
            conditions.append(col(AuditLog.user_id) == query.user_id)
        if query.action is not None:
            conditions.append(col(AuditLog.action) == query.action)
        if query.resource_type is not None:
            conditions.append(col(AuditLog.resource_type) == query.resource_type)
        if query.resource_id is not None:
            conditions.append(col(AuditLog.resource_id) == query.resource_id)
        if query.since is not None:
            conditions.append(col(AuditLog.created_at) >= query.since)
        if query.until is not None:
            conditions.append(col(AuditLog.created_at) <= query.until)
        # Unfiltered, the tally's few rows hold the count; a filter counts its index range.
        total = await self.session.execute(
            select(func.count()).select_from(AuditLog).where(*conditions)
            if conditions
            else select(func.coalesce(func.sum(AuditLogTally.rows), 0))
        )
        keyset = Keyset((col(AuditLog.created_at), col(AuditLog.id)), descending=True, after=after)
        rows = await self.session.execute(
            select(AuditLog)
            .where(*conditions, keyset.condition())
            .order_by(*keyset.order_by())
            .limit(query.limit + 1)
        )
        return list(rows.scalars()), int(total.scalar_one())


class ConfigRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> dict[str, SystemConfig]:
        rows = await self.session.execute(select(SystemConfig))
        return {row.key: row for row in rows.scalars()}

    async def get_for_update(self, keys: list[str]) -> dict[str, SystemConfig]:
        rows = await self.session.execute(
            select(SystemConfig).where(col(SystemConfig.key).in_(keys)).with_for_update()
        )
        return {row.key: row for row in rows.scalars()}

    async def put(self, key: str, value: Any, description: str, updated_by: uuid.UUID) -> None:
        await self.session.execute(
            insert(SystemConfig)
            .values(key=key, value=value, description=description, updated_by=updated_by)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={"value": value, "description": description, "updated_by": updated_by},
            )
        )


# The reports read other domains' tables with SELECT only: `auth.users` (role, is_active,
# created_at) and `payments.payments` (status, currency, amount, created_at). They never write,
# and they group in PostgreSQL so the answer's size depends on the range, not on the rows.
_USERS_BY_ROLE = text(
    "SELECT role, is_active, count(*) AS count FROM auth.users "
    "GROUP BY role, is_active ORDER BY role, is_active DESC"
)
_SIGNUPS_PER_DAY = text(
    "SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS count FROM auth.users "
    "WHERE created_at >= :start AND created_at <= :end GROUP BY day ORDER BY day"
)
_PAYMENTS_PER_DAY = text(
    "SELECT (created_at AT TIME ZONE 'UTC')::date AS day, status, currency, "
    "count(*) AS count, sum(amount) AS volume FROM payments.payments "
    "WHERE created_at >= :start AND created_at <= :end "
    "GROUP BY day, status, currency ORDER BY day, status, currency"
)


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def users_by_role(self) -> list[dict[str, Any]]:
        return await self._rows(_USERS_BY_ROLE, {})

    async def signups_per_day(self, first: date, last: date) -> list[dict[str, Any]]:
        return await self._rows(_SIGNUPS_PER_DAY, _bounds(first, last))

    async def payments_per_day(self, first: date, last: date) -> list[dict[str, Any]]:
        return await self._rows(_PAYMENTS_PER_DAY, _bounds(first, last))

    async def _rows(self, query: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        result = await self.session.execute(query, params)
        return [dict(row) for row in result.mappings()]


def _bounds(first: date, last: date) -> dict[str, Any]:
    """From the first instant of UTC day `first` to the last of `last`."""
    return {
        "start": datetime.combine(first, time.min, tzinfo=UTC),
        "end": datetime.combine(last, time.max, tzinfo=UTC),
    }


_ADD_COLUMNS = (
    "event_id",
    "user_id",
    "action",
    "resource_type",
    "resource_id",
    "details",
    "ip_address",
    "user_agent",
    "created_at",
)
_ADD_MANY = """INSERT INTO admin.audit_logs (id, event_id, user_id, action, resource_type,
    resource_id, details, ip_address, user_agent, created_at)
SELECT gen_random_uuid(), r.event_id, r.user_id, r.action, r.resource_type, r.resource_id,
    r.details::jsonb, r.ip_address, r.user_agent, r.created_at
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[],
    $7::text[], $8::text[], $9::timestamptz[])
    WITH ORDINALITY AS r(event_id, user_id, action, resource_type, resource_id, details,
        ip_address, user_agent, created_at, n)
ORDER BY r.n
ON CONFLICT (event_id) DO NOTHING"""
"""Audit rows from one array per column of `_ADD_COLUMNS`, in their order."""
