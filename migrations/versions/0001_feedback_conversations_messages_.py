"""feedback: conversations, messages, comments, contacts

Revision ID: 0001
Revises:
Create Date: 2026-12-03 08:01:03.812891
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("stakeholder", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("current_comment_id", sa.Integer(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("access_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_access_hash"), ["access_hash"], unique=True
        )

    op.create_table(
        "chat_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "seq"),
    )
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_message_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "comment",
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lang", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("stakeholder", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("predicted_label", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("model_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("submitter_label", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("final_label", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("followup_answer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_comment_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_final_label"), ["final_label"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_comment_predicted_label"), ["predicted_label"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_comment_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_comment_stakeholder"), ["stakeholder"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_status"), ["status"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("consent_text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("consented_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id"),
    )


def downgrade() -> None:
    op.drop_table("contact")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_status"))
        batch_op.drop_index(batch_op.f("ix_comment_stakeholder"))
        batch_op.drop_index(batch_op.f("ix_comment_reference"))
        batch_op.drop_index(batch_op.f("ix_comment_predicted_label"))
        batch_op.drop_index(batch_op.f("ix_comment_final_label"))
        batch_op.drop_index(batch_op.f("ix_comment_created_at"))
        batch_op.drop_index(batch_op.f("ix_comment_conversation_id"))

    op.drop_table("comment")
    with op.batch_alter_table("chat_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_message_conversation_id"))

    op.drop_table("chat_message")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_access_hash"))

    op.drop_table("conversation")
