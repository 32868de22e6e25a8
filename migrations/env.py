"""Alembic environment: the database URL comes from Bodega's settings (``DATABASE_URL``),
or from ``config.attributes['url']`` when migrations are run from code (tests, ``make``)."""

from __future__ import annotations

from alembic import context

from config.settings import load_settings
from gateway.commerce.models import Base
from gateway.core.db import make_engine

config = context.config
url = config.attributes.get("url") or load_settings().DATABASE_URL


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
