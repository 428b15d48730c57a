"""What changed between two versions of the guideline, for the reviewer.

A pure function over two snapshot documents (``dahguide.engine.content``): no database, so any two
versions compare the same way, whether frozen (their stored snapshot) or open (compiled rows).
Items are matched by code (citations by key). Thresholds and doses are compared as numbers, with
their units ("50 → 30 ×10⁹/L", "amount 15 → 12.5 mg"); choices in the editors' words ("Low
platelets: unchanged → withheld"); applicability and dose bands as sentences; wording field by
field, with the changed words marked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dahguide.engine import units, vocabulary
from dahguide.guidance import labels

SECTIONS = (
    ("thresholds", "Thresholds"),
    ("recommendations", "Recommendations"),
    ("stances", "Stances (what each patient modifier does to an action)"),
    ("doses", "Doses"),
    ("monitoring", "Monitoring checklist"),
    ("warnings", "Warnings"),
    ("disagreements", "Disagreements"),
    ("texts", "Fixed texts"),
    ("citations", "Citations"),
)
_IDENT = {"citations": "key"}
# Numbers compared by value: field -> (how a reader names it, or "" for the field's name).
_NUMBER_FIELDS = {
    "thresholds": {"value": "", "plausible_min": "", "plausible_max": ""},
    "doses": {
        "amount": "amount",
        "amount_high": "upper amount",
        "max_amount": "maximum dose",
        "weight_cap_kg": "weight cap",
        "round_to": "rounded down to a multiple of",
    },
}
_OTHER_CREATININE_UNIT = {"mg/dL": "µmol/L", "umol/L": "mg/dL", "µmol/L": "mg/dL"}


def _converted(value: Decimal | None, unit: str, to: str) -> str:
    if value is None:
        return "—"
    exact = units.convert_creatinine(value, "umol/L" if unit == "µmol/L" else unit, "umol/L" if to == "µmol/L" else to)
    return units.format_decimal(exact, 1 if to == "µmol/L" else 2)


def is_creatinine(code: str, unit: str) -> bool:
    """A threshold on creatinine (its code says so, its unit is one of creatinine's)."""
    return "creatinine" in code and unit in _OTHER_CREATININE_UNIT


# Choices shown by their labels (the admin's words), not their codes.
_CHOICE_FIELDS = {
    "recommendations": {"kind": labels.RECOMMENDATION_KINDS, "timing": labels.TIMINGS},
    "stances": {"modifier": labels.MODIFIERS, "stance": labels.STANCES},
    "doses": {"population": labels.DOSE_POPULATIONS, "basis": labels.DOSE_BASES},
}
_LABEL_FIELDS = ("title", "label", "source")  # what names an item to a reader, first present wins
_NOT_COMPARED = frozenset({"code", "key", "citations", "applies_when", "alternatives"})
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
    label: str = ""  # how a reader names the number, when not by its field name
    creatinine: bool = False  # a creatinine number: also shown in the other unit (mg/dL ↔ µmol/L)

    @property
    def name(self) -> str:
        return self.label or self.field

    @property
    def text(self) -> str:
        """ "50 → 30 ×10⁹/L", or both units when the unit changed too; a creatinine in both units:
        "3.4 → 3 mg/dL (300.6 → 265.2 µmol/L)" (the conversion exact to 0.1, REFERENCE §3)."""
        if self.old_unit == self.new_unit:
            text = f"{format_number(self.old)} → {format_number(self.new)} {display_unit(self.new_unit)}".rstrip()
        else:
            old = f"{format_number(self.old)} {display_unit(self.old_unit)}".rstrip()
            text = f"{old} → {format_number(self.new)} {display_unit(self.new_unit)}".rstrip()
        same_unit = self.old_unit == self.new_unit
        other = _OTHER_CREATININE_UNIT.get(self.new_unit) if self.creatinine and same_unit else None
        if other is None:
            return text
        old, new = (_converted(n, self.new_unit, other) for n in (self.old, self.new))
        return f"{text} ({old} → {new} {display_unit(other)})"


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
class ChoiceChange:
    """A choice before and after, in the editors' words: "Low platelets: unchanged → withheld"."""

    field: str  # what was chosen: a field's name, or the modifier a stance is about
    old: str
    new: str

    @property
    def text(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


@dataclass(frozen=True)
class LinesChange:
    """Sentences before and after: ``applies_when`` one per group ("applies when … or when …"), a
    dose's alternatives one per source."""

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
    rule: LinesChange | None = None
    citations: ListChange | None = None
    choices: tuple[ChoiceChange, ...] = ()
    alternatives: LinesChange | None = None

    @property
    def sentences(self) -> tuple[str, ...]:
        """The numbers and choices that changed, each as a reviewer reads it ("amount 15 → 12.5 mg")."""
        return (*(f"{n.name} {n.text}" for n in self.numbers), *(c.text for c in self.choices))


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
        return self.title is None and self.plasma_exchange_citations is None and all(s.is_empty for s in self.sections)

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
    titles = {**_recommendation_titles(old_doc), **_recommendation_titles(new_doc)}
    return SectionDiff(
        key=key,
        title=title,
        added=tuple(ItemRef(code, _label(key, new[code], titles, added=True)) for code in new if code not in old),
        removed=tuple(ItemRef(code, _label(key, old[code], titles, added=True)) for code in old if code not in new),
        changed=tuple(
            change
            for code in new
            if code in old
            if (change := _item_change(key, code, old[code], new[code], _label(key, new[code], titles)))
        ),
    )


def _recommendation_titles(document: Mapping[str, Any]) -> dict[str, str]:
    return {str(r.get("code")): str(r.get("title") or r.get("code")) for r in document.get("recommendations", [])}


def _items(key: str, document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    if key == "texts":
        return {code: {"code": code, "text": text} for code, text in sorted(dict(document.get("texts", {})).items())}
    ident = _IDENT.get(key, "code")
    return {str(item[ident]): item for item in document.get(key, [])}


def _item_change(key: str, code: str, old: Mapping[str, Any], new: Mapping[str, Any], label: str) -> ItemChange | None:
    number_fields = _NUMBER_FIELDS.get(key, {})
    creatinine = key == "thresholds" and is_creatinine(code, str(new.get("unit", "")))
    numbers = tuple(
        NumberChange(
            name,
            _decimal(old.get(name)),
            _decimal(new.get(name)),
            _unit(key, name, old),
            _unit(key, name, new),
            reads,
            creatinine,
        )
        for name, reads in number_fields.items()
        if _decimal(old.get(name)) != _decimal(new.get(name))
    )
    choices = _choice_changes(key, old, new)
    skipped = _NOT_COMPARED | set(number_fields) | set(_CHOICE_FIELDS.get(key, {}))
    names = [n for n in (*old, *(n for n in new if n not in old)) if n not in skipped]
    fields = tuple(change for name in names if (change := _field_change(name, old.get(name), new.get(name))))
    rule = None
    if "applies_when" in old or "applies_when" in new:
        old_rule, new_rule = describe_rule(old.get("applies_when", [])), describe_rule(new.get("applies_when", []))
        rule = LinesChange(old_rule, new_rule) if old_rule != new_rule else None
    alternatives = None
    if old.get("alternatives") or new.get("alternatives"):
        old_lines = describe_alternatives(old.get("alternatives"), _unit(key, "amount", old))
        new_lines = describe_alternatives(new.get("alternatives"), _unit(key, "amount", new))
        alternatives = LinesChange(old_lines, new_lines) if old_lines != new_lines else None
    citations = _list_change(old.get("citations", []), new.get("citations", []))
    if not (numbers or choices or fields or rule or alternatives or citations):
        return None
    return ItemChange(code, label, fields, numbers, rule, citations, choices, alternatives)


def _unit(key: str, name: str, item: Mapping[str, Any]) -> str:
    """The unit a number of an item is read in: a dose's amount per unit of its basis ("mg/kg")."""
    if key != "doses":
        return str(item.get("unit", ""))
    if name == "weight_cap_kg":
        return "kg"
    unit = str(item.get("unit", ""))
    return unit + labels.AMOUNT_PER.get(str(item.get("basis", "")), "") if name in {"amount", "amount_high"} else unit


def _choice_changes(key: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[ChoiceChange, ...]:
    changes = [
        ChoiceChange(name, _choice_label(words, before), _choice_label(words, after))
        for name, words in _CHOICE_FIELDS.get(key, {}).items()
        if (before := old.get(name) or words.default) != (after := new.get(name) or words.default)
    ]
    if key == "stances" and [c.field for c in changes] == ["stance"]:
        # The modifier names the change: "Low platelets: unchanged → withheld".
        changes = [
            ChoiceChange(
                labels.MODIFIERS.label(str(new.get("modifier"))), changes[0].old.lower(), changes[0].new.lower()
            )
        ]
    return tuple(changes)


def _choice_label(words: labels.Words, value: Any) -> str:
    return words.label(str(value)) if value else "none"


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


def _label(key: str, item: Mapping[str, Any], titles: Mapping[str, str], *, added: bool = False) -> str:
    """What names an item to a reader; an added or removed stance also says what it is."""
    if key == "stances":
        label = f"{titles.get(str(item.get('recommendation')), item.get('recommendation'))} — "
        label += labels.MODIFIERS.label(str(item.get("modifier", "")))
        return f"{label}: {labels.STANCES.label(str(item.get('stance', ''))).lower()}" if added else label
    if key == "doses":
        population = labels.DOSE_POPULATIONS.label(str(item.get("population", "all"))).lower()
        recommendation = str(item.get("recommendation", ""))
        return f"{item.get('drug', '')} ({population}), for {titles.get(recommendation, recommendation)}"
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
    """A unit as a reader writes it: "10^9/L" -> "×10⁹/L", "umol/L" -> "µmol/L"."""
    unit = re.sub(r"^umol/", "µmol/", unit or "")
    unit = re.sub(r"^10\^(-?\d+)", lambda m: "×10" + m.group(1).translate(_SUPERSCRIPT), unit or "")
    return re.sub(r"\^(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPT), unit)


def describe_condition(condition: Mapping[str, Any]) -> str:
    fact = vocabulary.current_fact(str(condition.get("fact", "")))  # a published old name reads as today's
    spec = vocabulary.FACTS.get(fact)
    op = str(condition.get("op", ""))
    words = {**vocabulary.BOOLEAN_OPERATORS, **vocabulary.CHOICE_OPERATORS}.get(op, op)
    values = ", ".join(str(v) for v in condition.get("values") or ())
    return f"{spec.label if spec else fact} {words}{' ' + values if values else ''}"


def describe_alternatives(alternatives: Any, unit: str) -> tuple[str, ...]:
    """One sentence per alternative of a dose: its source, its bands top-down, its reductions."""
    sentences = []
    for alternative in alternatives or ():
        band_on = labels.DOSE_BAND_INPUTS.label(str(alternative.get("band_on", "")))
        bands = "; ".join(_describe_band(band, unit) for band in alternative.get("bands") or ())
        reductions = "".join(
            f"; minus {_number_text(r.get('minus'))} {unit} when {r.get('text') or r.get('fact')}"
            for r in alternative.get("reductions") or ()
        )
        sentences.append(f"{alternative.get('label', '')}, by {band_on}: {bands}{reductions}")
    return tuple(sentences)


def _describe_band(band: Mapping[str, Any], unit: str) -> str:
    amount = f"{_number_text(band.get('amount'))} {unit}"
    if "if_above" in band:
        return f"above {_number_text(band['if_above'])} → {amount}"
    if "if_at_least" in band:
        return f"at least {_number_text(band['if_at_least'])} → {amount}"
    return f"otherwise {amount}"


def _number_text(value: Any) -> str:
    number = _decimal(value)
    return format_number(number) if number is not None else str(value)


def describe_rule(groups: Any) -> tuple[str, ...]:
    """One sentence per group of ``applies_when``; ("always",) for an empty rule."""
    if not groups:
        return ("always",)
    return tuple(" and ".join(describe_condition(c) for c in group) for group in groups)


def changed_recommendations(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """Codes of the recommendations of ``new`` that a physician would see changed: the recommendation
    itself added or edited, or one of its stances, doses or disagreements (in ``new``'s order)."""
    diff = diff_documents(old, new)
    changed = {ref.code for ref in diff.section("recommendations").added}
    changed |= {change.code for change in diff.section("recommendations").changed}
    parts = {"stances": "recommendation", "doses": "recommendation", "disagreements": "topic"}
    for key, field in parts.items():
        section = diff.section(key)
        old_items, new_items = _items(key, old), _items(key, new)
        codes = [*(r.code for r in section.added), *(c.code for c in section.changed)]
        changed |= {str(new_items[code].get(field)) for code in codes}
        changed |= {str(old_items[r.code].get(field)) for r in section.removed}
    return tuple(str(r["code"]) for r in new.get("recommendations", []) if str(r["code"]) in changed)
