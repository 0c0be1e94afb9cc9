"""JSON API of the classifier: /api/v1/classify and /api/v1/categories."""

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from assistant.classifier.categories import categories
from assistant.classifier.registry import get_classifier
from assistant.classifier.schemas import CategoryPublic, ClassifyRequest, ClassifyResponse, Scores

router = APIRouter(prefix="/api/v1", tags=["classifier"])


@router.post("/classify", response_model=ClassifyResponse)
async def classify(body: ClassifyRequest) -> ClassifyResponse:
    """Classify one comment into the five categories, with scores and the terms that decided it."""
    prediction = await run_in_threadpool(get_classifier().classify, body.text, body.lang)
    return ClassifyResponse(
        lang=prediction.lang,
        label=prediction.label,
        scores=Scores(**prediction.scores),
        explanation=prediction.explanation,
        model_version=prediction.model_version,
    )


@router.get("/categories", response_model=list[CategoryPublic])
async def list_categories() -> list[CategoryPublic]:
    """The five categories with names, glosses, descriptions and follow-up questions in fi, sv, en."""
    return [CategoryPublic(**vars(c)) for c in categories()]
