"""Reads of guideline content, above all the published snapshot the engine evaluates against.

Every request asks the database one cheap question (which version is published, and its hash);
the parsed, immutable ``Snapshot`` comes from a per-process cache keyed by that answer. A
publication in another process changes the answer, so each process picks it up on its next
request without any shared invalidation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from dahguide import prepared
from dahguide.engine.content import Snapshot
from dahguide.guidance import labels
from dahguide.guidance.documents import guideline_compile
from dahguide.guidance.models import (
    TRANSITION_REASON,
    ChangeNote,
    Citation,
    Disagreement,
    DisagreementCondition,
    Dose,
    GuidanceText,
    GuidelineVersion,
    MonitoringCondition,
    MonitoringItem,
    Recommendation,
    RecommendationCondition,
    Stance,
    Threshold,
    VersionTransition,
    WarningCondition,
    WarningContent,
)

_KEY_FIELDS = ("id", "content_hash", "published_at")
_FROZEN = (GuidelineVersion.Status.PUBLISHED, GuidelineVersion.Status.RETIRED)


def next_version_number() -> int:
    return (GuidelineVersion.objects.aggregate(last=Max("number"))["last"] or 0) + 1


def get_published_version() -> GuidelineVersion | None:
    """The version physicians currently see (its stored snapshot deferred), or None."""
    return GuidelineVersion.objects.filter(status=GuidelineVersion.Status.PUBLISHED).defer("snapshot").first()


def get_published_snapshot() -> Snapshot | None:
    """The engine's view of the published version; one query when the snapshot is cached."""
    # At most one row is published (the one_published_version constraint): no ORDER BY to build or run.
    # Read on every wizard page: a prepared read (dahguide.prepared) rather than a QuerySet each time.
    found = prepared.rows(
        GuidelineVersion, where={"status": GuidelineVersion.Status.PUBLISHED}, fields=_KEY_FIELDS, limit=1
    )
    return _cached_snapshot(found[0].id, found[0].content_hash, found[0].published_at) if found else None


def get_snapshot_for_version(number: int) -> Snapshot | None:
    """The frozen snapshot of a published or retired version (a plan saved under it), or None."""
    key = GuidelineVersion.objects.filter(number=number, status__in=_FROZEN).values(*_KEY_FIELDS).first()
    return _cached_snapshot(*(key[f] for f in _KEY_FIELDS)) if key else None


@lru_cache(maxsize=16)
def _cached_snapshot(version_id: int, content_hash: str, published_at: datetime) -> Snapshot:
    # published_at is part of the key because a test database that rolls back can hand the same
    # id to a new version with the same content; in production (id, hash) alone would do.
    document = GuidelineVersion.objects.values_list("snapshot", flat=True).get(pk=version_id)
    snapshot = Snapshot.from_dict(document)
    snapshot.memo[_ROW_MEMO] = (version_id, published_at)
    return snapshot


# Snapshot.memo keys: the row a cached snapshot was read from, and that version's change notes
# (frozen with the version like the rest of its content, so read once per process).
_ROW_MEMO = "guidance.version_row"
_NOTES_MEMO = "guidance.change_notes"


def clear_snapshot_cache() -> None:
    _cached_snapshot.cache_clear()


# --- review workflow ------------------------------------------------------------------------

_ITEM_MODELS = (
    Citation,
    Threshold,
    Recommendation,
    MonitoringItem,
    WarningContent,
    Disagreement,
    Stance,
    Dose,
    GuidanceText,
    ChangeNote,
)
_CONDITION_MODELS = (RecommendationCondition, MonitoringCondition, WarningCondition, DisagreementCondition)


@dataclass(frozen=True)
class RecommendationRow:
    """One line of a version's recommendation index, with the modifiers an action still lacks a stance for."""

    recommendation: Recommendation
    missing_stances: tuple[str, ...]  # labels, in the vocabulary's order

    @property
    def is_action(self) -> bool:
        return self.recommendation.kind == labels.ACTION


def recommendation_index(*, version: GuidelineVersion) -> list[RecommendationRow]:
    """The version's recommendations in display order (two queries, whatever their number)."""
    declared: dict[str, set[str]] = defaultdict(set)
    for code, modifier in Stance.objects.filter(version=version).values_list("recommendation", "modifier"):
        declared[code].add(modifier)
    rows = Recommendation.objects.filter(version=version).only(
        "id", "version_id", "code", "section", "kind", "timing", "title", "order"
    )
    return [
        RecommendationRow(
            r,
            tuple(labels.MODIFIERS.label(m) for m in labels.missing_modifiers(declared[r.code]))
            if r.kind == labels.ACTION
            else (),
        )
        for r in rows
    ]


def get_open_version() -> GuidelineVersion | None:
    """The newest version being prepared or reviewed (draft, submitted, under review, approved)."""
    return GuidelineVersion.objects.filter(status__in=GuidelineVersion.OPEN_STATUSES).defer("snapshot").first()


def get_version(*, pk: int) -> GuidelineVersion:
    """The version with this id, or 404."""
    return get_object_or_404(GuidelineVersion, pk=pk)


def get_version_for_review(*, pk: int) -> GuidelineVersion:
    """The version with the people its review page names (creator, publisher) joined in, or 404."""
    return get_object_or_404(GuidelineVersion.objects.select_related("created_by", "published_by"), pk=pk)


def versions_newest_first() -> list[GuidelineVersion]:
    """Every version, newest first, its stored snapshot deferred."""
    return list(GuidelineVersion.objects.defer("snapshot").order_by("-number"))


def version_baseline(*, version: GuidelineVersion) -> GuidelineVersion | None:
    """What a version is compared with: the published one, or for the published one its predecessor."""
    published = get_published_version()
    if published is not None and published.pk != version.pk:
        return published
    return (
        GuidelineVersion.objects.filter(status=GuidelineVersion.Status.RETIRED, number__lt=version.number)
        .defer("snapshot")
        .order_by("-number")
        .first()
    )


def version_transitions(*, version: GuidelineVersion) -> QuerySet[VersionTransition]:
    return VersionTransition.objects.filter(version=version).select_related("user").order_by("at", "id")


def version_document(*, version: GuidelineVersion) -> dict[str, Any]:
    """The snapshot document of any version: frozen for a published or retired one, else compiled."""
    if version.is_frozen and version.snapshot:
        return version.snapshot
    return guideline_compile(version=version)


def version_authors(*, version: GuidelineVersion) -> set[int]:
    """Ids of everyone who created, changed or submitted the version: none of them may approve it.

    Changes are read from django-simple-history: every saved or deleted item and condition of the
    version, and the version's own rows except those a workflow step wrote. Creation and
    submission come from the transition log. Edits made outside a request carry no user and
    cannot be attributed; the admin is the editors' only way in. One query per content model.
    """
    authors: set[int] = set(
        VersionTransition.objects.filter(version=version)
        .filter(Q(to_status=GuidelineVersion.Status.SUBMITTED) | Q(from_status=""))
        .exclude(user=None)
        .values_list("user_id", flat=True)
    )
    if version.created_by_id is not None:
        authors.add(version.created_by_id)
    authors.update(
        GuidelineVersion.history.filter(id=version.pk)
        .exclude(history_change_reason=TRANSITION_REASON)
        .exclude(history_user=None)
        .values_list("history_user_id", flat=True)
    )
    for model in _ITEM_MODELS:
        authors.update(_history_users(model.history.filter(version_id=version.pk)))
    for model in _CONDITION_MODELS:
        item_field = model.ITEM_FIELD
        item_model = model._meta.get_field(item_field).related_model
        ever_in_version = item_model.history.filter(version_id=version.pk).values("id")
        authors.update(_history_users(model.history.filter(**{f"{item_field}_id__in": ever_in_version})))
    return authors


def _history_users(history: QuerySet) -> set[int]:
    return set(history.exclude(history_user=None).order_by().values_list("history_user_id", flat=True).distinct())


# --- what changed, for physicians -----------------------------------------------------------


@dataclass(frozen=True)
class ChangedRecommendation:
    code: str
    title: str
    note: str


@dataclass(frozen=True)
class PublishedChanges:
    version: GuidelineVersion
    recommendations: tuple[ChangedRecommendation, ...]


def published_changes(*, limit: int = 20) -> list[PublishedChanges]:
    """Published and retired versions, newest first, each with its change notes (three queries)."""
    versions = list(
        GuidelineVersion.objects.filter(status__in=_FROZEN, published_at__isnull=False)
        .defer("snapshot")
        .order_by("-published_at")[:limit]
    )
    notes = list(ChangeNote.objects.filter(version__in=versions).order_by("version_id", "recommendation"))
    titles = dict(
        ((version_id, code), title)
        for version_id, code, title in Recommendation.objects.filter(
            version__in=versions, code__in={n.recommendation for n in notes}
        ).values_list("version_id", "code", "title")
    )
    by_version: dict[int, list[ChangedRecommendation]] = defaultdict(list)
    for note in notes:
        title = titles.get((note.version_id, note.recommendation), note.recommendation)
        by_version[note.version_id].append(ChangedRecommendation(note.recommendation, title, note.text))
    return [PublishedChanges(v, tuple(by_version[v.pk])) for v in versions]


def recently_changed(snapshot: Snapshot, *, days: int) -> Mapping[str, str]:
    """{recommendation code: change note} of the version a snapshot was read from
    (``get_published_snapshot``, ``get_snapshot_for_version``) while it was published within
    ``days`` days, else {}. No query once the process has read the version's notes.

    A plan marks these recommendations "changed in this version" (``DAHGUIDE_CHANGED_MARK_DAYS``).
    """
    row = snapshot.memo.get(_ROW_MEMO)
    if row is None or days <= 0:  # content not read from a published or retired version has no notes to show
        return {}
    version_id, published_at = row
    if published_at is None or published_at < timezone.now() - timedelta(days=days):
        return {}
    notes = snapshot.memo.get(_NOTES_MEMO)
    if notes is None:
        rows = ChangeNote.objects.filter(version_id=version_id).values_list("recommendation", "text")
        notes = snapshot.memo[_NOTES_MEMO] = MappingProxyType(dict(rows))
    return notes
