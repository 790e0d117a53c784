"""Audit rows for security events of other domains, delivered by the event hub.

The hub calls `record_audit_event(session, envelope)` with an outbox envelope
(`{"id", "type", "version", "occurred_at", "actor", "data"}`, see `shared.events.outbox`) and
commits the session. Redelivery is harmless: the row's `event_id` is unique."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import catalog
from subgraphs.admin.repository import AuditRepository

# Event type → (resource type, the data field naming the resource). Events that admin
# operations raise themselves (role change, deactivation) are audited where they happen.
AUDITED_EVENTS: dict[str, tuple[str, str]] = {
    catalog.USER_REGISTERED: ("user", "user_id"),
    catalog.LOGIN_SUCCEEDED: ("user", "user_id"),
    catalog.LOGIN_FAILED: ("user", "user_id"),
    catalog.LOGGED_OUT: ("user", "user_id"),
    catalog.REFRESH_REUSE_DETECTED: ("user", "user_id"),
    catalog.PASSWORD_CHANGED: ("user", "user_id"),
    catalog.PAYMENT_CREATED: ("payment", "payment_id"),
    catalog.PAYMENT_STATUS_CHANGED: ("payment", "payment_id"),
}


async def record_audit_event(session: AsyncSession, envelope: dict[str, Any]) -> None:
    """Add the audit row of `envelope` unless it is not a security event or is already there."""
    audited = AUDITED_EVENTS.get(str(envelope.get("type")))
    if audited is None:
        return
    resource_type, id_field = audited
    data: dict[str, Any] = dict(envelope.get("data") or {})
    client: dict[str, Any] = data.pop("client", None) or {}
    await AuditRepository(session).add_once(
        {
            "event_id": uuid.UUID(str(envelope["id"])),
            "user_id": _uuid(envelope.get("actor")),
            "action": envelope["type"],
            "resource_type": resource_type,
            "resource_id": _uuid(data.get(id_field)),
            "details": data,
            "ip_address": client.get("ip"),
            "user_agent": client.get("user_agent"),
            "created_at": datetime.fromisoformat(str(envelope["occurred_at"])),
        }
    )


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None
