"""What changed between two versions of the guideline, for the reviewer.

A pure function over two snapshot documents (``dahguide.engine.content``): no database, so any two
versions compare the same way, whether frozen (their stored snapshot) or open (compiled rows).
Items are matched by code (citations by key). Thresholds are compared as numbers, with their
units ("50 → 30 ×10⁹/L"); applicability as sentences built from the engine's vocabulary;
wording field by field, with the changed words marked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dahguide.engine import vocabulary

SECTIONS = (
    ("thresholds", "Thresholds"),
    ("recommendations", "Recommendations"),
    ("monitoring", "Monitoring checklist"),
    ("warnings", "Warnings"),
    ("disagreements", "Disagreements"),
    ("texts", "Fixed texts"),
    ("citations", "Citations"),
)
_IDENT = {"citations": "key"}
_NUMBER_FIELDS = {"thresholds": ("value", "plausible_min", "plausible_max")}
_LABEL_FIELDS = ("title", "label", "source")  # what names an item to a reader, first present wins
_NOT_COMPARED = frozenset({"code", "key", "citations", "applies_when"})
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str

    @property
    def words(self) -> tuple[tuple[str, str], ...]:
        """(kind, text) runs for display: kind is "same", "removed" or "added"."""
        old, new = self.old.split(" "), self.new.split(" ")
        runs: list[tuple[str, str]] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
            if op == "equal":
                runs.append(("same", " ".join(old[i1:i2])))
                continue
            if i2 > i1:
                runs.append(("removed", " ".join(old[i1:i2])))
            if j2 > j1:
                runs.append(("added", " ".join(new[j1:j2])))
        return tuple(runs)


@dataclass(frozen=True)
class NumberChange:
    field: str
    old: Decimal | None
    new: Decimal | None
    old_unit: str
    new_unit: str

    @property
    def text(self) -> str:
        """ "50 → 30 ×10⁹/L", or both units when the unit changed too."""
        if self.old_unit == self.new_unit:
            return f"{format_number(self.old)} → {format_number(self.new)} {display_unit(self.new_unit)}".rstrip()
        old = f"{format_number(self.old)} {display_unit(self.old_unit)}".rstrip()
        return f"{old} → {format_number(self.new)} {display_unit(self.new_unit)}".rstrip()


@dataclass(frozen=True)
class ListChange:
    """Citation keys of an item: which were added, which removed, or only their order changed."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    old: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def reordered_only(self) -> bool:
        return not self.added and not self.removed


@dataclass(frozen=True)
class RuleChange:
    """``applies_when`` before and after, one sentence per group ("applies when … or when …")."""

    old: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(group for group in self.new if group not in self.old)

    @property
    def removed(self) -> tuple[str, ...]:
        return tuple(group for group in self.old if group not in self.new)


@dataclass(frozen=True)
class ItemRef:
    code: str
    label: str


@dataclass(frozen=True)
class ItemChange:
    code: str
    label: str
    fields: tuple[FieldChange, ...] = ()
    numbers: tuple[NumberChange, ...] = ()
    rule: RuleChange | None = None
    citations: ListChange | None = None


@dataclass(frozen=True)
class SectionDiff:
    key: str
    title: str
    added: tuple[ItemRef, ...]
    removed: tuple[ItemRef, ...]
    changed: tuple[ItemChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class VersionDiff:
    old_version: str
    new_version: str
    title: FieldChange | None
    plasma_exchange_citations: ListChange | None
    sections: tuple[SectionDiff, ...]

    @property
    def is_empty(self) -> bool:
        return self.title is None and self.plasma_exchange_citations is None and all(
            s.is_empty for s in self.sections
        )

    def section(self, key: str) -> SectionDiff:
        return next(s for s in self.sections if s.key == key)


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> VersionDiff:
    """Every content difference between two snapshot documents (publication metadata ignored)."""
    title = _field_change("title", old.get("title", ""), new.get("title", ""))
    return VersionDiff(
        old_version=str(old.get("version", "")),
        new_version=str(new.get("version", "")),
        title=title,
        plasma_exchange_citations=_list_change(
            old.get("plasma_exchange_citations", []), new.get("plasma_exchange_citations", [])
        ),
        sections=tuple(_section(key, label, old, new) for key, label in SECTIONS),
    )


def _section(key: str, title: str, old_doc: Mapping[str, Any], new_doc: Mapping[str, Any]) -> SectionDiff:
    old, new = _items(key, old_doc), _items(key, new_doc)
    return SectionDiff(
        key=key,
        title=title,
        added=tuple(_ref(code, new[code]) for code in new if code not in old),
        removed=tuple(_ref(code, old[code]) for code in old if code not in new),
        changed=tuple(
            change for code in new if code in old if (change := _item_change(key, code, old[code], new[code]))
        ),
    )


def _items(key: str, document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    if key == "texts":
        return {code: {"code": code, "text": text} for code, text in sorted(dict(document.get("texts", {})).items())}
    ident = _IDENT.get(key, "code")
    return {str(item[ident]): item for item in document.get(key, [])}


def _item_change(key: str, code: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> ItemChange | None:
    number_fields = _NUMBER_FIELDS.get(key, ())
    numbers = tuple(
        NumberChange(name, _decimal(old.get(name)), _decimal(new.get(name)), old.get("unit", ""), new.get("unit", ""))
        for name in number_fields
        if _decimal(old.get(name)) != _decimal(new.get(name))
    )
    names = [n for n in (*old, *(n for n in new if n not in old)) if n not in _NOT_COMPARED and n not in number_fields]
    fields = tuple(change for name in names if (change := _field_change(name, old.get(name), new.get(name))))
    rule = None
    if "applies_when" in old or "applies_when" in new:
        old_rule, new_rule = describe_rule(old.get("applies_when", [])), describe_rule(new.get("applies_when", []))
        rule = RuleChange(old_rule, new_rule) if old_rule != new_rule else None
    citations = _list_change(old.get("citations", []), new.get("citations", []))
    if not (numbers or fields or rule or citations):
        return None
    return ItemChange(code, _label(new), fields, numbers, rule, citations)


def _field_change(name: str, old: Any, new: Any) -> FieldChange | None:
    old_text, new_text = _text(old), _text(new)
    return FieldChange(name, old_text, new_text) if old_text != new_text else None


def _list_change(old: Any, new: Any) -> ListChange | None:
    old, new = tuple(old or ()), tuple(new or ())
    if old == new:
        return None
    return ListChange(
        added=tuple(k for k in new if k not in old), removed=tuple(k for k in old if k not in new), old=old, new=new
    )


def _ref(code: str, item: Mapping[str, Any]) -> ItemRef:
    return ItemRef(code, _label(item))


def _label(item: Mapping[str, Any]) -> str:
    return next((str(item[f]) for f in _LABEL_FIELDS if item.get(f)), str(item.get("code", item.get("key", ""))))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return format_number(_decimal(value))
    return str(value)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# --- words for numbers, units and rules ------------------------------------------------------


def format_number(value: Decimal | None) -> str:
    """3.4000 -> "3.4", 50 -> "50", None -> "—" (no exponent)."""
    if value is None:
        return "—"
    return format(value.normalize(), "f")


def display_unit(unit: str) -> str:
    """A unit as a reader writes it: "10^9/L" -> "×10⁹/L"."""
    unit = re.sub(r"^10\^(-?\d+)", lambda m: "×10" + m.group(1).translate(_SUPERSCRIPT), unit or "")
    return re.sub(r"\^(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPT), unit)


def describe_condition(condition: Mapping[str, Any]) -> str:
    fact = str(condition.get("fact", ""))
    spec = vocabulary.FACTS.get(fact)
    op = str(condition.get("op", ""))
    words = {**vocabulary.BOOLEAN_OPERATORS, **vocabulary.CHOICE_OPERATORS}.get(op, op)
    values = ", ".join(str(v) for v in condition.get("values") or ())
    return f"{spec.label if spec else fact} {words}{' ' + values if values else ''}"


def describe_rule(groups: Any) -> tuple[str, ...]:
    """One sentence per group of ``applies_when``; ("always",) for an empty rule."""
    if not groups:
        return ("always",)
    return tuple(" and ".join(describe_condition(c) for c in group) for group in groups)
