"""shops: town, delivery terms and opening hours; orders.delivery_fee_minor; customers.town

Revision ID: 0006_shop_terms
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_shop_terms'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('delivers', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('delivery_fee_minor', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('min_order_minor', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('hours', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('timezone', sa.String(length=40), nullable=True))
        batch_op.create_index('ix_shops_town', ['town'], unique=False)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_fee_minor', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('town')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('delivery_fee_minor')
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_index('ix_shops_town')
        for column in ('timezone', 'hours', 'min_order_minor', 'delivery_fee_minor', 'delivers', 'town'):
            batch_op.drop_column(column)
