"""Users, signed-in clients and an app for the workspace tests."""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from assistant.accounts.service import add_user
from assistant.app import create_app
from assistant.db import build_engine
from tests.conftest import make_test_settings

PASSWORD = "kuusi kuukautta kesälomaa"


@dataclass
class Signed:
    """A test client with a signed-in session."""

    client: TestClient
    email: str
    csrf: str


def csrf_of(html: str) -> str:
    """The CSRF token in a workspace page (every page carries one in the sign-out form)."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def create_user(db_url: str, role: str, password: str = PASSWORD) -> str:
    """A new user with a unique email; returns the email."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@hyvinvointialue.fi"
    engine = build_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        add_user(session, email=email, role=role, password=password, actor_name="test")
    engine.dispose()
    return email


@pytest.fixture
def workspace_app(db_url) -> Iterator[FastAPI]:
    """A fresh app (own rate limiter) whose lifespan has run."""
    app = create_app(make_test_settings(db_url))
    with TestClient(app):
        yield app


@pytest.fixture
def sign_in(workspace_app, db_url) -> Callable[[str], Signed]:
    """sign_in("preparer") or sign_in("admin"): a new user and a client signed in as them."""

    def make(role: str) -> Signed:
        email = create_user(db_url, role)
        client = TestClient(workspace_app)
        page = client.post(
            "/sign-in", data={"email": email, "password": PASSWORD, "next": "/workspace/comments"}
        )
        assert page.status_code == 200, page.text
        return Signed(client=client, email=email, csrf=csrf_of(page.text))

    return make


@pytest.fixture
def anonymous(workspace_app) -> TestClient:
    """A client without a session."""
    return TestClient(workspace_app)
