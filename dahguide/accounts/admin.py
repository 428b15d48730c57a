"""The user admin: Django's own, with the log-in and joining times read-only.

They are records of what happened, not settings; read-only they also show as text, where Django's
split date and time inputs had no labels of their own (axe: WCAG 1.3.1, 4.1.2).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

User = get_user_model()

admin.site.unregister(User)


@admin.register(User)
class DahUserAdmin(UserAdmin):
    readonly_fields = ("last_login", "date_joined")
