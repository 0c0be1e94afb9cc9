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
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        log.warning("pg_trgm is not available, text search runs without an index: %s", error)
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_comment_text_trgm ON comment USING gin (text gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_comment_organisation_trgm ON comment "
        "USING gin ((coalesce(organisation, '')) gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_comment_organisation_trgm")
    op.execute("DROP INDEX IF EXISTS ix_comment_text_trgm")
