"""The application factory: routers, templates, middleware and error pages."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant import __version__
from assistant.accounts import pages as accounts_pages
from assistant.accounts.web import install_handlers as install_auth_handlers
from assistant.audit import pages as audit_pages
from assistant.classifier import api as classifier_api
from assistant.classifier import pages as classifier_pages
from assistant.consultations import pages as consultation_pages
from assistant.db import build_engine
from assistant.dialogues import admin_pages as dialogues_admin_pages
from assistant.dialogues import api as dialogues_api
from assistant.dialogues import pages as dialogues_pages
from assistant.dialogues.service import service_areas
from assistant.feedback import api as feedback_api
from assistant.feedback import pages as feedback_pages
from assistant.feedback import workspace as feedback_workspace
from assistant.jobs import pages as job_pages
from assistant.privacy import pages as privacy_pages
from assistant.settings import DEFAULT_SECRET_KEY, Settings, get_settings
from assistant.summaries import pages as summary_pages
from assistant.web import pages
from assistant.web.errors import install_error_handlers
from assistant.web.middleware import AccessLogMiddleware, LocaleMiddleware
from assistant.web.ratelimit import build_limiter
from assistant.web.security import SecurityHeadersMiddleware


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Load the model, language detector and spaCy pipelines before the first request."""
    from assistant.classifier.registry import get_classifier
    from assistant.nlp import language, pipelines

    get_classifier()
    language.warm_up()
    pipelines.warm_up()
    runner = None
    if app.state.settings.run_jobs_in_app:
        from assistant.jobs.service import JobRunner

        runner = JobRunner(app.state.engine)
        runner.start()
    try:
        yield
    finally:
        if runner is not None:
            runner.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Vuoropuhe web application (settings from the environment unless given)."""
    settings = settings or get_settings()
    if settings.environment == "production" and settings.secret_key == DEFAULT_SECRET_KEY:
        raise RuntimeError("ASSISTANT_SECRET_KEY must be set to a long random value in production")
    app = FastAPI(
        title="Vuoropuhe",
        version=__version__,
        description="Stakeholder feedback and market dialogues for a wellbeing services county.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = build_engine(settings.database_url)
    app.state.limiter = build_limiter(settings.rate_limit_storage)
    app.state.service_areas = service_areas(settings.service_areas_file)
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=settings.secure_cookies,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.mount("/static", StaticFiles(directory=str(settings.static_dir)), name="static")
    app.include_router(pages.router)
    app.include_router(classifier_api.router)
    app.include_router(feedback_pages.router)
    app.include_router(feedback_api.router)
    app.include_router(dialogues_pages.router)
    app.include_router(dialogues_api.router)
    app.include_router(dialogues_api.admin)
    app.include_router(dialogues_admin_pages.router)
    app.include_router(accounts_pages.router)
    app.include_router(feedback_workspace.router)
    app.include_router(consultation_pages.router)
    app.include_router(classifier_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(job_pages.router)
    app.include_router(summary_pages.router)
    app.include_router(privacy_pages.router)
    install_error_handlers(app)
    install_auth_handlers(app)
    return app
