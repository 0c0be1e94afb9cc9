"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select

from assistant.db import build_engine
from assistant.feedback.models import Comment
from assistant.feedback.review import _text_search
from assistant.migrate import alembic_config


def test_models_and_migrations_agree(db_url):
    command.check(alembic_config(db_url))  # raises when autogenerate would find a difference


@pytest.mark.postgres
def test_text_search_can_use_the_trigram_indexes_on_postgresql(postgres_url):
    """Migration 0006's GIN indexes serve the review list's ILIKE search, not a full scan."""
    engine = build_engine(postgres_url, begin_immediate=False)
    try:
        with engine.connect() as connection:
            names = set(
                connection.execute(
                    text("SELECT indexname FROM pg_indexes WHERE tablename = 'comment'")
                ).scalars()
            )
            assert {"ix_comment_text_trgm", "ix_comment_organisation_trgm"} <= names
            condition = _text_search("kotihoi", "postgresql")
            query = select(Comment.id).where(condition)
            compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
            # An empty test table is cheapest to scan; forbid that to see what the planner can use.
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(connection.execute(text(f"EXPLAIN {compiled}")).scalars())
    finally:
        engine.dispose()
    assert "ix_comment_text_trgm" in plan, plan
    assert "ix_comment_organisation_trgm" in plan, plan
