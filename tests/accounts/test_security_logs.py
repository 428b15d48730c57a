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


def _all_log_text(caplog) -> str:
    return "\n".join(json.dumps({**r.__dict__, "msg": r.getMessage()}, default=str) for r in caplog.records)


def _failed(caplog):
    return next(r for r in caplog.records if getattr(r, "event", "") == "login_failed")


def test_failed_login_logs_the_client_address(client, caplog):
    with caplog.at_level(logging.INFO):
        client.post(reverse("login"), {"username": "nobody", "password": "wrong"}, REMOTE_ADDR="10.20.1.11")
    assert _failed(caplog).client_ip == "10.20.1.11"


def test_failed_login_for_an_unknown_name_logs_a_keyed_hash_not_the_typed_text(client, caplog):
    typed = "Winter-Is-Coming-2031"  # a password typed into the username box
    with caplog.at_level(logging.DEBUG):
        client.post(reverse("login"), {"username": typed, "password": "wrong"})
    assert typed not in _all_log_text(caplog)
    assert len(_failed(caplog).username_hmac) == 32


def test_the_keyed_hash_of_an_unknown_name_is_the_same_each_time(client, caplog):
    with caplog.at_level(logging.INFO, logger="dahguide.security"):
        for _ in range(2):
            client.post(reverse("login"), {"username": "nobody-at-all", "password": "wrong"})
    hashes = {r.username_hmac for r in caplog.records if getattr(r, "event", "") == "login_failed"}
    assert len(hashes) == 1


def test_the_keyed_hash_depends_on_the_secret_key(settings):
    from dahguide.observability import username_fields

    first = username_fields("nobody-at-all")
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert username_fields("nobody-at-all") != first


def test_failed_login_for_an_existing_account_logs_its_username(client, caplog, django_user_model):
    django_user_model.objects.create_user("nurse", password="a-long-password-1")
    with caplog.at_level(logging.INFO, logger="dahguide.security"):
        client.post(reverse("login"), {"username": "nurse", "password": "wrong"})
    assert _failed(caplog).username == "nurse"
