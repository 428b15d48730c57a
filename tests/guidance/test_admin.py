from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from dahguide.guidance.models import Citation, GuidelineVersion, Recommendation, Threshold, VersionTransition
from dahguide.guidance.services import guideline_import
from tests.conftest import rows_once
from tests.guidance.helpers import form_data

pytestmark = pytest.mark.django_db

GUIDANCE_MODELS = [model for model in admin.site._registry if model._meta.app_label == "guidance"]


@pytest.fixture
def draft(published_guideline, guideline_document):
    """Version 2: the content file imported again as a draft (written once per process, then put back)."""
    return rows_once(
        "admin draft", lambda: guideline_import(document=guideline_document, publish=False), after="published guideline"
    )


def admin_for(model, user):
    request = RequestFactory().get("/")
    request.user = user
    return admin.site._registry[model], request


def test_every_guidance_model_is_in_the_admin():
    assert len(GUIDANCE_MODELS) == 17


@pytest.mark.parametrize("model", GUIDANCE_MODELS, ids=lambda m: m._meta.model_name)
def test_admin_lists_every_guidance_model(client, admin_user, published_guideline, model):
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:guidance_{model._meta.model_name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model", [m for m in GUIDANCE_MODELS if m is not VersionTransition], ids=lambda m: m._meta.model_name
)
def test_admin_add_form_opens_for_every_guidance_model(client, admin_user, draft, model):
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:guidance_{model._meta.model_name}_add"))
    assert response.status_code == 200


def test_editor_opens_a_recommendation_of_the_published_version_read_only(client, content_editor, published_guideline):
    recommendation = Recommendation.objects.filter(version=published_guideline).first()
    client.force_login(content_editor)
    response = client.get(reverse("admin:guidance_recommendation_change", args=[recommendation.pk]))
    assert response.status_code == 200
    assert b'name="_save"' not in response.content


def test_editor_cannot_save_a_threshold_of_the_published_version(client, content_editor, published_guideline):
    threshold = Threshold.objects.filter(version=published_guideline).first()
    client.force_login(content_editor)
    response = client.post(reverse("admin:guidance_threshold_change", args=[threshold.pk]), {"value": "1"})
    assert response.status_code == 403


def test_published_version_is_read_only_even_for_the_administrator(admin_user, published_guideline):
    model_admin, request = admin_for(GuidelineVersion, admin_user)
    assert not model_admin.has_change_permission(request, published_guideline)


def test_editor_may_change_a_draft_recommendation(content_editor, draft):
    model_admin, request = admin_for(Recommendation, content_editor)
    assert model_admin.has_change_permission(request, Recommendation.objects.filter(version=draft).first())


def test_reviewer_may_not_change_a_draft_recommendation(clinical_reviewer, draft):
    model_admin, request = admin_for(Recommendation, clinical_reviewer)
    assert not model_admin.has_change_permission(request, Recommendation.objects.filter(version=draft).first())


def test_recommendation_form_offers_only_citations_of_its_version(admin_user, draft):
    model_admin, request = admin_for(Recommendation, admin_user)
    recommendation = Recommendation.objects.filter(version=draft).first()
    form = model_admin.get_form(request, recommendation, change=True)
    assert set(form.base_fields["citations"].queryset) == set(Citation.objects.filter(version=draft))


def test_recommendation_form_refuses_a_citation_of_another_version(admin_user, published_guideline, draft):
    model_admin, request = admin_for(Recommendation, admin_user)
    recommendation = Recommendation.objects.filter(version=draft).first()
    form_class = model_admin.get_form(request, recommendation, change=True)
    form_class.base_fields["citations"].queryset = Citation.objects.all()
    data = {**form_class(instance=recommendation).initial, "version": draft.pk}
    data["citations"] = [Citation.objects.filter(version=published_guideline).first().pk]
    form = form_class(data=data, instance=recommendation)
    assert not form.is_valid()
    assert "another guideline version" in str(form.errors["citations"])


def recommendation_post_data(client, recommendation, *conditions: dict) -> dict:
    """The change form as the editor's browser submits it, with ``conditions`` replacing the existing ones."""
    url = reverse("admin:guidance_recommendation_change", args=[recommendation.pk])
    data = form_data(client.get(url), "recommendation_form")
    existing = int(data["conditions-TOTAL_FORMS"][0])
    for i in range(existing):
        data[f"conditions-{i}-DELETE"] = ["on"]
    for i, condition in enumerate(conditions, start=existing):
        data.update({f"conditions-{i}-{k}": [v] for k, v in condition.items()})
    data["conditions-TOTAL_FORMS"] = [str(existing + len(conditions))]
    return data


def test_editor_saves_a_draft_recommendation_with_a_new_rule(client, content_editor, draft):
    recommendation = Recommendation.objects.get(version=draft, code="platelet_transfusion")
    client.force_login(content_editor)
    condition = {"group": 1, "fact": "etiology", "op": "in", "values": '["sle"]'}
    data = recommendation_post_data(client, recommendation, condition)
    response = client.post(reverse("admin:guidance_recommendation_change", args=[recommendation.pk]), data)
    assert response.status_code == 302
    assert list(recommendation.conditions.values_list("fact", "values")) == [("etiology", ["sle"])]


def test_editor_sees_why_a_condition_value_is_refused(client, content_editor, draft):
    recommendation = Recommendation.objects.get(version=draft, code="platelet_transfusion")
    client.force_login(content_editor)
    condition = {"group": 1, "fact": "etiology", "op": "in", "values": '["lupus"]'}
    data = recommendation_post_data(client, recommendation, condition)
    response = client.post(reverse("admin:guidance_recommendation_change", args=[recommendation.pk]), data)
    assert response.status_code == 200
    assert "&#x27;lupus&#x27; not allowed for &#x27;etiology&#x27;" in response.content.decode()


def test_editor_creates_a_draft_version_with_the_next_number(client, content_editor, published_guideline):
    client.force_login(content_editor)
    management = {
        f"{prefix}-{key}": value
        for prefix in ("thresholds", "guidancetexts")
        for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}.items()
    }
    response = client.post(reverse("admin:guidance_guidelineversion_add"), {"title": "Spring update", **management})
    assert response.status_code == 302
    created = GuidelineVersion.objects.get(title="Spring update")
    assert (created.number, created.status, created.created_by) == (2, GuidelineVersion.Status.DRAFT, content_editor)


def test_admin_shows_the_history_of_a_recommendation(client, admin_user, published_guideline):
    recommendation = Recommendation.objects.filter(version=published_guideline).first()
    client.force_login(admin_user)
    response = client.get(reverse("admin:guidance_recommendation_history", args=[recommendation.pk]))
    assert response.status_code == 200
