"""trigram indexes for the review list's text search (PostgreSQL only)

The review list searches comments with ILIKE '%needle%', which no B-tree index can serve. On
PostgreSQL, pg_trgm's GIN indexes can: the planner then reads only the rows whose trigrams match.
pg_trgm is a trusted extension (PostgreSQL 13 and newer), so the database owner may create it.
Where it cannot be created (an older server or a locked-down role), the migration leaves a
warning and the search goes on working without the index, only slower. SQLite is untouched.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:20:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    if context.is_offline_mode():  # `alembic upgrade --sql`: a database owner runs the script
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        _create_indexes()
        return
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        log.warning(
            "pg_trgm is not available, so the review list's text search runs without an index. "
            "A database owner can add it later: CREATE EXTENSION pg_trgm, then the indexes of "
            "migrations/versions/0006_trigram_search.py. (%s)",
            error,
        )
        return
    _create_indexes()


def _create_indexes() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_comment_text_trgm ON comment USING gin (text gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_comment_organisation_trgm ON comment "
        "USING gin ((coalesce(organisation, '')) gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_comment_organisation_trgm")
    op.execute("DROP INDEX IF EXISTS ix_comment_text_trgm")
