"""Golden cases as content: seeded from the engine's list, validated, run against any version."""

from __future__ import annotations

import copy
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from dahguide.engine.content import Snapshot
from dahguide.guidance.golden import golden_case_check, golden_cases_load, golden_cases_read, golden_cases_run
from dahguide.guidance.models import GoldenCase
from tests.engine.golden_cases import GOLDEN_CASES
from tests.guidance.helpers import edited

pytestmark = pytest.mark.django_db

HSCT = "hsct_on_oxygen_not_indicated_with_hypoxemia_criterion_met"


def case(**fields) -> GoldenCase:
    defaults = {"name": "case", "intake": {}, "expected_decision": "insufficient_data"}
    return GoldenCase(**{**defaults, **fields})


def test_seed_file_is_the_engine_tests_list():
    assert [c["name"] for c in golden_cases_read()] == [c["name"] for c in GOLDEN_CASES]


def test_every_seeded_case_is_loaded(golden_cases):
    assert GoldenCase.objects.count() == golden_cases == len(GOLDEN_CASES)


def test_many_seeded_cases_expect_recommendations(golden_cases):
    with_recommendations = [c for c in GoldenCase.objects.all() if c.expected_present or c.expected_absent]
    assert len(with_recommendations) >= 30


def test_every_seeded_case_passes_against_the_published_fixture(golden_cases, published_guideline):
    results = golden_cases_run(snapshot=Snapshot.from_dict(published_guideline.snapshot))
    assert [(r.name, r.failures) for r in results if not r.passed] == []
    assert len(results) == golden_cases


def test_load_guideline_seeds_the_golden_cases():
    call_command("load_guideline", stdout=io.StringIO())
    assert GoldenCase.objects.count() == len(GOLDEN_CASES)


def test_load_guideline_twice_keeps_one_copy_and_editors_changes():
    call_command("load_guideline", stdout=io.StringIO())
    GoldenCase.objects.filter(name=HSCT).update(description="Edited by an editor.")
    out = io.StringIO()
    call_command("load_guideline", stdout=out)
    assert GoldenCase.objects.count() == len(GOLDEN_CASES)
    assert GoldenCase.objects.get(name=HSCT).description == "Edited by an editor."
    assert f"0 added, {len(GOLDEN_CASES)} already present" in out.getvalue()


def test_loader_reports_every_bad_case_and_saves_nothing(published_guideline):
    cases = copy.deepcopy(golden_cases_read())
    cases[0]["expected_decision"] = "maybe"
    cases[1]["expected_present"] = ["no_such_recommendation"]
    with pytest.raises(ValidationError) as exc:
        golden_cases_load(cases=cases)
    assert len(exc.value.messages) == 2
    assert not GoldenCase.objects.exists()


def test_intake_is_validated_like_the_api(published_guideline):
    with pytest.raises(ValidationError, match="spo2_percent"):
        case(intake={"spo2_percent": 140}).full_clean()


def test_implausible_for_unit_intake_is_accepted_as_the_api_does(published_guideline):
    case(intake={"creatinine_value": 300, "creatinine_unit": "mg/dL"}).full_clean()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expected_criteria": {"kidneys": "met"}}, "'kidneys' is not one of"),
        ({"expected_criteria": {"anti_gbm_disease": "yes"}}, "'yes' is not one of"),
        ({"expected_derived": {"blood_colour": "red"}}, "'blood_colour' is not one of"),
        ({"expected_derived": {"age_over_65": True}}, "'age_over_65' was renamed; use 'older_age_prognosis'"),
        ({"expected_present": ["no_such_code"]}, "No recommendation has the code no_such_code"),
        ({"expected_absent": "platelet_transfusion"}, "Must be a list of codes"),
        ({"expected_warnings": ["no_such_warning"]}, "No warning has the code no_such_warning"),
        (
            {"expected_present": ["platelet_transfusion"], "expected_absent": ["platelet_transfusion"]},
            "cannot be both expected and not expected",
        ),
    ],
    ids=["criterion", "status", "derived", "renamed_derived", "present", "absent_not_list", "warning", "both"],
)
def test_expectations_are_validated_against_the_vocabulary_and_content(published_guideline, fields, message):
    with pytest.raises(ValidationError, match=message):
        case(**fields).full_clean()


def test_a_passing_check_names_each_expectation(published_guideline):
    result = golden_case_check(
        case(
            intake={"etiology": "hsct", "platelets_10e9_per_l": 20},
            expected_decision="not_indicated",
            expected_present=["platelet_transfusion"],
        ),
        Snapshot.from_dict(published_guideline.snapshot),
    )
    assert result.passed
    assert [c.expectation for c in result.checks] == ["decision", "recommendation platelet_transfusion"]


def test_a_failing_check_says_what_was_expected_and_what_came(published_guideline, guideline_document):
    document = edited(guideline_document, "thresholds", "platelet_transfusion_10e9_per_l", value="10")
    result = golden_case_check(
        case(
            intake={"etiology": "hsct", "platelets_10e9_per_l": 20},
            expected_decision="recommended",
            expected_present=["platelet_transfusion"],
        ),
        Snapshot.from_dict(document),
    )
    assert result.failures == (
        "Plasma-exchange decision: expected recommended, got not_indicated.",
        "The recommendation platelet_transfusion is not in the plan but was expected.",
    )


def test_content_missing_a_threshold_fails_the_case_with_a_reason(published_guideline, guideline_document):
    document = copy.deepcopy(guideline_document)
    document["thresholds"] = [t for t in document["thresholds"] if t["code"] != "older_age_years"]
    result = golden_case_check(case(), Snapshot.from_dict(document))
    assert "older_age_years" in result.failures[0]


def test_inactive_cases_are_not_run(golden_cases, published_guideline):
    GoldenCase.objects.exclude(name=HSCT).update(active=False)
    assert [r.name for r in golden_cases_run(snapshot=Snapshot.from_dict(published_guideline.snapshot))] == [HSCT]


def test_golden_case_page_shows_the_result_against_the_published_version(client, content_editor, golden_cases):
    from django.urls import reverse

    client.force_login(content_editor)
    pk = GoldenCase.objects.get(name=HSCT).pk
    html = client.get(reverse("admin:guidance_goldencase_change", args=[pk])).content.decode()
    assert "Passes (" in html


def test_golden_case_history_is_kept(golden_cases):
    golden = GoldenCase.objects.get(name=HSCT)
    golden.description = "Reworded."
    golden.save()
    assert golden.history.first().description == "Reworded."


# --- withheld actions and doses -----------------------------------------------------------------

THROMBOPROPHYLAXIS = "thromboprophylaxis_once_bleeding_controlled"
CHILD_PULSE = "methylprednisolone_pulse_paediatric"
LOW_PLATELETS = {"etiology": "mpa", "active_dah": True, "bleeding_controlled": True, "platelets_10e9_per_l": 30}
CHILD = {"etiology": "mpa", "active_dah": True, "age_years": 10, "weight_kg": 25}


def check(published_guideline, expectation: str, **fields):
    result = golden_case_check(case(**fields), Snapshot.from_dict(published_guideline.snapshot))
    return next(c for c in result.checks if c.expectation == expectation)


def test_an_action_withheld_for_the_patient_passes(published_guideline):
    result = check(
        published_guideline,
        f"withheld {THROMBOPROPHYLAXIS}",
        intake=LOW_PLATELETS,
        expected_withheld=[THROMBOPROPHYLAXIS],
    )
    assert (result.passed, result.message) == (
        True,
        f"The action {THROMBOPROPHYLAXIS} is withheld for this patient, as expected.",
    )


def test_an_action_shown_that_should_be_withheld_fails_in_words(published_guideline):
    result = check(
        published_guideline,
        f"withheld {THROMBOPROPHYLAXIS}",
        intake={**LOW_PLATELETS, "platelets_10e9_per_l": 80},
        expected_withheld=[THROMBOPROPHYLAXIS],
    )
    assert (result.passed, result.message) == (
        False,
        f"The action {THROMBOPROPHYLAXIS} is in the plan as advice but should be withheld for this patient.",
    )


def test_a_dose_amount_passes_compared_as_a_number(published_guideline):
    result = check(published_guideline, f"dose {CHILD_PULSE}", intake=CHILD, expected_doses={CHILD_PULSE: "750.0"})
    assert (result.passed, result.message) == (True, f"The dose {CHILD_PULSE} is 750 mg, as expected.")


def test_a_wrong_dose_amount_says_both_amounts_with_the_unit(published_guideline):
    result = check(published_guideline, f"dose {CHILD_PULSE}", intake=CHILD, expected_doses={CHILD_PULSE: "700"})
    assert result.message == f"The dose {CHILD_PULSE}: expected 700 mg, got 750 mg."


def test_a_dose_expected_not_computable_passes_without_its_input(published_guideline):
    intake = {k: v for k, v in CHILD.items() if k != "weight_kg"}
    result = check(published_guideline, f"dose {CHILD_PULSE}", intake=intake, expected_doses={CHILD_PULSE: None})
    assert (result.passed, result.message) == (
        True,
        f"The dose {CHILD_PULSE} is no amount (weight_kg missing), as expected.",
    )


def test_a_dose_that_cannot_be_computed_names_the_missing_input(published_guideline):
    intake = {k: v for k, v in CHILD.items() if k != "weight_kg"}
    result = check(published_guideline, f"dose {CHILD_PULSE}", intake=intake, expected_doses={CHILD_PULSE: "750"})
    assert result.message == f"The dose {CHILD_PULSE}: expected 750 mg, got no amount (weight_kg missing)."


def test_a_dose_range_is_compared_as_written(published_guideline):
    adult = {**CHILD, "age_years": 40, "weight_kg": 70}
    result = check(
        published_guideline,
        "dose methylprednisolone_pulse_adult",
        intake=adult,
        expected_doses={"methylprednisolone_pulse_adult": "500–1000"},
    )
    assert result.passed


def test_a_dose_not_shown_to_the_patient_fails(published_guideline):
    adult = {**CHILD, "age_years": 40, "weight_kg": 70}
    result = check(published_guideline, f"dose {CHILD_PULSE}", intake=adult, expected_doses={CHILD_PULSE: "750"})
    assert (result.passed, result.message) == (False, f"The dose {CHILD_PULSE} is not in the plan; expected 750.")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expected_withheld": ["no_such_action"]}, "No recommendation has the code no_such_action"),
        ({"expected_withheld": THROMBOPROPHYLAXIS}, "Must be a list of codes"),
        (
            {"expected_present": [THROMBOPROPHYLAXIS], "expected_withheld": [THROMBOPROPHYLAXIS]},
            "cannot be both in the plan and withheld",
        ),
        ({"expected_doses": ["750"]}, "Must be a JSON object of dose code: amount"),
        ({"expected_doses": {"no_such_dose": "750"}}, "No dose has the code no_such_dose"),
        ({"expected_doses": {CHILD_PULSE: 750}}, "write the amount as the plan shows it"),
        ({"expected_doses": {CHILD_PULSE: "lots"}}, "write the amount as the plan shows it"),
    ],
    ids=[
        "withheld_unknown",
        "withheld_not_list",
        "present_and_withheld",
        "doses_not_object",
        "dose_unknown",
        "dose_number_not_string",
        "dose_not_a_number",
    ],
)
def test_withheld_and_dose_expectations_are_validated(published_guideline, fields, message):
    with pytest.raises(ValidationError, match=message):
        case(**fields).full_clean()


def test_valid_withheld_and_dose_expectations_pass_validation(published_guideline):
    doses = {CHILD_PULSE: None, "methylprednisolone_pulse_adult": "500–1000"}
    case(expected_withheld=[THROMBOPROPHYLAXIS], expected_doses=doses).full_clean()


def test_loader_reads_withheld_and_dose_expectations_when_present(published_guideline):
    cases = copy.deepcopy(golden_cases_read()[:2])
    cases[0].update(expected_withheld=[THROMBOPROPHYLAXIS], expected_doses={CHILD_PULSE: "750"})
    golden_cases_load(cases=cases)
    loaded = {c.name: (c.expected_withheld, c.expected_doses) for c in GoldenCase.objects.all()}
    assert loaded == {cases[0]["name"]: ([THROMBOPROPHYLAXIS], {CHILD_PULSE: "750"}), cases[1]["name"]: ([], {})}
