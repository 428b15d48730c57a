"""Doses for this patient from the published content (REFERENCE §4.8, §8.5): boundaries, caps, missing inputs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dahguide.engine.content import Snapshot
from dahguide.engine.doses import body_surface_area, predicted_body_weight
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import evaluate

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "guideline.json"
SNAPSHOT = Snapshot.from_dict(json.loads(FIXTURE.read_text(encoding="utf-8")))
MPA = {"etiology": "mpa", "anca_type": "mpo", "anti_gbm_positive": False}
INDUCTION = "induction_glucocorticoid_plus_rituximab_or_cyclophosphamide"


def doses(data: dict[str, Any], recommendation: str) -> dict[str, dict[str, Any]]:
    plan = evaluate(parse_intake(data), SNAPSHOT).to_dict()
    rec = next(r for r in plan["recommendations"] if r["code"] == recommendation)
    return {d["code"]: d for d in rec["doses"]}


def cyc_iv(**data: Any) -> dict[str, Any]:
    return doses({**MPA, "weight_kg": 60, **data}, INDUCTION)["cyclophosphamide_iv_pulse"]


# -- Methylprednisolone --------------------------------------------------------------------------


def test_adult_pulse_is_the_fixed_range() -> None:
    pulse = doses({**MPA, "age_years": 18, "weight_kg": 25}, "glucocorticoid_pulse")
    assert list(pulse) == ["methylprednisolone_pulse_adult"]
    assert pulse["methylprednisolone_pulse_adult"]["amount"] == "500–1000"


def test_paediatric_pulse_is_30_mg_per_kg() -> None:
    pulse = doses({**MPA, "age_years": 17, "weight_kg": 25}, "glucocorticoid_pulse")
    dose = pulse["methylprednisolone_pulse_paediatric"]
    assert dose["amount"] == "750"
    assert dose["calculation"] == "30 mg/kg × 25 kg = 750 mg"


def test_paediatric_pulse_never_exceeds_1_g() -> None:
    pulse = doses({**MPA, "age_years": 15, "weight_kg": 34}, "glucocorticoid_pulse")
    dose = pulse["methylprednisolone_pulse_paediatric"]
    assert dose["amount"] == "1000"
    assert "capped at the maximum of 1000 mg" in dose["calculation"]


def test_paediatric_pulse_names_the_missing_weight() -> None:
    dose = doses({**MPA, "age_years": 9}, "glucocorticoid_pulse")["methylprednisolone_pulse_paediatric"]
    assert dose["amount"] is None and dose["missing"] == ["weight_kg"]
    assert dose["calculation"] == "30 mg/kg, maximum 1000 mg; weight needed"


def test_unknown_age_shows_both_pulses_labelled() -> None:
    pulse = doses({**MPA, "weight_kg": 25}, "glucocorticoid_pulse")
    assert set(pulse) == {"methylprednisolone_pulse_adult", "methylprednisolone_pulse_paediatric"}
    assert "Age not recorded: this is the adult dose." in pulse["methylprednisolone_pulse_adult"]["adjustments"]


# -- Cyclophosphamide: age bands, kidney, sources that differ, cap ---------------------------------


@pytest.mark.parametrize(
    ("age", "egfr", "amount"),
    [
        (59, 60, "900"),  # 15 mg/kg
        (60, 60, "750"),  # both sources 12.5 mg/kg from 60
        (69, 60, "750"),
        (70, 60, "600"),  # KDIGO 10 mg/kg at 70, CYCLOPS 12.5 until over 70: the lower
        (71, 60, "600"),
        (59, 30, "900"),  # eGFR 30 is not below 30
        (59, 29, "750"),  # KDIGO −2.5 mg/kg below 30
        (75, 20, "450"),  # 10 − 2.5
    ],
)
def test_iv_cyclophosphamide_by_age_and_kidney_function(age: int, egfr: int, amount: str) -> None:
    assert cyc_iv(age_years=age, egfr=egfr, creatinine_value=1, creatinine_unit="mg/dL")["amount"] == amount


def test_sources_that_differ_at_70_show_the_lower_and_say_so() -> None:
    dose = cyc_iv(age_years=70, egfr=60, creatinine_value=1, creatinine_unit="mg/dL")
    assert dose["sources_differ"] is True
    assert any("Sources differ" in a and "CYCLOPS (EULAR 2009): 12.5 mg/kg" in a for a in dose["adjustments"])


def test_cyclops_creatinine_band_reduces_when_egfr_does_not() -> None:
    dose = cyc_iv(age_years=50, egfr=40, creatinine_value=350, creatinine_unit="umol/L")
    assert dose["amount"] == "750" and dose["sources_differ"] is True


def test_unknown_kidney_function_shows_the_reduced_dose_and_says_why() -> None:
    dose = cyc_iv(age_years=50)
    assert dose["amount"] == "750"
    assert "not recorded, so the reduced amount is shown" in dose["calculation"]


def test_iv_cyclophosphamide_is_capped_at_1_2_g_per_pulse() -> None:
    dose = doses(
        {**MPA, "age_years": 40, "egfr": 90, "creatinine_value": 1, "creatinine_unit": "mg/dL", "weight_kg": 120},
        INDUCTION,
    )["cyclophosphamide_iv_pulse"]
    assert dose["amount"] == "1200" and dose["calculation"].endswith("capped at the maximum of 1200 mg")


def test_cyclophosphamide_needs_age_and_weight() -> None:
    dose = doses({**MPA, "egfr": 90}, INDUCTION)["cyclophosphamide_iv_pulse"]
    assert dose["amount"] is None and set(dose["missing"]) == {"age_years", "weight_kg"}


@pytest.mark.parametrize(
    ("age", "egfr", "weight", "amount"),
    [
        (40, 90, 70, "125"),  # 2 mg/kg × 70 = 140, rounded down to 25 mg
        (65, 90, 70, "100"),  # 1.5 mg/kg = 105
        (72, 25, 70, "25"),  # (1 − 0.5) mg/kg = 35
        (40, 90, 150, "200"),  # 300 capped at 200 mg/day
    ],
)
def test_oral_cyclophosphamide_by_age_kidney_and_cap(age: int, egfr: int, weight: int, amount: str) -> None:
    data = {**MPA, "age_years": age, "egfr": egfr, "weight_kg": weight}
    assert doses(data, INDUCTION)["cyclophosphamide_oral"]["amount"] == amount


def test_children_get_no_adult_cyclophosphamide_table() -> None:
    shown = doses({**MPA, "age_years": 9, "weight_kg": 25, "height_cm": 130}, INDUCTION)
    assert set(shown) == {"rituximab_375_per_m2"}


# -- Rituximab, prednisolone, PLEX, reversal, ventilation -------------------------------------------


def test_rituximab_by_body_surface_area() -> None:
    dose = doses({**MPA, "age_years": 9, "weight_kg": 25, "height_cm": 130}, INDUCTION)["rituximab_375_per_m2"]
    assert dose["amount"] == "350"  # BSA 0.95 m² × 375 = 356.25, rounded down to 10 mg
    assert "0.95 m² (Mosteller" in dose["calculation"]


@pytest.mark.parametrize(("weight", "amount"), [(49.9, "50"), (50, "60"), (75, "60"), (75.1, "75")])
def test_prednisolone_week_one_by_weight_band(weight: float, amount: str) -> None:
    assert doses({**MPA, "age_years": 50, "weight_kg": weight}, INDUCTION)["prednisolone_week1"]["amount"] == amount


def test_anti_gbm_exchange_volume_is_a_range_per_kg() -> None:
    dose = doses(
        {"etiology": "anti_gbm", "anti_gbm_positive": True, "age_years": 40, "weight_kg": 70},
        "plasma_exchange_anti_gbm_regimen",
    )["plasma_exchange_anti_gbm_volume"]
    assert dose["amount"] == "2800–3500" and dose["unit"] == "mL"


def test_no_exchange_volume_per_kg_for_a_child() -> None:
    assert (
        doses(
            {"etiology": "anti_gbm", "anti_gbm_positive": True, "age_years": 12, "weight_kg": 40},
            "plasma_exchange_anti_gbm_regimen",
        )
        == {}
    )


@pytest.mark.parametrize(
    ("inr", "weight", "amount"),
    [
        # 25 / 35 / 50 IU/kg for INR 2–<4 / 4–6 / >6, rounded down to 100 IU
        (2, 70, "1700"),
        (3.9, 70, "1700"),
        (4, 70, "2400"),
        (6, 70, "2400"),
        (6.1, 70, "3500"),
        (7.8, 130, "5000"),
    ],
)
def test_pcc_by_inr_band_with_weight_capped_at_100_kg(inr: float, weight: int, amount: str) -> None:
    data = {**MPA, "age_years": 60, "anticoagulant": "vitamin_k_antagonist", "inr": inr, "weight_kg": weight}
    assert doses(data, "reversal_vitamin_k_antagonist")["pcc_vka_by_inr"]["amount"] == amount


def test_pcc_below_inr_2_has_no_band() -> None:
    data = {**MPA, "age_years": 60, "anticoagulant": "vitamin_k_antagonist", "inr": 1.6, "weight_kg": 70}
    dose = doses(data, "reversal_vitamin_k_antagonist")["pcc_vka_by_inr"]
    assert dose["amount"] is None and any("no band for INR 1.6" in a for a in dose["adjustments"])


def test_tidal_volume_from_predicted_body_weight() -> None:
    data = {**MPA, "age_years": 50, "oxygen_support": "invasive_ventilation", "height_cm": 170, "sex": "female"}
    dose = doses(data, "lung_protective_ventilation")["tidal_volume_6_ml_per_kg_pbw"]
    assert dose["amount"] == "360"  # PBW 61.5 kg × 6 = 369, rounded down to 10 mL


def test_tidal_volume_names_sex_when_it_is_unknown() -> None:
    data = {**MPA, "age_years": 50, "oxygen_support": "invasive_ventilation", "height_cm": 170}
    dose = doses(data, "lung_protective_ventilation")["tidal_volume_6_ml_per_kg_pbw"]
    assert dose["amount"] is None and dose["missing"] == ["sex"]


def test_every_dose_says_confirm_before_prescribing_and_its_source() -> None:
    shown = doses({**MPA, "age_years": 50, "weight_kg": 70, "height_cm": 170, "egfr": 80}, INDUCTION)
    assert all(d["confirm"] == "Confirm before prescribing." and d["source"] for d in shown.values())


# -- Arithmetic ----------------------------------------------------------------------------------


def test_mosteller_body_surface_area() -> None:
    assert body_surface_area(Decimal(180), Decimal(80)) == Decimal("2.00")


@pytest.mark.parametrize(("sex", "pbw"), [("male", "66.0"), ("female", "61.5")])
def test_predicted_body_weight(sex: str, pbw: str) -> None:
    assert predicted_body_weight(Decimal(170), sex) == Decimal(pbw)
