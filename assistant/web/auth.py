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
