"""Doses, caveats and withheld actions (docs/design/patient-modifiers.md) in the JSON API and its schema,
and in a saved case's FHIR Bundle."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fhir.resources.R4B.bundle import Bundle

from dahguide.api import schemas
from dahguide.api.fhir.case import case_bundle
from dahguide.engine import vocabulary

from .conftest import (
    AGE_UNKNOWN,
    CHILD_25_KG,
    CHILD_NO_WEIGHT,
    HEPARIN_ON_ECMO,
    HEPARIN_SUPPORT_UNKNOWN,
    HSCT_CHILD,
    PATIENTS,
    WARFARIN_INR_7_8,
    auth,
    plan_of,
    post_json,
)
from .test_schema import _json_schema

URL = "/api/v1/evaluate"


def _recommendation(plan: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in plan["recommendations"] if r["code"] == code)


# -- POST /api/v1/evaluate --------------------------------------------------------------------------


@pytest.mark.django_db
def test_evaluate_returns_the_withheld_action_with_why_not(client, published_guideline, physician_token):
    plan = post_json(client, URL, HSCT_CHILD, **auth(physician_token)).json()
    assert [(w["code"], w["modifiers"]) for w in plan["withheld"]] == [
        ("thromboprophylaxis_once_bleeding_controlled", ["low_platelets"])
    ]
    assert plan["withheld"][0]["why_not"][0].startswith("platelets 12 ×10⁹/L (< 50)")


@pytest.mark.django_db
def test_evaluate_returns_the_dose_for_this_patient(client, published_guideline, physician_token):
    plan = post_json(client, URL, CHILD_25_KG, **auth(physician_token)).json()
    dose = _recommendation(plan, "glucocorticoid_pulse")["doses"][0]
    assert (dose["code"], dose["amount"], dose["unit"], dose["calculation"]) == (
        "methylprednisolone_pulse_paediatric",
        "750",
        "mg",
        "30 mg/kg × 25 kg = 750 mg",
    )


@pytest.mark.django_db
def test_evaluate_returns_caveats_kind_and_timing(client, published_guideline, physician_token):
    plan = post_json(client, URL, CHILD_25_KG, **auth(physician_token)).json()
    pulse = _recommendation(plan, "glucocorticoid_pulse")
    assert (pulse["kind"], pulse["timing"]) == ("action", "now")
    assert [(c["modifier"], c["stance"], c["pending"]) for c in pulse["caveats"]] == [
        ("paediatric", "dose_adjusted", False)
    ]


@pytest.mark.django_db
def test_evaluate_dose_without_weight_is_null_and_names_it(client, published_guideline, physician_token):
    plan = post_json(client, URL, CHILD_NO_WEIGHT, **auth(physician_token)).json()
    dose = _recommendation(plan, "glucocorticoid_pulse")["doses"][0]
    assert (dose["amount"], dose["missing"]) == (None, ["weight_kg"])


# -- The OpenAPI schema -----------------------------------------------------------------------------


@pytest.fixture
def plan_component(client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json()["components"]["schemas"]["Plan"]


def test_schema_requires_withheld_at_the_top_level(plan_component):
    assert "withheld" in plan_component["required"]


@pytest.mark.parametrize("key", ["kind", "timing", "caveats", "doses"])
def test_schema_requires_each_recommendation_key(plan_component, key):
    assert key in plan_component["properties"]["recommendations"]["items"]["required"]


def test_schema_documents_withheld_why_not_and_modifiers(plan_component):
    withheld = plan_component["properties"]["withheld"]["items"]
    assert withheld["properties"]["modifiers"]["items"]["enum"] == list(vocabulary.MODIFIERS)
    assert withheld["properties"]["why_not"]["items"] == {"type": "string"}


def test_schema_dose_amount_is_a_string_or_null(plan_component):
    dose = plan_component["properties"]["recommendations"]["items"]["properties"]["doses"]["items"]
    assert (dose["properties"]["amount"]["type"], dose["properties"]["amount"]["nullable"]) == ("string", True)


def test_schema_caveat_stance_is_caveat_or_dose_adjusted(plan_component):
    caveat = plan_component["properties"]["recommendations"]["items"]["properties"]["caveats"]["items"]
    assert caveat["properties"]["stance"]["enum"] == ["caveat", "dose_adjusted"]


def test_schema_timing_is_the_vocabulary_or_empty(plan_component):
    timing = plan_component["properties"]["recommendations"]["items"]["properties"]["timing"]
    assert timing["enum"] == [*vocabulary.TIMINGS, ""]


def _undocumented(doc: Any, schema: dict[str, Any], path: str = "") -> list[str]:
    """Keys of the document that the schema does not name (where the schema lists properties)."""
    if isinstance(doc, list):
        return [p for i, item in enumerate(doc) for p in _undocumented(item, schema.get("items", {}), f"{path}[{i}]")]
    if not isinstance(doc, dict) or "properties" not in schema:
        return []
    out = [f"{path}.{key}" for key in doc if key not in schema["properties"]]
    return out + [
        p
        for key, value in doc.items()
        if key in schema["properties"]
        for p in _undocumented(value, schema["properties"][key], f"{path}.{key}")
    ]


@pytest.mark.parametrize("intake", PATIENTS)
def test_plan_of_each_patient_matches_the_plan_schema(intake):
    jsonschema.validate(plan_of(intake), _json_schema(schemas.plan_schema()))


@pytest.mark.parametrize("intake", PATIENTS)
def test_every_key_of_the_plan_is_documented(intake):
    assert _undocumented(plan_of(intake), schemas.plan_schema()) == []


# -- The saved case as a FHIR Bundle ----------------------------------------------------------------


def _bundle(intake: dict[str, Any]) -> dict[str, dict[str, Any]]:
    plan = plan_of(intake)
    bundle = case_bundle(
        case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
    )
    Bundle.model_validate(bundle)
    return {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}


def _action(resources: dict[str, dict[str, Any]], code: str) -> dict[str, Any]:
    return next(a for a in resources["RequestGroup"]["action"] if a["id"] == code)


def test_request_group_action_carries_the_dose_for_this_patient():
    description = _action(_bundle(CHILD_25_KG), "glucocorticoid_pulse")["description"]
    assert (
        "Doses for this patient:\n- Methylprednisolone 750 mg IV once daily for 3 days — 30 mg/kg × 25 kg = 750 mg. "
        "(secondary source) Confirm before prescribing."
    ) in description


def test_request_group_action_says_when():
    assert "When: now." in _action(_bundle(CHILD_25_KG), "glucocorticoid_pulse")["description"]


def test_request_group_action_says_which_dose_waits_for_the_weight():
    description = _action(_bundle(CHILD_NO_WEIGHT), "glucocorticoid_pulse")["description"]
    assert "Methylprednisolone: weight needed for the dose" in description


def test_request_group_action_carries_a_check_first_caveat():
    description = _action(_bundle(HEPARIN_SUPPORT_UNKNOWN), "reversal_unfractionated_heparin")["description"]
    assert "For this patient:\n- Check first: oxygen support not recorded." in description


def test_request_group_action_cites_the_dose_source():
    documentation = _action(_bundle(WARFARIN_INR_7_8), "reversal_vitamin_k_antagonist")["documentation"]
    assert "ACC 2020 bleeding on oral anticoagulants" in [d["label"] for d in documentation]


def test_withheld_action_is_not_proposed_in_the_request_group():
    ids = {a["id"] for a in _bundle(HSCT_CHILD)["RequestGroup"]["action"]}
    assert "thromboprophylaxis_once_bleeding_controlled" not in ids


def test_withheld_action_is_a_guidance_response_note_with_why_not():
    notes = [n["text"] for n in _bundle(HSCT_CHILD)["GuidanceResponse"]["note"]]
    assert any(
        n.startswith(
            "Not suggested for this patient: Thromboprophylaxis once bleeding is controlled (unverified). "
            "Why not: platelets 12 ×10⁹/L (< 50)"
        )
        for n in notes
    ), notes


@pytest.mark.parametrize("intake", [AGE_UNKNOWN, HEPARIN_ON_ECMO, WARFARIN_INR_7_8])
def test_case_bundle_with_doses_and_withheld_actions_validates(intake):
    assert _bundle(intake)["RequestGroup"]["intent"] == "proposal"


def test_plan_saved_before_doses_still_exports():
    plan = plan_of(CHILD_25_KG)
    for r in plan["recommendations"]:
        for key in ("kind", "timing", "caveats", "doses"):
            r.pop(key)
    plan.pop("withheld")
    Bundle.model_validate(
        case_bundle(
            case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
        )
    )
