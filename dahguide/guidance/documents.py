"""The snapshot document of a version: compiled from its rows, in canonical form, hashed, checked.

The snapshot document (``dahguide.engine.content``) and the rows carry the same fields: every
document key of an item is a model field, plus ``citations`` (keys) and ``applies_when`` (rule).
``KINDS`` is the one table both directions read (``services.guideline_import`` writes rows from a
document, ``guideline_compile`` reads them back), so import and compile cannot drift apart.

Reads only: nothing here saves a row. Imports neither ``services`` nor ``selectors``; both build on it.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any, cast

from django.db import models

from dahguide.engine import vocabulary
from dahguide.engine.content import Snapshot
from dahguide.guidance import labels
from dahguide.guidance.models import (
    Citation,
    Disagreement,
    Dose,
    GuidelineVersion,
    MonitoringItem,
    Recommendation,
    Stance,
    Threshold,
    WarningContent,
)

_NOT_CONTENT = frozenset({"id", "version", "lock_version"})  # row bookkeeping, not in the document


@dataclass(frozen=True)
class Kind:
    key: str  # top-level key of the document
    model: type[models.Model]
    label: str  # how an editor names one item in a message
    ident: str = "code"
    belongs_to: str = ""  # the field naming the recommendation the item is about, if any

    @property
    def fields(self) -> tuple[models.Field, ...]:
        return tuple(f for f in self.model._meta.concrete_fields if f.name not in _NOT_CONTENT)

    @property
    def cited(self) -> bool:
        return any(f.name == "citations" for f in self.model._meta.many_to_many)

    @property
    def ruled(self) -> bool:
        return hasattr(self.model, "conditions")

    @property
    def document_keys(self) -> frozenset[str]:
        extra = {"citations"} if self.cited else set()
        return frozenset({f.name for f in self.fields} | extra | ({"applies_when"} if self.ruled else set()))


# Import order matters: citations first, recommendations before the disagreements, stances and
# doses that name them.
KINDS = (
    Kind("citations", Citation, "citation", ident="key"),
    Kind("thresholds", Threshold, "threshold"),
    Kind("recommendations", Recommendation, "recommendation"),
    Kind("monitoring", MonitoringItem, "monitoring item"),
    Kind("warnings", WarningContent, "warning"),
    Kind("disagreements", Disagreement, "disagreement", belongs_to="topic"),
    Kind("stances", Stance, "stance", belongs_to="recommendation"),
    Kind("doses", Dose, "dose", belongs_to="recommendation"),
)
# The document's top-level keys, in the order compile writes them (docs/design/engine-and-content.md,
# docs/design/patient-modifiers.md).
DOCUMENT_KEYS = (
    "version",
    "title",
    "published_at",
    "content_hash",
    "citations",
    "thresholds",
    "texts",
    "plasma_exchange_citations",
    "recommendations",
    "monitoring",
    "warnings",
    "disagreements",
    "stances",
    "doses",
)


def _cited_keys(m2m: models.ManyToManyField, owners: models.QuerySet) -> dict[int, list[str]]:
    """{owner id: citation keys in attachment order} for every owner, in one query."""
    source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    through = cast("type[models.Model]", m2m.remote_field.through)  # a model once the app registry is ready
    links = (
        through._default_manager.filter(**{f"{source}__in": owners})
        .order_by("id")
        .values_list(f"{source}_id", f"{target}__key")
    )
    keys: dict[int, list[str]] = defaultdict(list)
    for owner_id, key in links:
        keys[owner_id].append(key)
    return keys


def guideline_compile(*, version: GuidelineVersion, raw: bool = False) -> dict[str, Any]:
    """The snapshot document of a version's rows, in display order (``Snapshot.from_dict`` input).

    Wording that names a threshold (``{threshold:code}``) is written from the threshold's value;
    ``raw`` keeps the placeholders (a new draft copies them, so they keep following the number).
    """
    document: dict[str, Any] = {
        "version": str(version.number),
        "title": version.title,
        "published_at": version.published_at.isoformat() if version.published_at else "",
        "content_hash": version.content_hash,
    }
    for kind in KINDS:
        rows = kind.model._default_manager.filter(version=version)
        cited = (
            _cited_keys(cast(models.ManyToManyField, kind.model._meta.get_field("citations")), rows)
            if kind.cited
            else {}
        )
        if kind.ruled:
            rows = rows.prefetch_related("conditions")
        document[kind.key] = [_item_out(kind, row, cited.get(row.pk, [])) for row in rows]
    document["texts"] = dict(version.guidancetexts.order_by("code").values_list("code", "text"))
    document["plasma_exchange_citations"] = _cited_keys(
        GuidelineVersion._meta.get_field("plasma_exchange_citations"), GuidelineVersion.objects.filter(pk=version.pk)
    ).get(version.pk, [])
    if not raw:
        _render_thresholds(document)
    return {key: document[key] for key in DOCUMENT_KEYS}


_PLACEHOLDER_TEXTS = ("recommendations", "monitoring", "warnings")  # items whose ``text`` may name a threshold


def _render_thresholds(document: dict[str, Any]) -> None:
    thresholds = {t["code"]: (Decimal(t["value"]), t["unit"]) for t in document["thresholds"]}
    document["texts"] = {code: labels.render_thresholds(text, thresholds) for code, text in document["texts"].items()}
    for key in _PLACEHOLDER_TEXTS:
        for item in document[key]:
            item["text"] = labels.render_thresholds(item["text"], thresholds)


def _item_out(kind: Kind, row: models.Model, citation_keys: list[str]) -> dict[str, Any]:
    item = {field.name: _value_out(field, getattr(row, field.attname)) for field in kind.fields}
    if kind.cited:
        item["citations"] = citation_keys
    if kind.ruled:
        groups: dict[int, list[dict[str, Any]]] = {}
        # Ordered by group, then creation. ``conditions`` is the reverse relation every ruled model has.
        for cond in row.conditions.all():  # type: ignore[attr-defined]
            groups.setdefault(cond.group, []).append({"fact": cond.fact, "op": cond.op, "values": list(cond.values)})
        item["applies_when"] = [groups[number] for number in sorted(groups)]
    return item


def canonical_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The content of a document in one normal form: what the rows can hold, in a fixed order.

    Item lists are sorted by code (display order is the ``order`` field; citation lists keep
    their order, which is content), numbers are written one way, absent optional fields get
    their defaults. Publication metadata (``published_at``, ``content_hash``) is left out.
    """
    canonical: dict[str, Any] = {
        "version": str(document.get("version", "")),
        "title": str(document.get("title", "")),
        "texts": dict(sorted(dict(document.get("texts", {})).items())),
        "plasma_exchange_citations": list(document.get("plasma_exchange_citations", [])),
    }
    for kind in KINDS:
        items = []
        for entry in document.get(kind.key, []):
            item = {
                field.name: _value_out(field, value_in(field, entry.get(field.name, field.get_default())))
                for field in kind.fields
            }
            if kind.cited:
                item["citations"] = list(entry.get("citations", []))
            if kind.ruled:
                item["applies_when"] = [
                    [{"fact": c["fact"], "op": c["op"], "values": list(c.get("values") or [])} for c in group]
                    for group in entry.get("applies_when", [])
                ]
            items.append(item)
        canonical[kind.key] = sorted(items, key=itemgetter(kind.ident))
    return canonical


def with_current_fact_names(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document with every renamed fact (``vocabulary.RENAMED_FACTS``) under its current name,
    in rules and in dose reductions: how an import, and so a new draft's copy of a published
    version, moves content to the current names. What is not shaped as expected is left as it is,
    for the import's validation to report."""
    renamed = vocabulary.RENAMED_FACTS

    def condition(c: Any) -> Any:
        return {**c, "fact": renamed[c["fact"]]} if isinstance(c, Mapping) and c.get("fact") in renamed else c

    def entry(kind: Kind, item: Any) -> Any:
        if not isinstance(item, Mapping):
            return item
        item = dict(item)
        if kind.ruled and isinstance(item.get("applies_when"), list):
            item["applies_when"] = [
                [condition(c) for c in group] if isinstance(group, list) else group for group in item["applies_when"]
            ]
        if kind.model is Dose and isinstance(item.get("alternatives"), list):
            item["alternatives"] = [
                {**a, "reductions": [condition(r) for r in a["reductions"]]}
                if isinstance(a, Mapping) and isinstance(a.get("reductions"), list)
                else a
                for a in item["alternatives"]
            ]
        return item

    out = dict(document)
    for kind in KINDS:
        if isinstance(out.get(kind.key), list):
            out[kind.key] = [entry(kind, item) for item in out[kind.key]]
    return out


def content_hash(document: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the document's content (publication metadata excluded)."""
    text = json.dumps(canonical_document(document), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def value_in(field: models.Field, raw: Any) -> Any:
    """A document value as the model field holds it."""
    if isinstance(field, models.DecimalField) and raw not in (None, ""):
        return field.to_python(str(raw))  # str(): 3.4 stays 3.4, not its binary float expansion
    if isinstance(field, models.DecimalField) and field.null:
        return None  # an optional number left empty
    if isinstance(field, models.DateField) and raw in ("", None):
        return None
    if isinstance(field, models.DateField) and isinstance(raw, str):
        return field.to_python(raw)
    return raw


def _value_out(field: models.Field, value: Any) -> Any:
    """A field value as the document writes it: decimals as exact strings (an absent optional number as
    null), dates as ISO or ""."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return None if isinstance(field, models.DecimalField) else ""
    return value


# --- publication checks ---------------------------------------------------------------------


def publication_problems(document: Mapping[str, Any]) -> list[str]:
    """What would make the engine fail or fall back to unreviewed wording for this content, and any
    action that does not yet say what each patient modifier does to it."""
    snapshot = Snapshot.from_dict(document)
    data_quality = {w.code for w in snapshot.warnings if w.kind == WarningContent.Kind.DATA_QUALITY}
    missing = {
        "thresholds": [c for c in vocabulary.THRESHOLD_CODES if c not in snapshot.thresholds],
        "texts": [c for c in vocabulary.TEXT_CODES if c not in snapshot.texts],
        "data-quality warnings": [c for c in vocabulary.DATA_QUALITY_WARNINGS if c not in data_quality],
    }
    return [
        *(
            f"Cannot publish: the engine needs these {what}, which this version lacks: {', '.join(codes)}."
            for what, codes in missing.items()
            if codes
        ),
        *_modifier_problems(document),
    ]


def _modifier_problems(document: Mapping[str, Any]) -> list[str]:
    """Every action faces every patient modifier, and says what to do when it changes the action.

    docs/design/patient-modifiers.md: publication is refused while any action lacks a stance for
    any modifier; one message per action names every missing one.
    """
    recommendations = {r["code"]: r for r in document.get("recommendations", [])}
    stances = document.get("stances", [])
    declared: dict[str, set[str]] = defaultdict(set)
    for stance in stances:
        declared[stance.get("recommendation")].add(stance.get("modifier"))
    problems = []
    for code, recommendation in recommendations.items():
        missing = labels.missing_modifiers(declared[code])
        if recommendation.get("kind") == labels.ACTION and missing:
            named = ", ".join(f"{labels.MODIFIERS.label(m)} ({m})" for m in missing)
            problems.append(f"Cannot publish: the action '{code}' has no stance for these patient modifiers: {named}.")
    for what, key in (("stance", "stances"), ("dose", "doses")):
        problems += [
            f"Cannot publish: the {what} '{item.get('code')}' belongs to the recommendation "
            f"'{item.get('recommendation')}', which this version lacks."
            for item in document.get(key, [])
            if item.get("recommendation") not in recommendations
        ]
    problems += [
        f"Cannot publish: the stance '{stance.get('code')}' is "
        f"“{labels.STANCES.label(str(stance.get('stance'))).lower()}” but has no text saying what the "
        "physician should know or do instead."
        for stance in stances
        if stance.get("stance") != labels.UNCHANGED and not str(stance.get("text") or "").strip()
    ]
    return problems
