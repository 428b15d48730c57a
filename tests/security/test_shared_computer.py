"""Shared ward computers: idle logout, nothing cached, lockout after failed log-ins, strong passwords.

The browser side (the warning before the idle logout, Back after logout) is in
tests/browser/test_shared_computer.py.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOCKOUT_MESSAGE = b"Too many failed log-in attempts"


# -- Idle logout ---------------------------------------------------------------------------------


def test_the_session_row_outlives_the_idle_timeout_which_the_server_enforces_itself():
    # The row is kept so the idle logout still knows whose session it ends (what they typed is
    # kept for them); it is not written on every request.
    assert settings.SESSION_COOKIE_AGE > settings.SESSION_IDLE_TIMEOUT
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert "dahguide.accounts.middleware.IdleSessionMiddleware" in settings.MIDDLEWARE


def test_idle_session_ends_on_the_server(client, physician, clock):
    client.force_login(physician)
    assert client.get(reverse("home")).status_code == 200
    clock.advance(settings.SESSION_IDLE_TIMEOUT)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response.url).content.decode()
    assert f"logged out after {settings.SESSION_IDLE_TIMEOUT // 60} minutes without activity" in page


def test_idle_session_cannot_save_a_step(client, physician, published_guideline, clock):
    from dahguide.wizard import services

    draft = services.draft_create(owner=physician, first_step="patient")
    client.force_login(physician)
    clock.advance(settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.post(reverse("wizard:step", args=[draft.pk, "patient"]), {"age_years": "50"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    draft.refresh_from_db()
    assert draft.answers == {}


@override_settings(SESSION_IDLE_TIMEOUT=240, SESSION_IDLE_WARNING=45)
def test_logged_in_pages_tell_the_script_when_to_warn_and_log_out(client, physician):
    client.force_login(physician)
    html = client.get(reverse("home")).content.decode()
    assert 'data-idle-timeout="240"' in html
    assert 'data-idle-warning="45"' in html
    assert 'id="idle-warning"' in html


def test_login_page_runs_no_idle_timer(client):
    assert b"data-idle-timeout" not in client.get(reverse("login")).content


def test_idle_warning_is_announced_and_offers_to_stay(client, physician):
    client.force_login(physician)
    html = client.get(reverse("home")).content.decode()
    assert 'id="idle-warning-text" aria-live="assertive"' in html
    assert ">Stay logged in</button>" in html


@override_settings(SESSION_IDLE_TIMEOUT=240, SESSION_IDLE_WARNING=45)
def test_admin_pages_warn_before_the_idle_logout_too(client, content_editor):
    # Editors lose unsaved admin edits at the idle logout: they get the same warning, worded for them.
    client.force_login(content_editor)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'data-idle-timeout="240"' in html
    assert 'id="idle-warning-text" aria-live="assertive"' in html
    assert "unsaved edits are lost at logout" in html
    assert "/static/js/app" in html


# -- Nothing kept after logout ------------------------------------------------------------------


def test_logout_ends_the_session_on_the_server(client, physician):
    client.force_login(physician)
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).url.startswith(reverse("login"))


def test_logout_after_a_plan_leaves_the_plan_unreachable(client, physician, published_guideline):
    from dahguide.wizard import services
    from tests.wizard.conftest import complete_steps

    client.force_login(physician)
    draft = services.draft_create(owner=physician, first_step="patient")
    complete_steps(client, draft)
    plan_url = reverse("wizard:plan", args=[draft.pk])
    assert client.get(plan_url).status_code == 200
    client.post(reverse("logout"))
    response = client.get(plan_url)
    assert response.status_code == 302
    assert b"Plasma exchange" not in response.content


# -- Lockout --------------------------------------------------------------------------------------


def _fail(client, username: str, times: int) -> None:
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong-password"})


def test_login_still_works_one_failure_before_the_limit(client, django_user_model):
    django_user_model.objects.create_user("ward-doc", password="correct-horse-battery")
    _fail(client, "ward-doc", settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(reverse("login"), {"username": "ward-doc", "password": "correct-horse-battery"})
    assert response.status_code == 302


def test_lockout_refuses_even_the_right_password_with_a_clear_message(client, django_user_model):
    django_user_model.objects.create_user("ward-doc", password="correct-horse-battery")
    _fail(client, "ward-doc", settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("login"), {"username": "ward-doc", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert LOCKOUT_MESSAGE in response.content
    assert b"ask an administrator to unlock the account" in response.content


def test_lockout_page_has_security_headers_and_no_idle_timer(client, django_user_model):
    from tests.security.headers import security_header_problems

    django_user_model.objects.create_user("ward-doc", password="correct-horse-battery")
    _fail(client, "ward-doc", settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("login"), {"username": "ward-doc", "password": "wrong-password"})
    assert security_header_problems(response, authenticated=False) == []
    assert b"data-idle-timeout" not in response.content


def test_lockout_of_one_account_leaves_other_accounts_alone(client, django_user_model):
    django_user_model.objects.create_user("ward-doc", password="correct-horse-battery")
    django_user_model.objects.create_user("other-doc", password="other-horse-battery")
    _fail(client, "ward-doc", settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("login"), {"username": "other-doc", "password": "other-horse-battery"})
    assert response.status_code == 302


def test_failed_login_does_not_say_whether_the_account_exists(client, django_user_model):
    django_user_model.objects.create_user("ward-doc", password="correct-horse-battery")
    known = client.post(reverse("login"), {"username": "ward-doc", "password": "wrong-password"})
    unknown = client.post(reverse("login"), {"username": "no-such-doc", "password": "wrong-password"})
    assert known.status_code == unknown.status_code == 200
    assert b"Please enter a correct username and password" in known.content
    assert b"Please enter a correct username and password" in unknown.content


# -- Passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short-pw", "password1234", "123456789012345", "ward-doc-2024!"],
    ids=["too-short", "common", "numeric", "like-the-username"],
)
def test_weak_passwords_are_refused(django_user_model, password):
    user = django_user_model(username="ward-doc-2024", email="ward-doc@example.org")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted(django_user_model):
    user = django_user_model(username="ward-doc")
    validate_password("plum-ferry-lantern-93", user)


def test_all_four_password_validators_are_on():
    names = {v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
