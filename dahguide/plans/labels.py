"""Words for the codes of a plan document: one table per vocabulary.

Every surface that shows a plan reads these (the wizard's plan page and its "plan so far" panel,
the saved case, its print view, the case list, the re-evaluation), so a code is worded the same
everywhere. Codes are the engine's (``dahguide.engine.vocabulary``, CONTRACT); a code without an
entry is shown readably (``label_for``), never dropped. The engine's own explanation strings are
its audit trail and may name internal documents: the plan shows the plain wording below instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DECISION_LABELS: Mapping[str, str] = {
    "recommended": "Plasma exchange: recommended",
    "consider": "Plasma exchange: consider",
    "not_indicated": "Plasma exchange: not indicated",
    "insufficient_data": "Plasma exchange: not enough data to decide",
}

# The decision alone, for lists and filters: the same words as above, without the "Plasma exchange:".
DECISION_SHORT_LABELS: Mapping[str, str] = {
    code: label.removeprefix("Plasma exchange: ").capitalize() for code, label in DECISION_LABELS.items()
}

STATUS_LABELS: Mapping[str, str] = {
    "met": "Met",
    "not_met": "Not met",
    "unknown": "Unknown",
    "not_applicable": "Not applicable",
}
# A status is told by its word and its symbol (and the chip's border), never by colour alone.
STATUS_SYMBOLS: Mapping[str, str] = {"met": "●", "not_met": "○", "unknown": "?", "not_applicable": "–"}

# The four plasma-exchange criteria (KDIGO 2024 PP 9.3.1.9), short enough for a chip. The full
# label is the content's (texts ``criterion_*``), shown one layer down.
CRITERION_LABELS: Mapping[str, str] = {
    "creatinine_over_3_4_mg_dl": "Creatinine",
    "dialysis_or_rapidly_rising_creatinine": "Dialysis or rising creatinine",
    "dah_with_hypoxemia": "Hypoxemia",
    "anti_gbm_disease": "Anti-GBM disease",
}
# Why a criterion has its status, in plain clinical words.
CRITERION_EXPLANATIONS: Mapping[tuple[str, str], str] = {
    ("creatinine_over_3_4_mg_dl", "met"): "Creatinine is above the KDIGO 2024 threshold.",
    ("creatinine_over_3_4_mg_dl", "not_met"): "Creatinine is not above the KDIGO 2024 threshold.",
    ("creatinine_over_3_4_mg_dl", "unknown"): "Creatinine not recorded, or implausible for the unit entered.",
    ("dialysis_or_rapidly_rising_creatinine", "met"): "Dialysis for this episode, or creatinine rising rapidly.",
    ("dialysis_or_rapidly_rising_creatinine", "not_met"): "Neither dialysis for this episode nor a rapid rise.",
    ("dialysis_or_rapidly_rising_creatinine", "unknown"): "Dialysis or the creatinine trend not recorded.",
    ("dah_with_hypoxemia", "met"): "Hypoxemia is present.",
    ("dah_with_hypoxemia", "not_met"): "No hypoxemia.",
    ("dah_with_hypoxemia", "unknown"): "Oxygen support, SpO₂ or P/F ratio missing, so hypoxemia is unknown.",
    ("anti_gbm_disease", "met"): "Anti-GBM disease: plasma exchange is recommended (KDIGO 2021).",
    ("anti_gbm_disease", "not_met"): "Anti-GBM antibody negative, and the cause is not anti-GBM disease.",
    ("anti_gbm_disease", "unknown"): "Anti-GBM antibody pending or not sent: test it in any pulmonary-renal "
    "presentation.",
}
NOT_EVALUATED = "Not evaluated: the episode is not active (remission or maintenance planning)."
CHRONIC_DIALYSIS = "Not applicable: dialysis from before this episode makes the kidney criteria uninterpretable."

SECTION_TITLES: Mapping[str, str] = {
    "initial_management": "Initial management",
    "immunosuppression": "Immunosuppression",
    "plasma_exchange": "Plasma exchange",
    "adjunctive": "Adjunctive therapy",
    "etiology_specific": "Etiology-specific treatment",
    "monitoring": "Monitoring",
    "prognosis": "Prognosis: risk factors present",
    "special_considerations": "Special considerations",
}
# A recommendation listed under another heading than its content section, where a clinician looks
# for it: anti-GBM induction (cyclophosphamide with glucocorticoids, KDIGO 2024 ch. 10) is the
# immunosuppression that patient gets.
LISTED_UNDER: Mapping[str, str] = {"anti_gbm_induction": "immunosuppression"}

SEVERITY_LABELS: Mapping[str, str] = {"critical": "Critical", "warning": "Caution", "info": "Note"}

# Verification of a source or an item (REFERENCE tags [R], [S], [U]): a letter beside the item,
# explained once in a legend. Primary sources carry no marker.
VERIFICATION_MARKERS: Mapping[str, tuple[str, str]] = {
    "secondary": ("S", "secondary source: verify against the original"),
    "unverified": ("U", "unverified: not yet checked against a source"),
}

TIMING_LABELS: Mapping[str, str] = {"now": "Now", "next_24_hours": "Next 24 hours", "then": "Then"}
# Plan documents saved before recommendations had ``kind`` and ``timing`` (patient modifiers,
# docs/design/patient-modifiers.md) still show their actions, grouped by section.
SECTION_TIMING: Mapping[str, str] = {
    "initial_management": "now",
    "adjunctive": "now",
    "immunosuppression": "next_24_hours",
    "plasma_exchange": "next_24_hours",
    "etiology_specific": "next_24_hours",
    "special_considerations": "then",
}
STATEMENT_SECTIONS = frozenset({"prognosis"})

MODIFIER_LABELS: Mapping[str, str] = {
    "pregnant": "Pregnancy",
    "paediatric": "Age under 18",
    "older_age": "Older age",
    "kidney_impairment": "Kidney impairment",
    "low_platelets": "Low platelets",
    "anticoagulation_or_coagulopathy": "Anticoagulant or coagulopathy",
    "on_ecmo": "ECMO",
    "active_bleeding": "Bleeding not controlled",
}
# The inputs a dose can be waiting for (engine/doses.py ``missing``).
DOSE_INPUT_LABELS: Mapping[str, str] = {
    "weight_kg": "weight",
    "height_cm": "height",
    "sex": "sex",
    "age_years": "age",
    "inr": "INR",
}
POPULATION_LABELS: Mapping[str, str] = {"adult": "adults", "paediatric": "under 18"}

# Cautions are folded by what they are about, mostly a drug. A warning code not listed here goes
# under "Other cautions"; the engine's data-quality warnings go under "Data checks".
CAUTION_GROUPS: Mapping[str, str] = {
    "exclude_infection": "Infection",
    "pjp_prophylaxis": "Infection",
    "hbv_screening": "Rituximab",
    "rituximab_cautions": "Rituximab",
    "cyclophosphamide_cautions": "Cyclophosphamide",
    "avacopan_cautions": "Avacopan",
    "avacopan_limited_evidence_ventilated": "Avacopan",
    "plasma_exchange_cautions": "Plasma exchange",
    "glucocorticoid_reduced_taper": "Glucocorticoids",
    "hsct_high_dose_steroids_uncertain": "Glucocorticoids",
    "rfviia_antifibrinolytic_off_label": "Haemostatic agents",
    "no_anticoagulation_while_bleeding": "Anticoagulation",
    "ecmo_expert_centre": "ECMO",
    "pregnancy_specialist": "Pregnancy",
    "paediatric_dosing": "Children",
    "egfr_evidence_gap": "Evidence gaps",
    "egpa_evidence_gap": "Evidence gaps",
    "drug_induced_anca": "Cause",
    "inactive_episode": "Cause",
}
OTHER_CAUTIONS = "Other cautions"
DATA_CHECKS = "Data checks"
# The engine's "some inputs are missing" warning repeats the missing-answers list: shown once, there.
MISSING_DATA_WARNING = "missing_data"

# Strength text that marks an ungraded statement (a practice point, expert opinion, a narrative),
# as content writes it; anything else with a strength is a graded recommendation.
_UNGRADED = re.compile(r"ungraded|practice point|expert opinion|good practice|grade not", re.IGNORECASE)


def label_for(table: Mapping[str, str], code: str) -> str:
    """The table's words for a code, or the code made readable ("not_applicable" → "Not applicable")."""
    return table.get(code) or code.replace("_", " ").capitalize()


def is_graded(strength: str) -> bool:
    """A graded recommendation (KDIGO 1B, ACR/VF conditional) rather than an ungraded statement."""
    return bool(strength.strip()) and not _UNGRADED.search(strength.split(";")[0])
