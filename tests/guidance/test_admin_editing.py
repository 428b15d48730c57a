"""Editing content in the admin as a browser does: optimistic locking, review invalidation, history."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from dahguide.guidance.editing import CONFLICT_MESSAGE
from dahguide.guidance.models import (
    ChangeNote,
    Citation,
    GoldenCase,
    GuidelineVersion,
    Recommendation,
    RecommendationCondition,
    Threshold,
    VersionTransition,
)
from tests.guidance.helpers import form_data

pytestmark = pytest.mark.django_db

Status = GuidelineVersion.Status
CONFLICT_HTML = CONFLICT_MESSAGE.replace("'", "&#x27;")


def change_url(obj) -> str:
    return reverse(f"admin:guidance_{obj._meta.model_name}_change", args=[obj.pk])


def open_form(client, obj) -> dict[str, list[str]]:
    """The change form as the browser has it when the editor opens the page."""
    return form_data(client.get(change_url(obj)), f"{obj._meta.model_name}_form")


@pytest.fixture
def platelet_rec(editor_draft):
    return Recommendation.objects.get(version=editor_draft, code="platelet_transfusion")


@pytest.fixture
def other_editor(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username="editor2", password="x-x-x-x-x-x", is_staff=True)
    user.groups.add(Group.objects.get(name="content_editor"))
    return user


# --- optimistic locking ------------------------------------------------------------------------


def test_second_editor_saving_a_stale_page_gets_a_conflict(client, content_editor, other_editor, platelet_rec):
    client.force_login(content_editor)
    first = open_form(client, platelet_rec)
    client.force_login(other_editor)
    second = open_form(client, platelet_rec)
    client.force_login(content_editor)
    assert client.post(change_url(platelet_rec), {**first, "title": ["First editor's title"]}).status_code == 302
    client.force_login(other_editor)
    response = client.post(change_url(platelet_rec), {**second, "title": ["Second editor's title"]})
    assert response.status_code == 200
    assert CONFLICT_HTML in response.content.decode()


def test_the_first_editors_change_survives_the_conflict(client, content_editor, other_editor, platelet_rec):
    client.force_login(content_editor)
    first = open_form(client, platelet_rec)
    second = open_form(client, platelet_rec)
    client.post(change_url(platelet_rec), {**first, "title": ["First editor's title"]})
    client.post(change_url(platelet_rec), {**second, "title": ["Second editor's title"]})
    platelet_rec.refresh_from_db()
    assert platelet_rec.title == "First editor's title"


def test_saving_after_reloading_succeeds(client, content_editor, platelet_rec):
    client.force_login(content_editor)
    client.post(change_url(platelet_rec), {**open_form(client, platelet_rec), "title": ["One"]})
    response = client.post(change_url(platelet_rec), {**open_form(client, platelet_rec), "title": ["Two"]})
    platelet_rec.refresh_from_db()
    assert (response.status_code, platelet_rec.title) == (302, "Two")


def test_each_save_bumps_the_lock_version(client, content_editor, platelet_rec):
    client.force_login(content_editor)
    before = platelet_rec.lock_version
    client.post(change_url(platelet_rec), open_form(client, platelet_rec))
    platelet_rec.refresh_from_db()
    assert platelet_rec.lock_version == before + 1


def test_stale_threshold_inline_on_the_version_page_conflicts(client, content_editor, editor_draft):
    client.force_login(content_editor)
    stale = open_form(client, editor_draft)
    threshold = Threshold.objects.get(version=editor_draft, code="platelet_transfusion_10e9_per_l")
    client.post(change_url(threshold), {**open_form(client, threshold), "value": ["30"]})
    prefix = next(k[: -len("-id")] for k, v in stale.items() if k.endswith("-id") and v == [str(threshold.pk)])
    response = client.post(change_url(editor_draft), {**stale, f"{prefix}-value": ["40"]})
    threshold.refresh_from_db()
    assert CONFLICT_HTML in response.content.decode()
    assert threshold.value == 30


def test_a_change_elsewhere_does_not_block_the_version_page(client, content_editor, editor_draft, platelet_rec):
    client.force_login(content_editor)
    stale = open_form(client, editor_draft)
    client.post(change_url(platelet_rec), {**open_form(client, platelet_rec), "text": ["New wording."]})
    response = client.post(change_url(editor_draft), {**stale, "title": ["Spring update"]})
    platelet_rec.refresh_from_db()
    assert (response.status_code, platelet_rec.text) == (302, "New wording.")


def test_stale_golden_case_conflicts(client, content_editor, golden_cases):
    case = GoldenCase.objects.first()
    client.force_login(content_editor)
    first, second = open_form(client, case), open_form(client, case)
    client.post(change_url(case), {**first, "description": ["One"]})
    response = client.post(change_url(case), {**second, "description": ["Two"]})
    assert CONFLICT_HTML in response.content.decode()


# --- editing a reviewed version returns it to draft --------------------------------------------


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED])
def test_editing_a_reviewed_version_in_the_admin_returns_it_to_draft(
    client, content_editor, platelet_rec, move_to, status
):
    version = move_to(platelet_rec.version, status)
    client.force_login(content_editor)
    client.post(change_url(platelet_rec), {**open_form(client, platelet_rec), "title": ["Reworded"]})
    version.refresh_from_db()
    last = VersionTransition.objects.filter(version=version).last()
    assert (version.status, last.from_status, last.user) == (Status.DRAFT, status, content_editor)


def test_saving_without_changes_keeps_the_review(client, content_editor, platelet_rec, move_to):
    version = move_to(platelet_rec.version, Status.UNDER_REVIEW)
    client.force_login(content_editor)
    client.post(change_url(platelet_rec), open_form(client, platelet_rec))
    version.refresh_from_db()
    assert version.status == Status.UNDER_REVIEW


def test_deleting_an_item_of_an_approved_version_returns_it_to_draft(client, content_editor, editor_draft, move_to):
    citation = Citation.objects.create(version=editor_draft, key="uncited", label="Uncited", reference="Test only.")
    version = move_to(editor_draft, Status.APPROVED)
    client.force_login(content_editor)
    client.post(reverse("admin:guidance_citation_delete", args=[citation.pk]), {"post": "yes"})
    version.refresh_from_db()
    assert version.status == Status.DRAFT


def test_an_admin_edit_makes_the_editor_an_author(client, editor_reviewer, platelet_rec):
    from dahguide.guidance.selectors import version_authors

    client.force_login(editor_reviewer)
    client.post(change_url(platelet_rec), {**open_form(client, platelet_rec), "title": ["Reworded"]})
    assert editor_reviewer.pk in version_authors(version=platelet_rec.version)


def test_threshold_out_of_range_is_explained_in_the_admin(client, content_editor, editor_draft):
    threshold = Threshold.objects.get(version=editor_draft, code="platelet_transfusion_10e9_per_l")
    client.force_login(content_editor)
    response = client.post(change_url(threshold), {**open_form(client, threshold), "value": ["500"]})
    assert "500 10^9/L is outside the plausible range for this threshold (10–100 10^9/L)" in response.content.decode()


def test_a_rule_on_a_data_quality_warning_is_refused(editor_draft):
    from django.core.exceptions import ValidationError

    from dahguide.guidance.models import WarningCondition, WarningContent

    warning = WarningContent.objects.get(version=editor_draft, code="missing_data")
    with pytest.raises(ValidationError, match="data-quality warnings itself"):
        WarningCondition(warning=warning, fact="hypoxemia", op="is_true").full_clean()


def test_an_item_cannot_be_moved_to_another_version(client, content_editor, platelet_rec, published_guideline):
    client.force_login(content_editor)
    client.post(change_url(platelet_rec), {**open_form(client, platelet_rec), "version": [str(published_guideline.pk)]})
    platelet_rec.refresh_from_db()
    assert platelet_rec.version.number == 2


# --- published items stay read-only ------------------------------------------------------------


def test_published_items_have_no_save_button_for_the_editor(client, content_editor, published_guideline):
    threshold = Threshold.objects.filter(version=published_guideline).first()
    client.force_login(content_editor)
    assert b'name="_save"' not in client.get(change_url(threshold)).content


def test_published_condition_cannot_be_changed(client, content_editor, published_guideline):
    condition = RecommendationCondition.objects.filter(recommendation__version=published_guideline).first()
    client.force_login(content_editor)
    assert client.post(change_url(condition), {"group": 2}).status_code == 403


def test_published_version_page_cannot_be_saved(client, admin_user, published_guideline):
    client.force_login(admin_user)
    assert client.post(change_url(published_guideline), {"title": "X"}).status_code == 403


def test_read_only_pages_do_not_show_the_lock_field(client, clinical_reviewer, editor_draft):
    client.force_login(clinical_reviewer)
    html = client.get(change_url(Recommendation.objects.filter(version=editor_draft).first())).content.decode()
    assert "lock_version" not in html and "Lock version" not in html


# --- history -----------------------------------------------------------------------------------

HISTORY_MODELS = [m for m in admin.site._registry if m._meta.app_label == "guidance" and m is not VersionTransition]


def test_history_page_opens_for_every_content_model(client, admin_user, golden_cases, editor_draft):
    ChangeNote.objects.create(version=editor_draft, recommendation="platelet_transfusion", text="Reworded.")
    client.force_login(admin_user)
    statuses = {
        model._meta.model_name: client.get(
            reverse(f"admin:guidance_{model._meta.model_name}_history", args=[model.objects.first().pk])
        ).status_code
        for model in HISTORY_MODELS
    }
    assert statuses == {model._meta.model_name: 200 for model in HISTORY_MODELS}
    assert len(statuses) == 16


def test_history_page_shows_who_changed_the_item(client, content_editor, admin_user, platelet_rec):
    client.force_login(content_editor)
    client.post(change_url(platelet_rec), {**open_form(client, platelet_rec), "title": ["Reworded"]})
    client.force_login(admin_user)
    html = client.get(reverse("admin:guidance_recommendation_history", args=[platelet_rec.pk])).content.decode()
    assert "editor" in html and "Reworded" in html


def test_history_page_has_no_style_attribute_the_csp_would_block(client, content_editor, admin_user, platelet_rec):
    client.force_login(content_editor)
    client.post(change_url(platelet_rec), {**open_form(client, platelet_rec), "title": ["Reworded"]})
    html = client.get(reverse("admin:guidance_recommendation_history", args=[platelet_rec.pk])).content.decode()
    assert 'id="change-history"' in html and "Reworded" in html
    assert " style=" not in html


def test_a_past_state_can_be_viewed(client, content_editor, platelet_rec):
    client.force_login(content_editor)
    record = platelet_rec.history.first()
    url = reverse("admin:guidance_recommendation_simple_history", args=[platelet_rec.pk, record.history_id])
    assert client.get(url).status_code == 200


def test_a_past_state_cannot_be_restored_around_the_workflow(client, content_editor, platelet_rec):
    client.force_login(content_editor)
    record = platelet_rec.history.first()
    url = reverse("admin:guidance_recommendation_simple_history", args=[platelet_rec.pk, record.history_id])
    assert client.post(url, {"title": "Old"}).status_code == 403
