"""Per-request language: read from ?lang=, the cookie or Accept-Language; remembered in a cookie."""

import logging
import time

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from assistant.web import i18n

ONE_YEAR = 365 * 24 * 3600


class LocaleMiddleware(BaseHTTPMiddleware):
    """Sets the request's locale for gettext and remembers an explicit choice."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        query = request.query_params.get("lang")
        locale = i18n.choose_locale(
            query, request.cookies.get(i18n.LOCALE_COOKIE), request.headers.get("accept-language")
        )
        token = i18n.current_locale.set(locale)
        request.state.locale = locale
        try:
            response = await call_next(request)
        finally:
            i18n.current_locale.reset(token)
        if query in i18n.LOCALES and request.cookies.get(i18n.LOCALE_COOKIE) != query:
            response.set_cookie(
                i18n.LOCALE_COOKIE, query, max_age=ONE_YEAR, httponly=True, samesite="lax"
            )
        response.headers.setdefault("Content-Language", locale)
        return response


access_log = logging.getLogger("assistant.access")


class AccessLogMiddleware(BaseHTTPMiddleware):
    """One log line per request without personal data: the route's template instead of the path
    (so private-link secrets and references never reach the log), no client address, no query."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        if access_log.isEnabledFor(logging.INFO):
            route = request.scope.get("route")
            path = getattr(route, "path", None) or "(unmatched)"
            access_log.info(
                "%s %s %s %.1f ms",
                request.method,
                path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
        return response
