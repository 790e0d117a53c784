"""Tables of the `auth` schema."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, String, Text, true
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from shared.models import created_at, timestamp, updated_at, uuid_pk

SCHEMA = "auth"


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('ADMIN', 'CUSTOMER', 'VENDOR')", name="role"),
        Index("idx_users_email", "email"),
        # The admin list's order (newest first), for all users and for one role's range.
        Index("idx_users_created_at", "created_at", "id"),
        Index("idx_users_role", "role", "created_at", "id"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = uuid_pk()
    email: str = Field(sa_column=Column(String(255), unique=True, nullable=False))
    password_hash: str = Field(sa_column=Column(String(255), nullable=False), repr=False)
    name: str = Field(sa_column=Column(String(255), nullable=False))
    role: str = Field(sa_column=Column(String(50), nullable=False))
    email_verified: bool = Field(default=False, nullable=False)
    # A deactivated account keeps its rows (payments, audit) but can no longer sign in.
    is_active: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    deactivated_at: datetime | None = timestamp()
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class RefreshToken(SQLModel, table=True):
    """One refresh token of a session (`family_id`). Only the SHA-256 of the token is stored.
    Rotation consumes a token (`revoked_at`, `replaced_by`) and issues the next of its family;
    every token of a family shares the family's absolute `expires_at`."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        Index("idx_refresh_tokens_user_id", "user_id"),
        Index("idx_refresh_tokens_token", "token"),
        Index("idx_refresh_tokens_family_id", "family_id"),
        Index("idx_refresh_tokens_expires_at", "expires_at"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("auth.users.id", ondelete="CASCADE"), nullable=False
        )
    )
    token: str = Field(sa_column=Column(String(255), unique=True, nullable=False), repr=False)
    family_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False))
    expires_at: datetime = timestamp(nullable=False)
    revoked_at: datetime | None = timestamp()
    replaced_by: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("auth.refresh_tokens.id", ondelete="SET NULL")
        ),
    )
    created_at: datetime = created_at()


class PasswordResetToken(SQLModel, table=True):
    """A single-use password reset token, stored as its SHA-256."""

    __tablename__ = "password_reset_tokens"
    __table_args__ = (
        Index("idx_password_reset_tokens_user_id", "user_id"),
        Index("idx_password_reset_tokens_expires_at", "expires_at"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("auth.users.id", ondelete="CASCADE"), nullable=False
        )
    )
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False), repr=False)
    expires_at: datetime = timestamp(nullable=False)
    used_at: datetime | None = timestamp()
    created_at: datetime = created_at()


class OutboundEmail(SQLModel, table=True):
    """Messages the development mailer 'sent' (the default mailer writes them here)."""

    __tablename__ = "outbound_emails"
    __table_args__ = ({"schema": SCHEMA},)

    id: uuid.UUID = uuid_pk()
    to_address: str = Field(sa_column=Column(String(255), nullable=False, index=True))
    subject: str = Field(sa_column=Column(String(255), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False), repr=False)
    created_at: datetime = created_at()
