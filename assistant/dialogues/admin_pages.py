"""Admin pages for scheduling market dialogues (admins only; every form carries the CSRF token)."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import col, select

from assistant.accounts.web import AdminDep
from assistant.audit.service import record
from assistant.db import SessionDep
from assistant.dialogues import service
from assistant.dialogues.api import event_url
from assistant.dialogues.enums import EventKind
from assistant.dialogues.exports import registrations_csv, registrations_xlsx
from assistant.dialogues.models import Event, EventCreate, EventUpdate
from assistant.errors import DomainError
from assistant.web.i18n import current_locale, translate_error
from assistant.web.i18n import gettext as _
from assistant.web.params import EventId
from assistant.web.templating import error_page, render

router = APIRouter(prefix="/admin", include_in_schema=False)
EVENT_FIELDS = (
    "title_fi",
    "title_sv",
    "title_en",
    "description_fi",
    "description_sv",
    "description_en",
    "kind",
    "service_area",
    "procurement",
    "starts_at",
    "ends_at",
    "venue",
    "remote_url",
    "capacity",
    "max_per_organisation",
    "registration_opens_at",
    "registration_closes_at",
)


def _list_page(request: Request, session, csrf: str, **extra: Any) -> HTMLResponse:
    events = session.exec(select(Event).order_by(col(Event.starts_at).desc())).all()
    context = {
        "events": events,
        "csrf": csrf,
        "areas": request.app.state.service_areas,
        "kinds": list(EventKind),
        "form": {},
        "errors": {},
        "message": None,
        **extra,
    }
    return render(
        request,
        "admin/events.html",
        context,
        status_code=422 if extra.get("errors") or extra.get("message") else 200,
    )


@router.get("/events", response_class=HTMLResponse)
def events(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """All events, newest first, and the form for a new one."""
    return _list_page(request, session, who.csrf)


def _event_data(raw: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    data = {k: (raw.get(k) or None) for k in EVENT_FIELDS}
    for key in ("title_fi", "title_sv", "description_fi", "description_sv"):
        data[key] = data[key] or ""
    data["languages"] = languages or ["fi"]
    return data


def _field_errors(exc: ValidationError) -> dict[str, str]:
    return {str(e["loc"][0]): _("Check this field.") for e in exc.errors() if e.get("loc")}


@router.post("/events")
async def create(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """Create a draft event."""
    raw = await request.form()
    csrf = who.csrf
    form = {k: str(raw.get(k, "")) for k in EVENT_FIELDS}
    try:
        data = EventCreate(**_event_data(form, [str(v) for v in raw.getlist("languages")]))
        event, warnings = service.create_event(
            session=session, data=data, areas=request.app.state.service_areas
        )
    except ValidationError as exc:
        return _list_page(request, session, csrf, form=form, errors=_field_errors(exc))
    except DomainError as exc:
        session.rollback()
        return _list_page(
            request, session, csrf, form=form, errors={exc.field or "form": _(exc.message)}
        )
    return RedirectResponse(
        f"/admin/events/{event.id}?warnings={','.join(warnings)}", status_code=303
    )


def _detail(request: Request, session, event_id: int, csrf: str, **extra: Any) -> Response:
    try:
        event = service.get_event(session=session, event_id=event_id, public=False)
    except DomainError:
        return error_page(request, _("Page not found"), 404)
    warnings = [w for w in request.query_params.get("warnings", "").split(",") if w]
    others = {e.id: e for e in session.exec(select(Event)).all()}
    context = {
        "event": event,
        "csrf": csrf,
        "areas": request.app.state.service_areas,
        "registrations": service.registrations_of(session=session, event_id=event_id),
        "slots": service.slots_of(session=session, event_id=event_id),
        "warnings": [
            (w.split(":")[0], others.get(int(w.split(":")[1]))) for w in warnings if ":" in w
        ],
        "message": None,
        **extra,
    }
    return render(
        request, "admin/event.html", context, status_code=422 if extra.get("message") else 200
    )


@router.get("/events/{event_id}", response_class=HTMLResponse)
def detail(request: Request, session: SessionDep, event_id: EventId, who: AdminDep) -> Response:
    """One event: publish, cancel, memo, slots, registrants."""
    return _detail(request, session, event_id, who.csrf)


@router.post("/events/{event_id}/{action}")
async def act(
    request: Request, session: SessionDep, event_id: EventId, action: str, who: AdminDep
) -> Response:
    """publish, cancel, memo or slots."""
    raw = await request.form()
    csrf = who.csrf
    try:
        if action == "publish":
            service.publish_event(session=session, event_id=event_id)
        elif action == "cancel":
            service.cancel_event(
                session=session, event_id=event_id, event_url=event_url(request, event_id)
            )
        elif action == "memo":
            service.update_event(
                session=session,
                event_id=event_id,
                data=EventUpdate(
                    memo_fi=str(raw.get("memo_fi", "")) or None,
                    memo_sv=str(raw.get("memo_sv", "")) or None,
                ),
                areas=request.app.state.service_areas,
                event_url=event_url(request, event_id),
            )
        elif action == "slots":
            service.generate_slots(
                session=session,
                event_id=event_id,
                window_start=datetime.fromisoformat(str(raw.get("window_start", ""))),
                window_end=datetime.fromisoformat(str(raw.get("window_end", ""))),
                minutes=int(str(raw.get("minutes", "0")) or 0),
            )
        else:
            return error_page(request, _("Page not found"), 404)
    except (ValueError, ValidationError):
        session.rollback()
        return _detail(
            request, session, event_id, csrf, message=_("Check the times and the slot length.")
        )
    except DomainError as exc:
        session.rollback()
        message = translate_error(exc)
        return _detail(request, session, event_id, csrf, message=message)
    return RedirectResponse(f"/admin/events/{event_id}", status_code=303)


@router.get("/events/{event_id}/registrations.{fmt}")
def download(
    request: Request, session: SessionDep, event_id: EventId, fmt: str, who: AdminDep
) -> Response:
    """The registrant list as CSV or XLSX (the export is audited)."""
    if fmt not in {"csv", "xlsx"}:
        return error_page(request, _("Page not found"), 404)
    registrations = service.registrations_of(session=session, event_id=event_id)
    record(
        session,
        actor=who.user,
        action="export.registrations",
        target_type="event",
        target_id=event_id,
        after={"format": fmt, "rows": len(registrations)},
    )
    session.commit()
    if fmt == "csv":
        return Response(
            registrations_csv(registrations, current_locale.get()),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="registrations-{event_id}.csv"'},
        )
    if fmt == "xlsx":
        return Response(
            registrations_xlsx(registrations, current_locale.get()),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="registrations-{event_id}.xlsx"'
            },
        )
    return error_page(request, _("Page not found"), 404)
