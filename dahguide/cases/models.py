"""Saved cases: what a physician decided, frozen, and what happened to it afterwards.

A ``Case`` is the mutable head (label, author, and a few fields copied from its latest revision so
the list can filter on indexed columns). Everything that records a decision or an act — a
``CaseRevision``, a ``ChecklistEvent``, a ``ReviewComment``, a ``SignOff``, a ``CaseAccessLog``
entry — is written once and never changed: their ``save`` refuses updates, their querysets refuse
``update()``, and no role holds a change permission (``default_permissions`` has none).

There are no name, record-number or birth-date fields; the label is checked for identifiers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dahguide.cases.validators import validate_label_has_no_identifiers
from dahguide.engine.vocabulary import PLEX_DECISIONS
from dahguide.plans.labels import DECISION_SHORT_LABELS

LABEL_MAX_LENGTH = 80
# Monitoring items whose review is due at the bedside: shown as a count on the case list.
DUE_CODES = ("monitor_oxygenation", "monitor_imaging", "monitor_maintenance_start")
# One wording per decision everywhere (dahguide/plans/labels.py): "Not enough data to decide", never
# "Insufficient data".
PLEX_DECISION_CHOICES = [(d, DECISION_SHORT_LABELS[d]) for d in PLEX_DECISIONS]


class ImmutableRecordError(Exception):
    """A record that is written once was about to be changed."""


def due_mask(codes: list[str]) -> int:
    return sum(1 << bit for bit, code in enumerate(DUE_CODES) if code in codes)


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRecordError(f"{self.model.__name__} rows are never changed once written.")


class ImmutableModel(models.Model):
    """Written once. Deletion is left to the owner's cascade (a case is never deleted in the app)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True
        default_permissions: ClassVar[tuple[str, ...]] = ("add", "view")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} {self.pk} is never changed once written.")
        super().save(*args, **kwargs)


class Case(models.Model):
    label = models.CharField(
        max_length=LABEL_MAX_LENGTH,
        validators=[validate_label_has_no_identifiers],
        help_text="A short description for you and your team; no names, record numbers or dates of birth.",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)  # when the latest revision was saved
    revision_count = models.PositiveIntegerField(default=1)
    # Copied from the latest revision's plan, so the list filters on indexed columns, not JSON.
    etiology = models.CharField(max_length=40, blank=True)  # "" = not given
    plex_decision = models.CharField(max_length=20, choices=PLEX_DECISION_CHOICES)
    guideline_version = models.PositiveIntegerField()
    # The latest plan's monitoring codes (the checklist), and which of DUE_CODES are among them as
    # bits (bit i: DUE_CODES[i]) so the list counts unticked due items in SQL.
    checklist_codes = models.JSONField(default=list, blank=True)
    due_mask = models.PositiveSmallIntegerField(default=0)
    # The wizard draft an amendment is being prepared in (its plan page saves it as a revision).
    amend_draft = models.ForeignKey(
        "wizard.DraftAssessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        default_permissions = ("add", "view")  # changes go through the services only
        # One index per sort of the case list (selectors.SORTS), in the sort's exact order, id as the
        # tie-breaker: a page's ids come from an index-only scan, never a sort of every match. A
        # filter on etiology, decision, version or author uses the index that leads with it, in
        # the default order (newest first; oldest first reads it backwards). On PostgreSQL each
        # also carries the other filtered columns as non-key columns (migration 0003), so any mix
        # of filters is checked inside the index; the label search has a trigram index (0002).
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="cases_case_created"),
            models.Index(fields=["etiology", "-created_at", "-id"], name="cases_case_etiology"),
            models.Index(fields=["plex_decision", "-created_at", "-id"], name="cases_case_decision"),
            models.Index(fields=["-guideline_version", "-created_at", "-id"], name="cases_case_version"),
            models.Index(fields=["author", "-created_at", "-id"], name="cases_case_author"),
            models.Index(fields=["label", "id"], name="cases_case_label"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}"  # never the label: it may end up in logs


class CaseRevision(ImmutableModel):
    """One saved decision: the inputs, the derived facts and the whole plan, under a pinned version."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=500, blank=True, help_text="Why the case was amended (from revision 2).")
    inputs = models.JSONField()  # the normalised intake, units explicit (the plan's "inputs")
    derived = models.JSONField()
    plan = models.JSONField()  # Plan.to_dict(), exactly as shown when it was saved
    # Codes only (decision, criteria statuses, recommendation/warning/monitoring codes): the list
    # export and the re-evaluation diff read this instead of the whole plan.
    summary = models.JSONField()
    guideline_version = models.PositiveIntegerField()
    guideline_title = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(max_length=64)
    # The wizard draft this was saved from: saving the same draft twice is refused.
    source_draft = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        ordering = ("case", "number")
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="cases_revision_unique_number"),
            models.CheckConstraint(condition=Q(number=1) | ~Q(reason=""), name="cases_revision_reason_after_first"),
        ]

    def __str__(self) -> str:
        return f"Case {self.case_id} revision {self.number}"


class ChecklistEvent(ImmutableModel):
    """A monitoring item of a case ticked or unticked. An item's state is its latest event."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checklist_events")
    code = models.CharField(max_length=64)  # a monitoring code of the case's plan
    ticked = models.BooleanField()
    note = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        ordering = ("case", "at", "id")
        indexes = [models.Index(fields=["case", "code", "-at", "-id"], name="cases_checklist_latest")]

    def __str__(self) -> str:
        return f"{'Ticked' if self.ticked else 'Unticked'} {self.code} of case {self.case_id}"


class ReviewComment(ImmutableModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    revision_number = models.PositiveIntegerField()  # the revision the comment was written on
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        ordering = ("case", "created_at", "id")
        indexes = [models.Index(fields=["case", "created_at"], name="cases_comment_case")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on case {self.case_id}"


class SignOff(ImmutableModel):
    """An attending's verdict on one revision.

    One per revision and attending (a unique constraint): a sign-off is final, and amending the
    case (a new revision) asks for a new one, as an edit invalidates an approval. Only an attending
    who wrote no revision of the case signs it off (``services.signoff_add``).
    """

    class Decision(models.TextChoices):
        AGREE = "agree", "Agree with the plan"
        DISAGREE = "disagree", "Disagree"

    class Reason(models.TextChoices):
        TREATMENT_DIFFERS = "treatment_differs", "Treatment given differs"
        CONTRAINDICATION = "contraindication", "Contraindication"
        PATIENT_PREFERENCE = "patient_preference", "Patient preference"
        GUIDANCE_OUTDATED = "guidance_outdated", "Guidance outdated"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="signoffs")
    revision = models.ForeignKey(CaseRevision, on_delete=models.CASCADE, related_name="signoffs")
    attending = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason_code = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    comment = models.CharField(max_length=2000, blank=True)
    # Whether the signer held the attending role when signing. Sign-offs made before the role
    # existed (any physician could sign, the author too) are False: they never show as an
    # attending's sign-off, and the list does not count them as signed off.
    by_attending = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        ordering = ("case", "created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["revision", "attending"], name="cases_signoff_once_per_attending"),
            models.CheckConstraint(
                condition=(Q(decision="agree") & Q(reason_code=""))
                | (Q(decision="disagree") & ~Q(reason_code="") & ~Q(comment="")),
                name="cases_signoff_disagree_needs_reason_and_comment",
            ),
        ]
        indexes = [models.Index(fields=["case", "created_at"], name="cases_signoff_case")]

    def __str__(self) -> str:
        return f"Sign-off {self.pk} of case {self.case_id}"


class CaseAccessLog(ImmutableModel):
    """Who opened which case, how and when: read by administrators in the admin."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        PRINT = "print", "Printed"
        REEVALUATE = "reevaluate", "Re-evaluated"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # PROTECT: the audit trail outlives nothing it records.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        ordering = ("-at", "-id")
        default_permissions = ("view",)
        verbose_name = "case access log entry"
        verbose_name_plural = "case access log"
        indexes = [
            models.Index(fields=["case", "-at"], name="cases_access_case"),
            models.Index(fields=["user", "-at"], name="cases_access_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} case {self.case_id}"
