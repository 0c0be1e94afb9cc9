"""Public pages of the market dialogues: the list, an event with its registration form, the private
registration page (cancel, book a slot), and calendars."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from assistant.classifier.registry import get_classifier
from assistant.db import SessionDep
from assistant.dialogues import service
from assistant.dialogues.api import cancel_url, event_url
from assistant.dialogues.calendar import event_ics, feed_ics
from assistant.dialogues.enums import OrganisationSize, OrganisationType
from assistant.dialogues.flows import register_from_form
from assistant.dialogues.service import EventNotFound
from assistant.dialogues.validation import REGISTRATION_FIELDS, FormInvalid
from assistant.errors import DomainError
from assistant.feedback.models import utcnow
from assistant.web.i18n import current_locale, translate_error
from assistant.web.i18n import gettext as _
from assistant.web.params import EventId, SlotIdForm
from assistant.web.ratelimit import public_post_limit
from assistant.web.templating import error_page, render

router = APIRouter(include_in_schema=False)


def _event_page(request: Request, session, event, **extra: Any) -> HTMLResponse:
    now = utcnow()
    context = {
        "event": event,
        "areas": request.app.state.service_areas,
        "open": service.registration_open(event, now) and event.status == "published",
        "seats_left": max(event.capacity - event.seats_taken, 0),
        "organisation_types": list(OrganisationType),
        "organisation_sizes": list(OrganisationSize),
        "form": {"attendees": "1"},
        "errors": {},
        "message": None,
        "canonical_path": f"/events/{event.id}",
        **extra,
    }
    status = 422 if extra.get("errors") or extra.get("message") else 200
    return render(request, "dialogues/event.html", context, status_code=status)


@router.get("/events", response_class=HTMLResponse)
def events_page(
    request: Request, session: SessionDep, service_area: str = "", language: str = ""
) -> HTMLResponse:
    """Upcoming market dialogues, filterable by service area and language."""
    areas = request.app.state.service_areas
    area = service_area if service_area in areas else None
    lang = language if language in {"fi", "sv", "en"} else None
    events = service.upcoming_events(
        session=session, now=utcnow(), service_area=area, language=lang
    )
    return render(
        request,
        "dialogues/list.html",
        {"events": events, "areas": areas, "service_area": area or "", "language": lang or ""},
    )


@router.get("/events.ics")
def events_feed(request: Request, session: SessionDep, service_area: str = "") -> Response:
    """A calendar feed of published events (optionally one service area) to subscribe to."""
    areas = request.app.state.service_areas
    area = service_area if service_area in areas else None
    events = service.upcoming_events(session=session, now=utcnow(), service_area=area)
    lang = current_locale.get()
    name = _("Market dialogues") + (f" – {areas[area][lang]}" if area else "")
    body = feed_ics(events, lang, name, {e.id: event_url(request, e.id) for e in events if e.id})
    return Response(body, media_type="text/calendar; charset=utf-8")


# The .ics route comes first: otherwise /events/{event_id} would claim "1.ics".
@router.get("/events/{event_id}.ics")
def event_calendar(request: Request, session: SessionDep, event_id: EventId) -> Response:
    """One event as .ics."""
    try:
        event = service.get_event(session=session, event_id=event_id)
    except DomainError:
        return Response(status_code=404)
    return Response(
        event_ics(event, current_locale.get(), event_url(request, event_id)),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="event-{event_id}.ics"'},
    )


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, session: SessionDep, event_id: EventId) -> HTMLResponse:
    """An event, its memo when published, and the registration form while registration is open."""
    try:
        event = service.get_event(session=session, event_id=event_id)
    except DomainError as exc:
        return error_page(request, _("Page not found"), 404, translate_error(exc))
    prefill = {
        k: request.query_params.get(k, "") for k in ("organisation_name", "organisation_type")
    }
    return _event_page(
        request, session, event, form={"attendees": "1", **{k: v for k, v in prefill.items() if v}}
    )


@router.post("/events/{event_id}/register", dependencies=[Depends(public_post_limit)])
async def register(request: Request, session: SessionDep, event_id: EventId) -> Response:
    """Register; errors come back on the form with everything typed kept."""
    raw = await request.form()
    form_values = {name: str(raw.get(name, "")) for name in REGISTRATION_FIELDS}
    # All database work runs in a worker thread: a blocking call must never stall the event loop.
    return await run_in_threadpool(_register, request, session, event_id, form_values)


def _register(request: Request, session, event_id: int, form_values: dict[str, str]) -> Response:
    try:
        _registration, secret = register_from_form(
            session=session,
            event_id=event_id,
            raw=form_values,
            lang=current_locale.get(),
            classifier=get_classifier(),
            now=utcnow(),
            cancel_url_for=lambda s: cancel_url(request, s),
            event_url=event_url(request, event_id),
        )
    except EventNotFound as exc:
        return error_page(request, _("Page not found"), 404, translate_error(exc))
    except FormInvalid as exc:
        session.rollback()
        event = service.get_event(session=session, event_id=event_id)
        errors = {k: _(v) % exc.params if exc.params else _(v) for k, v in exc.errors.items()}
        return _event_page(
            request, session, event, form=form_values, errors=errors, message=_(exc.message)
        )
    except DomainError as exc:
        session.rollback()
        event = service.get_event(session=session, event_id=event_id)
        return _event_page(request, session, event, form=form_values, message=translate_error(exc))
    return RedirectResponse(f"/registrations/{secret}?new=1", status_code=303)


def _registration_page(request: Request, session, secret: str, **extra: Any) -> HTMLResponse:
    try:
        registration = service.registration_for_secret(session=session, secret=secret)
    except DomainError as exc:
        return error_page(request, _("Link not valid"), 404, translate_error(exc))
    event = service.get_event(session=session, event_id=registration.event_id, public=False)
    slots = (
        service.slots_of(session=session, event_id=event.id) if event.kind == "one_to_one" else []
    )
    return render(
        request,
        "dialogues/registration.html",
        {
            "registration": registration,
            "event": event,
            "secret": secret,
            "slots": slots,
            "my_slot": next((s for s in slots if s.registration_id == registration.id), None),
            "areas": request.app.state.service_areas,
            "message": None,
            **extra,
        },
        status_code=409 if extra.get("message") else 200,
    )


@router.get("/registrations/{secret}", response_class=HTMLResponse)
def registration_page(request: Request, session: SessionDep, secret: str) -> HTMLResponse:
    """The private page of a registration."""
    return _registration_page(request, session, secret)


@router.post("/registrations/{secret}/cancel", dependencies=[Depends(public_post_limit)])
def cancel(request: Request, session: SessionDep, secret: str) -> Response:
    """Cancel the registration; the waitlist moves up."""
    try:
        registration = service.registration_for_secret(session=session, secret=secret)
        service.cancel_registration(
            session=session, secret=secret, event_url=event_url(request, registration.event_id)
        )
    except DomainError as exc:
        return error_page(request, _("Link not valid"), 404, translate_error(exc))
    return RedirectResponse(f"/registrations/{secret}", status_code=303)


@router.post("/registrations/{secret}/slot", dependencies=[Depends(public_post_limit)])
def book(request: Request, session: SessionDep, secret: str, slot_id: SlotIdForm) -> Response:
    """Book a one-to-one slot."""
    try:
        service.book_slot(session=session, secret=secret, slot_id=slot_id)
    except DomainError as exc:
        return _registration_page(request, session, secret, message=translate_error(exc))
    return RedirectResponse(f"/registrations/{secret}", status_code=303)
