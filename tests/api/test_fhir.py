"""FHIR R4B export: the guideline as Questionnaire and PlanDefinition, a saved case as a Bundle.
Every document is validated with the ``fhir.resources.R4B`` models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.plandefinition import PlanDefinition
from fhir.resources.R4B.questionnaire import Questionnaire

from dahguide.api.fhir.case import case_bundle
from dahguide.cases import services as case_services
from dahguide.cases.models import CaseAccessLog
from dahguide.engine.content import rule_from_data
from dahguide.engine.intake import FIELDS, INPUT_NAMES, STEPS, parse_intake
from dahguide.engine.plan import evaluate
from dahguide.guidance.selectors import get_published_snapshot

from .conftest import INTAKE, auth, plan_of

pytestmark = pytest.mark.django_db


def get(client, name: str, token: str, *args: Any):
    response = client.get(reverse(f"api:{name}", args=args), **auth(token))
    assert response.status_code == 200, response.content
    return response


def _items(items: list[dict]) -> list[dict]:
    """Every item, depth first."""
    out = []
    for item in items:
        out.append(item)
        out.extend(_items(item.get("item", [])))
    return out


@pytest.fixture
def questionnaire(client, published_guideline, physician_token) -> dict:
    return get(client, "guideline_questionnaire", physician_token).json()


@pytest.fixture
def plan_definition(client, published_guideline, physician_token) -> dict:
    return get(client, "guideline_plandefinition", physician_token).json()


def _plan(intake: dict | None = None) -> dict:
    return evaluate(parse_intake(INTAKE if intake is None else intake), get_published_snapshot()).to_dict()


@pytest.fixture
def case(physician, published_guideline):
    plan = _plan()
    return case_services.case_create(
        author=physician, label="GPA on high flow", plan=case_services.SavedPlan(plan, get_published_snapshot().title)
    )


# -- Questionnaire --------------------------------------------------------------------------------


def test_questionnaire_is_served_as_fhir_json(client, published_guideline, physician_token):
    response = get(client, "guideline_questionnaire", physician_token)
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "attachment" in response["Content-Disposition"]


def test_questionnaire_validates_as_fhir_r4b(questionnaire):
    assert Questionnaire.model_validate(questionnaire).status == "active"


def test_questionnaire_groups_are_the_wizard_steps(questionnaire):
    assert [(g["linkId"], g["type"]) for g in questionnaire["item"]] == [(s.code, "group") for s in STEPS]


def test_questionnaire_asks_every_input_name_once(questionnaire):
    questions = [i["linkId"] for i in _items(questionnaire["item"]) if i["type"] not in {"group", "display"}]
    assert questions == list(INPUT_NAMES)


def test_questionnaire_choices_are_the_fields_choices(questionnaire):
    items = {i["linkId"]: i for i in _items(questionnaire["item"])}
    for spec in FIELDS.values():
        if spec.kind == "choice":
            assert [o["valueCoding"]["code"] for o in items[spec.name]["answerOption"]] == [v for v, _ in spec.choices]


def test_questionnaire_creatinine_unit_is_a_ucum_choice(questionnaire):
    unit = next(i for i in _items(questionnaire["item"]) if i["linkId"] == "creatinine_unit")
    codings = [o["valueCoding"] for o in unit["answerOption"]]
    assert {(c["system"], c["code"]) for c in codings} == {
        ("http://unitsofmeasure.org", "mg/dL"),
        ("http://unitsofmeasure.org", "umol/L"),
        ("http://unitsofmeasure.org", "mmol/L"),
    }


def test_questionnaire_carries_the_hard_ranges(questionnaire):
    age = next(i for i in _items(questionnaire["item"]) if i["linkId"] == "age_years")
    bounds = {e["url"].rsplit("/", 1)[1]: e.get("valueInteger") for e in age["extension"] if "Value" in e["url"]}
    assert bounds == {"minValue": 0, "maxValue": 120}


def test_questionnaire_requires_nothing(questionnaire):
    assert not any(i.get("required") for i in _items(questionnaire["item"]))


def test_questionnaire_version_is_the_published_version(questionnaire, published_guideline):
    assert questionnaire["version"] == str(published_guideline.number)


# -- PlanDefinition -------------------------------------------------------------------------------


def test_plan_definition_validates_as_fhir_r4b(plan_definition):
    assert PlanDefinition.model_validate(plan_definition).status == "active"


def test_plan_definition_has_an_action_per_recommendation(plan_definition, guideline_document):
    ids = {a["id"] for a in _actions(plan_definition["action"])}
    assert {r["code"] for r in guideline_document["recommendations"]} <= ids


def _actions(actions: list[dict]) -> list[dict]:
    out = []
    for action in actions:
        out.append(action)
        out.extend(_actions(action.get("action", [])))
    return out


def test_plan_definition_plasma_exchange_check_lists_the_four_criteria(plan_definition):
    check = plan_definition["action"][0]
    assert [a["id"] for a in check["action"]] == [
        "creatinine_over_3_4_mg_dl",
        "dialysis_or_rapidly_rising_creatinine",
        "dah_with_hypoxemia",
        "anti_gbm_disease",
    ]


def test_plan_definition_applicability_round_trips_to_the_content_rule(plan_definition, guideline_document):
    actions = {a["id"]: a for a in _actions(plan_definition["action"])}
    for rec in guideline_document["recommendations"]:
        if rec["applies_when"]:
            expression = actions[rec["code"]]["condition"][0]["expression"]
            assert rule_from_data(json.loads(expression["expression"])) == rule_from_data(rec["applies_when"])


def test_plan_definition_applicability_is_also_in_words(plan_definition):
    action = next(a for a in _actions(plan_definition["action"]) if a["id"] == "respiratory_support")
    assert action["condition"][0]["expression"]["description"].startswith("Applies when Active DAH episode")


def test_plan_definition_cites_every_citation(plan_definition, guideline_document):
    labels = {a.get("label") for a in plan_definition["relatedArtifact"] if a["type"] == "citation"}
    assert labels == {c["label"] for c in guideline_document["citations"]}


def test_recommendation_actions_carry_their_citations(plan_definition):
    action = next(a for a in _actions(plan_definition["action"]) if a["id"] == "respiratory_support")
    assert [d["label"] for d in action["documentation"]] == ["MSD Manual"]


def test_published_version_can_be_fetched_by_number(client, published_guideline, physician_token):
    document = get(client, "version_plandefinition", physician_token, published_guideline.number).json()
    assert document["version"] == str(published_guideline.number)


def test_unknown_version_is_404(client, published_guideline, physician_token):
    assert client.get(reverse("api:version_questionnaire", args=[99]), **auth(physician_token)).status_code == 404


@pytest.mark.parametrize("number", ["x", "1.5", "-1", "%E2%82%81", "9" * 30])
def test_version_number_that_is_not_an_id_is_a_json_404(client, published_guideline, physician_token, number):
    response = client.get(f"/api/v1/guideline/versions/{number}/fhir/questionnaire", **auth(physician_token))
    assert (response.status_code, response["Content-Type"]) == (404, "application/fhir+json")
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("value", ["", "xml", "api", "FHIR"])
def test_format_that_is_empty_or_unknown_is_refused_with_the_formats(
    client, published_guideline, physician_token, value
):
    response = client.get(reverse("api:guideline_questionnaire"), {"format": value}, **auth(physician_token))
    assert response.status_code == 400
    assert response.json() == {"errors": {"format": ["format must be one of: fhir, json (or left out)."]}}


@pytest.mark.parametrize(("value", "media_type"), [("fhir", "application/fhir+json"), ("json", "application/json")])
def test_format_of_the_view_chooses_the_media_type(client, published_guideline, physician_token, value, media_type):
    response = client.get(reverse("api:guideline_questionnaire"), {"format": value}, **auth(physician_token))
    assert (response.status_code, response["Content-Type"]) == (200, media_type)


def test_guideline_export_without_a_published_version_is_503(client, physician_token):
    assert client.get(reverse("api:guideline_plandefinition"), **auth(physician_token)).status_code == 503


def test_guideline_metadata_links_the_fhir_exports(client, published_guideline, physician_token):
    meta = get(client, "guideline", physician_token).json()
    assert meta["version"] == "1"
    assert meta["fhir_questionnaire"].endswith(reverse("api:guideline_questionnaire"))


# -- A saved case -------------------------------------------------------------------------------


def test_case_export_is_a_valid_fhir_r4b_bundle(client, case, physician_token):
    document = get(client, "case_fhir", physician_token, case.pk).json()
    Bundle.model_validate(document)
    assert [e["resource"]["resourceType"] for e in document["entry"]] == [
        "QuestionnaireResponse",
        "GuidanceResponse",
        "RequestGroup",
        "OperationOutcome",
    ]


def test_case_export_can_be_read_by_a_resident(client, case, resident):
    client.force_login(resident)
    assert client.get(reverse("api:case_fhir", args=[case.pk])).status_code == 200


def test_case_export_is_logged_as_an_access(client, case, physician_token):
    get(client, "case_fhir", physician_token, case.pk)
    assert CaseAccessLog.objects.filter(case=case).count() == 1


def test_case_export_of_a_missing_revision_is_404(client, case, physician_token):
    response = client.get(reverse("api:case_fhir", args=[case.pk]), {"revision": 2}, **auth(physician_token))
    assert response.status_code == 404


def test_case_id_that_is_not_a_number_is_a_json_404(client, case, physician_token):
    response = client.get(f"/api/v1/cases/{case.pk}x/fhir", **auth(physician_token))
    assert (response.status_code, response["Content-Type"]) == (404, "application/fhir+json")
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("revision", ["", "first", "1.0", "-1"])
def test_case_export_of_a_revision_that_is_not_a_number_is_400(client, case, physician_token, revision):
    response = client.get(reverse("api:case_fhir", args=[case.pk]), {"revision": revision}, **auth(physician_token))
    assert response.status_code == 400
    assert response.json() == {"errors": {"revision": ["revision must be a revision number."]}}


def test_case_export_runs_a_bounded_number_of_queries(client, case, physician_token, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        get(client, "case_fhir", physician_token, case.pk)


def _resources(bundle: dict) -> dict[str, dict]:
    return {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}


def _answers(response: dict) -> dict[str, Any]:
    """The QuestionnaireResponse back as intake values."""
    out: dict[str, Any] = {}
    for item in _items(response.get("item", [])):
        answers = item.get("answer")
        if not answers:
            continue
        values = [next(v for k, v in a.items() if k.startswith("value")) for a in answers]
        values = [v["code"] if isinstance(v, dict) else v for v in values]
        spec = FIELDS.get(item["linkId"])
        out[item["linkId"]] = values if spec is not None and spec.kind == "multi_choice" else values[0]
    return out


def test_questionnaire_response_answers_are_the_saved_inputs():
    plan = _plan_without_db()
    response = _resources(
        case_bundle(
            case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
        )
    )["QuestionnaireResponse"]
    known = {k: v for k, v in plan["inputs"].items() if v is not None}
    assert _answers(response) == known


def test_no_factor_present_is_answered_none_not_left_unknown():
    plan = _plan_without_db({"steroid_toxicity_factors": []})
    response = _resources(
        case_bundle(
            case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
        )
    )["QuestionnaireResponse"]
    assert _answers(response)["steroid_toxicity_factors"] == ["none"]


def test_guidance_response_points_at_the_request_group_and_the_warnings():
    plan = _plan_without_db()
    bundle = case_bundle(
        case_id=7, revision_number=2, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
    )
    urls = {e["resource"]["resourceType"]: e["fullUrl"] for e in bundle["entry"]}
    guidance = _resources(bundle)["GuidanceResponse"]
    assert guidance["result"]["reference"] == urls["RequestGroup"]
    assert guidance["evaluationMessage"] == [{"reference": urls["OperationOutcome"]}]
    assert guidance["moduleCanonical"].endswith("/PlanDefinition/dah-treatment|1")


def test_request_group_starts_with_the_plasma_exchange_decision_and_its_criteria():
    plan = _plan_without_db()
    group = _resources(
        case_bundle(
            case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
        )
    )["RequestGroup"]
    plex = group["action"][0]
    assert plex["code"][0]["coding"][0]["code"] == plan["plasma_exchange"]["decision"] == "consider"
    assert len(plex["action"]) == 4


def test_request_group_has_an_action_per_recommendation():
    plan = _plan_without_db()
    group = _resources(
        case_bundle(
            case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
        )
    )["RequestGroup"]
    assert {r["code"] for r in plan["recommendations"]} <= {a["id"] for a in group["action"]}


def test_every_warning_becomes_an_issue():
    plan = _plan_without_db()
    outcome = _resources(
        case_bundle(
            case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
        )
    )["OperationOutcome"]
    assert [i["details"]["coding"][0]["code"] for i in outcome["issue"]] == [w["code"] for w in plan["warnings"]]


@pytest.mark.parametrize(
    "intake",
    [
        {},
        INTAKE,
        {"etiology": "anti_gbm", "creatinine_value": 600, "creatinine_unit": "umol/L"},
        {"active_dah": False, "steroid_toxicity_factors": ["diabetes", "frailty"], "weight_kg": 72.5},
    ],
)
def test_case_bundle_validates_for_any_plan(intake):
    plan = _plan_without_db(intake)
    Bundle.model_validate(
        case_bundle(
            case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
        )
    )


def _plan_without_db(intake: dict | None = None) -> dict:
    return plan_of(INTAKE if intake is None else intake)


def test_fhir_export_is_also_served_as_plain_json_on_request(client, published_guideline, physician_token):
    url = reverse("api:guideline_questionnaire")
    response = client.get(url, HTTP_ACCEPT="application/json", **auth(physician_token))
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("name", ["guideline", "guideline_questionnaire", "guideline_plandefinition"])
def test_guideline_reads_run_a_bounded_number_of_queries(
    client, published_guideline, physician_token, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # token + user, roles, the published version (+ its snapshot)
        get(client, name, physician_token)
