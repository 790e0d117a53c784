"""payments domain: request addressing and linking, ledger ordering and immutability,
idempotency keys, processor webhook deduplication

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "payments"
FORBID_LEDGER_CHANGE = """
CREATE OR REPLACE FUNCTION payments.forbid_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'payments.payment_transactions is append-only';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.add_column("payments", sa.Column("customer_id", sa.UUID(), nullable=True), schema=SCHEMA)
    op.add_column("payments", sa.Column("pays_payment_id", sa.UUID(), nullable=True), schema=SCHEMA)
    op.create_foreign_key(
        op.f("fk_payments_customer_id_users"),
        "payments",
        "users",
        ["customer_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema="auth",
    )
    op.create_foreign_key(
        op.f("fk_payments_pays_payment_id_payments"),
        "payments",
        "payments",
        ["pays_payment_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_payments_currency_code"), "payments", "currency ~ '^[A-Z]{3}$'", schema=SCHEMA
    )
    op.create_index("idx_payments_customer_id", "payments", ["customer_id"], schema=SCHEMA)
    op.create_index("idx_payments_pays_payment_id", "payments", ["pays_payment_id"], schema=SCHEMA)
    op.create_index(
        "idx_payments_user_created", "payments", ["user_id", "created_at", "id"], schema=SCHEMA
    )

    op.add_column(
        "payment_transactions",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_unique_constraint(
        op.f("uq_payment_transactions_seq"), "payment_transactions", ["seq"], schema=SCHEMA
    )
    op.execute(FORBID_LEDGER_CHANGE)
    op.execute(
        "CREATE TRIGGER payment_transactions_append_only "
        "BEFORE UPDATE OR DELETE ON payments.payment_transactions "
        "FOR EACH ROW EXECUTE FUNCTION payments.forbid_ledger_change()"
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=True),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth.users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.payments.id"],
            name=op.f("fk_idempotency_keys_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "idempotency_key", name=op.f("uq_idempotency_keys_user_id")),
        schema=SCHEMA,
    )
    op.create_index(
        "idx_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"], schema=SCHEMA
    )
    op.create_table(
        "processor_events",
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("payment_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=50), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.payments.id"],
            name=op.f("fk_processor_events_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processor_events")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("processor_events", schema=SCHEMA)
    op.drop_index("idx_idempotency_keys_expires_at", table_name="idempotency_keys", schema=SCHEMA)
    op.drop_table("idempotency_keys", schema=SCHEMA)

    op.execute("DROP TRIGGER payment_transactions_append_only ON payments.payment_transactions")
    op.execute("DROP FUNCTION payments.forbid_ledger_change()")
    op.drop_constraint(
        op.f("uq_payment_transactions_seq"), "payment_transactions", schema=SCHEMA, type_="unique"
    )
    op.drop_column("payment_transactions", "seq", schema=SCHEMA)

    op.drop_index("idx_payments_user_created", table_name="payments", schema=SCHEMA)
    op.drop_index("idx_payments_pays_payment_id", table_name="payments", schema=SCHEMA)
    op.drop_index("idx_payments_customer_id", table_name="payments", schema=SCHEMA)
    op.drop_constraint(op.f("ck_payments_currency_code"), "payments", schema=SCHEMA, type_="check")
    op.drop_constraint(
        op.f("fk_payments_pays_payment_id_payments"), "payments", schema=SCHEMA, type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_payments_customer_id_users"), "payments", schema=SCHEMA, type_="foreignkey"
    )
    op.drop_column("payments", "pays_payment_id", schema=SCHEMA)
    op.drop_column("payments", "customer_id", schema=SCHEMA)
