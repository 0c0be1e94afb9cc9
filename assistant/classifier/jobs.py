"""The retraining job: the corpus plus the comments preparers have reviewed."""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from assistant.classifier import versions
from assistant.feedback.enums import CommentStatus
from assistant.feedback.models import Comment
from assistant.jobs.models import Job
from assistant.jobs.service import Progress, handler
from assistant.settings import get_settings


def reviewed_examples(session: Session) -> list[versions.ReviewedExample]:
    """Comments whose category a preparer set (hidden and withdrawn ones left out)."""
    rows = session.exec(
        select(Comment.text, Comment.lang, Comment.final_label, Comment.reference).where(
            col(Comment.final_label).is_not(None),
            col(Comment.status).in_([CommentStatus.reviewed.value, CommentStatus.new.value]),
            col(Comment.lang).in_(["fi", "sv", "en"]),
        )
    ).all()
    return [
        versions.ReviewedExample(text=text, lang=lang, label=label, reference=reference)
        for text, lang, label, reference in rows
    ]


@handler("retrain")
def run_retrain(engine: Engine, job: Job, progress: Progress) -> dict[str, Any]:
    """Train a new, inactive version; the admin compares and activates it afterwards."""
    settings = get_settings()
    with Session(engine) as session:
        reviewed = reviewed_examples(session)
    # The page that queued the job names its folders and options; a worker's own settings are
    # the fallback (they are the same on a correctly configured deployment).
    folds = job.payload.get("cv_folds", settings.retrain_cv_folds)
    version = versions.retrain(
        corpora_dir=Path(job.payload.get("corpora_dir") or settings.corpora_dir),
        models_dir=Path(job.payload.get("models_dir") or settings.models_dir),
        reviewed=reviewed,
        progress=progress,
        cv_folds=folds,
    )
    return {"version": version, "reviewed": len(reviewed)}
