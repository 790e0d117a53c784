"""partial payment reference indexes: idx_payments_customer_id and idx_payments_pays_payment_id
hold only the payments that have the reference (`… IS NOT NULL`)

Most payments have neither a customer nor a payment they pay, and every one of them used to
add a NULL entry to both indexes; each look-up by these columns (`customer_id = $1`, the
foreign key's check of `pays_payment_id`) names a value, which the partial index still serves.
Built CONCURRENTLY (outside the migration's transaction), like 0006: the new index is built
under a temporary name, then the old one dropped and the new one renamed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "payments"
COLUMNS = {
    "idx_payments_customer_id": "customer_id",
    "idx_payments_pays_payment_id": "pays_payment_id",
}


def _rebuild(partial: bool) -> None:
    with op.get_context().autocommit_block():
        for name, column in COLUMNS.items():
            op.create_index(
                f"{name}_new",
                "payments",
                [column],
                schema=SCHEMA,
                postgresql_where=sa.text(f"{column} IS NOT NULL") if partial else None,
                postgresql_concurrently=True,
            )
            op.drop_index(name, table_name="payments", schema=SCHEMA, postgresql_concurrently=True)
            op.execute(f"ALTER INDEX {SCHEMA}.{name}_new RENAME TO {name}")


def upgrade() -> None:
    _rebuild(partial=True)


def downgrade() -> None:
    _rebuild(partial=False)
