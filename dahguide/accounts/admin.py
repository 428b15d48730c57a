"""The user admin: Django's own, with the log-in and joining times read-only, and an unlock action.

They are records of what happened, not settings; read-only they also show as text, where Django's
split date and time inputs had no labels of their own (axe: WCAG 1.3.1, 4.1.2).
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

User = get_user_model()

admin.site.unregister(User)


@admin.register(User)
class DahUserAdmin(UserAdmin):
    readonly_fields = ("last_login", "date_joined")
    actions = ["unlock_login"]

    @admin.action(permissions=["change"], description="Unlock log-in (clear failed attempts)")
    def unlock_login(self, request, queryset) -> None:
        """Ends both the lockout from any address and the account slowdown (dahguide/accounts/lockout.py)."""
        cleared = sum(axes_reset(username=name) for user in queryset if (name := user.get_username()))
        self.message_user(
            request,
            f"Log-in unlocked for {queryset.count()} account(s); {cleared} failure record(s) cleared.",
            messages.SUCCESS,
        )
