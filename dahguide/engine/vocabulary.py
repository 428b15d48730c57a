"""The engine's vocabulary: the facts content may refer to, and the operators over them.

Content editors decide *which* recommendation applies to which facts (``applies_when``);
the facts themselves and the operators are code, so an edit can only combine what the
golden cases already exercise. ``validate_rule`` is shared by the admin, the fixture
loader and the tests, so there is one definition of a valid rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

UNKNOWN = "unknown"  # the token a rule uses to match an unknown (null) value

ETIOLOGIES = (
    "gpa",
    "mpa",
    "egpa",
    "anti_gbm",
    "aav_anti_gbm_double_positive",
    "sle",
    "other_autoimmune",
    "hsct",
    "infection",
    "drug_or_toxin",
    "coagulopathy",
    "unknown",
)
# REFERENCE §5: scope of the plasma-exchange rule and of induction.
SCOPE_AAV = frozenset({"gpa", "mpa", "egpa", "anti_gbm", "aav_anti_gbm_double_positive"})
OTHER_AI = frozenset({"sle", "other_autoimmune"})
NON_IMMUNE = frozenset({"hsct", "infection", "drug_or_toxin", "coagulopathy"})
ETIOLOGY_GROUPS = ("aav_scope", "other_immune", "non_immune", "unknown")

ANCA_TYPES = ("pr3", "mpo", "both", "negative", "pending", "not_tested")
OXYGEN_SUPPORT = (
    "room_air",
    "supplemental_oxygen",
    "high_flow",
    "noninvasive_ventilation",
    "invasive_ventilation",
    "ecmo",
)
PREGNANCY_STATUS = ("pregnant", "not_pregnant", "not_applicable")
SEXES = ("female", "male")  # REFERENCE §8.4: predicted body weight
# REFERENCE §8.3: what the patient was anticoagulated with; decides the reversal agent.
ANTICOAGULANTS = (
    "none",
    "vitamin_k_antagonist",
    "dabigatran",
    "factor_xa_inhibitor",
    "unfractionated_heparin",
    "lmwh",
    "antiplatelet",
)
HEMOPTYSIS_RATES = ("none", "slow", "brisk")
INFECTION_STATUS = ("excluded", "suspected", "confirmed")
PRIOR_INDUCTION_AGENTS = ("rituximab", "cyclophosphamide", "none")
STEROID_TOXICITY_FACTORS = ("diabetes", "obesity", "osteoporosis", "psychiatric", "prior_serious_infection", "frailty")
CREATININE_UNITS = ("mg/dL", "umol/L", "mmol/L")
PLEX_DECISIONS = ("recommended", "consider", "not_indicated", "insufficient_data")
CRITERION_STATUSES = ("met", "not_met", "unknown", "not_applicable")
PLEX_CRITERIA = (
    "creatinine_over_3_4_mg_dl",
    "dialysis_or_rapidly_rising_creatinine",
    "dah_with_hypoxemia",
    "anti_gbm_disease",
)
SECTIONS = (
    "initial_management",
    "immunosuppression",
    "plasma_exchange",
    "adjunctive",
    "etiology_specific",
    "monitoring",
    "prognosis",
    "special_considerations",
)
SEVERITIES = ("info", "warning", "critical")
VERIFICATION = ("primary", "secondary", "unverified")  # REFERENCE tags [R], [S], [U]

# REFERENCE §8.1: the patient modifiers every action declares a stance for (docs/design/patient-modifiers.md).
MODIFIERS = (
    "pregnant",
    "paediatric",
    "older_age",
    "kidney_impairment",
    "low_platelets",
    "anticoagulation_or_coagulopathy",
    "on_ecmo",
    "active_bleeding",
)
STANCES = ("unchanged", "dose_adjusted", "caveat", "withheld")
TIMINGS = ("now", "next_24_hours", "then")
RECOMMENDATION_KINDS = ("action", "statement")
DOSE_BASES = ("fixed", "per_kg", "per_m2", "per_kg_predicted_body_weight")
DOSE_POPULATIONS = ("adult", "paediatric", "all")
DOSE_BAND_INPUTS = ("age_years", "inr", "weight_kg")


@dataclass(frozen=True)
class FactSpec:
    name: str
    kind: str  # "boolean" or "choice"
    label: str
    values: tuple[str, ...] = ()  # allowed values of a choice fact


def _b(name: str, label: str) -> FactSpec:
    return FactSpec(name, "boolean", label)


def _c(name: str, label: str, values: Iterable[str]) -> FactSpec:
    return FactSpec(name, "choice", label, tuple(values))


# Every fact the engine computes and content may name in ``applies_when``.
FACTS: Mapping[str, FactSpec] = {
    f.name: f
    for f in (
        # Straight from the intake.
        _c("etiology", "Etiology", ETIOLOGIES),
        _c("anca_type", "ANCA type", ANCA_TYPES),
        _c("oxygen_support", "Oxygen support", OXYGEN_SUPPORT),
        _c("pregnancy_status", "Pregnancy status", PREGNANCY_STATUS),
        _c("hemoptysis_rate", "Hemoptysis rate", HEMOPTYSIS_RATES),
        _c("infection_status", "Infection status", INFECTION_STATUS),
        _c("prior_induction_agent", "Prior induction agent", PRIOR_INDUCTION_AGENTS),
        _b("active_dah", "Active DAH episode"),
        _b("anti_gbm_positive", "Anti-GBM antibody positive"),
        _b("fertility_preservation_desired", "Fertility preservation desired"),
        _b("bleeding_controlled", "Bleeding controlled"),
        _b("lung_involvement_over_50_percent", "More than 50% of lung involved"),
        _b("on_dialysis", "Dialysis for this episode"),
        _b("dialysis_chronic_preexisting", "Chronic dialysis before this episode"),
        _b("creatinine_rising_rapidly", "Creatinine rising rapidly"),
        _b("refractory_to_initial_therapy", "Refractory to initial therapy"),
        _b("kidney_transplant_candidate", "Kidney transplant candidate"),
        # Descriptive facts derived by the engine (facts.py).
        _c("etiology_group", "Etiology group (REFERENCE §5 scope)", ETIOLOGY_GROUPS),
        _b("hypoxemia", "Hypoxemia"),
        _b("severe_dah", "Severe DAH (PEXIVAS)"),
        _b("anti_gbm_disease", "Anti-GBM disease"),
        _b("high_steroid_toxicity_risk", "High steroid-toxicity risk"),
        _b("creatinine_over_plex_threshold", "Creatinine above the plasma-exchange threshold"),
        _b("creatinine_borderline", "Creatinine near the plasma-exchange threshold"),
        _b("creatinine_over_cyclophosphamide_threshold", "Creatinine above the cyclophosphamide-preference threshold"),
        _b("egfr_low", "eGFR below the low-eGFR threshold"),
        _b("platelets_below_transfusion_threshold", "Platelets below the transfusion threshold"),
        _b("rituximab_preferred", "A rituximab preference factor is present"),
        _b("older_age_prognosis", "Age above the older-age (prognosis) threshold"),
        _b("paediatric", "Age under 18"),
        _b(
            "remission_long_enough_for_transplant",
            "Complete remission for at least the transplant-timing threshold",
        ),
        _c("anticoagulant", "Anticoagulant or antiplatelet drug", ANTICOAGULANTS),
        _c("sex", "Sex", SEXES),
        # Patient modifiers (REFERENCE §8.1).
        _b("pregnant", "Pregnant"),
        _b("older_age", "Age at or above the cyclophosphamide older-age band"),
        _b("kidney_impairment", "eGFR below 30 or on dialysis"),
        _b("low_platelets", "Platelets below the thromboprophylaxis limit"),
        _b("anticoagulation_or_coagulopathy", "Anticoagulated, antiplatelet drug or coagulopathy"),
        _b("on_ecmo", "On ECMO"),
        _b("active_bleeding", "Bleeding not controlled"),
        # Etiology and respiratory facts of REFERENCE §8.2–8.4.
        _b("drug_induced_aav", "Drug-induced ANCA vasculitis (drug or toxin with PR3/MPO-ANCA)"),
        _b("pulmonary_renal_unknown_cause", "Pulmonary-renal syndrome of unknown cause"),
        _b("ventilated", "On invasive ventilation or ECMO"),
        _b("pf_below_ecmo_contact", "Adult with P/F below the ECMO-contact threshold on ventilatory support"),
        _b("ecmo_referral", "Adult on invasive ventilation with P/F below the ECMO-referral threshold, or on ECMO"),
        _b("life_threatening_episode", "Life-threatening episode (ventilated, ECMO candidate or plasma exchange)"),
        _b("inr_raised", "INR above the reversal threshold"),
        _b("fibrinogen_low", "Fibrinogen below the replacement threshold"),
        _b("obese", "Obesity (dosing weight)"),
        _b("creatinine_at_least_cyclops_band", "Creatinine in the CYCLOPS reduced-dose band"),
        _c("plasma_exchange_decision", "Plasma-exchange decision", PLEX_DECISIONS),
        _b("plasma_exchange_renal_criterion_met", "A kidney criterion for plasma exchange is met"),
    )
}
# Facts once named after the number of their threshold, which an editor can change. A published
# version is never edited, so content published under an old name keeps it: the engine reads it
# through this map, and an import or a new draft's copy writes the current name.
RENAMED_FACTS: Mapping[str, str] = {
    "age_over_65": "older_age_prognosis",
    "egfr_below_30": "egfr_low",
    "in_complete_remission_6_months": "remission_long_enough_for_transplant",
}


def current_fact(name: str) -> str:
    """The fact's current name: ``name`` itself unless it is one of ``RENAMED_FACTS``."""
    return RENAMED_FACTS.get(name, name)


# Facts set from the plasma-exchange check (plasma_exchange.py), and those that read it
# (facts.after_decision), after the descriptive facts.
DECISION_FACTS = frozenset(
    {
        "plasma_exchange_decision",
        "plasma_exchange_renal_criterion_met",
        "pulmonary_renal_unknown_cause",
        "life_threatening_episode",
    }
)

# Codes the engine reads from a snapshot (docs/design/engine-and-content.md); content gives the values.
THRESHOLD_CODES = (
    "hypoxemia_spo2_percent",
    "hypoxemia_pf_ratio_mmhg",
    "severe_dah_room_air_spo2_percent",
    "plex_creatinine_mg_dl",
    "creatinine_borderline_margin_mg_dl",
    "cyclophosphamide_creatinine_mg_dl",
    "platelet_transfusion_10e9_per_l",
    "transplant_remission_months",
    "older_age_years",
    "paediatric_age_years",
    "egfr_low_ml_min",
    # REFERENCE §8 (docs/design/patient-modifiers.md).
    "vte_prophylaxis_min_platelets",
    "cyclophosphamide_older_age_years",
    "inr_raised",
    "fibrinogen_low_g_per_l",
    "fibrinogen_low_pregnancy_g_per_l",
    "ecmo_contact_pf",
    "ecmo_referral_pf",
    "cyclophosphamide_creatinine_band_umol_l",
)
TEXT_CODES = (
    "disclaimer",
    "plex_decision_recommended",
    "plex_decision_consider",
    "plex_decision_not_indicated",
    "plex_decision_insufficient_data",
    "plex_decision_consider_refractory",
    *(f"criterion_{code}" for code in PLEX_CRITERIA),
)
# Data-quality warnings the engine emits itself (content gives their text, ``kind: data_quality``).
DATA_QUALITY_WARNINGS = (
    "creatinine_unit_implausible",
    "creatinine_borderline",
    "spo2_implausible",
    "pao2_fio2_ratio_implausible",
    "platelets_unit_implausible",
    "spo2_without_oxygen_support",
    "missing_data",
    "anti_gbm_positive_reclassify",
    "chronic_dialysis_renal_criteria_not_applicable",
    "spo2_below_plausible",
    "pao2_fio2_ratio_contradicts_spo2",
)

# Operators a condition may use; unknown never silently matches a negative test.
BOOLEAN_OPERATORS = {
    "is_true": "is true",
    "is_false": "is false",
    "is_unknown": "is unknown",
    "is_not_false": "is true or unknown",
    "is_not_true": "is false or unknown",
}
CHOICE_OPERATORS = {
    "in": "is one of",  # list "unknown" among the values to match an unknown answer
    "not_in": "is known and not one of",
    "is_unknown": "is unknown",
}


def validate_condition(fact: str, op: str, values: Iterable[str] = ()) -> list[str]:
    """Every reason a condition is invalid, in words an editor understands."""
    values = tuple(values)
    spec = FACTS.get(fact)
    if fact in RENAMED_FACTS:
        return [f"'{fact}' was renamed; use '{RENAMED_FACTS[fact]}' ({FACTS[RENAMED_FACTS[fact]].label})."]
    if spec is None:
        return [f"'{fact}' is not a fact the engine knows. Choose one of: {', '.join(sorted(FACTS))}."]
    errors: list[str] = []
    if spec.kind == "boolean":
        if op not in BOOLEAN_OPERATORS:
            errors.append(
                f"'{op}' cannot be used with '{fact}' (a yes/no fact); use one of: {', '.join(BOOLEAN_OPERATORS)}."
            )
        if values:
            errors.append(f"A yes/no condition on '{fact}' takes no values.")
    else:
        if op not in CHOICE_OPERATORS:
            errors.append(f"'{op}' cannot be used with '{fact}' (a choice); use one of: {', '.join(CHOICE_OPERATORS)}.")
        if op in {"in", "not_in"} and not values:
            errors.append(f"Choose at least one value of '{fact}'.")
        allowed = set(spec.values) | ({UNKNOWN} if op == "in" else set())
        unknown_values = [v for v in values if v not in allowed]
        if unknown_values:
            errors.append(
                f"{', '.join(repr(v) for v in unknown_values)} not allowed for '{fact}'; "
                f"allowed: {', '.join(sorted(allowed))}."
            )
        if op == "is_unknown" and values:
            errors.append(f"'is unknown' on '{fact}' takes no values.")
    return errors


def validate_rule(groups: Iterable[Iterable[Mapping[str, object]]]) -> list[str]:
    """Validate ``applies_when``: a list of groups (OR), each a list of conditions (AND)."""
    errors: list[str] = []
    for gi, group in enumerate(groups, start=1):
        conditions = list(group)
        if not conditions:
            errors.append(f"Group {gi} has no conditions.")
        for ci, cond in enumerate(conditions, start=1):
            for msg in validate_condition(
                str(cond.get("fact", "")),
                str(cond.get("op", "")),
                tuple(cond.get("values", ()) or ()),  # type: ignore[arg-type]
            ):
                errors.append(f"Group {gi}, condition {ci}: {msg}")
    return errors
