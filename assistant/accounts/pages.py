"""Sign-in and sign-out pages, and the admins' user management."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from limits import parse

from assistant.accounts import service
from assistant.accounts.models import Role
from assistant.accounts.web import SESSION_COOKIE, AdminDep, PreparerDep, signed_in
from assistant.audit.service import record
from assistant.db import SessionDep
from assistant.errors import DomainError
from assistant.web.i18n import gettext as _
from assistant.web.i18n import translate_error
from assistant.web.params import RowId
from assistant.web.ratelimit import client_key
from assistant.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme) is followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/workspace"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    if signed_in(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "accounts/sign_in.html", {"next": _safe_next(next), "error": None})


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=2048)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the password; repeated failures for an account or a client are refused for a while."""
    state = request.app.state
    account_limit = parse(state.settings.sign_in_rate)
    client_limit = parse(state.settings.sign_in_client_rate)
    account_key = email.strip().lower()
    client = client_key(request)
    context = {"next": _safe_next(next), "email": email}
    if not state.limiter.test(account_limit, "sign-in", account_key) or not state.limiter.test(
        client_limit, "sign-in-client", client
    ):
        message = _("Too many failed sign-ins. Wait 15 minutes and try again.")
        response = render(request, "accounts/sign_in.html", {**context, "error": message}, 429)
        response.headers["Retry-After"] = "900"
        return response
    user = service.authenticate(session, email, password)
    if user is None:
        state.limiter.hit(account_limit, "sign-in", account_key)
        state.limiter.hit(client_limit, "sign-in-client", client)
        record(
            session,
            actor=None,
            actor_name=account_key[:320] or "-",
            action="auth.sign_in_failed",
            target_type="user",
            target_id=account_key[:64],
        )
        session.commit()
        message = _("The email address or the password is not right.")
        return render(request, "accounts/sign_in.html", {**context, "error": message}, 401)
    state.limiter.clear(account_limit, "sign-in", account_key)
    value = service.start_session(session, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies or request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep, who: PreparerDep) -> Response:
    """End the session on the server and forget the cookie."""
    service.end_session(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _users_page(request: Request, session, who, status_code: int = 200, **extra) -> Response:
    context = {
        "users": service.list_users(session),
        "roles": list(Role),
        "csrf": who.csrf,
        "me": who.user,
        "form": {},
        "errors": {},
        "message": None,
        **extra,
    }
    return render(request, "accounts/users.html", context, status_code)


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """Every user, and the form for a new one."""
    return _users_page(request, session, who, message=request.query_params.get("done"))


@router.post("/admin/users")
def add_user(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    email: Annotated[str, Form(max_length=320)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=16)] = "preparer",
    password: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    """Add a preparer or an admin with a first password."""
    try:
        service.add_user(
            session, email=email, role=role, password=password, name=name, actor=who.user
        )
    except DomainError as exc:
        session.rollback()
        message = translate_error(exc)
        return _users_page(
            request,
            session,
            who,
            422,
            form={"email": email, "name": name, "role": role},
            errors={exc.field or "form": message},
        )
    return RedirectResponse("/admin/users?done=added", status_code=303)


@router.post("/admin/users/{user_id}")
def update_user(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    user_id: RowId,
    role: Annotated[str, Form(max_length=16)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Change a user's role, or disable / enable the account."""
    from assistant.accounts.models import User

    user = session.get(User, user_id)
    if user is None:
        return _users_page(request, session, who, 404)
    try:
        service.update_user(
            session,
            user,
            role=role or None,
            active={"1": True, "0": False}.get(active),
            actor=who.user,
        )
    except DomainError as exc:
        session.rollback()
        return _users_page(request, session, who, 422, errors={"form": _(exc.message)})
    return RedirectResponse("/admin/users?done=updated", status_code=303)
