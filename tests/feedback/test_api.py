"""POST /api/v1/feedback: stored durably, answered with the id, reference, label and scores."""

import pytest
from sqlmodel import select

from assistant.feedback.models import Comment


def test_feedback_is_classified_and_stored(app_client, db_session, classifier):
    response = app_client.post(
        "/api/v1/feedback",
        json={
            "text": "Oman tuotannon kustannukset pitää laskea samoilla periaatteilla kuin ostopalvelujen.",
            "stakeholder": "council",
            "organisation": "Aluevaltuusto",
            "followup": "Julkaiskaa yksikköhinnat.",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["label"] == "cost_comparability"
    assert body["reference"].startswith("VP-")
    assert body["model_version"] == classifier.version
    db_session.rollback()
    stored = db_session.get(Comment, body["id"])
    assert stored.reference == body["reference"]
    assert stored.source == "api"
    assert stored.stakeholder == "council"
    assert stored.organisation == "Aluevaltuusto"
    assert stored.followup_answer == "Julkaiskaa yksikköhinnat."
    assert stored.scores == body["scores"]


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "", "stakeholder": "resident"},
        {"text": "x" * 5001, "stakeholder": "resident"},
        {"text": "Hoitajia puuttuu.", "stakeholder": "martian"},
        {"text": "Hoitajia puuttuu.", "stakeholder": "resident", "lang": "de"},
        {"text": "Hoitajia\x07 puuttuu.", "stakeholder": "resident"},
        {"text": 12, "stakeholder": "resident"},
        {"stakeholder": "resident"},
    ],
)
def test_bad_feedback_is_a_422_and_stores_nothing(app_client, db_session, payload):
    db_session.rollback()
    before = len(db_session.exec(select(Comment.id)).all())
    response = app_client.post("/api/v1/feedback", json=payload, headers={"Accept-Language": "sv"})
    assert response.status_code == 422
    assert response.json()["message"]
    db_session.rollback()
    assert len(db_session.exec(select(Comment.id)).all()) == before


def test_feedback_route_is_documented(app_client):
    spec = app_client.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/feedback"]["post"]
    assert "201" in operation["responses"]
    assert "stakeholder" in spec["components"]["schemas"]["FeedbackCreate"]["properties"]
