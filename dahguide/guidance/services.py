"""State changes of guideline content: import a snapshot document into rows, publish a version.

Reading a version back into a document, its canonical form and its hash live in ``documents``;
import walks the same ``documents.KINDS`` table, so the two directions cannot drift apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from dahguide.engine import vocabulary
from dahguide.guidance.documents import (
    DOCUMENT_KEYS,
    KINDS,
    Kind,
    content_hash,
    guideline_compile,
    publication_problems,
    value_in,
    with_current_fact_names,
)
from dahguide.guidance.frozen import filling_new_draft, links_of_new_draft, status_change_allowed
from dahguide.guidance.models import (
    TRANSITION_REASON,
    Citation,
    GuidanceText,
    GuidelineVersion,
    Recommendation,
    VersionTransition,
    WarningContent,
)
from dahguide.guidance.selectors import next_version_number
from dahguide.observability import security_event

_CONDITION_KEYS = frozenset({"fact", "op", "values"})


# --- versions -------------------------------------------------------------------------------


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

    with filling_new_draft(version.pk):
        created: list[models.Model] = []
        errors += _fill_draft(version, with_current_fact_names(document), created)
    if not errors:
        _history_of_created(created)

    if errors:
        raise ValidationError(errors)  # leaving the atomic block rolls every row back
    if publish:
        version = guideline_publish(version=version, user=user, comment=change_summary)
    return version


def _fill_draft(version: GuidelineVersion, document: Mapping[str, Any], created: list[models.Model]) -> list[str]:
    """Write the document's items into the new draft, each row saved added to ``created``; every
    problem found, none if all were saved."""
    errors: list[str] = []
    citations: dict[str, Citation] = {}
    refused: set[str] = set()  # codes of the recommendations refused above
    for kind in KINDS:
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
                row = _create_item(kind, version, entry, citations, created)
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
        _save_created(row, created)

    try:
        _attach_citations(
            version.plasma_exchange_citations,
            _resolve_citations(document.get("plasma_exchange_citations", []), citations),
        )
    except ValidationError as exc:
        errors.extend(f"Plasma-exchange citations: {m}" for m in _messages(exc))
    return errors


def _save_created(row: models.Model, created: list[models.Model]) -> None:
    # Its "created" history record is written with the others, one INSERT per model (``_history_of_created``).
    row.skip_history_when_saving = True  # read by simple-history
    try:
        row.save()
    finally:
        del row.skip_history_when_saving
    created.append(row)


def _history_of_created(created: list[models.Model]) -> None:
    """The "created" history record of every row an import saved, as simple-history writes one on save."""
    by_model: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for row in created:
        by_model[type(row)].append(row)
    for model, rows in by_model.items():
        model.history.bulk_history_create(rows)


def _create_item(
    kind: Kind, version: GuidelineVersion, entry: Any, citations: Mapping[str, Citation], created: list[models.Model]
):
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
                setattr(row, field.attname, value_in(field, entry[field.name]))
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

    _save_created(row, created)
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
                _save_created(condition, created)
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
# after the existing ones. ``documents.guideline_compile`` reads the links in id order.
def _attach_citations(manager, citations: list[Citation]) -> None:
    if links_of_new_draft(manager.instance):
        # A row just created in the draft being filled has no links yet: one INSERT, in list order.
        through = manager.through
        through._default_manager.bulk_create(
            [through(**{manager.source_field_name: manager.instance, manager.target_field_name: c}) for c in citations]
        )
        return
    for citation in citations:
        manager.add(citation)  # one at a time: add(*several) inserts them in no particular order


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


# --- publish --------------------------------------------------------------------------------


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
