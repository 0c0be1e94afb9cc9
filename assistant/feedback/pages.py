"""The feedback assistant's pages: every step is a form POST answered by a redirect to /feedback."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from assistant.classifier.categories import categories
from assistant.classifier.registry import get_classifier
from assistant.db import SessionDep
from assistant.errors import InvalidInput, NotFound
from assistant.feedback import conversation as chat
from assistant.feedback.enums import CHAT_STAKEHOLDERS, PRODUCER_STAKEHOLDERS, ChatState
from assistant.feedback.models import Comment, Conversation
from assistant.feedback.service import comments_of, conversation_for_secret, withdraw_comment
from assistant.web.i18n import current_locale, translate_error
from assistant.web.i18n import gettext as _
from assistant.web.ratelimit import public_post_limit
from assistant.web.templating import error_page, render

router = APIRouter(include_in_schema=False)
COOKIE = "vp_chat"
CONSENT_TEXT = (
    "I agree that the wellbeing services county may store my name and email address to contact me "
    "about this feedback. They are deleted when the multi-producer programme has been approved."
)


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret_key, salt="feedback-conversation")


def _read_cookie(request: Request) -> tuple[dict[str, Any] | None, bool]:
    """(cookie payload, whether a cookie was present but unusable)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None, False
    try:
        payload = _serializer(request).loads(raw)
    except BadSignature:
        return None, True
    valid = (
        isinstance(payload, dict)
        and isinstance(payload.get("c"), str)
        and len(payload["c"]) == 32
        and all(ch in "0123456789abcdef" for ch in payload["c"])
        and isinstance(payload.get("k", ""), str)
    )
    return (payload, False) if valid else (None, True)


def _set_cookie(request: Request, response: Response, payload: dict[str, Any]) -> None:
    response.set_cookie(
        COOKIE,
        _serializer(request).dumps(payload),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        max_age=7 * 24 * 3600,
    )


def _load(request: Request, session) -> tuple[Conversation | None, dict[str, Any] | None, bool]:
    payload, broken = _read_cookie(request)
    if payload is None:
        return None, None, broken
    conversation = session.get(Conversation, payload["c"])
    if conversation is None:
        return None, None, True
    return conversation, payload, False


def _back() -> RedirectResponse:
    return RedirectResponse("/feedback", status_code=303)


def _page(
    request: Request, session, conversation: Conversation | None, **extra: Any
) -> HTMLResponse:
    messages = (
        chat.transcript(session=session, conversation_id=conversation.id) if conversation else []
    )
    comment_ids = [m.data["comment_id"] for m in messages if m.kind == "comment"]
    comments = {c.id: c for c in (session.get(Comment, i) for i in comment_ids) if c is not None}
    finished = conversation is not None and conversation.state == ChatState.done
    context = {
        "conversation": conversation,
        "messages": messages,
        "comments": comments,
        "categories": {c.key: c for c in categories()},
        "stakeholders": CHAT_STAKEHOLDERS,
        "state": conversation.state if conversation else None,
        "is_producer": bool(conversation and conversation.stakeholder in PRODUCER_STAKEHOLDERS),
        "own_comments": [comments[i] for i in comment_ids if i in comments] if finished else [],
        "public_base_url": request.app.state.settings.public_base_url.rstrip("/"),
        "canonical_path": "/feedback",
        "upcoming_events": _upcoming_for_producers(session) if finished else [],
        "producer_type": {
            "producer_company": "company",
            "producer_ngo": "ngo",
            "in_house": "in_house",
        }.get(conversation.stakeholder if conversation else "", "other"),
        "form": {},
        "error": None,
        "notice": None,
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return render(request, "feedback/chat.html", context, status_code=status)


def _upcoming_for_producers(session) -> list:
    from assistant.dialogues.service import upcoming_events
    from assistant.feedback.models import utcnow

    return upcoming_events(session=session, now=utcnow())[:5]


def _error(request, session, conversation, exc: InvalidInput, form: dict[str, Any]) -> HTMLResponse:
    message = translate_error(exc)
    return _page(
        request, session, conversation, error={"field": exc.field, "message": message}, form=form
    )


@router.get("/feedback", response_class=HTMLResponse)
def chat_page(request: Request, session: SessionDep) -> HTMLResponse:
    """The whole transcript and the input for the current step."""
    conversation, payload, broken = _load(request, session)
    notice = (
        _(
            "We could not continue your earlier conversation. Anything you already sent is saved; you can start again."
        )
        if broken
        else None
    )
    secret = payload.get("k") if payload else None
    response = _page(request, session, conversation, notice=notice, secret=secret)
    if broken:
        response.delete_cookie(COOKIE)
    return response


@router.post("/feedback/start", dependencies=[Depends(public_post_limit)])
def start(request: Request, session: SessionDep) -> Response:
    """Open a new conversation in the page's language."""
    conversation = chat.start(session=session, lang=current_locale.get())
    response = _back()
    _set_cookie(request, response, {"c": conversation.id})
    return response


def _current(request: Request, session) -> Conversation | None:
    conversation, _payload, _broken = _load(request, session)
    return conversation


def _take_step(
    request: Request, session, transition, typed: dict[str, Any], **arguments: Any
) -> Response:
    """Run one transition of the conversation; bad input re-renders the page with what was typed."""
    conversation = _current(request, session)
    if conversation is None:
        return _back()
    try:
        transition(session=session, conversation=conversation, **arguments)
    except InvalidInput as exc:
        return _error(request, session, conversation, exc, typed)
    except chat.StaleStep:
        return _back()  # a repeated or stale form: the page already shows where the conversation is
    return _back()


@router.post("/feedback/stakeholder", dependencies=[Depends(public_post_limit)])
def stakeholder(
    request: Request,
    session: SessionDep,
    step: Annotated[int, Form()],
    stakeholder: Annotated[str, Form()] = "",
    organisation: Annotated[str, Form()] = "",
) -> Response:
    """Whom the person represents."""
    return _take_step(
        request,
        session,
        chat.choose_stakeholder,
        {"organisation": organisation},
        step=step,
        stakeholder=stakeholder,
        organisation=organisation,
    )


@router.post("/feedback/comment", dependencies=[Depends(public_post_limit)])
def comment(
    request: Request,
    session: SessionDep,
    step: Annotated[int, Form()],
    text: Annotated[str, Form()] = "",
) -> Response:
    """The comment itself: classified and stored."""
    classifier = get_classifier()
    return _take_step(
        request,
        session,
        chat.submit_comment,
        {"text": text},
        step=step,
        text=text,
        classifier=classifier,
        uncertainty=chat.Uncertainty.from_card(classifier.card),
    )


@router.post("/feedback/category", dependencies=[Depends(public_post_limit)])
def category(
    request: Request,
    session: SessionDep,
    step: Annotated[int, Form()],
    answer: Annotated[str, Form()] = "",
) -> Response:
    """Yes, or the category the person chooses."""
    return _take_step(request, session, chat.choose_category, {}, step=step, answer=answer)


@router.post("/feedback/followup", dependencies=[Depends(public_post_limit)])
def followup(
    request: Request,
    session: SessionDep,
    step: Annotated[int, Form()],
    answer: Annotated[str, Form()] = "",
    skip: Annotated[str, Form()] = "",
) -> Response:
    """The answer to the follow-up question, or a skip."""
    return _take_step(
        request,
        session,
        chat.answer_followup,
        {"answer": answer},
        step=step,
        answer=answer,
        skip=bool(skip),
    )


@router.post("/feedback/more", dependencies=[Depends(public_post_limit)])
def more(
    request: Request,
    session: SessionDep,
    step: Annotated[int, Form()],
    choice: Annotated[str, Form()] = "",
) -> Response:
    """Another comment, or finish."""
    return _take_step(request, session, chat.more_or_finish, {}, step=step, choice=choice)


@router.post("/feedback/finish", dependencies=[Depends(public_post_limit)])
def finish(
    request: Request,
    session: SessionDep,
    step: Annotated[int, Form()],
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    skip: Annotated[str, Form()] = "",
) -> Response:
    """Optional contact details with consent; then thanks and the private link."""
    conversation = _current(request, session)
    if conversation is None:
        return _back()
    try:
        secret = chat.finish(
            session=session,
            conversation=conversation,
            step=step,
            name=name,
            email=email,
            consent=bool(consent),
            consent_text=CONSENT_TEXT,
            skip=bool(skip),
        )
    except InvalidInput as exc:
        return _error(request, session, conversation, exc, {"name": name, "email": email})
    except chat.StaleStep:
        return _back()
    response = _back()
    # Only the hash is stored; the secret rides in the signed cookie so the thanks page can show it.
    _set_cookie(request, response, {"c": conversation.id, "k": secret})
    return response


@router.post("/feedback/new", dependencies=[Depends(public_post_limit)])
def new_conversation(request: Request, session: SessionDep) -> Response:
    """Forget the finished conversation in this browser and start another."""
    return start(request, session)


@router.get("/feedback/mine/{secret}", response_class=HTMLResponse)
def my_comments(request: Request, session: SessionDep, secret: str) -> HTMLResponse:
    """What the person wrote, through the private link; each comment can be withdrawn."""
    try:
        conversation = conversation_for_secret(session=session, secret=secret)
    except NotFound as exc:
        return error_page(request, _("Link not valid"), 404, _(exc.message))
    comments = comments_of(session=session, conversation_id=conversation.id)
    return render(
        request,
        "feedback/mine.html",
        {"comments": comments, "secret": secret, "categories": {c.key: c for c in categories()}},
    )


@router.post("/feedback/mine/{secret}/withdraw", dependencies=[Depends(public_post_limit)])
def withdraw(
    request: Request, session: SessionDep, secret: str, reference: Annotated[str, Form()] = ""
) -> Response:
    """Withdraw one comment."""
    try:
        withdraw_comment(session=session, secret=secret, reference=reference)
    except NotFound as exc:
        return error_page(request, _("Link not valid"), 404, _(exc.message))
    return RedirectResponse(f"/feedback/mine/{secret}?withdrawn={reference}", status_code=303)


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request) -> HTMLResponse:
    """How feedback data is used (tietosuojaseloste)."""
    return render(request, "privacy.html")
