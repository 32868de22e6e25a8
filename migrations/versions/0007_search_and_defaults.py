"""products.search_name: the folded name product search compares, indexed

A btree (``COLLATE "C"`` on PostgreSQL) answers "the name starts with" as one range in order; on
PostgreSQL a pg_trgm GIN index also answers "a later word starts with" (``LIKE '% q%'``), when
the extension can be created (without it that half reads the table, as it does on SQLite).

Revision ID: 0007_search_and_defaults
Revises: 0006_shop_terms
"""
from alembic import op
import sqlalchemy as sa

from gateway.commerce.search_keys import search_key


revision = '0007_search_and_defaults'
down_revision = '0006_shop_terms'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.String(length=120), nullable=False,
                                      server_default=''))
    _backfill()
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        op.create_index('ix_products_search_name', 'products', ['search_name'])
        return
    # byte order, as the search compares it: a prefix is one range, read in the order shown
    op.execute('CREATE INDEX ix_products_search_name ON products (search_name COLLATE "C")')
    if _has_trigram(bind):
        op.execute('CREATE INDEX ix_products_search_words ON products '
                   'USING gin (search_name gin_trgm_ops)')


def _has_trigram(bind: sa.engine.Connection) -> bool:
    """Create pg_trgm if we may; False (prefix-only index) when the server lacks it or refuses."""
    try:
        with bind.begin_nested():
            bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError:
        return False
    return True


def _backfill() -> None:
    bind = op.get_bind()
    products = sa.table('products', sa.column('id', sa.Integer), sa.column('name', sa.String),
                        sa.column('search_name', sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(products.c.id, products.c.name).where(products.c.id > last)
                            .order_by(products.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(products.update().where(products.c.id == sa.bindparam('pid'))
                     .values(search_name=sa.bindparam('key')),
                     [{'pid': row.id, 'key': search_key(row.name)} for row in rows])
        last = rows[-1].id


def downgrade() -> None:
    op.execute('DROP INDEX IF EXISTS ix_products_search_words')
    op.drop_index('ix_products_search_name', table_name='products')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('search_name')
