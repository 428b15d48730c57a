"""Reads of draft assessments. Every read is scoped to its owner: another user's draft is a 404."""

from __future__ import annotations

import uuid

from django.http import Http404

from dahguide import prepared
from dahguide.wizard.models import DraftAssessment

UNFINISHED_LIST_LIMIT = 20


def draft_get(*, owner, pk: uuid.UUID) -> DraftAssessment:
    # Read on every wizard page: a prepared read (dahguide.prepared) rather than a QuerySet each time.
    found = prepared.rows(DraftAssessment, where={"pk": pk, "owner": owner})
    if not found:
        raise Http404("No such assessment.")
    return found[0]


def drafts_unfinished(*, owner, limit: int = UNFINISHED_LIST_LIMIT) -> list[DraftAssessment]:
    """The owner's unfinished drafts, newest first; bounded so the home page stays fast."""
    return prepared.rows(
        DraftAssessment, where={"owner": owner, "finished": False}, order_by=("-updated_at",), limit=limit
    )
