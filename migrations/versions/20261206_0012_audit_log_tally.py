"""audit log tally: admin.audit_log_tally, the number of audit rows kept by triggers, so that
the unfiltered audit list's `total` is a sum of at most 16 rows, not a count of the table

`GET /api/admin/audit-logs` answers the page and `total`, the rows matching its filters. With
no filter that was `count(*)` over every audit row: O(the table) for every page of a table
that only grows (three rows per payment creation; ~70 ms at 1,040,000 rows). A filtered total
still counts its filter's index range.

An INSERT adds its rows (once per statement, from its transition table: rows an
`ON CONFLICT DO NOTHING` skipped are not in it) to the slot of its connection; a TRUNCATE
empties the tally. The table is append-only (0004 refuses UPDATE and DELETE), so nothing else
changes the count. Existing rows are counted here, under a lock that holds inserts back until
the triggers are in place.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "admin"

TALLY_NEW_ROWS = """
CREATE FUNCTION admin.tally_new_audit_logs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO admin.audit_log_tally AS tally (slot, rows)
    SELECT pg_backend_pid() % 16, count(*) FROM new_rows HAVING count(*) > 0
    ON CONFLICT (slot) DO UPDATE SET rows = tally.rows + EXCLUDED.rows;
    RETURN NULL;
END
$$
"""

EMPTY_TALLY = """
CREATE FUNCTION admin.empty_audit_log_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM admin.audit_log_tally;
    RETURN NULL;
END
$$
"""

TRIGGERS = (
    "CREATE TRIGGER audit_log_tally_of_new_rows AFTER INSERT ON admin.audit_logs "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION admin.tally_new_audit_logs()",
    "CREATE TRIGGER audit_log_tally_emptied AFTER TRUNCATE ON admin.audit_logs "
    "FOR EACH STATEMENT EXECUTE FUNCTION admin.empty_audit_log_tally()",
)

FILL = (
    "INSERT INTO admin.audit_log_tally (slot, rows) "
    "SELECT 0, count(*) FROM admin.audit_logs HAVING count(*) > 0"
)


def upgrade() -> None:
    op.create_table(
        "audit_log_tally",
        sa.Column("slot", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_audit_log_tally")),
        schema=SCHEMA,
    )
    # Inserts wait from here to the commit: none is counted twice or missed.
    op.execute("LOCK TABLE admin.audit_logs IN SHARE ROW EXCLUSIVE MODE")
    for statement in (TALLY_NEW_ROWS, EMPTY_TALLY, *TRIGGERS, FILL):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_tally_emptied ON admin.audit_logs")
    op.execute("DROP TRIGGER audit_log_tally_of_new_rows ON admin.audit_logs")
    for function in ("empty_audit_log_tally", "tally_new_audit_logs"):
        op.execute(f"DROP FUNCTION admin.{function}")
    op.drop_table("audit_log_tally", schema=SCHEMA)
