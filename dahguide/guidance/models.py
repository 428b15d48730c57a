"""Guideline content as rows: one version and the items it holds.

The rows mirror the snapshot document of ``dahguide.engine.content`` field for field (a document
key is a model field), so ``services.guideline_import`` and ``documents.guideline_compile`` are
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
from django.utils import timezone
from simple_history.models import HistoricalRecords

from dahguide.engine import vocabulary
from dahguide.guidance import labels
from dahguide.guidance.frozen import (
    ContentManager,
    new_draft_clash,
    new_draft_has,
    new_draft_saved,
    parent_in_new_draft,
    refuse_frozen_write,
)

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


def recommendation_kind_choices() -> list[tuple[str, str]]:
    return labels.RECOMMENDATION_KINDS.choices()


def timing_choices() -> list[tuple[str, str]]:
    return labels.TIMINGS.choices()


def modifier_choices() -> list[tuple[str, str]]:
    return labels.MODIFIERS.choices()


def stance_choices() -> list[tuple[str, str]]:
    return labels.STANCES.choices()


def dose_basis_choices() -> list[tuple[str, str]]:
    return labels.DOSE_BASES.choices()


def dose_population_choices() -> list[tuple[str, str]]:
    return labels.DOSE_POPULATIONS.choices()


def threshold_placeholder_errors(text: str, version_id: int | None) -> list[str]:
    """Every ``{threshold:code}`` in ``text`` that names no threshold of the version."""
    codes = {m.group("code") for m in labels.THRESHOLD_PLACEHOLDER.finditer(text or "")}
    if not codes or version_id is None:
        return []
    known = set(Threshold.objects.filter(version_id=version_id, code__in=codes).values_list("code", flat=True))
    return [
        f"{{threshold:{code}}} names no threshold of this version; use a threshold's code, "
        "e.g. {threshold:plex_creatinine_mg_dl}."
        for code in sorted(codes - known)
    ]


class PlaceholderText(models.Model):
    """Its ``text`` may name thresholds as ``{threshold:code}``, rendered from the threshold when the
    version is compiled (``documents.guideline_compile``), so the wording follows the number.

    Listed after the content bases, so the model's base manager stays the frozen-guarded one.
    """

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if errors := threshold_placeholder_errors(getattr(self, "text", ""), self.version_id):
            raise ValidationError({"text": errors})


class FrozenGuarded(models.Model):
    """Refuses to save or delete a row of a published or retired version (``frozen``).

    ``VERSION_LOOKUP`` is the path from the model to its version; the manager's bulk writes
    (update, delete, bulk_create, bulk_update) check the same, and so does the base manager
    Django uses for related objects.
    """

    VERSION_LOOKUP = "version"

    objects = ContentManager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs) -> None:
        refuse_frozen_write(self, "save", kwargs.get("update_fields"))
        super().save(*args, **kwargs)
        new_draft_saved(self)

    def delete(self, *args, **kwargs):
        refuse_frozen_write(self, "delete")
        return super().delete(*args, **kwargs)

    def clean_fields(self, exclude=None) -> None:
        # A row being filled into a new draft needs no query to prove its parent exists: it is in hand,
        # created in this transaction (``frozen.filling_new_draft``). Uniqueness is still checked.
        if parent := parent_in_new_draft(self):
            exclude = {*(exclude or ()), parent}
        super().clean_fields(exclude=exclude)

    def validate_constraints(self, exclude=None) -> None:
        # A row added to the new draft being filled is checked against the rows written into it, in
        # memory; only a clash asks the database, for Django's own message. Other rows: as usual.
        if new_draft_clash(self) is False:
            exclude = {*(exclude or ()), "version"}  # skips exactly the constraints checked in memory
        super().validate_constraints(exclude=exclude)


class GuidelineVersion(FrozenGuarded):
    VERSION_LOOKUP = ""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        UNDER_REVIEW = "under_review", "Under review"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    # Published and retired versions are what physicians saw: never edited again.
    FROZEN_STATUSES = frozenset({Status.PUBLISHED, Status.RETIRED})

    # Versions that are being prepared or reviewed: content can change, so approval can lapse.
    OPEN_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED})

    number = models.PositiveIntegerField(unique=True, validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200, help_text="Shown to physicians beside the version number.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    change_summary = models.TextField(
        blank=True, help_text="What changed since the published version, in a few sentences (required to submit)."
    )
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
            models.UniqueConstraint(fields=["status"], condition=Q(status="published"), name="one_published_version"),
            # One version is prepared at a time (workflow.version_create_draft): the same constant for
            # every open row, unique, so a second open row fails on SQLite and PostgreSQL alike.
            models.UniqueConstraint(
                models.Value(1),
                condition=Q(status__in=["approved", "draft", "submitted", "under_review"]),
                name="one_open_version",
            ),
        ]
        base_manager_name = "objects"
        indexes = [models.Index(fields=["status"], name="guidance_version_status_idx")]

    def __str__(self) -> str:
        return f"Version {self.number}: {self.title} ({self.get_status_display()})"

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN_STATUSES


# A version's own history rows written by a status change carry this reason, so the two-person
# rule (selectors.version_authors) can tell a workflow step from an edit of the version's content.
TRANSITION_REASON = "workflow transition"


class VersionTransition(models.Model):
    """One step of the review workflow: who moved the version from which status to which, and why.

    Written only by the workflow services, never edited: the log is the audit trail.
    """

    version = models.ForeignKey(GuidelineVersion, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=GuidelineVersion.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=GuidelineVersion.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ("version", "at", "id")
        indexes = [models.Index(fields=["version", "to_status"], name="guidance_transition_to_idx")]

    def __str__(self) -> str:
        start = self.get_from_status_display() or "new"
        return f"Version {self.version.number}: {start} → {self.get_to_status_display()}"


class LockedItem(models.Model):
    """Optimistic locking: the admin form carries the number it was opened with (``admin.LockedForm``)."""

    # Bumped by every admin save; a form opened before someone else's save carries an older number.
    lock_version = models.PositiveIntegerField(default=0, editable=True)

    class Meta:
        abstract = True


class VersionItem(FrozenGuarded, LockedItem):
    """Anything that belongs to exactly one guideline version."""

    version = models.ForeignKey(GuidelineVersion, on_delete=models.CASCADE, related_name="%(class)ss")

    history = HistoricalRecords(inherit=True, excluded_fields=["lock_version"])

    class Meta:
        abstract = True
        base_manager_name = "objects"


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

    order = models.IntegerField(default=0, help_text="Position in its section: lower numbers come first.")

    class Meta:
        abstract = True


class Citation(VersionItem, VerifiedItem):
    key = models.SlugField(
        max_length=100, db_index=False, help_text="Stable short name items cite it by, e.g. kdigo_2024."
    )
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
    value = models.DecimalField(
        max_digits=10, decimal_places=4, help_text="The number the engine compares against, in the unit below."
    )
    unit = models.CharField(max_length=30, help_text="The unit the engine uses; do not change it to convert a value.")
    plausible_min = models.DecimalField(
        max_digits=10, decimal_places=4, help_text="Lowest value that can be right; a value outside is refused."
    )
    plausible_max = models.DecimalField(max_digits=10, decimal_places=4, help_text="Highest value that can be right.")
    note = models.TextField(blank=True, help_text="Where the number comes from, for the reviewer.")

    class Meta(CodedItem.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.code} = {_number(self.value)} {self.unit}"

    def clean(self) -> None:
        super().clean()
        if None in (self.value, self.plausible_min, self.plausible_max):
            return  # clean_fields() already reported the missing number
        if self.plausible_min > self.plausible_max:
            raise ValidationError({"plausible_max": "The plausible maximum must not be below the plausible minimum."})
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


class Recommendation(CodedItem, ShownItem, PlaceholderText):
    section = models.CharField(max_length=30, choices=section_choices)
    title = models.CharField(max_length=300)
    text = models.TextField(
        help_text="Markdown: **bold**, *italic*, lists, [links](https://…). HTML is shown as typed, never run."
    )
    strength = models.CharField(max_length=100, blank=True, help_text='Grade as the guideline writes it, e.g. "1B".')
    last_reviewed = models.DateField(null=True, blank=True, help_text="Shown to physicians beside the recommendation.")
    kind = models.CharField(
        max_length=20,
        choices=recommendation_kind_choices,
        default=labels.RECOMMENDATION_KINDS.default,
        help_text=(
            "An action is a step to take: it needs a stance for every patient modifier before it can be "
            "published. A statement informs (prognosis, assessment, preference factors) and has none."
        ),
    )
    timing = models.CharField(
        max_length=20,
        choices=timing_choices,
        blank=True,
        help_text="When an action is taken; the plan groups its decisions by it. Empty for statements.",
    )

    class Meta(CodedItem.Meta):
        ordering = ("version", "section", "order", "code")
        indexes = [models.Index(fields=["version", "section", "order"], name="guidance_rec_section_idx")]


class MonitoringItem(CodedItem, ShownItem, PlaceholderText):
    text = models.TextField()

    class Meta(CodedItem.Meta):
        ordering = ("version", "order", "code")


class WarningContent(CodedItem, ShownItem, PlaceholderText):
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


class RecommendationPart(CodedItem, CitedItem, VerifiedItem):
    """Content that belongs to one recommendation of the same version, named by its code as in the document."""

    recommendation = models.SlugField(
        max_length=100, db_index=False, help_text="The code of the recommendation (of this version) it belongs to."
    )
    # Unlike wording, a stance or a dose is checked against its source one by one: unverified until then.
    verification = models.CharField(max_length=20, choices=VERIFICATION_CHOICES, default="unverified")

    class Meta(CodedItem.Meta):
        abstract = True

    def part_errors(self) -> dict[str, list[str]]:
        """Every reason this item cannot be saved; ``clean`` of each kind adds its own."""
        if self.version_id is None or not self.recommendation:
            return {}
        if (
            new_draft_has(Recommendation, version_id=self.version_id, code=self.recommendation)
            or Recommendation.objects.filter(version_id=self.version_id, code=self.recommendation).exists()
        ):
            return {}
        return {"recommendation": [f"No recommendation of this version has the code '{self.recommendation}'."]}


class Stance(RecommendationPart):
    """What one patient modifier does to one action (docs/design/patient-modifiers.md, REFERENCE §8).

    Every action declares one stance for every modifier; publication is refused while one is missing
    (``documents.publication_problems``). The engine applies them (``engine/modifiers.py``).
    """

    modifier = models.CharField(max_length=40, choices=modifier_choices)
    stance = models.CharField(
        max_length=20,
        choices=stance_choices,
        help_text=(
            "When the modifier is true: unchanged; dose adjusted (the dose engine adjusts, the text is shown "
            "beside the dose); caveat (shown beside the action); withheld (the action leaves the plan, the text "
            "says why and what instead)."
        ),
    )
    text = models.TextField(blank=True, help_text="What the physician reads; required unless the stance is unchanged.")

    class Meta(CodedItem.Meta):
        ordering = ("version", "recommendation", "modifier")
        constraints = [
            *CodedItem.Meta.constraints,
            models.UniqueConstraint(
                fields=["version", "recommendation", "modifier"], name="guidance_stance_one_per_modifier"
            ),
        ]
        indexes = [models.Index(fields=["version", "recommendation"], name="guidance_stance_rec_idx")]

    def __str__(self) -> str:
        stance = labels.STANCES.label(self.stance).lower()
        return f"{self.recommendation}: {labels.MODIFIERS.label(self.modifier)} {stance}"

    def clean(self) -> None:
        super().clean()
        errors = self.part_errors()
        if self.stance and self.stance != labels.UNCHANGED and not (self.text or "").strip():
            errors["text"] = [
                f"A stance of “{labels.STANCES.label(self.stance).lower()}” needs a text: say what the physician "
                "should know or do instead."
            ]
        if errors:
            raise ValidationError(errors)


def _amount_field(verbose_name: str, help_text: str, *, null: bool = True) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=12, decimal_places=4, null=null, blank=null, help_text=help_text
    )


class Dose(RecommendationPart):
    """The dose of one drug of an action for one population: the numbers are content, the arithmetic is
    ``engine/doses.py`` (docs/design/patient-modifiers.md, "Doses")."""

    drug = models.CharField(max_length=200, help_text='As physicians name it, e.g. "Methylprednisolone".')
    order = models.IntegerField(default=0, help_text="Position among the recommendation's doses: lower comes first.")
    population = models.CharField(
        max_length=20,
        choices=dose_population_choices,
        default=labels.DOSE_POPULATIONS.default,
        help_text="Adults are 18 or older, children younger; with age unknown both are shown, labelled.",
    )
    basis = models.CharField(
        max_length=40,
        choices=dose_basis_choices,
        help_text="What the amount multiplies: nothing (fixed), weight, body-surface area or predicted body weight.",
    )
    amount = _amount_field(
        "amount", "Per unit of the basis (e.g. 30 for 30 mg/kg). Leave empty when the alternatives give the amount."
    )
    amount_high = _amount_field("upper amount", "Upper end of a range (e.g. 1000 for 500–1000 mg); empty otherwise.")
    unit = models.CharField(max_length=30, help_text='Unit of one dose, e.g. "mg".')
    per = models.CharField(
        max_length=200, blank=True, help_text='Route and frequency, e.g. "IV once daily for 3 days".'
    )
    max_amount = _amount_field("maximum dose", "Cap on one dose, applied after rounding and never rounded up.")
    weight_cap_kg = _amount_field("weight cap (kg)", "A per-kg dose uses at most this weight.")
    round_to = _amount_field("round down to", "The computed amount is rounded down to a multiple of this.")
    alternatives = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            'Where sources band the amount: [{"label": "KDIGO 2024 Fig 10", "band_on": "age_years", '
            '"bands": [{"if_above": "70", "amount": "10"}, {"otherwise": true, "amount": "15"}], '
            '"reductions": [{"fact": "egfr_low", "minus": "2.5", "text": "eGFR below 30"}]}]. '
            "Bands are read top-down; the lowest candidate is shown."
        ),
    )
    note = models.TextField(blank=True, help_text="Shown beside the dose.")

    class Meta(CodedItem.Meta):
        ordering = ("version", "recommendation", "order", "code")
        indexes = [models.Index(fields=["version", "recommendation"], name="guidance_dose_rec_idx")]

    def __str__(self) -> str:
        return f"{self.code}: {self.drug}"

    def clean(self) -> None:
        super().clean()
        errors = self.part_errors()
        # A number clean_fields() refused is still raw here: it was reported there, and is left out below.
        numbers = {
            name: value if isinstance(value := getattr(self, name), Decimal) else None
            for name in ("amount", "amount_high", "max_amount", "weight_cap_kg", "round_to")
        }
        for name, value in numbers.items():
            if value is not None and value <= 0:
                errors.setdefault(name, []).append("Must be more than 0.")
        amount, amount_high = numbers["amount"], numbers["amount_high"]
        has_alternatives = bool(self.alternatives) if isinstance(self.alternatives, list) else True
        if self.amount in (None, "") and not has_alternatives:
            errors.setdefault("amount", []).append("Give the amount, or alternatives that give it.")
        if amount is not None and has_alternatives:
            errors.setdefault("amount", []).append(
                "The alternatives give the amount, so this one would never be used: leave it empty or remove them."
            )
        if amount_high is not None and (amount is None or amount_high <= amount):
            errors.setdefault("amount_high", []).append("The upper amount must be above the amount.")
        if numbers["weight_cap_kg"] is not None and self.basis != "per_kg":
            errors.setdefault("weight_cap_kg", []).append("A weight cap applies only to a dose per kg body weight.")
        if self.basis == "per_kg_predicted_body_weight" and self.population != "adult":
            errors.setdefault("population", []).append(
                "Predicted body weight is defined for adults only: set the population to adults."
            )
        alternative_problems = dose_alternative_errors(self.alternatives)
        if alternative_problems:
            errors.setdefault("alternatives", []).extend(alternative_problems)
        if errors:
            raise ValidationError(errors)


_BAND_TESTS = ("if_above", "if_at_least", "otherwise")


def dose_alternative_errors(alternatives: object) -> list[str]:
    """Every reason a dose's ``alternatives`` cannot be read by the engine, in an editor's words."""
    if not isinstance(alternatives, list):
        return ["Must be a list of alternatives, e.g. []."]
    problems: list[str] = []
    for number, alternative in enumerate(alternatives, start=1):
        where = f"Alternative {number}"
        if not isinstance(alternative, dict):
            problems.append(f"{where}: must be an object with label, band_on, bands and reductions.")
            continue
        label = alternative.get("label")
        if isinstance(label, str) and label.strip():
            where = f"{where} ({label})"
        else:
            problems.append(f'{where}: needs a label naming its source, e.g. "KDIGO 2024 Fig 10".')
        if unknown := sorted(set(alternative) - {"label", "band_on", "bands", "reductions"}):
            problems.append(f"{where}: unknown key(s) {', '.join(unknown)}.")
        inputs = labels.DOSE_BAND_INPUTS.values
        if alternative.get("band_on") not in inputs:
            problems.append(f"{where}: band_on must be one of {', '.join(inputs)}.")
        problems += _band_errors(where, alternative.get("bands"))
        problems += _reduction_errors(where, alternative.get("reductions", []))
    return problems


def _band_errors(where: str, bands: object) -> list[str]:
    if not isinstance(bands, list) or not bands:
        return [f'{where}: bands must be a non-empty list, e.g. [{{"otherwise": true, "amount": "15"}}].']
    problems: list[str] = []
    for number, band in enumerate(bands, start=1):
        at = f"{where}, band {number}"
        if not isinstance(band, dict):
            problems.append(f'{at}: must be an object such as {{"if_above": "70", "amount": "10"}}.')
            continue
        tests = [test for test in _BAND_TESTS if test in band]
        if len(tests) != 1:
            problems.append(f"{at}: needs exactly one of {', '.join(_BAND_TESTS)}.")
        elif tests[0] == "otherwise":
            if band["otherwise"] is not True:
                problems.append(f"{at}: otherwise must be true.")
            if number != len(bands):
                problems.append(f"{at}: bands after “otherwise” are never reached; make it the last band.")
        elif _positive_number(band[tests[0]], zero=True) is None:
            problems.append(f'{at}: {tests[0]} must be a number written as a string, e.g. "70".')
        if unknown := sorted(set(band) - {*_BAND_TESTS, "amount"}):
            problems.append(f"{at}: unknown key(s) {', '.join(unknown)}.")
        if _positive_number(band.get("amount")) is None:
            problems.append(f'{at}: amount must be a number above 0 written as a string, e.g. "12.5".')
    return problems


def _reduction_errors(where: str, reductions: object) -> list[str]:
    if not isinstance(reductions, list):
        return [f"{where}: reductions must be a list, e.g. []."]
    known = set(vocabulary.FACTS) | set(labels.MODIFIERS.values)
    problems: list[str] = []
    for number, reduction in enumerate(reductions, start=1):
        at = f"{where}, reduction {number}"
        if not isinstance(reduction, dict):
            problems.append(f"{at}: must be an object with fact, minus and text.")
            continue
        if unknown := sorted(set(reduction) - {"fact", "minus", "text"}):
            problems.append(f"{at}: unknown key(s) {', '.join(unknown)}.")
        if (renamed := vocabulary.RENAMED_FACTS.get(reduction.get("fact"))) is not None:
            problems.append(f"{at}: '{reduction['fact']}' was renamed; use '{renamed}'.")
        elif reduction.get("fact") not in known:
            problems.append(f"{at}: '{reduction.get('fact')}' is not a fact the engine knows.")
        if _positive_number(reduction.get("minus")) is None:
            problems.append(f'{at}: minus must be a number above 0 written as a string, e.g. "2.5".')
        if not isinstance(reduction.get("text"), str) or not reduction["text"].strip():
            problems.append(f'{at}: needs a text saying why, e.g. "eGFR below 30".')
    return problems


def _positive_number(value: object, *, zero: bool = False) -> Decimal | None:
    """The number a JSON value writes (a string or an integer), or None if it is not one above 0."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if not number.is_finite() or number < 0 or (number == 0 and not zero):
        return None
    return number


class GuidanceText(CodedItem, PlaceholderText):
    """A fixed sentence the engine shows (disclaimer, decision texts, criterion names)."""

    text = models.TextField(
        help_text="Name a threshold as {threshold:plex_creatinine_mg_dl}: it is written from the threshold's "
        "value, e.g. “3.4 mg/dL (300 µmol/L)”, so the wording follows the number."
    )

    class Meta(CodedItem.Meta):
        pass


class Condition(FrozenGuarded, LockedItem):
    """One condition of ``applies_when``: conditions of the same group are AND-ed, groups OR-ed."""

    ITEM_FIELD: str  # name of the foreign key to the item, set by each concrete model

    group = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Conditions with the same group number must all hold; the item applies when any group holds.",
    )
    fact = models.CharField(max_length=60, choices=fact_choices, help_text="What the engine knows about the patient.")
    op = models.CharField("operator", max_length=20, choices=operator_choices)
    values = models.JSONField(
        default=list,
        blank=True,
        help_text='For "is one of" / "is known and not one of": a list such as ["gpa", "mpa"]. Empty otherwise.',
    )

    history = HistoricalRecords(inherit=True, excluded_fields=["lock_version"])

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
            raise ValidationError({"values": 'Values must be a list of words, e.g. ["gpa", "mpa"].'})
        errors = vocabulary.validate_condition(self.fact, self.op, self.values)
        if errors:
            raise ValidationError(errors)


class RecommendationCondition(Condition):
    ITEM_FIELD = "recommendation"
    VERSION_LOOKUP = "recommendation__version"
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="conditions")

    class Meta(Condition.Meta):
        pass


class MonitoringCondition(Condition):
    ITEM_FIELD = "monitoring_item"
    VERSION_LOOKUP = "monitoring_item__version"
    monitoring_item = models.ForeignKey(MonitoringItem, on_delete=models.CASCADE, related_name="conditions")

    class Meta(Condition.Meta):
        pass


class WarningCondition(Condition):
    ITEM_FIELD = "warning"
    VERSION_LOOKUP = "warning__version"
    warning = models.ForeignKey(WarningContent, on_delete=models.CASCADE, related_name="conditions")

    class Meta(Condition.Meta):
        pass

    def clean(self) -> None:
        super().clean()
        if self.warning_id is not None and self.warning.kind == WarningContent.Kind.DATA_QUALITY:
            raise ValidationError(
                "The engine raises data-quality warnings itself; a condition here would be ignored. Remove it."
            )


class DisagreementCondition(Condition):
    ITEM_FIELD = "disagreement"
    VERSION_LOOKUP = "disagreement__version"
    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="conditions")

    class Meta(Condition.Meta):
        pass


class GoldenCase(LockedItem):
    """A reference patient and what the engine must make of it under any version that is approved.

    The expectations are checked by ``golden.golden_cases_run`` against a draft before approval.
    Seeded from ``fixtures/golden_cases.json``, the list the engine's own tests read.
    """

    name = models.SlugField(max_length=150, unique=True, help_text="Short unique name, words joined by _.")
    description = models.TextField(blank=True, help_text="What this case checks and why, for the next editor.")
    intake = models.JSONField(
        default=dict,
        blank=True,
        help_text='The patient as the API receives it, e.g. {"etiology": "mpa", "spo2_percent": 88}.',
    )
    expected_decision = models.CharField(
        "expected plasma-exchange decision",
        max_length=20,
        choices=[(decision, decision.replace("_", " ")) for decision in vocabulary.PLEX_DECISIONS],
    )
    expected_criteria = models.JSONField(
        default=dict,
        blank=True,
        help_text='Status of each plasma-exchange criterion, e.g. {"dah_with_hypoxemia": "met"}.',
    )
    expected_derived = models.JSONField(
        default=dict,
        blank=True,
        help_text='Facts the engine must derive, e.g. {"hypoxemia": true, "creatinine_mg_dl": 3.4}.',
    )
    expected_warnings = models.JSONField(
        default=list, blank=True, help_text='Warning codes that must be shown, e.g. ["missing_data"].'
    )
    expected_present = models.JSONField(
        "recommendations expected",
        default=list,
        blank=True,
        help_text='Recommendation codes that must be in the plan, e.g. ["platelet_transfusion"].',
    )
    expected_absent = models.JSONField(
        "recommendations not expected",
        default=list,
        blank=True,
        help_text="Recommendation codes that must not be in the plan.",
    )
    expected_withheld = models.JSONField(
        "recommendations expected withheld",
        default=list,
        blank=True,
        help_text='Actions a patient modifier must withhold, e.g. ["thromboprophylaxis_once_bleeding_controlled"].',
    )
    expected_doses = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            'Dose code: the amount the plan must show, as a string, or null for "cannot be computed" '
            '(an input is missing), e.g. {"methylprednisolone_pulse_paediatric": "750"}.'
        ),
    )
    active = models.BooleanField(default=True, help_text="Inactive cases are kept but not run.")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["lock_version", "updated_at"])

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        # Imported here: the engine's plan module is only needed to validate, not to define the model.
        from dahguide.engine.intake import parse_intake
        from dahguide.engine.plan import DERIVED_FACTS

        errors: dict[str, list[str]] = {}
        if not isinstance(self.intake, dict):
            errors["intake"] = ["The intake must be a JSON object of field: value."]
        else:
            result = parse_intake(self.intake, implausible="unknown")
            if result.errors:
                errors["intake"] = [f"{field}: {m}" for field, messages in result.errors.items() for m in messages]
        errors.update(
            _mapping_errors(
                "expected_criteria", self.expected_criteria, vocabulary.PLEX_CRITERIA, vocabulary.CRITERION_STATUSES
            )
        )
        derived = ("creatinine_mg_dl", "creatinine_umol_l", *DERIVED_FACTS)
        errors.update(_mapping_errors("expected_derived", self.expected_derived, derived, None))
        known_warnings = set(vocabulary.DATA_QUALITY_WARNINGS) | _current_codes(WarningContent)
        known_recommendations = _current_codes(Recommendation)
        for name, known, what in (
            ("expected_warnings", known_warnings, "warning"),
            ("expected_present", known_recommendations, "recommendation"),
            ("expected_absent", known_recommendations, "recommendation"),
            ("expected_withheld", known_recommendations, "recommendation"),
        ):
            errors.update(_code_list_errors(name, getattr(self, name), known, what))
        if not errors:
            present = set(self.expected_present)
            if both := present & set(self.expected_absent):
                errors["expected_absent"] = [f"{', '.join(sorted(both))} cannot be both expected and not expected."]
            if both := present & set(self.expected_withheld):
                errors["expected_withheld"] = [
                    f"{', '.join(sorted(both))} cannot be both in the plan and withheld: a withheld action leaves it."
                ]
        errors.update(_expected_dose_errors(self.expected_doses, _current_codes(Dose)))
        if errors:
            raise ValidationError(errors)


def _current_codes(model: type[CodedItem]) -> set[str]:
    """Codes in the published and the open versions (a retired version's codes may be gone for good)."""
    return set(model.objects.exclude(version__status=GuidelineVersion.Status.RETIRED).values_list("code", flat=True))


def _mapping_errors(
    name: str, value: object, keys: tuple[str, ...], statuses: tuple[str, ...] | None
) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {name: ["Must be a JSON object, e.g. {}."]}
    problems = [
        f"'{key}' was renamed; use '{vocabulary.RENAMED_FACTS[key]}'."
        if key in vocabulary.RENAMED_FACTS
        else f"'{key}' is not one of: {', '.join(keys)}."
        for key in value
        if key not in keys
    ]
    if statuses is not None:
        problems += [
            f"'{key}': '{status}' is not one of: {', '.join(statuses)}."
            for key, status in value.items()
            if status not in statuses
        ]
    return {name: problems} if problems else {}


def _code_list_errors(name: str, value: object, known: set[str], what: str) -> dict[str, list[str]]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        return {name: ['Must be a list of codes, e.g. ["platelet_transfusion"].']}
    unknown = [code for code in value if code not in known]
    if unknown and known:  # with no content loaded yet there is nothing to check against
        return {name: [f"No {what} has the code {', '.join(unknown)} in the published or a draft version."]}
    return {}


def _expected_dose_errors(value: object, known: set[str]) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {"expected_doses": ['Must be a JSON object of dose code: amount, e.g. {"code": "750"}.']}
    problems = _code_list_errors("expected_doses", list(value), known, "dose").get("expected_doses", [])
    problems += [
        f'\'{code}\': write the amount as the plan shows it, a string such as "12.5" or "500–1000", '
        "or null when it cannot be computed."
        for code, amount in value.items()
        if amount is not None and dose_amount_parts(amount) is None
    ]
    return {"expected_doses": problems} if problems else {}


def dose_amount_parts(amount: object) -> tuple[Decimal, ...] | None:
    """The numbers of a plan's dose amount: "750" -> (750,), "500–1000" -> (500, 1000); None if not one."""
    if not isinstance(amount, str):
        return None
    parts = tuple(_positive_number(part.strip(), zero=True) for part in amount.split("–"))
    return None if len(parts) > 2 or None in parts else parts


def _number(value: Decimal) -> str:
    """3.4000 -> "3.4", 300.0000 -> "300" (no exponent)."""
    return format(value.normalize(), "f")


class ChangeNote(VersionItem):
    """What changed in one recommendation, in a sentence for physicians ("What changed" page).

    Written by the editor for every recommendation a version changes (required at submit:
    ``workflow.version_submit``); frozen with the version when it is published. Not part of the
    snapshot: the engine never reads it, physicians do.
    """

    recommendation = models.SlugField(
        max_length=100, db_index=False, help_text="The code of the changed recommendation (of this version)."
    )
    text = models.TextField(help_text="What changed and why, as a physician should read it.")

    class Meta:
        ordering = ("version", "recommendation")
        constraints = [
            models.UniqueConstraint(fields=["version", "recommendation"], name="guidance_changenote_one_per_rec"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation}: {self.text[:60]}"

    def clean(self) -> None:
        super().clean()
        if self.version_id is None or not self.recommendation:
            return
        if not Recommendation.objects.filter(version_id=self.version_id, code=self.recommendation).exists():
            raise ValidationError(
                {"recommendation": f"No recommendation of this version has the code '{self.recommendation}'."}
            )


def _connect_link_guards() -> None:
    from django.db.models.signals import m2m_changed

    from dahguide.guidance.frozen import refuse_frozen_link_change

    owners = (GuidelineVersion, Threshold, Recommendation, MonitoringItem, WarningContent, Disagreement, Stance, Dose)
    for owner in owners:
        for field in owner._meta.many_to_many:
            m2m_changed.connect(
                refuse_frozen_link_change, sender=field.remote_field.through, dispatch_uid=f"frozen-{field}"
            )


_connect_link_guards()
