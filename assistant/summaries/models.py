"""Approved versions of the draft report."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from assistant.feedback.models import utcnow


class ReportVersion(SQLModel, table=True):
    """A draft report that a preparer approved: its filters, counts and the text as approved."""

    __tablename__ = "report_version"

    id: int | None = Field(default=None, primary_key=True)
    lang: str = Field(max_length=2)
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    total: int
    sessions: int
    markdown: str
    sha256: str = Field(max_length=64)
    approved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    approved_by: str = Field(max_length=320)
    approved_at: datetime = Field(default_factory=utcnow, index=True)
