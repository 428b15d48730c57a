"""Administrators read the case access log; nobody edits it. Cases themselves are not in the admin:
their labels and plans are read in the app, where every look is logged."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from dahguide.cases.models import CaseAccessLog


@admin.register(CaseAccessLog)
class CaseAccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "case_id", "action")
    list_filter = ("action",)
    search_fields = ("user__username",)
    date_hierarchy = "at"
    list_select_related = ("user",)
    fields = ("at", "user", "case_id", "action")
    readonly_fields = fields
    show_full_result_count = False  # the log grows without bound: no COUNT(*) of it all

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CaseAccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CaseAccessLog | None = None) -> bool:
        return False
