"""Sex, anticoagulant and fibrinogen (REFERENCE §8.3–8.4) in the API: the generated schema, the
evaluate endpoint, the FHIR Questionnaire and a saved case's QuestionnaireResponse."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from dahguide.api import schemas
from dahguide.api.fhir.case import case_bundle
from dahguide.api.fhir.guideline import questionnaire
from dahguide.engine.content import Snapshot
from dahguide.engine.intake import INPUT_NAMES
from dahguide.engine.vocabulary import ANTICOAGULANTS
from tests.conftest import GUIDELINE_FILE

from .conftest import INTAKE, auth, post_json
from .test_fhir import _answers, _items, _plan_without_db, _resources

URL = "/api/v1/evaluate"
NEW = {"sex": "female", "anticoagulant": "factor_xa_inhibitor", "fibrinogen_g_per_l": 1.2}


# -- JSON schema ----------------------------------------------------------------------------------


def test_intake_schema_lists_sex_after_age_and_the_coagulation_fields_after_inr():
    names = list(schemas.intake_schema()["properties"])
    assert names[names.index("age_years") + 1] == "sex"
    assert names[names.index("inr") : names.index("inr") + 3] == ["inr", "anticoagulant", "fibrinogen_g_per_l"]


def test_sex_schema_is_female_male_or_null():
    assert schemas.intake_schema()["properties"]["sex"]["enum"] == ["female", "male", None]


def test_anticoagulant_schema_is_the_vocabulary_or_null():
    assert schemas.intake_schema()["properties"]["anticoagulant"]["enum"] == [*ANTICOAGULANTS, None]


def test_fibrinogen_schema_is_a_number_in_g_per_l_from_0_to_20():
    schema = schemas.intake_schema()["properties"]["fibrinogen_g_per_l"]
    assert (schema["type"], schema["minimum"], schema["maximum"], schema["nullable"]) == ("number", 0, 20, True)
    assert schema["description"].startswith("Fibrinogen (g/L).")


def test_plan_inputs_require_the_new_fields():
    assert {"sex", "anticoagulant", "fibrinogen_g_per_l"} <= set(schemas.inputs_schema()["required"])


# -- POST /api/v1/evaluate --------------------------------------------------------------------------


@pytest.mark.django_db
def test_evaluate_echoes_the_new_fields_in_the_inputs(client, published_guideline, physician_token):
    response = post_json(client, URL, {**INTAKE, **NEW}, **auth(physician_token))
    assert response.status_code == 200, response.content
    inputs = response.json()["inputs"]
    assert {k: inputs[k] for k in NEW} == NEW


@pytest.mark.django_db
def test_evaluate_without_the_new_fields_reports_them_unknown(client, published_guideline, physician_token):
    inputs = post_json(client, URL, INTAKE, **auth(physician_token)).json()["inputs"]
    assert [inputs[k] for k in NEW] == [None, None, None]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("fibrinogen_g_per_l", 25, "Fibrinogen must be from 0 to 20 g/L; 25 is outside that range."),
        ("fibrinogen_g_per_l", "low", "Fibrinogen: enter a number from 0 to 20 g/L."),
        ("sex", "other", "Sex: 'other' is not one of the answers. Choose one of: female, male (or unknown)."),
    ],
)
def test_evaluate_refuses_a_bad_value_naming_the_field(
    client, published_guideline, physician_token, name, value, message
):
    response = post_json(client, URL, {**INTAKE, name: value}, **auth(physician_token))
    assert response.status_code == 400
    assert response.json() == {"errors": {name: [message]}}


# -- FHIR Questionnaire and QuestionnaireResponse ---------------------------------------------------


@pytest.fixture
def items() -> dict[str, dict]:
    """The Questionnaire's items by linkId (built from the fixture content, no database)."""
    snapshot = Snapshot.from_dict(json.loads(GUIDELINE_FILE.read_text(encoding="utf-8")))
    document = questionnaire(snapshot, "published")
    Questionnaire.model_validate(document)
    return {i["linkId"]: i for i in _items(document["item"])}


def test_questionnaire_asks_the_new_fields_in_their_steps(items):
    groups = {g: [i["linkId"] for i in items[g]["item"]] for g in ("patient", "haematology")}
    assert "sex" in groups["patient"]
    assert {"anticoagulant", "fibrinogen_g_per_l"} <= set(groups["haematology"])


def test_questionnaire_sex_offers_female_and_male(items):
    codings = [o["valueCoding"] for o in items["sex"]["answerOption"]]
    assert [(c["code"], c["display"]) for c in codings] == [("female", "female"), ("male", "male")]


def test_questionnaire_anticoagulant_displays_the_drug_names(items):
    displays = {o["valueCoding"]["code"]: o["valueCoding"]["display"] for o in items["anticoagulant"]["answerOption"]}
    assert list(displays) == list(ANTICOAGULANTS)
    assert displays["factor_xa_inhibitor"] == "apixaban, rivaroxaban or edoxaban"


def test_questionnaire_fibrinogen_is_a_decimal_in_ucum_g_per_l_from_0_to_20(items):
    item = items["fibrinogen_g_per_l"]
    extensions = {e["url"].rsplit("/", 1)[1]: e for e in item["extension"]}
    assert item["type"] == "decimal"
    assert (extensions["minValue"]["valueDecimal"], extensions["maxValue"]["valueDecimal"]) == (0, 20)
    assert extensions["questionnaire-unit"]["valueCoding"]["code"] == "g/L"


def test_questionnaire_still_asks_every_input_name_once(items):
    assert [n for n, i in items.items() if i["type"] not in {"group", "display"}] == list(INPUT_NAMES)


def test_saved_case_answers_the_new_questions():
    plan = _plan_without_db({**INTAKE, **NEW})
    bundle = case_bundle(
        case_id=1, revision_number=1, authored="2026-03-10T12:00:00+00:00", inputs=plan["inputs"], plan=plan
    )
    Bundle.model_validate(bundle)
    answers = _answers(_resources(bundle)["QuestionnaireResponse"])
    assert {k: answers[k] for k in NEW} == NEW
