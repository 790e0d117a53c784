"""payment status list index: idx_payments_status ends with (created_at, id), the payment
list's default order

An administrator's `GET /api/payments?status=failed` is the newest payments of that status,
`ORDER BY created_at DESC, id DESC LIMIT n`. With idx_payments_status on `status` alone,
PostgreSQL walked idx_payments_created_at backwards and filtered each payment: when the
status's payments were older than the rest, the whole table for one page (220,000 rows read,
108 ms, at 225,000 payments). The index now gives the page in order from the status's range,
and still serves every look-up by status (the design's `idx_payments_status ON
payments(status)`). Built CONCURRENTLY under a temporary name, then swapped, like 0007 and 0010.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "payments"
NAME = "idx_payments_status"


def _rebuild(columns: list[str]) -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            f"{NAME}_new", "payments", columns, schema=SCHEMA, postgresql_concurrently=True
        )
        op.drop_index(NAME, table_name="payments", schema=SCHEMA, postgresql_concurrently=True)
        op.execute(f"ALTER INDEX {SCHEMA}.{NAME}_new RENAME TO {NAME}")


def upgrade() -> None:
    _rebuild(["status", "created_at", "id"])


def downgrade() -> None:
    _rebuild(["status"])
