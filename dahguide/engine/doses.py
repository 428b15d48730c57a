"""Doses for this patient (REFERENCE §4.8, §8.5): display only, a prescriber confirms every figure.

The numbers are content (``content.Dose``); the arithmetic is here, on ``Decimal`` throughout.
Rules that hold for every dose:

- an input the rule needs and the intake lacks is named (``missing``) and no amount is shown;
- a computed amount is rounded *down* to ``round_to`` and the calculation says so;
- ``max_amount`` caps one dose after rounding and is never rounded up;
- where alternatives (sources) give different amounts, the lowest is shown with "sources differ";
- a withheld action has no dose (plan.py never asks for one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from .citations import citation_dict, resolve_citations
from .content import Citation, Dose, DoseAlternative, Snapshot
from .facts import Fact
from .intake import Intake
from .units import format_decimal

CONFIRM = "Confirm before prescribing."
_PBW_BASE_KG = {"male": Decimal("50"), "female": Decimal("45.5")}  # ARDSNet 2000 (REFERENCE §8.4)
_PBW_PER_CM = Decimal("0.91")
_PBW_HEIGHT_OFFSET_CM = Decimal("152.4")
_BAND_INPUT_LABELS = {"age_years": "age", "inr": "INR", "weight_kg": "weight"}
_BAND_INPUT_UNITS = {"age_years": " years", "inr": "", "weight_kg": " kg"}
_INPUT_LABELS = {"weight_kg": "weight", "height_cm": "height", "sex": "sex", "age_years": "age", "inr": "INR"}


@dataclass(frozen=True)
class PlanDose:
    code: str
    drug: str
    amount: str | None  # "750", "500–1000"; None when an input is missing or no band fits
    unit: str
    per: str
    calculation: str
    source: str
    adjustments: tuple[str, ...]
    missing: tuple[str, ...]
    sources_differ: bool
    note: str
    population: str
    citations: tuple[Citation, ...]
    verification: str
    maximum: Decimal | None = None  # the cap, for property tests and display
    value_high: Decimal | None = None  # the largest amount shown (exact), for property tests

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "drug": self.drug,
            "amount": self.amount,
            "unit": self.unit,
            "per": self.per,
            "calculation": self.calculation,
            "source": self.source,
            "adjustments": list(self.adjustments),
            "missing": list(self.missing),
            "sources_differ": self.sources_differ,
            "note": self.note,
            "population": self.population,
            "citations": [citation_dict(c) for c in self.citations],
            "verification": self.verification,
            "confirm": CONFIRM,
        }


def doses_for(
    recommendation: str, intake: Intake, facts: Mapping[str, Fact], snapshot: Snapshot
) -> tuple[PlanDose, ...]:
    """The doses of one action that fit this patient's age group, each computed or naming its missing input."""
    paediatric = facts["paediatric"].truth() if "paediatric" in facts else None
    out = []
    for dose in snapshot.doses.get(recommendation, ()):
        wrong_group = {"adult": True, "paediatric": False}.get(dose.population)
        if wrong_group is not None and paediatric is wrong_group:
            continue
        out.append(_compute(dose, intake, facts, snapshot, paediatric))
    return tuple(out)


def _compute(
    dose: Dose, intake: Intake, facts: Mapping[str, Fact], snapshot: Snapshot, paediatric: bool | None
) -> PlanDose:
    notes: list[str] = []
    if paediatric is None and dose.population != "all":
        notes.append(f"Age not recorded: this is the {dose.population} dose.")
    missing: list[str] = []
    steps: list[str] = []
    per_unit = _per_unit_unit(dose)

    low, high, differ = _base_amount(dose, per_unit, intake, facts, missing, steps, notes)
    basis_value, basis_text = _basis(dose, intake, missing, notes)
    citations = resolve_citations(snapshot, dose.citations)
    source = ", ".join(dict.fromkeys(c.label for c in citations))

    def result(amount: str | None, calculation: str, value_high: Decimal | None = None) -> PlanDose:
        return PlanDose(
            dose.code,
            dose.drug,
            amount,
            dose.unit,
            dose.per,
            calculation,
            source,
            tuple(notes),
            tuple(dict.fromkeys(missing)),
            differ,
            dose.note,
            dose.population,
            citations,
            dose.verification,
            dose.max_amount,
            value_high,
        )

    if low is None or basis_value is None:  # a fixed dose's basis is 1, never None
        rule = _rule_text(dose, per_unit)
        needed = ", ".join(_INPUT_LABELS.get(m, m) for m in dict.fromkeys(missing))
        return result(None, f"{rule}; {needed} needed" if needed else rule)

    if dose.basis == "fixed":
        values = [low] + ([high] if high is not None else [])
        if not dose.alternatives:
            steps.append(f"fixed dose: {_range(low, high)} {dose.unit}")
    else:
        values = [low * basis_value] + ([high * basis_value] if high is not None else [])
        steps.append(f"{_range(low, high)} {per_unit} × {basis_text} = {_range(*_pair(values))} {dose.unit}")
    if dose.round_to:
        rounded = [_round_down(v, dose.round_to) for v in values]
        if rounded != values:
            steps.append(
                f"rounded down to the nearest {format_decimal(dose.round_to)} {dose.unit}: "
                f"{_range(*_pair(rounded))} {dose.unit}"
            )
        values = rounded
    if dose.max_amount is not None and any(v > dose.max_amount for v in values):
        values = [min(v, dose.max_amount) for v in values]
        steps.append(f"capped at the maximum of {format_decimal(dose.max_amount)} {dose.unit}")
    return result(f"{_range(*_pair(values))}", "; ".join(steps), max(values))


def _base_amount(
    dose: Dose,
    per_unit: str,
    intake: Intake,
    facts: Mapping[str, Fact],
    missing: list[str],
    steps: list[str],
    notes: list[str],
) -> tuple[Decimal | None, Decimal | None, bool]:
    """The amount per unit of basis: as given, or the lowest of the alternatives' banded amounts."""
    if not dose.alternatives:
        return dose.amount, dose.amount_high, False
    candidates: list[tuple[Decimal, str]] = []
    for alternative in dose.alternatives:
        amount, text = _alternative_amount(alternative, per_unit, intake, facts, missing, notes)
        if amount is not None:
            candidates.append((amount, text))
    if missing:
        return None, None, False
    if not candidates:
        steps.append("no band of the dose table fits this patient")
        return None, None, False
    lowest = min(candidates, key=lambda c: c[0])
    differ = len({amount for amount, _ in candidates}) > 1
    if differ:
        others = "; ".join(text for amount, text in candidates if text != lowest[1])
        notes.append(f"Sources differ; the lower amount is shown. The other: {others}.")
    steps.append(lowest[1])
    return lowest[0], None, differ


def _alternative_amount(
    alternative: DoseAlternative,
    per_unit: str,
    intake: Intake,
    facts: Mapping[str, Fact],
    missing: list[str],
    notes: list[str],
) -> tuple[Decimal | None, str]:
    """One source's amount and how it was reached: "KDIGO 2024 Fig 10: 10 mg/kg for age 78 years − 2.5 mg/kg
    (eGFR below 30) = 7.5 mg/kg". An unknown reduction input is applied (the lower amount) and said."""
    value = getattr(intake, alternative.band_on, None)
    if value is None:
        missing.append(alternative.band_on)
        return None, ""
    value = Decimal(value)
    label = _BAND_INPUT_LABELS.get(alternative.band_on, alternative.band_on)
    band = next((b for b in alternative.bands if _band_matches(b.test, b.limit, value)), None)
    if band is None:
        notes.append(f"{alternative.label}: no band for {label} {format_decimal(value)}.")
        return None, ""
    amount = band.amount
    unit = _BAND_INPUT_UNITS.get(alternative.band_on, "")
    parts = [f"{alternative.label}: {format_decimal(band.amount)} {per_unit} for {label} {format_decimal(value)}{unit}"]
    for reduction in alternative.reductions:
        state = facts[reduction.fact].value if reduction.fact in facts else None
        if state is True or state is None:
            amount -= reduction.minus
            parts.append(
                f"− {format_decimal(reduction.minus)} {per_unit} ({reduction.text}"
                f"{'' if state is True else ': not recorded, so the reduced amount is shown'})"
            )
    amount = max(amount, Decimal(0))
    if len(parts) > 1:
        parts.append(f"= {format_decimal(amount)} {per_unit}")
    return amount, " ".join(parts)


def _band_matches(test: str, limit: Decimal | None, value: Decimal) -> bool:
    if test == "otherwise":
        return True
    if test == "if_above":
        return limit is not None and value > limit
    return limit is not None and value >= limit  # if_at_least


def _basis(dose: Dose, intake: Intake, missing: list[str], notes: list[str]) -> tuple[Decimal | None, str]:
    """What the per-unit amount multiplies: weight (capped), body-surface area, or predicted body weight."""
    weight, height = intake.weight_kg, intake.height_cm
    if dose.basis == "per_kg":
        if weight is None:
            missing.append("weight_kg")
            return None, ""
        if dose.weight_cap_kg is not None and weight > dose.weight_cap_kg:
            notes.append(f"Weight {format_decimal(weight)} kg capped at {format_decimal(dose.weight_cap_kg)} kg.")
            return dose.weight_cap_kg, f"{format_decimal(dose.weight_cap_kg)} kg (capped)"
        return weight, f"{format_decimal(weight)} kg"
    if dose.basis == "per_m2":
        if _absent(intake, ("weight_kg", "height_cm"), missing):
            return None, ""
        assert height is not None and weight is not None  # _absent returned early otherwise
        bsa = body_surface_area(height, weight)
        return bsa, f"{format_decimal(bsa)} m² (Mosteller, rounded to 0.01 m²)"
    if dose.basis == "per_kg_predicted_body_weight":
        if _absent(intake, ("height_cm", "sex"), missing):
            return None, ""
        assert height is not None and intake.sex is not None  # _absent returned early otherwise
        pbw = predicted_body_weight(height, intake.sex)
        return pbw, f"{format_decimal(pbw)} kg predicted body weight"
    return Decimal(1), ""


def _absent(intake: Intake, names: tuple[str, ...], missing: list[str]) -> bool:
    """Name every input of ``names`` the intake lacks; true when any is lacking."""
    lacking = [name for name in names if getattr(intake, name) is None]
    missing.extend(lacking)
    return bool(lacking)


def body_surface_area(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """Mosteller: √(height cm × weight kg / 3600), rounded half-up to 0.01 m² (stated beside the dose)."""
    return (height_cm * weight_kg / Decimal(3600)).sqrt().quantize(Decimal("0.01"))


def predicted_body_weight(height_cm: Decimal, sex: str) -> Decimal:
    """ARDSNet: 50 (male) or 45.5 (female) + 0.91 × (height cm − 152.4), to 0.1 kg; adults only."""
    return (_PBW_BASE_KG[sex] + _PBW_PER_CM * (height_cm - _PBW_HEIGHT_OFFSET_CM)).quantize(Decimal("0.1"))


def _round_down(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def _per_unit_unit(dose: Dose) -> str:
    return {
        "per_kg": f"{dose.unit}/kg",
        "per_m2": f"{dose.unit}/m²",
        "per_kg_predicted_body_weight": f"{dose.unit}/kg",
    }.get(dose.basis, dose.unit)


def _rule_text(dose: Dose, per_unit: str) -> str:
    if dose.alternatives:
        amounts = sorted({b.amount for a in dose.alternatives for b in a.bands})
        amount = _range(amounts[0], amounts[-1] if len(amounts) > 1 else None)
    else:
        amount = _range(dose.amount, dose.amount_high) if dose.amount is not None else ""
    basis = {"per_kg_predicted_body_weight": " of predicted body weight"}.get(dose.basis, "")
    cap = f", maximum {format_decimal(dose.max_amount)} {dose.unit}" if dose.max_amount is not None else ""
    return f"{amount} {per_unit}{basis}{cap}".strip()


def _pair(values: list[Decimal]) -> tuple[Decimal, Decimal | None]:
    return (values[0], values[1] if len(values) > 1 and values[1] != values[0] else None)


def _range(low: Decimal | None, high: Decimal | None = None) -> str:
    if low is None:
        return ""
    return format_decimal(low) if high is None else f"{format_decimal(low)}–{format_decimal(high)}"
