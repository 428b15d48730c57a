"""The idle logout on shared ward computers: no database write on a read, activity recorded at most
once a minute, and nothing the physician was typing lost when it comes.

The browser side (countdown, focus, typing keeps the session, the form sent at logout) is in
tests/browser/test_shared_computer.py; the idle clock is dahguide.accounts.idle.now, moved by the
``clock`` fixture.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dahguide.accounts import idle
from dahguide.accounts.middleware import IDLE_REMAINING_HEADER
from dahguide.wizard import services
from tests.cases.conftest import save_case
from tests.conftest import TEST_PASSWORD
from tests.wizard.conftest import VALID, complete_steps

pytestmark = pytest.mark.django_db

TIMEOUT = settings.SESSION_IDLE_TIMEOUT
INTERVAL = settings.SESSION_ACTIVITY_INTERVAL


def _session_writes(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")]


def _log_in(client: Client, user, next_url: str):
    user.set_password(TEST_PASSWORD)
    user.save()
    return client.post(
        reverse("login"), {"username": user.username, "password": TEST_PASSWORD, "next": next_url}, follow=True
    )


def _follow_to_login(response) -> str:
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    return response.url


# -- Reads cost no write; activity is recorded at most once a minute ----------------------------------


def test_a_page_read_within_a_minute_of_the_last_activity_writes_nothing(client, physician, clock):
    client.force_login(physician)
    client.get(reverse("home"))
    clock.advance(INTERVAL - 1)
    assert _session_writes(client, reverse("home")) == []


def test_a_page_read_a_minute_later_pushes_the_idle_logout_back(client, physician, clock):
    client.force_login(physician)
    client.get(reverse("home"))
    clock.advance(INTERVAL)
    assert len(_session_writes(client, reverse("home"))) == 1
    clock.advance(TIMEOUT - 1)  # idle since the read just recorded, not since the log-in
    assert client.get(reverse("home")).status_code == 200


def test_every_response_says_how_long_is_left_by_the_servers_clock(client, physician, clock):
    client.force_login(physician)
    client.get(reverse("home"))
    clock.advance(INTERVAL - 10)
    response = client.get(reverse("home"))
    assert response[IDLE_REMAINING_HEADER] == str(TIMEOUT - INTERVAL + 10)
    assert f'data-idle-remaining="{TIMEOUT - INTERVAL + 10}"' in response.content.decode()


def test_typing_on_an_open_page_keeps_the_session_through_the_activity_ping(client, physician, clock):
    client.force_login(physician)
    client.get(reverse("home"))
    for _ in range(3):  # 3 × (timeout - 1 min) of typing a long comment, no page load
        clock.advance(TIMEOUT - INTERVAL)
        ping = client.post(reverse("activity"))
        assert ping.status_code == 204
        assert ping[IDLE_REMAINING_HEADER] == str(TIMEOUT)
    assert client.get(reverse("home")).status_code == 200


def test_the_activity_ping_needs_a_session_and_a_post(client, physician, clock):
    assert client.post(reverse("activity")).status_code == 401
    client.force_login(physician)
    assert client.get(reverse("activity")).status_code == 405
    clock.advance(TIMEOUT)
    assert client.post(reverse("activity")).status_code == 401  # too late: the session has ended


def test_the_activity_ping_needs_the_csrf_token(physician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(physician)
    assert client.post(reverse("activity")).status_code == 403


# -- What was being typed is kept for the same user ----------------------------------------------------


@pytest.fixture
def at_kidney_step(client, physician, published_guideline):
    client.force_login(physician)
    draft = services.draft_create(owner=physician, first_step="patient")
    complete_steps(client, draft, upto="kidney")
    return draft


def test_a_step_sent_after_the_idle_logout_is_kept_and_shown_again_after_logging_in(
    client, physician, at_kidney_step, clock
):
    step_url = reverse("wizard:step", args=[at_kidney_step.pk, "kidney"])
    clock.advance(TIMEOUT)
    typed = {**VALID["kidney"], "creatinine_value": "2.6", "action": "next"}
    login_url = _follow_to_login(client.post(step_url, typed))
    at_kidney_step.refresh_from_db()
    assert "creatinine_value" not in at_kidney_step.answers  # nothing saved without a session

    page = _log_in(client, physician, step_url)
    assert page.redirect_chain[-1][0] == step_url
    assert "next=" in login_url
    html = page.content.decode()
    assert 'value="2.6"' in html
    assert "before the idle logout is back" in html
    at_kidney_step.refresh_from_db()
    assert "creatinine_value" not in at_kidney_step.answers  # shown, not saved: the physician checks it
    assert 'value="2.6"' not in client.get(step_url).content.decode()  # offered once


def test_the_form_the_script_sends_when_the_countdown_ends_logs_out_and_is_kept(client, physician, at_kidney_step):
    step_url = reverse("wizard:step", args=[at_kidney_step.pk, "kidney"])
    typed = {"creatinine_value": "3.1", "creatinine_unit": "mg/dL", idle.IDLE_LOGOUT_FIELD: "1"}
    _follow_to_login(client.post(step_url, typed))
    assert "_auth_user_id" not in client.session
    at_kidney_step.refresh_from_db()
    assert "creatinine_value" not in at_kidney_step.answers
    assert 'value="3.1"' in _log_in(client, physician, step_url).content.decode()


def test_an_htmx_step_post_after_the_idle_logout_redirects_the_whole_page(client, physician, at_kidney_step, clock):
    clock.advance(TIMEOUT)
    response = client.post(
        reverse("wizard:step", args=[at_kidney_step.pk, "kidney"]), VALID["kidney"], headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_someone_else_logging_in_on_the_same_computer_never_sees_what_was_kept(
    client, physician, django_user_model, at_kidney_step, clock
):
    from tests.conftest import _user

    step_url = reverse("wizard:step", args=[at_kidney_step.pk, "kidney"])
    clock.advance(TIMEOUT)
    client.post(step_url, {**VALID["kidney"], "creatinine_value": "2.6"})
    colleague = _user(django_user_model, "colleague", "physician")
    _log_in(client, colleague, reverse("home"))
    assert idle.KEPT not in client.session
    client.post(reverse("logout"))
    assert 'value="2.6"' not in _log_in(client, physician, step_url).content.decode()


def test_a_forged_post_is_refused_and_plants_nothing(physician, at_kidney_step, clock):
    client = Client(enforce_csrf_checks=True)
    client.force_login(physician)
    clock.advance(TIMEOUT)
    response = client.post(reverse("wizard:step", args=[at_kidney_step.pk, "kidney"]), {"creatinine_value": "9"})
    assert response.status_code == 403
    assert idle.KEPT not in client.session


def test_a_comment_being_typed_survives_the_idle_logout(client, physician, published_guideline, clock):
    case = save_case(physician)
    client.force_login(physician)
    clock.advance(TIMEOUT)
    text = "Is the second dose due before the renal review?"
    login_url = _follow_to_login(client.post(reverse("cases:comment", args=[case.pk]), {"text": text}))
    assert "%23comments" in login_url
    assert not case.comments.exists()
    html = _log_in(client, physician, reverse("cases:detail", args=[case.pk])).content.decode()
    assert re.search(rf'<textarea name="text"[^>]*>\s*{re.escape(text)}</textarea>', html)
    assert "What you were typing before the idle logout is back" in html


def test_a_sign_off_being_typed_survives_the_idle_logout(client, physician, attending, published_guideline, clock):
    case = save_case(physician)
    client.force_login(attending)
    clock.advance(TIMEOUT)
    typed = {"decision": "disagree", "reason_code": "", "comment": "Would wait for the biopsy first."}
    _follow_to_login(client.post(reverse("cases:signoff", args=[case.pk]), typed))
    html = _log_in(client, attending, reverse("cases:detail", args=[case.pk])).content.decode()
    assert re.search(r'<textarea name="comment"[^>]*>\s*Would wait for the biopsy first.</textarea>', html)
    assert re.search(r'value="disagree"[^>]*checked', html)


def test_an_empty_form_at_logout_keeps_nothing(client, physician, at_kidney_step, clock):
    clock.advance(TIMEOUT)
    client.post(reverse("wizard:step", args=[at_kidney_step.pk, "kidney"]), {"creatinine_value": "  "})
    assert idle.KEPT not in client.session
