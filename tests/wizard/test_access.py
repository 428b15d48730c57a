"""Who may use the wizard: physicians only, each on their own drafts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import HTMX, step_url

pytestmark = pytest.mark.django_db


def _draft_urls(draft) -> list[str]:
    return [
        reverse("wizard:resume", args=[draft.pk]),
        step_url(draft, "patient"),
        reverse("wizard:review", args=[draft.pk]),
        reverse("wizard:plan", args=[draft.pk]),
        reverse("wizard:preview", args=[draft.pk]),
        reverse("wizard:convert", args=[draft.pk]) + "?for=creatinine_value",
    ]


def test_anonymous_is_sent_to_login_from_every_wizard_page(client, draft):
    for url in [reverse("home"), *_draft_urls(draft)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_anonymous_htmx_request_redirects_the_whole_page_to_login(client, draft):
    response = client.get(step_url(draft, "patient"), headers={**HTMX, "HX-Current-URL": "http://testserver/x/"})
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_resident_cannot_open_a_wizard_page(client, resident, draft):
    client.force_login(resident)
    for url in _draft_urls(draft):
        assert client.get(url).status_code == 403


def test_resident_cannot_start_an_assessment(client, resident):
    client.force_login(resident)
    assert client.post(reverse("wizard:new")).status_code == 403


def test_content_editor_cannot_start_an_assessment(client, content_editor):
    client.force_login(content_editor)
    assert client.post(reverse("wizard:new")).status_code == 403


def test_another_physicians_draft_is_404(client, django_user_model, draft):
    from django.contrib.auth.models import Group

    other = django_user_model.objects.create_user(username="other-physician", password="x-x-x-x-x-x-x")
    other.groups.add(Group.objects.get(name="physician"))
    client.force_login(other)
    for url in _draft_urls(draft):
        assert client.get(url).status_code == 404


def test_new_assessment_needs_post(physician_client):
    assert physician_client.get(reverse("wizard:new")).status_code == 405


def test_home_offers_physician_a_new_assessment(physician_client):
    html = physician_client.get(reverse("home")).content.decode()
    assert f'action="{reverse("wizard:new")}"' in html


def test_home_offers_content_editor_the_admin(client, content_editor):
    client.force_login(content_editor)
    html = client.get(reverse("home")).content.decode()
    assert reverse("admin:index") in html
    assert reverse("wizard:new") not in html


def test_home_does_not_offer_resident_a_new_assessment(client, resident):
    client.force_login(resident)
    assert reverse("wizard:new") not in client.get(reverse("home")).content.decode()


def test_home_varies_on_hx_request(physician_client):
    assert "HX-Request" in physician_client.get(reverse("home"))["Vary"]


def test_physician_group_holds_the_draft_permissions_after_migrations():
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name="physician").permissions.values_list("codename", flat=True))
    assert {"add_draftassessment", "change_draftassessment", "view_draftassessment"} <= codenames
