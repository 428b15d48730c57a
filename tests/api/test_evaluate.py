"""POST /api/v1/evaluate: the contract's intake in, the plan out."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from .conftest import INTAKE, auth, post_json, token_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/evaluate"


def test_evaluate_url_is_api_v1_evaluate():
    assert reverse("api:evaluate") == URL


def test_plan_equals_manage_py_evaluate_output(client, published_guideline, physician_token, tmp_path):
    source = tmp_path / "intake.json"
    source.write_text(json.dumps(INTAKE), encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate", str(source), stdout=out)

    response = post_json(client, URL, INTAKE, **auth(physician_token))

    assert response.status_code == 200
    assert response.json() == json.loads(out.getvalue())


def test_plan_names_the_decision(client, published_guideline, physician_token):
    plan = post_json(client, URL, INTAKE, **auth(physician_token)).json()
    assert plan["plasma_exchange"]["decision"] == "consider"


def test_empty_object_is_an_intake_with_everything_unknown(client, published_guideline, physician_token):
    plan = post_json(client, URL, {}, **auth(physician_token)).json()
    assert plan["plasma_exchange"]["decision"] == "insufficient_data"


def test_bearer_keyword_is_accepted(client, published_guideline, physician_token):
    assert post_json(client, URL, INTAKE, **auth(physician_token, "Bearer")).status_code == 200


def test_session_login_works_with_csrf_token(published_guideline, physician):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(physician)
    client.get(reverse("home"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post_json(client, URL, INTAKE, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_session_without_csrf_token_is_refused(published_guideline, physician):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(physician)
    assert post_json(client, URL, INTAKE).status_code == 403


def test_invalid_field_answers_400_with_messages_per_field(client, physician_token):
    response = post_json(
        client, URL, {"age_years": 300, "etiology": "flu", "spo2_percent": "high"}, **auth(physician_token)
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"age_years", "etiology", "spo2_percent"}


def test_field_error_message_names_the_field(client, physician_token):
    errors = post_json(client, URL, {"age_years": 300}, **auth(physician_token)).json()["errors"]
    assert errors["age_years"][0].startswith("Age")


def test_unknown_field_is_refused(client, physician_token):
    errors = post_json(client, URL, {"spo2": 90}, **auth(physician_token)).json()["errors"]
    assert "spo2" in errors


def test_creatinine_value_without_unit_is_refused_on_the_unit(client, physician_token):
    errors = post_json(client, URL, {"creatinine_value": 3.2}, **auth(physician_token)).json()["errors"]
    assert list(errors) == ["creatinine_unit"]


def test_implausible_creatinine_becomes_unknown_with_a_warning(client, published_guideline, physician_token):
    plan = post_json(client, URL, {"creatinine_value": 300, "creatinine_unit": "mg/dL"}, **auth(physician_token)).json()
    assert plan["inputs"]["creatinine_value"] is None
    assert "creatinine_unit_implausible" in [w["code"] for w in plan["warnings"]]


def test_platelets_per_microlitre_is_treated_as_unknown(client, published_guideline, physician_token):
    plan = post_json(client, URL, {"platelets_10e9_per_l": 2500}, **auth(physician_token)).json()
    warning = next(w for w in plan["warnings"] if w["code"] == "platelets_unit_implausible")
    assert "per µL" in warning["detail"]


@pytest.mark.parametrize(
    "body",
    [
        "[1, 2]",
        '"text"',
        "42",
        "null",
        "true",
    ],
)
def test_json_that_is_not_an_object_answers_400(client, physician_token, body):
    response = post_json(client, URL, body, **auth(physician_token))
    assert response.status_code == 400
    assert "__all__" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "{'a': 1}",
        '{"age_years": NaN}',
        '{"age_years": Infinity}',
        "\xff\xfe",
        "[" * 100_000,
        '{"age_years": ' + "9" * 5000 + "}",
    ],
)
def test_body_that_is_not_json_answers_400(client, physician_token, body):
    response = post_json(
        client, URL, body.encode("utf-8", "surrogateescape") if "\xff" in body else body, **auth(physician_token)
    )
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"]


@pytest.mark.parametrize("value", [10**300, 1e308, -1e308, 1e-320, 123456789012345678901234567890])
def test_huge_and_tiny_numbers_never_fail(client, published_guideline, physician_token, value):
    response = post_json(client, URL, {"spo2_percent": value, "weight_kg": value}, **auth(physician_token))
    assert response.status_code in {200, 400}


def test_oversized_body_answers_400(client, physician_token):
    body = json.dumps({"etiology": "gpa", "x": "a" * 70_000})
    response = post_json(client, URL, body, **auth(physician_token))
    assert response.status_code == 400
    assert "larger than" in response.json()["errors"]["__all__"][0]


def test_form_encoded_body_answers_415(client, physician_token):
    response = client.post(URL, {"etiology": "gpa"}, **auth(physician_token))
    assert response.status_code == 415


def test_no_published_guideline_answers_503(client, physician_token):
    response = post_json(client, URL, INTAKE, **auth(physician_token))
    assert response.status_code == 503
    assert "published" in response.json()["detail"]


def test_get_is_not_allowed(client, physician_token):
    assert client.get(URL, **auth(physician_token)).status_code == 405


def test_throttled_request_answers_429_with_a_clear_message(client, published_guideline, physician_token, settings):
    settings.API_THROTTLE_RATE = "2/min"
    statuses = [post_json(client, URL, INTAKE, **auth(physician_token)).status_code for _ in range(3)]
    response = post_json(client, URL, INTAKE, **auth(physician_token))
    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert "2/min" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_throttle_counts_per_user(client, published_guideline, physician_token, admin_user, settings):
    settings.API_THROTTLE_RATE = "1/min"
    post_json(client, URL, INTAKE, **auth(physician_token))
    assert post_json(client, URL, INTAKE, **auth(token_for(admin_user))).status_code == 200


def test_evaluate_runs_a_bounded_number_of_queries(
    client, published_guideline, physician_token, django_assert_max_num_queries
):
    post_json(client, URL, INTAKE, **auth(physician_token))  # warm the snapshot cache
    with django_assert_max_num_queries(3):
        post_json(client, URL, INTAKE, **auth(physician_token))


def test_evaluate_responses_are_not_cached(client, published_guideline, physician_token):
    response = post_json(client, URL, INTAKE, **auth(physician_token))
    assert "no-store" in response["Cache-Control"]
