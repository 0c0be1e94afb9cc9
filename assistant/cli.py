"""The `assistant` console script: serve, train, evaluate, classify and corpus maintenance."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.settings import get_settings

app = typer.Typer(
    help="Vuoropuhe: stakeholder feedback and market dialogues.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
corpus_app = typer.Typer(help="Corpus maintenance.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
outbox_app = typer.Typer(help="Outgoing email.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
user_app = typer.Typer(help="Preparers' and admins' accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
token_app = typer.Typer(help="Bearer tokens for the admin API.", no_args_is_help=True)
app.add_typer(token_app, name="token")
privacy_app = typer.Typer(
    help="Personal data: export and erasure on request.", no_args_is_help=True
)
app.add_typer(privacy_app, name="privacy")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Migrate the database to the newest schema, then run the web service."""
    import uvicorn

    from assistant.migrate import upgrade

    upgrade(get_settings().database_url)
    # Uvicorn's own access log would record client addresses and raw paths (with private-link
    # secrets); the app logs each request without them (assistant.web.middleware).
    log_config = {**uvicorn.config.LOGGING_CONFIG}
    log_config["loggers"] = {
        **log_config["loggers"],
        "assistant": {"handlers": ["default"], "level": "INFO", "propagate": False},
    }
    uvicorn.run(
        "assistant.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=log_config,
    )


@app.command()
def train(
    estimator: Annotated[str, typer.Option(help="logreg or svm")] = "",
    keep_current: Annotated[
        bool, typer.Option(help="Do not point models/CURRENT at the new version.")
    ] = False,
) -> None:
    """Train a new model version on the corpus (CV on train, evaluation on the dev split)."""
    from assistant.classifier.corpus import CorpusError
    from assistant.classifier.model import ModelConfig
    from assistant.classifier.selection import chosen_config
    from assistant.classifier.training import train as train_model

    settings = get_settings()
    config: ModelConfig = chosen_config()
    if estimator:
        config.estimator = estimator
    try:
        train_model(
            corpora_dir=settings.corpora_dir,
            models_dir=settings.models_dir,
            config=config,
            progress=lambda line: typer.echo(line, err=True),
            make_current=not keep_current,
        )
    except CorpusError as exc:
        _fail(str(exc))


@app.command()
def select() -> None:
    """Compare feature sets and models by cross-validation; writes models/selection.json."""
    from assistant.classifier.selection import run_selection

    settings = get_settings()
    result = run_selection(
        corpora_dir=settings.corpora_dir, progress=lambda line: typer.echo(line, err=True)
    )
    path = settings.models_dir / "selection.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"wrote {path}", err=True)


def _read_jsonl(stream, required: tuple[str, ...]) -> list[dict]:
    records = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            _fail(f"line {number}: not valid JSON ({exc.msg})")
        if not isinstance(record, dict):
            _fail(f"line {number}: expected a JSON object")
        for key in required:
            if not isinstance(record.get(key), str) or not record[key].strip():
                _fail(f"line {number}: missing or empty string field {key!r}")
        records.append(record)
    return records


@app.command()
def evaluate(
    data: Annotated[
        Path, typer.Option(help="JSON Lines with `text` and `label`.", exists=True, dir_okay=False)
    ],
    version: Annotated[str, typer.Option(help="Model version (default: current).")] = "",
) -> None:
    """Print JSON metrics (macro_f1, accuracy, per_label, per_lang, confusion) for labelled comments."""
    from assistant.classifier.categories import CATEGORY_KEYS
    from assistant.classifier.evaluation import classification_metrics
    from assistant.classifier.registry import load_classifier

    with data.open(encoding="utf-8") as handle:
        records = _read_jsonl(handle, ("text", "label"))
    for number, record in enumerate(records, start=1):
        if record["label"] not in CATEGORY_KEYS:
            _fail(f"record {number}: unknown label {record['label']!r}")
    classifier = load_classifier(get_settings().models_dir, version or None)
    predictions = classifier.classify_many(
        [r["text"] for r in records], [r.get("lang") for r in records], explain=False
    )
    metrics = classification_metrics(
        [r["label"] for r in records], [p.label for p in predictions], [p.lang for p in predictions]
    )
    metrics["model_version"] = classifier.version
    typer.echo(json.dumps(metrics, ensure_ascii=False))


@app.command()
def classify(
    text: Annotated[
        str, typer.Option(help="Classify this one text instead of reading stdin.")
    ] = "",
    batch_size: Annotated[int, typer.Option(help="Comments per batch.")] = 256,
) -> None:
    """Read JSON Lines {"id", "text"} on stdin; write one JSON line per input."""
    from assistant.classifier.registry import get_classifier

    classifier = get_classifier()

    def emit(record_id, prediction) -> None:
        typer.echo(
            json.dumps(
                {
                    "id": record_id,
                    "lang": prediction.lang,
                    "label": prediction.label,
                    "scores": prediction.scores,
                    "explanation": prediction.explanation,
                },
                ensure_ascii=False,
            )
        )

    if text:
        if len(text.strip()) == 0:
            _fail("text is empty")
        emit(None, classifier.classify(text))
        return
    records = _read_jsonl(sys.stdin, ("text",))
    for start in range(0, len(records), batch_size):
        chunk = records[start : start + batch_size]
        predictions = classifier.classify_many(
            [r["text"] for r in chunk], [r.get("lang") for r in chunk]
        )
        for record, prediction in zip(chunk, predictions, strict=True):
            emit(record.get("id"), prediction)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the Alembic migrations to ASSISTANT_DATABASE_URL."""
    from assistant.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    typer.echo("database is up to date", err=True)


@outbox_app.command("send")
def outbox_send(limit: Annotated[int, typer.Option(help="Send at most this many.")] = 1000) -> None:
    """Send queued email: over SMTP when ASSISTANT_SMTP_HOST is set, else as .eml files in var/outbox/."""
    from assistant.db import build_engine
    from assistant.outbox.service import send_pending, transport_from_settings

    settings = get_settings()
    result = send_pending(
        engine=build_engine(settings.database_url),
        transport=transport_from_settings(settings),
        sender=settings.mail_sender,
        limit=limit,
    )
    typer.echo(json.dumps(result))


def _db_session():
    from sqlmodel import Session

    from assistant.db import build_engine

    return Session(build_engine(get_settings().database_url), expire_on_commit=False)


def _domain_fail(exc) -> None:
    message = exc.message % exc.params if exc.params else exc.message
    _fail(message)


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[str, typer.Option(help="preparer or admin")] = "preparer",
    name: Annotated[str, typer.Option(help="The person's name (optional).")] = "",
) -> None:
    """Add a user; the password is asked at a prompt or read from standard input."""
    from assistant.accounts.service import add_user
    from assistant.audit.service import CLI
    from assistant.errors import DomainError

    password = _read_password()
    with _db_session() as session:
        try:
            user = add_user(
                session, email=email, role=role, password=password, name=name, actor_name=CLI
            )
        except DomainError as exc:
            _domain_fail(exc)
        typer.echo(f"added {user.email} ({user.role})")


@user_app.command("list")
def user_list() -> None:
    """Every user: email, role, whether active, last sign-in."""
    from assistant.accounts.service import list_users

    with _db_session() as session:
        for user in list_users(session):
            last = (
                user.last_sign_in_at.isoformat(timespec="minutes") if user.last_sign_in_at else "-"
            )
            state = "active" if user.active else "disabled"
            typer.echo(f"{user.email}\t{user.role}\t{state}\t{last}")


@user_app.command("disable")
def user_disable(email: str) -> None:
    """Disable a user: their sessions and API tokens end at once."""
    from assistant.accounts.service import get_user, update_user
    from assistant.audit.service import CLI
    from assistant.errors import DomainError

    with _db_session() as session:
        try:
            user = update_user(session, get_user(session, email), active=False, actor_name=CLI)
        except DomainError as exc:
            _domain_fail(exc)
        typer.echo(f"disabled {user.email}")


@token_app.command("create")
def token_create(
    email: str, label: Annotated[str, typer.Option(help="What the token is for.")] = ""
) -> None:
    """Issue an admin API token for an admin; it is printed once and only its hash is stored."""
    from assistant.accounts.service import create_token, get_user
    from assistant.audit.service import CLI
    from assistant.errors import DomainError

    with _db_session() as session:
        try:
            token, value = create_token(
                session, get_user(session, email), label=label or None, actor_name=CLI
            )
        except DomainError as exc:
            _domain_fail(exc)
        typer.echo(f"token {token.id} for {email}:", err=True)
        typer.echo(value)


@token_app.command("list")
def token_list(email: str) -> None:
    """A user's tokens: id, label, created, last used, revoked."""
    from assistant.accounts.service import get_user, tokens_of
    from assistant.errors import DomainError

    with _db_session() as session:
        try:
            tokens = tokens_of(session, get_user(session, email))
        except DomainError as exc:
            _domain_fail(exc)
        for t in tokens:
            used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "-"
            revoked = t.revoked_at.isoformat(timespec="minutes") if t.revoked_at else "-"
            typer.echo(
                f"{t.id}\t{t.label or ''}\t{t.created_at:%Y-%m-%d}\tused {used}\trevoked {revoked}"
            )


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by the id that `token create` and `token list` print."""
    from assistant.accounts.service import revoke_token
    from assistant.audit.service import CLI
    from assistant.errors import DomainError

    with _db_session() as session:
        try:
            revoke_token(session, token_id, actor_name=CLI)
        except DomainError as exc:
            _domain_fail(exc)
        typer.echo(f"revoked token {token_id}")


@privacy_app.command("export")
def privacy_export(email: str) -> None:
    """Print everything held about an email address as JSON."""
    from assistant.audit.service import CLI
    from assistant.privacy.service import export

    with _db_session() as session:
        typer.echo(
            json.dumps(
                export(session, email, actor=None, actor_name=CLI), indent=2, ensure_ascii=False
            )
        )


@privacy_app.command("erase")
def privacy_erase(
    email: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False
) -> None:
    """Delete an email address's contact details; its comments stay, unlinked."""
    from assistant.audit.service import CLI
    from assistant.privacy.service import erase

    if not yes and not typer.confirm(f"Erase the personal data of {email}?"):
        raise typer.Exit(code=1)
    with _db_session() as session:
        typer.echo(json.dumps(erase(session, email, actor=None, actor_name=CLI)))


@app.command()
def purge(
    older_than: Annotated[int, typer.Option("--older-than", help="Days to keep.", min=1)],
) -> None:
    """Retention: remove contact details, registrants' details, sent email and chat transcripts
    older than the limit (comments stay, anonymous)."""
    from assistant.audit.service import CLI
    from assistant.privacy.service import purge as purge_data

    with _db_session() as session:
        typer.echo(json.dumps(purge_data(session, older_than_days=older_than, actor_name=CLI)))


@app.command()
def worker(
    interval: Annotated[
        float, typer.Option(help="Seconds to wait when there is nothing to do.")
    ] = 5.0,
    once: Annotated[bool, typer.Option(help="Do one round and exit.")] = False,
) -> None:
    """Background worker: sends the outbox and runs imports and retraining. Several may run;
    each claims outbox rows with SKIP LOCKED and jobs with a conditional update."""
    import time

    from assistant.db import build_engine
    from assistant.jobs.service import requeue_stale, run_pending
    from assistant.outbox.service import send_pending, transport_from_settings

    settings = get_settings()
    engine = build_engine(settings.database_url)
    transport = transport_from_settings(settings)
    requeue_stale(engine)
    while True:
        result = send_pending(engine=engine, transport=transport, sender=settings.mail_sender)
        jobs = run_pending(engine)
        if result["sent"] or result["failed"] or jobs:
            typer.echo(json.dumps({**result, "jobs": jobs}), err=True)
        if once:
            break
        if not result["sent"] and not result["failed"] and not jobs:
            time.sleep(interval)


@corpus_app.command("split")
def corpus_split() -> None:
    """Assign new comments to train or dev (stratified); existing assignments never move."""
    from assistant.classifier.corpus import extend_split, load_comments, load_split, save_split

    corpora_dir = get_settings().corpora_dir
    comments = load_comments(corpora_dir)
    split = extend_split(comments, load_split(corpora_dir))
    save_split(corpora_dir, split)
    typer.echo(f"train {len(split['train'])}, dev {len(split['dev'])}", err=True)


@corpus_app.command("check")
def corpus_check() -> None:
    """Validate the corpus and print its profile."""
    from assistant.classifier.corpus import load_comments
    from assistant.classifier.training import corpus_profile

    typer.echo(json.dumps(corpus_profile(load_comments(get_settings().corpora_dir)), indent=2))


if __name__ == "__main__":
    app()
