"""The shared FHIR mapping's additions for the chart read by the SMART launch: eGFR, weight and height
observations, ICD-10 conditions, and where each filled-in answer came from (no database needed)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dahguide.api.cds.mapping import map_prefetch
from tests.api.test_cds_mapping import NOW, bundle, mapped_observations, observation


def _icd10(code: str) -> dict:
    return {
        "resourceType": "Condition",
        "id": "c1",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
    }


def test_egfr_in_ml_per_min_per_1_73_m2_is_used():
    mapped = mapped_observations(observation("98979-8", 24, "mL/min/{1.73_m2}"))
    assert mapped.data["egfr"] == Decimal(24)


def test_egfr_in_an_unknown_unit_is_not_used():
    mapped = mapped_observations(observation("98979-8", 24, "mL/s"))
    assert "egfr" not in mapped.data


@pytest.mark.parametrize(
    ("value", "unit", "kg"), [(64, "kg", Decimal(64)), (141, "[lb_av]", Decimal("64.0")), (64200, "g", Decimal("64.2"))]
)
def test_weight_is_converted_to_kg(value, unit, kg):
    assert mapped_observations(observation("29463-7", value, unit)).data["weight_kg"] == kg


def test_height_in_metres_is_converted_to_cm():
    assert mapped_observations(observation("8302-2", "1.68", "m")).data["height_cm"] == Decimal(168)


def test_weight_older_than_a_week_is_stale():
    mapped = mapped_observations(observation("29463-7", 64, "kg", hours_ago=8 * 24))
    assert "weight_kg" not in mapped.data
    assert mapped.stale[0].startswith("Weight 64 kg")


def test_icd10_microscopic_polyangiitis_maps_to_mpa():
    mapped = map_prefetch({"conditions": bundle(_icd10("M31.7"))}, now=NOW)
    assert mapped.data["etiology"] == "mpa"


def test_icd10_code_outside_the_table_leaves_the_etiology_unknown():
    mapped = map_prefetch({"conditions": bundle(_icd10("M31.0"))}, now=NOW)
    assert "etiology" not in mapped.data


def test_each_filled_answer_names_its_source_line():
    mapped = mapped_observations(observation("2160-0", "3.9", "mg/dL"))
    line = mapped.sources["creatinine_value"]
    assert line in mapped.used and mapped.sources["creatinine_unit"] == line
