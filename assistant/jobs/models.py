"""The job table: a queue that the app's runner thread or `assistant worker` drains."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from assistant.feedback.models import utcnow


class JobStatus(StrEnum):
    """A job's life."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(SQLModel, table=True):
    """A unit of background work with its progress (0..1) and result."""

    __tablename__ = "job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24, index=True)
    status: str = Field(default=JobStatus.queued.value, max_length=16, index=True)
    progress: float = 0.0
    message: str | None = Field(default=None, max_length=500)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    claimed_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
