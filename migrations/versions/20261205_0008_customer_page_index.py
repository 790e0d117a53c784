"""customer page index: idx_payments_customer_id (customer_id) becomes
idx_payments_customer_created (customer_id, created_at, id), still partial

A user's page of payments is now the merge of two index-ordered ranges (owned: the existing
idx_payments_user_created; addressed to them: this one), each cut at the page size, instead of
reading and sorting every payment of the user for each page. Look-ups by customer_id alone
(its leading column) are still served. Built CONCURRENTLY, like 0006 and 0007.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "payments"
OLD = ("idx_payments_customer_id", ["customer_id"])
NEW = ("idx_payments_customer_created", ["customer_id", "created_at", "id"])


def _replace(old: tuple[str, list[str]], new: tuple[str, list[str]]) -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            new[0],
            "payments",
            new[1],
            schema=SCHEMA,
            postgresql_where=sa.text("customer_id IS NOT NULL"),
            postgresql_concurrently=True,
        )
        op.drop_index(old[0], table_name="payments", schema=SCHEMA, postgresql_concurrently=True)


def upgrade() -> None:
    _replace(OLD, NEW)


def downgrade() -> None:
    _replace(NEW, OLD)
