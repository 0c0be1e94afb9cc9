"""The `assistant user` and `assistant token` commands, on the test databases.

The CLI reads ASSISTANT_DATABASE_URL through the cached settings, so each test points the
environment at the parametrized database and clears the cache before and after.
"""

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner, Result

from assistant.accounts.models import ApiToken, UserSession
from assistant.accounts.passwords import verify_password
from assistant.accounts.service import find_user
from assistant.audit.models import AuditEntry
from assistant.cli import app
from assistant.settings import get_settings
from tests.workspace.conftest import PASSWORD

# An admin API GET route; an event id that does not exist: 404 means the token was accepted.
REGISTRATIONS = f"/api/v1/admin/events/{2**31 - 1}/registrations"


@pytest.fixture
def cli(db_url, monkeypatch) -> Iterator[Callable[..., Result]]:
    """cli("user", "list", input=...): run the console script against the test database."""
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    yield run
    get_settings.cache_clear()  # the next caller reads the restored environment


def new_email(role: str = "admin") -> str:
    return f"cli-{role}-{uuid.uuid4().hex[:8]}@hyvinvointialue.fi"


def add(cli, email: str, role: str = "admin", password: str = PASSWORD) -> Result:
    return cli("user", "add", email, "--role", role, input=password + "\n")


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_user_add_reads_the_password_from_stdin_and_user_list_shows_it(cli, db_session):
    email = new_email()
    result = cli(
        "user", "add", email.upper(), "--role", "admin", "--name", "Maija", input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"added {email} (admin)\n"
    listed = cli("user", "list")
    assert listed.exit_code == 0
    assert f"{email}\tadmin\tactive\t-" in listed.stdout.splitlines()
    db_session.rollback()
    user = find_user(db_session, email)
    assert (user.email, user.role, user.name, user.active) == (email, "admin", "Maija", True)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert verify_password(PASSWORD, user.password_hash)[0]
    entry = db_session.exec(
        select(AuditEntry).where(AuditEntry.action == "user.add", AuditEntry.target_id == email)
    ).one()
    assert entry.actor == "cli" and entry.actor_id is None


def test_adding_the_same_email_twice_fails_with_exit_code_2(cli):
    email = new_email("preparer")
    assert add(cli, email, "preparer").exit_code == 0
    again = add(cli, email.upper(), "admin")
    assert again.exit_code == 2
    assert again.stderr == "error: A user with that email address already exists.\n"
    assert again.stdout == ""
    assert [line for line in cli("user", "list").stdout.splitlines() if email in line] == [
        f"{email}\tpreparer\tactive\t-"
    ]


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        ((), "lyhyt", "error: The password must be at least 12 characters long.\n"),
        ((), "password1234", "error: This password is too common or too easy to guess."),
        ((), "", "error: The password must be at least 12 characters long.\n"),
        (("--role", "root"), PASSWORD, "error: Choose a role.\n"),
    ],
)
def test_weak_passwords_and_unknown_roles_are_refused(cli, args, password, message):
    email = new_email()
    result = cli("user", "add", email, *args, input=password + "\n")
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert email not in cli("user", "list").stdout


def test_a_bad_email_address_is_refused(cli):
    result = add(cli, "not-an-email")
    assert result.exit_code == 2
    assert result.stderr == "error: Enter a valid email address.\n"


def test_a_long_passphrase_is_accepted(cli):
    passphrase = ("Kuusi kuukautta kesälomaa ja kymmenen kirjaa rannalla. " * 2)[:90]
    result = add(cli, new_email(), "preparer", passphrase)
    assert result.exit_code == 0, result.output


def test_token_create_prints_a_bearer_token_for_the_admin_api(cli, app_client, db_session):
    email = new_email()
    assert add(cli, email).exit_code == 0
    created = cli("token", "create", email, "--label", "raportointi")
    assert created.exit_code == 0, created.output
    value = created.stdout.strip()
    assert created.stdout == value + "\n"  # stdout carries the token alone
    assert re.fullmatch(r"vp_[A-Za-z0-9_-]{43}", value)
    token_id = int(re.fullmatch(rf"token (\d+) for {re.escape(email)}:\n", created.stderr)[1])
    assert app_client.get(REGISTRATIONS).status_code == 401
    assert app_client.get(REGISTRATIONS, headers=bearer(value)).status_code == 404
    listed = cli("token", "list", email)
    assert listed.exit_code == 0
    line = listed.stdout.splitlines()[0].split("\t")
    assert line[:2] == [str(token_id), "raportointi"]
    assert line[3] != "used -" and line[4] == "revoked -"  # it has been used once

    revoked = cli("token", "revoke", str(token_id))
    assert revoked.exit_code == 0
    assert revoked.stdout == f"revoked token {token_id}\n"
    assert app_client.get(REGISTRATIONS, headers=bearer(value)).status_code == 401
    assert not cli("token", "list", email).stdout.rstrip("\n").endswith("revoked -")
    assert cli("token", "revoke", str(token_id)).exit_code == 0  # revoking again is harmless
    db_session.rollback()
    actions = db_session.exec(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "token")
        .where(AuditEntry.target_id == str(token_id))
    ).all()
    assert sorted(actions) == ["token.create", "token.revoke"]


def test_only_the_sha256_of_a_token_is_stored(cli, db_session):
    email = new_email()
    assert add(cli, email).exit_code == 0
    value = cli("token", "create", email).stdout.strip()
    db_session.rollback()
    user = find_user(db_session, email)
    row = db_session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert row.token_hash == hashlib.sha256(value.encode()).hexdigest()
    stored = [str(v) for v in row.model_dump().values()]
    assert not any(value in field or value[3:] in field for field in stored)
    entries = db_session.exec(
        select(AuditEntry).where(
            AuditEntry.action == "token.create", AuditEntry.target_id == str(row.id)
        )
    ).all()
    assert len(entries) == 1 and value[3:] not in str(entries[0].model_dump())


def test_user_disable_ends_sessions_and_tokens_at_once(cli, app_client, db_session):
    email = new_email()
    assert add(cli, email).exit_code == 0
    value = cli("token", "create", email).stdout.strip()
    signed = app_client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert signed.status_code == 200 and app_client.get("/admin/users").status_code == 200
    disabled = cli("user", "disable", email.upper())
    assert disabled.exit_code == 0
    assert disabled.stdout == f"disabled {email}\n"
    assert f"{email}\tadmin\tdisabled\t" in cli("user", "list").stdout
    assert app_client.get(REGISTRATIONS, headers=bearer(value)).status_code == 401
    assert app_client.get("/admin/users", follow_redirects=False).status_code == 303
    again = app_client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert again.status_code == 401
    db_session.rollback()
    user = find_user(db_session, email)
    assert not user.active
    sessions = db_session.exec(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert sessions and all(s.ended_at is not None for s in sessions)
    tokens = db_session.exec(select(ApiToken).where(col(ApiToken.user_id) == user.id)).all()
    assert tokens and all(t.revoked_at is not None for t in tokens)
    # A disabled admin gets no new token either.
    refused = cli("token", "create", email)
    assert refused.exit_code == 2
    assert refused.stderr == "error: API tokens are for active admins only.\n"
    assert refused.stdout == ""


def test_tokens_are_for_admins_and_known_users_only(cli):
    preparer = new_email("preparer")
    assert add(cli, preparer, "preparer").exit_code == 0
    for args, message in [
        (("token", "create", preparer), "error: API tokens are for active admins only.\n"),
        (("token", "create", new_email()), "error: No user with that email address.\n"),
        (("token", "list", new_email()), "error: No user with that email address.\n"),
        (("token", "revoke", str(2**31 - 1)), "error: No such token.\n"),
        (("user", "disable", new_email()), "error: No user with that email address.\n"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr == message, args


def test_the_help_lists_only_real_commands():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "db-session" not in result.output
