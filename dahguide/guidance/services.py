"""State changes of guideline content: import a snapshot document, compile rows back, publish.

The snapshot document (``dahguide.engine.content``) and the rows carry the same fields: every
document key of an item is a model field, plus ``citations`` (keys) and ``applies_when`` (rule).
``_KINDS`` is the one table both directions read, so import and compile cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from dahguide.engine import vocabulary
from dahguide.engine.content import Snapshot
from dahguide.guidance import labels
from dahguide.guidance.frozen import status_change_allowed
from dahguide.guidance.models import (
    Citation,
    Disagreement,
    Dose,
    GuidanceText,
    GuidelineVersion,
    MonitoringItem,
    Recommendation,
    Stance,
    Threshold,
    VersionTransition,
    WarningContent,
)
from dahguide.guidance.selectors import next_version_number
from dahguide.observability import security_event

_NOT_CONTENT = frozenset({"id", "version", "lock_version"})  # row bookkeeping, not in the document


@dataclass(frozen=True)
class _Kind:
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
_KINDS = (
    _Kind("citations", Citation, "citation", ident="key"),
    _Kind("thresholds", Threshold, "threshold"),
    _Kind("recommendations", Recommendation, "recommendation"),
    _Kind("monitoring", MonitoringItem, "monitoring item"),
    _Kind("warnings", WarningContent, "warning"),
    _Kind("disagreements", Disagreement, "disagreement", belongs_to="topic"),
    _Kind("stances", Stance, "stance", belongs_to="recommendation"),
    _Kind("doses", Dose, "dose", belongs_to="recommendation"),
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
_CONDITION_KEYS = frozenset({"fact", "op", "values"})


# --- versions -------------------------------------------------------------------------------


# A version's own history rows written by a status change carry this reason, so the two-person
# rule (selectors.version_authors) can tell a workflow step from an edit of the version's content.
TRANSITION_REASON = "workflow transition"


@transaction.atomic
def guideline_version_create(
    *, title: str, change_summary: str = "", user=None, comment: str = "Created."
) -> GuidelineVersion:
    """A new, empty draft with the next version number; its creation is the first log entry."""
    version = GuidelineVersion(
        number=next_version_number(), title=title, change_summary=change_summary, created_by=user
    )
    version.full_clean()
    version.save()
    _log_transition(version=version, from_status="", user=user, comment=comment)
    return version


def version_status_change(
    *, version: GuidelineVersion, to_status: str, user=None, comment: str = "", fields: tuple[str, ...] = ()
) -> VersionTransition:
    """Move a version to ``to_status`` and log it: the one place a status changes.

    Callers hold the version's row lock and have checked the role and the status they start
    from (``workflow``); this writes the version's status and ``fields``, one ``VersionTransition`` and, once the
    transaction commits, one ``content_transition`` security log line.
    """
    from_status = version.status
    version.status = to_status
    version.lock_version += 1
    version._change_reason = TRANSITION_REASON  # read by simple-history
    version.full_clean()
    # The one way through the frozen guard (``frozen``): this version's status and ``fields``, nothing else.
    with status_change_allowed(version.pk):
        version.save(update_fields=["status", "lock_version", *fields])
    return _log_transition(version=version, from_status=from_status, user=user, comment=comment)


def _log_transition(*, version: GuidelineVersion, from_status: str, user, comment: str) -> VersionTransition:
    entry = VersionTransition(
        version=version, from_status=from_status, to_status=version.status, user=user, comment=comment
    )
    entry.full_clean()
    entry.save()
    fields = {
        "version": version.number,
        "from_status": from_status,
        "to_status": version.status,
        "user_id": user.pk if user is not None else None,
    }
    transaction.on_commit(lambda: security_event("content_transition", **fields))
    return entry


@transaction.atomic
def guideline_import(
    *, document: Mapping[str, Any], user=None, publish: bool, change_summary: str = "", comment: str = "Imported."
) -> GuidelineVersion:
    """Create a version and all its items from a snapshot document; optionally publish it.

    Every item is validated (model rules, threshold ranges, ``applies_when`` against the engine's
    vocabulary, citation keys) and every problem is reported at once; nothing is saved if any.
    """
    if not isinstance(document, Mapping):
        raise ValidationError("The guideline document must be a JSON object.")
    errors: list[str] = []
    unknown = sorted(set(document) - set(DOCUMENT_KEYS))
    if unknown:
        errors.append(f"Unknown top-level key(s): {', '.join(unknown)}.")
    try:
        version = guideline_version_create(
            title=str(document.get("title", "")), change_summary=change_summary, user=user, comment=comment
        )
    except ValidationError as exc:
        raise ValidationError([f"Version: {m}" for m in _messages(exc)]) from exc

    citations: dict[str, Citation] = {}
    refused: set[str] = set()  # codes of the recommendations refused above
    for kind in _KINDS:
        entries = document.get(kind.key, [])
        if not isinstance(entries, list):
            errors.append(f"'{kind.key}' must be a list.")
            continue
        seen: set[str] = set()
        for index, entry in enumerate(entries, start=1):
            ident = entry.get(kind.ident) if isinstance(entry, Mapping) else None
            ident = ident if isinstance(ident, str) else None
            where = f"{kind.label.capitalize()} {index}" + (f" '{ident}'" if ident else "")
            if ident is not None and ident in seen:
                errors.append(f"{where}: the {kind.ident} '{ident}' is used twice.")
                continue
            about = entry.get(kind.belongs_to) if kind.belongs_to and isinstance(entry, Mapping) else None
            if about in refused:
                continue  # its recommendation was refused, and that message says why
            try:
                row = _create_item(kind, version, entry, citations)
            except ValidationError as exc:
                errors.extend(f"{where}: {m}" for m in _messages(exc))
                if kind.model is Recommendation and ident is not None:
                    refused.add(ident)
                continue
            seen.add(ident)
            if isinstance(row, Citation):
                citations[row.key] = row

    texts = document.get("texts", {})
    if not isinstance(texts, Mapping):
        errors.append("'texts' must be an object of code: text.")
        texts = {}
    for code, text in texts.items():
        row = GuidanceText(version=version, code=code, text=text)
        try:
            row.full_clean()
        except ValidationError as exc:
            errors.extend(f"Text '{code}': {m}" for m in _messages(exc))
            continue
        row.save()

    try:
        _attach_citations(
            version.plasma_exchange_citations,
            _resolve_citations(document.get("plasma_exchange_citations", []), citations),
        )
    except ValidationError as exc:
        errors.extend(f"Plasma-exchange citations: {m}" for m in _messages(exc))

    if errors:
        raise ValidationError(errors)  # leaving the atomic block rolls every row back
    if publish:
        version = guideline_publish(version=version, user=user, comment=change_summary)
    return version


def _create_item(kind: _Kind, version: GuidelineVersion, entry: Any, citations: Mapping[str, Citation]):
    if not isinstance(entry, Mapping):
        raise ValidationError("must be an object.")
    problems: list[str] = []
    unknown = sorted(set(entry) - kind.document_keys)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}.")
    row = kind.model(version=version)
    for field in kind.fields:
        if field.name in entry:
            try:
                setattr(row, field.attname, _value_in(field, entry[field.name]))
            except ValidationError as exc:
                problems.extend(f"{field.name}: {m}" for m in exc.messages)
    try:
        row.full_clean()
    except ValidationError as exc:
        problems.extend(_messages(exc))
    cited: list[Citation] = []
    if kind.cited:
        try:
            cited = _resolve_citations(entry.get("citations", []), citations)
        except ValidationError as exc:
            problems.extend(f"citations: {m}" for m in exc.messages)
    rule = entry.get("applies_when", []) if kind.ruled else []
    problems.extend(f"applies_when: {m}" for m in _rule_errors(rule))
    if kind.model is WarningContent and rule and entry.get("kind") == WarningContent.Kind.DATA_QUALITY:
        problems.append("applies_when: the engine raises data-quality warnings itself; leave the rule empty.")
    if problems:
        raise ValidationError(problems)

    row.save()
    if kind.cited:
        _attach_citations(row.citations, cited)
    if kind.ruled:
        conditions = row.conditions
        for group_number, group in enumerate(rule, start=1):
            for cond in group:
                condition = conditions.model(
                    **{conditions.field.name: row},
                    group=group_number,
                    fact=cond["fact"],
                    op=cond["op"],
                    values=list(cond.get("values") or []),
                )
                condition.full_clean()
                condition.save()
    return row


def _resolve_citations(keys: Any, citations: Mapping[str, Citation]) -> list[Citation]:
    if not isinstance(keys, list):
        raise ValidationError("must be a list of citation keys.")
    missing = [str(k) for k in keys if k not in citations]
    if missing:
        raise ValidationError(f"no citation with key {', '.join(missing)} in this document.")
    if len(set(keys)) != len(keys):
        raise ValidationError("a citation is listed twice.")
    return [citations[k] for k in keys]


# An item's citations keep their order (the document's: primary source first). A many-to-many
# has no order column, but its link rows' ids do; the admin's filter_horizontal adds new links
# after the existing ones. Compile reads the links in id order.
def _attach_citations(manager, citations: list[Citation]) -> None:
    for citation in citations:
        manager.add(citation)  # one at a time: add(*several) inserts them in no particular order


def _cited_keys(m2m: models.ManyToManyField, owners: models.QuerySet) -> dict[int, list[str]]:
    """{owner id: citation keys in attachment order} for every owner, in one query."""
    source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    links = (
        m2m.remote_field.through.objects.filter(**{f"{source}__in": owners})
        .order_by("id")
        .values_list(f"{source}_id", f"{target}__key")
    )
    keys: dict[int, list[str]] = defaultdict(list)
    for owner_id, key in links:
        keys[owner_id].append(key)
    return keys


def _rule_errors(rule: Any) -> list[str]:
    """``vocabulary.validate_rule`` plus the shape checks it assumes."""
    if not isinstance(rule, list) or not all(isinstance(group, list) for group in rule):
        return ["must be a list of groups, each a list of conditions."]
    shape: list[str] = []
    for gi, group in enumerate(rule, start=1):
        for ci, cond in enumerate(group, start=1):
            if not isinstance(cond, Mapping):
                shape.append(f"Group {gi}, condition {ci}: must be an object with fact, op and values.")
            elif unknown := sorted(set(cond) - _CONDITION_KEYS):
                shape.append(f"Group {gi}, condition {ci}: unknown key(s) {', '.join(unknown)}.")
            elif not isinstance(cond.get("values", []) or [], list):
                shape.append(f"Group {gi}, condition {ci}: values must be a list.")
    return shape or vocabulary.validate_rule(rule)


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    return [
        message if field == "__all__" else f"{field}: {message}"
        for field, field_errors in exc.message_dict.items()
        for message in field_errors
    ]


# --- compile and hash -----------------------------------------------------------------------


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
    for kind in _KINDS:
        rows = kind.model.objects.filter(version=version)
        cited = _cited_keys(kind.model._meta.get_field("citations"), rows) if kind.cited else {}
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


def _item_out(kind: _Kind, row: models.Model, citation_keys: list[str]) -> dict[str, Any]:
    item = {field.name: _value_out(field, getattr(row, field.attname)) for field in kind.fields}
    if kind.cited:
        item["citations"] = citation_keys
    if kind.ruled:
        groups: dict[int, list[dict[str, Any]]] = {}
        for cond in row.conditions.all():  # ordered by group, then creation
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
    for kind in _KINDS:
        items = []
        for entry in document.get(kind.key, []):
            item = {
                field.name: _value_out(field, _value_in(field, entry.get(field.name, field.get_default())))
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
        canonical[kind.key] = sorted(items, key=lambda item, ident=kind.ident: item[ident])
    return canonical


def content_hash(document: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the document's content (publication metadata excluded)."""
    text = json.dumps(canonical_document(document), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _value_in(field: models.Field, raw: Any) -> Any:
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


# --- publish --------------------------------------------------------------------------------


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


def guideline_publish(*, version: GuidelineVersion, user=None, comment: str = "") -> GuidelineVersion:
    """Freeze the version's content as its snapshot and make it the one physicians see.

    The previously published version is retired in the same transaction; the
    ``one_published_version`` constraint backs this up if two publications race.
    """
    with transaction.atomic():
        version = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_frozen:
            raise ValidationError(
                f"Version {version.number} is {version.get_status_display().lower()}; "
                "only a version that was never published can be published."
            )
        current = list(GuidelineVersion.objects.select_for_update().filter(status=GuidelineVersion.Status.PUBLISHED))
        now = timezone.now()
        document = guideline_compile(version=version)
        document["published_at"] = now.isoformat()
        document["content_hash"] = content_hash(document)
        problems = publication_problems(document)
        if problems:
            raise ValidationError(problems)

        for previous in current:
            version_status_change(
                version=previous,
                to_status=GuidelineVersion.Status.RETIRED,
                user=user,
                comment=f"Replaced by version {version.number}.",
            )
        version.published_at = now
        version.published_by = user
        version.snapshot = document
        version.content_hash = document["content_hash"]
        version_status_change(
            version=version,
            to_status=GuidelineVersion.Status.PUBLISHED,
            user=user,
            comment=comment,
            fields=("published_at", "published_by", "snapshot", "content_hash"),
        )
    return version
