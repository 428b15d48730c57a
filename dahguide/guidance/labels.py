"""The words of the patient-modifier content (docs/design/patient-modifiers.md) and how editors read them.

The values are the engine's (``dahguide.engine.vocabulary``); the lists here are the design's, used
only while the engine does not define a name yet. Model choices (``models``) and the version diff
(``diff``) read the same labels, so an editor's form and a reviewer's diff use one word for one thing.
Pure Python: the diff imports this without the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dahguide.engine import vocabulary


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
        "pregnant", "paediatric", "older_age", "kidney_impairment", "low_platelets",
        "anticoagulation_or_coagulopathy", "on_ecmo", "active_bleeding",
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
