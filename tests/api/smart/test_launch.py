"""SMART App Launch against the test EHR: discovery, PKCE, scopes, state, the allow-list, login first,
the confirmation page and the draft it starts; every failure a clear page, never a 500."""

from __future__ import annotations

import logging
import re

import pytest
import requests
from django.urls import reverse

from dahguide.api.smart import services, transport
from dahguide.wizard import services as wizard_services
from dahguide.wizard.answers import STEP_CODES
from dahguide.wizard.models import DraftAssessment
from tests.wizard.conftest import VALID

from .conftest import LAUNCH_URL, authorize, callback_path, launch, query_of

pytestmark = pytest.mark.django_db


# -- Discovery, authorization request ----------------------------------------------------------


def test_ehr_launch_redirects_to_the_discovered_authorize_endpoint(physician_client, ehr):
    response = physician_client.get(ehr.launch_url(LAUNCH_URL, "anna"))
    assert response["Location"].startswith(f"{ehr.base_url}/authorize?")


def test_authorization_request_uses_pkce_s256_and_names_the_fhir_server_as_audience(physician_client, ehr):
    authorize(physician_client, ehr)
    sent = ehr.authorize_requests[-1]
    assert (sent["code_challenge_method"], sent["aud"], len(sent["code_challenge"])) == ("S256", ehr.iss, 43)


def test_ehr_launch_asks_for_launch_and_v2_patient_read_scopes(physician_client, ehr):
    authorize(physician_client, ehr)
    assert ehr.authorize_requests[-1]["scope"].split() == [
        "launch",
        "patient/Patient.rs",
        "patient/Observation.rs",
        "patient/Condition.rs",
        "patient/MedicationRequest.rs",
    ]


def test_server_listing_only_v1_scopes_gets_read_scopes(physician_client, ehr):
    ehr.v1_only = True
    authorize(physician_client, ehr)
    assert "patient/Observation.read" in ehr.authorize_requests[-1]["scope"].split()


def test_standalone_launch_asks_the_ehr_to_pick_the_patient(physician_client, ehr):
    authorize(physician_client, ehr, standalone=True)
    sent = ehr.authorize_requests[-1]
    assert "launch" not in sent and "launch/patient" in sent["scope"].split()


def test_discovery_falls_back_to_the_capability_statement(physician_client, ehr):
    ehr.smart_configuration = False
    response = launch(physician_client, ehr)
    assert response.status_code == 200 and b"Anna Berg" in response.content


def test_confidential_client_authenticates_with_its_secret(physician_client, ehr, settings):
    settings.SMART_CLIENT_SECRET = ehr.client_secret = "a-shared-secret-of-the-confidential-client"
    response = launch(physician_client, ehr)
    assert response.status_code == 200


# -- The allow-list and the login --------------------------------------------------------------


def test_unknown_issuer_gets_a_refusal_page(physician_client, ehr):
    response = physician_client.get(f"{LAUNCH_URL}?iss=https://ehr.example.org/fhir&launch=x")
    assert response.status_code == 403
    assert b"This EHR is not registered with DAH Guide" in response.content


def test_unknown_issuer_is_never_contacted(physician_client, ehr, settings):
    settings.SMART_ALLOWED_ISS = ["https://other.example.org/fhir"]
    physician_client.get(ehr.launch_url(LAUNCH_URL, "anna"))
    assert ehr.authorize_requests == []


def test_anonymous_launch_goes_to_the_login_page(client, ehr):
    response = client.get(ehr.launch_url(LAUNCH_URL, "anna"))
    assert response["Location"] == f"{reverse('login')}?next={LAUNCH_URL}"


def test_launch_continues_after_the_login_from_a_page_of_its_own(client, ehr, physician, published_guideline):
    client.get(ehr.launch_url(LAUNCH_URL, "anna"))
    client.force_login(physician)
    response = client.get(LAUNCH_URL)
    # A page, not a redirect: CSP form-action would block the login form's redirect chain to the EHR.
    assert f'content="0;url={ehr.base_url}/authorize?'.encode() in response.content


def test_resident_may_not_launch(client, ehr, resident):
    client.force_login(resident)
    assert client.get(ehr.launch_url(LAUNCH_URL, "anna")).status_code == 403


def test_launch_url_without_a_launch_explains_itself(physician_client):
    response = physician_client.get(LAUNCH_URL)
    assert response.status_code == 400 and b"Open DAH Guide from the EHR" in response.content


# -- The EHR's answer --------------------------------------------------------------------------


def test_wrong_state_is_refused_and_the_chart_not_read(physician_client, ehr):
    location = authorize(physician_client, ehr)
    state = query_of(location)["state"]
    response = physician_client.get(callback_path(location).replace(state, "forged-state"))
    assert response.status_code == 400 and b"This sign-in cannot be completed" in response.content
    assert ehr.token_requests == []


def test_state_is_used_once(physician_client, ehr):
    path = callback_path(authorize(physician_client, ehr))
    physician_client.get(path)
    assert physician_client.get(path).status_code == 400


def test_callback_in_another_session_is_refused(physician_client, ehr, client, physician):
    path = callback_path(authorize(physician_client, ehr))
    other = type(client)()
    other.force_login(physician)
    assert other.get(path).status_code == 400


def test_denied_authorization_gets_a_clear_page(physician_client, ehr):
    ehr.deny = True
    response = launch(physician_client, ehr)
    assert response.status_code == 403 and b"Access to the chart was not granted" in response.content


def test_expired_code_gets_a_clear_page(physician_client, ehr):
    ehr.code_lifetime = 0
    response = launch(physician_client, ehr)
    assert response.status_code == 502 and b"The EHR refused the request" in response.content


def test_invalid_code_gets_a_clear_page(physician_client, ehr):
    location = authorize(physician_client, ehr)
    code = query_of(location)["code"]
    response = physician_client.get(callback_path(location).replace(code, "not-the-code"))
    assert response.status_code == 502 and ehr.tokens == {}


def test_token_endpoint_error_gets_a_clear_page(physician_client, ehr):
    ehr.token_error = "server_error"
    response = launch(physician_client, ehr)
    assert response.status_code == 502 and b"The EHR refused the request" in response.content


def test_fhir_timeout_gets_a_clear_page(physician_client, ehr, monkeypatch):
    monkeypatch.setattr(transport, "TIMEOUT", (3.0, 0.2))
    ehr.fhir_delay = 1.0
    response = launch(physician_client, ehr)
    assert response.status_code == 504 and b"The EHR did not answer" in response.content


def test_ehr_down_gets_a_clear_page(physician_client, ehr):
    ehr.stop()
    response = physician_client.get(ehr.launch_url(LAUNCH_URL, "anna"))
    assert response.status_code in (502, 504) and b"DAH Guide could not" in response.content


def test_pkce_verifier_is_checked_by_the_ehr(physician_client, ehr):
    location = authorize(physician_client, ehr)
    session = physician_client.session
    store = session[services.SESSION_KEY]
    store["flows"][query_of(location)["state"]]["verifier"] = "x" * 64
    session[services.SESSION_KEY] = store
    session.save()
    assert physician_client.get(callback_path(location)).status_code == 502


# -- The confirmation page ---------------------------------------------------------------------


def test_confirmation_shows_each_value_with_its_source(physician_client, ehr):
    page = launch(physician_client, ehr).content.decode()
    assert "Serum creatinine 342 µmol/L" in page and "(Observation/anna-creat-1)" in page


def test_confirmation_shows_the_patient_name_for_identification(physician_client, ehr):
    assert "Anna Berg" in launch(physician_client, ehr).content.decode()


def test_patient_name_is_not_stored_in_the_session(physician_client, ehr):
    launch(physician_client, ehr)
    assert "Berg" not in str(dict(physician_client.session))


def test_access_token_never_reaches_the_browser_the_session_or_the_logs(physician_client, ehr, caplog):
    caplog.set_level(logging.DEBUG)
    response = launch(physician_client, ehr)
    (token,) = ehr.issued_tokens()
    stored = str(dict(physician_client.session))
    assert token not in response.content.decode() and token not in stored and token not in caplog.text


def test_stale_values_are_listed_and_not_used(physician_client, ehr):
    response = launch(physician_client, ehr, "bruno")
    prefill = _only_prefill(physician_client)
    assert "platelets_10e9_per_l" not in prefill["answers"]
    assert "Platelets 140 ×10⁹/L" in response.content.decode()


def test_icd10_diagnosis_and_mg_dl_creatinine_are_used(physician_client, ehr):
    launch(physician_client, ehr, "bruno")
    answers = _only_prefill(physician_client)["answers"]
    assert (answers["etiology"], answers["creatinine_value"], answers["creatinine_unit"]) == ("mpa", "3.9", "mg/dL")


def test_implausible_value_is_listed_and_not_used(physician_client, ehr):
    response = launch(physician_client, ehr, "carla")
    assert "spo2_percent" not in _only_prefill(physician_client)["answers"]
    assert "It looks like a fraction" in response.content.decode()


def test_patient_without_observations_gets_age_and_sex_only(physician_client, ehr):
    launch(physician_client, ehr, "carla")
    assert set(_only_prefill(physician_client)["answers"]) == {"age_years", "sex"}


def test_unreadable_medication_orders_are_listed(physician_client, ehr, monkeypatch):
    original = ehr._fhir

    def no_orders(environ, path, query, start_response):
        if path.startswith("MedicationRequest"):
            start_response("403 Forbidden", [("Content-Type", "application/json")])
            return [b"{}"]
        return original(environ, path, query, start_response)

    monkeypatch.setattr(ehr, "_fhir", no_orders)
    page = launch(physician_client, ehr).content.decode()
    assert "The medication orders could not be read from the EHR." in page


# -- Confirming --------------------------------------------------------------------------------


def test_confirming_starts_a_draft_with_the_chart_answers(physician_client, ehr, physician):
    launch(physician_client, ehr)
    response = physician_client.post(reverse("smart:confirm"), {"p": _only_prefill_id(physician_client)})
    draft = DraftAssessment.objects.get(owner=physician)
    assert response["Location"] == reverse("wizard:step", args=[draft.pk, "patient"])
    assert (draft.answers["creatinine_value"], draft.answers["creatinine_unit"], draft.answers["anticoagulant"]) == (
        "342",
        "umol/L",
        "factor_xa_inhibitor",
    )


def test_a_prefill_starts_one_draft_only(physician_client, ehr):
    launch(physician_client, ehr)
    prefill_id = _only_prefill_id(physician_client)
    physician_client.post(reverse("smart:confirm"), {"p": prefill_id})
    assert physician_client.post(reverse("smart:confirm"), {"p": prefill_id}).status_code == 400


def test_answers_remember_that_they_came_from_the_ehr(physician_client, ehr, physician):
    launch(physician_client, ehr)
    physician_client.post(reverse("smart:confirm"), {"p": _only_prefill_id(physician_client)})
    draft = DraftAssessment.objects.get(owner=physician)
    assert draft.sources["creatinine_value"]["source"].startswith("Serum creatinine 342 µmol/L")
    assert draft.sources["creatinine_value"]["value"] == "342"
    assert draft.sources["creatinine_value"]["read_at"]


def test_the_review_marks_each_answer_from_the_ehr_or_entered(physician_client, ehr, physician):
    launch(physician_client, ehr)
    physician_client.post(reverse("smart:confirm"), {"p": _only_prefill_id(physician_client)})
    draft = DraftAssessment.objects.get(owner=physician)
    answers = {**draft.answers, "inr": "2.0", "infection_status": "excluded"}  # changed, and typed
    wizard_services.draft_save_answers(draft=draft, answers=answers, current_step="review", complete=STEP_CODES)
    html = physician_client.get(reverse("wizard:review", args=[draft.pk])).content.decode()
    rows = dict(re.findall(r'<dt class="col-sm-5 fw-normal">([^<]+)</dt>\s*<dd[^>]*>(.*?)</dd>', html, re.S))
    creatinine = next(v for k, v in rows.items() if k.startswith("Serum creatinine"))
    assert "from the EHR" in creatinine and "Serum creatinine 342 µmol/L" in creatinine
    inr = next(v for k, v in rows.items() if k.startswith("INR"))
    assert "entered" in inr and "from the EHR" not in inr
    infection = next(v for k, v in rows.items() if k.startswith("Infection"))
    assert "entered" in infection


def test_the_plan_says_how_many_answers_came_from_the_ehr(physician_client, ehr, physician):
    launch(physician_client, ehr)
    physician_client.post(reverse("smart:confirm"), {"p": _only_prefill_id(physician_client)})
    draft = DraftAssessment.objects.get(owner=physician)
    wizard_services.draft_save_answers(
        draft=draft,
        answers={**draft.answers, "inr": "2.0", **VALID["haematology"], **VALID["course"], "active_dah": "true"},
        current_step="review",
        complete=STEP_CODES,
    )
    draft.refresh_from_db()
    review = physician_client.get(reverse("wizard:review", args=[draft.pk])).content.decode()
    from_ehr = review.count('class="answer-origin origin-ehr"')
    entered = review.count('class="answer-origin origin-entered"')
    assert from_ehr > 0 and entered > 0
    plan = physician_client.get(reverse("wizard:plan", args=[draft.pk])).content.decode()
    assert f"{from_ehr} answers from the EHR, {entered} entered" in plan


def test_a_draft_typed_by_hand_carries_no_origin_marks(physician_client, physician, published_guideline):
    draft = wizard_services.draft_create(owner=physician, first_step="patient")
    answers = {k: v for code in STEP_CODES for k, v in VALID[code].items()}
    wizard_services.draft_save_answers(draft=draft, answers=answers, current_step="review", complete=STEP_CODES)
    html = physician_client.get(reverse("wizard:review", args=[draft.pk])).content.decode()
    assert "answer-origin" not in html
    assert "from the EHR" not in physician_client.get(reverse("wizard:plan", args=[draft.pk])).content.decode()


def test_confirm_is_post_only(physician_client):
    assert physician_client.get(reverse("smart:confirm")).status_code == 405


def _only_prefill(client) -> dict:
    (prefill,) = client.session[services.SESSION_KEY]["prefills"].values()
    return prefill


def _only_prefill_id(client) -> str:
    return _only_prefill(client)["id"]


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch):
    """Only loopback: a test that would reach another host fails instead."""
    real = requests.Session.request

    def guarded(self, method, url, *args, **kwargs):
        assert url.startswith("http://127.0.0.1:"), url
        return real(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", guarded)
