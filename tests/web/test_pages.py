"""The start page in three languages, language memory, and error pages."""

import pytest


@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("fi", "Kerro mielipiteesi monituottajuusohjelmasta"),
        ("sv", "Säg din åsikt om flerproducentmodellen"),
        ("en", "Have your say on the multi-producer programme"),
    ],
)
def test_start_page_speaks_the_chosen_language(client, lang, heading):
    response = client.get(f"/?lang={lang}")
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    assert heading in response.text
    assert "<title>" in response.text and "– Vuoropuhe</title>" in response.text


def test_language_choice_is_remembered_in_a_cookie():
    from fastapi.testclient import TestClient

    from assistant.app import create_app

    with TestClient(create_app()) as fresh:
        fresh.get("/?lang=sv")
        assert '<html lang="sv">' in fresh.get("/").text


def test_accept_language_is_used_without_a_choice():
    from fastapi.testclient import TestClient

    from assistant.app import create_app

    with TestClient(create_app()) as fresh:
        page = fresh.get("/", headers={"Accept-Language": "en-US,en;q=0.8"})
        assert '<html lang="en">' in page.text
        garbage = fresh.get("/", headers={"Accept-Language": "??;q=x,,"})
        assert '<html lang="fi">' in garbage.text


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/no-such-page?lang=sv")
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.text
