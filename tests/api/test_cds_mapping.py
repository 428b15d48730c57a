"""FHIR prefetch -> intake: units, dates, staleness, conditions and medication orders (no database needed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from dahguide.api.cds.mapping import (
    ANTICOAGULANT_BY_RXNORM,
    ETIOLOGY_BY_SNOMED,
    STALE_AFTER,
    answers,
    map_prefetch,
    to_intake,
)
from dahguide.engine.vocabulary import ANTICOAGULANTS

from .conftest import HOOK_TIME

NOW = HOOK_TIME


def _when(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat()


def observation(loinc: str, value: Any, unit: str, *, hours_ago: float = 1, ucum: bool = True, **extra: Any):
    quantity = {"value": value, "unit": unit}
    if ucum:
        quantity |= {"system": "http://unitsofmeasure.org", "code": unit}
    return {
        "resourceType": "Observation",
        "id": f"o{abs(hash((loinc, value, unit, hours_ago))) % 10**6}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": _when(hours_ago),
        "valueQuantity": quantity,
        **extra,
    }


def condition(snomed: str, clinical: str = "active", verification: str = "confirmed") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}]
        },
        "verificationStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification}]
        },
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": snomed}]},
    }


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def mapped_observations(*observations: dict[str, Any]):
    return map_prefetch(
        {"patient": None, "observations": bundle(*observations), "conditions": None, "medications": None}, now=NOW
    )


@pytest.mark.parametrize(
    ("unit", "ucum", "expected_unit"),
    [
        ("mg/dL", True, "mg/dL"),
        ("umol/L", True, "umol/L"),
        ("µmol/L", False, "umol/L"),
        ("μmol/l", False, "umol/L"),
        ("mmol/L", True, "mmol/L"),
    ],
)
def test_creatinine_units_are_mapped_explicitly(unit, ucum, expected_unit):
    data = mapped_observations(observation("2160-0", 3, unit, ucum=ucum)).data
    assert (data["creatinine_value"], data["creatinine_unit"]) == (Decimal(3), expected_unit)


def test_creatinine_in_an_unknown_unit_is_not_used():
    mapped = mapped_observations(observation("2160-0", 3, "mg/L"))
    assert "creatinine_value" not in mapped.data
    assert "'mg/L'" in mapped.problems[0]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (210, "10*9/L", 210),
        (210, "10*3/uL", 210),
        (210, "10^3/µL", 210),
        (210, "10*3/mm3", 210),
        (45000, "/uL", 45),
    ],
)
def test_platelet_units_are_converted_to_10e9_per_litre(value, unit, expected):
    data = mapped_observations(observation("777-3", value, unit)).data
    assert data["platelets_10e9_per_l"] == Decimal(expected)


@pytest.mark.parametrize("loinc", ["59408-5", "2708-6"])
def test_spo2_in_percent_is_used(loinc):
    assert mapped_observations(observation(loinc, 93, "%")).data["spo2_percent"] == Decimal(93)


def test_spo2_as_a_fraction_is_not_used():
    mapped = mapped_observations(observation("59408-5", 0.93, "1"))
    assert "spo2_percent" not in mapped.data


def test_newest_value_wins_whatever_the_code():
    data = mapped_observations(
        observation("14682-9", 400, "umol/L", hours_ago=2),
        observation("2160-0", 1.1, "mg/dL", hours_ago=10),
    ).data
    assert (data["creatinine_value"], data["creatinine_unit"]) == (Decimal(400), "umol/L")


def test_unusable_newest_value_does_not_fall_back_to_an_older_one():
    mapped = mapped_observations(
        observation("2160-0", 3, "furlongs", hours_ago=1),
        observation("2160-0", 1.0, "mg/dL", hours_ago=5),
    )
    assert "creatinine_value" not in mapped.data


WINDOWED = [
    ("creatinine", "2160-0", 2, "mg/dL"),
    ("platelets", "777-3", 100, "10*9/L"),
    ("spo2", "59408-5", 95, "%"),
    ("inr", "6301-6", 1.4, "{INR}"),
    ("fibrinogen", "3255-7", 2.1, "g/L"),
]


@pytest.mark.parametrize(("what", "loinc", "value", "unit"), WINDOWED)
def test_value_just_inside_its_window_is_current(what, loinc, value, unit):
    hours = STALE_AFTER[what].total_seconds() / 3600 - 0.1
    mapped = mapped_observations(observation(loinc, value, unit, hours_ago=hours))
    assert mapped.used and not mapped.stale


@pytest.mark.parametrize(("what", "loinc", "value", "unit"), WINDOWED)
def test_value_older_than_its_window_is_stale_and_not_used(what, loinc, value, unit):
    hours = STALE_AFTER[what].total_seconds() / 3600 + 0.1
    mapped = mapped_observations(observation(loinc, value, unit, hours_ago=hours))
    assert mapped.data == {}
    assert len(mapped.stale) == 1


def test_staleness_windows_are_as_documented():
    assert {k: v.total_seconds() / 3600 for k, v in STALE_AFTER.items()} == {
        "creatinine": 48,
        "spo2": 24,
        "platelets": 72,
        "inr": 24,
        "fibrinogen": 24,
        "egfr": 48,
        "weight": 7 * 24,
        "height": 365 * 24,
        "pf": 24,
        "pao2": 24,
        "fio2": 24,
    }


def test_a_horowitz_index_observation_is_the_pf_ratio():
    mapped = mapped_observations(observation("50984-4", 180, "mm[Hg]"))
    assert mapped.data == {"pao2_fio2_ratio": Decimal(180)}
    assert mapped.sources["pao2_fio2_ratio"].startswith("PaO₂/FiO₂ 180 mmHg")


def test_pao2_and_fio2_taken_together_make_the_pf_ratio():
    mapped = mapped_observations(
        observation("2703-7", 9, "kPa", hours_ago=1), observation("3150-0", 60, "%", hours_ago=1.5)
    )
    assert mapped.data == {"pao2_fio2_ratio": Decimal(113)}  # 9 kPa = 67.5 mmHg, / 0.6
    assert "calculated from PaO₂ 9 kPa" in mapped.used[0] and "FiO₂ 60%" in mapped.used[0]


def test_pao2_and_fio2_hours_apart_make_no_pf_ratio():
    mapped = mapped_observations(
        observation("2703-7", 70, "mm[Hg]", hours_ago=1), observation("3150-0", 0.4, "1", hours_ago=4)
    )
    assert "pao2_fio2_ratio" not in mapped.data
    assert "not taken within an hour" in mapped.problems[0]


def test_a_stale_blood_gas_makes_no_pf_ratio():
    mapped = mapped_observations(
        observation("2703-7", 70, "mm[Hg]", hours_ago=30), observation("3150-0", 40, "%", hours_ago=30)
    )
    assert "pao2_fio2_ratio" not in mapped.data
    assert "older than 24 h" in mapped.stale[0]


def test_a_pf_ratio_observation_wins_over_a_blood_gas_pair():
    mapped = mapped_observations(
        observation("50984-4", 210, "mm[Hg]"), observation("2703-7", 60, "mm[Hg]"), observation("3150-0", 100, "%")
    )
    assert mapped.data == {"pao2_fio2_ratio": Decimal(210)}


def test_an_implausible_fio2_is_refused_with_the_reason():
    mapped = mapped_observations(observation("2703-7", 70, "mm[Hg]"), observation("3150-0", 400, "%"))
    assert "pao2_fio2_ratio" not in mapped.data
    assert "FiO₂ 400 is outside" in mapped.problems[0]


def test_value_dated_in_the_future_is_not_used():
    mapped = mapped_observations(observation("2160-0", 2, "mg/dL", hours_ago=-2))
    assert mapped.data == {} and "future" in mapped.problems[0]


def test_undated_observation_is_not_used():
    obs = observation("2160-0", 2, "mg/dL")
    del obs["effectiveDateTime"]
    mapped = mapped_observations(obs)
    assert mapped.data == {} and "without a date" in mapped.problems[0]


def test_date_only_observation_counts_from_midnight():
    obs = observation("2160-0", 2, "mg/dL")
    obs["effectiveDateTime"] = NOW.date().isoformat()
    assert mapped_observations(obs).data["creatinine_unit"] == "mg/dL"


def test_cancelled_observation_is_ignored():
    assert mapped_observations(observation("2160-0", 2, "mg/dL", status="cancelled")).data == {}


def test_oxygen_flow_component_sets_supplemental_oxygen():
    component = {
        "code": {"coding": [{"system": "http://loinc.org", "code": "3151-8"}]},
        "valueQuantity": {"value": 2, "unit": "L/min"},
    }
    data = mapped_observations(observation("59408-5", 91, "%", component=[component])).data
    assert data["oxygen_support"] == "supplemental_oxygen"


def test_room_air_concentration_component_sets_room_air():
    component = {
        "code": {"coding": [{"system": "http://loinc.org", "code": "3150-0"}]},
        "valueQuantity": {"value": 21, "unit": "%"},
    }
    assert mapped_observations(observation("59408-5", 96, "%", component=[component])).data["oxygen_support"] == (
        "room_air"
    )


def test_disagreeing_oxygen_components_leave_support_unknown():
    components = [
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "3150-0"}]},
            "valueQuantity": {"value": 21, "unit": "%"},
        },
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "3151-8"}]},
            "valueQuantity": {"value": 4, "unit": "L/min"},
        },
    ]
    assert "oxygen_support" not in mapped_observations(observation("59408-5", 96, "%", component=components)).data


@pytest.mark.parametrize(("snomed", "etiology"), [(code, e) for code, (e, _) in ETIOLOGY_BY_SNOMED.items()])
def test_listed_snomed_codes_map_to_their_etiology(snomed, etiology):
    mapped = map_prefetch({"conditions": bundle(condition(snomed))}, now=NOW)
    assert mapped.data["etiology"] == etiology


def test_unlisted_snomed_code_leaves_etiology_unknown():
    assert "etiology" not in map_prefetch({"conditions": bundle(condition("38341003"))}, now=NOW).data


@pytest.mark.parametrize(
    ("clinical", "verification"),
    [("resolved", "confirmed"), ("active", "refuted"), ("active", "entered-in-error"), ("inactive", "confirmed")],
)
def test_inactive_or_refuted_condition_is_ignored(clinical, verification):
    mapped = map_prefetch({"conditions": bundle(condition("195353004", clinical, verification))}, now=NOW)
    assert "etiology" not in mapped.data


def test_conditions_pointing_to_two_causes_leave_etiology_unknown():
    mapped = map_prefetch({"conditions": bundle(condition("195353004"), condition("55464009"))}, now=NOW)
    assert "etiology" not in mapped.data and "more than one cause" in mapped.problems[0]


@pytest.mark.parametrize(("birth", "age"), [("1970-03-10", 56), ("1970-03-11", 55), ("2008-02-29", 18)])
def test_age_is_whole_years_at_the_hook_date(birth, age):
    mapped = map_prefetch({"patient": {"resourceType": "Patient", "birthDate": birth}}, now=NOW)
    assert mapped.data["age_years"] == age


@pytest.mark.parametrize("birth", ["1970", "1970-03", "1970-02-30", None, 1970])
def test_incomplete_birth_date_leaves_age_unknown(birth):
    mapped = map_prefetch({"patient": {"resourceType": "Patient", "birthDate": birth}}, now=NOW)
    assert "age_years" not in mapped.data and mapped.problems


def test_absent_prefetch_keys_are_reported_missing():
    assert map_prefetch({}, now=NOW).missing == ["patient", "observations", "conditions", "medications"]


def test_null_prefetch_key_means_no_data_not_missing():
    mapped = map_prefetch({"patient": None, "observations": None, "conditions": None, "medications": None}, now=NOW)
    assert (mapped.missing, mapped.problems) == ([], [])


def test_operation_outcome_prefetch_is_reported():
    mapped = map_prefetch({"observations": {"resourceType": "OperationOutcome", "issue": []}}, now=NOW)
    assert "could not prefetch the observations" in mapped.problems[0]


def test_value_outside_the_hard_range_is_dropped_with_its_message():
    mapped = mapped_observations(observation("59408-5", 140, "%"))
    result = to_intake(mapped)
    assert result.is_valid and result.intake.spo2_percent is None
    assert any("SpO₂" in p for p in mapped.problems)


def test_implausible_value_becomes_unknown_with_a_data_quality_warning():
    result = to_intake(mapped_observations(observation("2160-0", 250, "mg/dL")))
    assert result.intake.creatinine_value is None
    assert [i.code for i in result.data_quality] == ["creatinine_unit_implausible"]


def test_answers_are_text_as_the_wizard_stores_them():
    mapped = map_prefetch(
        {
            "patient": {"resourceType": "Patient", "birthDate": "1970-01-01"},
            "observations": bundle(observation("2160-0", 2.50, "mg/dL")),
        },
        now=NOW,
    )
    assert answers(mapped) == {"age_years": "56", "creatinine_value": "2.5", "creatinine_unit": "mg/dL"}


def test_ehr_text_shown_back_is_made_harmless():
    mapped = mapped_observations(observation("2160-0", 3, "[x](javascript:alert(1))"))
    assert "'?x??javascript?alert?1??'" in mapped.problems[0]


# -- Sex from Patient.gender ----------------------------------------------------------------------


def patient(**fields: Any) -> dict[str, Any]:
    return {"patient": {"resourceType": "Patient", "birthDate": "1970-01-01", **fields}}


@pytest.mark.parametrize("gender", ["female", "male"])
def test_patient_gender_female_or_male_is_the_sex(gender):
    mapped = map_prefetch(patient(gender=gender), now=NOW)
    assert mapped.data["sex"] == gender
    assert f"Sex {gender} (from the administrative gender" in mapped.used[0]


@pytest.mark.parametrize("gender", ["other", "unknown", None, "F", 1, ["female"]])
def test_other_or_unknown_gender_leaves_sex_unknown(gender):
    mapped = map_prefetch(patient(gender=gender), now=NOW)
    assert "sex" not in mapped.data
    assert mapped.problems == []


def test_sex_is_read_when_the_birth_date_is_unusable():
    mapped = map_prefetch(patient(gender="male", birthDate="1970"), now=NOW)
    assert mapped.data == {"sex": "male"}


# -- INR and fibrinogen ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loinc", "unit", "ucum"),
    [
        ("6301-6", "{INR}", True),
        ("34714-6", "{INR}", True),
        ("6301-6", "1", True),
        ("6301-6", "INR", False),
        ("6301-6", "", False),
    ],
)
def test_inr_without_a_unit_or_as_a_ratio_is_used(loinc, unit, ucum):
    assert mapped_observations(observation(loinc, 2.7, unit, ucum=ucum)).data["inr"] == Decimal("2.7")


def test_inr_in_seconds_is_not_used():
    mapped = mapped_observations(observation("6301-6", 14, "s"))
    assert "inr" not in mapped.data
    assert "The newest INR result" in mapped.problems[0] and "'s'" in mapped.problems[0]


@pytest.mark.parametrize(
    ("value", "unit", "grams"),
    [
        (1.2, "g/L", "1.2"),
        (120, "mg/dL", "1.2"),
        (95, "mg/dl", "0.95"),
        (3, "g/l", "3"),
    ],
)
def test_fibrinogen_is_converted_to_g_per_l(value, unit, grams):
    assert mapped_observations(observation("3255-7", value, unit)).data["fibrinogen_g_per_l"] == Decimal(grams)


def test_fibrinogen_from_mg_dl_shows_both_units():
    assert mapped_observations(observation("3255-7", 150, "mg/dL")).used[0].startswith("Fibrinogen 150 mg/dL (1.5 g/L)")


def test_fibrinogen_in_an_unknown_unit_is_not_used():
    mapped = mapped_observations(observation("3255-7", 4.4, "umol/L"))
    assert "fibrinogen_g_per_l" not in mapped.data and "'umol/L'" in mapped.problems[0]


def test_fibrinogen_outside_the_hard_range_is_dropped_with_its_message():
    mapped = mapped_observations(observation("3255-7", 250, "g/L"))  # mg/dL sent as g/L
    result = to_intake(mapped)
    assert result.is_valid and result.intake.fibrinogen_g_per_l is None
    assert any(p.startswith("Fibrinogen must be from 0 to 20 g/L") for p in mapped.problems)


def test_newest_inr_wins_over_an_older_one():
    data = mapped_observations(
        observation("6301-6", 1.1, "{INR}", hours_ago=2), observation("34714-6", 4.2, "{INR}", hours_ago=10)
    ).data
    assert data["inr"] == Decimal("1.1")


# -- Anticoagulant from the medication orders ----------------------------------------------------------

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def order(rxnorm: str | None, *, status: str = "active", intent: str = "order", rid: str = "", **extra: Any):
    resource: dict[str, Any] = {"resourceType": "MedicationRequest", "status": status, "intent": intent, **extra}
    if rid:
        resource["id"] = rid
    if rxnorm is not None:
        resource["medicationCodeableConcept"] = {"coding": [{"system": RXNORM, "code": rxnorm}]}
    return resource


def mapped_orders(*orders: dict[str, Any]):
    return map_prefetch({"medications": bundle(*orders)}, now=NOW)


@pytest.mark.parametrize(("rxnorm", "kind"), [(code, kind) for code, (kind, _) in ANTICOAGULANT_BY_RXNORM.items()])
def test_listed_rxnorm_ingredients_map_to_their_class(rxnorm, kind):
    assert mapped_orders(order(rxnorm)).data["anticoagulant"] == kind


def test_every_class_but_none_can_be_read_from_an_order():
    assert {kind for kind, _ in ANTICOAGULANT_BY_RXNORM.values()} == set(ANTICOAGULANTS) - {"none"}


def test_orders_without_a_listed_drug_leave_the_anticoagulant_unknown_not_none():
    mapped = mapped_orders(order("197361"), order("855332"))  # amlodipine; a warfarin tablet (SCD), not an ingredient
    assert "anticoagulant" not in mapped.data
    assert (mapped.used, mapped.problems) == ([], [])


def test_empty_medication_bundle_leaves_the_anticoagulant_unknown():
    mapped = map_prefetch({"medications": {"resourceType": "Bundle", "type": "searchset", "total": 0}}, now=NOW)
    assert "anticoagulant" not in mapped.data and mapped.missing == ["patient", "observations", "conditions"]


def test_no_medication_prefetch_leaves_the_anticoagulant_unknown_and_says_so():
    mapped = map_prefetch({"patient": None, "observations": None, "conditions": None}, now=NOW)
    assert "anticoagulant" not in mapped.data
    assert mapped.missing == ["medications"]


@pytest.mark.parametrize("status", ["stopped", "completed", "cancelled", "entered-in-error", "draft", "unknown"])
def test_order_that_is_not_current_is_ignored(status):
    assert "anticoagulant" not in mapped_orders(order("11289", status=status)).data


def test_order_on_hold_still_counts():
    # Warfarin held because of the bleeding still acts for days.
    assert mapped_orders(order("11289", status="on-hold")).data["anticoagulant"] == "vitamin_k_antagonist"


@pytest.mark.parametrize("intent", ["proposal", "plan", "option"])
def test_proposal_or_plan_is_not_an_order(intent):
    assert "anticoagulant" not in mapped_orders(order("1364430", intent=intent)).data


def test_order_not_to_give_the_drug_is_ignored():
    assert "anticoagulant" not in mapped_orders(order("5224", doNotPerform=True)).data


def test_anticoagulant_is_chosen_over_an_antiplatelet_drug_and_the_other_is_named():
    mapped = mapped_orders(order("1191", rid="asa"), order("1364430", rid="apix"))
    assert mapped.data["anticoagulant"] == "factor_xa_inhibitor"
    assert mapped.used == [
        "Anticoagulant or antiplatelet drug: apixaban, rivaroxaban or edoxaban, from active orders: apixaban, "
        "RxNorm 1364430 (MedicationRequest/apix). Also active, not filled in: aspirin, RxNorm 1191 "
        "(MedicationRequest/asa); confirm in the wizard"
    ]


def test_two_anticoagulants_give_the_longest_acting_and_name_the_other():
    mapped = mapped_orders(order("67108"), order("11289"))  # enoxaparin bridging to warfarin
    assert mapped.data["anticoagulant"] == "vitamin_k_antagonist"
    assert "Also active, not filled in: enoxaparin, RxNorm 67108" in mapped.used[0]


def test_two_drugs_of_one_class_are_both_named():
    mapped = mapped_orders(order("1191"), order("32968"))
    assert mapped.data["anticoagulant"] == "antiplatelet"
    assert "from active orders: aspirin, RxNorm 1191; clopidogrel, RxNorm 32968" in mapped.used[0]


def test_contained_medication_is_read():
    medication = {"resourceType": "Medication", "id": "m1", "code": {"coding": [{"system": RXNORM, "code": "1037042"}]}}
    request = order(None, contained=[medication], medicationReference={"reference": "#m1"})
    assert mapped_orders(request).data["anticoagulant"] == "dabigatran"


def test_medication_included_in_the_bundle_is_read_by_its_ingredient():
    medication = {
        "resourceType": "Medication",
        "id": "tab-7",
        "code": {"text": "Xarelto 20 mg"},
        "ingredient": [{"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "1114195"}]}}],
    }
    request = order(None, medicationReference={"reference": "https://ehr.example.org/fhir/Medication/tab-7"})
    assert mapped_orders(request, medication).data["anticoagulant"] == "factor_xa_inhibitor"


def test_medication_that_was_not_sent_is_reported():
    mapped = mapped_orders(order(None, medicationReference={"reference": "Medication/elsewhere"}))
    assert "anticoagulant" not in mapped.data
    assert mapped.problems == [
        "The drug of 1 active medication order(s) could not be read (a Medication that was not sent): an "
        "anticoagulant among them would not be seen."
    ]


def test_other_code_systems_are_not_read():
    request = order(None, medicationCodeableConcept={"coding": [{"system": "http://snomed.info/sct", "code": "11289"}]})
    assert "anticoagulant" not in mapped_orders(request).data


def test_single_medication_request_instead_of_a_bundle_is_read():
    assert map_prefetch({"medications": order("8150")}, now=NOW).data["anticoagulant"] == "vitamin_k_antagonist"


@pytest.mark.parametrize(
    "garbage",
    [
        bundle(order(None, contained=5, medicationReference={"reference": "#x"})),
        {"resourceType": "Bundle", "entry": [{"resource": order(None, medicationReference="Medication/x")}]},
        {
            "resourceType": "Bundle",
            "entry": [
                {"resource": {"resourceType": "Medication", "id": "x", "ingredient": 3}},
                {"resource": order(None, medicationReference={"reference": "Medication/x"})},
            ],
        },
        {"resourceType": "Bundle", "entry": "none"},
        {"resourceType": "Patient"},
    ],
)
def test_malformed_medication_prefetch_never_raises(garbage):
    assert "anticoagulant" not in map_prefetch({"medications": garbage}, now=NOW).data


def test_anticoagulant_answer_is_text_as_the_wizard_stores_it():
    assert answers(mapped_orders(order("69528"))) == {"anticoagulant": "lmwh"}
