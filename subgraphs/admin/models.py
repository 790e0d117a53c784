"""Tables of the `admin` schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from shared.models import created_at, updated_at, uuid_pk

SCHEMA = "admin"


class AuditLog(SQLModel, table=True):
    """Append-only record of admin actions and security events (a trigger refuses UPDATE and
    DELETE). `user_id` is the actor; `event_id` is the hub event a row was made from, so a
    redelivered event is recorded once."""

    __tablename__ = "audit_logs"
    __table_args__ = (
        # A filter's rows in the list's order (newest first): a page is read from its range.
        Index("idx_audit_logs_user_id", "user_id", "created_at", "id"),
        Index("idx_audit_logs_created_at", "created_at"),
        Index("idx_audit_logs_action", "action", "created_at", "id"),
        Index("idx_audit_logs_resource", "resource_type", "resource_id", "created_at", "id"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(UUID(as_uuid=True), ForeignKey("auth.users.id", ondelete="SET NULL")),
    )
    action: str = Field(sa_column=Column(String(100), nullable=False))
    resource_type: str | None = Field(default=None, sa_column=Column(String(50)))
    resource_id: uuid.UUID | None = Field(default=None, sa_column=Column(UUID(as_uuid=True)))
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    ip_address: str | None = Field(default=None, sa_column=Column(String(45)))
    user_agent: str | None = Field(default=None, sa_column=Column(Text))
    event_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(UUID(as_uuid=True), unique=True)
    )
    created_at: datetime = created_at()


class AuditLogTally(SQLModel, table=True):
    """How many audit rows there are, so that the unfiltered list's `total` is read from a few
    rows instead of counted over an ever-growing table: their sum is the count. Derived data,
    written only by the database's triggers on `audit_logs` (migration 0012): an insert adds
    its rows to the slot of its connection (`slot`: the backend's pid modulo 16, so concurrent
    writers rarely wait on one row); a TRUNCATE empties it. Rows are never updated or deleted
    one by one (append-only)."""

    __tablename__ = "audit_log_tally"
    __table_args__ = ({"schema": SCHEMA},)

    slot: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    rows: int = Field(sa_column=Column(BigInteger, nullable=False))


class SystemConfig(SQLModel, table=True):
    __tablename__ = "system_config"
    __table_args__ = ({"schema": SCHEMA},)

    key: str = Field(sa_column=Column(String(100), primary_key=True))
    value: Any = Field(sa_column=Column(JSONB, nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = updated_at()
    updated_by: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(UUID(as_uuid=True), ForeignKey("auth.users.id", ondelete="SET NULL")),
    )
