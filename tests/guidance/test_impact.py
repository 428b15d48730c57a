"""Impact preview: patients whose plan changes between the published version and a draft."""

from __future__ import annotations

import pytest

from dahguide.engine.content import Snapshot
from dahguide.guidance.impact import GOLDEN_SOURCE, DoseChange, impact_preview, register_impact_source
from dahguide.guidance.models import GoldenCase
from tests.guidance.helpers import as_action, edited

pytestmark = pytest.mark.django_db

HSCT = "hsct_on_oxygen_not_indicated_with_hypoxemia_criterion_met"
HSCT_INTAKE = {"etiology": "hsct", "oxygen_support": "supplemental_oxygen", "platelets_10e9_per_l": 20}


@pytest.fixture
def published(guideline_document) -> Snapshot:
    return Snapshot.from_dict(guideline_document)


def preview(published, document, **kwargs):
    return impact_preview(old=published, new=Snapshot.from_dict(document), **kwargs)


def row_for(report, label):
    return next(r for r in report.rows if r.label == label)


def test_unchanged_content_changes_no_plan(golden_cases, published, guideline_document):
    report = preview(published, guideline_document)
    assert (report.rows, report.compared[GOLDEN_SOURCE]) == ((), golden_cases)


def test_lower_platelet_threshold_shows_the_hsct_case_losing_platelet_transfusion(
    golden_cases, published, guideline_document
):
    draft = edited(guideline_document, "thresholds", "platelet_transfusion_10e9_per_l", value="10")
    row = row_for(preview(published, draft), HSCT)
    assert (row.recommendations_removed, row.recommendations_added) == (("platelet_transfusion",), ())
    assert "platelet_transfusion" in row.old.recommendations and "platelet_transfusion" not in row.new.recommendations


def test_lower_platelet_threshold_affects_only_patients_with_platelets_in_between(
    golden_cases, published, guideline_document
):
    draft = edited(guideline_document, "thresholds", "platelet_transfusion_10e9_per_l", value="10")
    assert [r.label for r in preview(published, draft).rows] == [HSCT]


def test_applicability_change_shows_the_recommendation_added(golden_cases, published, guideline_document):
    rule = [[{"fact": "etiology", "op": "in", "values": ["drug_or_toxin"]}]]
    draft = edited(guideline_document, "recommendations", "platelet_transfusion", applies_when=rule)
    report = preview(published, draft)
    assert row_for(report, "drug_or_toxin_is_not_indicated").recommendations_added == ("platelet_transfusion",)
    assert row_for(report, HSCT).recommendations_removed == ("platelet_transfusion",)


def test_creatinine_threshold_change_shows_decision_and_criterion_side_by_side(
    golden_cases, published, guideline_document
):
    draft = edited(guideline_document, "thresholds", "plex_creatinine_mg_dl", value="3")
    row = row_for(preview(published, draft), "creatinine_3_4_mg_dl_is_not_above_threshold")
    assert (row.old.decision, row.new.decision) == ("not_indicated", "consider")
    assert [(c.code, c.old, c.new) for c in row.criteria_changes] == [("creatinine_over_3_4_mg_dl", "not_met", "met")]


def test_registered_source_is_compared(golden_cases, published, guideline_document):
    register_impact_source("Test patients", lambda: [("Case 7", "/cases/7/", HSCT_INTAKE)])
    draft = edited(guideline_document, "thresholds", "platelet_transfusion_10e9_per_l", value="10")
    row = row_for(preview(published, draft), "Case 7")
    assert (row.source, row.url) == ("Test patients", "/cases/7/")
    assert row.recommendations_removed == ("platelet_transfusion",)


def test_a_source_is_read_only_up_to_the_bound_and_says_so(published, guideline_document):
    seen = []

    def many():
        for n in range(1000):
            seen.append(n)
            yield (f"Case {n}", "", HSCT_INTAKE)

    register_impact_source("Test patients", many)
    report = preview(published, guideline_document, max_per_source=5)
    assert (report.compared["Test patients"], report.truncated, len(seen)) == (5, ("Test patients",), 6)


def test_a_source_intake_that_is_not_valid_is_reported_not_hidden(published, guideline_document):
    register_impact_source("Test patients", lambda: [("Case 9", "", {"spo2_percent": 140})])
    row = row_for(preview(published, guideline_document), "Case 9")
    assert row.problem == "Intake not valid: spo2_percent."


def test_a_broken_source_does_not_hide_the_golden_cases(golden_cases, published, guideline_document):
    def broken():
        raise RuntimeError("database gone")

    register_impact_source("Test patients", broken)
    report = preview(published, guideline_document)
    assert ("Test patients" in report.failed_sources, report.compared[GOLDEN_SOURCE]) == (True, golden_cases)


def test_only_relative_links_from_a_source_are_kept(published, guideline_document):
    register_impact_source(
        "Test patients",
        lambda: [("Case 1", "javascript:alert(1)", HSCT_INTAKE), ("Case 2", "//evil.example/", HSCT_INTAKE)],
    )
    draft = edited(guideline_document, "thresholds", "platelet_transfusion_10e9_per_l", value="10")
    report = preview(published, draft)
    assert [r.url for r in report.rows if r.source == "Test patients"] == ["", ""]


def test_golden_source_name_is_reserved():
    with pytest.raises(ValueError, match="built in"):
        register_impact_source(GOLDEN_SOURCE, list)


def test_inactive_golden_cases_are_not_compared(golden_cases, published, guideline_document):
    GoldenCase.objects.update(active=False)
    assert preview(published, guideline_document).compared[GOLDEN_SOURCE] == 0


# --- withheld actions and doses -------------------------------------------------------------------

THROMBOPROPHYLAXIS = "thromboprophylaxis_once_bleeding_controlled"
CHILD_PULSE = "methylprednisolone_pulse_paediatric"
LOW_PLATELETS = {"etiology": "mpa", "active_dah": True, "bleeding_controlled": True, "platelets_10e9_per_l": 30}
CHILD = {"etiology": "mpa", "active_dah": True, "age_years": 10, "weight_kg": 25}


@pytest.fixture
def patients():
    register_impact_source("Ward", lambda: [("low platelets", "", LOW_PLATELETS), ("child", "", CHILD)])


def test_a_stance_no_longer_withholding_shows_the_action_back_in_the_plan(patients, published, guideline_document):
    draft = as_action(guideline_document, THROMBOPROPHYLAXIS, timing="then")  # every stance unchanged
    row = row_for(preview(published, draft), "low platelets")
    assert (row.withheld_removed, row.recommendations_added) == ((THROMBOPROPHYLAXIS,), (THROMBOPROPHYLAXIS,))


def test_a_new_withholding_stance_shows_the_action_withheld(patients, published, guideline_document):
    row = row_for(
        impact_preview(old=Snapshot.from_dict(as_action(guideline_document, THROMBOPROPHYLAXIS)), new=published),
        "low platelets",
    )
    assert (row.withheld_added, row.recommendations_removed) == ((THROMBOPROPHYLAXIS,), (THROMBOPROPHYLAXIS,))


def test_a_dose_change_shows_both_amounts(patients, published, guideline_document):
    draft = edited(guideline_document, "doses", CHILD_PULSE, amount="20")
    assert row_for(preview(published, draft), "child").dose_changes == (DoseChange(CHILD_PULSE, "750 mg", "500 mg"),)


def test_a_dose_change_for_others_leaves_the_patient_out(patients, published, guideline_document):
    draft = edited(guideline_document, "doses", CHILD_PULSE, amount="20")
    assert "low platelets" not in [r.label for r in preview(published, draft).rows]
