"""admin and profile domains: account deactivation, append-only audit log with hub-event
deduplication, avatar storage name

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORBID_AUDIT_CHANGE = """
CREATE OR REPLACE FUNCTION admin.forbid_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'admin.audit_logs is append-only';
END;
$$ LANGUAGE plpgsql
"""
AUDIT_TRIGGER = """
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON admin.audit_logs
FOR EACH ROW EXECUTE FUNCTION admin.forbid_audit_change()
"""


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        schema="auth",
    )
    op.add_column(
        "users",
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        schema="auth",
    )
    op.add_column("audit_logs", sa.Column("event_id", sa.UUID(), nullable=True), schema="admin")
    op.create_unique_constraint(
        op.f("uq_audit_logs_event_id"), "audit_logs", ["event_id"], schema="admin"
    )
    op.create_index("idx_audit_logs_action", "audit_logs", ["action"], schema="admin")
    op.create_index(
        "idx_audit_logs_resource", "audit_logs", ["resource_type", "resource_id"], schema="admin"
    )
    op.execute(FORBID_AUDIT_CHANGE)
    op.execute(AUDIT_TRIGGER)
    op.add_column("user_profiles", sa.Column("avatar_key", sa.String(length=100)), schema="profile")


def downgrade() -> None:
    op.drop_column("user_profiles", "avatar_key", schema="profile")
    op.execute("DROP TRIGGER IF EXISTS audit_logs_append_only ON admin.audit_logs")
    op.execute("DROP FUNCTION IF EXISTS admin.forbid_audit_change()")
    op.drop_index("idx_audit_logs_resource", table_name="audit_logs", schema="admin")
    op.drop_index("idx_audit_logs_action", table_name="audit_logs", schema="admin")
    op.drop_constraint(op.f("uq_audit_logs_event_id"), "audit_logs", schema="admin")
    op.drop_column("audit_logs", "event_id", schema="admin")
    op.drop_column("users", "deactivated_at", schema="auth")
    op.drop_column("users", "is_active", schema="auth")
