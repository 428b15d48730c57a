"""Golden cases of the engine, as data, so other components (API, wizard, evaluate command) can reuse them.

Each case: ``name``; ``intake`` (JSON as the API receives it); expected plasma-exchange
``decision``; ``criteria`` (the status of all four criteria); ``derived`` (a subset of the plan's
``derived`` block); optionally ``criteria_met`` and ``warnings`` (engine-emitted warning codes
that must be present). Expectations depend only on the thresholds of the design doc
(docs/design/engine-and-content.md), not on the wording or applicability rules of content.
"""

from __future__ import annotations

from typing import Any

C, D, H, G = (
    "creatinine_over_3_4_mg_dl", "dialysis_or_rapidly_rising_creatinine", "dah_with_hypoxemia", "anti_gbm_disease",
)
MET, NOT_MET, UNKNOWN, NA = "met", "not_met", "unknown", "not_applicable"


def statuses(c: str, d: str, h: str, g: str) -> dict[str, str]:
    return {C: c, D: d, H: h, G: g}


# Everything known and negative: an MPA patient on room air with normal kidney function.
NEGATIVE: dict[str, Any] = {
    "etiology": "mpa", "anca_type": "mpo", "anti_gbm_positive": False, "oxygen_support": "room_air",
    "spo2_percent": 96, "creatinine_value": 1.0, "creatinine_unit": "mg/dL", "on_dialysis": False,
    "creatinine_rising_rapidly": False,
}
ALL_NOT_MET = statuses(NOT_MET, NOT_MET, NOT_MET, NOT_MET)


def with_(**changes: Any) -> dict[str, Any]:
    return {**NEGATIVE, **changes}


GOLDEN_CASES: list[dict[str, Any]] = [
    # -- AAV scope: every criterion known and negative ---------------------------------------------
    {
        "name": "mpa_everything_known_and_negative_not_indicated",
        "intake": NEGATIVE, "decision": "not_indicated", "criteria": ALL_NOT_MET, "criteria_met": [],
        "derived": {
            "hypoxemia": False, "severe_dah": False, "creatinine_mg_dl": 1.0, "creatinine_umol_l": 88.4,
            "creatinine_borderline": False, "anti_gbm_disease": False, "etiology_group": "aav_scope",
        },
    },
    # -- Creatinine boundaries (REFERENCE §4.3: strict > 3.4 mg/dL after exact conversion) ---------
    {
        "name": "creatinine_3_4_mg_dl_is_not_above_threshold",
        "intake": with_(etiology="gpa", creatinine_value=3.4), "decision": "not_indicated", "criteria": ALL_NOT_MET,
        "derived": {"creatinine_mg_dl": 3.4, "creatinine_umol_l": 300.56, "creatinine_borderline": True},
        "warnings": ["creatinine_borderline"],
    },
    {
        "name": "creatinine_3_41_mg_dl_meets_criterion",
        "intake": with_(etiology="gpa", creatinine_value=3.41), "decision": "consider",
        "criteria": statuses(MET, NOT_MET, NOT_MET, NOT_MET), "criteria_met": [C],
        "derived": {"creatinine_over_plex_threshold": True, "creatinine_borderline": True},
    },
    {
        "name": "creatinine_300_umol_l_is_not_above_threshold",
        "intake": with_(creatinine_value=300, creatinine_unit="umol/L"), "decision": "not_indicated",
        "criteria": ALL_NOT_MET,
        "derived": {"creatinine_mg_dl": 3.39, "creatinine_umol_l": 300.0, "creatinine_borderline": True},
    },
    {
        "name": "creatinine_301_umol_l_meets_criterion",
        "intake": with_(creatinine_value=301, creatinine_unit="umol/L"), "decision": "consider",
        "criteria": statuses(MET, NOT_MET, NOT_MET, NOT_MET),
        "derived": {"creatinine_mg_dl": 3.4, "creatinine_umol_l": 301.0, "creatinine_over_plex_threshold": True},
    },
    {
        "name": "creatinine_0_3_mmol_l_equals_300_umol_l_not_met",
        "intake": with_(etiology="egpa", creatinine_value=0.3, creatinine_unit="mmol/L"), "decision": "not_indicated",
        "criteria": ALL_NOT_MET, "derived": {"creatinine_mg_dl": 3.39, "creatinine_umol_l": 300.0},
    },
    {
        "name": "creatinine_0_301_mmol_l_meets_criterion",
        "intake": with_(etiology="egpa", creatinine_value="0.301", creatinine_unit="mmol/L"), "decision": "consider",
        "criteria": statuses(MET, NOT_MET, NOT_MET, NOT_MET), "derived": {"creatinine_umol_l": 301.0},
    },
    {
        "name": "creatinine_4_mg_dl_is_not_above_cyclophosphamide_threshold",
        "intake": with_(creatinine_value=4), "decision": "consider",
        "criteria": statuses(MET, NOT_MET, NOT_MET, NOT_MET),
        "derived": {"creatinine_over_cyclophosphamide_threshold": False, "creatinine_borderline": False,
                    "creatinine_umol_l": 353.6},
    },
    {
        "name": "creatinine_4_01_mg_dl_is_above_cyclophosphamide_threshold",
        "intake": with_(creatinine_value=4.01), "decision": "consider",
        "criteria": statuses(MET, NOT_MET, NOT_MET, NOT_MET),
        "derived": {"creatinine_over_cyclophosphamide_threshold": True},
    },
    {
        "name": "creatinine_354_umol_l_is_above_cyclophosphamide_threshold",
        "intake": with_(creatinine_value=354, creatinine_unit="umol/L"), "decision": "consider",
        "criteria": statuses(MET, NOT_MET, NOT_MET, NOT_MET),
        "derived": {"creatinine_over_cyclophosphamide_threshold": True, "creatinine_mg_dl": 4.0},
    },
    # -- Dialysis or rapidly rising creatinine -----------------------------------------------------
    {
        "name": "dialysis_for_this_episode_meets_criterion",
        "intake": with_(on_dialysis=True), "decision": "consider",
        "criteria": statuses(NOT_MET, MET, NOT_MET, NOT_MET), "criteria_met": [D],
    },
    {
        "name": "rapidly_rising_creatinine_meets_criterion",
        "intake": with_(creatinine_rising_rapidly="yes"), "decision": "consider",
        "criteria": statuses(NOT_MET, MET, NOT_MET, NOT_MET),
    },
    {
        "name": "rising_unknown_without_dialysis_is_unknown_and_insufficient",
        "intake": with_(creatinine_rising_rapidly=None), "decision": "insufficient_data",
        "criteria": statuses(NOT_MET, UNKNOWN, NOT_MET, NOT_MET),
    },
    {
        "name": "chronic_dialysis_makes_kidney_criteria_not_applicable",
        "intake": with_(dialysis_chronic_preexisting=True, on_dialysis=True, creatinine_value=8),
        "decision": "not_indicated", "criteria": statuses(NA, NA, NOT_MET, NOT_MET), "criteria_met": [],
        "warnings": ["chronic_dialysis_renal_criteria_not_applicable"],
    },
    {
        "name": "chronic_dialysis_with_hypoxemia_still_considers_plasma_exchange",
        "intake": with_(dialysis_chronic_preexisting=True, oxygen_support="supplemental_oxygen"),
        "decision": "consider", "criteria": statuses(NA, NA, MET, NOT_MET), "criteria_met": [H],
    },
    # -- Hypoxemia and severity (REFERENCE §4.1, §5) -----------------------------------------------
    {
        "name": "supplemental_oxygen_is_hypoxemia",
        "intake": with_(oxygen_support="supplemental_oxygen", spo2_percent=94), "decision": "consider",
        "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET), "derived": {"hypoxemia": True, "severe_dah": None},
    },
    {
        "name": "pf_ratio_300_on_room_air_is_hypoxemia",
        "intake": with_(spo2_percent=None, pao2_fio2_ratio=300), "decision": "consider",
        "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET), "derived": {"hypoxemia": True},
    },
    {
        "name": "spo2_88_on_room_air_is_hypoxemia_but_not_severe",
        "intake": with_(spo2_percent=88), "decision": "consider", "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET),
        "derived": {"hypoxemia": True, "severe_dah": False},
    },
    {
        "name": "spo2_85_on_room_air_is_severe",
        "intake": with_(spo2_percent=85), "decision": "consider", "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET),
        "derived": {"hypoxemia": True, "severe_dah": True},
    },
    {
        "name": "invasive_ventilation_is_severe",
        "intake": with_(oxygen_support="invasive_ventilation", spo2_percent=93), "decision": "consider",
        "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET), "derived": {"hypoxemia": True, "severe_dah": True},
    },
    {
        "name": "noninvasive_ventilation_severity_unknown_without_room_air_spo2",
        "intake": with_(oxygen_support="noninvasive_ventilation", spo2_percent=92), "decision": "consider",
        "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET), "derived": {"hypoxemia": True, "severe_dah": None},
    },
    {
        "name": "spo2_without_oxygen_support_leaves_hypoxemia_unknown",
        "intake": with_(oxygen_support=None, spo2_percent=95), "decision": "insufficient_data",
        "criteria": statuses(NOT_MET, NOT_MET, UNKNOWN, NOT_MET), "derived": {"hypoxemia": None},
        "warnings": ["spo2_without_oxygen_support", "missing_data"],
    },
    {
        "name": "pf_ratio_above_300_with_unknown_support_is_not_hypoxemia",
        "intake": with_(oxygen_support=None, spo2_percent=None, pao2_fio2_ratio=350), "decision": "not_indicated",
        "criteria": ALL_NOT_MET, "derived": {"hypoxemia": False},
    },
    # -- Anti-GBM disease (REFERENCE §4.4, §2.22: recommended) -------------------------------------
    {
        "name": "anti_gbm_disease_is_recommended",
        "intake": {"etiology": "anti_gbm", "oxygen_support": "room_air", "spo2_percent": 97},
        "decision": "recommended", "criteria": statuses(UNKNOWN, UNKNOWN, NOT_MET, MET),
        "derived": {"anti_gbm_disease": True, "etiology_group": "aav_scope"},
    },
    {
        "name": "double_positive_is_recommended",
        "intake": with_(etiology="aav_anti_gbm_double_positive", anti_gbm_positive=True, creatinine_value=5),
        "decision": "recommended", "criteria": statuses(MET, NOT_MET, NOT_MET, MET), "criteria_met": [C, G],
    },
    {
        "name": "mpa_with_positive_antibody_is_recommended_and_flagged_for_reclassification",
        "intake": with_(anti_gbm_positive=True), "decision": "recommended",
        "criteria": statuses(NOT_MET, NOT_MET, NOT_MET, MET), "warnings": ["anti_gbm_positive_reclassify"],
    },
    {
        "name": "gpa_with_antibody_pending_and_criterion_met_is_consider",
        "intake": with_(etiology="gpa", anti_gbm_positive=None, on_dialysis=True), "decision": "consider",
        "criteria": statuses(NOT_MET, MET, NOT_MET, UNKNOWN), "derived": {"anti_gbm_disease": None},
    },
    {
        "name": "gpa_with_antibody_pending_and_rest_negative_is_insufficient",
        "intake": with_(etiology="gpa", anti_gbm_positive=None), "decision": "insufficient_data",
        "criteria": statuses(NOT_MET, NOT_MET, NOT_MET, UNKNOWN),
    },
    # -- Other autoimmune: only when refractory (REFERENCE §4.5) -----------------------------------
    {
        "name": "refractory_sle_with_hypoxemia_is_consider",
        "intake": with_(etiology="sle", oxygen_support="high_flow", refractory_to_initial_therapy=True),
        "decision": "consider", "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET), "criteria_met": [H],
        "derived": {"etiology_group": "other_immune"},
    },
    {
        "name": "non_refractory_sle_with_hypoxemia_is_not_indicated",
        "intake": with_(etiology="sle", oxygen_support="high_flow", refractory_to_initial_therapy=False),
        "decision": "not_indicated", "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET), "criteria_met": [H],
    },
    {
        "name": "sle_with_refractoriness_unknown_is_insufficient",
        "intake": with_(etiology="sle"), "decision": "insufficient_data", "criteria": ALL_NOT_MET,
    },
    {
        "name": "refractory_other_autoimmune_is_consider",
        "intake": with_(etiology="other_autoimmune", refractory_to_initial_therapy=True), "decision": "consider",
        "criteria": ALL_NOT_MET,
    },
    # -- Non-immune causes: not indicated, criteria still shown (REFERENCE §5) ---------------------
    {
        "name": "hsct_on_oxygen_not_indicated_with_hypoxemia_criterion_met",
        "intake": {"etiology": "hsct", "oxygen_support": "supplemental_oxygen", "platelets_10e9_per_l": 20},
        "decision": "not_indicated", "criteria": statuses(UNKNOWN, UNKNOWN, MET, UNKNOWN), "criteria_met": [H],
        "derived": {"etiology_group": "non_immune", "platelets_below_transfusion_threshold": True},
    },
    {
        "name": "infection_is_not_indicated",
        "intake": with_(etiology="infection", infection_status="confirmed", creatinine_value=5),
        "decision": "not_indicated", "criteria": statuses(MET, NOT_MET, NOT_MET, NOT_MET), "criteria_met": [C],
    },
    {
        "name": "drug_or_toxin_is_not_indicated",
        "intake": with_(etiology="drug_or_toxin", anca_type="both"), "decision": "not_indicated",
        "criteria": ALL_NOT_MET,
    },
    {
        "name": "coagulopathy_with_positive_antibody_is_recommended",
        "intake": with_(etiology="coagulopathy", anti_gbm_positive=True), "decision": "recommended",
        "criteria": statuses(NOT_MET, NOT_MET, NOT_MET, MET), "warnings": ["anti_gbm_positive_reclassify"],
    },
    # -- Unknown etiology and missing data ---------------------------------------------------------
    {
        "name": "unknown_etiology_is_insufficient_even_with_hypoxemia",
        "intake": with_(etiology="unknown", oxygen_support="high_flow"), "decision": "insufficient_data",
        "criteria": statuses(NOT_MET, NOT_MET, MET, NOT_MET), "derived": {"etiology_group": "unknown"},
    },
    {
        "name": "missing_etiology_with_positive_antibody_is_recommended",
        "intake": {"anti_gbm_positive": "true"}, "decision": "recommended",
        "criteria": statuses(UNKNOWN, UNKNOWN, UNKNOWN, MET),
    },
    {
        "name": "empty_intake_is_insufficient_with_every_criterion_unknown",
        "intake": {}, "decision": "insufficient_data", "criteria": statuses(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN),
        "derived": {
            "hypoxemia": None, "severe_dah": None, "creatinine_mg_dl": None, "creatinine_umol_l": None,
            "creatinine_borderline": None, "anti_gbm_disease": None, "high_steroid_toxicity_risk": None,
        },
        "warnings": ["missing_data"],
    },
    {
        "name": "inactive_dah_is_not_indicated_and_nothing_is_evaluated",
        "intake": with_(active_dah=False, oxygen_support="high_flow", creatinine_value=6),
        "decision": "not_indicated", "criteria": statuses(NA, NA, NA, NA), "criteria_met": [],
    },
    # -- Implausible-for-unit values become unknown with a warning (CONTRACT) ----------------------
    {
        "name": "creatinine_300_in_mg_dl_is_implausible_and_unknown",
        "intake": with_(creatinine_value=300, creatinine_unit="mg/dL"), "decision": "insufficient_data",
        "criteria": statuses(UNKNOWN, NOT_MET, NOT_MET, NOT_MET), "derived": {"creatinine_mg_dl": None},
        "warnings": ["creatinine_unit_implausible", "missing_data"],
    },
    {
        "name": "spo2_as_fraction_is_implausible_and_unknown",
        "intake": with_(spo2_percent=0.86), "decision": "insufficient_data",
        "criteria": statuses(NOT_MET, NOT_MET, UNKNOWN, NOT_MET), "warnings": ["spo2_implausible"],
    },
    {
        "name": "pf_ratio_computed_with_fio2_percent_is_implausible",
        "intake": with_(pao2_fio2_ratio=3), "decision": "not_indicated", "criteria": ALL_NOT_MET,
        "warnings": ["pao2_fio2_ratio_implausible"],
    },
    {
        "name": "platelets_per_microlitre_are_implausible_and_unknown",
        "intake": with_(platelets_10e9_per_l=3000), "decision": "not_indicated", "criteria": ALL_NOT_MET,
        "derived": {"platelets_below_transfusion_threshold": None}, "warnings": ["platelets_unit_implausible"],
    },
    # -- Steroid-toxicity risk and rituximab preference (REFERENCE §4.7, §4.9) ---------------------
    {
        "name": "any_steroid_toxicity_factor_means_high_risk",
        "intake": with_(steroid_toxicity_factors=["diabetes"]), "decision": "not_indicated", "criteria": ALL_NOT_MET,
        "derived": {"high_steroid_toxicity_risk": True, "rituximab_preferred": True},
    },
    {
        "name": "empty_steroid_checklist_means_no_high_risk",
        "intake": with_(
            steroid_toxicity_factors=[], age_years=50, fertility_preservation_desired=False,
            pregnancy_status="not_applicable",
        ),
        "decision": "not_indicated", "criteria": ALL_NOT_MET,
        "derived": {"high_steroid_toxicity_risk": False, "rituximab_preferred": False, "age_over_65": False},
    },
    {
        "name": "steroid_toxicity_risk_given_directly_is_kept",
        "intake": with_(high_steroid_toxicity_risk=True), "decision": "not_indicated", "criteria": ALL_NOT_MET,
        "derived": {"high_steroid_toxicity_risk": True},
    },
    {
        "name": "adolescent_is_paediatric_and_rituximab_preferred",
        "intake": with_(age_years=15), "decision": "not_indicated", "criteria": ALL_NOT_MET,
        "derived": {"paediatric": True, "rituximab_preferred": True, "age_over_65": False},
    },
    {
        "name": "age_70_is_over_65",
        "intake": with_(age_years=70, egfr=25), "decision": "not_indicated", "criteria": ALL_NOT_MET,
        "derived": {"age_over_65": True, "paediatric": False, "egfr_below_30": True, "rituximab_preferred": None},
    },
    # -- Transplant timing (KDIGO 2024 [S]: ≥ 6 months of complete remission) ----------------------
    {
        "name": "transplant_candidate_after_6_months_remission",
        "intake": {"etiology": "gpa", "active_dah": False, "kidney_transplant_candidate": True,
                   "months_in_complete_remission": 6},
        "decision": "not_indicated", "criteria": statuses(NA, NA, NA, NA),
        "derived": {"in_complete_remission_6_months": True},
    },
    {
        "name": "transplant_candidate_after_5_months_remission_is_too_early",
        "intake": {"etiology": "gpa", "active_dah": "no", "kidney_transplant_candidate": "yes",
                   "months_in_complete_remission": "5"},
        "decision": "not_indicated", "criteria": statuses(NA, NA, NA, NA),
        "derived": {"in_complete_remission_6_months": False},
    },
]
