"""Consultation sessions and imports: recording sessions, storing an uploaded file, previewing it
with a column mapping, and importing its rows as classified comments without duplicates."""

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.accounts.models import User
from assistant.audit.service import record
from assistant.consultations.importing import (
    ImportRow,
    Mapping,
    RowError,
    Table,
    guess_mapping,
    parse_rows,
    read_table,
)
from assistant.consultations.models import ConsultationSession, ImportFile, SessionKind
from assistant.errors import N_, InvalidInput, NotFound
from assistant.feedback.enums import CommentSource, Stakeholder
from assistant.feedback.models import Comment, utcnow
from assistant.jobs.models import Job
from assistant.jobs.service import enqueue

HELSINKI = ZoneInfo("Europe/Helsinki")
BATCH = 64


class SessionData(BaseModel):
    """What a preparer records about a session."""

    name: str = Field(min_length=1, max_length=200)
    stakeholder: Stakeholder
    body: str | None = Field(default=None, max_length=200)
    held_on: date
    kind: SessionKind
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("name", "body", "notes", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() or None if isinstance(value, str) else value


def session_data(raw: dict[str, str]) -> SessionData:
    """Validate form input; InvalidInput names the first field that is wrong."""
    try:
        return SessionData(**{k: (v if v != "" else None) for k, v in raw.items()})
    except ValidationError as exc:
        fields = [str(e["loc"][0]) for e in exc.errors() if e.get("loc")]
        raise InvalidInput(N_("Check this field."), field=fields[0] if fields else None) from exc


def create_session(session: Session, data: SessionData, *, actor: User) -> ConsultationSession:
    """Record a consultation session. Audited."""
    row = ConsultationSession(**data.model_dump(mode="python"), created_by_id=actor.id)
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="session.create",
        target_type="session",
        target_id=row.id,
        after=data.model_dump(mode="json"),
    )
    session.commit()
    return row


def update_session(
    session: Session, row: ConsultationSession, data: SessionData, *, actor: User
) -> ConsultationSession:
    """Change a session's details. Audited."""
    before = SessionData.model_validate(row, from_attributes=True).model_dump(mode="json")
    for key, value in data.model_dump(mode="python").items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.add(row)
    record(
        session,
        actor=actor,
        action="session.update",
        target_type="session",
        target_id=row.id,
        before=before,
        after=data.model_dump(mode="json"),
    )
    session.commit()
    return row


def get_session(session: Session, session_id: int) -> ConsultationSession:
    """A session by id."""
    row = session.get(ConsultationSession, session_id)
    if row is None:
        raise NotFound(N_("No such consultation session."))
    return row


def newest_first(session: Session) -> list[ConsultationSession]:
    """Every session, the most recent first (for filters and lists)."""
    return list(
        session.exec(
            select(ConsultationSession).order_by(
                col(ConsultationSession.held_on).desc(), col(ConsultationSession.id).desc()
            )
        ).all()
    )


def sessions_with_counts(session: Session) -> list[tuple[ConsultationSession, int]]:
    """Every session, newest first, with its number of comments."""
    counts = dict(
        session.exec(
            select(Comment.consultation_id, func.count())
            .where(col(Comment.consultation_id).is_not(None))
            .group_by(Comment.consultation_id)
        ).all()
    )
    return [(row, int(counts.get(row.id, 0))) for row in newest_first(session)]


def comment_count(session: Session, consultation_id: int) -> int:
    """How many comments a session holds."""
    return session.exec(
        select(func.count()).select_from(Comment).where(Comment.consultation_id == consultation_id)
    ).one()


def store_upload(
    session: Session, consultation: ConsultationSession, *, filename: str, data: bytes, actor: User
) -> tuple[ImportFile, Table]:
    """Check that the file reads as a table, then keep it for the preview and the import."""
    table = read_table(data, filename)  # raises ImportFileError with a message for the preparer
    upload = ImportFile(
        session_id=consultation.id,
        filename=filename[-255:],
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by_id=actor.id,
    )
    session.add(upload)
    session.commit()
    return upload, table


def get_upload(session: Session, file_id: int) -> ImportFile:
    """An uploaded file by id."""
    row = session.get(ImportFile, file_id)
    if row is None:
        raise NotFound(N_("No such file."))
    return row


def mapping_from(params: dict[str, str], table: Table) -> Mapping:
    """The column mapping chosen on the form (column indexes; blank for none), else the guess."""
    guess = guess_mapping(table.columns)
    if "text" not in params:
        return guess

    def index(name: str) -> int | None:
        value = params.get(name, "")
        if value.isdigit() and int(value) < len(table.columns):
            return int(value)
        return None

    text = index("text")
    if text is None:
        raise InvalidInput(N_("Choose the column that holds the comments."), field="text")
    return Mapping(
        text=text,
        stakeholder=index("stakeholder"),
        organisation=index("organisation"),
        date=index("date"),
        external_id=index("external_id"),
    )


@dataclass
class Preview:
    """What the import would do: the first rows as they will be stored, and every row error."""

    table: Table
    mapping: Mapping
    rows: list[ImportRow]
    errors: list[RowError]
    duplicates: int


def preview(session: Session, upload: ImportFile, mapping: Mapping | None = None) -> Preview:
    """Parse the stored file with a mapping and count rows that are already in the session."""
    table = read_table(upload.data, upload.filename)
    mapping = mapping or guess_mapping(table.columns)
    rows, errors = parse_rows(table, mapping)
    known = _known_comments(session, upload.session_id)
    duplicates = sum(1 for row in rows if known.seen(row))
    return Preview(table=table, mapping=mapping, rows=rows, errors=errors, duplicates=duplicates)


@dataclass
class KnownComments:
    """What a session already holds, to tell which rows of a file are already imported.

    A row with an external id is known when a comment of the session has that id, or when a
    comment imported earlier without ids has the same text (a file re-exported with an id column).
    Each such comment without an id answers for one row only, so two rows with different ids and
    the same short text ("Hyvä!") are not both dropped. A row without an id is known when any
    comment of the session has the same text.
    """

    ids: set[str]
    hashes: set[str]
    unclaimed: Counter[str]  # texts of comments stored without an id, by how many are left

    def seen(self, row: ImportRow) -> bool:
        """Whether the row is already in the session (claims a comment without an id if so)."""
        if row.external_id in self.ids:
            return True
        claimed = self.unclaimed[row.content_hash] > 0
        if claimed:
            self.unclaimed[row.content_hash] -= 1
        return claimed if row.external_id else row.content_hash in self.hashes


def _known_comments(session: Session, consultation_id: int) -> KnownComments:
    rows = session.exec(
        select(Comment.external_id, Comment.content_hash).where(
            Comment.consultation_id == consultation_id
        )
    ).all()
    return KnownComments(
        ids={external for external, _hash in rows if external},
        hashes={content for _external, content in rows if content},
        unclaimed=Counter(content for external, content in rows if content and not external),
    )


def start_import(session: Session, upload: ImportFile, mapping: Mapping, *, actor: User) -> Job:
    """Queue the import of a file with a mapping; the job classifies and stores every row."""
    upload.mapping = asdict(mapping)
    job = enqueue(
        session,
        kind="import",
        payload={"file_id": upload.id, "mapping": asdict(mapping)},
        created_by_id=actor.id,
    )
    session.flush()
    upload.job_id = job.id
    session.add(upload)
    session.commit()
    return job


def _created_at(row: ImportRow, consultation: ConsultationSession) -> datetime:
    day = row.date or consultation.held_on
    return datetime.combine(day, time(12), tzinfo=HELSINKI)


def import_rows(
    session: Session,
    upload: ImportFile,
    mapping: Mapping,
    *,
    actor: User | None,
    progress=lambda fraction, message: None,
) -> dict[str, Any]:
    """Classify and store the file's rows in batches; duplicates and bad rows are counted, not fatal."""
    from assistant.classifier.registry import get_classifier
    from assistant.feedback.service import new_reference
    from assistant.nlp.pipelines import analyse_many

    consultation = get_session(session, upload.session_id)
    table = read_table(upload.data, upload.filename)
    rows, errors = parse_rows(table, mapping)
    known = _known_comments(session, consultation.id)
    fresh = [row for row in rows if not known.seen(row)]
    duplicates = len(rows) - len(fresh)
    session.rollback()  # end the read transaction: on SQLite it would hold the write lock
    classifier = get_classifier()
    imported = 0
    progress(0.0, f"0/{len(fresh)}")
    for start in range(0, len(fresh), BATCH):
        batch = fresh[start : start + BATCH]
        analyses = analyse_many([row.text for row in batch], [None] * len(batch))
        predictions = classifier.predict_analyses(analyses)
        comments = [
            Comment(
                reference=new_reference(session),
                text=row.text,
                lang=prediction.lang,
                stakeholder=(row.stakeholder or consultation.stakeholder),
                organisation=row.organisation,
                source=CommentSource.imported.value,
                predicted_label=prediction.label,
                scores=prediction.scores,
                top_score=max(prediction.scores.values()),
                explanation=prediction.explanation,
                model_version=prediction.model_version,
                consultation_id=consultation.id,
                external_id=row.external_id,
                content_hash=row.content_hash,
                lemmas=prediction.lemma_text,
                created_at=_created_at(row, consultation),
            )
            for row, prediction in zip(batch, predictions, strict=True)
        ]
        session.add_all(comments)
        try:
            session.commit()
            imported += len(comments)
        except IntegrityError:
            # Another import of the same file raced this one: store row by row, skipping copies.
            session.rollback()
            for comment in comments:
                session.add(comment)
                try:
                    session.commit()
                    imported += 1
                except IntegrityError:
                    session.rollback()
                    duplicates += 1
        progress((start + len(batch)) / max(len(fresh), 1), f"{start + len(batch)}/{len(fresh)}")
    result = {
        "rows": len(table.rows),
        "imported": imported,
        "duplicates": duplicates,
        "errors": [{"row": e.row_number, "msgid": e.msgid, "params": e.params} for e in errors],
    }
    record(
        session,
        actor=actor,
        action="import.comments",
        target_type="session",
        target_id=consultation.id,
        after={
            "file": upload.filename,
            "sha256": upload.sha256,
            "imported": imported,
            "duplicates": duplicates,
            "errors": len(errors),
        },
    )
    session.commit()
    return result
