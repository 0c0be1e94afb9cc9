"""Accounts: sign-in and its cookie, server-side sessions and their limits, throttling, safe
redirects, disabled users, the password rules and the admins' user page (all audited)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from assistant.accounts.models import User, UserSession
from assistant.accounts.passwords import MAX_LENGTH, check_password, verify_password
from assistant.accounts.service import (
    ABSOLUTE_LIMIT,
    IDLE_LIMIT,
    digest,
    find_user,
    get_user,
    resume_session,
    start_session,
    update_user,
)
from assistant.accounts.web import SESSION_COOKIE
from assistant.app import create_app
from assistant.audit.models import AuditEntry
from assistant.db import build_engine
from assistant.errors import InvalidInput
from assistant.feedback.models import utcnow
from tests.conftest import make_test_settings
from tests.workspace.conftest import PASSWORD, create_user, csrf_of

WRONG = "ei tämä ole oikea salasana"


@contextmanager
def database(db_url: str) -> Iterator[Session]:
    engine = build_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def post_sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra):
    data = {"email": email, "password": password, **extra}
    return client.post("/sign-in", data=data, follow_redirects=False)


def session_cookie(response) -> str | None:
    """The Set-Cookie header for the session cookie, if the response sets one."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(SESSION_COOKIE + "="):
            return header
    return None


def cookie_value(response) -> str:
    header = session_cookie(response)
    assert header, "no session cookie"
    return header.split(";")[0].split("=", 1)[1]


def row_of(session: Session, value: str) -> UserSession:
    session.rollback()
    return session.exec(select(UserSession).where(UserSession.token_hash == digest(value))).one()


def audit(session: Session, action: str, target_id: str) -> list[AuditEntry]:
    session.rollback()
    return list(
        session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.target_id == target_id)
            .order_by(col(AuditEntry.id))
        ).all()
    )


def signed_in(client: TestClient) -> bool:
    """Whether the client's cookie still opens the workspace."""
    response = client.get("/workspace/comments", follow_redirects=False)
    assert response.status_code in {200, 303}, response.status_code
    return response.status_code == 200


# --- Signing in and out -------------------------------------------------------------------------


def test_signing_in_sets_an_http_only_same_site_lax_cookie(anonymous, db_url, db_session):
    email = create_user(db_url, "preparer")
    response = post_sign_in(anonymous, email)
    assert response.status_code == 303
    assert response.headers["location"] == "/workspace"
    header = session_cookie(response)
    assert header is not None
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "secure" not in attributes  # plain http in tests; see the next test
    value = cookie_value(response)
    assert len(value) >= 43  # 256 random bits
    # Only the SHA-256 of the cookie value is stored.
    row = row_of(db_session, value)
    assert row.token_hash == digest(value) and value not in {row.token_hash, row.csrf}
    assert row.ended_at is None
    assert signed_in(anonymous)
    entries = audit(db_session, "auth.sign_in", email)
    assert len(entries) == 1 and entries[0].actor == email


def test_the_cookie_is_secure_when_the_site_is_served_over_https(db_url):
    email = create_user(db_url, "preparer")
    app = create_app(make_test_settings(db_url, secure_cookies=True))
    response = post_sign_in(TestClient(app), email)
    assert response.status_code == 303
    assert "secure" in {part.strip().lower() for part in session_cookie(response).split(";")}


def test_every_sign_in_gets_a_new_session_id(anonymous, db_url, db_session):
    email = create_user(db_url, "preparer")
    # A session id planted before sign-in (session fixation) is never adopted.
    anonymous.cookies.set(SESSION_COOKIE, "chosen-by-an-attacker")
    first = cookie_value(post_sign_in(anonymous, email))
    second = cookie_value(post_sign_in(anonymous, email))
    assert len({"chosen-by-an-attacker", first, second}) == 3
    assert row_of(db_session, first).csrf != row_of(db_session, second).csrf
    assert len(audit(db_session, "auth.sign_in", email)) == 2


def test_signing_out_ends_the_session_on_the_server(sign_in, workspace_app, db_session):
    preparer = sign_in("preparer")
    value = preparer.client.cookies[SESSION_COOKIE]
    response = preparer.client.post(
        "/sign-out", data={"csrf": preparer.csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?signed_out=1"
    header = session_cookie(response).lower()
    assert "max-age=0" in header or "expires=thu, 01 jan 1970" in header
    assert row_of(db_session, value).ended_at is not None
    # Replaying the old cookie value does not bring the session back.
    replay = TestClient(workspace_app, cookies={SESSION_COOKIE: value})
    page = replay.get("/workspace/comments", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=%2Fworkspace%2Fcomments"
    assert (
        replay.post("/sign-out", data={"csrf": preparer.csrf}, follow_redirects=False)
        .headers["location"]
        .startswith("/sign-in?next=")
    )
    assert len(audit(db_session, "auth.sign_out", preparer.email)) == 1


def test_sessions_end_after_30_minutes_idle_and_12_hours_after_sign_in(db_url):
    assert timedelta(minutes=30) == IDLE_LIMIT
    assert timedelta(hours=12) == ABSOLUTE_LIMIT
    email = create_user(db_url, "preparer")
    with database(db_url) as session:
        user = get_user(session, email)
        idle = start_session(session, user)
        start = row_of(session, idle).created_at
        assert resume_session(session, idle, now=start + timedelta(minutes=29)) is not None
        # That request refreshed it: another 29 minutes are fine, 31 are not.
        later = start + timedelta(minutes=29)
        assert resume_session(session, idle, now=later + timedelta(minutes=29)) is not None
        later += timedelta(minutes=29)
        assert resume_session(session, idle, now=later + timedelta(minutes=31)) is None

        busy = start_session(session, user)
        start = row_of(session, busy).created_at
        now = start
        while now + timedelta(minutes=25) < start + ABSOLUTE_LIMIT:
            now += timedelta(minutes=25)
            signed = resume_session(session, busy, now=now)
            assert signed is not None and signed.user.email == email, now - start
        # Busy all day, yet 12 hours after sign-in the session is over.
        assert (
            resume_session(session, busy, now=start + ABSOLUTE_LIMIT + timedelta(minutes=1)) is None
        )

        assert resume_session(session, None) is None
        assert resume_session(session, "") is None
        assert resume_session(session, "not-a-session") is None
        assert resume_session(session, "x" * 201) is None


def test_idle_and_old_sessions_send_the_browser_to_sign_in(sign_in, db_session):
    def age(value: str, *, idle: timedelta, since_sign_in: timedelta) -> None:
        row = row_of(db_session, value)
        now = utcnow()
        row.last_seen_at, row.created_at = now - idle, now - since_sign_in
        db_session.add(row)
        db_session.commit()

    idle = sign_in("preparer")
    value = idle.client.cookies[SESSION_COOKIE]
    age(value, idle=timedelta(minutes=29), since_sign_in=timedelta(hours=2))
    assert signed_in(idle.client)
    age(value, idle=timedelta(minutes=31), since_sign_in=timedelta(hours=2))
    assert not signed_in(idle.client)

    old = sign_in("preparer")
    value = old.client.cookies[SESSION_COOKIE]
    age(value, idle=timedelta(0), since_sign_in=timedelta(hours=11, minutes=59))
    assert signed_in(old.client)
    age(value, idle=timedelta(0), since_sign_in=timedelta(hours=12, minutes=1))
    response = old.client.get("/workspace/sessions?lang=sv", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fworkspace%2Fsessions%3Flang%3Dsv"


# --- Failed sign-ins ----------------------------------------------------------------------------


def test_a_wrong_password_gets_401_and_no_session(anonymous, db_url, db_session):
    email = create_user(db_url, "preparer")
    wrong = post_sign_in(anonymous, email, WRONG)
    unknown = post_sign_in(anonymous, "nobody-" + email, PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert session_cookie(response) is None
        assert 'role="alert"' in response.text
    assert f'value="{email}"' in wrong.text  # the form keeps the email
    # The same answer whether or not the account exists.
    assert wrong.text.replace(email, "E") == unknown.text.replace("nobody-" + email, "E")
    assert SESSION_COOKIE not in anonymous.cookies
    assert not signed_in(anonymous)
    assert len(audit(db_session, "auth.sign_in_failed", email)) == 1
    assert len(audit(db_session, "auth.sign_in_failed", "nobody-" + email)) == 1
    assert audit(db_session, "auth.sign_in", email) == []


def test_five_wrong_passwords_lock_the_account_for_15_minutes(anonymous, db_url):
    locked, other = create_user(db_url, "preparer"), create_user(db_url, "preparer")
    for attempt in range(5):
        # The account is the same whatever the case or the spaces around it.
        email = [locked, locked.upper(), f"  {locked} "][attempt % 3]
        assert post_sign_in(anonymous, email, WRONG).status_code == 401, attempt
    for response in (
        post_sign_in(anonymous, locked),  # even the right password
        anonymous.post(
            "/sign-in?lang=sv", data={"email": locked, "password": PASSWORD}, follow_redirects=False
        ),
    ):
        assert response.status_code == 429
        assert response.headers["retry-after"] == "900"
        assert session_cookie(response) is None
        assert 'role="alert"' in response.text
    assert response.headers["content-language"] == "sv"
    # Another account from the same client still signs in (the client limit is 30 failures).
    assert post_sign_in(anonymous, other).status_code == 303
    assert signed_in(anonymous)


def test_a_client_with_too_many_failures_is_refused_for_every_account(db_url):
    first, second = create_user(db_url, "preparer"), create_user(db_url, "preparer")
    app = create_app(make_test_settings(db_url, sign_in_client_rate="4 per 15 minutes"))
    client = TestClient(app)
    for _ in range(3):
        assert post_sign_in(client, first, WRONG).status_code == 401
    assert post_sign_in(client, second).status_code == 303  # 3 failures: below the limit
    assert post_sign_in(client, "nobody@hyvinvointialue.fi", WRONG).status_code == 401
    refused = post_sign_in(TestClient(app), second)  # same address, no cookie
    assert refused.status_code == 429 and refused.headers["retry-after"] == "900"
    assert session_cookie(refused) is None


# --- Where sign-in leads --------------------------------------------------------------------------


LOCAL = ["/workspace/sessions", "/admin/users?done=added", "/workspace/comments?q=a%20b"]
HOSTILE = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/workspace",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
]


def test_only_local_paths_are_followed_after_sign_in(anonymous, db_url):
    email = create_user(db_url, "preparer")
    for target in LOCAL:
        response = post_sign_in(anonymous, email, next=target)
        assert response.headers["location"] == target
    for target in HOSTILE:
        response = post_sign_in(anonymous, email, next=target)
        assert response.status_code == 303
        location = response.headers["location"]
        # Browsers drop tabs and newlines and read a backslash as a slash.
        cleaned = "".join(c for c in location if c not in "\t\r\n").replace("\\", "/")
        assert urlsplit(urljoin("http://testserver/", cleaned)).netloc == "testserver", target
        if target in {"//evil.example", "https://evil.example", "javascript:alert(1)", ""}:
            assert location == "/workspace", target
    # A signed-in visitor of the sign-in page goes on, but never off the site.
    assert anonymous.get("/sign-in?next=//evil.example", follow_redirects=False).headers[
        "location"
    ] == ("/workspace")
    page = TestClient(anonymous.app).get("/sign-in?next=https://evil.example")
    assert 'name="next" value="/workspace"' in page.text


# --- Disabled users -----------------------------------------------------------------------------


def test_disabled_users_cannot_sign_in_and_their_sessions_stop_working(sign_in, db_url, db_session):
    preparer = sign_in("preparer")
    other_browser = TestClient(preparer.client.app)
    assert post_sign_in(other_browser, preparer.email).status_code == 303
    assert signed_in(preparer.client) and signed_in(other_browser)
    with database(db_url) as session:
        update_user(session, get_user(session, preparer.email), active=False, actor_name="test")
    assert not signed_in(preparer.client)
    assert not signed_in(other_browser)
    refused = post_sign_in(TestClient(preparer.client.app), preparer.email)
    assert refused.status_code == 401 and session_cookie(refused) is None
    db_session.rollback()
    user = find_user(db_session, preparer.email)
    rows = db_session.exec(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 2 and all(row.ended_at is not None for row in rows)
    # Enabled again, the old sessions stay over; a new sign-in works.
    with database(db_url) as session:
        update_user(session, get_user(session, preparer.email), active=True, actor_name="test")
    assert not signed_in(preparer.client)
    assert post_sign_in(preparer.client, preparer.email).status_code == 303
    assert signed_in(preparer.client)


# --- Password rules -----------------------------------------------------------------------------


def test_passwords_shorter_than_12_characters_are_refused():
    for password in ["", "lyhyt", "ab3#Fk9!qL2"]:
        with pytest.raises(InvalidInput) as refused:
            check_password(password)
        assert refused.value.field == "password" and refused.value.params == {"min": 12}
    check_password("ab3#Fk9!qL2z")


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "salasana1234",
        "Vuoropuhe2024",
        "hyvinvointialue",
        "Hyvinvointialue1",
        "perkele12345",
        "qwertyuiop12",
        "123456789012",
        "aaaaaaaaaaaa",
    ],
)
def test_common_and_local_passwords_are_refused(password):
    with pytest.raises(InvalidInput) as refused:
        check_password(password)
    assert refused.value.field == "password"
    assert "too common" in refused.value.message


def test_a_password_made_of_the_email_address_is_refused():
    email = "maija.virtanen@hyvinvointialue.fi"
    check_password("maija.virtanen1")  # not guessable by itself
    with pytest.raises(InvalidInput):
        check_password("maija.virtanen1", user_inputs=[email, "maija.virtanen"])


def test_the_local_words_for_password_with_digits_are_refused():
    accepted = []
    for password in ["Salasana123!", "Lösenord2024!"]:
        try:
            check_password(password)
        except InvalidInput:
            continue
        accepted.append(password)
    assert accepted == []


@pytest.mark.parametrize("length", [12, 72, 73, 80, 100, 101, 200, MAX_LENGTH])
def test_long_passphrases_are_accepted(length):
    passphrase = ("Kuusi kuukautta kesälomaa ja kymmenen kirjaa rannalla. " * 20)[:length]
    assert len(passphrase) == length
    check_password(passphrase)


def test_passwords_over_1024_characters_are_refused():
    with pytest.raises(InvalidInput) as refused:
        check_password("kuusi kuukautta " * 65)
    assert refused.value.params == {"max": MAX_LENGTH}


# --- The admins' user page ----------------------------------------------------------------------


def test_an_admin_adds_a_preparer_who_can_then_sign_in(sign_in, workspace_app, db_session):
    admin = sign_in("admin")
    page = admin.client.get("/admin/users")
    assert page.status_code == 200 and admin.email in page.text
    assert csrf_of(page.text) == admin.csrf
    email = "Uusi.Valmistelija-" + admin.email.split("-")[1].split("@")[0] + "@Hyvinvointialue.fi"
    form = {"email": email, "name": "Uusi Valmistelija", "role": "preparer", "password": PASSWORD}
    response = admin.client.post(
        "/admin/users", data={**form, "csrf": admin.csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?done=added"
    db_session.rollback()
    user = find_user(db_session, email)
    assert user is not None and user.email == email.lower()
    assert (user.role, user.active, user.name) == ("preparer", True, "Uusi Valmistelija")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert verify_password(PASSWORD, user.password_hash)[0]
    entries = audit(db_session, "user.add", email.lower())
    assert len(entries) == 1
    assert entries[0].actor == admin.email
    assert entries[0].after == {"role": "preparer", "active": True}
    # The new preparer signs in and works, but not on the admin pages.
    browser = TestClient(workspace_app)
    assert post_sign_in(browser, email.upper()).status_code == 303
    assert signed_in(browser)
    assert browser.get("/admin/users").status_code == 403
    # The same email again is refused on the form, whatever its case.
    again = admin.client.post(
        "/admin/users", data={**form, "email": email.upper(), "csrf": admin.csrf}
    )
    assert again.status_code == 422
    assert 'value="preparer"' in again.text


def test_an_admin_can_give_a_new_user_a_long_passphrase(sign_in, workspace_app):
    admin = sign_in("admin")
    passphrase = ("Kuusi kuukautta kesälomaa ja kymmenen kirjaa rannalla. " * 2)[:80]
    email = "pitka-" + admin.email.split("-")[1]
    response = admin.client.post(
        "/admin/users",
        data={"email": email, "role": "preparer", "password": passphrase, "csrf": admin.csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert post_sign_in(TestClient(workspace_app), email, passphrase).status_code == 303


def test_the_user_form_refuses_bad_input_and_forged_posts(sign_in, db_session):
    admin = sign_in("admin")
    base = {"email": "x@hyvinvointialue.fi", "role": "preparer", "password": PASSWORD}
    for field, value in [
        ("password", "lyhyt"),
        ("password", "password1234"),
        ("email", "not-an-email"),
        ("role", "root"),
    ]:
        email = f"form-{field}-{len(value)}-{admin.csrf[:6]}@hyvinvointialue.fi"
        data = {**base, "email": email, field: value, "csrf": admin.csrf}
        if field == "email":
            email = value
        response = admin.client.post("/admin/users", data=data)
        assert response.status_code == 422, (field, value)
        db_session.rollback()
        assert find_user(db_session, email) is None
    forged = admin.client.post(
        "/admin/users", data={**base, "email": "forged@hyvinvointialue.fi", "csrf": "forged"}
    )
    assert forged.status_code == 403
    db_session.rollback()
    assert find_user(db_session, "forged@hyvinvointialue.fi") is None


def test_an_admin_cannot_demote_or_disable_themselves(sign_in, db_session):
    admin = sign_in("admin")
    db_session.rollback()
    me = find_user(db_session, admin.email)
    for change in ({"role": "preparer"}, {"active": "0"}, {"role": "preparer", "active": "0"}):
        response = admin.client.post(f"/admin/users/{me.id}", data={**change, "csrf": admin.csrf})
        assert response.status_code == 422, change
        db_session.rollback()
        db_session.refresh(me)
        assert (me.role, me.active) == ("admin", True)
    assert admin.client.get("/admin/users").status_code == 200
    assert audit(db_session, "user.update", admin.email) == []


def test_an_admin_changes_another_users_role_and_access(sign_in, db_session):
    admin, preparer = sign_in("admin"), sign_in("preparer")
    db_session.rollback()
    target = find_user(db_session, preparer.email)

    def change(**form) -> None:
        response = admin.client.post(
            f"/admin/users/{target.id}", data={**form, "csrf": admin.csrf}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/users?done=updated"

    assert preparer.client.get("/admin/users").status_code == 403
    change(role="admin")
    assert preparer.client.get("/admin/users").status_code == 200  # at once, same session
    change(role="preparer", active="0")
    assert not signed_in(preparer.client)
    assert post_sign_in(preparer.client, preparer.email).status_code == 401
    change(active="1")
    assert post_sign_in(preparer.client, preparer.email).status_code == 303
    entries = audit(db_session, "user.update", preparer.email)
    assert [(e.before, e.after) for e in entries] == [
        ({"role": "preparer", "active": True}, {"role": "admin", "active": True}),
        ({"role": "admin", "active": True}, {"role": "preparer", "active": False}),
        ({"role": "preparer", "active": False}, {"role": "preparer", "active": True}),
    ]
    assert {e.actor for e in entries} == {admin.email}
    assert (
        admin.client.post("/admin/users/2147483647", data={"csrf": admin.csrf}).status_code == 404
    )
    assert admin.client.post("/admin/users/0", data={"csrf": admin.csrf}).status_code == 404
    db_session.rollback()
    assert db_session.exec(select(User).where(col(User.email) == admin.email)).one().is_admin
