"""Shared fixtures: the settings, the app under test, the shipped classifier."""

import pytest
from fastapi.testclient import TestClient

from assistant.app import create_app
from assistant.classifier.registry import Classifier, get_classifier
from assistant.settings import Settings, get_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return get_classifier()


@pytest.fixture(scope="session")
def client() -> TestClient:
    with TestClient(create_app()) as test_client:
        yield test_client
