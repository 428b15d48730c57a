"""Demo accounts for local use: one per role, with documented passwords."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from dahguide.accounts.roles import ATTENDING, CLINICAL_REVIEWER, CONTENT_EDITOR, PHYSICIAN, RESIDENT, role_groups


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str | None  # None: the superuser
    label: str


DEMO_ACCOUNTS = (
    DemoAccount("physician", "demo-physician-pass", PHYSICIAN, "Physician"),
    DemoAccount("physician2", "demo-physician2-pass", PHYSICIAN, "Second physician"),
    DemoAccount("attending", "demo-attending-pass", ATTENDING, "Attending (signs off cases)"),
    DemoAccount("resident", "demo-resident-pass", RESIDENT, "Resident"),
    DemoAccount("editor", "demo-editor-pass", CONTENT_EDITOR, "Content editor"),
    DemoAccount("reviewer", "demo-reviewer-pass", CLINICAL_REVIEWER, "Clinical reviewer"),
    DemoAccount("admin", "demo-admin-pass", None, "Administrator (superuser)"),
)


@transaction.atomic
def seed_demo_accounts() -> list[DemoAccount]:
    """Create or reset the demo accounts; idempotent."""
    user_model = get_user_model()
    for account in DEMO_ACCOUNTS:
        user, _ = user_model.objects.get_or_create(username=account.username)
        user.is_active = True
        user.is_superuser = account.role is None
        # Editors and reviewers work in the admin; so does the administrator.
        user.is_staff = account.role in {None, CONTENT_EDITOR, CLINICAL_REVIEWER}
        user.set_password(account.password)
        user.save()
        if account.role:
            user.groups.set(Group.objects.filter(name__in=role_groups(account.role)))
    return list(DEMO_ACCOUNTS)
