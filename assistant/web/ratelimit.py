"""Per-client rate limits on public POSTs (the `limits` library; memory or Redis storage)."""

from fastapi import HTTPException, Request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


def build_limiter(storage_url: str) -> MovingWindowRateLimiter:
    """A limiter on memory:// (one process) or redis:// (shared by several processes)."""
    return MovingWindowRateLimiter(storage_from_string(storage_url))


def client_key(request: Request) -> str:
    """The client's address (behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


async def public_post_limit(request: Request) -> None:
    """Dependency: refuse with 429 when a client posts faster than the configured rate."""
    state = request.app.state
    if not state.limiter.hit(
        parse(state.settings.public_post_rate), "public-post", client_key(request)
    ):
        raise HTTPException(
            status_code=429, detail="Too many requests", headers={"Retry-After": "60"}
        )
