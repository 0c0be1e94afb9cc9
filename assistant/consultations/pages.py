"""Pages for consultation sessions and for importing their comments from CSV or XLSX."""

from typing import Annotated

from babel.numbers import format_decimal
from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.accounts.web import PreparerDep
from assistant.consultations import service
from assistant.consultations.importing import MAX_BYTES, ImportFileError
from assistant.consultations.models import SessionKind
from assistant.db import SessionDep
from assistant.errors import DomainError
from assistant.feedback.enums import Stakeholder
from assistant.jobs.service import wake
from assistant.web.i18n import current_locale, translate_error
from assistant.web.i18n import gettext as _
from assistant.web.params import RowId
from assistant.web.templating import error_page, render

router = APIRouter(include_in_schema=False)
SESSION_FIELDS = ("name", "stakeholder", "body", "held_on", "kind", "notes")
PREVIEW_ROWS = 10


def _upload_limit(request: Request) -> int:
    """The upload limit: the setting, but never above what the file reader accepts."""
    return min(request.app.state.settings.max_upload_bytes, MAX_BYTES)


def _megabytes(size: int) -> str:
    return format_decimal(size / 2**20, "#,##0.#", locale=current_locale.get())


def _list(request: Request, session, who, status_code: int = 200, **extra) -> Response:
    context = {
        "sessions": service.sessions_with_counts(session),
        "stakeholders": list(Stakeholder),
        "kinds": list(SessionKind),
        "csrf": who.csrf,
        "form": {},
        "errors": {},
        **extra,
    }
    return render(request, "consultations/list.html", context, status_code)


@router.get("/workspace/sessions", response_class=HTMLResponse)
def sessions(request: Request, session: SessionDep, who: PreparerDep) -> Response:
    """Every consultation session with its comment count, and the form for a new one."""
    return _list(request, session, who)


async def _session_form(request: Request) -> dict[str, str]:
    """The session form's fields as posted, each cut to a sane length."""
    raw = await request.form()
    return {k: str(raw.get(k, ""))[:5000] for k in SESSION_FIELDS}


@router.post("/workspace/sessions")
async def create(request: Request, session: SessionDep, who: PreparerDep) -> Response:
    """Record a new session."""
    form = await _session_form(request)
    try:
        row = service.create_session(session, service.session_data(form), actor=who.user)
    except DomainError as exc:
        session.rollback()
        return _list(
            request,
            session,
            who,
            422,
            form=form,
            errors={exc.field or "form": translate_error(exc)},
        )
    return RedirectResponse(f"/workspace/sessions/{row.id}", status_code=303)


def _detail(request: Request, session, who, session_id: int, status_code: int = 200, **extra):
    try:
        row = service.get_session(session, session_id)
    except DomainError:
        return error_page(request, _("Page not found"), 404)
    context = {
        "row": row,
        "count": service.comment_count(session, row.id),
        "stakeholders": list(Stakeholder),
        "kinds": list(SessionKind),
        "csrf": who.csrf,
        "form": {k: getattr(row, k) for k in SESSION_FIELDS},
        "errors": {},
        "upload_error": None,
        "max_mb": _megabytes(_upload_limit(request)),
        **extra,
    }
    return render(request, "consultations/detail.html", context, status_code)


@router.get("/workspace/sessions/{session_id}", response_class=HTMLResponse)
def detail(request: Request, session: SessionDep, who: PreparerDep, session_id: RowId) -> Response:
    """A session: its details (editable), its comments and the import form."""
    return _detail(request, session, who, session_id)


@router.post("/workspace/sessions/{session_id}")
async def update(
    request: Request, session: SessionDep, who: PreparerDep, session_id: RowId
) -> Response:
    """Change a session's details."""
    form = await _session_form(request)
    try:
        row = service.get_session(session, session_id)
        service.update_session(session, row, service.session_data(form), actor=who.user)
    except DomainError as exc:
        session.rollback()
        return _detail(
            request,
            session,
            who,
            session_id,
            422,
            form=form,
            errors={exc.field or "form": translate_error(exc)},
        )
    return RedirectResponse(f"/workspace/sessions/{session_id}?saved=1", status_code=303)


@router.post("/workspace/sessions/{session_id}/imports")
async def upload(
    request: Request,
    session: SessionDep,
    who: PreparerDep,
    session_id: RowId,
    file: UploadFile | None = None,
) -> Response:
    """Store an uploaded CSV or XLSX file and show its preview."""
    limit = _upload_limit(request)
    if file is None or not file.filename:
        return _detail(request, session, who, session_id, 422, upload_error=_("Choose a file."))
    data = await file.read(limit + 1)
    if len(data) > limit:
        message = _("The file is too large: at most %(mb)s MB.") % {"mb": _megabytes(limit)}
        return _detail(request, session, who, session_id, 413, upload_error=message)
    try:
        row = service.get_session(session, session_id)
        stored, _table = service.store_upload(
            session, row, filename=file.filename, data=data, actor=who.user
        )
    except ImportFileError as exc:
        session.rollback()
        return _detail(request, session, who, session_id, 422, upload_error=translate_error(exc))
    except DomainError:
        return error_page(request, _("Page not found"), 404)
    return RedirectResponse(f"/workspace/imports/{stored.id}", status_code=303)


def _preview_page(
    request: Request,
    session,
    who,
    file_id: int,
    params: dict[str, str],
    status_code=200,
    error=None,
):
    try:
        stored = service.get_upload(session, file_id)
        row = service.get_session(session, stored.session_id)
        table_preview = service.preview(session, stored)
        mapping = service.mapping_from(params, table_preview.table)
        result = service.preview(session, stored, mapping)
    except ImportFileError as exc:
        return error_page(request, _("The file cannot be read"), 422, translate_error(exc))
    except DomainError as exc:
        if exc.status_code == 404:
            return error_page(request, _("Page not found"), 404)
        result, error = table_preview, translate_error(exc)
        status_code = 422
    context = {
        "stored": stored,
        "row": row,
        "preview": result,
        "sample": result.rows[:PREVIEW_ROWS],
        "csrf": who.csrf,
        "error": error,
    }
    return render(request, "consultations/preview.html", context, status_code)


@router.get("/workspace/imports/{file_id}", response_class=HTMLResponse)
def preview(request: Request, session: SessionDep, who: PreparerDep, file_id: RowId) -> Response:
    """The preview: columns to choose, the first rows as they will be stored, row errors."""
    params = {k: v for k, v in request.query_params.items() if len(v) < 10}
    return _preview_page(request, session, who, file_id, params)


@router.post("/workspace/imports/{file_id}")
def start(
    request: Request,
    session: SessionDep,
    who: PreparerDep,
    file_id: RowId,
    text: Annotated[str, Form(max_length=4)] = "",
    stakeholder: Annotated[str, Form(max_length=4)] = "",
    organisation: Annotated[str, Form(max_length=4)] = "",
    date: Annotated[str, Form(max_length=4)] = "",
    external_id: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """Queue the import with the chosen columns and follow its progress."""
    params = {
        "text": text,
        "stakeholder": stakeholder,
        "organisation": organisation,
        "date": date,
        "external_id": external_id,
    }
    try:
        stored = service.get_upload(session, file_id)
        from assistant.consultations.importing import read_table

        mapping = service.mapping_from(params, read_table(stored.data, stored.filename))
        if stored.job_id is not None:
            return RedirectResponse(f"/workspace/jobs/{stored.job_id}", status_code=303)
        job = service.start_import(session, stored, mapping, actor=who.user)
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 404:
            return error_page(request, _("Page not found"), 404)
        return _preview_page(request, session, who, file_id, params, 422, translate_error(exc))
    wake()
    return RedirectResponse(f"/workspace/jobs/{job.id}", status_code=303)
