"""The audit log table."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from assistant.feedback.models import utcnow


class AuditEntry(SQLModel, table=True):
    """One recorded action. `actor` is the user's email, or "cli" / "system" for others."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    actor: str = Field(max_length=320)
    action: str = Field(max_length=40, index=True)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
