"""Tables of the `payments` schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from shared.models import created_at, timestamp, updated_at, uuid_pk

SCHEMA = "payments"


class Payment(SQLModel, table=True):
    """A VENDOR's payment request (`initiate`) or a CUSTOMER's payment (`payment`).
    `customer_id` addresses a request to a customer; `pays_payment_id` links a payment to the
    request it pays."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'initiated', 'processing', 'completed', 'failed', 'cancelled')",
            name="status",
        ),
        CheckConstraint("type IN ('initiate', 'payment')", name="type"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        Index("idx_payments_user_id", "user_id"),
        Index("idx_payments_status", "status", "created_at", "id"),  # a status's list, in order
        Index("idx_payments_created_at", "created_at"),
        # Partial: most payments have neither reference (migrations 0007, 0008). A customer's
        # page reads the payments addressed to them in order from it (`PaymentRepository.page`).
        Index(
            "idx_payments_customer_created",
            "customer_id",
            "created_at",
            "id",
            postgresql_where=text("customer_id IS NOT NULL"),
        ),
        Index(
            "idx_payments_pays_payment_id",
            "pays_payment_id",
            postgresql_where=text("pays_payment_id IS NOT NULL"),
        ),
        Index("idx_payments_user_created", "user_id", "created_at", "id"),
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
    customer_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(UUID(as_uuid=True), ForeignKey("auth.users.id"))
    )
    pays_payment_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(UUID(as_uuid=True), ForeignKey("payments.payments.id"))
    )
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class PaymentTransaction(SQLModel, table=True):
    """Append-only ledger of a payment: every status change and money movement. A trigger
    refuses UPDATE and DELETE; `seq` orders rows written in one instant."""

    __tablename__ = "payment_transactions"
    __table_args__ = (
        Index("idx_payment_transactions_payment_id", "payment_id"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = uuid_pk()
    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, Identity(always=True), nullable=False, unique=True),
    )
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


class LedgerParty(SQLModel, table=True):
    """Who a ledger row concerns, for reading a user's history newest first from an index
    range (`(party_id, seq)`) instead of from the whole ledger: one row per ledger row and
    party of its payment — its owner (`owns`) and, when another user, its customer. Derived
    data, written only by the database's triggers (migration 0009) from the payments' current
    parties, also when a payment's customer changes; never written by the services."""

    __tablename__ = "ledger_parties"
    __table_args__ = ({"schema": SCHEMA},)

    party_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True))
    owns: bool = Field(sa_column=Column(Boolean, nullable=False))


class IdempotencyKey(SQLModel, table=True):
    """The first answer to a create request carrying an `Idempotency-Key`, kept until
    `expires_at`. `fingerprint` is the SHA-256 of the validated request."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("idx_idempotency_keys_expires_at", "expires_at"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("auth.users.id", ondelete="CASCADE"), nullable=False
        )
    )
    idempotency_key: str = Field(sa_column=Column(String(255), nullable=False))
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    payment_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("payments.payments.id", ondelete="CASCADE")
        ),
    )
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = created_at()
    expires_at: datetime = timestamp(nullable=False)


class ProcessorEvent(SQLModel, table=True):
    """A processor webhook event already applied (deduplication by the processor's event id)."""

    __tablename__ = "processor_events"
    __table_args__ = (
        Index("idx_processor_events_received_at", "received_at"),
        {"schema": SCHEMA},
    )

    event_id: str = Field(sa_column=Column(String(255), primary_key=True))
    payment_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("payments.payments.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    status: str = Field(sa_column=Column(String(50), nullable=False))
    received_at: datetime = created_at()
