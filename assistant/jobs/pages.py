"""A background job's progress page, and its status as JSON for the page's script."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from assistant.accounts.web import PreparerDep
from assistant.db import SessionDep
from assistant.jobs.models import Job
from assistant.web.i18n import gettext as _
from assistant.web.params import RowId
from assistant.web.templating import error_page, render

router = APIRouter(include_in_schema=False)


@router.get("/workspace/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, session: SessionDep, who: PreparerDep, job_id: RowId) -> Response:
    """Progress while the job runs; its result when it is done."""
    job = session.get(Job, job_id)
    if job is None:
        return error_page(request, _("Page not found"), 404)
    if job.kind == "retrain" and not who.user.is_admin:
        return error_page(request, _("No access"), 403)
    file_session_id = None
    if job.kind == "import":
        from assistant.consultations.models import ImportFile

        upload = session.get(ImportFile, job.payload.get("file_id"))
        file_session_id = upload.session_id if upload else None
    return render(request, "jobs/job.html", {"job": job, "session_id": file_session_id})


@router.get("/workspace/jobs/{job_id}/status")
def job_status(session: SessionDep, who: PreparerDep, job_id: RowId) -> Response:
    """The job's status and progress (polled by static/job.js)."""
    job = session.get(Job, job_id)
    if job is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse(
        {"status": job.status, "progress": job.progress, "message": job.message or ""},
        headers={"Cache-Control": "no-store"},
    )
