"""Admin access for now: a bearer token from the settings (ASSISTANT_ADMIN_TOKEN).

Compared in constant time; while no token is configured the admin routes stay closed.
"""

import hmac

from fastapi import HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False, description="ASSISTANT_ADMIN_TOKEN")


async def require_admin(request: Request) -> None:
    """Dependency: 401 unless the request carries the configured admin bearer token."""
    expected = request.app.state.settings.admin_token
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    if (
        not expected
        or credentials is None
        or not hmac.compare_digest(credentials.credentials, expected)
    ):
        raise HTTPException(
            status_code=401, detail="Admin token required", headers={"WWW-Authenticate": "Bearer"}
        )


ADMIN_COOKIE = "vp_admin"
ADMIN_SESSION_SECONDS = 8 * 3600


def _admin_serializer(request: Request):
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="admin-session")


def token_matches(request: Request, token: str) -> bool:
    """Whether a typed token is the configured admin token (constant time; never when unset)."""
    expected = request.app.state.settings.admin_token
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def admin_session_cookie(request: Request) -> tuple[str, str]:
    """A signed admin session value and its CSRF token."""
    import secrets

    csrf = secrets.token_urlsafe(24)
    return _admin_serializer(request).dumps({"csrf": csrf}), csrf


def admin_csrf(request: Request) -> str | None:
    """The CSRF token of a valid admin session cookie, or None when not signed in."""
    from itsdangerous import BadSignature

    raw = request.cookies.get(ADMIN_COOKIE)
    if not raw:
        return None
    try:
        payload = _admin_serializer(request).loads(raw, max_age=ADMIN_SESSION_SECONDS)
    except BadSignature:
        return None
    return payload.get("csrf") if isinstance(payload, dict) else None


def csrf_ok(request: Request, submitted: str) -> bool:
    """A state-changing admin form must carry the session's CSRF token."""
    expected = admin_csrf(request)
    return bool(expected) and hmac.compare_digest(submitted.encode(), expected.encode())
