"""Tables of the `profile` schema."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from shared.models import created_at, updated_at, uuid_pk

SCHEMA = "profile"


class UserProfile(SQLModel, table=True):
    __tablename__ = "user_profiles"
    __table_args__ = ({"schema": SCHEMA},)

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("auth.users.id", ondelete="CASCADE"),
            unique=True,
            nullable=False,
        )
    )
    avatar_url: str | None = Field(default=None, sa_column=Column(String(500)))
    avatar_key: str | None = Field(default=None, sa_column=Column(String(100)))  # storage name
    phone: str | None = Field(default=None, sa_column=Column(String(20)))
    address: str | None = Field(default=None, sa_column=Column(Text))
    bio: str | None = Field(default=None, sa_column=Column(Text))
    preferences: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()
