from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from dahguide.engine.content import Snapshot
from dahguide.engine.facts import Facts, describe
from dahguide.engine.intake import Intake, parse_intake
from dahguide.engine.vocabulary import DECISION_FACTS, FACTS


def facts_of(data: dict[str, Any], snapshot: Snapshot) -> Facts:
    result = parse_intake(data)
    assert result.intake is not None, result.errors
    return describe(result.intake, snapshot)


def value(data: dict[str, Any], name: str, snapshot: Snapshot) -> Any:
    return facts_of(data, snapshot).value(name)


def test_describe_produces_every_vocabulary_fact_except_the_decision_facts(snapshot: Snapshot) -> None:
    assert set(describe(Intake(), snapshot)) == set(FACTS) - DECISION_FACTS


def test_every_fact_has_a_reason_whatever_its_value(snapshot: Snapshot) -> None:
    for intake in (Intake(), Intake(etiology="gpa", oxygen_support="room_air", spo2_percent=D("95"))):
        for fact in describe(intake, snapshot).values():
            assert fact.reasons, fact.name


def test_choice_facts_take_only_vocabulary_values(snapshot: Snapshot) -> None:
    facts = facts_of({"etiology": "sle", "anca_type": "negative", "oxygen_support": "ecmo"}, snapshot)
    for name, spec in FACTS.items():
        if spec.kind == "choice" and name in facts and facts.value(name) is not None:
            assert facts.value(name) in spec.values


# -- Hypoxemia: REFERENCE §4.1 / §5 truth table ----------------------------------------------------

HYPOXEMIA = [
    # oxygen_support, spo2, pf -> hypoxemia
    ("supplemental_oxygen", None, None, True),
    ("high_flow", 99, 450, True),
    ("noninvasive_ventilation", None, None, True),
    ("invasive_ventilation", None, None, True),
    ("ecmo", None, None, True),
    ("room_air", None, 300, True),
    (None, None, 300, True),
    ("room_air", 89, None, True),
    (None, 89, None, True),
    ("room_air", 89.9, 350, True),
    ("room_air", 95, 280, True),
    ("room_air", None, 301, False),
    (None, None, 301, False),
    ("room_air", 90, None, False),
    ("room_air", 99, 450, False),
    ("room_air", None, None, None),
    (None, 90, None, None),
    (None, 95, None, None),
    (None, None, None, None),
]


@pytest.mark.parametrize(("support", "spo2", "pf", "expected"), HYPOXEMIA)
def test_hypoxemia_truth_table(
    support: str | None, spo2: Any, pf: Any, expected: bool | None, snapshot: Snapshot
) -> None:
    data = {"oxygen_support": support, "spo2_percent": spo2, "pao2_fio2_ratio": pf}
    assert value(data, "hypoxemia", snapshot) is expected


def test_hypoxemia_reasons_are_words_a_clinician_can_check(snapshot: Snapshot) -> None:
    facts = facts_of({"oxygen_support": "high_flow", "spo2_percent": 86}, snapshot)
    assert facts["hypoxemia"].reasons == ("on high-flow oxygen", "SpO₂ 86% on high-flow oxygen (< 90%)")
    facts = facts_of({"oxygen_support": "room_air", "spo2_percent": 86}, snapshot)
    assert facts["hypoxemia"].reasons == ("SpO₂ 86% on room air (< 90%)",)


def test_unknown_hypoxemia_says_what_is_missing(snapshot: Snapshot) -> None:
    assert facts_of({"spo2_percent": 95}, snapshot)["hypoxemia"].reasons == (
        "oxygen support, P/F ratio not recorded (SpO₂ 95%)",
    )


def test_hypoxemia_thresholds_come_from_the_snapshot() -> None:
    from tests.engine.snapshot_factory import make_snapshot, snapshot_data

    data = snapshot_data()
    for threshold in data["thresholds"]:
        if threshold["code"] == "hypoxemia_spo2_percent":
            threshold["value"] = "92"
    assert value({"oxygen_support": "room_air", "spo2_percent": 91}, "hypoxemia", make_snapshot(data)) is True


# -- Severe DAH (PEXIVAS) --------------------------------------------------------------------------

SEVERE = [
    ("invasive_ventilation", None, True),
    ("ecmo", 98, True),
    ("room_air", 85, True),
    ("room_air", 86, False),
    ("supplemental_oxygen", 84, True),  # oxygen only raises saturation
    (None, 80, True),
    ("supplemental_oxygen", 92, None),
    ("high_flow", None, None),
    ("noninvasive_ventilation", 95, None),  # NIV is not counted as mechanical ventilation
    ("room_air", None, None),
    (None, 95, None),
]


@pytest.mark.parametrize(("support", "spo2", "expected"), SEVERE)
def test_severe_dah_truth_table(support: str | None, spo2: Any, expected: bool | None, snapshot: Snapshot) -> None:
    assert value({"oxygen_support": support, "spo2_percent": spo2}, "severe_dah", snapshot) is expected


# -- Anti-GBM disease (REFERENCE §4.4) ------------------------------------------------------------

ANTI_GBM = [
    ("anti_gbm", None, True),
    ("anti_gbm", False, True),
    ("aav_anti_gbm_double_positive", None, True),
    ("mpa", True, True),
    (None, True, True),
    ("mpa", False, False),
    (None, False, False),
    ("mpa", None, None),
    (None, None, None),
]


@pytest.mark.parametrize(("etiology", "antibody", "expected"), ANTI_GBM)
def test_anti_gbm_disease_truth_table(
    etiology: str | None, antibody: bool | None, expected: bool | None, snapshot: Snapshot
) -> None:
    assert value({"etiology": etiology, "anti_gbm_positive": antibody}, "anti_gbm_disease", snapshot) is expected


# -- Steroid-toxicity risk (REFERENCE §4.7) --------------------------------------------------------

STEROID = [
    ({"steroid_toxicity_factors": ["obesity"]}, True),
    ({"steroid_toxicity_factors": ["obesity"], "high_steroid_toxicity_risk": False}, True),
    ({"high_steroid_toxicity_risk": True}, True),
    ({"high_steroid_toxicity_risk": False}, False),
    ({"steroid_toxicity_factors": [], "high_steroid_toxicity_risk": True}, True),
    ({"steroid_toxicity_factors": []}, False),
    ({}, None),
]


@pytest.mark.parametrize(("data", "expected"), STEROID)
def test_high_steroid_toxicity_risk(data: dict[str, Any], expected: bool | None, snapshot: Snapshot) -> None:
    assert value(data, "high_steroid_toxicity_risk", snapshot) is expected


def test_steroid_toxicity_reasons_name_the_factors(snapshot: Snapshot) -> None:
    assert facts_of({"steroid_toxicity_factors": ["diabetes"]}, snapshot)["high_steroid_toxicity_risk"].reasons == (
        "diabetes (steroid-toxicity risk factor)",
    )


# -- Creatinine ------------------------------------------------------------------------------------


def test_creatinine_facts_are_unknown_without_creatinine(snapshot: Snapshot) -> None:
    facts = facts_of({}, snapshot)
    assert facts.creatinine_mg_dl is None
    for name in (
        "creatinine_over_plex_threshold",
        "creatinine_borderline",
        "creatinine_over_cyclophosphamide_threshold",
    ):
        assert facts.value(name) is None


def test_creatinine_is_kept_exact_in_both_units(snapshot: Snapshot) -> None:
    facts = facts_of({"creatinine_value": 300, "creatinine_unit": "umol/L"}, snapshot)
    assert facts.creatinine_umol_l == D("300")
    assert facts.creatinine_mg_dl == D("300") / D("88.4")
    assert facts.creatinine_shown == "300 µmol/L (3.39 mg/dL)"


def test_creatinine_reason_states_both_units_and_the_threshold(snapshot: Snapshot) -> None:
    facts = facts_of({"creatinine_value": 301, "creatinine_unit": "umol/L"}, snapshot)
    assert facts["creatinine_over_plex_threshold"].reasons == (
        "creatinine 301 µmol/L (3.405 mg/dL), above 3.4 mg/dL (300.56 µmol/L)",
    )


@pytest.mark.parametrize(
    ("value_", "unit", "expected"),
    [
        ("3.29", "mg/dL", False),
        ("3.3", "mg/dL", True),
        ("3.5", "mg/dL", True),
        ("3.51", "mg/dL", False),
        ("291.72", "umol/L", True),
        ("291.7", "umol/L", False),
    ],
)
def test_creatinine_borderline_is_within_0_1_mg_dl(value_: str, unit: str, expected: bool, snapshot: Snapshot) -> None:
    data = {"creatinine_value": value_, "creatinine_unit": unit}
    assert value(data, "creatinine_borderline", snapshot) is expected


# -- Simple threshold facts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        ({"platelets_10e9_per_l": 49}, "platelets_below_transfusion_threshold", True),
        ({"platelets_10e9_per_l": 50}, "platelets_below_transfusion_threshold", False),
        ({"egfr": 29}, "egfr_low", True),
        ({"egfr": 30}, "egfr_low", False),
        ({"age_years": 66}, "older_age_prognosis", True),
        ({"age_years": 65}, "older_age_prognosis", False),
        ({"age_years": 17}, "paediatric", True),
        ({"age_years": 18}, "paediatric", False),
        ({"months_in_complete_remission": 6}, "remission_long_enough_for_transplant", True),
        ({"months_in_complete_remission": 5}, "remission_long_enough_for_transplant", False),
        ({}, "older_age_prognosis", None),
        ({}, "remission_long_enough_for_transplant", None),
    ],
)
def test_threshold_facts(data: dict[str, Any], name: str, expected: bool | None, snapshot: Snapshot) -> None:
    assert value(data, name, snapshot) is expected


@pytest.mark.parametrize(
    ("etiology", "group"),
    [
        ("gpa", "aav_scope"),
        ("anti_gbm", "aav_scope"),
        ("sle", "other_immune"),
        ("other_autoimmune", "other_immune"),
        ("hsct", "non_immune"),
        ("coagulopathy", "non_immune"),
        ("unknown", "unknown"),
        (None, "unknown"),
    ],
)
def test_etiology_group(etiology: str | None, group: str, snapshot: Snapshot) -> None:
    assert value({"etiology": etiology}, "etiology_group", snapshot) == group


# -- Rituximab preference (REFERENCE §4.9) --------------------------------------------------------

ALL_ABSENT = {
    "age_years": 50,
    "fertility_preservation_desired": False,
    "anca_type": "mpo",
    "steroid_toxicity_factors": [],
    "pregnancy_status": "not_pregnant",
}


def test_rituximab_not_preferred_only_when_every_factor_is_known_and_absent(snapshot: Snapshot) -> None:
    assert value(ALL_ABSENT, "rituximab_preferred", snapshot) is False


@pytest.mark.parametrize("missing", sorted(ALL_ABSENT))
def test_rituximab_preference_stays_unknown_when_one_factor_is_unknown(missing: str, snapshot: Snapshot) -> None:
    data = {**ALL_ABSENT, missing: None}
    assert value(data, "rituximab_preferred", snapshot) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"age_years": 16}, "age 16 years (under 18)"),
        ({"fertility_preservation_desired": True}, "fertility preservation desired"),
        ({"anca_type": "pr3"}, "PR3-ANCA"),
        ({"steroid_toxicity_factors": ["frailty"]}, "frailty"),
        ({"steroid_toxicity_factors": ["psychiatric"]}, "high steroid-toxicity risk (glucocorticoid sparing)"),
        ({"pregnancy_status": "pregnant"}, "pregnant (rituximab usable; cyclophosphamide avoided)"),
    ],
)
def test_any_rituximab_factor_makes_it_preferred_even_with_others_unknown(
    change: dict[str, Any], reason: str, snapshot: Snapshot
) -> None:
    facts = facts_of(change, snapshot)
    assert facts.value("rituximab_preferred") is True
    assert reason in facts["rituximab_preferred"].reasons


@pytest.mark.parametrize("anca", ["pending", "not_tested"])
def test_pending_anca_leaves_rituximab_preference_unknown(anca: str, snapshot: Snapshot) -> None:
    assert value({**ALL_ABSENT, "anca_type": anca}, "rituximab_preferred", snapshot) is None


# -- Intake facts ----------------------------------------------------------------------------------


def test_intake_facts_carry_unknown_as_unknown(snapshot: Snapshot) -> None:
    facts = facts_of({}, snapshot)
    assert facts.value("on_dialysis") is None
    assert facts["on_dialysis"].reasons == ("Dialysis for this episode not recorded",)


def test_intake_fact_reasons_read_as_statements(snapshot: Snapshot) -> None:
    facts = facts_of({"etiology": "mpa", "on_dialysis": False, "oxygen_support": "high_flow"}, snapshot)
    assert facts["etiology"].reasons == ("etiology is MPA",)
    assert facts["on_dialysis"].reasons == ("not on dialysis for this episode",)
    assert facts["oxygen_support"].reasons == ("on high-flow oxygen",)
