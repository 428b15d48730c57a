"""Text nobody types, sent to POST /api/v1/evaluate: a clear 400 naming the field, never a 500.

A lone UTF-16 surrogate (JSON's ``"\\ud800"``) cannot be encoded: echoed in a message, it made the
renderer fail. schemathesis cannot draw one (test_schemathesis.py), so it is planted here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dahguide.engine.intake import INPUT_NAMES

from .conftest import INTAKE, auth, post_json

pytestmark = pytest.mark.django_db

URL = "/api/v1/evaluate"
# Lone surrogates, controls, bidi overrides, private use; not whitespace, which is trimmed.
UNSHOWABLE = st.text(
    st.characters(categories=["Cs", "Cc", "Cf", "Co"]).filter(lambda c: not c.isspace()),
    min_size=1,
    max_size=3,
)


@pytest.fixture(autouse=True)
def _generous_throttle(settings):
    settings.API_THROTTLE_RATE = "100000/min"  # the throttle has its own test


def _errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"etiology": "\\ud800"}', "etiology"),
        ('{"\\ud800": 1}', "\\ud800"),
        ('{"steroid_toxicity_factors": ["\\ud800"]}', "steroid_toxicity_factors"),
    ],
    ids=["value", "key", "list-item"],
)
def test_lone_surrogate_answers_400_naming_the_field_with_the_character_escaped(
    client, published_guideline, physician_token, body, field
):
    errors = _errors(post_json(client, URL, body, **auth(physician_token)))
    assert list(errors) == [field]
    assert "\\ud800" in errors[field][0]


def test_control_character_answers_400_naming_the_field(client, published_guideline, physician_token):
    errors = _errors(post_json(client, URL, {**INTAKE, "etiology": "gpa\x00"}, **auth(physician_token)))
    assert errors == {
        "etiology": ["Cause of the DAH: remove the control or invalid character (\\u0000) from the answer."],
    }


def _planted(body: dict[str, Any], where: str, name: str, text: str) -> dict[str, Any]:
    if where == "key":
        return {**body, f"{name}{text}": 1}
    return {**body, name: [text] if where == "item" else f"{text}{body.get(name, '')}"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.builds(
        _planted,
        st.just(INTAKE),
        st.sampled_from(["value", "key", "item"]),
        st.sampled_from(INPUT_NAMES),
        UNSHOWABLE,
    )
)
def test_unshowable_text_anywhere_in_an_intake_answers_400_never_500(
    client, published_guideline, physician_token, data
):
    errors = _errors(post_json(client, URL, data, **auth(physician_token)))
    assert errors
    json.dumps(errors, ensure_ascii=False).encode("utf-8")  # what the renderer does
