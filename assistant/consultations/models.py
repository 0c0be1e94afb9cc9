"""Tables of consultation sessions and the files imported into them."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from assistant.feedback.models import utcnow


class SessionKind(StrEnum):
    """How the comments of a session were gathered."""

    meeting = "meeting"
    survey = "survey"
    information_session = "information_session"
    market_dialogue = "market_dialogue"


class ConsultationSession(SQLModel, table=True):
    """A käsittelytilaisuus: where and when a stakeholder group or body gave its comments."""

    __tablename__ = "consultation_session"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    stakeholder: str = Field(max_length=32, index=True)
    body: str | None = Field(default=None, max_length=200)
    held_on: date = Field(index=True)
    kind: str = Field(max_length=24)
    notes: str | None = None
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ImportFile(SQLModel, table=True):
    """An uploaded CSV or XLSX file waiting for (or done with) its import into a session."""

    __tablename__ = "import_file"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="consultation_session.id", index=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    mapping: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    job_id: int | None = Field(default=None, foreign_key="job.id")
    uploaded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
