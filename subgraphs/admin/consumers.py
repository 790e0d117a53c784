"""Audit rows for security events of other domains, delivered by the event hub.

The hub calls `record_audit_events(session, envelopes)` with the new events of one read, or
`record_audit_event(session, envelope)` with one outbox envelope (`{"id", "type", "version",
"occurred_at", "actor", "data"}`, see `shared.events.outbox`), and commits the session.
Redelivery is harmless: the row's `event_id` is unique."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import Envelope, catalog
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
    row = audit_row(
        uuid.UUID(str(envelope["id"])),
        str(envelope.get("type")),
        _uuid(envelope.get("actor")),
        datetime.fromisoformat(str(envelope["occurred_at"])),
        envelope.get("data"),
    )
    if row is not None:
        await AuditRepository(session).add_many([row])


async def record_audit_events(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """`record_audit_event` for several events at once: their rows in one statement."""
    rows = [
        row
        for envelope in envelopes
        if (
            row := audit_row(
                envelope.id, envelope.type, envelope.actor, envelope.occurred_at, envelope.data
            )
        )
        is not None
    ]
    if rows:
        await AuditRepository(session).add_many(rows)


def audit_row(
    event_id: uuid.UUID,
    event_type: str,
    actor: uuid.UUID | None,
    occurred_at: datetime,
    data: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """The audit row of an event (its envelope's fields), None when it is not audited here."""
    audited = AUDITED_EVENTS.get(event_type)
    if audited is None:
        return None
    resource_type, id_field = audited
    details: dict[str, Any] = dict(data or {})
    client: dict[str, Any] = details.pop("client", None) or {}
    return {
        "event_id": event_id,
        "user_id": actor,
        "action": event_type,
        "resource_type": resource_type,
        "resource_id": _uuid(details.get(id_field)),
        "details": details,
        "ip_address": client.get("ip"),
        "user_agent": client.get("user_agent"),
        "created_at": occurred_at,
    }


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None
