"""Nothing a physician entered is lost: not to an idle logout, not to a server restart.

Drafts live in the database, keyed by their URL, not in the session (dahguide/wizard/models.py).
Backups, and migrations from an empty database: tests/security/test_backup_restore.py (and every
test run: the test database is migrated from empty, on SQLite and on PostgreSQL in CI).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dahguide.guidance.selectors import clear_snapshot_cache
from dahguide.wizard import services
from tests.conftest import TEST_PASSWORD
from tests.wizard.conftest import VALID, complete_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_done(client, physician, published_guideline):
    """A physician two steps into an assessment, with a third step typed but not yet valid."""
    physician.set_password(TEST_PASSWORD)
    physician.save()
    client.force_login(physician)
    draft = services.draft_create(owner=physician, first_step="patient")
    complete_steps(client, draft, upto="kidney")
    client.post(reverse("wizard:step", args=[draft.pk, "kidney"]), {**VALID["kidney"], "creatinine_value": "1,8"})
    draft.refresh_from_db()
    return draft


def _log_in(client, physician, next_url: str):
    return client.post(
        reverse("login"), {"username": physician.username, "password": TEST_PASSWORD, "next": next_url}, follow=True
    )


def test_draft_survives_the_idle_logout(client, physician, half_done):
    step_url = reverse("wizard:step", args=[half_done.pk, "kidney"])
    Session.objects.all().update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(step_url)
    assert response.url.startswith(reverse("login"))
    page = _log_in(client, physician, response.url.split("next=", 1)[1].replace("%2F", "/"))
    assert page.redirect_chain[-1][0] == step_url
    html = page.content.decode()
    assert 'value="1,8"' in html  # the unfinished answer, as typed
    assert '<option value="mg/dL" selected>' in html


def test_draft_survives_a_server_restart(physician, half_done):
    # A restart loses every process-local thing: the caches and the browser's session.
    cache.clear()
    clear_snapshot_cache()
    client = Client()
    page = _log_in(client, physician, reverse("home"))
    assert reverse("wizard:resume", args=[half_done.pk]) in page.content.decode()
    resumed = client.get(reverse("wizard:resume", args=[half_done.pk]), follow=True)
    assert resumed.redirect_chain[-1][0] == reverse("wizard:step", args=[half_done.pk, "kidney"])
    assert 'value="1,8"' in resumed.content.decode()
    answers = {**VALID["patient"], **VALID["respiratory"]}
    assert {k: half_done.answers[k] for k in answers} == answers


def test_completed_steps_survive_a_restart(physician, half_done):
    half_done.refresh_from_db()
    assert half_done.completed_steps == ["patient", "respiratory"]
