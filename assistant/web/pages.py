"""Pages that belong to no single domain: the start page and health check."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from assistant.classifier.categories import categories
from assistant.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def start_page(request: Request) -> HTMLResponse:
    """What Vuoropuhe is and where to go next."""
    return render(request, "index.html", {"categories": categories()})


@router.get("/healthz", tags=["service"])
async def healthz() -> dict[str, str]:
    """Liveness and the active model version."""
    from assistant.classifier.registry import get_classifier

    return {"status": "ok", "model_version": get_classifier().version}


@router.get("/accessibility", response_class=HTMLResponse, include_in_schema=False)
def accessibility(request: Request) -> HTMLResponse:
    """The accessibility statement (saavutettavuusseloste / tillgänglighetsutlåtande)."""
    return render(request, "accessibility.html")
