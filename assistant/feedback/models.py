"""Tables and schemas of the feedback domain."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlmodel import Field, SQLModel

from assistant.feedback.enums import ChatState, CommentSource, CommentStatus


def utcnow() -> datetime:
    """The current time in UTC (stored naive-free as an aware datetime)."""
    return datetime.now(UTC)


class Conversation(SQLModel, table=True):
    """One visit to the feedback assistant; its state lives here, keyed by a signed cookie."""

    __tablename__ = "conversation"

    id: str = Field(primary_key=True, max_length=32)
    lang: str = Field(default="fi", max_length=2)
    state: str = Field(default=ChatState.ask_stakeholder.value, max_length=32)
    step: int = Field(
        default=0, description="Bumped on every transition; a form carries the step it answers"
    )
    stakeholder: str | None = Field(default=None, max_length=32)
    organisation: str | None = Field(default=None, max_length=200)
    current_comment_id: int | None = Field(default=None, description="The comment being discussed")
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    access_hash: str | None = Field(default=None, max_length=64, index=True, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class ChatMessage(SQLModel, table=True):
    """A turn of the transcript, stored as a kind plus data so it re-renders in any language."""

    __tablename__ = "chat_message"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True, max_length=32)
    seq: int
    role: str = Field(max_length=10)  # "assistant" or "person"
    kind: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class CommentBase(SQLModel):
    """Fields a comment shares with its public view."""

    text: str
    lang: str = Field(max_length=2)
    stakeholder: str = Field(max_length=32, index=True)
    organisation: str | None = Field(default=None, max_length=200)


class Comment(CommentBase, table=True):
    """A stakeholder's comment with the model's prediction and the submitter's own label."""

    __tablename__ = "comment"
    __table_args__ = (
        # Re-importing a file never duplicates a comment: one per session and external id, or
        # per session and text hash where the file had no ids.
        Index(
            "ux_comment_session_external",
            "consultation_id",
            "external_id",
            unique=True,
            sqlite_where=sql_text("external_id IS NOT NULL"),
            postgresql_where=sql_text("external_id IS NOT NULL"),
        ),
        Index(
            "ux_comment_session_hash",
            "consultation_id",
            "content_hash",
            unique=True,
            sqlite_where=sql_text("consultation_id IS NOT NULL AND external_id IS NULL"),
            postgresql_where=sql_text("consultation_id IS NOT NULL AND external_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True, index=True)
    source: str = Field(default=CommentSource.chat.value, max_length=16)
    conversation_id: str | None = Field(
        default=None, foreign_key="conversation.id", index=True, max_length=32
    )
    predicted_label: str = Field(max_length=32, index=True)
    scores: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    explanation: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    model_version: str = Field(max_length=40)
    submitter_label: str | None = Field(default=None, max_length=32)
    final_label: str | None = Field(default=None, max_length=32, index=True)
    followup_answer: str | None = None
    status: str = Field(default=CommentStatus.new.value, max_length=16, index=True)
    top_score: float = Field(default=0.0, index=True, description="The model's highest score")
    secondary_labels: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    hidden_reason: str | None = Field(default=None, max_length=500)
    reviewed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = None
    consultation_id: int | None = Field(
        default=None, foreign_key="consultation_session.id", index=True
    )
    external_id: str | None = Field(default=None, max_length=100)
    content_hash: str | None = Field(default=None, max_length=64)
    lemmas: str | None = Field(default=None, description="Lemmas from intake, space-separated")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None

    @property
    def label(self) -> str:
        """The category that counts: the preparer's where set, otherwise the model's."""
        return self.final_label or self.predicted_label


class CommentNote(SQLModel, table=True):
    """A preparer's internal note on a comment (never shown to the submitter)."""

    __tablename__ = "comment_note"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    author: str = Field(max_length=320)
    text: str
    created_at: datetime = Field(default_factory=utcnow)


class Contact(SQLModel, table=True):
    """Contact details, stored only with explicit consent, linked to one conversation."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", unique=True, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    consent_text: str
    consented_at: datetime = Field(default_factory=utcnow)
