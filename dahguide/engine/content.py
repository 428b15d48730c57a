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
    version: str
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

    def threshold(self, code: str) -> Decimal:
        return self.thresholds[code].value

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            version=str(data.get("version", "")),
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
                        code=t["code"], label=t.get("label", ""), value=_dec(t["value"]), unit=t["unit"],
                        plausible_min=_dec(t["plausible_min"]), plausible_max=_dec(t["plausible_max"]),
                        citations=tuple(t.get("citations", ())), note=t.get("note", ""),
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
        )


def rule_from_data(groups: Any) -> Rule:
    return tuple(
        tuple(Condition(c["fact"], c["op"], tuple(c.get("values", ()) or ())) for c in group) for group in groups or ()
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
