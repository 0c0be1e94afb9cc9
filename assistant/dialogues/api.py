"""JSON API of the market dialogues: public events and registration; admin scheduling."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from assistant.classifier.registry import get_classifier
from assistant.db import SessionDep
from assistant.dialogues import service
from assistant.dialogues.exports import registrations_csv, registrations_xlsx
from assistant.dialogues.flows import register_from_form
from assistant.dialogues.models import EventCreate, EventPublic, EventUpdate, event_public
from assistant.errors import DomainError
from assistant.feedback.models import utcnow
from assistant.web.auth import require_admin
from assistant.web.i18n import current_locale
from assistant.web.params import EventId
from assistant.web.ratelimit import public_post_limit

router = APIRouter(prefix="/api/v1", tags=["market dialogues"])
admin = APIRouter(prefix="/api/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])


def event_url(request: Request, event_id: int) -> str:
    """Absolute public URL of an event page."""
    return f"{request.app.state.settings.public_base_url.rstrip('/')}/events/{event_id}"


def cancel_url(request: Request, secret: str) -> str:
    """Absolute private link of a registration."""
    return f"{request.app.state.settings.public_base_url.rstrip('/')}/registrations/{secret}"


class RegistrationCreate(BaseModel):
    """A producer's registration through the API."""

    organisation_name: str = Field(max_length=200)
    organisation_type: str = Field(description="company, ngo, in_house or other")
    organisation_size: str = Field(description="micro, small, medium or large")
    business_id: str | None = Field(default=None, description="Y-tunnus, e.g. 1234567-1")
    register_number: str | None = Field(
        default=None, description="Association register number if no Y-tunnus"
    )
    contact_name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    phone: str = Field(max_length=40)
    attendees: int = Field(ge=1, le=1000)
    topics: str = Field(default="", max_length=2000)
    consent: bool


class RegistrationPublic(BaseModel):
    """The outcome of a registration."""

    id: int
    event_id: int
    status: str
    attendees: int
    cancel_url: str | None = None
    topics_label: str | None = None


class SlotRequest(BaseModel):
    """A window to cut into one-to-one slots."""

    window_start: datetime
    window_end: datetime
    minutes: int = Field(ge=5, le=240)


class Created(BaseModel):
    """An event with the scheduling warnings its creation raised."""

    event: EventPublic
    warnings: list[str]


def _error(exc: DomainError) -> JSONResponse:
    from assistant.web.i18n import gettext as _
    from assistant.web.i18n import translate_error

    message = translate_error(exc)
    body: dict[str, Any] = {"detail": message}
    if getattr(exc, "errors", None):
        body["errors"] = {  # type: ignore[attr-defined]
            k: _(v) % exc.params if exc.params else _(v)
            for k, v in exc.errors.items()  # type: ignore[attr-defined]
        }
    if exc.field:
        body["field"] = exc.field
    return JSONResponse(body, status_code=exc.status_code)


@router.get("/events", response_model=list[EventPublic])
def list_events(
    session: SessionDep,
    service_area: Annotated[str | None, Query(max_length=40)] = None,
    language: Annotated[str | None, Query(pattern="^(fi|sv|en)$")] = None,
) -> list[EventPublic]:
    """Upcoming published events, soonest first."""
    events = service.upcoming_events(
        session=session, now=utcnow(), service_area=service_area, language=language
    )
    return [event_public(e) for e in events]


@router.get(
    "/events/{event_id}",
    response_model=EventPublic,
    responses={404: {"description": "No such event"}},
)
def read_event(session: SessionDep, event_id: EventId) -> Any:
    """One published (or cancelled) event."""
    try:
        return event_public(service.get_event(session=session, event_id=event_id))
    except DomainError as exc:
        return _error(exc)


@router.post(
    "/events/{event_id}/registrations",
    status_code=201,
    response_model=RegistrationPublic,
    dependencies=[Depends(public_post_limit)],
    responses={
        404: {"description": "No such event"},
        409: {"description": "Closed, cancelled or duplicate"},
        422: {"description": "Invalid fields"},
    },
)
def create_registration(
    request: Request, session: SessionDep, event_id: EventId, body: RegistrationCreate
) -> Any:
    """Register an organisation; confirmed while seats last, otherwise waitlisted."""
    try:
        registration, secret = register_from_form(
            session=session,
            event_id=event_id,
            raw=body.model_dump(),
            lang=current_locale.get(),
            classifier=get_classifier(),
            now=utcnow(),
            cancel_url_for=lambda s: cancel_url(request, s),
            event_url=event_url(request, event_id),
        )
    except DomainError as exc:
        session.rollback()
        return _error(exc)
    return RegistrationPublic(
        id=registration.id,  # type: ignore[arg-type]
        event_id=event_id,
        status=registration.status,
        attendees=registration.attendees,
        cancel_url=cancel_url(request, secret),
        topics_label=registration.topics_label,
    )


@router.post(
    "/registrations/{secret}/cancel",
    response_model=RegistrationPublic,
    dependencies=[Depends(public_post_limit)],
    responses={404: {"description": "Unknown link"}},
)
def cancel_registration(request: Request, session: SessionDep, secret: str) -> Any:
    """Cancel a registration through its private link."""
    try:
        registration = service.registration_for_secret(session=session, secret=secret)
        registration, _promoted = service.cancel_registration(
            session=session, secret=secret, event_url=event_url(request, registration.event_id)
        )
    except DomainError as exc:
        return _error(exc)
    return RegistrationPublic(
        id=registration.id,  # type: ignore[arg-type]
        event_id=registration.event_id,
        status=registration.status,
        attendees=registration.attendees,
    )


@admin.post(
    "/events",
    status_code=201,
    response_model=Created,
    responses={422: {"description": "Invalid event"}},
)
def admin_create_event(request: Request, session: SessionDep, body: EventCreate) -> Any:
    """Create a draft event; the answer lists overlaps with other events."""
    try:
        event, warnings = service.create_event(
            session=session, data=body, areas=request.app.state.service_areas
        )
    except DomainError as exc:
        return _error(exc)
    return Created(event=event_public(event), warnings=warnings)


@admin.patch(
    "/events/{event_id}", response_model=Created, responses={404: {"description": "No such event"}}
)
def admin_update_event(
    request: Request, session: SessionDep, event_id: EventId, body: EventUpdate
) -> Any:
    """Change an event; setting memo_fi/memo_sv publishes the memo and notifies every registrant."""
    try:
        event, warnings = service.update_event(
            session=session,
            event_id=event_id,
            data=body,
            areas=request.app.state.service_areas,
            event_url=event_url(request, event_id),
        )
    except DomainError as exc:
        return _error(exc)
    return Created(event=event_public(event), warnings=warnings)


@admin.post(
    "/events/{event_id}/publish",
    response_model=EventPublic,
    responses={404: {"description": "No such event"}},
)
def admin_publish_event(session: SessionDep, event_id: EventId) -> Any:
    """Publish a draft event."""
    try:
        return event_public(service.publish_event(session=session, event_id=event_id))
    except DomainError as exc:
        return _error(exc)


@admin.post(
    "/events/{event_id}/cancel",
    response_model=EventPublic,
    responses={404: {"description": "No such event"}},
)
def admin_cancel_event(request: Request, session: SessionDep, event_id: EventId) -> Any:
    """Cancel an event and notify every registrant."""
    try:
        return event_public(
            service.cancel_event(
                session=session, event_id=event_id, event_url=event_url(request, event_id)
            )
        )
    except DomainError as exc:
        return _error(exc)


@admin.post(
    "/events/{event_id}/slots", status_code=201, responses={404: {"description": "No such event"}}
)
def admin_generate_slots(session: SessionDep, event_id: EventId, body: SlotRequest) -> Any:
    """Cut a window into one-to-one slots."""
    try:
        slots = service.generate_slots(
            session=session,
            event_id=event_id,
            window_start=body.window_start,
            window_end=body.window_end,
            minutes=body.minutes,
        )
    except DomainError as exc:
        return _error(exc)
    return [{"id": s.id, "starts_at": s.starts_at, "ends_at": s.ends_at} for s in slots]


@admin.get("/events/{event_id}/registrations", responses={404: {"description": "No such event"}})
def admin_list_registrations(
    session: SessionDep,
    event_id: EventId,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Any:
    """The registrant list as JSON, CSV or XLSX (spreadsheet formulas neutralised)."""
    try:
        event = service.get_event(session=session, event_id=event_id, public=False)
    except DomainError as exc:
        return _error(exc)
    registrations = service.registrations_of(session=session, event_id=event_id)
    if format == "csv":
        return Response(
            registrations_csv(registrations, current_locale.get()),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="registrations-{event.id}.csv"'},
        )
    if format == "xlsx":
        return Response(
            registrations_xlsx(registrations, current_locale.get()),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="registrations-{event.id}.xlsx"'
            },
        )
    return [r.model_dump(exclude={"cancel_hash"}) for r in registrations]
