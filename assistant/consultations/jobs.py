"""The import job: runs `service.import_rows` for a queued file."""

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from assistant.accounts.models import User
from assistant.consultations import service
from assistant.consultations.importing import Mapping
from assistant.jobs.models import Job
from assistant.jobs.service import Progress, handler


@handler("import")
def run_import(engine: Engine, job: Job, progress: Progress) -> dict[str, Any]:
    """Import the job's file with its mapping."""
    with Session(engine, expire_on_commit=False) as session:
        upload = service.get_upload(session, int(job.payload["file_id"]))
        actor = session.get(User, job.created_by_id) if job.created_by_id else None
        mapping = Mapping(**job.payload["mapping"])
        return service.import_rows(session, upload, mapping, actor=actor, progress=progress)
