"""Error responses: JSON for the API, a page in the user's language for everything else."""

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.web.i18n import gettext as _
from assistant.web.templating import render


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in {"/healthz", "/openapi.json"}


def _field_message(error: dict) -> str:
    kind = error.get("type", "")
    field = ".".join(str(p) for p in error.get("loc", ())[1:]) or _("request")
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return _("%(field)s is too long: at most %(limit)s characters.") % {
            "field": field,
            "limit": limit,
        }
    if kind in {
        "string_type",
        "int_type",
        "bool_type",
        "list_type",
        "dict_type",
        "model_attributes_type",
    }:
        return _("%(field)s has the wrong type.") % {"field": field}
    if kind == "missing":
        return _("%(field)s is required.") % {"field": field}
    if kind == "extra_forbidden":
        return _("%(field)s is not a known field.") % {"field": field}
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    message = str(error.get("msg", ""))
    if "text is empty" in message:
        return _("%(field)s is empty.") % {"field": field}
    if "control characters" in message:
        return _("%(field)s contains control characters.") % {"field": field}
    return _("%(field)s is not valid.") % {"field": field}


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """422 with FastAPI's error list and a readable message in the user's language; a page for people."""
    errors = exc.errors()
    if not _wants_json(request):
        if any(error.get("loc", ("",))[0] == "path" for error in errors):
            return render(request, "error.html", {"title": _("Page not found"), "status": 404}, 404)
        detail = _("The form could not be read. Please go back, reload the page and try again.")
        return render(
            request,
            "error.html",
            {"title": _("Something went wrong"), "status": 422, "detail": detail},
            422,
        )
    return JSONResponse(
        status_code=422,
        content={
            "detail": jsonable_encoder(errors, custom_encoder={Exception: str}),
            "message": " ".join(_field_message(e) for e in errors),
        },
    )


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """JSON for API paths; a page in the base layout for people."""
    if _wants_json(request):
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
    titles = {
        404: _("Page not found"),
        405: _("This action is not possible here"),
        429: _("Too many requests"),
    }
    title = titles.get(exc.status_code, _("Something went wrong"))
    detail = (
        _(
            "You have sent a lot in a short time. Wait a minute and try again; nothing you already sent is lost."
        )
        if exc.status_code == 429
        else None
    )
    return render(
        request,
        "error.html",
        {"title": title, "status": exc.status_code, "detail": detail},
        exc.status_code,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
