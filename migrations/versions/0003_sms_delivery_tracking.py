"""outbound_sms.last_attempt_at (when a send job last claimed it), delivery_reports.meaning

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_sms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('delivery_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meaning', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery_reports', schema=None) as batch_op:
        batch_op.drop_column('meaning')
    with op.batch_alter_table('outbound_sms', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')
