"""Hostile input generated from /openapi.json (schemathesis): no 5xx, and answers match the schema."""

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from assistant.app import create_app
from assistant.migrate import upgrade
from tests.conftest import make_test_settings

pytestmark = pytest.mark.slow
ADMIN = "schemathesis-admin-token"

_folder = tempfile.mkdtemp()
_url = f"sqlite:///{_folder}/api.sqlite3"
upgrade(_url)
app = create_app(make_test_settings(_url, admin_token=ADMIN))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


_cases: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _count_cases(figures):
    yield
    operations = len(set(_cases))
    figures(
        f"schemathesis: {len(_cases)} generated cases over {operations} operations, "
        "each without a server error and matching the schema"
    )


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_keeps_its_schema(case):
    _cases.append(case.operation.label)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {ADMIN}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
