"""Error pages: in the product's layout (a way home, a way to log out), saying nothing about the data."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from dahguide.wizard import services

pytestmark = pytest.mark.django_db


def test_forbidden_page_explains_and_offers_a_way_home(client, resident, physician):
    draft = services.draft_create(owner=physician, first_step="patient")
    client.force_login(resident)
    response = client.get(reverse("wizard:step", args=[draft.pk, "patient"]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only physicians start and edit bedside assessments." in html
    assert f'href="{reverse("home")}"' in html and ">Log out</button>" in html


def test_another_physicians_draft_is_not_found_and_nothing_of_it_shown(client, physician, django_user_model):
    from django.contrib.auth.models import Group

    draft = services.draft_create(owner=physician, first_step="patient")
    services.draft_save_answers(draft=draft, answers={"weight_kg": "398.765"}, current_step="patient")
    other = django_user_model.objects.create_user("other-physician")
    other.groups.add(Group.objects.get(name="physician"))
    client.force_login(other)
    response = client.get(reverse("wizard:step", args=[draft.pk, "patient"]))
    assert response.status_code == 404
    assert b"Page not found" in response.content
    # A distinctive answer: short numbers like "61" also occur in static file hashes.
    assert b"398.765" not in response.content


def test_server_error_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert '<html lang="en">' in html and "<title>" in html
