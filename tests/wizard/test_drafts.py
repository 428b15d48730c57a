"""Drafts live server-side under a UUID: parallel tabs, resume after logout, the home list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.wizard import services
from dahguide.wizard.models import DraftAssessment
from dahguide.wizard.selectors import UNFINISHED_LIST_LIMIT

from .conftest import VALID, complete_steps, post_step, step_url

pytestmark = pytest.mark.django_db


def test_new_assessment_creates_a_draft_and_opens_step_one(physician_client, physician, published_guideline):
    response = physician_client.post(reverse("wizard:new"))
    draft = DraftAssessment.objects.get(owner=physician)
    assert response.url == step_url(draft, "patient")


def test_new_assessment_records_the_published_guideline_version(physician_client, physician, published_guideline):
    physician_client.post(reverse("wizard:new"))
    assert DraftAssessment.objects.get(owner=physician).guideline_version == published_guideline.number


def test_two_drafts_in_parallel_do_not_collide(physician_client, physician, published_guideline):
    first = services.draft_create(owner=physician, first_step="patient")
    second = services.draft_create(owner=physician, first_step="patient")
    post_step(physician_client, first, "patient", {**VALID["patient"], "etiology": "gpa"})
    post_step(physician_client, second, "patient", {**VALID["patient"], "etiology": "sle"})
    post_step(physician_client, first, "respiratory")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.answers["etiology"] == "gpa"
    assert second.answers["etiology"] == "sle"
    assert second.completed_steps == ["patient"]


def test_saving_one_step_does_not_overwrite_another_steps_answers(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft)
    post_step(physician_client, draft, "kidney", {**VALID["kidney"], "creatinine_value": "2.0"})
    draft.refresh_from_db()
    assert draft.answers["etiology"] == "gpa"
    assert draft.answers["creatinine_value"] == "2.0"


def test_resume_after_logout_and_login_returns_to_the_same_step_with_answers(
    client, physician, draft, published_guideline
):
    client.force_login(physician)
    complete_steps(client, draft, upto="kidney")
    post_step(client, draft, "kidney", {"creatinine_value": "30o"})  # not valid yet: saved as typed
    client.post(reverse("logout"))
    assert client.get(reverse("wizard:resume", args=[draft.pk])).status_code == 302
    client.force_login(physician)
    response = client.get(reverse("wizard:resume", args=[draft.pk]), follow=True)
    assert response.redirect_chain[-1][0] == step_url(draft, "kidney")
    assert 'value="30o"' in response.content.decode()


def test_login_redirect_keeps_the_step_url(client, draft):
    response = client.get(step_url(draft, "patient"))
    assert response.url.endswith("?next=" + step_url(draft, "patient"))


def test_refresh_shows_saved_answers_on_the_same_step(physician_client, draft, published_guideline):
    post_step(physician_client, draft, "patient")
    html = physician_client.get(step_url(draft, "patient")).content.decode()
    assert 'value="54"' in html
    assert 'id="id_etiology_gpa" value="gpa" checked>' in html


def test_home_lists_unfinished_drafts_newest_first(physician_client, physician, published_guideline):
    older = services.draft_create(owner=physician, first_step="patient")
    newer = services.draft_create(owner=physician, first_step="patient")
    html = physician_client.get(reverse("home")).content.decode()
    assert html.index(str(newer.pk)) < html.index(str(older.pk))


def test_home_list_is_bounded(physician_client, physician):
    for _ in range(UNFINISHED_LIST_LIMIT + 3):
        services.draft_create(owner=physician, first_step="patient")
    html = physician_client.get(reverse("home")).content.decode()
    assert html.count('class="list-group-item') == UNFINISHED_LIST_LIMIT


def test_home_does_not_list_other_physicians_drafts(physician_client, django_user_model):
    other = django_user_model.objects.create_user(username="someone", password="x-x-x-x-x-x-x")
    theirs = services.draft_create(owner=other, first_step="patient")
    assert str(theirs.pk) not in physician_client.get(reverse("home")).content.decode()


def test_seeing_the_plan_finishes_the_draft_and_removes_it_from_home(physician_client, completed_draft):
    physician_client.post(reverse("wizard:review", args=[completed_draft.pk]))
    completed_draft.refresh_from_db()
    assert completed_draft.finished
    assert str(completed_draft.pk) not in physician_client.get(reverse("home")).content.decode()


def test_resume_of_a_complete_draft_opens_the_review(physician_client, completed_draft):
    response = physician_client.get(reverse("wizard:resume", args=[completed_draft.pk]))
    assert response.url == reverse("wizard:review", args=[completed_draft.pk])
