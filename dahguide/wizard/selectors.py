"""Reads of draft assessments. Every read is scoped to its owner: another user's draft is a 404."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from dahguide.wizard.models import DraftAssessment

UNFINISHED_LIST_LIMIT = 20


def draft_get(*, owner, pk: uuid.UUID) -> DraftAssessment:
    return get_object_or_404(DraftAssessment, pk=pk, owner=owner)


def drafts_unfinished(*, owner, limit: int = UNFINISHED_LIST_LIMIT) -> QuerySet[DraftAssessment]:
    """The owner's unfinished drafts, newest first; bounded so the home page stays fast."""
    return DraftAssessment.objects.filter(owner=owner, finished=False).order_by("-updated_at")[:limit]
