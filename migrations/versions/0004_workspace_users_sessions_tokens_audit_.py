"""workspace: users, sessions, tokens, audit, consultation sessions, imports, jobs, review fields

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:18:47.961318
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_sign_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_email"), ["email"], unique=True)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_target_id"), ["target_id"], unique=False)

    op.create_table(
        "consultation_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("stakeholder", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consultation_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_session_held_on"), ["held_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_session_stakeholder"), ["stakeholder"], unique=False
        )

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_status"), ["status"], unique=False)

    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "import_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["job.id"],
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["consultation_session.id"],
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_file_session_id"), ["session_id"], unique=False)

    op.create_table(
        "comment_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("comment_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_note_comment_id"), ["comment_id"], unique=False
        )

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("top_score", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("secondary_labels", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("hidden_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("consultation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(
            sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("lemmas", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_comment_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_comment_top_score"), ["top_score"], unique=False)
        batch_op.create_index(
            "ux_comment_session_external",
            ["consultation_id", "external_id"],
            unique=True,
            sqlite_where=sa.text("external_id IS NOT NULL"),
            postgresql_where=sa.text("external_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ux_comment_session_hash",
            ["consultation_id", "content_hash"],
            unique=True,
            sqlite_where=sa.text("consultation_id IS NOT NULL AND external_id IS NULL"),
            postgresql_where=sa.text("consultation_id IS NOT NULL AND external_id IS NULL"),
        )
        batch_op.create_foreign_key(
            "fk_comment_consultation_id", "consultation_session", ["consultation_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_comment_reviewed_by_id", "app_user", ["reviewed_by_id"], ["id"]
        )

    # The model's top score, for the "least confident first" order and the confidence filter.
    comment = sa.table(
        "comment",
        sa.column("id", sa.Integer()),
        sa.column("scores", sa.JSON()),
        sa.column("top_score", sa.Float()),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(comment.c.id, comment.c.scores)).all():
        top = max((row.scores or {}).values(), default=0.0)
        connection.execute(comment.update().where(comment.c.id == row.id).values(top_score=top))


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_comment_reviewed_by_id", type_="foreignkey")
        batch_op.drop_constraint("fk_comment_consultation_id", type_="foreignkey")
        batch_op.drop_index(
            "ux_comment_session_hash",
            sqlite_where=sa.text("consultation_id IS NOT NULL AND external_id IS NULL"),
            postgresql_where=sa.text("consultation_id IS NOT NULL AND external_id IS NULL"),
        )
        batch_op.drop_index(
            "ux_comment_session_external",
            sqlite_where=sa.text("external_id IS NOT NULL"),
            postgresql_where=sa.text("external_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_comment_top_score"))
        batch_op.drop_index(batch_op.f("ix_comment_consultation_id"))
        batch_op.drop_column("lemmas")
        batch_op.drop_column("content_hash")
        batch_op.drop_column("external_id")
        batch_op.drop_column("consultation_id")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("secondary_labels")
        batch_op.drop_column("top_score")

    with op.batch_alter_table("comment_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_note_comment_id"))

    op.drop_table("comment_note")
    with op.batch_alter_table("import_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_file_session_id"))

    op.drop_table("import_file")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_session_token_hash"))

    op.drop_table("user_session")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_status"))
        batch_op.drop_index(batch_op.f("ix_job_kind"))

    op.drop_table("job")
    with op.batch_alter_table("consultation_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_session_stakeholder"))
        batch_op.drop_index(batch_op.f("ix_consultation_session_held_on"))

    op.drop_table("consultation_session")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_target_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_action"))

    op.drop_table("audit_entry")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_api_token_token_hash"))

    op.drop_table("api_token")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_email"))

    op.drop_table("app_user")
