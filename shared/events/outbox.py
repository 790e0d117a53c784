"""Transactional outbox: an event is a row written in the same transaction as the change it
describes, so no committed change is ever without its event (and no rolled-back one has one).
A relay publishes unpublished rows to the broker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from shared.ids import uuid7
from shared.models import created_at, timestamp, utcnow
from shared.observability.tracing import current_traceparent

SCHEMA = "events"
ENVELOPE_VERSION = 1


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "idx_outbox_unpublished",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
        ),
        Index(
            "idx_outbox_published_at",
            "published_at",
            postgresql_where=text("published_at IS NOT NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(
        default_factory=uuid7, sa_column=Column(UUID(as_uuid=True), primary_key=True)
    )
    topic: str = Field(sa_column=Column(String(100), nullable=False))
    key: str | None = Field(default=None, sa_column=Column(String(100)))
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = created_at()
    published_at: datetime | None = timestamp()


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An outbox row to be written (the columns of `OutboxEvent`)."""

    id: uuid.UUID
    topic: str
    key: str | None
    payload: dict[str, Any]
    created_at: datetime


async def record_event(
    session: AsyncSession,
    event_type: str,
    data: BaseModel | dict[str, Any],
    *,
    actor: uuid.UUID | None,
    key: str | None = None,
) -> OutboxEvent:
    """Add `event_type` to the outbox of the current transaction (see `outbox_event`)."""
    new = outbox_event(event_type, data, actor=actor, key=key)
    event = OutboxEvent(
        id=new.id, topic=new.topic, key=new.key, payload=new.payload, created_at=new.created_at
    )
    session.add(event)
    return event


def outbox_event(
    event_type: str,
    data: BaseModel | dict[str, Any],
    *,
    actor: uuid.UUID | None,
    key: str | None = None,
    at: datetime | None = None,
) -> NewEvent:
    """An outbox row for `event_type`, for the caller to write in the transaction of the change.
    The payload is the event envelope: id, type, version, occurred_at (`at`, default now),
    actor, data (and the `traceparent` of the current trace, if any)."""
    event_id = uuid7()
    body = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    occurred_at = at or utcnow()
    envelope: dict[str, Any] = {
        "id": str(event_id),
        "type": event_type,
        "version": ENVELOPE_VERSION,
        "occurred_at": occurred_at.isoformat(),
        "actor": str(actor) if actor else None,
        "data": body,
    }
    traceparent = current_traceparent()
    if traceparent:  # the consumers' work joins the trace of the request that caused it
        envelope["traceparent"] = traceparent
    return NewEvent(event_id, event_type, key, envelope, occurred_at)
