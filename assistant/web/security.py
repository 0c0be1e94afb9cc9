"""Security headers on every response, and a limit on request bodies."""

import re

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# No inline script or style anywhere in the templates, so the policy can be strict.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
# The interactive API documentation loads its own scripts; it gets no CSP but keeps the rest.
UNGUARDED_PATHS = ("/docs", "/redoc")
# File uploads (CSV/XLSX imports) may be larger than other requests.
UPLOAD_PATH = re.compile(r"^/workspace/sessions/\d+/imports$")


class SecurityHeadersMiddleware(BaseHTTPMiddleware):
    """Adds CSP, nosniff, a referrer policy that keeps private links private, and HSTS over HTTPS."""

    def __init__(self, app, *, hsts: bool, max_body_bytes: int, max_upload_bytes: int = 0):
        super().__init__(app)
        self.hsts = hsts
        self.max_body_bytes = max_body_bytes
        # Room for the multipart envelope and the other form fields around the file.
        self.max_upload_body = max(max_upload_bytes + 64 * 1024, max_body_bytes)

    def _limit(self, request: Request) -> int:
        if request.method == "POST" and UPLOAD_PATH.match(request.url.path):
            return self.max_upload_body
        return self.max_body_bytes

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self._limit(request):
            response: Response = _too_large(request)
        else:
            response = await call_next(request)
        headers = response.headers
        if not request.url.path.startswith(UNGUARDED_PATHS):
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # Private links (/feedback/mine/…, /registrations/…) must never leak in a Referer header.
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if self.hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _too_large(request: Request) -> Response:
    """413: JSON for the API, a page in the visitor's language for people."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "Request body too large"}, status_code=413)
    from assistant.web import i18n
    from assistant.web.templating import error_page

    locale = i18n.choose_locale(
        request.query_params.get("lang"),
        request.cookies.get(i18n.LOCALE_COOKIE),
        request.headers.get("accept-language"),
    )
    token = i18n.current_locale.set(locale)
    try:
        return error_page(
            request,
            i18n.gettext("Too large"),
            413,
            i18n.gettext("What you sent is larger than this service accepts. Nothing was saved."),
        )
    finally:
        i18n.current_locale.reset(token)
