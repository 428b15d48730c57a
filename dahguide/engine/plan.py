"""The plan: facts + the plasma-exchange check + the content that applies, as the CONTRACT document.

``evaluate`` is the engine's single entry point. ``Plan.to_dict()`` gives the CONTRACT JSON;
its documented extensions (keys a reader may ignore) are ``plasma_exchange.criteria_met``,
``plasma_exchange.why``, ``criteria[].label``, ``derived`` facts beyond the CONTRACT example,
``derived_reasons``, ``verification`` on every item, ``warnings[].kind`` and ``warnings[].why``.

``missing_data`` lists, in intake order, the unknown inputs that could change this plan:
for an active episode, the inputs of every plasma-exchange criterion that is unknown, of
hypoxemia and severe DAH when unknown, the etiology when unknown, ``refractory_to_initial_therapy``
when it decides plasma exchange (SLE / other autoimmune), ``dialysis_chronic_preexisting`` when
a kidney criterion is met (chronic dialysis would make it not applicable); in any episode,
the steroid-toxicity checklist when that risk is unknown, the etiology when unknown, and the
months in remission of a transplant candidate; and the inputs of an unknown patient modifier that
would withhold a triggered action, and of a dose that cannot be computed (REFERENCE §8).

``withheld`` lists the triggered actions a patient modifier withholds (REFERENCE §8, CONTRACT);
``recommendations[]`` carry ``kind``, ``timing``, ``caveats`` and ``doses``
(docs/design/patient-modifiers.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import units
from .citations import Position, citation_dict, positions_on, resolve_citations
from .content import Citation, Snapshot, version_text
from .doses import PlanDose, doses_for
from .facts import ANTI_GBM_ETIOLOGIES, Facts, after_decision, describe
from .intake import FIELDS, INPUT_NAMES, DataQualityIssue, Intake, IntakeResult
from .modifiers import Caveat, apply_modifiers
from .plasma_exchange import UNKNOWN, PlasmaExchangeCheck, check_plasma_exchange
from .rules import evaluate_rule
from .vocabulary import MODIFIERS, OTHER_AI, SECTIONS, SEVERITIES, THRESHOLD_CODES

# The CONTRACT example's derived keys come first; the rest are documented extensions.
DERIVED_FACTS = (
    "hypoxemia",
    "severe_dah",
    "creatinine_borderline",
    "anti_gbm_disease",
    "high_steroid_toxicity_risk",
    "etiology_group",
    "creatinine_over_plex_threshold",
    "creatinine_over_cyclophosphamide_threshold",
    "egfr_low",
    "platelets_below_transfusion_threshold",
    "rituximab_preferred",
    "older_age_prognosis",
    "paediatric",
    "remission_long_enough_for_transplant",
    *(m for m in MODIFIERS if m != "paediatric"),
    "drug_induced_aav",
    "pulmonary_renal_unknown_cause",
    "ventilated",
    "pf_below_ecmo_contact",
    "ecmo_referral",
    "life_threatening_episode",
    "inr_raised",
    "fibrinogen_low",
)
# Used when content has no text for a data-quality warning, so nothing is silently dropped.
_DATA_QUALITY_SEVERITY = {
    "creatinine_unit_implausible": "warning",
    "creatinine_borderline": "warning",
    "spo2_implausible": "warning",
    "pao2_fio2_ratio_implausible": "warning",
    "platelets_unit_implausible": "warning",
    "spo2_without_oxygen_support": "warning",
    "missing_data": "info",
    "anti_gbm_positive_reclassify": "warning",
    "chronic_dialysis_renal_criteria_not_applicable": "info",
    "spo2_below_plausible": "warning",
    "pao2_fio2_ratio_contradicts_spo2": "warning",
}
# Room-air SpO₂ at or above this with a P/F in the hypoxaemic range is a unit slip (kPa as mmHg), not
# hypoxaemia: PaO₂ 12 kPa on air read as mmHg gives P/F 57 (REFERENCE §3, §7.12).
_ROOM_AIR_SPO2_NORMAL = Decimal("95")
_GENERIC_DISCLAIMER = (
    "Decision support only, not clinically validated: check every suggestion against the patient and the "
    "cited guidelines before acting."
)


@dataclass(frozen=True)
class PlanRecommendation:
    code: str
    section: str
    title: str
    text: str
    strength: str
    verification: str
    why: tuple[str, ...]
    citations: tuple[Citation, ...]
    disagreements: tuple[Position, ...]
    last_reviewed: str
    kind: str = "statement"
    timing: str = ""
    caveats: tuple[Caveat, ...] = ()
    doses: tuple[PlanDose, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "section": self.section,
            "title": self.title,
            "text": self.text,
            "strength": self.strength,
            "verification": self.verification,
            "why": list(self.why),
            "citations": [citation_dict(c) for c in self.citations],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "last_reviewed": self.last_reviewed,
            "kind": self.kind,
            "timing": self.timing,
            "caveats": [c.to_dict() for c in self.caveats],
            "doses": [d.to_dict() for d in self.doses],
        }


@dataclass(frozen=True)
class WithheldAction:
    """An action the plan would have suggested and does not, because a patient modifier withholds it."""

    code: str
    title: str
    section: str
    timing: str
    why_not: tuple[str, ...]
    modifiers: tuple[str, ...]
    citations: tuple[Citation, ...]
    verification: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "section": self.section,
            "timing": self.timing,
            "why_not": list(self.why_not),
            "modifiers": list(self.modifiers),
            "citations": [citation_dict(c) for c in self.citations],
            "verification": self.verification,
        }


@dataclass(frozen=True)
class PlanMonitoring:
    code: str
    text: str
    citations: tuple[Citation, ...]
    why: tuple[str, ...]
    verification: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "citations": [citation_dict(c) for c in self.citations],
            "why": list(self.why),
            "verification": self.verification,
        }


@dataclass(frozen=True)
class PlanWarning:
    code: str
    severity: str
    text: str
    citations: tuple[Citation, ...]
    kind: str  # red_flag or data_quality
    detail: str = ""  # data quality: the value and what it looks like
    why: tuple[str, ...] = ()  # red flag: the facts that made it apply
    verification: str = "primary"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "kind": self.kind, "text": self.text}
        if self.detail:
            out["detail"] = self.detail
        out["why"] = list(self.why)
        out["citations"] = [citation_dict(c) for c in self.citations]
        out["verification"] = self.verification
        return out


@dataclass(frozen=True)
class Plan:
    guideline_version: int | None
    guideline_published_at: str
    guideline_content_hash: str
    intake: Intake
    facts: Facts
    plasma_exchange: PlasmaExchangeCheck
    recommendations: tuple[PlanRecommendation, ...]
    monitoring: tuple[PlanMonitoring, ...]
    warnings: tuple[PlanWarning, ...]
    missing_data: tuple[str, ...]
    disclaimer: str
    data_quality: tuple[DataQualityIssue, ...] = ()
    withheld: tuple[WithheldAction, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The CONTRACT document (plus the extensions listed in this module's docstring)."""
        plex = self.plasma_exchange
        return {
            "guideline": {
                "version": version_text(self.guideline_version),
                "published_at": self.guideline_published_at,
                "content_hash": self.guideline_content_hash,
            },
            "inputs": self.intake.to_dict(),
            "derived": self.derived(),
            "derived_reasons": {name: list(self.facts.reasons(name)) for name in DERIVED_FACTS},
            "plasma_exchange": {
                "decision": plex.decision,
                "criteria": [
                    {
                        "code": c.code,
                        "label": c.label,
                        "status": c.status,
                        "observed": c.observed,
                        "threshold": c.threshold,
                        "explanation": c.explanation,
                    }
                    for c in plex.criteria
                ],
                "criteria_met": list(plex.criteria_met),
                "why": list(plex.reasons),
                "text": plex.text,
                "citations": [citation_dict(c) for c in plex.citations],
                "disagreements": [d.to_dict() for d in plex.disagreements],
            },
            "recommendations": [r.to_dict() for r in self.recommendations],
            "withheld": [w.to_dict() for w in self.withheld],
            "monitoring": [m.to_dict() for m in self.monitoring],
            "warnings": [w.to_dict() for w in self.warnings],
            "missing_data": list(self.missing_data),
            "disclaimer": self.disclaimer,
        }

    def derived(self) -> dict[str, Any]:
        f = self.facts
        derived: dict[str, Any] = {name: f.value(name) for name in DERIVED_FACTS[:2]}
        derived["creatinine_mg_dl"] = _display_number(f.creatinine_mg_dl)
        derived["creatinine_umol_l"] = _display_number(f.creatinine_umol_l)
        derived.update((name, f.value(name)) for name in DERIVED_FACTS[2:])
        return derived


def evaluate(result_or_intake: IntakeResult | Intake, snapshot: Snapshot) -> Plan:
    """The plan for one intake under one published guideline version.

    Never raises for an intake without errors. It raises ``ValueError`` for an ``IntakeResult``
    with errors, and for a snapshot that lacks a threshold the engine reads (a content defect:
    a missing threshold must not silently fall back to a number nobody reviewed).
    """
    if isinstance(result_or_intake, IntakeResult):
        if result_or_intake.intake is None:
            raise ValueError(f"cannot evaluate an intake with errors: {sorted(result_or_intake.errors)}")
        intake, data_quality = result_or_intake.intake, tuple(result_or_intake.data_quality)
    else:
        intake, data_quality = result_or_intake, ()
    missing = [code for code in THRESHOLD_CODES if code not in snapshot.thresholds]
    if missing:
        raise ValueError(f"the guideline snapshot lacks thresholds: {', '.join(missing)}")

    described = describe(intake, snapshot)
    plex = check_plasma_exchange(described, snapshot)
    decided = described.with_facts(*plex.decision_facts())
    facts = decided.with_facts(*after_decision(decided))
    recommendations, withheld, ask_for = _recommendations(intake, facts, snapshot)
    missing_data = _missing_data(intake, facts, plex, ask_for)
    return Plan(
        guideline_version=snapshot.version,
        guideline_published_at=snapshot.published_at,
        guideline_content_hash=snapshot.content_hash,
        intake=intake,
        facts=facts,
        plasma_exchange=plex,
        recommendations=recommendations,
        withheld=withheld,
        monitoring=tuple(
            PlanMonitoring(m.code, m.text, resolve_citations(snapshot, m.citations), match.why, m.verification)
            for m in snapshot.monitoring
            if (match := evaluate_rule(m.applies_when, facts)).matched
        ),
        warnings=_warnings(intake, facts, data_quality, missing_data, snapshot),
        missing_data=missing_data,
        disclaimer=snapshot.texts.get("disclaimer") or _GENERIC_DISCLAIMER,
        data_quality=data_quality,
    )


def _display_number(value: Decimal | None) -> float | None:
    """Two decimals, for display only: every comparison was made on the exact value."""
    if value is None:
        return None
    return float(units.round_half_up(value, 2))


def _recommendations(
    intake: Intake, facts: Facts, snapshot: Snapshot
) -> tuple[tuple[PlanRecommendation, ...], tuple[WithheldAction, ...], frozenset[str]]:
    """Matching recommendations in section order (vocabulary.SECTIONS), then content order.

    Every triggered action then faces the patient modifiers (modifiers.py): a withheld one goes to
    ``withheld`` with its reasons and gets no dose; the others carry their caveats and doses.
    """
    out: list[tuple[int, int, PlanRecommendation]] = []
    withheld: list[tuple[int, int, WithheldAction]] = []
    ask_for: set[str] = set()
    for index, rec in enumerate(snapshot.recommendations):
        match = evaluate_rule(rec.applies_when, facts)
        if not match.matched:
            continue
        section = SECTIONS.index(rec.section) if rec.section in SECTIONS else len(SECTIONS)
        applied = apply_modifiers(rec, facts, snapshot)
        if applied.withheld:
            withheld.append(
                (
                    section,
                    index,
                    WithheldAction(
                        code=rec.code,
                        title=rec.title,
                        section=rec.section,
                        timing=rec.timing,
                        why_not=applied.why_not,
                        modifiers=applied.withheld_by,
                        citations=applied.withheld_citations,
                        verification=_least_verified(applied.withheld_citations),
                    ),
                )
            )
            continue
        ask_for |= applied.ask_for
        doses = doses_for(rec.code, intake, facts, snapshot)
        ask_for.update(m for d in doses for m in d.missing)
        out.append(
            (
                section,
                index,
                PlanRecommendation(
                    code=rec.code,
                    section=rec.section,
                    title=rec.title,
                    text=rec.text,
                    strength=rec.strength,
                    verification=rec.verification,
                    why=match.why,
                    citations=resolve_citations(snapshot, rec.citations),
                    disagreements=positions_on(rec.code, facts, snapshot),
                    last_reviewed=rec.last_reviewed,
                    kind=rec.kind,
                    timing=rec.timing,
                    caveats=applied.caveats,
                    doses=doses,
                ),
            )
        )
    ordered = tuple(r for _, _, r in sorted(out, key=lambda item: item[:2]))
    return ordered, tuple(w for _, _, w in sorted(withheld, key=lambda item: item[:2])), frozenset(ask_for)


def _least_verified(citations: tuple[Citation, ...]) -> str:
    """The weakest tag among the sources: a stance is only as verified as what it rests on."""
    tags = [c.verification for c in citations] or ["unverified"]
    return max(tags, key=("primary", "secondary", "unverified").index)


def _warnings(
    intake: Intake,
    facts: Facts,
    data_quality: tuple[DataQualityIssue, ...],
    missing_data: tuple[str, ...],
    snapshot: Snapshot,
) -> tuple[PlanWarning, ...]:
    """Red flags whose rules match, then the engine's data-quality warnings; critical first."""
    found: list[PlanWarning] = []
    for w in snapshot.warnings:
        if w.kind != "data_quality" and (match := evaluate_rule(w.applies_when, facts)).matched:
            found.append(
                PlanWarning(
                    w.code,
                    w.severity,
                    w.text,
                    resolve_citations(snapshot, w.citations),
                    w.kind,
                    why=match.why,
                    verification=w.verification,
                )
            )
    found += [
        _data_quality_warning(code, detail, snapshot)
        for code, detail in _data_quality(
            intake, facts, data_quality, missing_data, snapshot.threshold("hypoxemia_pf_ratio_mmhg")
        )
    ]
    rank = {severity: -i for i, severity in enumerate(SEVERITIES)}  # critical, warning, info
    return tuple(sorted(found, key=lambda w: rank.get(w.severity, rank["warning"])))


def _data_quality(
    intake: Intake,
    facts: Facts,
    data_quality: tuple[DataQualityIssue, ...],
    missing_data: tuple[str, ...],
    pf_limit: Decimal,
) -> list[tuple[str, str]]:
    """(code, detail) of every data-quality warning the engine emits (REFERENCE §7.12)."""
    out = [(issue.code, issue.detail) for issue in data_quality]
    if facts.value("creatinine_borderline") is True:
        out.append(("creatinine_borderline", f"{facts.reasons('creatinine_borderline')[0]}: use clinical judgment."))
    if intake.spo2_percent is not None and intake.oxygen_support is None:
        out.append(
            (
                "spo2_without_oxygen_support",
                f"SpO₂ {units.format_decimal(intake.spo2_percent)}% was recorded without the oxygen support it was "
                "measured on.",
            )
        )
    if intake.anti_gbm_positive is True and intake.etiology not in ANTI_GBM_ETIOLOGIES:
        etiology = FIELDS["etiology"].choice_label(intake.etiology) if intake.etiology else "not recorded"
        out.append(
            (
                "anti_gbm_positive_reclassify",
                f"Anti-GBM antibody positive with the etiology recorded as {etiology}: consider re-classifying "
                "(REFERENCE §4.4).",
            )
        )
    pf, spo2 = intake.pao2_fio2_ratio, intake.spo2_percent
    if (
        pf is not None
        and spo2 is not None
        and intake.oxygen_support == "room_air"
        and spo2 >= _ROOM_AIR_SPO2_NORMAL
        and pf <= pf_limit
    ):
        out.append(
            (
                "pao2_fio2_ratio_contradicts_spo2",
                f"P/F ratio {units.format_decimal(pf)} mmHg contradicts SpO₂ {units.format_decimal(spo2)}% "
                "on room air: "
                "was PaO₂ entered in kPa (multiply by 7.5) or FiO₂ as a percentage?",
            )
        )
    if intake.active_dah and intake.dialysis_chronic_preexisting is True:
        out.append(
            (
                "chronic_dialysis_renal_criteria_not_applicable",
                "Chronic dialysis from before this episode: the creatinine and dialysis criteria were not applied.",
            )
        )
    if missing_data:
        out.append(
            (
                "missing_data",
                "Not recorded: " + ", ".join(FIELDS[n].label if n in FIELDS else n for n in missing_data) + ".",
            )
        )
    return out


def _data_quality_warning(code: str, detail: str, snapshot: Snapshot) -> PlanWarning:
    content = next((w for w in snapshot.warnings if w.code == code), None)
    if content is None:
        return PlanWarning(
            code,
            _DATA_QUALITY_SEVERITY.get(code, "warning"),
            f"Check the data: {code.replace('_', ' ')}.",
            (),
            "data_quality",
            detail=detail,
            verification="unverified",
        )
    return PlanWarning(
        code,
        content.severity,
        content.text,
        resolve_citations(snapshot, content.citations),
        "data_quality",
        detail=detail,
        verification=content.verification,
    )


def _missing_data(
    intake: Intake, facts: Facts, plex: PlasmaExchangeCheck, ask_for: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """The unknown inputs that could change this plan (rule in this module's docstring)."""
    wanted: set[str] = set()

    def want(*names: str) -> None:
        wanted.update(n for n in names if getattr(intake, n) is None)

    if intake.active_dah:
        if plex.status("creatinine_over_3_4_mg_dl") == UNKNOWN:
            want("creatinine_value")
        if plex.status("dialysis_or_rapidly_rising_creatinine") == UNKNOWN:
            want("on_dialysis", "creatinine_rising_rapidly")
        if facts.value("plasma_exchange_renal_criterion_met") is True:
            want("dialysis_chronic_preexisting")
        if facts.value("hypoxemia") is None or facts.value("severe_dah") is None:
            want("oxygen_support", "spo2_percent")
        if facts.value("hypoxemia") is None:
            want("pao2_fio2_ratio")
        if plex.status("anti_gbm_disease") == UNKNOWN and intake.etiology != "hsct":  # not asked after HSCT
            want("anti_gbm_positive")
        if intake.etiology in OTHER_AI:
            want("refractory_to_initial_therapy")
    want("etiology")
    if facts.value("high_steroid_toxicity_risk") is None:
        want("steroid_toxicity_factors")
    if intake.kidney_transplant_candidate:
        want("months_in_complete_remission")
    want(*(name for name in ask_for if name in INPUT_NAMES))  # a modifier that could withhold, a dose's input
    return tuple(n for n in INPUT_NAMES if n in wanted)
