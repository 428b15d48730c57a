"""The password backend, loading each request's user and roles in one query.

Every clinical page asks for the user's roles (``roles.has_role``). Django's ModelBackend loads the
user and, on the first role check, asks again for the groups: two round trips on every request. This
backend reads both at once (the user's row joined to its groups, one row per group) and leaves the
names where ``has_role`` looks for them, so a role removed in the admin still takes effect on the
user's next request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import F

from dahguide.accounts.roles import ROLE_NAMES_ATTRIBUTE

_GROUP_NAME = "dahguide_group_name"  # the annotation: one row per group, NULL for a user in none


class UserAndRolesBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        rows = list(model._default_manager.filter(pk=user_id).annotate(**{_GROUP_NAME: F("groups__name")}))
        if not rows or not self.user_can_authenticate(rows[0]):
            return None
        user = rows[0]
        setattr(user, ROLE_NAMES_ATTRIBUTE, frozenset(getattr(r, _GROUP_NAME) for r in rows) - {None})
        return user
