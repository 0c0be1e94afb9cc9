"""Security headers, body limits and the production secret check."""

import pytest

from assistant.app import create_app
from assistant.settings import Settings


@pytest.mark.parametrize(
    "path", ["/", "/feedback", "/events", "/api/v1/categories", "/no-such-page"]
)
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_bodies_over_the_limit_get_413(client):
    response = client.post(
        "/api/v1/classify", content=b"x" * 1_000_001, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_production_refuses_the_default_secret():
    with pytest.raises(RuntimeError, match="ASSISTANT_SECRET_KEY"):
        create_app(Settings(environment="production"))
    create_app(
        Settings(
            environment="production", secret_key="a-long-random-value-for-tests-only-0123456789"
        )
    )
