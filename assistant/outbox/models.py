"""The outbox table."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from assistant.feedback.models import utcnow


class OutboxMessage(SQLModel, table=True):
    """An email waiting to be sent (or sent); attachments as base64 in JSON."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(
        max_length=120, unique=True, description="RFC 5322 Message-ID, stable across retries"
    )
    to: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str
    attachments: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
