"""Patient modifiers applied to actions (REFERENCE §8; docs/design/patient-modifiers.md).

Every action faces every modifier of ``vocabulary.MODIFIERS`` through the stance content declares
for it. A true modifier with a ``withheld`` stance takes the action out of the plan and says why;
an unknown one keeps the action with a "check first" caveat and asks for the input. The decision
is made here, in the engine, so no surface (page, API, print, CDS card) can show a withheld action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .citations import citation_dict, resolve_citations
from .content import Citation, Recommendation, Snapshot, Stance
from .facts import Fact
from .vocabulary import FACTS, MODIFIERS

# The intake fields that decide each modifier: asked for when an unknown modifier could withhold.
MODIFIER_INPUTS: Mapping[str, tuple[str, ...]] = {
    "pregnant": ("pregnancy_status",),
    "paediatric": ("age_years",),
    "older_age": ("age_years",),
    "kidney_impairment": ("egfr", "on_dialysis"),
    "low_platelets": ("platelets_10e9_per_l",),
    "anticoagulation_or_coagulopathy": ("anticoagulant", "inr"),
    "on_ecmo": ("oxygen_support",),
    "active_bleeding": ("bleeding_controlled",),
}
WITHHELD, CAVEAT, DOSE_ADJUSTED, UNCHANGED = "withheld", "caveat", "dose_adjusted", "unchanged"


@dataclass(frozen=True)
class Caveat:
    modifier: str
    text: str
    citations: tuple[Citation, ...] = ()
    verification: str = "unverified"
    pending: bool = False  # the modifier is unknown: this would change once it is known
    stance: str = "caveat"  # or dose_adjusted: the doses shown already apply it

    def to_dict(self) -> dict[str, Any]:
        return {
            "modifier": self.modifier,
            "stance": self.stance,
            "text": self.text,
            "pending": self.pending,
            "citations": [citation_dict(c) for c in self.citations],
            "verification": self.verification,
        }


@dataclass(frozen=True)
class Applied:
    """What the modifiers did to one action."""

    withheld_by: tuple[str, ...] = ()
    why_not: tuple[str, ...] = ()
    withheld_citations: tuple[Citation, ...] = ()
    caveats: tuple[Caveat, ...] = ()  # caveats and dose adjustments, in modifier order
    ask_for: frozenset[str] = field(default_factory=frozenset)  # inputs that could withhold it once known

    @property
    def withheld(self) -> bool:
        return bool(self.withheld_by)


def modifier_label(modifier: str) -> str:
    return FACTS[modifier].label


def apply_modifiers(rec: Recommendation, facts: Mapping[str, Fact], snapshot: Snapshot) -> Applied:
    """Every modifier's stance on one action, evaluated against this patient's facts."""
    if rec.kind != "action":
        return Applied()
    withheld_by: list[str] = []
    why_not: list[str] = []
    cited: list[Citation] = []
    caveats: list[Caveat] = []
    ask_for: set[str] = set()
    for modifier in MODIFIERS:
        fact = facts.get(modifier)
        value = fact.value if fact is not None else None
        reasons = fact.reasons if fact is not None else (f"{modifier_label(modifier)} not evaluated",)
        stance = snapshot.stances.get((rec.code, modifier))
        if stance is None:
            if value is True:  # publication refuses this; never silent if it slips through
                caveats.append(
                    Caveat(
                        modifier,
                        (
                            f"Not reviewed for this patient ({'; '.join(reasons)}): the guideline content declares no "
                            "stance for it. Check this action with a specialist."
                        ),
                    )
                )
            continue
        if value is True:
            _apply_true(stance, reasons, snapshot, withheld_by, why_not, cited, caveats)
        elif value is None and stance.stance == WITHHELD:
            caveats.append(
                Caveat(
                    modifier,
                    f"Check first: {'; '.join(reasons)}. If so: {stance.text}",
                    resolve_citations(snapshot, stance.citations),
                    stance.verification,
                    pending=True,
                )
            )
            ask_for.update(MODIFIER_INPUTS.get(modifier, ()))
    return Applied(
        withheld_by=tuple(withheld_by),
        why_not=tuple(why_not),
        withheld_citations=tuple(dict.fromkeys(cited)),
        caveats=tuple(caveats),
        ask_for=frozenset(ask_for),
    )


def _apply_true(
    stance: Stance,
    reasons: tuple[str, ...],
    snapshot: Snapshot,
    withheld_by: list[str],
    why_not: list[str],
    cited: list[Citation],
    caveats: list[Caveat],
) -> None:
    citations = resolve_citations(snapshot, stance.citations)
    if stance.stance == WITHHELD:
        withheld_by.append(stance.modifier)
        why_not.append(f"{'; '.join(reasons)}: {stance.text}")
        cited.extend(citations)
    elif stance.stance == CAVEAT:
        caveats.append(Caveat(stance.modifier, stance.text, citations, stance.verification))
    elif stance.stance == DOSE_ADJUSTED:
        text = f"{'; '.join(reasons)}: {stance.text}"
        caveats.append(Caveat(stance.modifier, _sentence(text), citations, stance.verification, stance=DOSE_ADJUSTED))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
