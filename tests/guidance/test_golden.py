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
        ({"expected_present": ["no_such_code"]}, "No recommendation has the code no_such_code"),
        ({"expected_absent": "platelet_transfusion"}, "Must be a list of codes"),
        ({"expected_warnings": ["no_such_warning"]}, "No warning has the code no_such_warning"),
        ({"expected_present": ["platelet_transfusion"], "expected_absent": ["platelet_transfusion"]},
         "cannot be both expected and not expected"),
    ],
    ids=["criterion", "status", "derived", "present", "absent_not_list", "warning", "both"],
)
def test_expectations_are_validated_against_the_vocabulary_and_content(published_guideline, fields, message):
    with pytest.raises(ValidationError, match=message):
        case(**fields).full_clean()


def test_a_passing_check_names_each_expectation(published_guideline):
    result = golden_case_check(
        case(intake={"etiology": "hsct", "platelets_10e9_per_l": 20}, expected_decision="not_indicated",
             expected_present=["platelet_transfusion"]),
        Snapshot.from_dict(published_guideline.snapshot),
    )
    assert result.passed
    assert [c.expectation for c in result.checks] == ["decision", "recommendation platelet_transfusion"]


def test_a_failing_check_says_what_was_expected_and_what_came(published_guideline, guideline_document):
    document = edited(guideline_document, "thresholds", "platelet_transfusion_10e9_per_l", value="10")
    result = golden_case_check(
        case(intake={"etiology": "hsct", "platelets_10e9_per_l": 20}, expected_decision="recommended",
             expected_present=["platelet_transfusion"]),
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
