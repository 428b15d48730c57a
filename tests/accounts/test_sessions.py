"""The session store (dahguide.accounts.sessions): Django's database sessions, read with one SELECT."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from dahguide.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_a_saved_session_is_read_back_in_one_query(django_assert_num_queries):
    key = _saved(colour="blue", count=3)
    store = SessionStore(key)
    with django_assert_num_queries(1):
        assert store["colour"] == "blue" and store["count"] == 3
    assert store.session_key == key


def test_an_expired_session_is_not_read_and_starts_afresh():
    key = _saved(colour="blue")
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(key)
    assert store.get("colour") is None
    assert store.session_key is None  # a new key on save: an old one is never brought back


def test_an_unknown_key_gives_an_empty_session():
    store = SessionStore("x" * 32)
    assert dict(store.items()) == {}
    assert store.session_key is None


def test_a_session_ended_on_one_server_is_ended_on_every_server():
    # No cache in between: the row is the truth, so a logout anywhere ends the session everywhere.
    key = _saved(colour="blue")
    SessionStore(key).delete()
    assert SessionStore(key).get("colour") is None


def test_logging_in_and_out_goes_through_this_store(client, physician):
    client.force_login(physician)
    assert client.get(reverse("home")).status_code == 200
    key = client.cookies["sessionid"].value
    assert SessionStore(key).get("_auth_user_id") == str(physician.pk)
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302


def test_sessions_saved_by_djangos_own_store_stay_valid_after_the_switch():
    # The upgrade to this store must not log anyone out: same table, same signing salt.
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore

    old = DjangoStore()
    old["colour"] = "blue"
    old.save()
    assert SessionStore(old.session_key)["colour"] == "blue"
