"""Shared fixtures: the settings, databases (SQLite and PostgreSQL), the app under test, the classifier.

`db_url` is parametrized over SQLite and PostgreSQL: every test that uses it runs on both. Each
backend gets a fresh database per test session, built by the real Alembic migrations.
"""

import os
import uuid
from collections.abc import Callable, Iterator

import hypothesis
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from assistant.app import create_app
from assistant.classifier.registry import Classifier, get_classifier
from assistant.db import build_engine
from assistant.migrate import upgrade
from assistant.settings import Settings, get_settings

# The machines are shared and noisy: property tests check behaviour, never speed (that is bench/'s
# job), so no example may fail for taking longer than Hypothesis's default 200 ms.
hypothesis.settings.register_profile("vuoropuhe", deadline=None)
hypothesis.settings.load_profile("vuoropuhe")

_FIGURES: list[str] = []


@pytest.fixture(scope="session")
def figures() -> Callable[[str], None]:
    """Record a figure (requests acknowledged, cases run, routes checked) for the run's summary."""
    return _FIGURES.append


def pytest_terminal_summary(terminalreporter) -> None:
    """The recorded figures at the end of the run, so a CI log shows what the tests measured."""
    if _FIGURES:
        terminalreporter.section("figures")
        for line in dict.fromkeys(_FIGURES):  # a figure recorded on both databases once
            terminalreporter.write_line(line)


POSTGRES_ADMIN_URL = os.environ.get(
    "ASSISTANT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return get_classifier()


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """An app on a scratch SQLite database, for tests that do not care about the backend."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/app.sqlite3"
        upgrade(url)
        with TestClient(create_app(make_test_settings(url))) as test_client:
            yield test_client


def make_test_settings(database_url: str, **overrides) -> Settings:
    """Settings for an app under test: its own database, a generous rate limit."""
    overrides.setdefault("run_jobs_in_app", False)  # tests run jobs with run_pending()
    return Settings(database_url=database_url, public_post_rate="100000/minute", **overrides)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'vuoropuhe.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"vuoropuhe_test_{uuid.uuid4().hex[:10]}"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.skip(
            f"PostgreSQL not reachable at {admin.render_as_string(hide_password=True)}: {exc}"
        )
    url = admin.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """The URL of a migrated database; each test using it runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def app_client(db_url) -> Iterator[TestClient]:
    """A fresh app (own cookies, own rate limiter) on the parametrized database."""
    with TestClient(create_app(make_test_settings(db_url))) as test_client:
        yield test_client


@pytest.fixture
def db_session(db_url) -> Iterator[Session]:
    """A session on the parametrized database, for reading what the app stored."""
    engine = build_engine(db_url, begin_immediate=False)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def shipped_models_stay_untouched():
    """No test may write a model version into the repository's models/ (tests retrain on copies)."""
    from assistant.settings import ROOT_DIR

    folder = ROOT_DIR / "models"
    before = sorted(p.name for p in folder.iterdir())
    current = (folder / "CURRENT").read_text()
    yield
    after = sorted(p.name for p in folder.iterdir())
    assert after == before, f"a test changed models/: {sorted(set(after) ^ set(before))}"
    assert (folder / "CURRENT").read_text() == current, "a test changed models/CURRENT"
