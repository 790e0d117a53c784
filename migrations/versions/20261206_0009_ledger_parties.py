"""ledger parties: payments.ledger_parties, (party_id, seq) for every ledger row and party of its
payment, kept by triggers, so that a user's history is read from an index range

`GET /api/payments/history` of a user joined the ledger to the payments they own or are
addressed, ordered by seq: PostgreSQL either walked the whole ledger backwards filtering by the
user (710 ms for a user whose 5,000 payments were older than 220,000 other ledger rows) or
sorted every row of the user's history for each page. A page of one party is now the newest
`n` entries of its range in this table.

The parties of a payment are its owner (`owns`) and its customer when that is another user.
Triggers keep the table: after an INSERT into the ledger (once per statement, from its new
rows), and after an UPDATE of a payment whose owner or customer changed (a request's customer
is set when its payer is known: its earlier ledger rows then concern them too). Existing rows
are filled here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "payments"

PAYMENT_PARTIES = """
CREATE FUNCTION payments.payment_parties(owner uuid, customer uuid)
RETURNS TABLE (party_id uuid, owns boolean) LANGUAGE sql IMMUTABLE AS $$
    SELECT owner, true
    UNION ALL
    SELECT customer, false WHERE customer IS NOT NULL AND customer <> owner
$$
"""

INDEX_NEW_ENTRIES = """
CREATE FUNCTION payments.index_new_ledger_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO payments.ledger_parties (party_id, seq, owns)
    SELECT party.party_id, entry.seq, party.owns
    FROM new_entries AS entry
    JOIN payments.payments AS payment ON payment.id = entry.payment_id
    CROSS JOIN LATERAL payments.payment_parties(payment.user_id, payment.customer_id) AS party
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""

REINDEX_PAYMENT = """
CREATE FUNCTION payments.reindex_payment_parties() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM payments.ledger_parties AS indexed
    USING payments.payment_transactions AS entry
    WHERE entry.payment_id = NEW.id AND indexed.seq = entry.seq;
    INSERT INTO payments.ledger_parties (party_id, seq, owns)
    SELECT party.party_id, entry.seq, party.owns
    FROM payments.payment_transactions AS entry
    CROSS JOIN LATERAL payments.payment_parties(NEW.user_id, NEW.customer_id) AS party
    WHERE entry.payment_id = NEW.id
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""

TRIGGERS = (
    "CREATE TRIGGER ledger_parties_of_new_entries AFTER INSERT ON payments.payment_transactions "
    "REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT "
    "EXECUTE FUNCTION payments.index_new_ledger_entries()",
    # A row trigger with a WHEN: a status change (nearly every UPDATE) calls no function.
    "CREATE TRIGGER ledger_parties_of_changed_parties AFTER UPDATE ON payments.payments "
    "FOR EACH ROW WHEN ((OLD.user_id, OLD.customer_id) IS DISTINCT FROM "
    "(NEW.user_id, NEW.customer_id)) EXECUTE FUNCTION payments.reindex_payment_parties()",
)

FILL = """
INSERT INTO payments.ledger_parties (party_id, seq, owns)
SELECT party.party_id, entry.seq, party.owns
FROM payments.payment_transactions AS entry
JOIN payments.payments AS payment ON payment.id = entry.payment_id
CROSS JOIN LATERAL payments.payment_parties(payment.user_id, payment.customer_id) AS party
"""


def upgrade() -> None:
    op.create_table(
        "ledger_parties",
        sa.Column("party_id", sa.UUID(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("owns", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("party_id", "seq", name=op.f("pk_ledger_parties")),
        schema=SCHEMA,
    )
    for statement in (PAYMENT_PARTIES, INDEX_NEW_ENTRIES, REINDEX_PAYMENT, *TRIGGERS, FILL):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_parties_of_changed_parties ON payments.payments")
    op.execute("DROP TRIGGER ledger_parties_of_new_entries ON payments.payment_transactions")
    for function in ("reindex_payment_parties", "index_new_ledger_entries", "payment_parties"):
        op.execute(f"DROP FUNCTION payments.{function}")
    op.drop_table("ledger_parties", schema=SCHEMA)
