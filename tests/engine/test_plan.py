from __future__ import annotations

import json
from typing import Any

import pytest

from dahguide.engine.content import Snapshot
from dahguide.engine.intake import Intake, parse_intake
from dahguide.engine.plan import evaluate
from dahguide.engine.vocabulary import SECTIONS
from tests.engine.golden_cases import NEGATIVE
from tests.engine.snapshot_factory import make_snapshot, plan_for, snapshot_data

HYPOXEMIC_MPA = {**NEGATIVE, "oxygen_support": "supplemental_oxygen", "spo2_percent": 93}


def document(data: dict[str, Any], snapshot: Snapshot | None = None) -> dict[str, Any]:
    return plan_for(data, snapshot).to_dict()


# -- Shape -----------------------------------------------------------------------------------------


def test_plan_document_has_the_contract_keys_plus_derived_reasons() -> None:
    assert list(document({})) == [
        "guideline",
        "inputs",
        "derived",
        "derived_reasons",
        "plasma_exchange",
        "recommendations",
        "withheld",
        "monitoring",
        "warnings",
        "missing_data",
        "disclaimer",
    ]


def test_guideline_block_identifies_the_content_version() -> None:
    assert document({})["guideline"] == {
        "version": "41",  # text, as CONTRACT.md has it
        "published_at": "2025-01-01T00:00:00Z",
        "content_hash": "sha256:test",
    }


def test_derived_starts_with_the_contract_keys() -> None:
    assert list(document({})["derived"])[:7] == [
        "hypoxemia",
        "severe_dah",
        "creatinine_mg_dl",
        "creatinine_umol_l",
        "creatinine_borderline",
        "anti_gbm_disease",
        "high_steroid_toxicity_risk",
    ]


def test_derived_creatinine_is_rounded_to_two_decimals_for_display_only() -> None:
    derived = document({**NEGATIVE, "creatinine_value": 301, "creatinine_unit": "umol/L"})["derived"]
    assert (derived["creatinine_mg_dl"], derived["creatinine_over_plex_threshold"]) == (3.4, True)


def test_derived_reasons_explain_each_derived_fact() -> None:
    assert document(HYPOXEMIC_MPA)["derived_reasons"]["hypoxemia"] == ["on supplemental oxygen"]


def test_inputs_are_the_normalised_intake() -> None:
    inputs = document({"creatinine_value": "300", "creatinine_unit": "µmol/l"})["inputs"]
    assert (inputs["creatinine_value"], inputs["creatinine_unit"], inputs["active_dah"]) == (300, "umol/L", True)


def test_plasma_exchange_block_shape() -> None:
    plex = document({**NEGATIVE, "on_dialysis": True})["plasma_exchange"]
    assert list(plex) == ["decision", "criteria", "criteria_met", "why", "text", "citations", "disagreements"]
    assert list(plex["criteria"][0]) == ["code", "label", "status", "observed", "threshold", "explanation"]
    assert list(plex["citations"][0]) == ["label", "reference", "url", "verification"]
    assert list(plex["disagreements"][0]) == ["source", "position", "strength", "citations", "verification"]
    assert plex["disagreements"][1]["citations"][0]["label"] == "ACR/VF 2021"


def test_plan_is_json_without_nan() -> None:
    for data in ({}, HYPOXEMIC_MPA, {"etiology": "anti_gbm", "creatinine_value": 300, "creatinine_unit": "mg/dL"}):
        json.dumps(document(data), allow_nan=False)


def test_disclaimer_comes_from_content() -> None:
    assert document({})["disclaimer"] == "Test disclaimer."


# -- Recommendations -------------------------------------------------------------------------------


def test_recommendations_follow_section_order_then_content_order() -> None:
    codes = [r["code"] for r in document({**HYPOXEMIC_MPA, "kidney_transplant_candidate": True})["recommendations"]]
    assert codes == [
        "respiratory_support",
        "glucocorticoid_pulse",
        "induction_glucocorticoid_plus_rituximab_or_cyclophosphamide",
        "plasma_exchange_dah_regimen",
        "kidney_transplant_timing",
    ]


def test_recommendation_sections_never_go_backwards() -> None:
    recs = document(
        {
            "etiology": "gpa",
            "on_dialysis": True,
            "platelets_10e9_per_l": 20,
            "creatinine_value": 5,
            "creatinine_unit": "mg/dL",
        }
    )["recommendations"]
    order = [SECTIONS.index(r["section"]) for r in recs]
    assert order == sorted(order)


def test_recommendation_carries_why_citations_disagreements_and_review_date() -> None:
    rec = next(
        r
        for r in document(HYPOXEMIC_MPA)["recommendations"]
        if r["code"] == "induction_glucocorticoid_plus_rituximab_or_cyclophosphamide"
    )
    assert rec["why"] == ["DAH episode active", "etiology is MPA"]
    assert rec["strength"] == "KDIGO 1B"
    assert [c["label"] for c in rec["citations"]] == ["KDIGO 2024", "ACR/VF 2021"]
    assert [d["source"] for d in rec["disagreements"]] == ["ACR/VF 2021"]
    assert rec["last_reviewed"] == "2025-01-01"
    assert rec["verification"] == "primary"


def test_respiratory_support_applies_when_hypoxemia_is_unknown_and_says_why() -> None:
    rec = next(r for r in document({"etiology": "gpa"})["recommendations"] if r["code"] == "respiratory_support")
    assert rec["why"] == ["DAH episode active", "oxygen support, SpO₂, P/F ratio not recorded"]


def test_plasma_exchange_renal_regimen_does_not_apply_on_chronic_dialysis() -> None:
    codes = [
        r["code"]
        for r in document(
            {**HYPOXEMIC_MPA, "dialysis_chronic_preexisting": True, "on_dialysis": True, "creatinine_value": 8}
        )["recommendations"]
    ]
    assert "plasma_exchange_dah_regimen" in codes
    assert "plasma_exchange_renal_regimen" not in codes


def test_anti_gbm_regimen_follows_the_recommended_decision() -> None:
    codes = [r["code"] for r in document({"etiology": "anti_gbm"})["recommendations"]]
    assert "plasma_exchange_anti_gbm_regimen" in codes


def test_citation_missing_from_content_is_shown_as_unverified() -> None:
    rec = next(r for r in document(NEGATIVE)["recommendations"] if r["code"] == "prognosis_no_hypoxemia")
    assert rec["citations"] == [{"label": "not_in_content", "reference": "", "url": "", "verification": "unverified"}]


# -- Monitoring ------------------------------------------------------------------------------------


def test_monitoring_items_that_apply_with_why() -> None:
    monitoring = document(HYPOXEMIC_MPA)["monitoring"]
    assert [m["code"] for m in monitoring] == ["monitor_oxygenation", "monitor_igg_rituximab"]
    assert monitoring[0]["why"] == []
    assert monitoring[1]["why"] == ["DAH episode active", "etiology is MPA"]
    assert monitoring[1]["citations"][0]["label"] == "KDIGO 2024"


# -- Warnings --------------------------------------------------------------------------------------


def test_warnings_are_ordered_critical_then_warning_then_info() -> None:
    warnings = document({"pregnancy_status": "pregnant", "spo2_percent": 95})["warnings"]
    severities = [w["severity"] for w in warnings]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index)
    assert [w["code"] for w in warnings][:2] == ["no_anticoagulation_while_bleeding", "pregnancy_specialist"]


def test_red_flags_say_why_they_apply() -> None:
    warning = next(w for w in document({})["warnings"] if w["code"] == "no_anticoagulation_while_bleeding")
    assert warning["kind"] == "red_flag"
    assert warning["why"] == ["Bleeding controlled not recorded"]


def test_red_flag_without_conditions_always_applies() -> None:
    assert "exclude_infection" in {w["code"] for w in document(NEGATIVE)["warnings"]}


def test_data_quality_warning_has_content_text_and_engine_detail() -> None:
    warning = next(
        w
        for w in document({**NEGATIVE, "creatinine_value": 300})["warnings"]
        if w["code"] == "creatinine_unit_implausible"
    )
    assert warning["text"] == "Warning creatinine_unit_implausible."
    assert warning["kind"] == "data_quality"
    assert "looks like µmol/L" in warning["detail"]


def test_data_quality_warning_is_emitted_even_without_content_text() -> None:
    data = snapshot_data()
    data["warnings"] = [w for w in data["warnings"] if w["code"] != "creatinine_borderline"]
    warning = next(
        w
        for w in document({**NEGATIVE, "creatinine_value": 3.4}, make_snapshot(data))["warnings"]
        if w["code"] == "creatinine_borderline"
    )
    assert warning["text"] == "Check the data: creatinine borderline."
    assert warning["severity"] == "warning"
    assert "3.4 mg/dL (300.56 µmol/L) is within 0.1 mg/dL of 3.4 mg/dL" in warning["detail"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({**NEGATIVE, "creatinine_value": 3.45}, "creatinine_borderline"),
        ({"spo2_percent": 92}, "spo2_without_oxygen_support"),
        ({"etiology": "sle", "anti_gbm_positive": True}, "anti_gbm_positive_reclassify"),
        ({"dialysis_chronic_preexisting": True}, "chronic_dialysis_renal_criteria_not_applicable"),
        ({}, "missing_data"),
        ({"spo2_percent": 0.5}, "spo2_implausible"),
        ({"spo2_percent": 20}, "spo2_below_plausible"),
        ({"oxygen_support": "room_air", "spo2_percent": 97, "pao2_fio2_ratio": 57}, "pao2_fio2_ratio_contradicts_spo2"),
    ],
)
def test_engine_emits_data_quality_warnings(data: dict[str, Any], code: str) -> None:
    assert code in {w["code"] for w in document(data)["warnings"]}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"etiology": "anti_gbm", "anti_gbm_positive": True}, "anti_gbm_positive_reclassify"),
        ({"active_dah": False, "dialysis_chronic_preexisting": True}, "chronic_dialysis_renal_criteria_not_applicable"),
        ({"oxygen_support": "room_air", "spo2_percent": 92}, "spo2_without_oxygen_support"),
    ],
)
def test_engine_does_not_emit_data_quality_warnings_that_do_not_apply(data: dict[str, Any], code: str) -> None:
    assert code not in {w["code"] for w in document(data)["warnings"]}


# -- Missing data ----------------------------------------------------------------------------------


def test_missing_data_of_an_empty_intake_in_intake_order() -> None:
    assert document({})["missing_data"] == [
        "etiology",
        "anti_gbm_positive",
        "oxygen_support",
        "spo2_percent",
        "pao2_fio2_ratio",
        "creatinine_value",
        "on_dialysis",
        "creatinine_rising_rapidly",
        "steroid_toxicity_factors",
    ]


def test_missing_data_is_empty_when_nothing_unknown_could_change_the_plan() -> None:
    assert document({**NEGATIVE, "steroid_toxicity_factors": []})["missing_data"] == []


def test_missing_data_names_the_inputs_of_unknown_criteria_only() -> None:
    assert document({**NEGATIVE, "anti_gbm_positive": None, "steroid_toxicity_factors": []})["missing_data"] == [
        "anti_gbm_positive",
    ]


def test_missing_data_asks_for_refractoriness_in_sle() -> None:
    assert "refractory_to_initial_therapy" in document({**NEGATIVE, "etiology": "sle"})["missing_data"]


def test_missing_data_asks_whether_dialysis_is_chronic_when_a_kidney_criterion_is_met() -> None:
    assert "dialysis_chronic_preexisting" in document({**NEGATIVE, "on_dialysis": True})["missing_data"]


def test_missing_data_for_an_inactive_episode_ignores_the_criteria() -> None:
    assert document({"active_dah": False, "etiology": "gpa", "kidney_transplant_candidate": True})["missing_data"] == [
        "steroid_toxicity_factors",
        "months_in_complete_remission",
    ]


# -- evaluate --------------------------------------------------------------------------------------


def test_evaluate_refuses_an_intake_with_errors(snapshot: Snapshot) -> None:
    with pytest.raises(ValueError, match="age_years"):
        evaluate(parse_intake({"age_years": "old"}), snapshot)


def test_evaluate_accepts_an_intake_directly(snapshot: Snapshot) -> None:
    assert evaluate(Intake(etiology="anti_gbm"), snapshot).plasma_exchange.decision == "recommended"


def test_evaluate_refuses_a_snapshot_without_a_threshold_it_reads() -> None:
    data = snapshot_data()
    data["thresholds"] = [t for t in data["thresholds"] if t["code"] != "egfr_low_ml_min"]
    with pytest.raises(ValueError, match="egfr_low_ml_min"):
        evaluate(Intake(), make_snapshot(data))


def test_plan_keeps_the_data_quality_issues_of_the_parse(snapshot: Snapshot) -> None:
    plan = evaluate(parse_intake({"platelets_10e9_per_l": 2500}), snapshot)
    assert [issue.code for issue in plan.data_quality] == ["platelets_unit_implausible"]


def test_the_published_content_fixture_evaluates_when_present() -> None:
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "guideline.json"
    if not fixture.exists():
        pytest.skip("fixtures/guideline.json not written yet")
    published = Snapshot.from_dict(json.loads(fixture.read_text()))
    plan = document(HYPOXEMIC_MPA, published)
    assert plan["plasma_exchange"]["decision"] == "consider"
    assert plan["plasma_exchange"]["disagreements"]


@pytest.mark.parametrize(("carried", "number"), [("3", 3), (3, 3), ("", None), (None, None)])
def test_the_snapshot_reads_the_version_as_a_number(carried, number) -> None:
    from dahguide.engine.content import version_number

    assert version_number(carried) == number


def test_a_version_that_is_not_a_whole_number_is_refused() -> None:
    from dahguide.engine.content import version_number

    with pytest.raises(ValueError, match="whole number"):
        version_number("test-1")


def test_content_that_is_not_yet_a_version_plans_with_an_empty_version_text() -> None:
    data = {**snapshot_data(), "version": ""}
    assert evaluate(parse_intake({}), Snapshot.from_dict(data)).to_dict()["guideline"]["version"] == ""
