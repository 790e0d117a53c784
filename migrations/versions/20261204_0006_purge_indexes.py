"""purge indexes: the timestamp each purge rule deletes by (shared.purge, subgraphs/purge.py)

Built CONCURRENTLY (outside the migration's transaction), so writers of these tables are
not blocked while an index of a large table is built.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, column, schema, partial condition)
INDEXES = (
    ("idx_processed_events_processed_at", "processed_events", "processed_at", "events", None),
    ("idx_outbox_published_at", "outbox", "published_at", "events", "published_at IS NOT NULL"),
    ("idx_processor_events_received_at", "processor_events", "received_at", "payments", None),
    ("idx_refresh_tokens_expires_at", "refresh_tokens", "expires_at", "auth", None),
    ("idx_password_reset_tokens_expires_at", "password_reset_tokens", "expires_at", "auth", None),
)


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table, column, schema, where in INDEXES:
            op.create_index(
                name,
                table,
                [column],
                schema=schema,
                postgresql_where=sa.text(where) if where else None,
                postgresql_concurrently=True,
                if_not_exists=True,
            )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table, _, schema, _ in INDEXES:
            op.drop_index(
                name, table_name=table, schema=schema, postgresql_concurrently=True, if_exists=True
            )
