"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from alembic import command

from assistant.migrate import alembic_config


def test_models_and_migrations_agree(db_url):
    command.check(alembic_config(db_url))  # raises when autogenerate would find a difference
