"""Alembic environment: the same migrations for SQLite and PostgreSQL."""

from alembic import context
from sqlmodel import SQLModel

from assistant.db import build_engine
from assistant.models_registry import import_all_models
from assistant.settings import get_settings

import_all_models()
target_metadata = SQLModel.metadata

# Indexes that live only in PostgreSQL (migration 0006's trigram indexes) and have no model
# counterpart: autogenerate must not propose to drop them.
DATABASE_ONLY_INDEXES = frozenset({"ix_comment_text_trgm", "ix_comment_organisation_trgm"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and reflected and name in DATABASE_ONLY_INDEXES)


def run_migrations_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url") or get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    connectable = context.config.attributes.get("connection") or build_engine(url)
    if hasattr(connectable, "connect"):
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    # Batch mode lets ALTER TABLE work on SQLite by copying tables.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
