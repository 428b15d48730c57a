from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _events(caplog) -> list[str]:
    return [getattr(r, "event", "") for r in caplog.records]


def test_failed_login_is_logged_as_a_security_event(client, caplog):
    with caplog.at_level(logging.INFO, logger="dahguide.security"):
        client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert "login_failed" in _events(caplog)


def test_lockout_is_logged_as_a_security_event(client, caplog, django_user_model):
    django_user_model.objects.create_user("locked", password="a-long-password-1")
    with caplog.at_level(logging.INFO, logger="dahguide.security"):
        for _ in range(6):
            client.post(reverse("login"), {"username": "locked", "password": "wrong"})
    assert "lockout" in _events(caplog)


def test_request_log_records_the_route_not_the_query_string(client, caplog, django_user_model):
    client.force_login(django_user_model.objects.create_user("doc"))
    with caplog.at_level(logging.INFO, logger="dahguide.request"):
        client.get(reverse("home") + "?creatinine_value=777.123")
    record = next(r for r in caplog.records if getattr(r, "event", "") == "request")
    assert record.status == 200
    assert "777.123" not in json.dumps(record.__dict__, default=str)
