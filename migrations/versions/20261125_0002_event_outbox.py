"""event outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 04:58:47.889973
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS events")
    op.create_table(
        "outbox",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="events",
    )
    op.create_index(
        "idx_outbox_unpublished",
        "outbox",
        ["created_at"],
        unique=False,
        schema="events",
        postgresql_where=sa.text("published_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "idx_outbox_unpublished",
        table_name="outbox",
        schema="events",
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.drop_table("outbox", schema="events")
    op.execute("DROP SCHEMA IF EXISTS events")
