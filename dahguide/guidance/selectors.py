"""Reads of guideline content, above all the published snapshot the engine evaluates against.

Every request asks the database one cheap question (which version is published, and its hash);
the parsed, immutable ``Snapshot`` comes from a per-process cache keyed by that answer. A
publication in another process changes the answer, so each process picks it up on its next
request without any shared invalidation.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.db.models import Max

from dahguide.engine.content import Snapshot
from dahguide.guidance.models import GuidelineVersion

_KEY_FIELDS = ("id", "content_hash", "published_at")
_FROZEN = (GuidelineVersion.Status.PUBLISHED, GuidelineVersion.Status.RETIRED)


def next_version_number() -> int:
    return (GuidelineVersion.objects.aggregate(last=Max("number"))["last"] or 0) + 1


def get_published_version() -> GuidelineVersion | None:
    """The version physicians currently see (its stored snapshot deferred), or None."""
    return GuidelineVersion.objects.filter(status=GuidelineVersion.Status.PUBLISHED).defer("snapshot").first()


def get_published_snapshot() -> Snapshot | None:
    """The engine's view of the published version; one query when the snapshot is cached."""
    key = GuidelineVersion.objects.filter(status=GuidelineVersion.Status.PUBLISHED).values(*_KEY_FIELDS).first()
    return _cached_snapshot(*(key[f] for f in _KEY_FIELDS)) if key else None


def get_snapshot_for_version(number: int) -> Snapshot | None:
    """The frozen snapshot of a published or retired version (a plan saved under it), or None."""
    key = GuidelineVersion.objects.filter(number=number, status__in=_FROZEN).values(*_KEY_FIELDS).first()
    return _cached_snapshot(*(key[f] for f in _KEY_FIELDS)) if key else None


@lru_cache(maxsize=16)
def _cached_snapshot(version_id: int, content_hash: str, published_at: datetime) -> Snapshot:
    # published_at is part of the key because a test database that rolls back can hand the same
    # id to a new version with the same content; in production (id, hash) alone would do.
    document = GuidelineVersion.objects.values_list("snapshot", flat=True).get(pk=version_id)
    return Snapshot.from_dict(document)


def clear_snapshot_cache() -> None:
    _cached_snapshot.cache_clear()
