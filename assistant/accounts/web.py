"""Who is signed in, and the dependencies that guard the workspace and admin pages.

`PreparerDep` and `AdminDep` resolve the signed-in user from the session cookie. Anonymous visitors
are sent to the sign-in page; a preparer on an admin page gets 403; every POST must carry the
session's CSRF token (form field `csrf` or header `X-CSRF-Token`).
"""

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from assistant.accounts.service import SignedIn, resume_session
from assistant.web.i18n import gettext as _
from assistant.web.templating import error_page

SESSION_COOKIE = "vp_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No valid session: go to the sign-in page."""


class RoleRequired(Exception):
    """Signed in, but this page is for admins."""


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token."""


def signed_in(request: Request) -> SignedIn | None:
    """The signed-in user of this request, or None (sync: runs in the thread pool)."""
    if hasattr(request.state, "signed_in"):
        return request.state.signed_in
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        result = resume_session(session, request.cookies.get(SESSION_COOKIE))
    request.state.signed_in = result
    return result


async def _check_csrf(request: Request, who: SignedIn) -> None:
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get("x-csrf-token")
    if not submitted:
        form = await request.form()
        value = form.get("csrf")
        submitted = value if isinstance(value, str) else ""
    if not submitted or not hmac.compare_digest(submitted.encode(), who.csrf.encode()):
        raise CsrfFailed


async def require_preparer(
    request: Request, who: Annotated[SignedIn | None, Depends(signed_in)]
) -> SignedIn:
    """Dependency: a preparer or an admin, with a valid CSRF token on POSTs."""
    if who is None:
        raise SignInRequired
    await _check_csrf(request, who)
    return who


async def require_admin_user(
    request: Request, who: Annotated[SignedIn | None, Depends(signed_in)]
) -> SignedIn:
    """Dependency: an admin, with a valid CSRF token on POSTs."""
    if who is None:
        raise SignInRequired
    if not who.user.is_admin:
        raise RoleRequired
    await _check_csrf(request, who)
    return who


PreparerDep = Annotated[SignedIn, Depends(require_preparer)]
AdminDep = Annotated[SignedIn, Depends(require_admin_user)]


async def _to_sign_in(request: Request, _exc: SignInRequired) -> Response:
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return RedirectResponse("/sign-in?next=" + quote(target, safe=""), status_code=303)


async def _role_required(request: Request, _exc: RoleRequired) -> Response:
    return error_page(
        request, _("No access"), 403, _("This page is for admins. Ask an admin if you need access.")
    )


async def _csrf_failed(request: Request, _exc: CsrfFailed) -> Response:
    return error_page(
        request,
        _("Something went wrong"),
        403,
        _("The form had expired. Go back, reload the page and try again."),
    )


def install_handlers(app: FastAPI) -> None:
    """Turn the guard exceptions into a redirect or a 403 page."""
    app.add_exception_handler(SignInRequired, _to_sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(RoleRequired, _role_required)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfFailed, _csrf_failed)  # type: ignore[arg-type]
