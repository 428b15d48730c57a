"""Services that edit content rows: the rules every write path follows, the admin included.

- **Optimistic locking**: a save carries the ``lock_version`` the editor opened the row with; a
  row someone else saved since is refused with ``CONFLICT_MESSAGE`` (and the number is bumped).
- **An edit invalidates a review**: saving or deleting content of a submitted, under-review or
  approved version sends it back to draft (``workflow.version_content_edited``, logged).
- **Nothing referenced is deleted**: an item that golden cases expect, that other items of its
  version name, or that the engine needs to publish is refused with every reason
  (``content_delete_problems``).

Published and retired content is refused below all of this, by the models (``frozen``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from dahguide.engine import vocabulary
from dahguide.guidance.models import (
    ChangeNote,
    Citation,
    Condition,
    Disagreement,
    Dose,
    GoldenCase,
    GuidanceText,
    GuidelineVersion,
    Recommendation,
    Stance,
    Threshold,
    WarningContent,
)
from dahguide.guidance.workflow import version_content_edited

CONFLICT_MESSAGE = "This item was changed by someone else since you opened it; reload to see their change."
LOCK_FIELD = "lock_version"


def version_of(instance: models.Model) -> GuidelineVersion | None:
    """The guideline version a content row belongs to (None for a golden case)."""
    if isinstance(instance, Condition):
        instance = instance.item
    if isinstance(instance, GuidelineVersion):
        return instance
    return getattr(instance, "version", None)


def content_lock_check(*, instance: models.Model, lock_version: int | None) -> None:
    """Refuse a save over a change someone else saved after ``lock_version`` was read.

    Reads the row under a row lock, so call it inside the transaction that saves.
    """
    if instance.pk is None or instance._state.adding or lock_version is None:
        return
    current = (
        type(instance)
        ._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list(LOCK_FIELD, flat=True)
        .first()
    )
    if current is None or current != lock_version:
        raise ValidationError(CONFLICT_MESSAGE, code="conflict")


def content_save(
    *, instance: models.Model, user, lock_version: int | None = None, edited: bool = True, validated: bool = False
) -> models.Model:
    """Save one content row (or a golden case) under the editing rules.

    ``lock_version`` is the number the editor's page was opened with (None: no page, e.g. a
    script, which then takes the row as it is). ``edited`` is False for a save that changed
    nothing, which keeps the review. ``validated`` says the caller already ran ``full_clean``
    (an admin form does); otherwise it is run here.
    """
    with transaction.atomic():
        content_lock_check(instance=instance, lock_version=lock_version)
        if not instance._state.adding:
            base = lock_version if lock_version is not None else getattr(instance, LOCK_FIELD)
            setattr(instance, LOCK_FIELD, base + 1)
        if not validated:
            instance.full_clean()
        instance.save()
        if edited:
            content_edited(instance=instance, user=user)
    return instance


def content_edited(*, instance: models.Model, user) -> None:
    """A row of a version changed: a reviewed version goes back to draft."""
    version = version_of(instance)
    if version is not None and version.pk is not None:
        version_content_edited(version=version, user=user)


def content_delete(*, instance: models.Model, user) -> None:
    """Delete one content row, unless something refers to it (every reason is given)."""
    with transaction.atomic():
        problems = content_delete_problems(instance)
        if problems:
            raise ValidationError(problems, code="referenced")
        version = version_of(instance)
        if isinstance(instance, GuidelineVersion):
            version = None  # nothing is left to send back to draft
        instance.delete()
        if version is not None:
            version_content_edited(version=version, user=user)


def content_delete_problems(instance: models.Model) -> list[str]:
    """Why ``instance`` cannot be deleted, in an editor's words; empty when it can."""
    code = getattr(instance, "code", None)
    if isinstance(instance, Recommendation):
        return [*_golden_references(code, "recommendation"), *_parts_naming(instance)]
    if isinstance(instance, WarningContent):
        problems = _golden_references(code, "warning")
        if instance.kind == WarningContent.Kind.DATA_QUALITY and code in vocabulary.DATA_QUALITY_WARNINGS:
            problems.append(_engine_needs("data-quality warning", code))
        return problems
    if isinstance(instance, Dose):
        return _golden_references(code, "dose")
    if isinstance(instance, Threshold) and code in vocabulary.THRESHOLD_CODES:
        return [_engine_needs("threshold", code)]
    if isinstance(instance, GuidanceText) and code in vocabulary.TEXT_CODES:
        return [_engine_needs("text", code)]
    if isinstance(instance, Citation):
        return _citers(instance)
    return []


def _engine_needs(what: str, code: str) -> str:
    return f"The engine reads the {what} '{code}': a version without it cannot be published. Change it instead."


_GOLDEN_FIELDS = {
    "recommendation": ("expected_present", "expected_absent", "expected_withheld"),
    "warning": ("expected_warnings",),
}


def _golden_references(code: str, what: str) -> list[str]:
    if what == "dose":
        names = list(GoldenCase.objects.filter(expected_doses__has_key=code).values_list("name", flat=True))
    else:
        names = [
            case.name
            for case in GoldenCase.objects.only("name", *_GOLDEN_FIELDS[what])
            if any(code in (getattr(case, field) or ()) for field in _GOLDEN_FIELDS[what])
        ]
    if not names:
        return []
    return [
        f"Golden case{'s' if len(names) > 1 else ''} {', '.join(sorted(names))} expect{'' if len(names) > 1 else 's'} "
        f"the {what} '{code}': change or deactivate the case first."
    ]


def _parts_naming(recommendation: Recommendation) -> list[str]:
    version, code = recommendation.version_id, recommendation.code
    found = [
        (what, count)
        for what, queryset in (
            ("stance", Stance.objects.filter(version_id=version, recommendation=code)),
            ("dose", Dose.objects.filter(version_id=version, recommendation=code)),
            ("disagreement", Disagreement.objects.filter(version_id=version, topic=code)),
            ("change note", ChangeNote.objects.filter(version_id=version, recommendation=code)),
        )
        if (count := queryset.count())
    ]
    if not found:
        return []
    named = ", ".join(f"{count} {what}{'s' if count > 1 else ''}" for what, count in found)
    return [f"{named} of this version name the recommendation '{code}': delete or change them first."]


def _citers(citation: Citation) -> list[str]:
    cited_by = [
        (field.related_model._meta.verbose_name_plural, count)
        for field in Citation._meta.related_objects
        if field.many_to_many and field.related_model is not GuidelineVersion
        if (count := field.related_model.objects.filter(**{field.field.name: citation}).count())
    ]
    if GuidelineVersion.objects.filter(Q(pk=citation.version_id) & Q(plasma_exchange_citations=citation)).exists():
        cited_by.append(("the plasma-exchange check", 1))
    if not cited_by:
        return []
    named = ", ".join(f"{count} {what}" if what != "the plasma-exchange check" else what for what, count in cited_by)
    return [f"{citation.label} is cited by {named}: remove it there first."]
