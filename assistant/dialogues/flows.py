"""Multi-step use cases shared by the registration page and the API."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from assistant.classifier.registry import Classifier
from assistant.dialogues import service
from assistant.dialogues.models import Registration
from assistant.dialogues.validation import validate_registration


def register_from_form(
    *,
    session: Session,
    event_id: int,
    raw: dict[str, Any],
    lang: str,
    classifier: Classifier,
    now: datetime,
    cancel_url_for: Callable[[str], str],
    event_url: str,
) -> tuple[Registration, str]:
    """Classify what the producer wants to discuss, check the form, then register.

    Classification comes before the first query, so no database lock is held while the model
    works. Raises EventNotFound, FormInvalid or the registration's own domain errors.
    """
    topics = str(raw.get("topics") or "").strip()
    prediction = classifier.classify(topics) if topics and "\x00" not in topics else None
    event = service.get_event(session=session, event_id=event_id)
    form = validate_registration(raw, max_attendees=event.max_per_organisation)
    return service.register(
        session=session,
        event_id=event_id,
        form=form,
        lang=lang,
        topics_prediction=prediction if form.topics else None,
        now=now,
        cancel_url_for=cancel_url_for,
        event_url=event_url,
    )
