"""Bearer tokens for the admin API.

A token is either one that `assistant token create EMAIL` issued to an active admin (only its
SHA-256 is stored) or the deployment-wide ASSISTANT_ADMIN_TOKEN when one is configured; the latter
is compared in constant time.
"""

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from assistant.accounts.service import user_for_token

_bearer = HTTPBearer(auto_error=False, description="An admin's API token")


def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Dependency: 401 unless the request carries a valid admin bearer token."""
    if credentials is not None and _valid(request, credentials.credentials):
        return
    raise HTTPException(
        status_code=401, detail="Admin token required", headers={"WWW-Authenticate": "Bearer"}
    )


def _valid(request: Request, token: str) -> bool:
    expected = request.app.state.settings.admin_token
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        return True
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        return user_for_token(session, token) is not None
