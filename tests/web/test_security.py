"""Security headers, body limits and the production secret check."""

import logging

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


def test_the_access_log_holds_no_addresses_secrets_or_queries(client, caplog):
    secret = "Zq3xPrivateLinkSecret0000000000000"
    with caplog.at_level(logging.INFO, logger="assistant.access"):
        client.get(f"/feedback/mine/{secret}?email=maija@example.fi")
        client.get("/events?service_area=older_people")
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.access"]
    assert any(line.startswith("GET /feedback/mine/{secret} ") for line in lines), lines
    assert any(line.startswith("GET /events 200") for line in lines), lines
    text = "\n".join(lines)
    assert secret not in text and "maija" not in text and "testclient" not in text
