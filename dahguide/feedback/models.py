"""Why a recommendation was not followed, from the bedside and from the EHR, and how often it was shown.

- ``NotFollowed``: a physician's mark on one recommendation of one saved revision, with a coded
  reason. Written once (``ImmutableModel``: no change or delete, not even a change permission).
- ``CdsCard``: a card the CDS service returned, by its uuid: the guideline version, the card's
  topic and the client it was sent to. No patient data: the feedback endpoint maps a card's uuid
  back to its recommendations through it.
- ``CdsFeedback``: the EHR's outcome for one card (accepted or overridden with a reason); one per
  card, so a repeated call changes nothing.
- ``Impression``: one recommendation shown once: per saved revision (the app) or per card (the EHR).
  Counting rows written when the plan is saved or the card sent is cheap and needs no page-view log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dahguide.cases.models import Case, CaseRevision, ImmutableModel

CODE_MAX_LENGTH = 64
COMMENT_MAX_LENGTH = 2000


class Reason(models.TextChoices):
    """Why a recommendation was not followed: one code list for the bedside and the CDS cards."""

    NOT_AVAILABLE = "not_available", "Not available here (for example apheresis or ECMO)"
    CONTRAINDICATED = "contraindicated", "Contraindicated for this patient"
    PATIENT_PREFERENCE = "patient_preference", "Patient or family preference"
    CLINICAL_JUDGEMENT = "clinical_judgement", "Clinical judgement differs"
    NEEDS_INFORMATION = "needs_information", "Needs more information"
    OTHER = "other", "Other"


# A clinician who departs on judgement (or for a reason not listed) says why: the code alone
# would tell an editor nothing.
COMMENT_REQUIRED = frozenset({Reason.CLINICAL_JUDGEMENT, Reason.OTHER})


class Source(models.TextChoices):
    APP = "app", "DAH Guide"
    EHR = "ehr", "EHR (CDS Hooks)"


class NotFollowed(ImmutableModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    revision = models.ForeignKey(CaseRevision, on_delete=models.CASCADE, related_name="+")
    recommendation_code = models.CharField(max_length=CODE_MAX_LENGTH)
    guideline_version = models.PositiveIntegerField()  # the revision's: aggregates need no join
    reason_code = models.CharField(max_length=30, choices=Reason.choices)
    comment = models.CharField(max_length=COMMENT_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        verbose_name = "recommendation not followed"
        verbose_name_plural = "recommendations not followed"
        ordering = ("revision", "created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "recommendation_code"], name="feedback_notfollowed_once_per_revision"
            ),
            models.CheckConstraint(condition=Q(reason_code__in=Reason.values), name="feedback_notfollowed_reason"),
            models.CheckConstraint(
                condition=~Q(reason_code__in=COMMENT_REQUIRED) | ~Q(comment=""),
                name="feedback_notfollowed_comment_when_required",
            ),
        ]
        indexes = [models.Index(fields=["guideline_version", "recommendation_code"], name="feedback_nf_version")]

    def __str__(self) -> str:
        return f"{self.recommendation_code} not followed in case {self.case_id} revision"


class CdsCard(ImmutableModel):
    uuid = models.UUIDField(primary_key=True, editable=False)
    guideline_version = models.PositiveIntegerField()
    topic = models.CharField(max_length=20)  # cards.TOPICS: decision, give_now, withheld, warning, data
    issuer = models.CharField(max_length=200, blank=True)  # the CDS client (JWT iss) it was sent to
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        verbose_name = "CDS card"
        ordering = ("issued_at",)

    def __str__(self) -> str:
        return f"CDS card {self.uuid}"


class CdsFeedback(ImmutableModel):
    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        OVERRIDDEN = "overridden", "Overridden"

    card = models.OneToOneField(CdsCard, on_delete=models.CASCADE, related_name="feedback")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason_code = models.CharField(max_length=30, choices=Reason.choices, blank=True)  # "" = no reason given
    user_comment = models.CharField(max_length=COMMENT_MAX_LENGTH, blank=True)
    accepted_suggestions = models.JSONField(default=list, blank=True)  # suggestion uuids
    outcome_at = models.DateTimeField()  # the EHR's outcomeTimestamp
    received_at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        verbose_name = "CDS card feedback"
        verbose_name_plural = "CDS card feedback"
        ordering = ("received_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="overridden") | (Q(outcome="accepted") & Q(reason_code="")),
                name="feedback_cds_reason_only_when_overridden",
            ),
            models.CheckConstraint(
                condition=Q(reason_code="") | Q(reason_code__in=Reason.values), name="feedback_cds_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} card {self.card_id}"


class Impression(ImmutableModel):
    source = models.CharField(max_length=3, choices=Source.choices)
    guideline_version = models.PositiveIntegerField()
    recommendation_code = models.CharField(max_length=CODE_MAX_LENGTH)
    revision = models.ForeignKey(CaseRevision, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(CdsCard, null=True, blank=True, on_delete=models.CASCADE, related_name="impressions")
    at = models.DateTimeField(default=timezone.now)

    class Meta(ImmutableModel.Meta):
        ordering = ("at", "id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(source="app") & Q(revision__isnull=False) & Q(card__isnull=True))
                | (Q(source="ehr") & Q(card__isnull=False) & Q(revision__isnull=True)),
                name="feedback_impression_one_origin",
            ),
            models.UniqueConstraint(fields=["revision", "recommendation_code"], name="feedback_impression_revision"),
            models.UniqueConstraint(fields=["card", "recommendation_code"], name="feedback_impression_card"),
        ]
        indexes = [
            models.Index(fields=["guideline_version", "recommendation_code", "source"], name="feedback_imp_version"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_code} shown ({self.source})"
