"""Published content cannot change: the guard every write of a content row crosses.

A published or retired version is what physicians saw and what two people reviewed. Its row and
every row that hangs off it (items, conditions, citation links) refuse ``save()``, ``delete()``,
``QuerySet.update()``, ``QuerySet.delete()``, ``bulk_create`` and ``bulk_update`` with
``FrozenContentError``, whichever path calls them: the admin, a service, a shell, a future API.
The admin only hides what this module refuses.

A version's status is the one exception, and it has one narrow way through: the workflow's
``services.version_status_change`` opens ``status_change_allowed`` for that version and saves only
the status fields. Nothing else writes a version's status, so "only the publish and retire
services change what is frozen" holds here, not in the callers.

``filling_new_draft`` is a shortcut, not an opening: while ``services.guideline_import`` fills the
draft it created in the same transaction, rows of that one draft skip the status queries that could
only answer "not frozen", and their uniqueness is checked against the rows written into the draft,
kept in memory, instead of one query per constraint. Every other version is checked as before.

Imports nothing of this app: ``models`` builds on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models

FROZEN = ("published", "retired")
# What a status change writes; everything else of a frozen version stays as it was published.
STATUS_FIELDS = frozenset({"status", "lock_version", "published_at", "published_by", "snapshot", "content_hash"})

_status_change: ContextVar[int | None] = ContextVar("guidance_status_change", default=None)
_restoring: ContextVar[bool] = ContextVar("guidance_restoring_published_rows", default=False)
_new_draft: ContextVar[int | None] = ContextVar("guidance_new_draft", default=None)
# The unique-constraint values of every row written into the draft being filled (``_unique_keys``).
_new_draft_keys: ContextVar[set[tuple[Any, ...]] | None] = ContextVar("guidance_new_draft_keys", default=None)


class FrozenContentError(PermissionDenied):
    """A write to published or retired guideline content, or a status change outside the workflow.

    A ``PermissionDenied``, so a view that lets one through answers 403 rather than 500.
    """


@contextmanager
def status_change_allowed(version_pk: int) -> Iterator[None]:
    """Let exactly one version's status fields be saved (``services.version_status_change`` only)."""
    token = _status_change.set(version_pk)
    try:
        yield
    finally:
        _status_change.reset(token)


@contextmanager
def restoring_published_rows() -> Iterator[None]:
    """Re-insert rows that a real import and publication already wrote, as they were.

    For putting back rows exactly as they were published: ``bin/restore`` of a JSON backup
    (``bin/lib/dbbackup.py``). Never for editing; ``load_guideline`` imports as a draft and publishes
    through the service. (The test suite's fast restore, ``tests/conftest.py``, sends its INSERTs
    directly and needs no opening.)
    """
    token = _restoring.set(True)
    try:
        yield
    finally:
        _restoring.reset(token)


@contextmanager
def filling_new_draft(version_pk: int) -> Iterator[None]:
    """Write the rows of a draft created in the current transaction without asking its status.

    Until that transaction commits, no other connection can see the draft, let alone publish it,
    so each row written into it would cost a status query that can only answer "not frozen"
    (about 1,000 of them in an import). For ``services.guideline_import``, which creates the draft,
    fills it inside this block and publishes only after leaving it. Every other version is
    checked as usual.

    The draft starts empty and only this block writes into it, so the rows it holds are the ones
    saved here: ``new_draft_clash`` and ``new_draft_has`` answer from them.
    """
    token, keys_token = _new_draft.set(version_pk), _new_draft_keys.set(set())
    try:
        yield
    finally:
        _new_draft_keys.reset(keys_token)
        _new_draft.reset(token)


def _in_new_draft(version_id: int | None) -> bool:
    return version_id is not None and version_id == _new_draft.get()


def parent_in_new_draft(instance: models.Model) -> str | None:
    """The field naming the version or item ``instance`` hangs off, when that parent is in hand and
    belongs to the draft being filled (``filling_new_draft``): the database can only confirm it exists."""
    lookup = version_lookup(type(instance))
    if lookup == "version":
        return "version" if _in_new_draft(getattr(instance, "version_id", None)) else None
    item_field = lookup.partition("__")[0]
    if not item_field:
        return None
    field = type(instance)._meta.get_field(item_field)
    if field.is_cached(instance) and _in_new_draft(getattr(getattr(instance, item_field), "version_id", None)):
        return item_field
    return None


def _version_constraints(model: type[models.Model]) -> list[models.UniqueConstraint]:
    """``model``'s unique constraints over plain fields that include its version."""
    return [
        c
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and "version" in c.fields and c.condition is None
    ]


def _unique_keys(instance: models.Model) -> set[tuple[Any, ...]]:
    """One key per unique constraint over ``instance``'s version; a NULL never clashes (as in SQL)."""
    keys = set()
    opts = instance._meta
    for constraint in _version_constraints(type(instance)):
        values = tuple(getattr(instance, opts.get_field(name).attname) for name in constraint.fields)
        if None not in values:
            keys.add((opts.label, constraint.name, values))
    return keys


def _adding_to_new_draft(instance: models.Model) -> bool:
    return (
        version_lookup(type(instance)) == "version"
        and instance._state.adding
        and _in_new_draft(getattr(instance, "version_id", None))
    )


def new_draft_clash(instance: models.Model) -> bool | None:
    """For a row being added to the draft being filled: whether a row written into it already has the
    same values for one of its unique constraints. None for any other row, or a model with another
    kind of constraint: ask the database."""
    written = _new_draft_keys.get()
    if written is None or not _adding_to_new_draft(instance):
        return None
    if len(_version_constraints(type(instance))) != len(instance._meta.constraints):
        return None
    return not written.isdisjoint(_unique_keys(instance))


def new_draft_saved(instance: models.Model) -> None:
    """Note a row just saved into the draft being filled (``FrozenGuarded.save``)."""
    written = _new_draft_keys.get()
    if written is not None and _in_new_draft(getattr(instance, "version_id", None)):
        written.update(_unique_keys(instance))


def new_draft_has(model: type[models.Model], **values: Any) -> bool:
    """Whether a row of ``model`` with ``values`` was saved into the draft being filled: the attnames of
    one of its unique constraints, in order (``version_id=…, code=…``). False says "not known": ask the
    database."""
    written = _new_draft_keys.get()
    if written is None or not _in_new_draft(values.get("version_id")):
        return False
    for constraint in _version_constraints(model):
        if [model._meta.get_field(name).attname for name in constraint.fields] == list(values):
            return (model._meta.label, constraint.name, tuple(values.values())) in written
    return False


def links_of_new_draft(instance: models.Model) -> bool:
    """Whether ``instance``'s citation links are written while it is filled into the new draft."""
    owner_version = instance.pk if version_lookup(type(instance)) == "" else getattr(instance, "version_id", None)
    return _in_new_draft(owner_version)


def version_lookup(model: type[models.Model]) -> str:
    """The lookup from ``model`` to its guideline version: "" for the version, "version" for an item."""
    return getattr(model, "VERSION_LOOKUP", "version")


def frozen_filter(model: type[models.Model]) -> dict[str, Any]:
    """Filter keywords selecting the rows of ``model`` that belong to a frozen version."""
    lookup = version_lookup(model)
    return {f"{lookup}__status__in" if lookup else "status__in": FROZEN}


def _versions() -> models.QuerySet:
    return apps.get_model("guidance", "GuidelineVersion")._base_manager.all()


def _target_is_frozen(instance: models.Model) -> bool:
    """Whether the version the row would belong to after this write is frozen (one query)."""
    lookup = version_lookup(type(instance))
    if parent_in_new_draft(instance):
        return False  # the draft being filled, or an item of it in hand: created in this transaction
    if lookup == "version":
        version_id = instance.version_id
        return version_id is not None and _versions().filter(pk=version_id, status__in=FROZEN).exists()
    item_field, _, _ = lookup.partition("__")
    item_id = getattr(instance, f"{item_field}_id")
    item_model = type(instance)._meta.get_field(item_field).related_model
    return item_id is not None and item_model._base_manager.filter(pk=item_id, **frozen_filter(item_model)).exists()


def _stored_is_frozen(instance: models.Model) -> bool:
    """Whether the row as stored belongs to a frozen version (it might be moved out of it)."""
    if instance.pk is None or instance._state.adding:
        return False
    return type(instance)._base_manager.filter(pk=instance.pk, **frozen_filter(type(instance))).exists()


def refuse_frozen_write(instance: models.Model, action: str, update_fields: Iterable[str] | None = None) -> None:
    """Raise ``FrozenContentError`` if saving or deleting ``instance`` would change frozen content."""
    if _restoring.get():
        return
    if version_lookup(type(instance)) == "":
        _refuse_version_write(instance, action, update_fields)
        return
    if _stored_is_frozen(instance) or (action == "save" and _target_is_frozen(instance)):
        raise FrozenContentError(_message(instance, action))


def _refuse_version_write(version: models.Model, action: str, update_fields: Iterable[str] | None) -> None:
    stored = None
    if version.pk is not None and not version._state.adding:
        stored = type(version)._base_manager.filter(pk=version.pk).values_list("status", flat=True).first()
    if action == "delete":
        if stored in FROZEN:
            raise FrozenContentError(
                f"Version {version.number} is {stored}: it is kept as physicians saw it and cannot be deleted."
            )
        return
    through_workflow = version.pk is not None and _status_change.get() == version.pk
    status_fields_only = update_fields is not None and set(update_fields) <= STATUS_FIELDS
    if stored in FROZEN and not (through_workflow and status_fields_only):
        raise FrozenContentError(
            f"Version {version.number} is {stored}: its content is frozen. Start a new draft to change it."
        )
    if version.status != (stored or "draft") and not through_workflow:
        raise FrozenContentError(
            "A version's status changes only through the review workflow (submit, review, approve, publish)."
        )


def _message(instance: models.Model, action: str) -> str:
    what = instance._meta.verbose_name
    verb = "deleted" if action == "delete" else "changed"
    return (
        f"This {what} belongs to a published or retired guideline version and cannot be {verb}: "
        "start a new draft version and change it there."
    )


class ContentQuerySet(models.QuerySet):
    """The bulk writes refuse frozen rows too; ``save()`` and ``delete()`` are the models' own."""

    def update(self, **kwargs: Any) -> int:
        self._refuse_bulk("update", kwargs)
        return super().update(**kwargs)

    def delete(self):
        self._refuse_bulk("delete", {})
        return super().delete()

    def bulk_create(self, objs, *args: Any, **kwargs: Any):
        objs = list(objs)
        if not _restoring.get():
            for obj in objs:
                refuse_frozen_write(obj, "save")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any):
        objs = list(objs)
        pks = [obj.pk for obj in objs]
        if not _restoring.get():
            self.model._base_manager.filter(pk__in=pks)._refuse_bulk("update", dict.fromkeys(fields))
            for obj in objs:
                refuse_frozen_write(obj, "save")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def _refuse_bulk(self, action: str, changes: dict[str, Any]) -> None:
        if _restoring.get():
            return
        lookup = version_lookup(self.model)
        if lookup == "" and "status" in changes:
            raise FrozenContentError(
                "A version's status changes only through the review workflow (submit, review, approve, publish)."
            )
        if self.filter(**frozen_filter(self.model)).exists():
            verb = "deleted" if action == "delete" else "changed"
            raise FrozenContentError(
                f"Some of these {self.model._meta.verbose_name_plural} belong to a published or retired guideline "
                f"version and cannot be {verb}: start a new draft version and change them there."
            )
        field = lookup.partition("__")[0]
        target = changes.get(field, changes.get(f"{field}_id")) if lookup else None
        if target is not None and _target_frozen_value(self.model, field, target):
            raise FrozenContentError(
                f"These {self.model._meta.verbose_name_plural} cannot be moved into a published or retired version."
            )


def _target_frozen_value(model: type[models.Model], field: str, target: Any) -> bool:
    related = model._meta.get_field(field).related_model
    pk = getattr(target, "pk", target)
    return related._base_manager.filter(pk=pk, **frozen_filter(related)).exists()


class ContentManager(models.Manager.from_queryset(ContentQuerySet)):
    pass


def refuse_frozen_link_change(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """``m2m_changed`` receiver: citation links of frozen items (and their versions) stay as published."""
    if _restoring.get() or action not in {"pre_add", "pre_remove", "pre_clear"}:
        return
    owners_frozen = type(instance)._base_manager.filter(pk=instance.pk, **frozen_filter(type(instance))).exists()
    if not owners_frozen and reverse and pk_set:
        owners_frozen = model._base_manager.filter(pk__in=pk_set, **frozen_filter(model)).exists()
    if owners_frozen:
        raise FrozenContentError(
            "The citations of published or retired content cannot change: start a new draft version."
        )
