"""Descriptive facts: what the patient *is*, each with the reasons a clinician can check.

CPG-on-FHIR style: this module describes (hypoxemic, severe, creatinine above a threshold); the
decisions (plasma exchange, which recommendation applies) read these facts and never the raw
intake. A fact is true, false, a choice value, or None (unknown). Unknown is never turned into
false: a fact is false only when the inputs that could make it true are known and absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from . import units
from .content import Snapshot
from .intake import FIELDS, Intake
from .vocabulary import NON_IMMUNE, OTHER_AI, SCOPE_AAV

FactValue = bool | str | None


@dataclass(frozen=True)
class Fact:
    name: str
    value: FactValue
    reasons: tuple[str, ...] = ()

    def truth(self) -> bool | None:
        """The value of a boolean fact: true, false or None (unknown)."""
        if isinstance(self.value, str):
            raise TypeError(f"{self.name} is a choice fact, not a boolean one")
        return self.value


@dataclass(frozen=True)
class Facts(Mapping[str, Fact]):
    """Facts by name, plus the creatinine in both units (exact; round only for display)."""

    by_name: Mapping[str, Fact] = field(default_factory=lambda: MappingProxyType({}))
    creatinine_mg_dl: Decimal | None = None
    creatinine_umol_l: Decimal | None = None
    creatinine_shown: str | None = None  # "300 µmol/L (3.39 mg/dL)"

    def __getitem__(self, name: str) -> Fact:
        return self.by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)

    def __len__(self) -> int:
        return len(self.by_name)

    def value(self, name: str) -> FactValue:
        fact = self.by_name.get(name)
        return fact.value if fact is not None else None

    def reasons(self, name: str) -> tuple[str, ...]:
        fact = self.by_name.get(name)
        return fact.reasons if fact is not None else ()

    def with_facts(self, *new: Fact) -> Facts:
        merged = dict(self.by_name)
        merged.update((f.name, f) for f in new)
        return Facts(MappingProxyType(merged), self.creatinine_mg_dl, self.creatinine_umol_l, self.creatinine_shown)


# Facts copied from the intake as they are (vocabulary.FACTS, "Straight from the intake").
INTAKE_FACTS = (
    "etiology",
    "anca_type",
    "oxygen_support",
    "pregnancy_status",
    "hemoptysis_rate",
    "infection_status",
    "prior_induction_agent",
    "active_dah",
    "anti_gbm_positive",
    "fertility_preservation_desired",
    "bleeding_controlled",
    "lung_involvement_over_50_percent",
    "on_dialysis",
    "dialysis_chronic_preexisting",
    "creatinine_rising_rapidly",
    "refractory_to_initial_therapy",
    "kidney_transplant_candidate",
    "anticoagulant",
    "sex",
)
_CHOICE_REASONS = {
    "etiology": "etiology is {}",
    "anca_type": "{}",
    "oxygen_support": "on {}",
    "pregnancy_status": "pregnancy status: {}",
    "hemoptysis_rate": "hemoptysis rate: {}",
    "infection_status": "infection {}",
    "prior_induction_agent": "induction agent already given: {}",
    "anticoagulant": "anticoagulant: {}",
    "sex": "sex: {}",
}
ANCA_POSITIVE = frozenset({"pr3", "mpo", "both"})
VENTILATORY_SUPPORT = frozenset({"noninvasive_ventilation", "invasive_ventilation"})
# REFERENCE §4.1: any oxygen support beyond room air counts as hypoxemia.
OXYGEN_SUPPORT_ABOVE_ROOM_AIR = frozenset(
    {"supplemental_oxygen", "high_flow", "noninvasive_ventilation", "invasive_ventilation", "ecmo"}
)
ANTI_GBM_ETIOLOGIES = frozenset({"anti_gbm", "aav_anti_gbm_double_positive"})


def describe(intake: Intake, snapshot: Snapshot) -> Facts:
    """Every fact of ``vocabulary.FACTS`` except ``DECISION_FACTS`` (added by the plasma-exchange check)."""
    t = snapshot.threshold
    facts: list[Fact] = [_intake_fact(intake, name) for name in INTAKE_FACTS]
    facts += [
        etiology_group(intake),
        hypoxemia(intake, t("hypoxemia_spo2_percent"), t("hypoxemia_pf_ratio_mmhg")),
        severe_dah(intake, t("severe_dah_room_air_spo2_percent")),
        anti_gbm_disease(intake),
        high_steroid_toxicity_risk(intake),
        *creatinine_facts(
            intake,
            t("plex_creatinine_mg_dl"),
            t("creatinine_borderline_margin_mg_dl"),
            t("cyclophosphamide_creatinine_mg_dl"),
        ),
        # KDIGO 2024 Fig 10 [S]: cyclophosphamide dose reduction below eGFR 30.
        _below("egfr_low", intake.egfr, t("egfr_low_ml_min"), "eGFR", "mL/min/1.73 m²"),
        # REFERENCE §2.8: expert practice, no verified guideline target [S].
        _below(
            "platelets_below_transfusion_threshold",
            intake.platelets_10e9_per_l,
            t("platelet_transfusion_10e9_per_l"),
            "platelets",
            "×10⁹/L",
        ),
        _age_over("older_age_prognosis", intake.age_years, t("older_age_years")),  # Quartuccio 2020 (prognosis)
        _below("paediatric", _dec(intake.age_years), t("paediatric_age_years"), "age", "years"),  # ACR 2021 Table 1
        _remission(intake.months_in_complete_remission, t("transplant_remission_months")),
        drug_induced_aav(intake),
        creatinine_cyclops_band(intake, t("cyclophosphamide_creatinine_band_umol_l")),
    ]
    facts.append(rituximab_preferred(intake, _by_name(facts)))
    facts += modifiers(intake, _by_name(facts), snapshot)
    value, unit = intake.creatinine_value, intake.creatinine_unit
    if value is None or unit is None:
        return Facts(MappingProxyType(_by_name(facts)))
    return Facts(
        MappingProxyType(_by_name(facts)),
        units.creatinine_to_mg_dl(value, unit),
        units.creatinine_to_umol_l(value, unit),
        creatinine_display(value, unit, snapshot),
    )


def creatinine_display(value: Decimal, unit: str, snapshot: Snapshot) -> str:
    """Both units; near a threshold the mg/dL value gets the decimals that show which side it is on."""
    avoid = (snapshot.threshold("plex_creatinine_mg_dl"), snapshot.threshold("cyclophosphamide_creatinine_mg_dl"))
    return units.format_creatinine(value, unit, avoid_mg_dl=avoid)


def _by_name(facts: Iterable[Fact]) -> dict[str, Fact]:
    return {f.name: f for f in facts}


def _dec(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _n(value: Decimal) -> str:
    return units.format_decimal(value)


def _intake_fact(intake: Intake, name: str) -> Fact:
    spec = FIELDS[name]
    value = getattr(intake, name)
    if value is None:
        return Fact(name, None, (f"{spec.label} not recorded",))
    if spec.kind == "boolean":
        return Fact(name, value, (spec.yes_text if value else spec.no_text,))
    return Fact(name, value, (_CHOICE_REASONS[name].format(spec.choice_label(value)),))


def etiology_group(intake: Intake) -> Fact:
    """REFERENCE §5: the scope groups of the plasma-exchange and induction rules."""
    e = intake.etiology
    if drug_induced_aav(intake).value is True:  # REFERENCE §8.2: product-owner decision, joins SCOPE_AAV
        anca = FIELDS["anca_type"].choice_label(intake.anca_type)  # type: ignore[arg-type]
        reason = f"etiology is a drug or toxin with {anca}: drug-induced ANCA vasculitis"
        return Fact("etiology_group", "aav_scope", (reason,))
    if e in SCOPE_AAV:
        group = "aav_scope"
    elif e in OTHER_AI:
        group = "other_immune"
    elif e in NON_IMMUNE:
        group = "non_immune"
    else:
        return Fact("etiology_group", "unknown", ("etiology not recorded or work-up pending",))
    return Fact("etiology_group", group, (f"etiology is {FIELDS['etiology'].choice_label(e)}",))


def hypoxemia(intake: Intake, spo2_threshold: Decimal, pf_threshold: Decimal) -> Fact:
    """REFERENCE §4.1 and §5, exactly; every reason that supports the answer is listed.

    True: any support beyond room air, P/F ≤ threshold, or SpO₂ < threshold (any support).
    False: P/F > threshold on room air or unknown support, or room-air SpO₂ ≥ threshold.
    Otherwise unknown.
    """
    support, spo2, pf = intake.oxygen_support, intake.spo2_percent, intake.pao2_fio2_ratio
    support_text = _support_text(support)
    true_reasons: list[str] = []
    if support in OXYGEN_SUPPORT_ABOVE_ROOM_AIR:
        true_reasons.append(support_text)
    if pf is not None and pf <= pf_threshold:
        true_reasons.append(f"P/F ratio {_n(pf)} mmHg (≤ {_n(pf_threshold)})")
    if spo2 is not None and spo2 < spo2_threshold:
        where = f" {support_text}" if support is not None else ", oxygen support not recorded"
        true_reasons.append(f"SpO₂ {_n(spo2)}%{where} (< {_n(spo2_threshold)}%)")
    if true_reasons:
        return Fact("hypoxemia", True, tuple(true_reasons))

    false_reasons: list[str] = []
    if pf is not None and pf > pf_threshold and support in {"room_air", None}:
        where = " on room air" if support == "room_air" else ", oxygen support not recorded"
        false_reasons.append(f"P/F ratio {_n(pf)} mmHg{where} (> {_n(pf_threshold)})")
    if support == "room_air" and spo2 is not None and spo2 >= spo2_threshold:
        false_reasons.append(f"SpO₂ {_n(spo2)}% on room air (≥ {_n(spo2_threshold)}%)")
    if false_reasons:
        return Fact("hypoxemia", False, tuple(false_reasons))

    missing = [label for label, v in (("oxygen support", support), ("SpO₂", spo2), ("P/F ratio", pf)) if v is None]
    known = []
    if spo2 is not None:
        known.append(f"SpO₂ {_n(spo2)}%")
    if support is not None:
        known.append(support_text)
    text = f"{', '.join(missing)} not recorded" if missing else "oxygenation not classifiable"
    return Fact("hypoxemia", None, (text + (f" ({', '.join(known)})" if known else ""),))


def severe_dah(intake: Intake, room_air_spo2_threshold: Decimal) -> Fact:
    """Severe DAH as PEXIVAS defined it (Fussner 2024): room-air SpO₂ ≤ 85% or mechanical ventilation.

    Choices (REFERENCE §4.1, §2.4): ECMO counts with invasive ventilation. Non-invasive
    ventilation is not counted as mechanical ventilation (unclear in PEXIVAS), so on NIV,
    oxygen or high flow severity is unknown, unless SpO₂ is already ≤ 85% on that support:
    oxygen only raises saturation, so the room-air value would be ≤ 85% too.
    """
    support, spo2 = intake.oxygen_support, intake.spo2_percent
    if support in {"invasive_ventilation", "ecmo"}:
        return Fact("severe_dah", True, (_support_text(support),))
    if spo2 is not None and spo2 <= room_air_spo2_threshold:
        where = _support_text(support) if support is not None else "oxygen support not recorded"
        return Fact("severe_dah", True, (f"SpO₂ {_n(spo2)}% ({where}; ≤ {_n(room_air_spo2_threshold)}%)",))
    if support == "room_air" and spo2 is not None:
        return Fact("severe_dah", False, (f"SpO₂ {_n(spo2)}% on room air (> {_n(room_air_spo2_threshold)}%)",))
    if support is None:
        reason = "oxygen support not recorded"
    elif support == "room_air":
        reason = "SpO₂ on room air not recorded"
    else:
        reason = f"{_support_text(support)}; room-air SpO₂ not known"
    return Fact("severe_dah", None, (reason,))


def _support_text(support: str | None) -> str:
    if support is None:
        return "oxygen support not recorded"
    return f"on {FIELDS['oxygen_support'].choice_label(support)}"


def anti_gbm_disease(intake: Intake) -> Fact:
    """REFERENCE §4.4: anti-GBM etiology, or a positive antibody whatever the etiology label."""
    reasons: list[str] = []
    if intake.etiology in ANTI_GBM_ETIOLOGIES:
        reasons.append(f"etiology is {FIELDS['etiology'].choice_label(intake.etiology)}")
    if intake.anti_gbm_positive is True:
        reasons.append("anti-GBM antibody positive")
    if reasons:
        return Fact("anti_gbm_disease", True, tuple(reasons))
    if intake.anti_gbm_positive is False:
        return Fact("anti_gbm_disease", False, ("anti-GBM antibody negative",))
    return Fact("anti_gbm_disease", None, ("anti-GBM antibody pending or not sent",))


def high_steroid_toxicity_risk(intake: Intake) -> Fact:
    """REFERENCE §4.7: any checklist factor ⇒ true; else a direct answer; an empty checklist ⇒ false."""
    spec = FIELDS["steroid_toxicity_factors"]
    factors = intake.steroid_toxicity_factors
    if factors:
        return Fact(
            "high_steroid_toxicity_risk",
            True,
            tuple(f"{spec.choice_label(f)} (steroid-toxicity risk factor)" for f in factors),
        )
    direct = intake.high_steroid_toxicity_risk
    if direct is not None:
        direct_spec = FIELDS["high_steroid_toxicity_risk"]
        return Fact("high_steroid_toxicity_risk", direct, (direct_spec.yes_text if direct else direct_spec.no_text,))
    if factors == ():
        return Fact("high_steroid_toxicity_risk", False, ("no steroid-toxicity risk factor present",))
    return Fact("high_steroid_toxicity_risk", None, ("steroid-toxicity risk not assessed",))


def creatinine_facts(intake: Intake, plex: Decimal, margin: Decimal, cyclophosphamide: Decimal) -> tuple[Fact, ...]:
    """REFERENCE §4.3: strict ">" in mg/dL after exact conversion; borderline within ± margin."""
    value, unit = intake.creatinine_value, intake.creatinine_unit
    names = ("creatinine_over_plex_threshold", "creatinine_borderline", "creatinine_over_cyclophosphamide_threshold")
    if value is None or unit is None:
        return tuple(Fact(n, None, ("creatinine not recorded",)) for n in names)
    shown = units.format_creatinine(value, unit, avoid_mg_dl=(plex, cyclophosphamide))  # as creatinine_display

    def over(name: str, threshold: Decimal) -> Fact:
        above = units.compare_creatinine_mg_dl(value, unit, threshold) > 0
        relation = "above" if above else "not above"
        return Fact(
            name, above, (f"creatinine {shown}, {relation} {units.format_creatinine_threshold(threshold, '')}",)
        )

    near = units.creatinine_within_mg_dl(value, unit, plex, margin)
    borderline = Fact(
        "creatinine_borderline",
        near,
        (f"creatinine {shown} is {'within' if near else 'more than'} {_n(margin)} mg/dL of {_n(plex)} mg/dL",),
    )
    return over(names[0], plex), borderline, over(names[2], cyclophosphamide)


def _below(name: str, value: Decimal | None, threshold: Decimal, label: str, unit: str) -> Fact:
    if value is None:
        return Fact(name, None, (f"{label} not recorded",))
    below = value < threshold
    return Fact(name, below, (f"{label} {_n(value)} {unit} ({'<' if below else '≥'} {_n(threshold)})",))


def _remission(months: int | None, threshold: Decimal) -> Fact:
    """KDIGO 2024 [S]: transplant after complete clinical remission of at least 6 months."""
    name = "remission_long_enough_for_transplant"
    if months is None:
        return Fact(name, None, ("months in complete remission not recorded",))
    ok = Decimal(months) >= threshold
    return Fact(name, ok, (f"complete remission for {months} months ({'≥' if ok else '<'} {_n(threshold)})",))


def _age_over(name: str, age: int | None, threshold: Decimal) -> Fact:
    if age is None:
        return Fact(name, None, ("age not recorded",))
    over = Decimal(age) > threshold
    return Fact(name, over, (f"age {age} years ({'>' if over else '≤'} {_n(threshold)})",))


def rituximab_preferred(intake: Intake, facts: Mapping[str, Fact]) -> Fact:
    """REFERENCE §4.9 (KDIGO 2024 Fig 7 [S]; ACR 2020 for pregnancy): a rituximab preference factor.

    Factors: age < 18, fertility preservation, PR3-ANCA, frailty, high steroid-toxicity risk
    (glucocorticoid sparing), pregnancy (rituximab usable; cyclophosphamide avoided). False only
    when every factor is known and absent. ANCA "both" is not counted as PR3 (usually drug-induced).
    """
    present: list[str] = []
    unknown: list[str] = []

    def check(is_present: bool | None, reason: str, missing: str) -> None:
        if is_present:
            present.append(reason)
        elif is_present is None:
            unknown.append(missing)

    check(facts["paediatric"].truth(), f"age {intake.age_years} years (under 18)", "age")
    check(intake.fertility_preservation_desired, "fertility preservation desired", "fertility preservation")
    anca = intake.anca_type
    check(None if anca in {None, "pending", "not_tested"} else anca == "pr3", "PR3-ANCA", "ANCA type")
    factors = intake.steroid_toxicity_factors
    check(None if factors is None else "frailty" in factors, "frailty", "frailty")
    check(
        facts["high_steroid_toxicity_risk"].truth(),
        "high steroid-toxicity risk (glucocorticoid sparing)",
        "steroid-toxicity risk",
    )
    pregnancy = intake.pregnancy_status
    check(
        None if pregnancy is None else pregnancy == "pregnant",
        "pregnant (rituximab usable; cyclophosphamide avoided)",
        "pregnancy status",
    )
    if present:
        return Fact("rituximab_preferred", True, tuple(present))
    if unknown:
        return Fact("rituximab_preferred", None, (f"not recorded: {', '.join(unknown)}",))
    return Fact("rituximab_preferred", False, ("no rituximab preference factor present",))


# --- REFERENCE §8: patient modifiers and the etiology and respiratory facts they need ------------


def drug_induced_aav(intake: Intake) -> Fact:
    """REFERENCE §8.2: a drug or toxin with PR3/MPO-ANCA positive is drug-induced ANCA vasculitis."""
    name = "drug_induced_aav"
    if intake.etiology is None:
        return Fact(name, None, ("etiology not recorded",))
    if intake.etiology != "drug_or_toxin":
        return Fact(name, False, (f"etiology is {FIELDS['etiology'].choice_label(intake.etiology)}",))
    anca = intake.anca_type
    if anca in ANCA_POSITIVE:
        return Fact(name, True, (f"etiology is a drug or toxin with {FIELDS['anca_type'].choice_label(anca)}",))
    if anca == "negative":
        return Fact(name, False, ("drug or toxin with ANCA negative: toxic lung injury, not vasculitis",))
    return Fact(name, None, ("drug or toxin with the ANCA result not known",))


def modifiers(intake: Intake, facts: Mapping[str, Fact], snapshot: Snapshot) -> list[Fact]:
    """Every modifier of ``vocabulary.MODIFIERS`` except ``paediatric`` (described above), plus their inputs."""
    t = snapshot.threshold
    pregnancy = intake.pregnancy_status
    if pregnancy is None:
        pregnant = Fact("pregnant", None, ("pregnancy status not recorded",))
    else:
        pregnant = Fact("pregnant", pregnancy == "pregnant", (FIELDS["pregnancy_status"].choice_label(pregnancy),))
    fibrinogen_limit = t("fibrinogen_low_pregnancy_g_per_l") if pregnant.value else t("fibrinogen_low_g_per_l")
    inr = _above("inr_raised", intake.inr, t("inr_raised"), "INR", "")
    fibrinogen = _below("fibrinogen_low", intake.fibrinogen_g_per_l, fibrinogen_limit, "fibrinogen", "g/L")
    return [
        pregnant,
        _age_at_least("older_age", intake.age_years, t("cyclophosphamide_older_age_years")),
        kidney_impairment(intake, t("egfr_low_ml_min")),
        _below("low_platelets", intake.platelets_10e9_per_l, t("vte_prophylaxis_min_platelets"), "platelets", "×10⁹/L"),
        inr,
        fibrinogen,
        anticoagulation_or_coagulopathy(intake, inr, fibrinogen),
        _support_is("on_ecmo", intake.oxygen_support, frozenset({"ecmo"})),
        _support_is("ventilated", intake.oxygen_support, frozenset({"invasive_ventilation", "ecmo"})),
        active_bleeding(intake),
        *ecmo_facts(intake, facts["paediatric"], t("ecmo_contact_pf"), t("ecmo_referral_pf")),
        obese(intake),
    ]


def kidney_impairment(intake: Intake, egfr_limit: Decimal) -> Fact:
    name = "kidney_impairment"
    reasons: list[str] = []
    if intake.egfr is not None and intake.egfr < egfr_limit:
        reasons.append(f"eGFR {_n(intake.egfr)} mL/min/1.73 m² (< {_n(egfr_limit)})")
    if intake.on_dialysis:
        reasons.append(FIELDS["on_dialysis"].yes_text)
    if intake.dialysis_chronic_preexisting:
        reasons.append(FIELDS["dialysis_chronic_preexisting"].yes_text)
    if reasons:
        return Fact(name, True, tuple(reasons))
    if intake.egfr is not None:
        return Fact(name, False, (f"eGFR {_n(intake.egfr)} mL/min/1.73 m² (≥ {_n(egfr_limit)}), not on dialysis",))
    return Fact(name, None, ("eGFR not recorded",))


def anticoagulation_or_coagulopathy(intake: Intake, inr: Fact, fibrinogen: Fact) -> Fact:
    """REFERENCE §8.1 and §8.3: an anticoagulant or antiplatelet drug, a raised INR, low fibrinogen, or coagulopathy."""
    name = "anticoagulation_or_coagulopathy"
    drug = intake.anticoagulant
    reasons: list[str] = []
    if drug not in (None, "none"):
        reasons.append(f"on {FIELDS['anticoagulant'].choice_label(drug)}")  # type: ignore[arg-type]
    reasons += [r for fact in (inr, fibrinogen) if fact.value is True for r in fact.reasons]
    if intake.etiology == "coagulopathy":
        reasons.append("etiology is coagulopathy")
    if reasons:
        return Fact(name, True, tuple(reasons))
    if drug == "none" and inr.value is False:
        return Fact(name, False, ("no anticoagulant or antiplatelet drug", *inr.reasons))
    missing = [
        label for label, known in (("anticoagulant", drug is not None), ("INR", inr.value is not None)) if not known
    ]
    return Fact(name, None, (f"{' and '.join(missing)} not recorded",))


def active_bleeding(intake: Intake) -> Fact:
    """REFERENCE §8.1: bleeding not controlled (clinician-asserted) in an active episode."""
    if intake.active_dah is False:
        return Fact("active_bleeding", False, ("DAH not active",))
    controlled = intake.bleeding_controlled
    if controlled is None:
        return Fact("active_bleeding", None, ("bleeding control not recorded",))
    spec = FIELDS["bleeding_controlled"]
    return Fact("active_bleeding", not controlled, (spec.yes_text if controlled else spec.no_text,))


def ecmo_facts(intake: Intake, paediatric: Fact, contact_pf: Decimal, referral_pf: Decimal) -> tuple[Fact, Fact]:
    """REFERENCE §8.4 (EOLIA entry criteria [U]): ECMO contact and referral from the P/F ratio, whatever the day.

    Adult thresholds are never applied to children; an unknown age uses them, and says so.
    """
    support, pf = intake.oxygen_support, intake.pao2_fio2_ratio
    if support == "ecmo":
        on = Fact("ecmo_referral", True, ("on ECMO",))
        return Fact("pf_below_ecmo_contact", True, ("on ECMO",)), on
    if paediatric.value is True:
        why = ("adult P/F thresholds are not applied to children",)
        return Fact("pf_below_ecmo_contact", False, why), Fact("ecmo_referral", False, why)
    age_note = ("age not recorded: adult threshold used",) if paediatric.value is None else ()

    def below(name: str, limit: Decimal, supports: frozenset[str]) -> Fact:
        if support is None:
            return Fact(name, None, ("oxygen support not recorded",))
        label = FIELDS["oxygen_support"].choice_label(support)
        if support not in supports:
            return Fact(name, False, (f"on {label}",))
        if pf is None:
            return Fact(name, None, (f"on {label}, P/F ratio not recorded",))
        low = pf < limit
        return Fact(name, low, (f"P/F ratio {_n(pf)} mmHg on {label} ({'<' if low else '≥'} {_n(limit)})", *age_note))

    return (
        below("pf_below_ecmo_contact", contact_pf, VENTILATORY_SUPPORT),
        below("ecmo_referral", referral_pf, frozenset({"invasive_ventilation"})),
    )


def obese(intake: Intake) -> Fact:
    """REFERENCE §8.6: obesity picks the dosing weight; read from the steroid-toxicity checklist."""
    factors = intake.steroid_toxicity_factors
    if factors is None:
        return Fact("obese", None, ("obesity not assessed",))
    present = "obesity" in factors
    return Fact("obese", present, ("obesity (BMI ≥ 30)" if present else "no obesity recorded",))


def after_decision(facts: Facts) -> tuple[Fact, ...]:
    """Facts that read the plasma-exchange check (REFERENCE §8.2 and §8.4): added after ``decision_facts``."""
    return pulmonary_renal_unknown_cause(facts), life_threatening_episode(facts)


def pulmonary_renal_unknown_cause(facts: Facts) -> Fact:
    """REFERENCE §8.2: active DAH with a kidney criterion met, cause unknown: treat meanwhile, not only test."""
    name = "pulmonary_renal_unknown_cause"
    if facts.value("active_dah") is False:
        return Fact(name, False, ("DAH not active",))
    if facts.value("etiology") not in (None, "unknown"):
        return Fact(name, False, facts.reasons("etiology"))
    if facts.value("anti_gbm_disease") is True:
        return Fact(name, False, ("anti-GBM disease: the anti-GBM treatment applies",))
    renal = facts.value("plasma_exchange_renal_criterion_met")
    if renal is True:
        return Fact(
            name,
            True,
            (
                "cause not known, serology pending",
                *facts.reasons("plasma_exchange_renal_criterion_met"),
            ),
        )
    if renal is None:
        return Fact(name, None, ("cause not known; kidney involvement not known",))
    return Fact(name, False, ("no kidney criterion met",))


def life_threatening_episode(facts: Facts) -> Fact:
    """REFERENCE §8.4: ventilated, an ECMO candidate, severe DAH or plasma exchange needed: expert centre now."""
    name = "life_threatening_episode"
    if facts.value("active_dah") is False:
        return Fact(name, False, ("DAH not active",))
    reasons: list[str] = []
    for fact in ("ventilated", "ecmo_referral", "pf_below_ecmo_contact", "severe_dah"):
        if facts.value(fact) is True:
            reasons += [r for r in facts.reasons(fact) if r not in reasons]
    if facts.value("plasma_exchange_decision") in {"recommended", "consider"}:
        reasons.append(f"plasma exchange {str(facts.value('plasma_exchange_decision')).replace('_', ' ')}")
    if reasons:
        return Fact(name, True, tuple(reasons))
    if any(facts.value(f) is None for f in ("ventilated", "severe_dah")):
        return Fact(name, None, ("oxygenation not fully recorded",))
    return Fact(name, False, ("not ventilated, no severe DAH, no plasma exchange",))


def _support_is(name: str, support: str | None, values: frozenset[str]) -> Fact:
    if support is None:
        return Fact(name, None, ("oxygen support not recorded",))
    return Fact(name, support in values, (_support_text(support),))


def _above(name: str, value: Decimal | None, threshold: Decimal, label: str, unit: str) -> Fact:
    if value is None:
        return Fact(name, None, (f"{label} not recorded",))
    above = value > threshold
    shown = f"{label} {_n(value)}{f' {unit}' if unit else ''}"
    return Fact(name, above, (f"{shown} ({'>' if above else '≤'} {_n(threshold)})",))


def _age_at_least(name: str, age: int | None, threshold: Decimal) -> Fact:
    if age is None:
        return Fact(name, None, ("age not recorded",))
    at_least = Decimal(age) >= threshold
    return Fact(name, at_least, (f"age {age} years ({'≥' if at_least else '<'} {_n(threshold)})",))


def creatinine_cyclops_band(intake: Intake, limit_umol_l: Decimal) -> Fact:
    """CYCLOPS dose table (EULAR 2009 Table 6 [R values; bands S]): the lower pulse dose from 300 µmol/L."""
    name = "creatinine_at_least_cyclops_band"
    value, unit = intake.creatinine_value, intake.creatinine_unit
    if value is None or unit is None:
        return Fact(name, None, ("creatinine not recorded",))
    umol = units.creatinine_to_umol_l(value, unit)
    at_least = umol >= limit_umol_l
    shown = units.format_creatinine(value, unit)
    return Fact(name, at_least, (f"creatinine {shown} ({'≥' if at_least else '<'} {_n(limit_umol_l)} µmol/L)",))
