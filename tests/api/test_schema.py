"""The OpenAPI schema: generated, valid, and built from the intake's single field definition."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from dahguide.api import schemas
from dahguide.engine.intake import FIELDS, INPUT_NAMES, json_number, parse_intake
from dahguide.engine.plan import evaluate
from dahguide.guidance.selectors import get_published_snapshot

from .conftest import INTAKE

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(client) -> dict[str, Any]:
    response = client.get(reverse("api:openapi"))
    assert response.status_code == 200
    return response.json()


def _json_schema(schema: Any) -> Any:
    """OpenAPI 3.0 ``nullable`` as JSON Schema, so jsonschema can check a document against it."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _json_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def test_schema_is_served_to_anyone_as_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")


def test_schema_is_valid_openapi(openapi):
    validate_schema(copy.deepcopy(openapi))


def test_schema_documents_every_endpoint_of_the_api(openapi):
    assert {
        "/api/v1/evaluate",
        "/api/v1/guideline",
        "/api/v1/guideline/fhir/questionnaire",
        "/api/v1/guideline/fhir/plandefinition",
        "/api/v1/cases/{case_id}/fhir",
    } <= set(openapi["paths"])


def test_intake_schema_has_one_property_per_input_name(openapi):
    assert list(openapi["components"]["schemas"]["Intake"]["properties"]) == list(INPUT_NAMES)


def test_intake_schema_refuses_unknown_fields(openapi):
    assert openapi["components"]["schemas"]["Intake"]["additionalProperties"] is False


def test_intake_schema_takes_hard_ranges_from_the_fields():
    properties = schemas.intake_schema()["properties"]
    for spec in FIELDS.values():
        if spec.hard_range is not None:
            low, high = spec.hard_range
            assert (properties[spec.name]["minimum"], properties[spec.name]["maximum"]) == (
                json_number(low),
                json_number(high),
            ), spec.name


def test_intake_schema_takes_choices_from_the_fields():
    properties = schemas.intake_schema()["properties"]
    for spec in FIELDS.values():
        values = [v for v, _ in spec.choices]
        if spec.kind == "choice":
            assert properties[spec.name]["enum"] == [*values, None]
        elif spec.kind == "multi_choice":
            assert properties[spec.name]["items"]["enum"] == values
        elif spec.kind == "lab":
            assert properties[spec.unit_field]["enum"] == [*values, None]


def test_every_intake_field_is_nullable():
    assert all(p["nullable"] for p in schemas.intake_schema()["properties"].values())


def test_contract_intake_is_valid_against_the_intake_schema():
    jsonschema.validate(INTAKE, _json_schema(schemas.intake_schema()))


@pytest.mark.parametrize(
    ("intake", "valid"),
    [
        ({"creatinine_value": 1.2, "creatinine_unit": "mg/dL"}, True),
        ({"creatinine_value": None}, True),
        ({"creatinine_unit": "mg/dL"}, True),
        ({"creatinine_value": 1.2}, False),
        ({"creatinine_value": 1.2, "creatinine_unit": None}, False),
    ],
)
def test_intake_schema_says_a_creatinine_value_requires_its_unit_as_the_parser_does(intake, valid):
    validator = jsonschema.Draft4Validator(_json_schema(schemas.intake_schema()))
    assert validator.is_valid(intake) is valid
    assert parse_intake(intake).is_valid is valid


def test_creatinine_value_description_names_the_unit_it_requires(openapi):
    description = openapi["components"]["schemas"]["Intake"]["properties"]["creatinine_value"]["description"]
    assert "requires `creatinine_unit`" in description


@pytest.mark.parametrize(
    ("path", "name", "maximum"),
    [
        ("/api/v1/cases/{case_id}/fhir", "case_id", 2**63 - 1),
        ("/api/v1/guideline/versions/{number}/fhir/questionnaire", "number", 2**31 - 1),
        ("/api/v1/guideline/versions/{number}/fhir/plandefinition", "number", 2**31 - 1),
    ],
)
def test_path_ids_are_documented_as_the_ids_the_database_holds(openapi, path, name, maximum):
    (parameter,) = [p for p in openapi["paths"][path]["get"]["parameters"] if p["in"] == "path"]
    assert (parameter["name"], parameter["schema"]) == (name, {"type": "integer", "minimum": 1, "maximum": maximum})


def test_read_endpoints_document_the_400_of_a_bad_query_parameter(openapi):
    assert all(
        "400" in operation["get"]["responses"] for path, operation in openapi["paths"].items() if "get" in operation
    )


def test_evaluate_documents_plan_and_errors(openapi):
    responses = openapi["paths"]["/api/v1/evaluate"]["post"]["responses"]
    assert {"200", "400", "401", "403", "429", "503"} <= set(responses)


@pytest.mark.parametrize(
    "intake",
    [
        INTAKE,
        {},
        {
            "etiology": "anti_gbm",
            "oxygen_support": "invasive_ventilation",
            "creatinine_value": 600,
            "creatinine_unit": "umol/L",
            "pregnancy_status": "pregnant",
            "bleeding_controlled": False,
        },
        {"creatinine_value": 300, "creatinine_unit": "mg/dL", "spo2_percent": 30, "platelets_10e9_per_l": 3000},
        {"active_dah": False, "etiology": "mpa", "steroid_toxicity_factors": []},
    ],
)
def test_plan_document_matches_the_plan_schema(published_guideline, intake):
    plan = evaluate(parse_intake(intake), get_published_snapshot()).to_dict()
    jsonschema.validate(plan, _json_schema(schemas.plan_schema()))
