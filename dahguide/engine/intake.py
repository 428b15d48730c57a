"""The intake: one definition of every field (CONTRACT.md), and the parser every entry point uses.

``FIELDS`` drives the wizard's forms, the JSON validation and the API schema; ``parse_intake``
turns JSON-like data (an API body, a saved case, form data as strings) into a frozen ``Intake``.
It never raises on its data: every problem becomes a message naming the field.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Literal

from . import units
from .vocabulary import (
    ANCA_TYPES,
    ANTICOAGULANTS,
    CREATININE_UNITS,
    ETIOLOGIES,
    HEMOPTYSIS_RATES,
    INFECTION_STATUS,
    OXYGEN_SUPPORT,
    PREGNANCY_STATUS,
    PRIOR_INDUCTION_AGENTS,
    SEXES,
    STEROID_TOXICITY_FACTORS,
)

Range = tuple[Decimal, Decimal]
UNKNOWN_TOKENS = frozenset({"", "unknown"})
_MAX_TEXT = 60  # longest input text worth parsing as a number or choice; anything longer is refused
# Characters no clinician types and a message must not carry as they are: controls, formatting
# characters (a bidi override reorders the text around it), lone UTF-16 surrogates (no encoder writes
# them), private-use and unassigned code points, and the line and paragraph separators.
_UNSHOWABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_MAX_ESCAPES_SHOWN = 3


@dataclass(frozen=True)
class FieldSpec:
    name: str
    step: str
    kind: str  # integer, number, boolean, choice, multi_choice, lab (value + unit)
    label: str
    help_text: str
    unit_label: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); for lab: the units
    hard_range: Range | None = None
    plausible: Mapping[str, Range] = field(default_factory=lambda: MappingProxyType({}))  # unit ("" if none)
    unit_field: str = ""  # lab only: the name of the unit input
    default: Any = None
    yes_text: str = ""  # boolean: how a true answer reads in a reason ("on dialysis for this episode")
    no_text: str = ""

    @property
    def input_names(self) -> tuple[str, ...]:
        return (self.name, self.unit_field) if self.unit_field else (self.name,)

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)


@dataclass(frozen=True)
class Step:
    code: str
    title: str
    fields: tuple[str, ...]  # FieldSpec names, CONTRACT order

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(n for f in self.fields for n in FIELDS[f].input_names)


def _r(low: str, high: str) -> Range:
    return (Decimal(low), Decimal(high))


def _labelled(values: tuple[str, ...], labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((v, labels[v]) for v in values)


_ETIOLOGY_LABELS = {
    "gpa": "GPA",
    "mpa": "MPA",
    "egpa": "EGPA",
    "anti_gbm": "anti-GBM disease",
    "aav_anti_gbm_double_positive": "ANCA and anti-GBM double-positive disease",
    "sle": "SLE",
    "other_autoimmune": "another autoimmune disease",
    "hsct": "DAH after HSCT",
    "infection": "infection",
    "drug_or_toxin": "a drug or toxin",
    "coagulopathy": "coagulopathy",
    "unknown": "unknown (work-up pending)",
}
_ANCA_LABELS = {
    "pr3": "PR3-ANCA",
    "mpo": "MPO-ANCA",
    "both": "PR3- and MPO-ANCA",
    "negative": "ANCA negative",
    "pending": "ANCA pending",
    "not_tested": "ANCA not tested",
}
_OXYGEN_LABELS = {
    "room_air": "room air",
    "supplemental_oxygen": "supplemental oxygen",
    "high_flow": "high-flow oxygen",
    "noninvasive_ventilation": "non-invasive ventilation",
    "invasive_ventilation": "invasive mechanical ventilation",
    "ecmo": "ECMO",
}
_SEX_LABELS = {"female": "female", "male": "male"}
# Read in reasons as "on …" and "anticoagulant: …", so lower case and without an article.
_ANTICOAGULANT_LABELS = {
    "none": "none",
    "vitamin_k_antagonist": "vitamin K antagonist (warfarin, phenprocoumon, acenocoumarol)",
    "dabigatran": "dabigatran",
    "factor_xa_inhibitor": "apixaban, rivaroxaban or edoxaban",
    "unfractionated_heparin": "unfractionated heparin",
    "lmwh": "low-molecular-weight heparin (enoxaparin, dalteparin, tinzaparin)",
    "antiplatelet": "antiplatelet drug only (aspirin, clopidogrel, prasugrel, ticagrelor)",
}
_PREGNANCY_LABELS = {"pregnant": "pregnant", "not_pregnant": "not pregnant", "not_applicable": "not applicable"}
_HEMOPTYSIS_LABELS = {"none": "none", "slow": "slow", "brisk": "brisk"}
_INFECTION_LABELS = {"excluded": "excluded", "suspected": "suspected", "confirmed": "confirmed"}
_STEROID_FACTOR_LABELS = {
    "diabetes": "diabetes",
    "obesity": "obesity (BMI ≥ 30)",
    "osteoporosis": "osteoporosis or fragility fracture",
    "psychiatric": "psychiatric disorder",
    "prior_serious_infection": "prior serious infection",
    "frailty": "frailty",
}
_PRIOR_AGENT_LABELS = {"rituximab": "rituximab", "cyclophosphamide": "cyclophosphamide", "none": "none"}
_CREATININE_UNIT_CHOICES = tuple((u, units.CREATININE_UNIT_LABELS[u]) for u in CREATININE_UNITS)


def _boolean(name: str, step: str, label: str, help_text: str, yes: str, no: str, default: Any = None) -> FieldSpec:
    return FieldSpec(name, step, "boolean", label, help_text, yes_text=yes, no_text=no, default=default)


_FIELD_LIST: tuple[FieldSpec, ...] = (
    # 1. Patient and diagnosis
    FieldSpec(
        "age_years",
        "patient",
        "integer",
        "Age",
        "Whole years. The guidance is written mainly for adults.",
        unit_label="years",
        hard_range=_r("0", "120"),
    ),
    FieldSpec(
        "sex",
        "patient",
        "choice",
        "Sex",
        "Used with height for the predicted body weight in ventilation (tidal volume in mL/kg); adults only.",
        choices=_labelled(SEXES, _SEX_LABELS),
    ),
    FieldSpec(
        "weight_kg",
        "patient",
        "number",
        "Weight",
        "For the doses shown for this patient (mg/kg, plasma-exchange volume): display only; confirm before "
        "prescribing.",
        unit_label="kg",
        hard_range=_r("1", "400"),
    ),
    FieldSpec(
        "height_cm",
        "patient",
        "number",
        "Height",
        "For doses per body-surface area (mg/m²) and, with sex, the predicted body weight: display only; confirm "
        "before prescribing.",
        unit_label="cm",
        hard_range=_r("45", "250"),
    ),
    FieldSpec(
        "pregnancy_status",
        "patient",
        "choice",
        "Pregnancy status",
        "Pregnancy changes the choice of induction agent and needs specialist input.",
        choices=_labelled(PREGNANCY_STATUS, _PREGNANCY_LABELS),
    ),
    _boolean(
        "fertility_preservation_desired",
        "patient",
        "Fertility preservation desired",
        "Favours rituximab over cyclophosphamide (KDIGO 2024).",
        "fertility preservation desired",
        "fertility preservation not a concern",
    ),
    FieldSpec(
        "etiology",
        "patient",
        "choice",
        "Cause of the DAH",
        "The working diagnosis. Choose unknown while the work-up is pending.",
        choices=_labelled(ETIOLOGIES, _ETIOLOGY_LABELS),
    ),
    FieldSpec(
        "anca_type",
        "patient",
        "choice",
        "ANCA",
        "Result of PR3/MPO ANCA testing.",
        choices=_labelled(ANCA_TYPES, _ANCA_LABELS),
    ),
    _boolean(
        "anti_gbm_positive",
        "patient",
        "Anti-GBM antibody positive",
        "Leave unknown while the result is pending or the test was not sent.",
        "anti-GBM antibody positive",
        "anti-GBM antibody negative",
    ),
    _boolean(
        "active_dah",
        "patient",
        "Active DAH episode",
        "Answer no for remission or maintenance planning. Assumed yes when not answered.",
        "DAH episode active",
        "DAH not active (remission or maintenance planning)",
        default=True,
    ),
    # 2. Respiratory status
    FieldSpec(
        "oxygen_support",
        "respiratory",
        "choice",
        "Oxygen support",
        "The highest level of support now.",
        choices=_labelled(OXYGEN_SUPPORT, _OXYGEN_LABELS),
    ),
    FieldSpec(
        "spo2_percent",
        "respiratory",
        "number",
        "SpO₂",
        "Pulse oximetry, with the oxygen support it was measured on.",
        unit_label="%",
        hard_range=_r("0", "100"),
        plausible=MappingProxyType({"": _r("50", "100")}),
    ),
    FieldSpec(
        "pao2_fio2_ratio",
        "respiratory",
        "number",
        "PaO₂/FiO₂ ratio",
        "PaO₂ in mmHg divided by FiO₂ as a fraction (0.21–1.0). PaO₂ in kPa must be converted first (× 7.5).",
        unit_label="mmHg",
        hard_range=_r("1", "800"),
        plausible=MappingProxyType({"": _r("20", "700")}),
    ),
    FieldSpec(
        "hemoptysis_rate",
        "respiratory",
        "choice",
        "Rate of hemoptysis",
        "Prognostic information only. Absent hemoptysis does not mean mild DAH.",
        choices=_labelled(HEMOPTYSIS_RATES, _HEMOPTYSIS_LABELS),
    ),
    _boolean(
        "lung_involvement_over_50_percent",
        "respiratory",
        "More than 50% of the lung involved",
        "On imaging. Prognostic information only.",
        "more than 50% of the lung involved",
        "50% of the lung or less involved",
    ),
    _boolean(
        "bleeding_controlled",
        "respiratory",
        "Bleeding controlled",
        "Pharmacological thromboprophylaxis is considered only once bleeding is controlled.",
        "bleeding controlled",
        "bleeding not controlled",
    ),
    # 3. Kidney
    FieldSpec(
        "creatinine_value",
        "kidney",
        "lab",
        "Serum creatinine",
        "The latest value with the unit your laboratory reports (mg/dL, µmol/L or mmol/L).",
        choices=_CREATININE_UNIT_CHOICES,
        hard_range=_r("0", "100000"),
        plausible=MappingProxyType(dict(units.CREATININE_PLAUSIBLE)),
        unit_field="creatinine_unit",
    ),
    _boolean(
        "on_dialysis",
        "kidney",
        "Dialysis for this episode",
        "Dialysis started for the current illness.",
        "on dialysis for this episode",
        "not on dialysis for this episode",
    ),
    _boolean(
        "dialysis_chronic_preexisting",
        "kidney",
        "Chronic dialysis before this episode",
        "Kidney failure on dialysis before this episode: the kidney criteria for plasma exchange do not apply.",
        "on chronic dialysis from before this episode",
        "no chronic dialysis before this episode",
    ),
    _boolean(
        "creatinine_rising_rapidly",
        "kidney",
        "Creatinine rising rapidly",
        "For example ≥ 0.3 mg/dL (26.5 µmol/L) in 48 h or ≥ 1.5 × baseline in 7 days (KDIGO 2012 AKI).",
        "creatinine rising rapidly",
        "creatinine not rising rapidly",
    ),
    FieldSpec(
        "egfr",
        "kidney",
        "number",
        "eGFR",
        "Below 30 the cyclophosphamide dose shown is reduced: display only; confirm before prescribing.",
        unit_label="mL/min/1.73 m²",
        hard_range=_r("1", "200"),
    ),
    FieldSpec(
        "biopsy_crescents_percent",
        "kidney",
        "number",
        "Crescents on kidney biopsy",
        "Percentage of glomeruli with crescents.",
        unit_label="%",
        hard_range=_r("0", "100"),
    ),
    # 4. Haematology, infection and drug safety
    FieldSpec(
        "platelets_10e9_per_l",
        "haematology",
        "number",
        "Platelets",
        "In ×10⁹/L (= thousands per µL): 50,000/µL is 50.",
        unit_label="×10⁹/L",
        hard_range=_r("0", "5000"),
        plausible=MappingProxyType({"": _r("0", "2000")}),
    ),
    FieldSpec("inr", "haematology", "number", "INR", "International normalised ratio.", hard_range=_r("0.5", "25")),
    FieldSpec(
        "anticoagulant",
        "haematology",
        "choice",
        "Anticoagulant or antiplatelet drug",
        "Taken or recently given. It decides the reversal: each drug has its own reversal agent. With several, "
        "choose the anticoagulant over the antiplatelet drug. Choose none only when you know of none.",
        choices=_labelled(ANTICOAGULANTS, _ANTICOAGULANT_LABELS),
    ),
    FieldSpec(
        "fibrinogen_g_per_l",
        "haematology",
        "number",
        "Fibrinogen",
        "In g/L (mg/dL ÷ 100: 150 mg/dL is 1.5 g/L). < 1.5 g/L (< 2 g/L in pregnancy) prompts replacement.",
        unit_label="g/L",
        hard_range=_r("0", "20"),
    ),
    FieldSpec(
        "infection_status",
        "haematology",
        "choice",
        "Infection",
        "Infection can cause or mimic DAH.",
        choices=_labelled(INFECTION_STATUS, _INFECTION_LABELS),
    ),
    FieldSpec(
        "steroid_toxicity_factors",
        "haematology",
        "multi_choice",
        "Steroid-toxicity risk factors",
        "Tick every factor present; leave unanswered if not assessed. Any factor means high risk.",
        choices=_labelled(STEROID_TOXICITY_FACTORS, _STEROID_FACTOR_LABELS),
    ),
    _boolean(
        "high_steroid_toxicity_risk",
        "haematology",
        "High steroid-toxicity risk",
        "May be answered directly instead of the checklist.",
        "high steroid-toxicity risk",
        "no high steroid-toxicity risk",
    ),
    # 5. Course and response
    _boolean(
        "refractory_to_initial_therapy",
        "course",
        "Refractory to initial therapy",
        "Ongoing alveolar bleeding or worsening oxygenation despite pulse glucocorticoids plus rituximab "
        "or cyclophosphamide (± plasma exchange). Your judgment: there is no validated time window.",
        "refractory to initial therapy",
        "not refractory to initial therapy",
    ),
    FieldSpec(
        "prior_induction_agent",
        "course",
        "choice",
        "Induction agent already given",
        "",
        choices=_labelled(PRIOR_INDUCTION_AGENTS, _PRIOR_AGENT_LABELS),
    ),
    FieldSpec(
        "months_in_complete_remission",
        "course",
        "integer",
        "Months in complete remission",
        "Whole months of complete clinical remission; used for transplant timing.",
        unit_label="months",
        hard_range=_r("0", "600"),
    ),
    _boolean(
        "kidney_transplant_candidate",
        "course",
        "Kidney transplant candidate",
        "",
        "kidney transplant candidate",
        "not a kidney transplant candidate",
    ),
)

FIELDS: Mapping[str, FieldSpec] = MappingProxyType({f.name: f for f in _FIELD_LIST})
STEPS: tuple[Step, ...] = tuple(
    Step(code, title, tuple(f.name for f in _FIELD_LIST if f.step == code))
    for code, title in (
        ("patient", "Patient and diagnosis"),
        ("respiratory", "Respiratory status"),
        ("kidney", "Kidney"),
        ("haematology", "Haematology, infection and drug safety"),
        ("course", "Course and response"),
    )
)
INPUT_NAMES: tuple[str, ...] = tuple(n for f in _FIELD_LIST for n in f.input_names)


@dataclass(frozen=True)
class Intake:
    """A validated intake. None means unknown; it is never read as false, zero or normal."""

    age_years: int | None = None
    sex: str | None = None
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    pregnancy_status: str | None = None
    fertility_preservation_desired: bool | None = None
    etiology: str | None = None
    anca_type: str | None = None
    anti_gbm_positive: bool | None = None
    active_dah: bool = True  # CONTRACT: default true
    oxygen_support: str | None = None
    spo2_percent: Decimal | None = None
    pao2_fio2_ratio: Decimal | None = None
    hemoptysis_rate: str | None = None
    lung_involvement_over_50_percent: bool | None = None
    bleeding_controlled: bool | None = None
    creatinine_value: Decimal | None = None
    creatinine_unit: str | None = None
    on_dialysis: bool | None = None
    dialysis_chronic_preexisting: bool | None = None
    creatinine_rising_rapidly: bool | None = None
    egfr: Decimal | None = None
    biopsy_crescents_percent: Decimal | None = None
    platelets_10e9_per_l: Decimal | None = None
    inr: Decimal | None = None
    anticoagulant: str | None = None
    fibrinogen_g_per_l: Decimal | None = None
    infection_status: str | None = None
    steroid_toxicity_factors: tuple[str, ...] | None = None
    high_steroid_toxicity_risk: bool | None = None
    refractory_to_initial_therapy: bool | None = None
    prior_induction_agent: str | None = None
    months_in_complete_remission: int | None = None
    kidney_transplant_candidate: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """Normalised JSON (the plan's ``inputs``): CONTRACT names, numbers as numbers, unit explicit.

        ``parse_intake(intake.to_dict())`` gives the same intake back.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Decimal):
                value = json_number(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class DataQualityIssue:
    code: str  # a data-quality warning code (design doc), e.g. "creatinine_unit_implausible"
    field: str
    detail: str


@dataclass(frozen=True)
class IntakeResult:
    intake: Intake | None  # None when there are errors
    errors: Mapping[str, list[str]]
    data_quality: tuple[DataQualityIssue, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.errors


class _Invalid(Exception):
    """A field's value is refused; the message is for the clinician."""


class _InvalidUnit(_Invalid):
    """The error belongs beside the unit input of a lab field."""


def parse_intake(data: Any, *, implausible: Literal["error", "unknown"] = "unknown") -> IntakeResult:
    """Validate JSON-like intake data.

    ``implausible="error"`` (wizard): an implausible-for-its-unit value is an error saying which
    unit it looks like. ``implausible="unknown"`` (API, ``evaluate``): the value becomes unknown
    and a ``DataQualityIssue`` says why (CONTRACT, "Implausible-for-its-unit input").
    """
    if implausible not in ("error", "unknown"):
        raise ValueError("implausible must be 'error' or 'unknown'")
    errors: dict[str, list[str]] = {}
    issues: list[DataQualityIssue] = []
    if not isinstance(data, Mapping):
        return IntakeResult(None, {"__all__": ["The intake must be an object of field names and answers."]})

    for key in data:
        if not isinstance(key, str) or key not in INPUT_NAMES:
            name = _shown_text(str(key), 80)  # the error's key too: it is written back to the caller
            errors.setdefault(name, []).append(f"'{name}' is not a field of the DAH intake.")

    values: dict[str, Any] = {}
    for spec in _FIELD_LIST:
        raw = data.get(spec.name)
        try:
            if spec.kind == "lab":
                values.update(_parse_lab(spec, raw, data.get(spec.unit_field), implausible, issues))
                continue
            value = _parse_value(spec, raw)
            if value is not None and spec.plausible:
                value = _check_plausible(spec, value, implausible, issues)
            values[spec.name] = spec.default if value is None and spec.default is not None else value
        except _InvalidUnit as exc:
            errors.setdefault(spec.unit_field, []).append(str(exc))
        except _Invalid as exc:
            errors.setdefault(spec.name, []).append(str(exc))

    if errors:
        return IntakeResult(None, errors, tuple(issues))
    return IntakeResult(Intake(**values), {}, tuple(issues))


def _is_unknown(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in UNKNOWN_TOKENS)


def _parse_value(spec: FieldSpec, raw: Any) -> Any:
    _refuse_unshowable(spec.label, raw)
    if _is_unknown(raw):
        return None
    if spec.kind == "boolean":
        return _parse_boolean(spec, raw)
    if spec.kind == "choice":
        return _parse_choice(spec, raw)
    if spec.kind == "multi_choice":
        return _parse_multi_choice(spec, raw)
    number = _parse_number(spec, raw)
    if spec.kind == "integer":
        if number != number.to_integral_value():
            raise _Invalid(f"{spec.label}: enter a whole number of {spec.unit_label}.")
        return int(number)
    return number


def _parse_boolean(spec: FieldSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in {"yes", "true"}:
            return True
        if word in {"no", "false"}:
            return False
    raise _Invalid(f"{spec.label}: answer yes, no or unknown.")


def _parse_choice(spec: FieldSpec, raw: Any) -> str:
    allowed = [v for v, _ in spec.choices]
    if isinstance(raw, str) and len(raw) <= _MAX_TEXT:
        word = raw.strip().lower()
        if word in allowed:
            return word
        shown = f"'{_shown_text(raw, 40)}' is not one of the answers"
    else:
        shown = "give one of the answers as text"
    raise _Invalid(f"{spec.label}: {shown}. Choose one of: {', '.join(allowed)} (or unknown).")


def _parse_multi_choice(spec: FieldSpec, raw: Any) -> tuple[str, ...]:
    allowed = [v for v, _ in spec.choices]
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)):
        raise _Invalid(f"{spec.label}: give a list of the factors present (an empty list means none).")
    chosen: set[str] = set()
    for item in items:
        _refuse_unshowable(spec.label, item)
        word = item.strip().lower() if isinstance(item, str) and len(item) <= _MAX_TEXT else None
        if word not in allowed:
            shown = f"'{_shown_text(item, 40)}'" if isinstance(item, str) else "an item that is not text"
            raise _Invalid(f"{spec.label}: {shown} is not one of: {', '.join(allowed)}.")
        chosen.add(word)
    return tuple(v for v in allowed if v in chosen)  # canonical order, no duplicates


def _parse_number(spec: FieldSpec, raw: Any) -> Decimal:
    expected = _range_text(spec)
    number: Decimal | None = None
    if isinstance(raw, bool):
        number = None
    elif isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw)) if math.isfinite(raw) else None
    elif isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, str) and len(raw) <= _MAX_TEXT and "_" not in raw:  # Decimal accepts "1_000"
        try:
            number = Decimal(raw.strip())
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite():
        hint = " Use a dot for decimals." if isinstance(raw, str) and "," in raw else ""
        raise _Invalid(f"{spec.label}: enter a number{expected}.{hint}")
    if spec.hard_range is not None:
        low, high = spec.hard_range
        if not low <= number <= high:
            raise _Invalid(
                f"{spec.label} must be{expected}; {_shown(number)} is outside that range."
                + _hard_range_hint(spec, number)
            )
    return number


def _range_text(spec: FieldSpec) -> str:
    if spec.hard_range is None:
        return ""
    low, high = spec.hard_range
    unit = f" {spec.unit_label}" if spec.unit_label else ""
    return f" from {units.format_decimal(low)} to {units.format_decimal(high)}{unit}"


def _hard_range_hint(spec: FieldSpec, number: Decimal) -> str:
    if spec.name == "platelets_10e9_per_l" and number > spec.hard_range[1]:  # type: ignore[index]
        return " A count per µL must be divided by 1000 (50,000/µL is 50 ×10⁹/L)."
    if spec.name in {"spo2_percent", "biopsy_crescents_percent"} and number > 100:
        return " Enter a percentage (0–100)."
    return ""


def _check_plausible(spec: FieldSpec, value: Decimal, implausible: str, issues: list[DataQualityIssue]) -> Any:
    low, high = spec.plausible[""]
    if low <= value <= high:
        return value
    shown = f"{_shown(value)} {spec.unit_label}".strip()
    plausible = f"{units.format_decimal(low)}–{units.format_decimal(high)} {spec.unit_label}".strip()
    message = f"{spec.label} {shown} is outside the plausible range {plausible}. {_looks_like(spec.name, value)}"
    if spec.name == "spo2_percent" and _SPO2_FRACTION_MAX < value < low:
        # A very low saturation is still hypoxaemia (REFERENCE §4.1): kept, and flagged for a check.
        issues.append(
            DataQualityIssue(
                "spo2_below_plausible",
                spec.name,
                f"{message.strip()} It was still counted as hypoxaemia.",
            )
        )
        return value
    if implausible == "error":
        raise _Invalid(message.strip())
    issues.append(DataQualityIssue(_IMPLAUSIBLE_CODES[spec.name], spec.name, f"{message} It was treated as unknown."))
    return None


_SPO2_FRACTION_MAX = Decimal(1)  # 0.86 is a fraction typed for 86%: unknown, not hypoxaemia
_IMPLAUSIBLE_CODES = {
    "spo2_percent": "spo2_implausible",
    "pao2_fio2_ratio": "pao2_fio2_ratio_implausible",
    "platelets_10e9_per_l": "platelets_unit_implausible",
    "creatinine_value": "creatinine_unit_implausible",
}


def _looks_like(name: str, value: Decimal) -> str:
    if name == "spo2_percent":
        if 0 < value <= 1:
            return "It looks like a fraction: enter 86 for 0.86."
        return "Check the reading (probe position, perfusion) and the number typed."
    if name == "pao2_fio2_ratio":
        if value < 20:
            return "It looks as if FiO₂ was a percentage (use 0.21–1.0) or PaO₂ was in kPa (× 7.5 for mmHg)."
        return "Check PaO₂ (mmHg) and FiO₂ (fraction 0.21–1.0)."
    if name == "platelets_10e9_per_l":
        per_litre = units.format_decimal(value / 1000)
        return f"It looks like a count per µL: {_shown(value)}/µL is {per_litre} ×10⁹/L."
    return ""


def _parse_lab(
    spec: FieldSpec, raw_value: Any, raw_unit: Any, implausible: str, issues: list[DataQualityIssue]
) -> dict[str, Any]:
    unit: str | None = None
    try:
        _refuse_unshowable("Creatinine unit", raw_unit)
    except _Invalid as exc:
        raise _InvalidUnit(str(exc)) from None
    _refuse_unshowable(spec.label, raw_value)
    if not _is_unknown(raw_unit):
        unit = units.normalise_creatinine_unit(raw_unit) if isinstance(raw_unit, str) and len(raw_unit) <= 20 else None
        if unit is None:
            raise _InvalidUnit(f"Creatinine unit: choose one of {', '.join(CREATININE_UNITS)}.")
    if _is_unknown(raw_value):
        return {spec.name: None, spec.unit_field: None}
    value = _parse_number(spec, raw_value)
    if unit is None:
        raise _InvalidUnit(f"Creatinine unit: choose the unit of the creatinine value {_shown(value)}.")
    if units.creatinine_is_plausible(value, unit):
        return {spec.name: value, spec.unit_field: unit}

    low, high = units.CREATININE_PLAUSIBLE[unit]
    label = units.CREATININE_UNIT_LABELS[unit]
    candidates = [units.CREATININE_UNIT_LABELS[u] for u in units.plausible_creatinine_units(value)]
    looks = f"It looks like {' or '.join(candidates)}: check the unit." if candidates else "Check the value."
    message = (
        f"Creatinine {_shown(value)} {label} is outside the plausible range for {label} "
        f"({units.format_decimal(low)}–{units.format_decimal(high)} {label}). {looks}"
    )
    if implausible == "error":
        raise _Invalid(message)
    issues.append(DataQualityIssue("creatinine_unit_implausible", spec.name, f"{message} It was treated as unknown."))
    return {spec.name: None, spec.unit_field: None}


def _shown(number: Decimal) -> str:
    """A number for a message; absurdly long ones are not echoed back."""
    return units.format_decimal(number) if -12 <= number.adjusted() <= 12 else "the value entered"


def _is_unshowable(char: str) -> bool:
    return unicodedata.category(char) in _UNSHOWABLE_CATEGORIES


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _refuse_unshowable(label: str, raw: Any) -> None:
    """Refuse text holding a character nobody types (a NUL, a bidi override, a lone surrogate).

    Spaces, tabs and line breaks around an answer are still only trimmed. The message shows the
    characters escaped (``\\ud800``), never as they are: a lone surrogate cannot be encoded, so
    echoing it would turn a refusal into a server error.
    """
    if not isinstance(raw, str):
        return
    found = list(dict.fromkeys(c for c in raw.strip() if _is_unshowable(c)))
    if found:
        shown = ", ".join(_escaped(c) for c in found[:_MAX_ESCAPES_SHOWN])
        more = ", …" if len(found) > _MAX_ESCAPES_SHOWN else ""
        raise _Invalid(f"{label}: remove the control or invalid character ({shown}{more}) from the answer.")


def _shown_text(text: str, limit: int) -> str:
    """Text echoed in a message: every unshowable character written as an escape, at most ``limit`` long."""
    pieces = [_escaped(c) if _is_unshowable(c) else c for c in text[: limit + 1]]
    if sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    shown = ""
    for piece in pieces:
        if len(shown) + len(piece) > limit - 1:
            break
        shown += piece
    return shown + "…"
