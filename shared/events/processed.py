"""Idempotency of consumers: a row per (consumer, event) written in the handler's transaction,
so a redelivered event finds its row and is skipped."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from shared.events.outbox import SCHEMA
from shared.models import created_at


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_events"
    __table_args__ = (
        Index("idx_processed_events_processed_at", "processed_at"),
        {"schema": SCHEMA},
    )

    consumer: str = Field(sa_column=Column(String(100), primary_key=True))
    event_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    processed_at: datetime = created_at()
