"""Editors' admin for guideline content, and the reviewers' workflow pages (``views.py``).

Published and retired versions are view-only here, and refused by the models whatever the path
(``frozen``). Every save and delete goes through the editing services (``editing``): a save carries
the ``lock_version`` it was opened with, so a second editor saving a stale page gets a conflict
message instead of silently overwriting the first one's change (optimistic locking); any edit of a
submitted, under-review or approved version sends it back to draft; an item something refers to
is not offered for deletion. Choice lists offer only rows of editable versions.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin.checks import InlineModelAdminChecks
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.forms.models import modelform_defines_fields
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from dahguide.guidance import labels, views
from dahguide.guidance.editing import (
    LOCK_FIELD,
    content_delete,
    content_delete_problems,
    content_lock_check,
    content_save,
)
from dahguide.guidance.extensions import recommendation_panels
from dahguide.guidance.frozen import frozen_filter
from dahguide.guidance.golden import golden_case_check
from dahguide.guidance.markdown import render_markdown
from dahguide.guidance.models import (
    ChangeNote,
    Citation,
    Condition,
    Disagreement,
    DisagreementCondition,
    Dose,
    GoldenCase,
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
from dahguide.guidance.selectors import get_published_snapshot, recommendation_index


def _is_frozen(obj) -> bool:
    """True for a published or retired version, or anything that belongs to one."""
    if obj is None:
        return False
    if isinstance(obj, Condition):
        obj = obj.item
    if isinstance(obj, GuidelineVersion):
        return obj.is_frozen
    return obj.version_id is not None and obj.version.is_frozen


class NumberInput(forms.NumberInput):
    """A stored decimal as a clinician writes it: 3.4000 -> "3.4" (the database keeps four places)."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        return super().format_value(value)


# The codes and units the engine reads: fixed once an item exists (golden cases, rules and the
# engine refer to them); a new value is a new item, and a unit is never changed to convert a number.
ENGINE_FIELDS = ("code", "unit")


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def editable_rows(model) -> models.QuerySet:
    """The rows of a content model that belong to a version still being prepared."""
    return model._default_manager.exclude(**frozen_filter(model))


def _limit_citations(form_class: type[forms.BaseForm], version_id: int | None) -> None:
    """Offer only the citations of the item's own version (any editable version when unknown)."""
    for name in ("citations", "plasma_exchange_citations"):
        field = form_class.base_fields.get(name)
        if field is None:
            continue
        if version_id is not None:
            field.queryset = Citation.objects.filter(version_id=version_id)
        else:
            field.queryset = editable_rows(Citation)


# --- optimistic locking ----------------------------------------------------------------------


class LockedForm(forms.ModelForm):
    """Refuses to save over a change someone else saved after this form was opened.

    The page carries the row's ``lock_version`` in a hidden field; ``editing.content_lock_check``
    reads the row again under a row lock (the admin's save runs in one transaction), so the conflict
    shows on the form; ``editing.content_save`` checks again and bumps the number when the admin
    saves. An inline row the editor did not touch is not saved, so it is not checked.
    """

    check_unchanged = True  # the main form is saved even when unchanged; inline rows are not

    def clean(self):
        cleaned = super().clean()
        if LOCK_FIELD not in self.fields:
            return cleaned
        if self.instance.pk is None:
            cleaned[LOCK_FIELD] = 0
            return cleaned
        if not self.check_unchanged and not self.has_changed():
            return cleaned
        opened = cleaned.get(LOCK_FIELD)
        content_lock_check(instance=self.instance, lock_version=-1 if opened is None else opened)
        return cleaned

    def has_changed(self) -> bool:
        # The lock number differs whenever someone else saved the row; that alone is no edit.
        return any(name != LOCK_FIELD for name in self.changed_data)

    @property
    def opened_lock_version(self) -> int | None:
        """The number the page was opened with (None when the form carries none: a read-only page)."""
        return self.cleaned_data.get(LOCK_FIELD) if LOCK_FIELD in self.fields else None


class LockedInlineForm(LockedForm):
    check_unchanged = False


class VersionItemForm(LockedForm):
    """Refuses citations from another version (the list offers the item's own version's)."""

    def clean(self):
        cleaned = super().clean()
        version = cleaned.get("version")
        version_id = version.pk if version else self.instance.version_id
        foreign = [c for c in cleaned.get("citations") or () if c.version_id != version_id]
        if version_id and foreign:
            self.add_error(
                "citations",
                f"{', '.join(str(c) for c in foreign)} belong(s) to another guideline version; "
                "choose citations of this version.",
            )
        return cleaned


class VersionItemInlineForm(VersionItemForm):
    check_unchanged = False


class LockedAdminMixin:
    """Puts ``lock_version`` in the form as a hidden field, for users who may save."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == LOCK_FIELD:
            return db_field.formfield(widget=forms.HiddenInput, required=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != LOCK_FIELD]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if self._may_save(request, obj) and LOCK_FIELD not in self.get_readonly_fields(request, obj):
            fieldsets[0][1]["fields"].append(LOCK_FIELD)
        return fieldsets

    def _may_save(self, request, obj) -> bool:
        if isinstance(self, admin.options.InlineModelAdmin):
            return self.has_change_permission(request, obj) or self.has_add_permission(request, obj)
        return self.has_add_permission(request) if obj is None else self.has_change_permission(request, obj)


# --- read-only for published content; edits send a reviewed version back to draft ------------


class FrozenReadOnlyMixin:
    """Refuse change and delete on published/retired content; the admin then shows it read-only."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _is_frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _is_frozen(obj)


class FrozenInlineMixin(FrozenReadOnlyMixin):
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _is_frozen(obj)


class ContentFormSetMixin:
    """An inline row marked for deletion is refused on the form when something refers to it."""

    def clean(self):
        super().clean()
        problems = [
            problem
            for form in self.deleted_forms
            if form.instance.pk is not None
            for problem in content_delete_problems(form.instance)
        ]
        if problems:
            raise ValidationError(problems, code="referenced")


class ContentInlineFormSet(ContentFormSetMixin, forms.BaseInlineFormSet):
    pass


class ContentServiceMixin:
    """Every save and delete of the admin goes through ``editing``; Delete is offered only where allowed."""

    def save_model(self, request, obj, form, change):
        content_save(
            instance=obj,
            user=request.user,
            lock_version=getattr(form, "opened_lock_version", None),
            edited=form.has_changed() or not change,
            validated=True,
        )

    def save_formset(self, request, form, formset, change):
        saved = {id(instance) for instance in formset.save(commit=False)}
        for obj in formset.deleted_objects:
            content_delete(instance=obj, user=request.user)
        for inline_form in formset.forms:
            if id(inline_form.instance) in saved:
                content_save(
                    instance=inline_form.instance,
                    user=request.user,
                    lock_version=getattr(inline_form, "opened_lock_version", None),
                    validated=True,
                )
        formset.save_m2m()

    def delete_model(self, request, obj):
        content_delete(instance=obj, user=request.user)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or not content_delete_problems(obj))

    def get_actions(self, request):
        # Deleting several items at once would skip the reasons one item cannot go: one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField):
            kwargs["widget"] = NumberInput(attrs={"step": "any"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if hasattr(db_field.related_model, "VERSION_LOOKUP"):  # a content row: only editable ones
            kwargs["queryset"] = editable_rows(db_field.related_model)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class HistoryReadOnlyMixin:
    """History pages show every past state; they do not revert one.

    simple-history's revert saves outside the admin's transaction and skips ``save_related``, so
    it would bypass the editing services (``editing``): optimistic locking, sending a reviewed
    version back to draft. An
    editor copies the old wording into the current item instead.
    """

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("Past versions are shown, not restored: copy the old values into the item.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ContentAdmin(
    HistoryReadOnlyMixin, ContentServiceMixin, LockedAdminMixin, FrozenReadOnlyMixin, SimpleHistoryAdmin
):
    """Base of every content model's admin."""

    form = LockedForm


class VersionItemAdmin(ContentAdmin):
    form = VersionItemForm
    list_select_related = ("version",)
    list_filter = ("version",)
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        # An item stays in the version it was created in: moving it would change two versions at once.
        # Codes and the engine's units are fixed once the item exists (ENGINE_FIELDS).
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        fixed = tuple(f for f in ENGINE_FIELDS if f in {field.name for field in self.model._meta.fields})
        if isinstance(obj, Dose):
            fixed = ("code",)  # a dose's unit is content ("mg", "IU"), read by no rule
        return (*readonly, "version", *fixed)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        version_id = obj.version_id if obj else request.GET.get("version")
        _limit_citations(form, int(version_id) if str(version_id or "").isdigit() else None)
        return form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # a DOI or guideline link typed without a scheme
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# --- inlines ---------------------------------------------------------------------------------


class ConditionInline(LockedAdminMixin, FrozenInlineMixin, admin.TabularInline):
    form = LockedInlineForm
    formset = ContentInlineFormSet
    fields = ("group", "fact", "op", "values")
    extra = 0
    formfield_overrides = {models.JSONField: {"widget": forms.TextInput(attrs={"size": 40})}}
    verbose_name = "applicability condition"
    verbose_name_plural = (
        "Applies when (conditions with the same group number must all hold; any group is enough; "
        "no condition means always)"
    )


class RecommendationConditionInline(ConditionInline):
    model = RecommendationCondition


class MonitoringConditionInline(ConditionInline):
    model = MonitoringCondition


class WarningConditionInline(ConditionInline):
    model = WarningCondition


class DisagreementConditionInline(ConditionInline):
    model = DisagreementCondition


class VersionInlineMixin(LockedAdminMixin, FrozenInlineMixin):
    """Items edited on their version's page; citations, rules and long texts on each item's own page."""

    form = VersionItemInlineForm
    formset = ContentInlineFormSet
    extra = 0
    show_change_link = True

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        if isinstance(db_field, models.DecimalField):
            kwargs["widget"] = NumberInput(attrs={"step": "any"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class EngineCodeInlineMixin:
    """Rows whose codes the engine reads (thresholds, fixed texts): edited, never added, code and unit fixed."""

    def get_readonly_fields(self, request, obj=None):
        fixed = tuple(f for f in ENGINE_FIELDS if f in {field.name for field in self.model._meta.fields})
        return (*super().get_readonly_fields(request, obj), *fixed)

    def has_add_permission(self, request, obj=None):
        return False


class ThresholdInline(EngineCodeInlineMixin, VersionInlineMixin, admin.StackedInline):
    model = Threshold
    fields = (("code", "label"), ("value", "unit"), ("plausible_min", "plausible_max"), "note")


class GuidanceTextInline(EngineCodeInlineMixin, VersionInlineMixin, admin.StackedInline):
    model = GuidanceText
    fields = ("code", "text")


class CitationInline(VersionInlineMixin, admin.TabularInline):
    model = Citation
    fields = ("key", "label", "url", "verification")


class ChangeNoteInline(VersionInlineMixin, admin.TabularInline):
    """One sentence per changed recommendation, for physicians' "What changed" page (required to submit)."""

    model = ChangeNote
    fields = ("recommendation", "text")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 70})}}
    verbose_name_plural = "Change notes for physicians (one per changed recommendation)"


class MonitoringItemInline(VersionInlineMixin, admin.TabularInline):
    """The checklist items; their conditions and citations are edited on each item's page."""

    model = MonitoringItem
    fields = ("code", "text", "order", "verification")
    verbose_name_plural = "Monitoring checklist"


# --- stances and doses: parts of a recommendation, linked by its code -------------------------


class StanceCodeMixin:
    """A stance left without a code gets the document's convention, ``<recommendation>__<modifier>``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "code" in self.fields:
            self.fields["code"].required = False
            self.fields["code"].help_text = "Leave empty for <recommendation code>__<modifier>."

    def clean(self):
        cleaned = super().clean()
        recommendation = cleaned.get("recommendation") or self.instance.recommendation
        if "code" in self.fields and not cleaned.get("code") and recommendation and cleaned.get("modifier"):
            cleaned["code"] = f"{recommendation}__{cleaned['modifier']}"
        return cleaned


class StanceForm(StanceCodeMixin, VersionItemForm):
    pass


class RecommendationPartForm(VersionItemInlineForm):
    """A stance or dose row on its recommendation's page: version and recommendation come from the page.

    They are not fields, yet the rules that involve them (one stance per modifier, a code unique in
    the version) must still be checked, against the database and between the page's rows (the
    formset's ``validate_unique``), and their errors shown on the row.
    """

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() - {"version", "recommendation"}

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            merged: dict[str, list] = defaultdict(list)
            for field, messages in errors.error_dict.items():
                merged[field if field in self.fields else NON_FIELD_ERRORS].extend(messages)
            errors = ValidationError(dict(merged))
        super()._update_errors(errors)


class StanceInlineForm(StanceCodeMixin, RecommendationPartForm):
    pass


class RecommendationPartFormSet(ContentFormSetMixin, forms.BaseModelFormSet):
    """The stances or doses of one recommendation: the rows of its version that name its code.

    Stands in for an inline formset, which needs a foreign key; the document (and so the rows) link
    them by code. The admin passes the recommendation as ``instance``; every row gets its version and code.
    """

    def __init__(self, data=None, files=None, instance=None, save_as_new=False, prefix=None, queryset=None, **kwargs):
        self.instance = instance
        queryset = self.model._default_manager.all() if queryset is None else queryset
        queryset = queryset.filter(version_id=instance.version_id, recommendation=instance.code)
        super().__init__(data, files, prefix=prefix, queryset=queryset, **kwargs)

    @classmethod
    def get_default_prefix(cls) -> str:
        return f"{cls.model._meta.model_name}s"

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.version_id = self.instance.version_id
        form.instance.recommendation = self.instance.code
        return form


class StanceFormSet(RecommendationPartFormSet):
    """An action's page offers an empty row for every modifier it has no stance for yet."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind == labels.ACTION:
            missing = labels.missing_modifiers(self.get_queryset().values_list("modifier", flat=True))
            self.initial_extra = [{"modifier": m} for m in missing]
            self.extra = len(missing)


class CodeLinkedInlineChecks(InlineModelAdminChecks):
    """The inline's rows name their parent by code, so there is no foreign key to check."""

    def _check_relation(self, obj, parent_model):
        return []

    def _check_exclude_of_parent_model(self, obj, parent_model):
        return []


class RecommendationPartInline(VersionInlineMixin):
    """Stances or doses edited on their recommendation's page (shown once the recommendation is saved)."""

    checks_class = CodeLinkedInlineChecks
    form = RecommendationPartForm
    formset = RecommendationPartFormSet
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        # InlineModelAdmin.get_formset builds an inline formset, which needs a foreign key; this is
        # the same with a model formset, including its guard: a row the user may not change or add
        # never counts as changed, so it is never saved.
        fields = kwargs.pop("fields") if "fields" in kwargs else flatten_fieldsets(self.get_fieldsets(request, obj))
        exclude = [*(self.get_exclude(request, obj) or ()), *self.get_readonly_fields(request, obj)] or None
        can_change = self.has_change_permission(request, obj) if request else True
        can_add = self.has_add_permission(request, obj) if request else True

        class GuardedForm(self.form):
            def has_changed(self) -> bool:
                if not (can_add if self.instance._state.adding else can_change):
                    return False
                return super().has_changed()

        if fields is None and not modelform_defines_fields(GuardedForm):
            fields = forms.ALL_FIELDS
        formset = forms.modelformset_factory(
            self.model,
            form=GuardedForm,
            formset=self.formset,
            fields=fields,
            exclude=exclude,
            formfield_callback=partial(self.formfield_for_dbfield, request=request),
            extra=self.get_extra(request, obj, **kwargs),
            min_num=self.get_min_num(request, obj, **kwargs),
            max_num=self.get_max_num(request, obj, **kwargs),
            can_delete=self.can_delete and self.has_delete_permission(request, obj),
            **kwargs,
        )
        _limit_citations(formset.form, obj.version_id if obj is not None else None)
        return formset


class StanceInline(RecommendationPartInline, admin.TabularInline):
    model = Stance
    form = StanceInlineForm
    formset = StanceFormSet
    fields = ("modifier", "stance", "text", "verification", "citations", "code")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})}}
    verbose_name_plural = (
        "Stances: what each patient modifier does to this action (every modifier needs one before publication)"
    )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["widget"] = forms.SelectMultiple(attrs={"size": 3})
        return super().formfield_for_manytomany(db_field, request, **kwargs)


DOSE_FIELDSETS = (
    (None, {"fields": (("code", "drug"), ("population", "basis", "order"))}),
    (
        "Amount",
        {
            "fields": (
                ("amount", "amount_high", "unit"),
                "per",
                ("max_amount", "weight_cap_kg", "round_to"),
                "alternatives",
                "note",
            )
        },
    ),
    ("Source", {"fields": ("verification", "citations")}),
)


class DoseInline(RecommendationPartInline, admin.StackedInline):
    model = Dose
    fieldsets = DOSE_FIELDSETS
    filter_horizontal = ("citations",)
    formfield_overrides = {models.JSONField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 80})}}
    verbose_name_plural = "Doses (the numbers are content; the arithmetic is the engine's)"


class VersionTransitionInline(admin.TabularInline):
    """The workflow log, read-only: transitions are written by the workflow services only."""

    model = VersionTransition
    fields = ("at", "from_status", "to_status", "user", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Workflow log"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


# --- versions ----------------------------------------------------------------------------------


@admin.register(GuidelineVersion)
class GuidelineVersionAdmin(ContentAdmin):
    list_display = ("number", "title", "status", "published_at", "created_by", "workflow_link")
    list_filter = ("status",)
    search_fields = ("title", "change_summary")
    list_select_related = ("created_by",)
    fields = (
        "workflow",
        "number",
        "title",
        "status",
        "change_summary",
        "plasma_exchange_citations",
        "published_at",
        "published_by",
        "content_hash",
        "fhir_export",
        "created_by",
        "created_at",
        "recommendation_index",
    )
    readonly_fields = (
        "workflow",
        "number",
        "status",
        "published_at",
        "published_by",
        "content_hash",
        "fhir_export",
        "created_by",
        "created_at",
        "recommendation_index",
    )
    filter_horizontal = ("plasma_exchange_citations",)
    # Recommendations are an index here, not a formset: each is edited on its own page (text, rule,
    # citations, stances, doses), and 50-odd rows of fields would pass the request's field limit.
    inlines = (
        VersionTransitionInline,
        ChangeNoteInline,
        ThresholdInline,
        MonitoringItemInline,
        CitationInline,
        GuidanceTextInline,
    )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("workspace/", wrap(views.workspace), name=f"{info}_workspace"),
            path("<int:pk>/review/", wrap(views.version_review), name=f"{info}_review"),
            path("<int:pk>/transition/<slug:action>/", wrap(views.version_transition), name=f"{info}_transition"),
            path("<int:pk>/golden/", wrap(views.version_golden), name=f"{info}_golden"),
            path("<int:pk>/impact/", wrap(views.version_impact), name=f"{info}_impact"),
            path("diff/", wrap(views.version_diff), name=f"{info}_diff"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        # "Add" means: start a draft as a copy of the published version (workflow service).
        return views.version_create(request, model_admin=self)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        _limit_citations(form, obj.pk if obj else -1)  # a new version has no citations yet
        return form

    @admin.display(description="Review")
    def workflow(self, obj: GuidelineVersion) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Open the review page</a> (status, actions, golden cases, impact) · '
            '<a href="{}">What changed</a>',
            reverse("admin:guidance_guidelineversion_review", args=[obj.pk]),
            reverse("admin:guidance_guidelineversion_diff") + f"?new={obj.number}",
        )

    @admin.display(description="Recommendations")
    def recommendation_index(self, obj: GuidelineVersion) -> str:
        if obj.pk is None:
            return "—"
        return render_to_string(
            "guidance/admin/_recommendation_index.html",
            {"version": obj, "rows": recommendation_index(version=obj)},
        )

    @admin.display(description="FHIR R4B export")
    def fhir_export(self, obj: GuidelineVersion) -> str:
        if obj.pk is None:
            return "—"
        return render_to_string("guidance/admin/_fhir_exports.html", {"version": obj})

    @admin.display(description="Review")
    def workflow_link(self, obj: GuidelineVersion) -> str:
        return format_html(
            '<a href="{}">Review page</a>', reverse("admin:guidance_guidelineversion_review", args=[obj.pk])
        )


@admin.register(VersionTransition)
class VersionTransitionAdmin(admin.ModelAdmin):
    """The whole workflow log across versions, read-only."""

    list_display = ("version", "from_status", "to_status", "user", "at", "comment")
    list_filter = ("to_status", "version")
    search_fields = ("comment", "user__username")
    list_select_related = ("version", "user")
    readonly_fields = ("version", "from_status", "to_status", "user", "at", "comment")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- content items -----------------------------------------------------------------------------


@admin.register(Citation)
class CitationAdmin(VersionItemAdmin):
    list_display = ("key", "label", "verification", "version")
    list_filter = ("version", "verification")
    search_fields = ("key", "label", "reference", "url")


@admin.register(Threshold)
class ThresholdAdmin(VersionItemAdmin):
    list_display = ("code", "label", "threshold", "plausible_range", "version")
    search_fields = ("code", "label", "note")

    @admin.display(description="Value", ordering="value")
    def threshold(self, obj: Threshold) -> str:
        return labels.threshold_phrase(obj.code, obj.value, obj.unit)

    @admin.display(description="Plausible range")
    def plausible_range(self, obj: Threshold) -> str:
        return f"{_plain(obj.plausible_min)}–{_plain(obj.plausible_max)} {labels.unit_words(obj.unit)}"

    filter_horizontal = ("citations",)
    fieldsets = (
        (None, {"fields": ("version", "code", "label")}),
        ("Number", {"fields": (("value", "unit"), ("plausible_min", "plausible_max"))}),
        ("Source", {"fields": ("note", "citations")}),
    )


@admin.register(Recommendation)
class RecommendationAdmin(VersionItemAdmin):
    list_display = (
        "code",
        "title",
        "section",
        "kind",
        "timing",
        "strength",
        "verification",
        "order",
        "last_reviewed",
        "version",
    )
    list_filter = ("version", "section", "kind", "verification")
    search_fields = ("code", "title", "text", "strength")
    filter_horizontal = ("citations",)
    inlines = (RecommendationConditionInline, StanceInline, DoseInline)
    readonly_fields = ("text_preview",)

    class Media:
        css = {"all": ("css/guidance-admin.css",)}

    fieldsets = (
        (None, {"fields": ("version", "section", "code", "kind", "timing", "title", "text", "text_preview")}),
        ("Evidence", {"fields": ("strength", "verification", "citations", "last_reviewed")}),
        ("Display", {"fields": ("order",)}),
    )

    def get_inline_instances(self, request, obj=None):
        # Stances and doses name the recommendation's version and code: they are added once it has both.
        # A statement has no stances (unless some are left from when it was an action, to be removed).
        inlines = super().get_inline_instances(request, obj)
        if obj is None:
            return [i for i in inlines if not isinstance(i, RecommendationPartInline)]
        stances = Stance.objects.filter(version=obj.version_id, recommendation=obj.code)
        if obj.kind != labels.ACTION and not stances.exists():
            return [i for i in inlines if not isinstance(i, StanceInline)]
        return inlines

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Apps above guidance show what they know about this recommendation below its form.
        recommendation = self.get_object(request, object_id)
        panels = recommendation_panels(request, recommendation) if recommendation is not None else []
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "recommendation_panels": panels}
        )

    @admin.display(description="Preview (saved text, as physicians see it)")
    def text_preview(self, obj: Recommendation | None) -> str:
        if obj is None or not obj.text:
            return "Save to see the preview."
        return format_html('<div class="guidance-markdown-preview">{}</div>', render_markdown(obj.text))


@admin.register(MonitoringItem)
class MonitoringItemAdmin(VersionItemAdmin):
    list_display = ("code", "text", "order", "verification", "version")
    list_filter = ("version", "verification")
    search_fields = ("code", "text")
    filter_horizontal = ("citations",)
    inlines = (MonitoringConditionInline,)


@admin.register(WarningContent)
class WarningContentAdmin(VersionItemAdmin):
    list_display = ("code", "kind", "severity", "verification", "order", "version")
    list_filter = ("version", "kind", "severity", "verification")
    search_fields = ("code", "text")
    filter_horizontal = ("citations",)
    inlines = (WarningConditionInline,)


@admin.register(Disagreement)
class DisagreementAdmin(VersionItemAdmin):
    list_display = ("code", "topic", "source", "strength", "verification", "order", "version")
    list_filter = ("version", "topic", "verification")
    search_fields = ("code", "topic", "source", "position")
    filter_horizontal = ("citations",)
    inlines = (DisagreementConditionInline,)


@admin.register(Stance)
class StanceAdmin(VersionItemAdmin):
    """Every stance across recommendations (to find, e.g., every action withheld for low platelets)."""

    form = StanceForm
    list_display = ("code", "recommendation", "modifier", "stance", "verification", "version")
    list_filter = ("version", "modifier", "stance", "verification")
    search_fields = ("code", "recommendation", "text")
    filter_horizontal = ("citations",)
    fields = ("version", "recommendation", "modifier", "stance", "text", "code", "verification", "citations")


@admin.register(Dose)
class DoseAdmin(VersionItemAdmin):
    list_display = ("code", "drug", "recommendation", "population", "basis", "dose_amount", "version")

    @admin.display(description="Amount", ordering="amount")
    def dose_amount(self, obj: Dose) -> str:
        if obj.amount is None:
            return "by bands (alternatives)"
        high = f"–{_plain(obj.amount_high)}" if obj.amount_high is not None else ""
        return f"{_plain(obj.amount)}{high} {obj.unit}{labels.AMOUNT_PER.get(obj.basis, '')}"

    list_filter = ("version", "population", "basis", "verification")
    search_fields = ("code", "drug", "recommendation", "note")
    filter_horizontal = ("citations",)
    fieldsets = ((None, {"fields": ("version", "recommendation")}), *DOSE_FIELDSETS)
    formfield_overrides = DoseInline.formfield_overrides


@admin.register(ChangeNote)
class ChangeNoteAdmin(VersionItemAdmin):
    list_display = ("recommendation", "text", "version")
    search_fields = ("recommendation", "text")


@admin.register(GuidanceText)
class GuidanceTextAdmin(VersionItemAdmin):
    list_display = ("code", "version")
    search_fields = ("code", "text")


class ConditionAdmin(ContentAdmin):
    """Conditions are edited on their item's page; these lists help find where a fact is used."""

    list_display = ("__str__", "item")
    list_filter = ("fact", "op")
    search_fields = ("fact",)


for _model in (RecommendationCondition, MonitoringCondition, WarningCondition, DisagreementCondition):
    admin.site.register(_model, ConditionAdmin)


# --- golden cases ------------------------------------------------------------------------------


@admin.register(GoldenCase)
class GoldenCaseAdmin(HistoryReadOnlyMixin, ContentServiceMixin, LockedAdminMixin, SimpleHistoryAdmin):
    form = LockedForm
    list_display = ("name", "expected_decision", "active", "updated_at")
    list_filter = ("active", "expected_decision")
    search_fields = ("name", "description")
    readonly_fields = ("result_published",)
    fieldsets = (
        (None, {"fields": ("name", "description", "active")}),
        ("Patient", {"fields": ("intake",)}),
        (
            "Expected plan",
            {
                "fields": (
                    "expected_decision",
                    "expected_criteria",
                    "expected_derived",
                    "expected_warnings",
                    "expected_present",
                    "expected_absent",
                    "expected_withheld",
                    "expected_doses",
                )
            },
        ),
        ("Result", {"fields": ("result_published",)}),
    )

    @admin.display(description="Against the published version")
    def result_published(self, obj: GoldenCase | None) -> str:
        snapshot = get_published_snapshot()
        if obj is None or obj.pk is None or snapshot is None:
            return "—"
        result = golden_case_check(obj, snapshot)
        if result.passed:
            return f"Passes ({len(result.checks)} expectations)."
        return format_html(
            "<strong>Fails:</strong><ul>{}</ul>", format_html_join("", "<li>{}</li>", ((m,) for m in result.failures))
        )
