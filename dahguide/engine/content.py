"""The immutable snapshot of one published guideline version, as the engine reads it.

The same JSON document is the fixture format (``fixtures/guideline.json``), the payload
stored on a published version, and the input of ``Snapshot.from_dict``. Thresholds are
parsed as ``Decimal`` so comparisons are exact (REFERENCE §4.3: no intermediate rounding).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .vocabulary import current_fact


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    values: tuple[str, ...] = ()


Rule = tuple[tuple[Condition, ...], ...]  # groups OR-ed, conditions in a group AND-ed; () = always


@dataclass(frozen=True)
class Citation:
    key: str
    label: str  # short, e.g. "KDIGO 2024"
    reference: str  # full reference
    url: str = ""
    verification: str = "primary"  # primary [R] / secondary [S] / unverified [U]


@dataclass(frozen=True)
class Threshold:
    code: str
    label: str
    value: Decimal
    unit: str
    plausible_min: Decimal
    plausible_max: Decimal
    citations: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Recommendation:
    code: str
    section: str
    title: str
    text: str  # markdown
    strength: str  # grade as the guideline writes it, "" when ungraded
    citations: tuple[str, ...]
    applies_when: Rule
    order: int = 0
    verification: str = "primary"
    last_reviewed: str = ""  # ISO date
    kind: str = "statement"  # "action" faces every patient modifier (REFERENCE §8); "statement" does not
    timing: str = ""  # now / next_24_hours / then: how the decision strip groups it


@dataclass(frozen=True)
class Stance:
    """What one patient modifier does to one action (REFERENCE §8): unchanged, dose_adjusted, caveat, withheld."""

    code: str
    recommendation: str
    modifier: str
    stance: str
    text: str
    citations: tuple[str, ...] = ()
    verification: str = "unverified"


@dataclass(frozen=True)
class DoseBand:
    test: str  # if_above / if_at_least / otherwise
    limit: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class DoseReduction:
    fact: str
    minus: Decimal
    text: str


@dataclass(frozen=True)
class DoseAlternative:
    """One source's banded amount: the first band that matches the input, less any reductions."""

    label: str
    band_on: str  # age_years / inr / weight_kg
    bands: tuple[DoseBand, ...]
    reductions: tuple[DoseReduction, ...] = ()


@dataclass(frozen=True)
class Dose:
    """Dose content of one action; the arithmetic is code (doses.py), the numbers are content."""

    code: str
    recommendation: str
    drug: str
    basis: str  # fixed / per_kg / per_m2 / per_kg_predicted_body_weight
    amount: Decimal | None
    unit: str
    per: str
    population: str = "all"  # adult / paediatric / all
    amount_high: Decimal | None = None
    max_amount: Decimal | None = None
    weight_cap_kg: Decimal | None = None
    round_to: Decimal | None = None
    alternatives: tuple[DoseAlternative, ...] = ()
    note: str = ""
    citations: tuple[str, ...] = ()
    verification: str = "unverified"
    order: int = 0


@dataclass(frozen=True)
class MonitoringItem:
    code: str
    text: str
    citations: tuple[str, ...]
    applies_when: Rule
    order: int = 0
    verification: str = "primary"


@dataclass(frozen=True)
class WarningText:
    """A red flag (``applies_when`` decides) or a data-quality message (the engine decides)."""

    code: str
    severity: str
    text: str
    citations: tuple[str, ...]
    applies_when: Rule
    kind: str = "red_flag"  # or "data_quality"
    order: int = 0
    verification: str = "primary"


@dataclass(frozen=True)
class Disagreement:
    """One source's position on a topic: a recommendation code, or "plasma_exchange"."""

    code: str
    topic: str
    source: str
    position: str
    strength: str
    citations: tuple[str, ...]
    applies_when: Rule = ()
    order: int = 0
    verification: str = "primary"


@dataclass(frozen=True)
class Snapshot:
    version: int | None  # the guideline version's number; None for content that is not yet a version
    published_at: str
    content_hash: str
    title: str
    citations: Mapping[str, Citation]
    thresholds: Mapping[str, Threshold]
    recommendations: tuple[Recommendation, ...]
    monitoring: tuple[MonitoringItem, ...]
    warnings: tuple[WarningText, ...]
    disagreements: tuple[Disagreement, ...]
    texts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    plasma_exchange_citations: tuple[str, ...] = ()
    stances: Mapping[tuple[str, str], Stance] = field(default_factory=lambda: MappingProxyType({}))
    doses: Mapping[str, tuple[Dose, ...]] = field(default_factory=lambda: MappingProxyType({}))  # by recommendation
    # Derived look-ups (citations by key list, positions by topic), filled on first use: a snapshot never changes.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def threshold(self, code: str) -> Decimal:
        return self.thresholds[code].value

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            version=version_number(data.get("version")),
            published_at=str(data.get("published_at", "") or ""),
            content_hash=str(data.get("content_hash", "") or ""),
            title=str(data.get("title", "")),
            citations=MappingProxyType(
                {
                    c["key"]: Citation(**{k: c[k] for k in _fields(Citation) if k in c})
                    for c in data.get("citations", [])
                }
            ),
            thresholds=MappingProxyType(
                {
                    t["code"]: Threshold(
                        code=t["code"],
                        label=t.get("label", ""),
                        value=_dec(t["value"]),
                        unit=t["unit"],
                        plausible_min=_dec(t["plausible_min"]),
                        plausible_max=_dec(t["plausible_max"]),
                        citations=tuple(t.get("citations", ())),
                        note=t.get("note", ""),
                    )
                    for t in data.get("thresholds", [])
                }
            ),
            recommendations=tuple(
                sorted((_item(Recommendation, r) for r in data.get("recommendations", [])), key=_order)
            ),
            monitoring=tuple(sorted((_item(MonitoringItem, m) for m in data.get("monitoring", [])), key=_order)),
            warnings=tuple(sorted((_item(WarningText, w) for w in data.get("warnings", [])), key=_order)),
            disagreements=tuple(sorted((_item(Disagreement, d) for d in data.get("disagreements", [])), key=_order)),
            texts=MappingProxyType(dict(data.get("texts", {}))),
            plasma_exchange_citations=tuple(data.get("plasma_exchange_citations", ())),
            stances=MappingProxyType(
                {(s.recommendation, s.modifier): s for s in (_item(Stance, entry) for entry in data.get("stances", []))}
            ),
            doses=MappingProxyType(_doses_by_recommendation(data.get("doses", []))),
        )


def version_number(value: Any) -> int | None:
    """A guideline version's number as documents carry it (text, per CONTRACT.md: "3"); None for none."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"A guideline version is a whole number, not {text!r}.")
    return int(text)


def version_text(number: int | None) -> str:
    """The number as a document carries it: "3", or "" for content that is not yet a version."""
    return "" if number is None else str(number)


def _doses_by_recommendation(entries: Any) -> dict[str, tuple[Dose, ...]]:
    by_rec: dict[str, list[Dose]] = {}
    for entry in sorted(entries, key=lambda e: (e.get("order", 0), e.get("code", ""))):
        dose = Dose(
            code=entry["code"],
            recommendation=entry["recommendation"],
            drug=entry.get("drug", ""),
            basis=entry.get("basis", "fixed"),
            amount=_opt_dec(entry.get("amount")),
            unit=entry.get("unit", ""),
            per=entry.get("per", ""),
            population=entry.get("population", "all"),
            amount_high=_opt_dec(entry.get("amount_high")),
            max_amount=_opt_dec(entry.get("max_amount")),
            weight_cap_kg=_opt_dec(entry.get("weight_cap_kg")),
            round_to=_opt_dec(entry.get("round_to")),
            alternatives=tuple(_alternative(a) for a in entry.get("alternatives") or ()),
            note=entry.get("note", ""),
            citations=tuple(entry.get("citations", ())),
            verification=entry.get("verification", "unverified"),
            order=int(entry.get("order", 0)),
        )
        by_rec.setdefault(dose.recommendation, []).append(dose)
    return {code: tuple(doses) for code, doses in by_rec.items()}


def _alternative(data: Mapping[str, Any]) -> DoseAlternative:
    bands = []
    for band in data.get("bands", ()):
        test = next(t for t in ("if_above", "if_at_least", "otherwise") if t in band)
        bands.append(DoseBand(test, None if test == "otherwise" else _dec(band[test]), _dec(band["amount"])))
    return DoseAlternative(
        label=str(data.get("label", "")),
        band_on=str(data.get("band_on", "")),
        bands=tuple(bands),
        reductions=tuple(
            DoseReduction(current_fact(str(r["fact"])), _dec(r["minus"]), str(r.get("text", "")))
            for r in data.get("reductions", ())
        ),
    )


def _opt_dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else _dec(value)


def rule_from_data(groups: Any) -> Rule:
    return tuple(
        tuple(Condition(current_fact(c["fact"]), c["op"], tuple(c.get("values", ()) or ())) for c in group)
        for group in groups or ()
    )


def _fields(cls: type) -> tuple[str, ...]:
    return tuple(cls.__dataclass_fields__)  # type: ignore[attr-defined]


def _item(cls: type, data: Mapping[str, Any]) -> Any:
    kwargs = {k: data[k] for k in _fields(cls) if k in data}
    kwargs["citations"] = tuple(data.get("citations", ()))
    if "applies_when" in _fields(cls):
        kwargs["applies_when"] = rule_from_data(data.get("applies_when", ()))
    return cls(**kwargs)


def _order(item: Any) -> tuple[int, str]:
    return (item.order, item.code)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))
