"""The preparers' review pages: the filtered list, a comment's page with its actions, agreement."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from assistant.accounts.models import User
from assistant.accounts.web import PreparerDep
from assistant.classifier.categories import CATEGORY_KEYS
from assistant.consultations import service as consultations_service
from assistant.consultations.models import ConsultationSession
from assistant.db import SessionDep
from assistant.errors import DomainError
from assistant.feedback import review
from assistant.feedback.enums import CommentStatus, Stakeholder
from assistant.summaries.masking import has_pii
from assistant.web.i18n import gettext as _
from assistant.web.i18n import translate_error
from assistant.web.params import optional_date
from assistant.web.templating import error_page, render

router = APIRouter(include_in_schema=False)
Reference = Annotated[str, Path(pattern=r"^[A-Za-z]{2}-[A-Za-z0-9]{6}$")]


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and low <= number <= high else None


def filters_from(params) -> review.ReviewFilters:
    """Review filters from query parameters; values that do not parse are left out."""
    category = params.get("category")
    stakeholder = params.get("stakeholder")
    status = params.get("status")
    lang = params.get("lang_filter") or params.get("in_lang")
    min_conf = _int(params.get("min_conf"), 0, 100)
    max_conf = _int(params.get("max_conf"), 0, 100)
    return review.ReviewFilters(
        category=category if category in CATEGORY_KEYS else None,
        stakeholder=stakeholder if stakeholder in {s.value for s in Stakeholder} else None,
        lang=lang if lang in {"fi", "sv", "en"} else None,
        consultation_id=_int(params.get("session"), 1, 2**31 - 1),
        status=status if status in {s.value for s in CommentStatus} else None,
        min_confidence=None if min_conf is None else min_conf / 100,
        max_confidence=None if max_conf is None else max_conf / 100,
        date_from=optional_date(params.get("from")),
        date_to=optional_date(params.get("to")),
        q=(params.get("q") or "").strip()[:200] or None,
        sort=params.get("sort") if params.get("sort") in review.SORTS else "newest",
    )


@router.get("/workspace", response_class=HTMLResponse)
def workspace(who: PreparerDep) -> Response:
    """The workspace starts at the review list."""
    return RedirectResponse("/workspace/comments", status_code=303)


@router.get("/workspace/comments", response_class=HTMLResponse)
def comments(request: Request, session: SessionDep, who: PreparerDep) -> Response:
    """The review list with filters, sorting and keyset pagination."""
    filters = filters_from(request.query_params)
    after = request.query_params.get("after") or None
    try:
        page = review.review_page(session, filters, after=after)
    except DomainError:
        page = review.review_page(session, filters)
    query = urlencode(filters.query_items())
    return render(
        request,
        "workspace/comments.html",
        {
            "page": page,
            "f": filters,
            "query": query,
            "sessions": consultations_service.newest_first(session),
            "categories": CATEGORY_KEYS,
            "stakeholders": list(Stakeholder),
            "statuses": list(CommentStatus),
            "first_page": after is not None,
        },
    )


def _comment_page(
    request: Request, session: Session, who, comment, status_code: int = 200, **extra
) -> Response:
    consultation = (
        session.get(ConsultationSession, comment.consultation_id)
        if comment.consultation_id
        else None
    )
    reviewer = session.get(User, comment.reviewed_by_id) if comment.reviewed_by_id else None
    filters = filters_from(request.query_params)
    context = {
        "comment": comment,
        "pii": sorted(has_pii(comment.text, comment.lang)),
        "consultation": consultation,
        "reviewer": reviewer,
        "notes": review.notes_of(session, comment),
        "history": review.history_of(session, comment),
        "categories": CATEGORY_KEYS,
        "ranked": sorted(comment.scores.items(), key=lambda kv: kv[1], reverse=True),
        "csrf": who.csrf,
        "query": urlencode(filters.query_items()),
        "next": review.next_comment(session, filters, comment),
        "errors": {},
        "message": request.query_params.get("done"),
        **extra,
    }
    return render(request, "workspace/comment.html", context, status_code)


@router.get("/workspace/comments/{reference}", response_class=HTMLResponse)
def comment_page(
    request: Request, session: SessionDep, who: PreparerDep, reference: Reference
) -> Response:
    """A comment with the model's scores and reasons, its history, notes and the review form."""
    try:
        comment = review.get_comment(session, reference)
    except DomainError:
        return error_page(request, _("Page not found"), 404)
    return _comment_page(request, session, who, comment)


def _back(reference: str, query: str, done: str) -> str:
    extra = urlencode({"done": done})
    return f"/workspace/comments/{reference}?{query + '&' if query else ''}{extra}"


@router.post("/workspace/comments/{reference}/{action}")
def act(
    request: Request,
    session: SessionDep,
    who: PreparerDep,
    reference: Reference,
    action: str,
    final_label: Annotated[str, Form(max_length=32)] = "",
    secondary: Annotated[list[str] | None, Form(max_length=32)] = None,
    reason: Annotated[str, Form(max_length=2000)] = "",
    note: Annotated[str, Form(max_length=10000)] = "",
    query: Annotated[str, Form(max_length=2000)] = "",
    go_next: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """review (set the category and mark reviewed), hide, restore or note."""
    try:
        comment = review.get_comment(session, reference)
    except DomainError:
        return error_page(request, _("Page not found"), 404)
    try:
        if action == "review":
            review.set_labels(
                session,
                comment,
                actor=who.user,
                final_label=final_label or comment.label,
                secondary=list(secondary or []),
            )
        elif action == "hide":
            review.hide(session, comment, actor=who.user, reason=reason)
        elif action == "restore":
            review.restore(session, comment, actor=who.user)
        elif action == "note":
            review.add_note(session, comment, actor=who.user, text=note)
        else:
            return error_page(request, _("Page not found"), 404)
    except DomainError as exc:
        session.rollback()
        session.refresh(comment)
        message = translate_error(exc)
        return _comment_page(
            request, session, who, comment, 422, errors={exc.field or "form": message}
        )
    if action == "review" and go_next:
        from urllib.parse import parse_qs

        params = {k: v[-1] for k, v in parse_qs(query).items()}
        following = review.next_comment(session, filters_from(params), comment)
        if following is not None:
            return RedirectResponse(
                f"/workspace/comments/{following.reference}?{query}", status_code=303
            )
        return RedirectResponse(f"/workspace/comments?{query}", status_code=303)
    return RedirectResponse(_back(comment.reference, query, action), status_code=303)


@router.get("/workspace/agreement", response_class=HTMLResponse)
def agreement(request: Request, session: SessionDep, who: PreparerDep) -> Response:
    """How often the model, the submitters and the preparers agree, per category."""
    return render(request, "workspace/agreement.html", {"agreement": review.agreement(session)})
