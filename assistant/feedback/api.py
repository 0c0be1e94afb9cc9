"""JSON API of the feedback domain: POST /api/v1/feedback."""

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from assistant.classifier.registry import get_classifier
from assistant.classifier.schemas import Scores
from assistant.db import SessionDep
from assistant.feedback.schemas import FeedbackCreate, FeedbackCreated
from assistant.feedback.service import submit_feedback
from assistant.web.ratelimit import public_post_limit

router = APIRouter(prefix="/api/v1", tags=["feedback"])


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    dependencies=[Depends(public_post_limit)],
    responses={429: {"description": "Too many requests from this client"}},
)
async def create_feedback(body: FeedbackCreate, session: SessionDep) -> FeedbackCreated:
    """Classify and store a comment; answers once it is durably saved."""
    comment = await run_in_threadpool(
        submit_feedback,
        session=session,
        classifier=get_classifier(),
        text=body.text,
        stakeholder=body.stakeholder.value,
        lang=body.lang,
        organisation=body.organisation,
        followup=body.followup,
    )
    assert comment.id is not None
    return FeedbackCreated(
        id=comment.id,
        reference=comment.reference,
        lang=comment.lang,
        label=comment.predicted_label,
        scores=Scores(**comment.scores),
        model_version=comment.model_version,
    )
