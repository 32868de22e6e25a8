"""More wallets: a payment's own idempotency key, and status answers kept beside callbacks

payments.idempotency_key: the id we give the provider before asking (MTN MoMo's X-Reference-Id,
Airtel's transaction.id, PagoEfectivo's transactionCode), so a retried request is the same one.
payment_callbacks.kind: "callback" (the provider called us) or "status" (we asked it).

Revision ID: 0009_wallets
Revises: 0008_operations
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_wallets'
down_revision = '0008_operations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_payments_idempotency_key', ['idempotency_key'])
    with op.batch_alter_table('payment_callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False,
                                      server_default='callback'))


def downgrade() -> None:
    with op.batch_alter_table('payment_callbacks', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payments_idempotency_key', type_='unique')
        batch_op.drop_column('idempotency_key')
