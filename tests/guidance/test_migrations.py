from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from dahguide.accounts.roles import CLINICAL_REVIEWER, CONTENT_EDITOR, ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


def test_guidance_and_accounts_models_match_their_migrations():
    call_command("makemigrations", "guidance", "accounts", check=True, dry_run=True, verbosity=0)


def test_guidance_passes_system_checks():
    call_command("check", "guidance", verbosity=0)


@pytest.mark.parametrize("role", [CONTENT_EDITOR, CLINICAL_REVIEWER])
def test_content_roles_hold_every_guidance_permission_listed_for_them(role):
    wanted = {
        f"{action}_{model}"
        for (app_label, model), actions in ROLE_PERMISSIONS[role].items()
        if app_label == "guidance"
        for action in actions
    }
    held = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
    assert wanted <= held
