"""The words of the patient-modifier content (docs/design/patient-modifiers.md) and how editors read them.

The values are the engine's (``dahguide.engine.vocabulary``); the lists here are the design's, used
only while the engine does not define a name yet. Model choices (``models``) and the version diff
(``diff``) read the same labels, so an editor's form and a reviewer's diff use one word for one thing.
Pure Python: the diff imports this without the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from dahguide.engine import units, vocabulary


@dataclass(frozen=True)
class Words:
    name: str  # the engine's constant
    fallback: tuple[str, ...]  # the design's list, until the engine defines ``name``
    labels: Mapping[str, str]
    default: str = ""  # what a document that leaves the key out means (as ``Snapshot.from_dict`` reads it)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(getattr(vocabulary, self.name, self.fallback))

    def label(self, value: str) -> str:
        return self.labels.get(value) or value.replace("_", " ").capitalize()

    def choices(self) -> list[tuple[str, str]]:
        return [(value, self.label(value)) for value in self.values]


MODIFIERS = Words(
    "MODIFIERS",
    (
        "pregnant",
        "paediatric",
        "older_age",
        "kidney_impairment",
        "low_platelets",
        "anticoagulation_or_coagulopathy",
        "on_ecmo",
        "active_bleeding",
    ),
    {
        "pregnant": "Pregnancy",
        "paediatric": "Paediatric patient",
        "older_age": "Older age",
        "kidney_impairment": "Kidney impairment",
        "low_platelets": "Low platelets",
        "anticoagulation_or_coagulopathy": "Anticoagulation or coagulopathy",
        "on_ecmo": "On ECMO",
        "active_bleeding": "Active bleeding",
    },
)
STANCES = Words(
    "STANCES",
    ("unchanged", "dose_adjusted", "caveat", "withheld"),
    {"unchanged": "Unchanged", "dose_adjusted": "Dose adjusted", "caveat": "Caveat", "withheld": "Withheld"},
)
TIMINGS = Words(
    "TIMINGS", ("now", "next_24_hours", "then"), {"now": "Now", "next_24_hours": "Next 24 hours", "then": "Then"}
)
RECOMMENDATION_KINDS = Words(
    "RECOMMENDATION_KINDS", ("action", "statement"), {"action": "Action", "statement": "Statement"}, "statement"
)
DOSE_BASES = Words(
    "DOSE_BASES",
    ("fixed", "per_kg", "per_m2", "per_kg_predicted_body_weight"),
    {
        "fixed": "Fixed amount",
        "per_kg": "Per kg body weight",
        "per_m2": "Per m² body-surface area",
        "per_kg_predicted_body_weight": "Per kg predicted body weight (adults)",
    },
)
DOSE_POPULATIONS = Words(
    "DOSE_POPULATIONS",
    ("adult", "paediatric", "all"),
    {"adult": "Adults", "paediatric": "Children", "all": "All ages"},
    "all",
)
DOSE_BAND_INPUTS = Words(
    "DOSE_BAND_INPUTS",
    ("age_years", "inr", "weight_kg"),
    {"age_years": "age (years)", "inr": "INR", "weight_kg": "weight (kg)"},
)

# The stance that needs no words: every other one tells the physician what to do instead.
UNCHANGED = "unchanged"
ACTION = "action"
# How a dose's amount reads for its basis: "30 mg/kg", "375 mg/m²" (the design's calculation text).
AMOUNT_PER = {"fixed": "", "per_kg": "/kg", "per_m2": "/m²", "per_kg_predicted_body_weight": "/kg PBW"}


def missing_modifiers(declared: Iterable[str]) -> tuple[str, ...]:
    """The modifiers an action has no stance for yet, given those it has (publication needs none missing)."""
    declared = set(declared)
    return tuple(m for m in MODIFIERS.values if m not in declared)


# --- thresholds named in wording -------------------------------------------------------------

# "{threshold:plex_creatinine_mg_dl}" in a text is replaced by the threshold's value and unit when
# the version is compiled, so wording that names a threshold cannot go stale when it changes.
THRESHOLD_PLACEHOLDER = re.compile(r"\{threshold:(?P<code>[a-z0-9_]+)\}")
_MICRO = {"umol/L": "µmol/L"}


def threshold_phrase(code: str, value: Decimal, unit: str) -> str:
    """A threshold as guidelines write it: "3.4 mg/dL (300 µmol/L)", "50 ×10⁹/L", "90%".

    A creatinine threshold also gives the other unit, rounded as guidelines print it (µmol/L to
    the nearest 10 from 100, mg/dL to 0.01; REFERENCE §3: 1 mg/dL = 88.4 µmol/L).
    """
    shown = f"{_plain(value)}{'' if unit == '%' else ' '}{unit_words(unit)}"
    if "creatinine" in code and unit in {"mg/dL", "umol/L"}:
        other = "umol/L" if unit == "mg/dL" else "mg/dL"
        exact = units.convert_creatinine(value, unit, other)
        if other == "umol/L":
            rounded = units.round_half_up(exact / 10, 0) * 10 if exact >= 100 else units.round_half_up(exact, 0)
        else:
            rounded = units.round_half_up(exact, 2)
        shown += f" ({_plain(rounded)} {unit_words(other)})"
    return shown


def render_thresholds(text: str, thresholds: Mapping[str, tuple[Decimal, str]]) -> str:
    """``text`` with every known ``{threshold:code}`` replaced (an unknown one is left as typed)."""

    def phrase(match: re.Match[str]) -> str:
        code = match.group("code")
        if code not in thresholds:
            return match.group(0)
        value, unit = thresholds[code]
        return threshold_phrase(code, value, unit)

    return THRESHOLD_PLACEHOLDER.sub(phrase, text)


def _plain(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def unit_words(unit: str) -> str:
    unit = _MICRO.get(unit, unit)
    return "×10⁹/L" if unit == "10^9/L" else unit
