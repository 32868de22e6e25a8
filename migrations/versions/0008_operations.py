"""admin_users.disabled_at: a disabled console account cannot sign in (kept for the audit trail)

Revision ID: 0008_operations
Revises: 0007_search_and_defaults
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_operations'
down_revision = '0007_search_and_defaults'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('admin_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('admin_users', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
