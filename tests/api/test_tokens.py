"""Per-user API tokens: an administrator creates them in the admin; they authenticate API calls."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from .conftest import INTAKE, auth, post_json, token_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/evaluate"


def test_admin_can_create_a_token_in_the_admin(client, admin_user, physician):
    client.force_login(admin_user)
    response = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": physician.pk})
    assert response.status_code == 302
    assert Token.objects.filter(user=physician).exists()


def test_content_editor_cannot_manage_tokens(client, content_editor):
    client.force_login(content_editor)
    assert client.get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == 403


def test_physician_token_evaluates(client, published_guideline, physician):
    assert post_json(client, URL, INTAKE, **auth(token_for(physician))).status_code == 200


def test_resident_token_is_refused_with_403(client, published_guideline, resident):
    response = post_json(client, URL, INTAKE, **auth(token_for(resident)))
    assert response.status_code == 403
    assert "physicians" in response.json()["detail"]


def test_unknown_token_is_refused_with_401(client, published_guideline):
    assert post_json(client, URL, INTAKE, **auth("0" * 40)).status_code == 401


def test_token_of_a_deactivated_user_is_refused(client, published_guideline, physician):
    key = token_for(physician)
    physician.is_active = False
    physician.save()
    assert post_json(client, URL, INTAKE, **auth(key)).status_code == 401


def test_token_requests_need_no_csrf_token(published_guideline, physician):
    from django.test import Client

    response = post_json(Client(enforce_csrf_checks=True), URL, INTAKE, **auth(token_for(physician)))
    assert response.status_code == 200


def test_failed_token_attempts_do_not_lock_the_password_login(client, published_guideline, physician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        post_json(client, URL, INTAKE, **auth("f" * 40))
    assert post_json(client, URL, INTAKE, **auth(token_for(physician))).status_code == 200
