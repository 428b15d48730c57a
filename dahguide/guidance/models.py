"""Guideline content as rows: one version and the items it holds.

The rows mirror the snapshot document of ``dahguide.engine.content`` field for field (a document
key is a model field), so ``services.guideline_import`` and ``services.guideline_compile`` are
inverse and generic. Editors change rows of a draft version; publishing freezes the compiled
document on the version, and the engine only ever reads that frozen snapshot.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from dahguide.engine import vocabulary

_VERIFICATION_LABELS = {
    "primary": "Primary source checked [R]",
    "secondary": "Secondary source only [S]",
    "unverified": "Unverified [U]",
}
VERIFICATION_CHOICES = [(value, _VERIFICATION_LABELS[value]) for value in vocabulary.VERIFICATION]



# Choices read the engine's vocabulary when asked (callables), so a new fact or operator in the
# engine needs no migration here; ``vocabulary.validate_condition`` is the real check.
def section_choices() -> list[tuple[str, str]]:
    return [(section, section.replace("_", " ").capitalize()) for section in vocabulary.SECTIONS]


def severity_choices() -> list[tuple[str, str]]:
    return [(severity, severity.capitalize()) for severity in vocabulary.SEVERITIES]


def fact_choices() -> list[tuple[str, str]]:
    return [(name, spec.label) for name, spec in vocabulary.FACTS.items()]


def operator_choices() -> list[tuple[str, str]]:
    return list({**vocabulary.BOOLEAN_OPERATORS, **vocabulary.CHOICE_OPERATORS}.items())


class GuidelineVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        UNDER_REVIEW = "under_review", "Under review"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    # Published and retired versions are what physicians saw: never edited again.
    FROZEN_STATUSES = frozenset({Status.PUBLISHED, Status.RETIRED})

    number = models.PositiveIntegerField(unique=True, validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    change_summary = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(max_length=64, blank=True)
    # Cited beside the plasma-exchange check; the criteria themselves are code.
    plasma_exchange_citations = models.ManyToManyField("Citation", blank=True, related_name="+")
    # The whole compiled document, written once at publication; the engine reads only this.
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    # Bumped on every save through a service; issue 4 compares it to refuse a lost update.
    lock_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["snapshot"])

    class Meta:
        ordering = ("-number",)
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="published"), name="one_published_version"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="guidance_version_status_idx")]

    def __str__(self) -> str:
        return f"Version {self.number}: {self.title} ({self.get_status_display()})"

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN_STATUSES


class VersionItem(models.Model):
    """Anything that belongs to exactly one guideline version."""

    version = models.ForeignKey(GuidelineVersion, on_delete=models.CASCADE, related_name="%(class)ss")

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class CodedItem(VersionItem):
    """An item with a stable code, unique within its version (golden cases refer to codes)."""

    code = models.SlugField(max_length=100, db_index=False)

    class Meta:
        abstract = True
        ordering = ("version", "code")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="%(app_label)s_%(class)s_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code


class VerifiedItem(models.Model):
    verification = models.CharField(max_length=20, choices=VERIFICATION_CHOICES, default="primary")

    class Meta:
        abstract = True


class CitedItem(models.Model):
    citations = models.ManyToManyField("Citation", blank=True, related_name="%(class)ss")

    class Meta:
        abstract = True


class ShownItem(CitedItem, VerifiedItem):
    """Content shown in a plan: ordered, cited, tagged with how well its source was checked."""

    order = models.IntegerField(default=0)

    class Meta:
        abstract = True


class Citation(VersionItem, VerifiedItem):
    key = models.SlugField(max_length=100, db_index=False)
    label = models.CharField(max_length=100, help_text='Short form shown beside the text, e.g. "KDIGO 2024".')
    reference = models.TextField(help_text="Full reference.")
    url = models.URLField(max_length=500, blank=True, help_text="DOI link or URL.")

    class Meta:
        ordering = ("version", "key")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="guidance_citation_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"


class Threshold(CodedItem, CitedItem):
    """A named number the engine compares against; the comparison itself is code."""

    label = models.CharField(max_length=200)
    value = models.DecimalField(max_digits=10, decimal_places=4)
    unit = models.CharField(max_length=30)
    plausible_min = models.DecimalField(max_digits=10, decimal_places=4)
    plausible_max = models.DecimalField(max_digits=10, decimal_places=4)
    note = models.TextField(blank=True)

    class Meta(CodedItem.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.code} = {_number(self.value)} {self.unit}"

    def clean(self) -> None:
        super().clean()
        if None in (self.value, self.plausible_min, self.plausible_max):
            return  # clean_fields() already reported the missing number
        if self.plausible_min > self.plausible_max:
            raise ValidationError(
                {"plausible_max": "The plausible maximum must not be below the plausible minimum."}
            )
        if not self.plausible_min <= self.value <= self.plausible_max:
            raise ValidationError(
                {
                    "value": (
                        f"{_number(self.value)} {self.unit} is outside the plausible range for this threshold "
                        f"({_number(self.plausible_min)}–{_number(self.plausible_max)} {self.unit}). "
                        "Check the number and its unit."
                    )
                }
            )


class Recommendation(CodedItem, ShownItem):
    section = models.CharField(max_length=30, choices=section_choices)
    title = models.CharField(max_length=300)
    text = models.TextField(help_text="Markdown.")
    strength = models.CharField(max_length=100, blank=True, help_text='Grade as the guideline writes it, e.g. "1B".')
    last_reviewed = models.DateField(null=True, blank=True)

    class Meta(CodedItem.Meta):
        ordering = ("version", "section", "order", "code")
        indexes = [models.Index(fields=["version", "section", "order"], name="guidance_rec_section_idx")]


class MonitoringItem(CodedItem, ShownItem):
    text = models.TextField()

    class Meta(CodedItem.Meta):
        ordering = ("version", "order", "code")


class WarningContent(CodedItem, ShownItem):
    """A red flag (its conditions decide) or the text of a data-quality warning (the engine decides)."""

    class Kind(models.TextChoices):
        RED_FLAG = "red_flag", "Red flag"
        DATA_QUALITY = "data_quality", "Data quality"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RED_FLAG)
    severity = models.CharField(max_length=20, choices=severity_choices)
    text = models.TextField()

    class Meta(CodedItem.Meta):
        ordering = ("version", "kind", "order", "code")
        indexes = [models.Index(fields=["version", "kind", "order"], name="guidance_warning_kind_idx")]


class Disagreement(CodedItem, ShownItem):
    """One source's position on a topic: a recommendation code, or ``plasma_exchange``."""

    PLASMA_EXCHANGE_TOPIC = "plasma_exchange"

    topic = models.SlugField(max_length=100, db_index=False)
    source = models.CharField(max_length=100, help_text='Who holds the position, e.g. "ACR/VF 2021".')
    position = models.TextField()
    strength = models.CharField(max_length=100, blank=True)

    class Meta(CodedItem.Meta):
        ordering = ("version", "topic", "order", "code")
        indexes = [models.Index(fields=["version", "topic"], name="guidance_disagree_topic_idx")]

    def clean(self) -> None:
        super().clean()
        if self.version_id is None or not self.topic or self.topic == self.PLASMA_EXCHANGE_TOPIC:
            return
        if not Recommendation.objects.filter(version_id=self.version_id, code=self.topic).exists():
            raise ValidationError(
                {
                    "topic": (
                        f"'{self.topic}' is neither '{self.PLASMA_EXCHANGE_TOPIC}' nor the code of a "
                        "recommendation in this version."
                    )
                }
            )


class GuidanceText(CodedItem):
    """A fixed sentence the engine shows (disclaimer, decision texts, criterion names)."""

    text = models.TextField()

    class Meta(CodedItem.Meta):
        pass


class Condition(models.Model):
    """One condition of ``applies_when``: conditions of the same group are AND-ed, groups OR-ed."""

    ITEM_FIELD: str  # name of the foreign key to the item, set by each concrete model

    group = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    fact = models.CharField(max_length=60, choices=fact_choices)
    op = models.CharField("operator", max_length=20, choices=operator_choices)
    values = models.JSONField(default=list, blank=True, help_text="List of values, for 'is one of' / 'not one of'.")

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ("group", "id")  # creation order within a group keeps the document's order

    def __str__(self) -> str:
        values = f" {', '.join(map(str, self.values))}" if self.values else ""
        return f"group {self.group}: {self.fact} {self.op}{values}"

    @property
    def item(self) -> CodedItem:
        """The recommendation, monitoring item, warning or disagreement this condition belongs to."""
        return getattr(self, self.ITEM_FIELD)

    def clean(self) -> None:
        super().clean()
        if self.values is None:  # a blank values box on a yes/no fact
            self.values = []
        if not isinstance(self.values, list) or not all(isinstance(v, str) for v in self.values):
            raise ValidationError({"values": "Values must be a list of words, e.g. [\"gpa\", \"mpa\"]."})
        errors = vocabulary.validate_condition(self.fact, self.op, self.values)
        if errors:
            raise ValidationError(errors)


class RecommendationCondition(Condition):
    ITEM_FIELD = "recommendation"
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="conditions")

    class Meta(Condition.Meta):
        pass


class MonitoringCondition(Condition):
    ITEM_FIELD = "monitoring_item"
    monitoring_item = models.ForeignKey(MonitoringItem, on_delete=models.CASCADE, related_name="conditions")

    class Meta(Condition.Meta):
        pass


class WarningCondition(Condition):
    ITEM_FIELD = "warning"
    warning = models.ForeignKey(WarningContent, on_delete=models.CASCADE, related_name="conditions")

    class Meta(Condition.Meta):
        pass


class DisagreementCondition(Condition):
    ITEM_FIELD = "disagreement"
    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="conditions")

    class Meta(Condition.Meta):
        pass


def _number(value: Decimal) -> str:
    """3.4000 -> "3.4", 300.0000 -> "300" (no exponent)."""
    return format(value.normalize(), "f")
