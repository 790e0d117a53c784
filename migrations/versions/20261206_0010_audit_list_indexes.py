"""audit list indexes: idx_audit_logs_user_id, idx_audit_logs_action and idx_audit_logs_resource
end with (created_at, id), the audit list's order

`GET /api/admin/audit-logs?userId=…` (or `action`, `resourceType` + `resourceId`) is the newest
rows matching the filter, `ORDER BY created_at DESC, id DESC LIMIT n`. With the filter's index
on its own column only, PostgreSQL walked idx_audit_logs_created_at backwards and filtered each
row: for a user whose rows are older than everyone else's, the whole table for one page
(1,020,000 rows, 249 ms at 1,040,000 rows). Each of these indexes now gives the page in order
from the filter's own range; they still serve every look-up by their leading columns (the
design's `idx_audit_logs_user_id ON audit_logs(user_id)` among them), and the table has no more
indexes than before. Built CONCURRENTLY under a temporary name, then swapped, like 0007.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "admin"
LIST_ORDER = ["created_at", "id"]
# index → the filter's columns
FILTERS = {
    "idx_audit_logs_user_id": ["user_id"],
    "idx_audit_logs_action": ["action"],
    "idx_audit_logs_resource": ["resource_type", "resource_id"],
}


def _rebuild(*, in_list_order: bool) -> None:
    with op.get_context().autocommit_block():
        for name, columns in FILTERS.items():
            op.create_index(
                f"{name}_new",
                "audit_logs",
                [*columns, *(LIST_ORDER if in_list_order else [])],
                schema=SCHEMA,
                postgresql_concurrently=True,
            )
            op.drop_index(
                name, table_name="audit_logs", schema=SCHEMA, postgresql_concurrently=True
            )
            op.execute(f"ALTER INDEX {SCHEMA}.{name}_new RENAME TO {name}")


def upgrade() -> None:
    _rebuild(in_list_order=True)


def downgrade() -> None:
    _rebuild(in_list_order=False)
