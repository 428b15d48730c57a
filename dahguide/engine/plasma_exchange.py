"""The plasma-exchange check: REFERENCE §2.6, §2.7, §4.5 and the reference logic of §5, exactly.

The four criteria are KDIGO 2024 PP 9.3.1.9 (and the ANCA/anti-GBM overlap practice point)
[S]. Every criterion is always listed with its status, also when the decision is
``not_indicated``. The decision applies the product's scope (§4.5); ``criteria_met`` lists the
criteria factually satisfied whatever the etiology (§5), so an HSCT patient on oxygen shows
``["dah_with_hypoxemia"]`` beside the decision ``not_indicated``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import units
from .citations import Position, positions_on, resolve_citations
from .content import Citation, Snapshot
from .facts import Fact, Facts
from .vocabulary import NON_IMMUNE, OTHER_AI, PLEX_CRITERIA, SCOPE_AAV

MET, NOT_MET, UNKNOWN, NOT_APPLICABLE = "met", "not_met", "unknown", "not_applicable"
RECOMMENDED, CONSIDER = "recommended", "consider"
NOT_INDICATED, INSUFFICIENT_DATA = "not_indicated", "insufficient_data"

_RENAL_CRITERIA = ("creatinine_over_3_4_mg_dl", "dialysis_or_rapidly_rising_creatinine")
_GENERIC_DECISION_TEXT = {
    RECOMMENDED: "Plasma exchange is recommended.",
    CONSIDER: "Consider plasma exchange.",
    NOT_INDICATED: "Plasma exchange is not indicated by this check.",
    INSUFFICIENT_DATA: "Not enough data to decide on plasma exchange.",
}
_GENERIC_CRITERION_LABEL = {
    "creatinine_over_3_4_mg_dl": "Serum creatinine above 3.4 mg/dL",
    "dialysis_or_rapidly_rising_creatinine": "Dialysis or rapidly rising creatinine",
    "dah_with_hypoxemia": "DAH with hypoxemia",
    "anti_gbm_disease": "Concomitant anti-GBM disease",
}


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    status: str  # met / not_met / unknown / not_applicable
    observed: str
    threshold: str
    explanation: str


@dataclass(frozen=True)
class PlasmaExchangeCheck:
    decision: str
    criteria: tuple[Criterion, ...]
    criteria_met: tuple[str, ...]
    text: str
    citations: tuple[Citation, ...]
    disagreements: tuple[Position, ...]
    reasons: tuple[str, ...]  # why this decision, in words a clinician can check

    def status(self, code: str) -> str:
        return next(c.status for c in self.criteria if c.code == code)

    def decision_facts(self) -> tuple[Fact, ...]:
        """The facts content may read after this check (vocabulary.DECISION_FACTS)."""
        renal = [c for c in self.criteria if c.code in _RENAL_CRITERIA]
        if any(c.status == MET for c in renal):
            value: bool | None = True
        elif all(c.status in {NOT_MET, NOT_APPLICABLE} for c in renal):
            value = False
        else:
            value = None
        renal_reasons = tuple(f"{c.label}: {c.observed}" for c in renal if c.status == MET) or tuple(
            f"{c.label}: {c.status.replace('_', ' ')}" for c in renal
        )
        return (
            Fact("plasma_exchange_decision", self.decision, self.reasons),
            Fact("plasma_exchange_renal_criterion_met", value, renal_reasons),
        )


def check_plasma_exchange(facts: Facts, snapshot: Snapshot) -> PlasmaExchangeCheck:
    criteria = _criteria(facts, snapshot)
    decision, reasons = _decide(facts, criteria)
    criteria_met = tuple(c.code for c in criteria if c.status == MET)
    check = PlasmaExchangeCheck(
        decision=decision,
        criteria=criteria,
        criteria_met=criteria_met,
        text=_decision_text(decision, facts, snapshot),
        citations=resolve_citations(snapshot, snapshot.plasma_exchange_citations),
        disagreements=(),
        reasons=reasons,
    )
    if decision not in {RECOMMENDED, CONSIDER}:
        return check
    # REFERENCE §2.6, §7.15: whenever plasma exchange is suggested, show the counter-positions.
    decided = facts.with_facts(*check.decision_facts())
    return replace(check, disagreements=positions_on("plasma_exchange", decided, snapshot))


def _decision_text(decision: str, facts: Facts, snapshot: Snapshot) -> str:
    """The decision's sentence; "consider" for refractory SLE/other autoimmune rests on refractoriness,
    not on KDIGO criteria that may not be met, so it has its own text."""
    if decision == CONSIDER and facts.value("etiology") in OTHER_AI and facts.value("anti_gbm_disease") is not True:
        text = snapshot.texts.get("plex_decision_consider_refractory")
        if text:
            return text
    return snapshot.texts.get(f"plex_decision_{decision}") or _GENERIC_DECISION_TEXT[decision]


def _decide(facts: Facts, criteria: tuple[Criterion, ...]) -> tuple[str, tuple[str, ...]]:
    """REFERENCE §5 ``plasma_exchange(f)``; the anti-GBM branch gives ``recommended`` (§2.22)."""
    statuses = {c.code: c.status for c in criteria}
    if facts.value("active_dah") is False:
        return NOT_INDICATED, ("DAH not active: the criteria were not evaluated",)
    if statuses["anti_gbm_disease"] == MET:
        return RECOMMENDED, facts.reasons("anti_gbm_disease")
    etiology = facts.value("etiology")
    if etiology is None:
        return INSUFFICIENT_DATA, ("etiology not recorded or work-up pending",)
    etiology_reason = facts.reasons("etiology")
    if facts.value("drug_induced_aav") is True:  # REFERENCE §5, §8.2: drug-induced AAV joins SCOPE_AAV
        etiology, etiology_reason = "drug_induced_aav", facts.reasons("drug_induced_aav")
    if etiology in SCOPE_AAV or etiology == "drug_induced_aav":
        met = [c for c in criteria if c.status == MET]
        if met:
            return CONSIDER, (*etiology_reason, *(f"{c.label}: {c.observed}" for c in met))
        unknown = [c for c in criteria if c.status == UNKNOWN]
        if unknown:
            return INSUFFICIENT_DATA, (*etiology_reason, *(f"{c.label}: unknown" for c in unknown))
        return NOT_INDICATED, (*etiology_reason, "no criterion met")
    if etiology in OTHER_AI:  # §4.5: SLE / other autoimmune only when refractory (open question §9.1)
        refractory = facts.value("refractory_to_initial_therapy")
        reasons = (*etiology_reason, *facts.reasons("refractory_to_initial_therapy"))
        if refractory is True:
            return CONSIDER, reasons
        if refractory is None:
            return INSUFFICIENT_DATA, reasons
        return NOT_INDICATED, reasons
    if etiology in NON_IMMUNE:  # §4.5: no source supports plasma exchange here
        return NOT_INDICATED, etiology_reason
    return INSUFFICIENT_DATA, etiology_reason


def _criteria(facts: Facts, snapshot: Snapshot) -> tuple[Criterion, ...]:
    texts = snapshot.texts
    label = {code: texts.get(f"criterion_{code}") or _GENERIC_CRITERION_LABEL[code] for code in PLEX_CRITERIA}
    plex = snapshot.threshold("plex_creatinine_mg_dl")
    spo2 = snapshot.threshold("hypoxemia_spo2_percent")
    pf = snapshot.threshold("hypoxemia_pf_ratio_mmhg")
    thresholds = {
        "creatinine_over_3_4_mg_dl": units.format_creatinine_threshold(plex),
        "dialysis_or_rapidly_rising_creatinine": "dialysis for this episode, or creatinine rising rapidly",
        "dah_with_hypoxemia": (
            f"any oxygen support, P/F ≤ {units.format_decimal(pf)} mmHg or SpO₂ < {units.format_decimal(spo2)}%"
        ),
        "anti_gbm_disease": "anti-GBM etiology, or anti-GBM antibody positive",
    }

    if facts.value("active_dah") is False:
        return tuple(
            Criterion(
                code,
                label[code],
                NOT_APPLICABLE,
                "not evaluated",
                thresholds[code],
                "Not evaluated: the DAH episode is not active (remission or maintenance planning).",
            )
            for code in PLEX_CRITERIA
        )

    chronic = facts.value("dialysis_chronic_preexisting") is True
    out: list[Criterion] = []

    if chronic:  # REFERENCE §4.2: creatinine is uninterpretable on pre-existing chronic dialysis
        for code in ("creatinine_over_3_4_mg_dl", "dialysis_or_rapidly_rising_creatinine"):
            out.append(
                Criterion(
                    code,
                    label[code],
                    NOT_APPLICABLE,
                    "on chronic dialysis from before this episode",
                    thresholds[code],
                    "Not applicable: chronic dialysis that pre-dates this episode makes the kidney criteria "
                    "uninterpretable (REFERENCE §4.2, needs sign-off).",
                )
            )
    else:
        creatinine = facts["creatinine_over_plex_threshold"]
        status = _status(creatinine.value)
        out.append(
            Criterion(
                "creatinine_over_3_4_mg_dl",
                label["creatinine_over_3_4_mg_dl"],
                status,
                facts.creatinine_shown or "not recorded",
                thresholds["creatinine_over_3_4_mg_dl"],
                {
                    MET: "Creatinine is above the KDIGO 2024 threshold, compared in mg/dL without rounding.",
                    NOT_MET: "Creatinine is not above the KDIGO 2024 threshold (the comparison is strict, in mg/dL).",
                    UNKNOWN: "Creatinine is not recorded or was implausible for its unit, "
                    "so this criterion is unknown.",
                }[status],
            )
        )
        dialysis, rising = facts.value("on_dialysis"), facts.value("creatinine_rising_rapidly")
        if dialysis is True or rising is True:
            status = MET
        elif dialysis is False and rising is False:
            status = NOT_MET
        else:
            status = UNKNOWN
        out.append(
            Criterion(
                "dialysis_or_rapidly_rising_creatinine",
                label["dialysis_or_rapidly_rising_creatinine"],
                status,
                "; ".join((*facts.reasons("on_dialysis"), *facts.reasons("creatinine_rising_rapidly"))),
                thresholds["dialysis_or_rapidly_rising_creatinine"],
                {
                    MET: "Dialysis for this episode or a rapid rise in creatinine meets this criterion.",
                    NOT_MET: "Neither dialysis for this episode nor a rapid rise in creatinine.",
                    UNKNOWN: "Dialysis or the creatinine trend is not recorded, and neither is known to be present.",
                }[status],
            )
        )

    hypoxemia = facts["hypoxemia"]
    status = _status(hypoxemia.value)
    out.append(
        Criterion(
            "dah_with_hypoxemia",
            label["dah_with_hypoxemia"],
            status,
            "; ".join(hypoxemia.reasons),
            thresholds["dah_with_hypoxemia"],
            {
                MET: "The patient is hypoxemic by the product's definition (REFERENCE §4.1).",
                NOT_MET: "The patient is not hypoxemic by the product's definition (REFERENCE §4.1).",
                UNKNOWN: "Oxygen support, SpO₂ or P/F ratio is missing, so hypoxemia is unknown.",
            }[status],
        )
    )

    anti_gbm = facts["anti_gbm_disease"]
    status = _status(anti_gbm.value)
    out.append(
        Criterion(
            "anti_gbm_disease",
            label["anti_gbm_disease"],
            status,
            "; ".join(anti_gbm.reasons),
            thresholds["anti_gbm_disease"],
            {
                MET: "Anti-GBM disease is present: plasma exchange is recommended (KDIGO 2021 ch. 11).",
                NOT_MET: "The anti-GBM antibody is negative and the etiology is not anti-GBM disease.",
                UNKNOWN: "The anti-GBM antibody is pending or not sent; test it in any pulmonary-renal presentation.",
            }[status],
        )
    )
    return tuple(out)


def _status(value: object) -> str:
    return MET if value is True else NOT_MET if value is False else UNKNOWN
