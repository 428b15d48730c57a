"""A bedside assessment in progress: the raw answers, step by step, kept server-side.

The UUID in the URL (not the session) identifies the draft, so two tabs never collide and a
session that expires mid-way loses nothing: after logging in again the same URL resumes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class DraftAssessment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="draft_assessments")
    # Raw answers exactly as typed, per input name (invalid text included), so Back and a
    # refresh never lose anything. Only the engine's parse turns them into clinical values.
    answers = models.JSONField(default=dict, blank=True)
    current_step = models.CharField(max_length=32)
    completed_steps = models.JSONField(default=list, blank=True)
    # Answers prefilled from the EHR: input name -> {"value", "source", "read_at"}. An answer still
    # equal to its "value" is shown as "from the EHR" (with its source), any other as "entered".
    sources = models.JSONField(default=dict, blank=True)
    # The published guideline version's number when the draft was started (None when none was published).
    guideline_version = models.PositiveIntegerField(null=True, blank=True)
    finished = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "updated_at"], name="wizard_draft_owner_updated")]

    def __str__(self) -> str:
        return f"Draft {self.pk} ({self.current_step})"
