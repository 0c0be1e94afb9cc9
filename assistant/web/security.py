"""Security headers on every response, and a limit on request bodies."""

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


class SecurityHeadersMiddleware(BaseHTTPMiddleware):
    """Adds CSP, nosniff, a referrer policy that keeps private links private, and HSTS over HTTPS."""

    def __init__(self, app, *, hsts: bool, max_body_bytes: int):
        super().__init__(app)
        self.hsts = hsts
        self.max_body_bytes = max_body_bytes

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            response: Response = JSONResponse({"detail": "Request body too large"}, status_code=413)
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
