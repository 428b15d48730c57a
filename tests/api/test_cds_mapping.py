"""FHIR prefetch -> intake: units, dates, staleness and conditions (no database needed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from dahguide.api.cds.mapping import ETIOLOGY_BY_SNOMED, STALE_AFTER, answers, map_prefetch, to_intake

from .conftest import HOOK_TIME

NOW = HOOK_TIME


def _when(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat()


def observation(loinc: str, value: Any, unit: str, *, hours_ago: float = 1, ucum: bool = True, **extra: Any):
    quantity = {"value": value, "unit": unit}
    if ucum:
        quantity |= {"system": "http://unitsofmeasure.org", "code": unit}
    return {
        "resourceType": "Observation", "id": f"o{abs(hash((loinc, value, unit, hours_ago))) % 10**6}",
        "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": _when(hours_ago), "valueQuantity": quantity, **extra,
    }


def condition(snomed: str, clinical: str = "active", verification: str = "confirmed") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": clinical}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                           "code": verification}]},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": snomed}]},
    }


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def mapped_observations(*observations: dict[str, Any]):
    return map_prefetch({"patient": None, "observations": bundle(*observations), "conditions": None}, now=NOW)


@pytest.mark.parametrize(("unit", "ucum", "expected_unit"), [
    ("mg/dL", True, "mg/dL"), ("umol/L", True, "umol/L"), ("µmol/L", False, "umol/L"), ("μmol/l", False, "umol/L"),
    ("mmol/L", True, "mmol/L"),
])
def test_creatinine_units_are_mapped_explicitly(unit, ucum, expected_unit):
    data = mapped_observations(observation("2160-0", 3, unit, ucum=ucum)).data
    assert (data["creatinine_value"], data["creatinine_unit"]) == (Decimal(3), expected_unit)


def test_creatinine_in_an_unknown_unit_is_not_used():
    mapped = mapped_observations(observation("2160-0", 3, "mg/L"))
    assert "creatinine_value" not in mapped.data
    assert "'mg/L'" in mapped.problems[0]


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (210, "10*9/L", 210), (210, "10*3/uL", 210), (210, "10^3/µL", 210), (210, "10*3/mm3", 210),
    (45000, "/uL", 45),
])
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
        observation("14682-9", 400, "umol/L", hours_ago=2), observation("2160-0", 1.1, "mg/dL", hours_ago=10),
    ).data
    assert (data["creatinine_value"], data["creatinine_unit"]) == (Decimal(400), "umol/L")


def test_unusable_newest_value_does_not_fall_back_to_an_older_one():
    mapped = mapped_observations(
        observation("2160-0", 3, "furlongs", hours_ago=1), observation("2160-0", 1.0, "mg/dL", hours_ago=5),
    )
    assert "creatinine_value" not in mapped.data


@pytest.mark.parametrize(("what", "loinc", "value", "unit"), [
    ("creatinine", "2160-0", 2, "mg/dL"), ("platelets", "777-3", 100, "10*9/L"), ("spo2", "59408-5", 95, "%"),
])
def test_value_just_inside_its_window_is_current(what, loinc, value, unit):
    hours = STALE_AFTER[what].total_seconds() / 3600 - 0.1
    mapped = mapped_observations(observation(loinc, value, unit, hours_ago=hours))
    assert mapped.used and not mapped.stale


@pytest.mark.parametrize(("what", "loinc", "value", "unit"), [
    ("creatinine", "2160-0", 2, "mg/dL"), ("platelets", "777-3", 100, "10*9/L"), ("spo2", "59408-5", 95, "%"),
])
def test_value_older_than_its_window_is_stale_and_not_used(what, loinc, value, unit):
    hours = STALE_AFTER[what].total_seconds() / 3600 + 0.1
    mapped = mapped_observations(observation(loinc, value, unit, hours_ago=hours))
    assert mapped.data == {}
    assert len(mapped.stale) == 1


def test_staleness_windows_are_as_documented():
    assert {k: v.total_seconds() / 3600 for k, v in STALE_AFTER.items()} == {
        "creatinine": 48, "spo2": 24, "platelets": 72,
    }


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
    component = {"code": {"coding": [{"system": "http://loinc.org", "code": "3151-8"}]},
                 "valueQuantity": {"value": 2, "unit": "L/min"}}
    data = mapped_observations(observation("59408-5", 91, "%", component=[component])).data
    assert data["oxygen_support"] == "supplemental_oxygen"


def test_room_air_concentration_component_sets_room_air():
    component = {"code": {"coding": [{"system": "http://loinc.org", "code": "3150-0"}]},
                 "valueQuantity": {"value": 21, "unit": "%"}}
    assert mapped_observations(observation("59408-5", 96, "%", component=[component])).data["oxygen_support"] == (
        "room_air"
    )


def test_disagreeing_oxygen_components_leave_support_unknown():
    components = [
        {"code": {"coding": [{"system": "http://loinc.org", "code": "3150-0"}]},
         "valueQuantity": {"value": 21, "unit": "%"}},
        {"code": {"coding": [{"system": "http://loinc.org", "code": "3151-8"}]},
         "valueQuantity": {"value": 4, "unit": "L/min"}},
    ]
    assert "oxygen_support" not in mapped_observations(observation("59408-5", 96, "%", component=components)).data


@pytest.mark.parametrize(("snomed", "etiology"), [(code, e) for code, (e, _) in ETIOLOGY_BY_SNOMED.items()])
def test_listed_snomed_codes_map_to_their_etiology(snomed, etiology):
    mapped = map_prefetch({"conditions": bundle(condition(snomed))}, now=NOW)
    assert mapped.data["etiology"] == etiology


def test_unlisted_snomed_code_leaves_etiology_unknown():
    assert "etiology" not in map_prefetch({"conditions": bundle(condition("38341003"))}, now=NOW).data


@pytest.mark.parametrize(("clinical", "verification"), [("resolved", "confirmed"), ("active", "refuted"),
                                                        ("active", "entered-in-error"), ("inactive", "confirmed")])
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
    assert map_prefetch({}, now=NOW).missing == ["patient", "observations", "conditions"]


def test_null_prefetch_key_means_no_data_not_missing():
    mapped = map_prefetch({"patient": None, "observations": None, "conditions": None}, now=NOW)
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
    mapped = map_prefetch({"patient": {"resourceType": "Patient", "birthDate": "1970-01-01"},
                           "observations": bundle(observation("2160-0", 2.50, "mg/dL"))}, now=NOW)
    assert answers(mapped) == {"age_years": "56", "creatinine_value": "2.5", "creatinine_unit": "mg/dL"}


def test_ehr_text_shown_back_is_made_harmless():
    mapped = mapped_observations(observation("2160-0", 3, "[x](javascript:alert(1))"))
    assert "'?x??javascript?alert?1??'" in mapped.problems[0]
