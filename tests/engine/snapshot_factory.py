"""A small guideline snapshot for engine tests, independent of the real content (fixtures/guideline.json).

Thresholds and text codes are those of docs/design/engine-and-content.md; a few recommendations,
monitoring items, warnings and disagreements exercise the plan's assembly. ``snapshot_data()``
gives the document so a test can change one part and build its own ``Snapshot``.
"""

from __future__ import annotations

import copy
from typing import Any

from dahguide.engine.content import Snapshot
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import Plan, evaluate

THRESHOLDS = {
    # code: (value, unit, plausible_min, plausible_max)
    "hypoxemia_spo2_percent": ("90", "%", "80", "95"),
    "hypoxemia_pf_ratio_mmhg": ("300", "mmHg", "100", "400"),
    "severe_dah_room_air_spo2_percent": ("85", "%", "75", "92"),
    "plex_creatinine_mg_dl": ("3.4", "mg/dL", "1", "10"),
    "creatinine_borderline_margin_mg_dl": ("0.1", "mg/dL", "0", "1"),
    "cyclophosphamide_creatinine_mg_dl": ("4", "mg/dL", "1", "10"),
    "platelet_transfusion_10e9_per_l": ("50", "10^9/L", "10", "100"),
    "transplant_remission_months": ("6", "months", "1", "24"),
    "older_age_years": ("65", "years", "50", "90"),
    "paediatric_age_years": ("18", "years", "12", "21"),
    "egfr_low_ml_min": ("30", "mL/min/1.73 m²", "10", "60"),
    "vte_prophylaxis_min_platelets": ("50", "10^9/L", "10", "100"),
    "cyclophosphamide_older_age_years": ("60", "years", "50", "80"),
    "inr_raised": ("1.5", "", "1.1", "3"),
    "fibrinogen_low_g_per_l": ("1.5", "g/L", "0.5", "3"),
    "fibrinogen_low_pregnancy_g_per_l": ("2", "g/L", "1", "4"),
    "ecmo_contact_pf": ("150", "mmHg", "50", "250"),
    "ecmo_referral_pf": ("80", "mmHg", "40", "150"),
    "cyclophosphamide_creatinine_band_umol_l": ("300", "umol/L", "200", "600"),
}


def _when(*groups: list[tuple[str, str, list[str]]]) -> list[list[dict[str, Any]]]:
    return [[{"fact": fact, "op": op, "values": values} for fact, op, values in group] for group in groups]


ACTIVE = ("active_dah", "is_true", [])
AAV_INDUCTION = ("etiology", "in", ["gpa", "mpa", "egpa", "aav_anti_gbm_double_positive"])


def _rec(code: str, section: str, order: int, applies_when: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "section": section,
        "title": f"Title of {code}",
        "text": f"Text of {code}.",
        "strength": extra.pop("strength", ""),
        "citations": extra.pop("citations", ["kdigo_2024"]),
        "verification": extra.pop("verification", "primary"),
        "order": order,
        "last_reviewed": "2025-01-01",
        "applies_when": applies_when,
        **extra,
    }


def _warning(code: str, severity: str, kind: str, applies_when: list[Any], order: int = 0) -> dict[str, Any]:
    return {
        "code": code,
        "severity": severity,
        "kind": kind,
        "text": f"Warning {code}.",
        "citations": [],
        "applies_when": applies_when,
        "order": order,
        "verification": "secondary",
    }


DATA_QUALITY_SEVERITY = {
    "creatinine_unit_implausible": "warning",
    "creatinine_borderline": "warning",
    "spo2_implausible": "warning",
    "pao2_fio2_ratio_implausible": "warning",
    "platelets_unit_implausible": "warning",
    "spo2_without_oxygen_support": "info",
    "missing_data": "info",
    "anti_gbm_positive_reclassify": "warning",
    "chronic_dialysis_renal_criteria_not_applicable": "info",
}

_DATA: dict[str, Any] = {
    "version": "41",
    "title": "Test guideline",
    "published_at": "2025-01-01T00:00:00Z",
    "content_hash": "sha256:test",
    "citations": [
        {
            "key": "kdigo_2024",
            "label": "KDIGO 2024",
            "reference": "Kidney Int 2024;105(3S):S71-S116.",
            "url": "https://example.org/kdigo",
            "verification": "secondary",
        },
        {
            "key": "acr_2021",
            "label": "ACR/VF 2021",
            "reference": "Arthritis Care Res 2021;73:1088.",
            "url": "",
            "verification": "primary",
        },
        {
            "key": "kdigo_2021",
            "label": "KDIGO 2021",
            "reference": "Kidney Int 2021;100(4S).",
            "url": "",
            "verification": "secondary",
        },
    ],
    "thresholds": [
        {"code": code, "label": code, "value": value, "unit": unit, "plausible_min": low, "plausible_max": high}
        for code, (value, unit, low, high) in THRESHOLDS.items()
    ],
    "texts": {
        "disclaimer": "Test disclaimer.",
        "plex_decision_recommended": "PLEX recommended.",
        "plex_decision_consider": "Consider PLEX.",
        "plex_decision_not_indicated": "PLEX not indicated.",
        "plex_decision_insufficient_data": "Not enough data for PLEX.",
        "criterion_creatinine_over_3_4_mg_dl": "Creatinine above 3.4 mg/dL",
        "criterion_dialysis_or_rapidly_rising_creatinine": "Dialysis or rapidly rising creatinine",
        "criterion_dah_with_hypoxemia": "DAH with hypoxemia",
        "criterion_anti_gbm_disease": "Anti-GBM disease",
    },
    "plasma_exchange_citations": ["kdigo_2024", "kdigo_2021"],
    # Deliberately listed out of section order: the plan sorts by section, then by content order.
    "recommendations": [
        _rec(
            "kidney_transplant_timing",
            "special_considerations",
            10,
            _when([("kidney_transplant_candidate", "is_true", [])]),
        ),
        _rec(
            "plasma_exchange_dah_regimen",
            "plasma_exchange",
            10,
            _when([("plasma_exchange_decision", "in", ["consider"]), ("hypoxemia", "is_true", [])]),
        ),
        _rec(
            "plasma_exchange_renal_regimen",
            "plasma_exchange",
            20,
            _when(
                [
                    ("plasma_exchange_decision", "in", ["consider"]),
                    ("plasma_exchange_renal_criterion_met", "is_true", []),
                ]
            ),
        ),
        _rec(
            "plasma_exchange_anti_gbm_regimen",
            "plasma_exchange",
            30,
            _when([("plasma_exchange_decision", "in", ["recommended"])]),
        ),
        _rec("respiratory_support", "initial_management", 10, _when([ACTIVE, ("hypoxemia", "is_not_false", [])])),
        _rec(
            "glucocorticoid_pulse",
            "initial_management",
            20,
            _when([ACTIVE, ("etiology_group", "in", ["aav_scope", "other_immune"])]),
        ),
        _rec(
            "induction_glucocorticoid_plus_rituximab_or_cyclophosphamide",
            "immunosuppression",
            10,
            _when([ACTIVE, AAV_INDUCTION]),
            strength="KDIGO 1B",
            citations=["kdigo_2024", "acr_2021"],
        ),
        _rec(
            "cyclophosphamide_when_creatinine_over_4",
            "immunosuppression",
            20,
            _when([ACTIVE, AAV_INDUCTION, ("creatinine_over_cyclophosphamide_threshold", "is_true", [])]),
        ),
        _rec(
            "avacopan_steroid_sparing",
            "immunosuppression",
            30,
            _when([ACTIVE, ("etiology", "in", ["gpa", "mpa"]), ("high_steroid_toxicity_risk", "is_true", [])]),
        ),
        _rec(
            "platelet_transfusion", "adjunctive", 10, _when([("platelets_below_transfusion_threshold", "is_true", [])])
        ),
        _rec("hsct_supportive_care", "etiology_specific", 10, _when([("etiology", "in", ["hsct"])])),
        _rec("unknown_cause_workup", "etiology_specific", 20, _when([ACTIVE, ("etiology", "in", ["unknown"])])),
        _rec(
            "maintenance_after_remission",
            "special_considerations",
            5,
            _when([("active_dah", "is_false", []), AAV_INDUCTION]),
        ),
        _rec(
            "prognosis_no_hypoxemia",
            "prognosis",
            10,
            _when([("hypoxemia", "is_false", [])]),
            verification="unverified",
            citations=["not_in_content"],
        ),
    ],
    "monitoring": [
        {
            "code": "monitor_oxygenation",
            "text": "Monitor oxygenation.",
            "citations": [],
            "applies_when": [],
            "order": 10,
        },
        {
            "code": "monitor_igg_rituximab",
            "text": "IgG before rituximab.",
            "citations": ["kdigo_2024"],
            "applies_when": _when([ACTIVE, AAV_INDUCTION]),
            "order": 20,
        },
    ],
    "warnings": [
        _warning("exclude_infection", "warning", "red_flag", [], order=10),
        _warning(
            "no_anticoagulation_while_bleeding",
            "critical",
            "red_flag",
            _when([("bleeding_controlled", "is_not_true", [])]),
            order=20,
        ),
        _warning(
            "pregnancy_specialist", "critical", "red_flag", _when([("pregnancy_status", "in", ["pregnant"])]), order=30
        ),
        _warning("inactive_episode", "info", "red_flag", _when([("active_dah", "is_false", [])]), order=40),
        *(
            _warning(code, severity, "data_quality", [], order=100 + i)
            for i, (code, severity) in enumerate(DATA_QUALITY_SEVERITY.items())
        ),
    ],
    "disagreements": [
        {
            "code": "plex_kdigo",
            "topic": "plasma_exchange",
            "source": "KDIGO 2024",
            "position": "Consider PLEX.",
            "strength": "practice point",
            "citations": ["kdigo_2024"],
            "order": 10,
            "applies_when": _when([AAV_INDUCTION]),
        },
        {
            "code": "plex_acr",
            "topic": "plasma_exchange",
            "source": "ACR/VF 2021",
            "position": "Conditionally against PLEX in DAH.",
            "strength": "conditional",
            "citations": ["acr_2021"],
            "order": 20,
            "applies_when": _when([AAV_INDUCTION]),
        },
        {
            "code": "plex_kdigo_2021_anti_gbm",
            "topic": "plasma_exchange",
            "source": "KDIGO 2021",
            "position": "PLEX for anti-GBM disease.",
            "strength": "",
            "citations": ["kdigo_2021"],
            "order": 30,
            "applies_when": _when([("anti_gbm_disease", "is_true", [])]),
        },
        {
            "code": "induction_acr",
            "topic": "induction_glucocorticoid_plus_rituximab_or_cyclophosphamide",
            "source": "ACR/VF 2021",
            "position": "Prefers rituximab.",
            "strength": "conditional",
            "citations": ["acr_2021"],
            "order": 10,
            "applies_when": [],
        },
    ],
}


def snapshot_data() -> dict[str, Any]:
    """A fresh copy of the test document; change it freely."""
    return copy.deepcopy(_DATA)


def make_snapshot(data: dict[str, Any] | None = None) -> Snapshot:
    return Snapshot.from_dict(snapshot_data() if data is None else data)


def plan_for(data: dict[str, Any], snapshot: Snapshot | None = None) -> Plan:
    """Parse as the API does (implausible values become unknown), then evaluate."""
    result = parse_intake(data, implausible="unknown")
    assert result.errors == {}, result.errors
    return evaluate(result, snapshot or make_snapshot())
