from __future__ import annotations

import subprocess
import sys

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from dahguide.accounts.demo import DEMO_ACCOUNTS
from dahguide.accounts.roles import ROLES

pytestmark = pytest.mark.django_db


def test_every_role_group_exists_after_migrations():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


def test_content_editor_group_can_change_recommendations():
    codenames = set(Group.objects.get(name="content_editor").permissions.values_list("codename", flat=True))
    assert "change_recommendation" in codenames


def test_clinical_reviewer_group_cannot_edit_recommendation_text():
    codenames = set(Group.objects.get(name="clinical_reviewer").permissions.values_list("codename", flat=True))
    assert "change_recommendation" not in codenames


def test_seed_demo_creates_one_account_per_role(django_user_model):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    for role in ROLES:
        assert django_user_model.objects.filter(groups__name=role).exists()


def test_seed_demo_prints_the_documented_passwords(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert all(a.password in out for a in DEMO_ACCOUNTS)


def test_seed_demo_accounts_log_in_with_printed_password(client, django_user_model):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    physician = next(a for a in DEMO_ACCOUNTS if a.role == "physician")
    response = client.post(reverse("login"), {"username": physician.username, "password": physician.password})
    assert response.status_code == 302


@override_settings(PRODUCTION=True)
def test_seed_demo_refuses_production_mode():
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_uses_product_look(client):
    response = client.get(reverse("login"))
    assert b"Log in to DAH Guide" in response.content


def test_failed_logins_lock_out_with_clear_message(client, django_user_model):
    django_user_model.objects.create_user("nurse", password="correct-horse-battery")
    for _ in range(5):
        client.post(reverse("login"), {"username": "nurse", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "nurse", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content


def test_logged_in_pages_are_not_stored_by_the_browser(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("doc"))
    response = client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"]


def test_logout_requires_post(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("doc"))
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def _settings_import(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "dahguide.settings"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env={**base, **env}, capture_output=True, text=True
    )


def test_production_mode_refuses_to_start_without_secret_key():
    result = _settings_import({"DAHGUIDE_ENV": "production", "ALLOWED_HOSTS": "dah.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    result = _settings_import({"DAHGUIDE_ENV": "production", "SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_mode_starts_with_real_settings():
    result = _settings_import(
        {"DAHGUIDE_ENV": "production", "SECRET_KEY": "k" * 20 + "Q9z!" * 10, "ALLOWED_HOSTS": "dah.example.org"}
    )
    assert result.returncode == 0, result.stderr
