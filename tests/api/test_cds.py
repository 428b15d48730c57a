"""CDS Hooks 2.0: discovery, client authentication, the example requests and their cards, and the
link into the wizard."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class

from dahguide.api.cds import mapping
from dahguide.api.cds.views import SERVICE, SERVICE_ID
from dahguide.wizard.models import DraftAssessment

from .conftest import CDS_ISSUER, cds_auth, cds_jwt, example, post_json

pytestmark = pytest.mark.django_db

SERVICE_URL = "/cds-services/dah-treatment"
EXAMPLES = ("gpa_on_oxygen", "anti_gbm", "stale_creatinine", "missing_prefetch", "umol_creatinine", "warfarin_bleeding")


def call(client, body, **headers):
    return post_json(client, SERVICE_URL, body, **(headers or cds_auth()))


def cards(client, name: str) -> list[dict]:
    response = call(client, example(name))
    assert response.status_code == 200, response.content
    return response.json()["cards"]


def decision(cards_: list[dict]) -> dict:
    return cards_[0]


# -- Discovery ----------------------------------------------------------------------------------


def test_discovery_lists_the_dah_treatment_service(client):
    services = client.get("/cds-services").json()["services"]
    assert [(s["id"], s["hook"]) for s in services] == [(SERVICE_ID, "patient-view")]


def test_discovery_prefetches_patient_observations_conditions_and_medications(client):
    prefetch = client.get("/cds-services").json()["services"][0]["prefetch"]
    assert set(prefetch) == {"patient", "observations", "conditions", "medications"}


def test_medication_prefetch_asks_for_the_current_orders(client):
    prefetch = client.get("/cds-services").json()["services"][0]["prefetch"]
    assert prefetch["medications"] == "MedicationRequest?patient={{context.patientId}}&status=active,on-hold"


@pytest.mark.parametrize("code", ["2160-0", "14682-9", "777-3", "59408-5", "2708-6", "6301-6", "34714-6", "3255-7"])
def test_observation_prefetch_asks_for_each_loinc_code(client, code):
    prefetch = client.get("/cds-services").json()["services"][0]["prefetch"]
    assert f"http://loinc.org|{code}" in prefetch["observations"]


def test_discovery_allows_cross_origin_calls(client):
    assert client.get("/cds-services")["Access-Control-Allow-Origin"] == "*"


def test_preflight_request_is_answered(client):
    response = client.options(SERVICE_URL)
    assert response.status_code == 204
    assert "Authorization" in response["Access-Control-Allow-Headers"]


def test_service_urls_are_named():
    assert reverse("api:cds_discovery") == "/cds-services"
    assert reverse("api:cds_service") == SERVICE_URL


# -- Authentication -----------------------------------------------------------------------------


def test_request_signed_by_an_allowed_client_is_accepted(client, published_guideline, hook_time):
    assert call(client, example("gpa_on_oxygen")).status_code == 200


def test_request_without_token_is_refused(client, published_guideline):
    response = post_json(client, SERVICE_URL, example("gpa_on_oxygen"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "claims",
    [
        {"secret": "another-secret-that-is-long-enough-0123456789"},
        {"iss": "unknown-ehr"},
        {"aud": "http://testserver/cds-services/another-service"},
        {"exp": 1_000_000_000, "iat": 999_999_900},
        {"exp": 4_000_000_000},
        {"jti": ""},
    ],
)
def test_token_that_fails_a_check_is_refused(client, published_guideline, claims):
    assert call(client, example("gpa_on_oxygen"), **cds_auth(**claims)).status_code == 401


def test_token_is_accepted_once(client, published_guideline, hook_time):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {cds_jwt()}"}
    first = call(client, example("gpa_on_oxygen"), **headers)
    second = call(client, example("gpa_on_oxygen"), **headers)
    assert (first.status_code, second.status_code) == (200, 401)


def test_unsigned_token_is_refused(client, published_guideline):
    import jwt

    token = jwt.encode({"iss": CDS_ISSUER, "aud": "http://testserver" + SERVICE_URL}, key=None, algorithm="none")
    assert call(client, example("gpa_on_oxygen"), HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_refusal_is_logged_as_a_security_event(client, published_guideline, caplog):
    post_json(client, SERVICE_URL, example("gpa_on_oxygen"))
    assert any(getattr(r, "event", "") == "cds_auth_rejected" for r in caplog.records)


def test_authentication_can_be_switched_off_for_development(client, published_guideline, settings, hook_time):
    settings.CDS_HOOKS_REQUIRE_AUTH = False
    assert post_json(client, SERVICE_URL, example("gpa_on_oxygen")).status_code == 200


# -- Bad requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"hook": "order-select", "hookInstance": "x", "context": {"patientId": "p"}}',
        '{"hook": "patient-view", "context": {"patientId": "p"}}',
        '{"hook": "patient-view", "hookInstance": "x"}',
        '{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": []}',
    ],
)
def test_malformed_hook_request_answers_400(client, published_guideline, body):
    response = call(client, body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_no_published_guideline_answers_503(client, hook_time):
    assert call(client, example("gpa_on_oxygen")).status_code == 503


def test_garbage_prefetch_never_fails(client, published_guideline, hook_time):
    body = example("gpa_on_oxygen")
    body["prefetch"] = {
        "patient": {"resourceType": "Patient", "birthDate": 12},
        "observations": {
            "resourceType": "Bundle",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Observation",
                        "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": "2160-0"}]},
                        "effectiveDateTime": "yesterday",
                        "valueQuantity": {"value": "NaN"},
                    }
                },
                5,
                None,
            ],
        },
        "conditions": "none",
    }
    assert call(client, body).status_code == 200


# -- The example requests -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n != "missing_prefetch"])
def test_example_prefetch_is_valid_fhir_r4b(name):
    for resource in example(name)["prefetch"].values():
        if resource is not None:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)


@pytest.mark.parametrize(
    ("name", "summary", "indicator"),
    [
        ("gpa_on_oxygen", "Consider plasma exchange", "warning"),
        ("anti_gbm", "Plasma exchange recommended", "critical"),
        ("stale_creatinine", "Not enough data to decide on plasma exchange", "info"),
        ("missing_prefetch", "Not enough data to decide on plasma exchange", "info"),
        ("umol_creatinine", "Consider plasma exchange", "warning"),
        ("warfarin_bleeding", "Not enough data to decide on plasma exchange", "info"),
    ],
)
def test_example_gives_the_decision_card(client, published_guideline, hook_time, name, summary, indicator):
    card = decision(cards(client, name))
    assert card["summary"].startswith(summary)
    assert card["indicator"] == indicator


@pytest.mark.parametrize(
    ("name", "met"),
    [
        ("gpa_on_oxygen", ["with hypoxemia"]),
        ("anti_gbm", ["Serum creatinine above 3.4 mg/dL", "anti-GBM disease"]),
        ("umol_creatinine", ["Serum creatinine above 3.4 mg/dL"]),
    ],
)
def test_decision_card_names_the_criteria_met(client, published_guideline, hook_time, name, met):
    detail = decision(cards(client, name))["detail"]
    met_lines = [line for line in detail.splitlines() if line.startswith("- **Met**")]
    assert len(met_lines) == len(met)
    for words in met:
        assert any(words.lower() in line.lower() for line in met_lines), (words, met_lines)


def test_decision_card_lists_all_four_criteria(client, published_guideline, hook_time):
    detail = decision(cards(client, "gpa_on_oxygen"))["detail"]
    assert sum(line.startswith("- **") for line in detail.split("**Criteria**")[1].split("\n\n")[1].splitlines()) == 4


def test_every_card_has_a_source_and_an_absolute_app_link(client, published_guideline, hook_time):
    for card in cards(client, "anti_gbm"):
        assert card["source"]["label"] and card["source"]["url"].startswith("http")
        assert [link["type"] for link in card["links"]] == ["absolute"]


def test_every_summary_is_shorter_than_140_characters(client, published_guideline, hook_time):
    for name in EXAMPLES:
        assert all(len(card["summary"]) < 140 for card in cards(client, name))


def test_gpa_example_maps_oxygen_flow_to_supplemental_oxygen(client, published_guideline, hook_time):
    detail = decision(cards(client, "gpa_on_oxygen"))["detail"]
    assert "Oxygen support: supplemental oxygen (at least" in detail


def test_gpa_example_uses_the_newest_creatinine(client, published_guideline, hook_time):
    detail = decision(cards(client, "gpa_on_oxygen"))["detail"]
    assert "Serum creatinine 2.1 mg/dL" in detail
    assert "1.2 mg/dL" not in detail


def test_micro_sign_creatinine_is_converted_to_mg_dl(client, published_guideline, hook_time):
    detail = decision(cards(client, "umol_creatinine"))["detail"]
    assert "320 µmol/L (3.62 mg/dL)" in detail


def test_stale_creatinine_is_flagged_and_not_used(client, published_guideline, hook_time):
    card = decision(cards(client, "stale_creatinine"))
    stale = card["detail"].split("**Stale, not used as current**")[1]
    assert "Serum creatinine 5 mg/dL" in stale
    assert "**Unknown**: Serum creatinine above 3.4 mg/dL" in card["detail"]


def test_stale_values_get_a_data_card(client, published_guideline, hook_time):
    data = cards(client, "stale_creatinine")[-1]
    assert data["indicator"] == "warning"
    assert "older than 48 h" in data["detail"]


def test_missing_prefetch_gets_a_card_naming_the_missing_data(client, published_guideline, hook_time):
    data = cards(client, "missing_prefetch")[-1]
    assert data["summary"].startswith("DAH Guide did not receive")
    assert all(word in data["detail"] for word in ("patient", "laboratory", "problem list", "medication orders"))


def test_missing_prefetch_card_says_the_fhir_server_is_not_queried(client, published_guideline, hook_time):
    assert "does not query the EHR's FHIR server" in cards(client, "missing_prefetch")[-1]["detail"]


def test_complete_prefetch_gets_no_data_card(client, published_guideline, hook_time):
    summaries = [card["summary"] for card in cards(client, "gpa_on_oxygen")]
    assert not [s for s in summaries if "DAH Guide did not receive" in s or "could not be used" in s]


def test_critical_warning_becomes_its_own_card(client, published_guideline, hook_time):
    # The EHR cannot say whether the bleeding is controlled: the plan's critical caution applies.
    warning_cards = [c for c in cards(client, "gpa_on_oxygen") if c["source"]["topic"]["code"] == "warning"]
    assert [c["indicator"] for c in warning_cards] == ["critical"]
    assert warning_cards[0]["summary"].startswith("Do not start pharmacological thromboprophylaxis")


def test_warfarin_example_fills_the_anticoagulant_and_names_the_other_active_drug(
    client, published_guideline, hook_time
):
    detail = decision(cards(client, "warfarin_bleeding"))["detail"]
    assert (
        "Anticoagulant or antiplatelet drug: vitamin K antagonist (warfarin, phenprocoumon, acenocoumarol), from "
        "active orders: warfarin, RxNorm 11289 (MedicationRequest/mr-warfarin). Also active, not filled in: aspirin, "
        "RxNorm 1191 (MedicationRequest/mr-aspirin); confirm in the wizard"
    ) in detail


def test_warfarin_example_ignores_the_stopped_apixaban(client, published_guideline, hook_time):
    assert "apixaban" not in decision(cards(client, "warfarin_bleeding"))["detail"]


@pytest.mark.parametrize(
    "shown",
    [
        "INR 3.8, 10 Mar 2026 07:00 UTC (Observation/inr-warf)",
        "Fibrinogen 120 mg/dL (1.2 g/L), 10 Mar 2026 07:00 UTC (Observation/fib-warf)",
        "Sex male (from the administrative gender",
    ],
)
def test_warfarin_example_uses_inr_fibrinogen_and_sex(client, published_guideline, hook_time, shown):
    assert shown in decision(cards(client, "warfarin_bleeding"))["detail"]


def test_warfarin_example_gets_no_data_card(client, published_guideline, hook_time):
    summaries = [card["summary"] for card in cards(client, "warfarin_bleeding")]
    assert not [s for s in summaries if "DAH Guide did not receive" in s or "could not be used" in s]


# -- The link into the wizard -----------------------------------------------------------------------


def _link(client, name: str) -> str:
    url = decision(cards(client, name))["links"][0]["url"]
    parsed = urlparse(url)
    assert parsed.path == reverse("api:from_cds")
    return f"{parsed.path}?{parsed.query}"


def test_link_shows_what_will_be_prefilled(client, published_guideline, hook_time, physician):
    link = _link(client, "gpa_on_oxygen")
    client.force_login(physician)
    html = client.get(link).content.decode()
    assert "Serum creatinine" in html and "2.1 mg/dL" in html


def test_link_does_not_create_a_draft_on_get(client, published_guideline, hook_time, physician):
    link = _link(client, "gpa_on_oxygen")
    client.force_login(physician)
    client.get(link)
    assert not DraftAssessment.objects.exists()


def test_confirming_the_link_creates_a_draft_with_the_mapped_answers(client, published_guideline, hook_time, physician):
    link = _link(client, "gpa_on_oxygen")
    client.force_login(physician)
    response = client.post(reverse("api:from_cds"), {"t": parse_qs(urlparse(link).query)["t"][0]})
    draft = DraftAssessment.objects.get(owner=physician)
    assert response.url == reverse("wizard:step", args=[draft.pk, "patient"])
    assert draft.answers == {
        "age_years": "57",
        "sex": "female",
        "etiology": "gpa",
        "creatinine_value": "2.1",
        "creatinine_unit": "mg/dL",
        "platelets_10e9_per_l": "210",
        "spo2_percent": "88",
        "oxygen_support": "supplemental_oxygen",
    }


def test_confirming_the_warfarin_link_prefills_the_coagulation_answers(
    client, published_guideline, hook_time, physician
):
    link = _link(client, "warfarin_bleeding")
    client.force_login(physician)
    client.post(reverse("api:from_cds"), {"t": parse_qs(urlparse(link).query)["t"][0]})
    answers = DraftAssessment.objects.get(owner=physician).answers
    assert {k: answers[k] for k in ("sex", "inr", "anticoagulant", "fibrinogen_g_per_l")} == {
        "sex": "male",
        "inr": "3.8",
        "anticoagulant": "vitamin_k_antagonist",
        "fibrinogen_g_per_l": "1.2",
    }


def test_link_page_shows_the_anticoagulant_by_name(client, published_guideline, hook_time, physician):
    link = _link(client, "warfarin_bleeding")
    client.force_login(physician)
    html = client.get(link).content.decode()
    assert '<dd class="col-sm-8">Vitamin K antagonist (warfarin, phenprocoumon, acenocoumarol)</dd>' in html
    assert '<dd class="col-sm-8">1.2 g/L</dd>' in html


def test_prefilled_draft_has_no_step_marked_complete(client, published_guideline, hook_time, physician):
    link = _link(client, "gpa_on_oxygen")
    client.force_login(physician)
    client.post(reverse("api:from_cds"), {"t": parse_qs(urlparse(link).query)["t"][0]})
    assert DraftAssessment.objects.get(owner=physician).completed_steps == []


def test_stale_value_is_not_prefilled(client, published_guideline, hook_time, physician):
    link = _link(client, "stale_creatinine")
    client.force_login(physician)
    client.post(reverse("api:from_cds"), {"t": parse_qs(urlparse(link).query)["t"][0]})
    assert "creatinine_value" not in DraftAssessment.objects.get(owner=physician).answers


def test_edited_link_is_refused(client, physician):
    client.force_login(physician)
    response = client.get(reverse("api:from_cds"), {"t": "eyJhIjp7fX0:forged:signature"})
    assert response.status_code == 400


def test_link_is_for_physicians_only(client, published_guideline, hook_time, resident):
    link = _link(client, "gpa_on_oxygen")
    client.force_login(resident)
    assert client.get(link).status_code == 403


def test_mapping_reads_the_prefetch_keys_the_service_declares():
    assert [key for key, _ in mapping.PREFETCH_READERS] == list(SERVICE["prefetch"])


def test_every_quantity_read_has_a_staleness_window():
    assert set(mapping.STALE_AFTER) == {what for what, _ in mapping.QUANTITIES}


def test_service_runs_a_bounded_number_of_queries(
    client, published_guideline, hook_time, django_assert_max_num_queries
):
    # The published version (and its snapshot when not cached), then the cards and their
    # recommendations recorded for the feedback endpoint (two inserts, however many cards).
    with django_assert_max_num_queries(4):
        call(client, example("gpa_on_oxygen"))
