"""Editors' admin for guideline content. Published and retired versions are view-only.

Kept deliberately plain: the review workflow, previews and diffs of issue 4 build on it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from dahguide.guidance.models import (
    Citation,
    Condition,
    Disagreement,
    DisagreementCondition,
    GuidanceText,
    GuidelineVersion,
    MonitoringCondition,
    MonitoringItem,
    Recommendation,
    RecommendationCondition,
    Threshold,
    WarningCondition,
    WarningContent,
)
from dahguide.guidance.selectors import next_version_number


def _is_frozen(obj) -> bool:
    """True for a published or retired version, or anything that belongs to one."""
    if obj is None:
        return False
    if isinstance(obj, Condition):
        obj = obj.item
    if isinstance(obj, GuidelineVersion):
        return obj.is_frozen
    return obj.version_id is not None and obj.version.is_frozen


def _limit_citations(form_class: type[forms.BaseForm], version_id: int | None) -> None:
    """Offer only the citations of the item's own version (any editable version when unknown)."""
    for name in ("citations", "plasma_exchange_citations"):
        field = form_class.base_fields.get(name)
        if field is None:
            continue
        if version_id is not None:
            field.queryset = Citation.objects.filter(version_id=version_id)
        else:
            field.queryset = Citation.objects.exclude(version__status__in=GuidelineVersion.FROZEN_STATUSES)


class FrozenReadOnlyMixin:
    """Refuse change and delete on published/retired content; the admin then shows it read-only."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _is_frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _is_frozen(obj)


class FrozenInlineMixin(FrozenReadOnlyMixin):
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _is_frozen(obj)


class VersionItemForm(forms.ModelForm):
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


class VersionItemAdmin(FrozenReadOnlyMixin, SimpleHistoryAdmin):
    form = VersionItemForm
    list_select_related = ("version",)
    list_filter = ("version",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        version_id = obj.version_id if obj else request.GET.get("version")
        _limit_citations(form, int(version_id) if str(version_id or "").isdigit() else None)
        return form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # a DOI or guideline link typed without a scheme
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = GuidelineVersion.objects.exclude(status__in=GuidelineVersion.FROZEN_STATUSES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ConditionInline(FrozenInlineMixin, admin.TabularInline):
    fields = ("group", "fact", "op", "values")
    extra = 0


class RecommendationConditionInline(ConditionInline):
    model = RecommendationCondition


class MonitoringConditionInline(ConditionInline):
    model = MonitoringCondition


class WarningConditionInline(ConditionInline):
    model = WarningCondition


class DisagreementConditionInline(ConditionInline):
    model = DisagreementCondition


class VersionInline(FrozenInlineMixin, admin.StackedInline):
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        _limit_citations(formset.form, obj.pk if obj else None)
        return formset


class ThresholdInline(VersionInline):
    model = Threshold
    fields = (("code", "label"), ("value", "unit"), ("plausible_min", "plausible_max"), "note", "citations")
    filter_horizontal = ("citations",)


class GuidanceTextInline(VersionInline):
    model = GuidanceText
    fields = ("code", "text")


@admin.register(GuidelineVersion)
class GuidelineVersionAdmin(FrozenReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("number", "title", "status", "published_at", "created_by")
    list_filter = ("status",)
    search_fields = ("title", "change_summary")
    fields = (
        "number", "title", "status", "change_summary", "plasma_exchange_citations",
        "published_at", "published_by", "content_hash", "lock_version", "created_by", "created_at",
    )
    readonly_fields = (
        "number", "status", "published_at", "published_by", "content_hash", "lock_version", "created_by", "created_at",
    )
    filter_horizontal = ("plasma_exchange_citations",)
    inlines = (ThresholdInline, GuidanceTextInline)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        _limit_citations(form, obj.pk if obj else -1)  # a new version has no citations yet
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.number = next_version_number()
            obj.created_by = request.user
        else:
            obj.lock_version += 1
        super().save_model(request, obj, form, change)


@admin.register(Citation)
class CitationAdmin(VersionItemAdmin):
    list_display = ("key", "label", "verification", "version")
    list_filter = ("version", "verification")
    search_fields = ("key", "label", "reference", "url")


@admin.register(Threshold)
class ThresholdAdmin(VersionItemAdmin):
    list_display = ("code", "label", "value", "unit", "plausible_min", "plausible_max", "version")
    search_fields = ("code", "label", "note")
    filter_horizontal = ("citations",)


@admin.register(Recommendation)
class RecommendationAdmin(VersionItemAdmin):
    list_display = ("code", "title", "section", "strength", "verification", "order", "last_reviewed", "version")
    list_filter = ("version", "section", "verification")
    search_fields = ("code", "title", "text", "strength")
    filter_horizontal = ("citations",)
    inlines = (RecommendationConditionInline,)


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


@admin.register(GuidanceText)
class GuidanceTextAdmin(VersionItemAdmin):
    list_display = ("code", "version")
    search_fields = ("code", "text")


class ConditionAdmin(FrozenReadOnlyMixin, SimpleHistoryAdmin):
    """Conditions are edited on their item's page; these lists help find where a fact is used."""

    list_display = ("__str__", "item")
    list_filter = ("fact", "op")
    search_fields = ("fact",)


for _model in (RecommendationCondition, MonitoringCondition, WarningCondition, DisagreementCondition):
    admin.site.register(_model, ConditionAdmin)
