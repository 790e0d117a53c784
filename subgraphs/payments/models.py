"""Tables of the `payments` schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from shared.models import created_at, updated_at, uuid_pk

SCHEMA = "payments"


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'initiated', 'processing', 'completed', 'failed', 'cancelled')",
            name="status",
        ),
        CheckConstraint("type IN ('initiate', 'payment')", name="type"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("idx_payments_user_id", "user_id"),
        Index("idx_payments_status", "status"),
        Index("idx_payments_created_at", "created_at"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(
        sa_column=Column(UUID(as_uuid=True), ForeignKey("auth.users.id"), nullable=False)
    )
    amount: Decimal = Field(sa_column=Column(Numeric(10, 2), nullable=False))
    currency: str = Field(
        default="USD", sa_column=Column(String(3), nullable=False, server_default="USD")
    )
    status: str = Field(sa_column=Column(String(50), nullable=False))
    type: str = Field(sa_column=Column(String(50), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text))
    metadata_: dict[str, Any] | None = Field(default=None, sa_column=Column("metadata", JSONB))
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class PaymentTransaction(SQLModel, table=True):
    """Append-only ledger of a payment: every status change and money movement."""

    __tablename__ = "payment_transactions"
    __table_args__ = (
        Index("idx_payment_transactions_payment_id", "payment_id"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = uuid_pk()
    payment_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("payments.payments.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    transaction_type: str = Field(sa_column=Column(String(50), nullable=False))
    amount: Decimal = Field(sa_column=Column(Numeric(10, 2), nullable=False))
    status: str = Field(sa_column=Column(String(50), nullable=False))
    metadata_: dict[str, Any] | None = Field(default=None, sa_column=Column("metadata", JSONB))
    created_at: datetime = created_at()
