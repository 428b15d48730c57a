"""Synthetic, realistic-looking intakes for demo data and benchmarks: no real patient, no identifier.

Every field is drawn inside its plausible range (or hard range) for its unit, and a few are left
unknown, as at a real bedside. The same seed gives the same cases.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from dahguide.engine.intake import FIELDS

UNKNOWN_RATE = 0.15
# Realistic weights: ANCA vasculitis dominates a DAH service (REFERENCE §1).
ETIOLOGY_WEIGHTS = {
    "gpa": 24,
    "mpa": 24,
    "egpa": 3,
    "anti_gbm": 8,
    "aav_anti_gbm_double_positive": 5,
    "sle": 10,
    "other_autoimmune": 4,
    "hsct": 5,
    "infection": 6,
    "drug_or_toxin": 3,
    "coagulopathy": 3,
    "unknown": 5,
}
_REALISTIC: dict[str, tuple[str, str]] = {"age_years": ("18", "88"), "egfr": ("5", "110"), "inr": ("0.9", "3.5")}


def _number(rng: random.Random, low: Decimal, high: Decimal, *, integer: bool) -> int | float:
    if integer:
        return rng.randint(int(low), int(high))
    return round(rng.uniform(float(low), float(high)), 1)


def random_intake(rng: random.Random) -> dict[str, Any]:
    data: dict[str, Any] = {"active_dah": rng.random() > 0.1}
    for spec in FIELDS.values():
        if spec.name in data or rng.random() < UNKNOWN_RATE:
            continue
        if spec.name == "etiology":
            data["etiology"] = rng.choices(list(ETIOLOGY_WEIGHTS), weights=list(ETIOLOGY_WEIGHTS.values()))[0]
        elif spec.kind == "boolean":
            data[spec.name] = rng.random() < 0.4
        elif spec.kind == "choice":
            data[spec.name] = rng.choice(spec.choices)[0]
        elif spec.kind == "multi_choice":
            data[spec.name] = [v for v, _label in spec.choices if rng.random() < 0.15]
        elif spec.kind == "lab":
            unit = rng.choice(spec.choices)[0]
            low, high = spec.plausible[unit]
            value = rng.uniform(float(low), float(high) / 4)  # most creatinine values are not extreme
            data[spec.name] = round(value, 3 if unit == "mmol/L" else 1)
            data[spec.unit_field] = unit
        else:
            bounds = (
                (Decimal(v) for v in _REALISTIC[spec.name])
                if spec.name in _REALISTIC
                else (spec.plausible.get("") or spec.hard_range)
            )
            assert bounds is not None, f"{spec.name} has no range to draw from"
            low, high = bounds
            data[spec.name] = _number(rng, low, high, integer=spec.kind == "integer")
    return data


def demo_label(index: int) -> str:
    """ "Demo case 00042": five digits (wrapping at 100,000), below the identifier check's six."""
    return f"Demo case {index % 100_000:05d}"
