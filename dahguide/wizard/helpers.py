"""The wizard's clinical helpers: a lab value in its other units, P/F from PaO₂ and FiO₂, rising creatinine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dahguide.engine import units
from dahguide.engine.intake import FieldSpec, parse_intake
from dahguide.wizard.answers import raw_text

# -- Lab values in their other units ----------------------------------------------------------


def lab_conversion(spec: FieldSpec, raw_value: str, raw_unit: str) -> tuple[str, bool]:
    """("300 µmol/L = 3.39 mg/dL", False), or (the engine's message, True) when the value does not fit its unit."""
    if not raw_value.strip():
        return "", False
    result = parse_intake({spec.name: raw_value, spec.unit_field: raw_unit}, implausible="error")
    if result.errors:
        return " ".join(msg for msgs in result.errors.values() for msg in msgs), True
    value = getattr(result.intake, spec.name)
    unit = getattr(result.intake, spec.unit_field)
    return creatinine_equation(value, unit), False


def lab_conversion_text(spec: FieldSpec, raw_value: str, raw_unit: str) -> str:
    return lab_conversion(spec, raw_value, raw_unit)[0]


def creatinine_equation(value: Decimal, unit: str) -> str:
    entered = f"{units.format_decimal(value)} {units.CREATININE_UNIT_LABELS[unit]}"
    others = [u for u in ("mg/dL", "umol/L") if u != unit]
    shown = [
        f"{units.format_decimal(units.convert_creatinine(value, unit, u), 2)} {units.CREATININE_UNIT_LABELS[u]}"
        for u in others
    ]
    return " = ".join([entered, *shown])


# -- Helpers: P/F and "rapidly rising" (wizard-only inputs) -------------------------------------


@dataclass(frozen=True)
class HelperResult:
    value: str  # the answer to fill in ("" when none can be given)
    text: str  # what the physician reads


def _decimal(raw: str) -> Decimal | None:
    try:
        number = Decimal(raw.strip()) if raw.strip() and len(raw) <= 60 and "_" not in raw else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def pf_helper(answers: Mapping[str, Any], avoid: tuple[Decimal, ...] = ()) -> HelperResult:
    """P/F in mmHg from PaO₂ and FiO₂ with their units (engine: ``units.pao2_fio2_ratio``)."""
    raw_pao2, raw_fio2 = raw_text(answers, "pao2"), raw_text(answers, "fio2")
    if not raw_pao2.strip() and not raw_fio2.strip():
        return HelperResult("", "")
    pao2, fio2 = _decimal(raw_pao2), _decimal(raw_fio2)
    if pao2 is None or fio2 is None:
        problems = [f"{label}: enter a number." for label, number in (("PaO₂", pao2), ("FiO₂", fio2)) if number is None]
        return HelperResult("", " ".join(problems))
    result = units.pao2_fio2_ratio(pao2, raw_text(answers, "pao2_unit"), fio2, raw_text(answers, "fio2_unit"))
    if result.ratio_mmhg is None:
        return HelperResult("", " ".join(result.problems))
    value = units.format_decimal(result.ratio_mmhg, 0, avoid)
    return HelperResult(value, f"P/F = {value} mmHg")


def rising_helper(answers: Mapping[str, Any]) -> tuple[bool | None, str]:
    """A suggested answer to "creatinine rising rapidly" (engine: KDIGO 2012 AKI rule)."""
    raw_baseline = raw_text(answers, "baseline_creatinine_value")
    if not raw_baseline.strip():
        return None, ""
    baseline = _decimal(raw_baseline)
    if baseline is None:
        return None, "Baseline creatinine: enter a number."
    raw_hours = raw_text(answers, "hours_since_baseline")
    hours = _decimal(raw_hours)
    if raw_hours.strip() and hours is None:
        return None, "Hours since the baseline value: enter a number."
    current = _decimal(raw_text(answers, "creatinine_value"))
    current_unit = units.normalise_creatinine_unit(raw_text(answers, "creatinine_unit"))
    baseline_unit = units.normalise_creatinine_unit(raw_text(answers, "baseline_creatinine_unit"))
    result = units.creatinine_rising_rapidly(current, current_unit, baseline, baseline_unit, hours)
    return result.rising, result.reason


def rising_text(rising: bool | None, reason: str) -> str:
    if not reason:
        return ""
    suggestion = {True: "Suggests yes. ", False: "Suggests no. ", None: "No suggestion. "}[rising]
    return suggestion + reason
