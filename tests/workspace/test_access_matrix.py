"""Who may open what, read from the app's own route table.

Every HTML route under /workspace and /admin, and /sign-out, is tried as an anonymous visitor, a
preparer and an admin: anonymous visitors go to the sign-in page, preparers get 403 on admin pages,
and nobody allowed in ever meets 401/403 or a server error. Every POST refuses a missing or wrong
CSRF token and changes nothing. The JSON admin API takes per-admin bearer tokens only.
"""

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from assistant.accounts.models import ApiToken, User
from assistant.accounts.service import create_token, get_user, revoke_token, update_user
from assistant.app import create_app
from assistant.db import build_engine
from assistant.errors import InvalidInput
from assistant.jobs.models import Job, JobStatus
from assistant.settings import get_settings
from tests.conftest import make_test_settings
from tests.workspace.conftest import create_user

# A row id that no test ever reaches: POSTs that pass the guards aim at it so that the matrix
# publishes, cancels or edits nothing that other tests made (GETs use 1, a row that may exist).
MISSING_ID = 2**31 - 1
ACTIONS = {
    "/admin/events/{event_id}/{action}": "publish",
    "/workspace/comments/{reference}/{action}": "review",
}
VALUES = {"reference": "VP-ABCDEF", "fmt": "csv"}
# Columns that a request may touch without changing anything (sessions are refreshed once a minute).
TOUCHED = {"last_seen_at", "last_used_at"}


@pytest.fixture
def workspace_app(db_url, tmp_path) -> Iterator[FastAPI]:
    """The app on a private copy of models/, so that activate and rollback touch no shared file."""
    models = shutil.copytree(get_settings().models_dir, tmp_path / "models")
    app = create_app(make_test_settings(db_url, models_dir=models))
    with TestClient(app):
        yield app


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every FastAPI route, whether included lazily or not."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI versions that copy included routes into app.routes
        found = [(r.methods, r.path) for r in app.routes if isinstance(r, APIRoute)]
    else:
        found = [
            (c.methods, c.path)
            for c in iter_route_contexts(app.routes)
            if isinstance(c.original_route, APIRoute)
        ]
    return [(method, path) for methods, path in found for method in sorted(methods or ())]


def page_routes(app: FastAPI) -> list[tuple[str, str]]:
    """The HTML workspace and admin routes and sign-out; sign-out last, as it ends the session."""
    routes = [
        (method, path)
        for method, path in api_routes(app)
        if path.startswith(("/workspace", "/admin/")) or path in {"/admin", "/sign-out"}
    ]
    return sorted(routes, key=lambda route: (route[1] == "/sign-out", route[1], route[0]))


def fill(template: str, row_id: int) -> str:
    """A concrete path for a route template."""

    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        if name == "action":
            return ACTIONS[template]
        if name.endswith("_id"):
            return str(row_id)
        if name not in VALUES:
            raise AssertionError(f"no test value for {{{name}}} in {template}: add one to VALUES")
        return VALUES[name]

    return re.sub(r"\{([^}]+)\}", value, template)


def concrete(method: str, template: str) -> str:
    return fill(template, 1 if method == "GET" else MISSING_ID)


@contextmanager
def database(db_url: str) -> Iterator[Session]:
    engine = build_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def snapshot(session: Session, models_dir: Path) -> dict[str, object]:
    """Every row of every table (minus the touch timestamps) and the models folder."""
    session.rollback()
    state: dict[str, object] = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name not in TOUCHED]
        rows = session.execute(sa_select(*columns).order_by(*table.primary_key.columns)).all()
        state[table.name] = [tuple(row) for row in rows]
    state["models/"] = sorted(
        (str(p.relative_to(models_dir)), p.read_bytes())
        for p in models_dir.rglob("*")
        if p.is_file()
    )
    session.rollback()
    return state


def test_the_matrix_covers_every_workspace_and_admin_page(workspace_app, figures):
    routes = page_routes(workspace_app)
    paths = {path for _method, path in routes}
    posts = sum(1 for method, _path in routes if method == "POST")
    figures(
        f"access matrix: {len(routes)} method+path pairs over {len(paths)} paths "
        f"({posts} POST), each tried anonymous, as preparer and as admin"
    )
    assert len(routes) >= 20
    assert {
        "/workspace",
        "/workspace/comments/{reference}/{action}",
        "/workspace/sessions/{session_id}/imports",
        "/admin/users",
        "/admin/users/{user_id}",
        "/admin/events/{event_id}/registrations.{fmt}",
        "/admin/models/rollback",
        "/admin/audit",
        "/sign-out",
    } <= paths
    assert not any(path.startswith("/api/") for path in paths)
    assert all(concrete(method, path) for method, path in routes)  # every parameter has a value


def test_anonymous_visitors_are_sent_to_sign_in(workspace_app, anonymous):
    checked, wrong = [], []
    for method, template in page_routes(workspace_app):
        path = concrete(method, template)
        response = anonymous.request(method, path, follow_redirects=False)
        checked.append(path)
        expected = "/sign-in?next=" + quote(path, safe="")
        if response.status_code != 303 or response.headers.get("location") != expected:
            wrong.append((method, path, response.status_code, response.headers.get("location")))
    print(f"anonymous: {len(checked)} routes checked")
    assert len(checked) >= 20
    assert wrong == []


def test_anonymous_redirects_keep_the_query_of_a_get(anonymous):
    response = anonymous.get("/workspace/comments?status=new&lang=sv", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=" + quote(
        "/workspace/comments?status=new&lang=sv", safe=""
    )


def test_preparers_are_refused_on_every_admin_page(workspace_app, sign_in):
    preparer = sign_in("preparer")
    checked, wrong = [], []
    for method, template in page_routes(workspace_app):
        if not template.startswith("/admin"):
            continue
        path = concrete(method, template)
        data = {"csrf": preparer.csrf} if method == "POST" else None
        response = preparer.client.request(method, path, data=data, follow_redirects=False)
        checked.append(path)
        if response.status_code != 403:
            wrong.append((method, path, response.status_code))
    print(f"preparer on admin pages: {len(checked)} routes checked")
    assert len(checked) >= 10
    assert wrong == []
    assert preparer.client.get("/workspace/comments").status_code == 200


def test_preparers_reach_every_workspace_page(workspace_app, sign_in):
    preparer = sign_in("preparer")
    checked, wrong = [], []
    for method, template in page_routes(workspace_app):
        if template.startswith("/admin"):
            continue
        path = concrete(method, template)
        data = {"csrf": preparer.csrf} if method == "POST" else None
        response = preparer.client.request(method, path, data=data, follow_redirects=False)
        checked.append((method, path, response.status_code))
        if response.status_code in {401, 403} or response.status_code >= 500:
            wrong.append((method, path, response.status_code))
    print(f"preparer on workspace pages: {len(checked)} routes checked: {checked}")
    assert len(checked) >= 10
    assert wrong == []
    # The last route was /sign-out: the session is over.
    assert checked[-1][:2] == ("POST", "/sign-out")
    assert preparer.client.get("/workspace/comments", follow_redirects=False).status_code == 303


def test_admins_reach_every_page(workspace_app, sign_in, db_url):
    admin = sign_in("admin")
    checked, wrong = [], []
    try:
        for method, template in page_routes(workspace_app):
            path = concrete(method, template)
            data = {"csrf": admin.csrf} if method == "POST" else None
            response = admin.client.request(method, path, data=data, follow_redirects=False)
            checked.append((method, path, response.status_code))
            if response.status_code in {401, 403} or response.status_code >= 500:
                wrong.append((method, path, response.status_code))
    finally:
        # POST /admin/models/retrain queued a real job: fail it so no worker ever runs it.
        with database(db_url) as session:
            me = get_user(session, admin.email)
            for job in session.exec(
                select(Job).where(Job.created_by_id == me.id, Job.status == JobStatus.queued.value)
            ):
                job.status, job.message = JobStatus.failed.value, "test: not to be run"
                session.add(job)
            session.commit()
    print(f"admin: {len(checked)} routes checked: {checked}")
    assert len(checked) >= 20
    assert wrong == []
    assert ("POST", "/admin/models/retrain", 303) in checked


def test_posts_without_the_right_csrf_token_are_refused_and_change_nothing(
    workspace_app, sign_in, db_session
):
    admin = sign_in("admin")
    other = sign_in("preparer")  # a valid token, but of another session
    models_dir = workspace_app.state.settings.models_dir
    posts = [route for route in page_routes(workspace_app) if route[0] == "POST"]
    before = snapshot(db_session, models_dir)
    checked, wrong = [], []
    for _method, template in posts:
        path = fill(template, 1)  # rows that may exist: nothing may happen to them either
        attempts = {
            "no token": {"data": {"role": "preparer", "active": "0", "version": "x"}},
            "wrong token": {"data": {"csrf": "forged-" + admin.csrf[:10]}},
            "empty token": {"data": {"csrf": ""}},
            "another session's token": {"data": {"csrf": other.csrf}},
            "wrong header": {"headers": {"X-CSRF-Token": "forged"}, "data": {"csrf": admin.csrf}},
        }
        for name, request in attempts.items():
            response = admin.client.post(path, follow_redirects=False, **request)
            checked.append((path, name))
            if response.status_code != 403:
                wrong.append((path, name, response.status_code))
    print(f"CSRF: {len(posts)} POST routes, {len(checked)} forged requests")
    assert len(posts) >= 12
    assert wrong == []
    assert snapshot(db_session, models_dir) == before
    # Not even sign-out happened.
    assert admin.client.get("/admin/users", follow_redirects=False).status_code == 200


def admin_api_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [route for route in api_routes(app) if route[1].startswith("/api/v1/admin/")]


def call(client: TestClient, method: str, template: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"json": {}} if method in {"POST", "PATCH", "PUT"} else {}
    return client.request(method, fill(template, MISSING_ID), headers=headers, **body)


def test_the_admin_api_needs_a_bearer_token(workspace_app, anonymous, sign_in):
    routes = admin_api_routes(workspace_app)
    assert len(routes) >= 5
    admin = sign_in("admin")  # a browser session is not enough for the API
    wrong = []
    for method, template in routes:
        for who, headers in [
            ("nobody", {}),
            ("unknown token", {"Authorization": "Bearer vp_" + "x" * 43}),
            ("not a vp_ token", {"Authorization": "Bearer test-admin-token"}),
            ("basic auth", {"Authorization": "Basic YWRtaW46YWRtaW4="}),
        ]:
            response = anonymous.request(method, fill(template, MISSING_ID), headers=headers)
            if response.status_code != 401 or response.headers.get("www-authenticate") != "Bearer":
                wrong.append((method, template, who, response.status_code))
        response = admin.client.request(
            method, fill(template, MISSING_ID), headers={"X-CSRF-Token": admin.csrf}
        )
        if response.status_code != 401:
            wrong.append((method, template, "signed-in admin", response.status_code))
    assert wrong == []


def test_an_admins_token_opens_the_admin_api_until_it_is_revoked(workspace_app, anonymous, db_url):
    email = create_user(db_url, "admin")
    with database(db_url) as session:
        token, value = create_token(session, get_user(session, email), label="matrix")
    routes = admin_api_routes(workspace_app)
    results = [(m, t, call(anonymous, m, t, value).status_code) for m, t in routes]
    assert [r for r in results if r[2] == 401 or r[2] >= 500] == []
    registrations = "/api/v1/admin/events/{event_id}/registrations"
    assert ("GET", registrations, 404) in results  # past the guard: no such event
    with database(db_url) as session:
        revoke_token(session, token.id, actor_name="test")
    assert call(anonymous, "GET", registrations, value).status_code == 401


def test_a_disabled_or_demoted_admins_token_stops_working(anonymous, db_url):
    registrations = "/api/v1/admin/events/{event_id}/registrations"
    disabled, demoted, flipped = (create_user(db_url, "admin") for _ in range(3))
    values = {}
    with database(db_url) as session:
        for email in (disabled, demoted, flipped):
            values[email] = create_token(session, get_user(session, email))[1]
    for value in values.values():
        assert call(anonymous, "GET", registrations, value).status_code == 404
    with database(db_url) as session:
        update_user(session, get_user(session, disabled), active=False, actor_name="test")
        update_user(session, get_user(session, demoted), role="preparer", actor_name="test")
        # Even if a token row were somehow left unrevoked, an inactive owner locks it.
        user = get_user(session, flipped)
        user.active = False
        session.add(user)
        session.commit()
    for email, value in values.items():
        assert call(anonymous, "GET", registrations, value).status_code == 401, email
    with database(db_url) as session:
        for email in (disabled, demoted):  # revoked for good: re-promoting does not revive them
            user = get_user(session, email)
            tokens = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).all()
            assert tokens and all(t.revoked_at is not None for t in tokens), email


def test_preparers_cannot_get_an_api_token(db_url):
    email = create_user(db_url, "preparer")
    with database(db_url) as session:
        user = get_user(session, email)
        with pytest.raises(InvalidInput) as refused:
            create_token(session, user, label="nope")
        assert refused.value.field == "email"
        session.rollback()
        assert session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).all() == []
        assert session.exec(select(User).where(col(User.email) == email)).one().role == "preparer"
