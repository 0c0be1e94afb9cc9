"""The JSON API: classification, categories, health, the OpenAPI document and clear 422s."""

import pytest

from assistant.classifier.categories import CATEGORY_KEYS


def test_classify_answers_the_documented_shape(client, classifier):
    response = client.post(
        "/api/v1/classify",
        json={
            "text": "Pienten järjestöjen on vaikea osallistua, kun kilpailutukset ovat valtavia."
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"lang", "label", "scores", "explanation", "model_version"}
    assert body["lang"] == "fi"
    assert body["label"] == "small_producers"
    assert set(body["scores"]) == set(CATEGORY_KEYS)
    assert body["model_version"] == classifier.version
    assert body["explanation"][0]["weight"] > 0


def test_classify_accepts_a_language_hint(client):
    response = client.post(
        "/api/v1/classify", json={"text": "Personalen räcker inte till.", "lang": "sv"}
    )
    assert response.status_code == 200
    assert response.json()["lang"] == "sv"


@pytest.mark.parametrize(
    ("payload", "fi_message"),
    [
        ({"text": ""}, "on tyhjä"),
        ({"text": "   \n  "}, "on tyhjä"),
        ({"text": "x" * 5001}, "liian pitkä"),
        ({"text": 42}, "tyyppi on väärä"),
        ({"text": ["a"]}, "tyyppi on väärä"),
        ({}, "puuttuu"),
        ({"text": "hei\x00"}, "ohjausmerkkejä"),
        ({"text": "hei", "lang": "de"}, "ei kelpaa"),
        ({"text": "hei", "colour": "red"}, "ei tunneta"),
    ],
)
def test_bad_input_gets_a_422_with_a_finnish_message(client, payload, fi_message):
    response = client.post("/api/v1/classify", json=payload, headers={"Accept-Language": "fi"})
    assert response.status_code == 422
    body = response.json()
    assert fi_message in body["message"]
    assert body["detail"]


def test_error_message_follows_the_users_language(client):
    sv = client.post(
        "/api/v1/classify", json={"text": ""}, headers={"Accept-Language": "sv-FI,sv;q=0.9"}
    )
    en = client.post("/api/v1/classify", json={"text": ""}, headers={"Accept-Language": "en-GB"})
    assert "är tomt" in sv.json()["message"]
    assert "is empty" in en.json()["message"]


def test_text_of_exactly_5000_characters_is_accepted(client):
    text = ("Kotihoidon henkilöstö ei riitä. " * 200)[:5000]
    assert client.post("/api/v1/classify", json={"text": text}).status_code == 200


def test_malformed_json_is_a_422_not_a_500(client):
    response = client.post(
        "/api/v1/classify", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_categories_in_three_languages(client):
    body = client.get("/api/v1/categories").json()
    assert [c["key"] for c in body] == list(CATEGORY_KEYS)
    assert body[0]["name"]["sv"] == "Kvalitet och kundperspektiv"


def test_health_and_openapi(client, classifier):
    assert client.get("/healthz").json() == {"status": "ok", "model_version": classifier.version}
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/classify" in paths
    assert "/api/v1/categories" in paths
