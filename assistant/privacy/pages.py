"""The admins' personal-data page: export or erase what is held about an email address."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from assistant.accounts.web import AdminDep
from assistant.db import SessionDep
from assistant.privacy import service
from assistant.web.i18n import gettext as _
from assistant.web.templating import render

router = APIRouter(prefix="/admin/privacy", include_in_schema=False)


def _page(request: Request, who, status_code: int = 200, **extra) -> Response:
    context = {"csrf": who.csrf, "email": "", "error": None, "erased": None, **extra}
    return render(request, "privacy/admin.html", context, status_code)


@router.get("", response_class=HTMLResponse)
def page(request: Request, who: AdminDep) -> Response:
    """The form."""
    return _page(request, who)


@router.post("/export")
def export(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """Everything held about the address, as a JSON file."""
    if "@" not in email:
        return _page(request, who, 422, error=_("Enter a valid email address."), email=email)
    data = service.export(session, email, actor=who.user)
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="personal-data.json"'},
    )


@router.post("/erase")
def erase(
    request: Request,
    session: SessionDep,
    who: AdminDep,
    email: Annotated[str, Form(max_length=320)] = "",
    confirm: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """Erase the address's contact details (comments stay, unlinked)."""
    if "@" not in email:
        return _page(request, who, 422, error=_("Enter a valid email address."), email=email)
    if confirm != "1":
        return _page(
            request, who, 422, error=_("Tick the box to confirm the erasure."), email=email
        )
    counts = service.erase(session, email, actor=who.user)
    return _page(request, who, erased=counts)
