"""Property tests (Hypothesis): parsing and validation never crash, and keep their promises."""

import re

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.fi import ytunnus

from assistant.dialogues.validation import (
    REGISTRATION_FIELDS,
    FormInvalid,
    normalise_business_id,
    normalise_phone,
    validate_registration,
)
from assistant.spreadsheets import FORMULA_START, neutralise

FIELDS = REGISTRATION_FIELDS


@given(st.text(max_size=20))
def test_business_id_is_either_refused_or_valid(value):
    result = normalise_business_id(value)
    assert result is None or (ytunnus.is_valid(result) and re.fullmatch(r"\d{7}-\d", result))


@given(st.integers(min_value=0, max_value=9_999_999))
def test_every_number_has_at_most_one_check_digit_that_passes(number):
    digits = f"{number:07d}"
    passing = [d for d in "0123456789" if normalise_business_id(digits + d)]
    assert len(passing) <= 1
    for d in passing:
        assert normalise_business_id(f"{digits}-{d}") == f"{digits}-{d}"


@given(st.text(max_size=30))
def test_phone_is_either_refused_or_e164(value):
    result = normalise_phone(value)
    assert result is None or re.fullmatch(r"\+\d{7,15}", result)


@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=60), max_size=len(FIELDS)))
def test_registration_validation_only_ever_reports_form_errors(raw):
    try:
        form = validate_registration(raw, max_attendees=3)
    except FormInvalid as exc:
        assert exc.errors and set(exc.errors) <= set(FIELDS)
    else:
        assert 1 <= form.attendees <= 3
        assert form.phone.startswith("+")
        assert form.business_id is None or ytunnus.is_valid(form.business_id)


@given(st.text(max_size=40))
def test_exported_cells_never_start_a_formula(value):
    cell = neutralise(value)
    assert not str(cell).startswith(FORMULA_START) or str(cell).startswith("'")


ACTIONS = st.sampled_from(
    [
        ("/feedback/start?lang=fi", {}),
        ("/feedback/stakeholder", {"stakeholder": "resident", "organisation": "Kylä"}),
        ("/feedback/stakeholder", {"stakeholder": "nobody"}),
        ("/feedback/comment", {"text": "Kotihoidossa on liian vähän hoitajia."}),
        ("/feedback/comment", {"text": ""}),
        ("/feedback/comment", {"text": "x\x00"}),
        ("/feedback/category", {"answer": "yes"}),
        ("/feedback/category", {"answer": "quality"}),
        ("/feedback/category", {"answer": "weather"}),
        ("/feedback/followup", {"answer": "Lisää iltakäyntejä."}),
        ("/feedback/followup", {"skip": "1"}),
        ("/feedback/more", {"choice": "another"}),
        ("/feedback/more", {"choice": "finish"}),
        ("/feedback/finish", {"skip": "1"}),
        ("/feedback/finish", {"name": "A", "email": "bad"}),
        ("/feedback/new", {}),
    ]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(ACTIONS, st.integers(min_value=-1, max_value=12)), min_size=1, max_size=12)
)
def test_any_sequence_of_chat_posts_never_fails_and_never_stores_more_than_was_said(
    client: TestClient, steps
):
    client.cookies.clear()
    said = 0
    for (path, data), step in steps:
        response = client.post(path, data={**data, "step": str(step)})
        assert response.status_code < 500
        if (
            path == "/feedback/comment"
            and data["text"]
            and "\x00" not in data["text"]
            and response.status_code == 200
        ):
            said += 1
    page = client.get("/feedback")
    client.cookies.clear()  # the shared client must not keep a language cookie for later tests
    assert page.status_code == 200
    assert page.text.count('class="comment-text"') <= said + page.text.count("Lisää iltakäyntejä.")
