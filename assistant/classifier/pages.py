"""The admin page for the classifier's versions: cards, retraining, comparison, activation."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from assistant.accounts.web import AdminDep
from assistant.audit.service import record
from assistant.classifier import versions
from assistant.classifier.jobs import reviewed_examples
from assistant.classifier.registry import current_version, read_card
from assistant.db import SessionDep
from assistant.errors import DomainError
from assistant.jobs.models import Job, JobStatus
from assistant.jobs.service import enqueue, wake
from assistant.web.i18n import gettext as _
from assistant.web.i18n import translate_error
from assistant.web.templating import error_page, render

router = APIRouter(prefix="/admin/models", include_in_schema=False)


def _running_retrain(session: Session) -> Job | None:
    from sqlmodel import col, select

    return session.exec(
        select(Job)
        .where(
            Job.kind == "retrain",
            col(Job.status).in_([JobStatus.queued.value, JobStatus.running.value]),
        )
        .order_by(col(Job.id).desc())
    ).first()


def _page(request: Request, session: Session, who, status_code: int = 200, **extra) -> Response:
    models_dir = request.app.state.settings.models_dir
    current = current_version(models_dir)
    reviewed = reviewed_examples(session)
    train_part, holdout = versions.split_reviewed(reviewed)
    context = {
        "current": current,
        "card": read_card(models_dir, current),
        "versions": versions.list_versions(models_dir),
        "history": list(reversed(versions.activation_history(models_dir)))[:20],
        "reviewed_train": len(train_part),
        "reviewed_holdout": len(holdout),
        "running": _running_retrain(session),
        "csrf": who.csrf,
        "error": None,
        "done": request.query_params.get("done"),
        **extra,
    }
    return render(request, "classifier/models.html", context, status_code)


@router.get("", response_class=HTMLResponse)
def models(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """The current model's card, every version, and the retrain button."""
    return _page(request, session, who)


@router.post("/retrain")
def retrain(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """Queue a retraining job (one at a time)."""
    running = _running_retrain(session)
    if running is not None:
        return RedirectResponse(f"/workspace/jobs/{running.id}", status_code=303)
    settings = request.app.state.settings
    payload = {
        "models_dir": str(settings.models_dir),
        "corpora_dir": str(settings.corpora_dir),
        "cv_folds": settings.retrain_cv_folds,
    }
    job = enqueue(session, kind="retrain", payload=payload, created_by_id=who.user.id)
    session.flush()
    record(session, actor=who.user, action="model.retrain", target_type="job", target_id=job.id)
    session.commit()
    wake()
    return RedirectResponse(f"/workspace/jobs/{job.id}", status_code=303)


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """A candidate version beside the current one, on the dev split and on reviewed comments."""
    settings = request.app.state.settings
    candidate = request.query_params.get("candidate", "")[:80]
    baseline = request.query_params.get("baseline", "")[:80] or current_version(settings.models_dir)
    _train, holdout = versions.split_reviewed(reviewed_examples(session))
    try:
        result = versions.compare(
            corpora_dir=settings.corpora_dir,
            models_dir=settings.models_dir,
            baseline=baseline,
            candidate=candidate,
            reviewed_holdout=holdout,
        )
    except DomainError as exc:
        if exc.status_code == 404:
            return error_page(request, _("Page not found"), 404)
        return _page(request, session, who, 409, error=translate_error(exc))
    return render(
        request,
        "classifier/compare.html",
        {"result": result, "csrf": who.csrf, "current": current_version(settings.models_dir)},
    )


@router.post("/activate")
async def activate(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """Make a version current. Audited."""
    form = await request.form()
    version = str(form.get("version", ""))[:80]
    models_dir = request.app.state.settings.models_dir
    try:
        activation = versions.activate(models_dir, version)
    except DomainError as exc:
        return _page(request, session, who, exc.status_code, error=translate_error(exc))
    record(
        session,
        actor=who.user,
        action="model.activate",
        target_type="model",
        target_id=version,
        before={"version": activation.previous},
        after={"version": version},
    )
    session.commit()
    return RedirectResponse("/admin/models?done=activated", status_code=303)


@router.post("/rollback")
def rollback(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """Return to the version that was current before the last activation. Audited."""
    models_dir = request.app.state.settings.models_dir
    before = current_version(models_dir)
    try:
        version = versions.rollback(models_dir)
    except DomainError as exc:
        return _page(request, session, who, exc.status_code, error=translate_error(exc))
    record(
        session,
        actor=who.user,
        action="model.rollback",
        target_type="model",
        target_id=version,
        before={"version": before},
        after={"version": version},
    )
    session.commit()
    return RedirectResponse("/admin/models?done=rolled_back", status_code=303)
