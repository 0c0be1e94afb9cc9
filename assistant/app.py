"""The application factory: routers, templates, middleware and error pages."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from assistant import __version__
from assistant.classifier import api as classifier_api
from assistant.settings import get_settings
from assistant.web import pages
from assistant.web.errors import install_error_handlers
from assistant.web.middleware import LocaleMiddleware


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Load the model, language detector and spaCy pipelines before the first request."""
    from assistant.classifier.registry import get_classifier
    from assistant.nlp import language, pipelines

    get_classifier()
    language.warm_up()
    pipelines.warm_up()
    yield


def create_app() -> FastAPI:
    """Build the Vuoropuhe web application."""
    settings = get_settings()
    app = FastAPI(
        title="Vuoropuhe",
        version=__version__,
        description="Stakeholder feedback and market dialogues for a wellbeing services county.",
        lifespan=lifespan,
    )
    app.add_middleware(LocaleMiddleware)
    app.mount("/static", StaticFiles(directory=str(settings.static_dir)), name="static")
    app.include_router(pages.router)
    app.include_router(classifier_api.router)
    install_error_handlers(app)
    return app
